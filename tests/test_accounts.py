"""Logging in and out, passwords, login limits, and the account page (name, language,
password)."""

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from eventapp import auth, i18n, security
from eventapp.config import get_settings
from eventapp.models import ActivityLog, RateLimitHit, User
from tests.conftest import BASE_URL
from tests.factories import (
    NEW_PASSWORD,
    PASSWORD,
    csrf_from,
    fragment,
    log_in,
    make_user,
    page,
    post_form,
    read,
    read_all,
    text_of,
)


def _fresh(db, user: User) -> User:
    return read(db, select(User).where(User.id == user.id))


def _login(client, email: str, password: str, headers=None):
    return post_form(client, "/login", {"email": email, "password": password}, headers=headers)


def _field_error(document, name: str) -> tuple[str, str, str]:
    """(message, aria-invalid, aria-describedby) of one field."""
    field = document.select_one(f"#input-{name}")
    return (
        document.select_one(f"#error-{name}").get_text(),
        field.get("aria-invalid"),
        field.get("aria-describedby").split()[0],
    )


# The login page --------------------------------------------------------------------------------


def test_login_page_is_a_plain_form_enhanced_with_htmx(client):
    form = page(client.get("/login?next=/manage/events/1/")).select_one("form#login-form")

    assert (form["method"], form["action"]) == ("post", "/login")
    assert (form["hx-post"], form["hx-target"]) == ("/login", "this")
    assert form.select_one("input[name=next]")["value"] == "/manage/events/1/"
    assert [i["name"] for i in form.select("input:not([type=hidden])")] == ["email", "password"]
    assert form.select_one("input[name=password]")["autocomplete"] == "current-password"


def test_login_takes_the_person_where_they_were_going(client, db):
    user = make_user(db)

    response = post_form(
        client, "/login", {"email": user.email, "password": PASSWORD, "next": "/account"}
    )

    assert (response.status_code, response.headers["location"]) == (303, "/account")


def test_login_never_redirects_to_another_site(client, db):
    user = make_user(db)

    response = post_form(
        client, "/login", {"email": user.email, "password": PASSWORD, "next": "//evil.example/"}
    )

    assert (response.status_code, response.headers["location"]) == (303, "/manage/")


def test_login_through_htmx_answers_with_hx_redirect(client, db):
    user = make_user(db)

    response = _login(client, user.email, PASSWORD, headers={"HX-Request": "true"})

    assert (response.status_code, response.headers["hx-redirect"]) == (204, "/manage/")
    assert client.get("/account").status_code == 200


def test_a_wrong_password_rerenders_the_whole_page_without_htmx(client, db):
    user = make_user(db)

    response = _login(client, user.email, "not my password at all")

    document = page(response)
    assert response.status_code == 422
    assert document.select_one("html") is not None
    assert document.select_one("#form-error").get_text() == "The email or password is not right."
    assert document.select_one("#input-email")["value"] == user.email
    assert document.select_one("#input-password").get("value") is None


def test_a_wrong_password_rerenders_only_the_form_for_htmx(client, db):
    user = make_user(db)

    response = _login(client, user.email, "not my password at all", headers={"HX-Request": "true"})

    document = fragment(response)
    assert response.status_code == 422
    assert document.select_one("html") is None
    assert [tag.name for tag in document.find_all(recursive=False)] == ["form"]
    assert document.select_one("#form-error").get_text() == "The email or password is not right."


def test_an_empty_login_form_says_so_beside_each_field(client):
    response = _login(client, "", "")

    document = page(response)
    assert response.status_code == 422
    assert _field_error(document, "email") == ("This field is required.", "true", "error-email")
    assert _field_error(document, "password") == (
        "This field is required.",
        "true",
        "error-password",
    )


def test_a_nul_byte_in_the_email_is_a_422_not_a_crash(client, db):
    response = _login(client, "someone\x00@example.org", "whatever password")

    assert response.status_code == 422
    assert page(response).select_one("#error-email").get_text() == (
        "This field contains a character that is not allowed."
    )


def test_unknown_email_and_wrong_password_get_the_same_answer(client, db):
    user = make_user(db)

    wrong_password = _login(client, user.email, "not my password at all")
    unknown_email = _login(client, "nobody-here@example.org", "not my password at all")

    assert wrong_password.status_code == unknown_email.status_code == 422
    assert text_of(wrong_password) == text_of(unknown_email)
    assert text_of(wrong_password, "#form-error") == "The email or password is not right."


def test_an_unknown_email_still_costs_one_argon2_verification(client, db, monkeypatch):
    user = make_user(db)
    checked = []
    real_verify = PasswordHasher.verify
    monkeypatch.setattr(
        PasswordHasher, "verify", lambda self, h, p: checked.append(h) or real_verify(self, h, p)
    )

    _login(client, user.email, "not my password at all")
    _login(client, "nobody-here@example.org", "not my password at all")

    assert checked == [_fresh(db, user).password_hash, security._DUMMY_HASH]


def test_an_email_is_matched_whatever_its_case_and_surrounding_spaces(client, db):
    user = make_user(db, "Mixed.Case@Example.org")

    response = _login(client, "  MIXED.case@example.ORG ", PASSWORD)

    assert (user.email, response.status_code) == ("mixed.case@example.org", 303)


# Passwords -------------------------------------------------------------------------------------


def test_passwords_are_stored_as_argon2id_hashes(db):
    user = make_user(db)

    assert _fresh(db, user).password_hash.startswith("$argon2id$")
    assert PASSWORD not in _fresh(db, user).password_hash


@pytest.mark.parametrize("password", ["short7!", "password", "12345678", "iloveyou"])
def test_short_and_common_passwords_are_refused(db, password):
    with pytest.raises(auth.WeakPassword):
        auth.create_user(db, "weak@example.org", password)


@pytest.mark.parametrize(
    "password",
    [
        "x" * 500,
        "รหัสผ่านภาษาไทยของฉัน",
        "🐘🌶️🛺 ต้มยำ 🍜🔑",
        "  leading and trailing spaces  ",
    ],
    ids=["500 characters", "Thai", "emoji", "spaces"],
)
def test_long_and_non_ascii_passwords_log_in_exactly_as_typed(client, db, password):
    user = make_user(db, password=password)

    assert _login(client, user.email, password).status_code == 303


def test_spaces_around_a_password_are_part_of_it(client, db):
    user = make_user(db, password="  leading and trailing spaces  ")

    response = _login(client, user.email, "leading and trailing spaces")

    assert response.status_code == 422


def test_a_password_differing_in_one_thai_character_is_refused(client, db):
    user = make_user(db, password="รหัสผ่านภาษาไทยของฉัน")

    assert _login(client, user.email, "รหัสผ่านภาษาไทยของฉั").status_code == 422


# Login limits ----------------------------------------------------------------------------------


def test_failed_logins_are_limited_per_account(client, db):
    user = make_user(db)

    statuses = [
        _login(client, user.email, "not my password at all").status_code
        for _attempt in range(auth.LOGIN_LIMIT_PER_ACCOUNT + 1)
    ]
    right_password = _login(client, user.email, PASSWORD)

    assert statuses == [422] * auth.LOGIN_LIMIT_PER_ACCOUNT + [429]
    assert right_password.status_code == 429
    assert text_of(right_password, "#form-error") == (
        "Too many failed attempts. Wait a few minutes and try again."
    )


def test_the_account_limit_counts_in_the_database(client, db):
    user = make_user(db)

    _login(client, user.email, "not my password at all")

    hits = read_all(db, select(RateLimitHit).order_by(RateLimitHit.bucket))
    assert [(hit.bucket, hit.key) for hit in hits] == [
        ("login-account", user.email),
        ("login-address", "testclient"),
    ]


def test_a_successful_login_clears_the_accounts_count_but_not_the_addresss(client, db):
    user = make_user(db)
    _login(client, user.email, "not my password at all")

    _login(client, user.email, PASSWORD)

    hits = read_all(db, select(RateLimitHit.bucket))
    assert hits == ["login-address"]


def test_failed_logins_are_limited_per_address_across_accounts(client, db):
    statuses = [
        _login(client, f"guess{attempt}@example.org", "not my password at all").status_code
        for attempt in range(auth.LOGIN_LIMIT_PER_ADDRESS + 1)
    ]

    assert statuses == [422] * auth.LOGIN_LIMIT_PER_ADDRESS + [429]


def test_a_spoofed_forwarded_for_does_not_escape_the_address_limit(client, db, settings_env):
    settings_env(trusted_proxies="")

    statuses = [
        _login(
            client,
            f"guess{attempt}@example.org",
            "not my password at all",
            headers={"X-Forwarded-For": f"203.0.113.{attempt}"},
        ).status_code
        for attempt in range(auth.LOGIN_LIMIT_PER_ADDRESS + 1)
    ]

    assert statuses == [422] * auth.LOGIN_LIMIT_PER_ADDRESS + [429]
    keys = read_all(db, select(RateLimitHit.key).where(RateLimitHit.bucket == "login-address"))
    assert set(keys) == {"testclient"}


def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(app, db, settings_env):
    settings_env(trusted_proxies="10.0.0.0/8")
    addresses = [f"203.0.113.{n}" for n in range(auth.LOGIN_LIMIT_PER_ADDRESS + 1)]

    with TestClient(
        app, base_url=BASE_URL, follow_redirects=False, client=("10.0.0.2", 40000)
    ) as proxied:
        spread = [
            _login(
                proxied,
                f"guess{n}@example.org",
                "not my password at all",
                headers={"X-Forwarded-For": address},
            ).status_code
            for n, address in enumerate(addresses)
        ]
        one_address = [
            _login(
                proxied,
                f"again{n}@example.org",
                "not my password at all",
                headers={"X-Forwarded-For": "198.51.100.1"},
            ).status_code
            for n in range(auth.LOGIN_LIMIT_PER_ADDRESS + 1)
        ]

    assert spread == [422] * len(addresses)
    assert one_address == [422] * auth.LOGIN_LIMIT_PER_ADDRESS + [429]
    keys = read_all(db, select(RateLimitHit.key).where(RateLimitHit.bucket == "login-address"))
    assert set(keys) == {*addresses, "198.51.100.1"}


# Logging out -----------------------------------------------------------------------------------


def test_logout_is_a_post_with_the_token_and_clears_the_cookie(client, db):
    user = make_user(db)
    log_in(client, user)
    form = page(client.get("/account")).select_one("form[action='/logout']")

    response = client.post(
        "/logout", data={"csrf_token": form.select_one("input[name=csrf_token]")["value"]}
    )

    assert (response.status_code, response.headers["location"]) == (303, "/login?done=logged-out")
    assert client.cookies.get("eventapp_session") is None
    assert client.get("/account").status_code == 303


def test_logout_cannot_be_done_with_a_get(client, db):
    log_in(client, make_user(db))

    assert client.get("/logout").status_code == 405
    assert client.get("/account").status_code == 200


# The account page ------------------------------------------------------------------------------


def _save_profile(client, user, *, headers=None, **fields):
    data = {"name": user.name, "language": "en", "version": str(user.version), **fields}
    return post_form(client, "/account/profile", data, token_from="/account", headers=headers)


def _change_password(client, current, new, again=None, *, headers=None):
    data = {
        "current_password": current,
        "new_password": new,
        "new_password_again": new if again is None else again,
    }
    return post_form(client, "/account/password", data, token_from="/account", headers=headers)


def test_the_account_page_needs_a_login(client):
    response = client.get("/account")

    assert (response.status_code, response.headers["location"]) == (303, "/login?next=/account")


def test_the_account_page_shows_the_saved_name_and_language(client, db):
    user = make_user(db, "reader@example.org", name="Somchai Jaidee")
    log_in(client, user)

    document = page(client.get("/account"))

    assert document.select_one("#account-email").get_text() == ("You log in as reader@example.org.")
    assert document.select_one("#input-name")["value"] == "Somchai Jaidee"
    assert [o["value"] for o in document.select("#input-language option")] == ["en", "th"]
    profile = document.select_one("form#profile-form")
    assert (profile["method"], profile["action"], profile["hx-post"], profile["hx-target"]) == (
        "post",
        "/account/profile",
        "/account/profile",
        "this",
    )


def test_changing_the_name_saves_it_logs_it_and_says_so(client, db):
    user = make_user(db, name="Old Name")
    log_in(client, user)

    response = _save_profile(client, user, name="  New Name  ")

    assert (response.status_code, response.headers["location"]) == (303, "/account?done=profile")
    assert _fresh(db, user).name == "New Name"
    notice = page(client.get(response.headers["location"])).select_one("#notice")
    assert notice.get_text() == "Your account has been saved."
    entry = read(db, select(ActivityLog))
    assert (entry.action, entry.event_id, entry.user_id, entry.changes) == (
        "account.update",
        None,
        user.id,
        {"name": ["Old Name", "New Name"], "language": [None, "en"]},
    )


def test_changing_the_name_through_htmx_answers_with_hx_redirect(client, db):
    user = make_user(db, name="Old Name")
    log_in(client, user)

    response = _save_profile(client, user, name="New Name", headers={"HX-Request": "true"})

    assert (response.status_code, response.headers["hx-redirect"]) == (204, "/account?done=profile")
    assert _fresh(db, user).name == "New Name"


def test_an_empty_name_is_refused_beside_the_field_on_the_whole_page(client, db):
    user = make_user(db, name="Old Name")
    log_in(client, user)

    response = _save_profile(client, user, name="   ")

    document = page(response)
    assert response.status_code == 422
    assert document.select_one("html") is not None
    assert _field_error(document, "name") == ("This field is required.", "true", "error-name")
    assert _fresh(db, user).name == "Old Name"


def test_an_empty_name_is_refused_in_the_form_fragment_for_htmx(client, db):
    user = make_user(db, name="Old Name")
    log_in(client, user)

    response = _save_profile(client, user, name="", headers={"HX-Request": "true"})

    document = fragment(response)
    assert response.status_code == 422
    assert document.select_one("html") is None
    assert [tag.get("id") for tag in document.find_all(recursive=False)] == ["profile-form"]
    assert _field_error(document, "name") == ("This field is required.", "true", "error-name")


def test_a_name_over_the_limit_and_an_unknown_language_are_refused(client, db):
    user = make_user(db, name="Old Name")
    log_in(client, user)

    response = _save_profile(client, user, name="x" * 201, language="fr")

    document = page(response)
    assert response.status_code == 422
    assert document.select_one("#error-name").get_text() == "Use at most 200 characters."
    assert document.select_one("#error-language").get_text() == "Choose one of the options."
    assert document.select_one("#input-name")["value"] == "x" * 201
    assert (_fresh(db, user).name, _fresh(db, user).language) == ("Old Name", None)


def test_a_save_from_a_stale_form_is_refused_and_shows_what_is_saved(client, db):
    user = make_user(db, name="Old Name")
    log_in(client, user)
    stale_version = user.version
    _save_profile(client, user, name="Saved In Another Window")

    response = _save_profile(client, user, name="Older Edit", version=str(stale_version))

    document = page(response)
    assert response.status_code == 409
    assert document.select_one("#form-error").get_text() == (
        "Your account was changed meanwhile. Check it and save again."
    )
    assert document.select_one("#input-name")["value"] == "Saved In Another Window"
    assert _fresh(db, user).name == "Saved In Another Window"


def test_the_chosen_interface_language_is_saved_and_used(client, db):
    user = make_user(db)
    log_in(client, user)

    _save_profile(client, user, language="th")

    document = page(client.get("/account"))
    assert _fresh(db, user).language == "th"
    assert document.select_one("html")["lang"] == "th"
    assert document.select_one("h1").get_text() == i18n.translations_for("th").gettext(
        "Your account"
    )


def test_the_accounts_language_follows_it_to_a_new_browser(app, db):
    user = make_user(db)
    user.language = "th"
    db.add(user)
    db.commit()

    with TestClient(app, base_url=BASE_URL, follow_redirects=False) as new_browser:
        log_in(new_browser, user)
        document = page(new_browser.get("/account"))

    assert document.select_one("html")["lang"] == "th"


def test_changing_the_password_needs_the_current_one(client, db):
    user = make_user(db)
    log_in(client, user)
    hash_before = _fresh(db, user).password_hash

    response = _change_password(client, "not my password at all", NEW_PASSWORD)

    document = page(response)
    assert response.status_code == 422
    assert document.select_one("html") is not None
    assert _field_error(document, "current_password") == (
        "This is not your current password.",
        "true",
        "error-current_password",
    )
    assert _fresh(db, user).password_hash == hash_before


def test_a_wrong_current_password_is_refused_in_the_fragment_for_htmx(client, db):
    user = make_user(db)
    log_in(client, user)

    response = _change_password(
        client, "not my password at all", NEW_PASSWORD, headers={"HX-Request": "true"}
    )

    document = fragment(response)
    assert response.status_code == 422
    assert [tag.get("id") for tag in document.find_all(recursive=False)] == ["password-form"]
    assert document.select_one("#error-current_password").get_text() == (
        "This is not your current password."
    )


def test_wrong_current_passwords_count_towards_the_accounts_login_limit(client, db):
    user = make_user(db)
    log_in(client, user)

    statuses = [
        _change_password(client, "not my password at all", NEW_PASSWORD).status_code
        for _attempt in range(auth.LOGIN_LIMIT_PER_ACCOUNT + 1)
    ]

    assert statuses == [422] * auth.LOGIN_LIMIT_PER_ACCOUNT + [429]


@pytest.mark.parametrize(
    ("new", "again", "field", "message"),
    [
        ("short", "short", "new_password", "Use at least 8 characters."),
        (
            "password",
            "password",
            "new_password",
            "This password is on a list of common passwords; choose another.",
        ),
        (
            NEW_PASSWORD,
            NEW_PASSWORD + " ",
            "new_password_again",
            "The two new passwords are not the same.",
        ),
    ],
)
def test_a_weak_or_mistyped_new_password_is_refused_beside_its_field(
    client, db, new, again, field, message
):
    user = make_user(db)
    log_in(client, user)

    response = _change_password(client, PASSWORD, new, again)

    assert response.status_code == 422
    assert _field_error(page(response), field) == (message, "true", f"error-{field}")
    assert _login_works(db, user, PASSWORD)


def _login_works(db, user, password) -> bool:
    return security.verify_password(_fresh(db, user).password_hash, password)


def test_changing_the_password_sets_it_logs_it_and_says_so(client, db):
    user = make_user(db)
    log_in(client, user)

    response = _change_password(client, PASSWORD, NEW_PASSWORD)

    assert (response.status_code, response.headers["location"]) == (303, "/account?done=password")
    assert (_login_works(db, user, NEW_PASSWORD), _login_works(db, user, PASSWORD)) == (True, False)
    notice = page(client.get(response.headers["location"])).select_one("#notice")
    assert notice.get_text() == (
        "Your password has been changed. You have been logged out everywhere else."
    )
    entry = read(db, select(ActivityLog))
    assert (entry.action, entry.event_id, entry.user_id) == (
        "account.change_password",
        None,
        user.id,
    )


def test_changing_the_password_through_htmx_answers_with_hx_redirect(client, db):
    user = make_user(db)
    log_in(client, user)

    response = _change_password(client, PASSWORD, NEW_PASSWORD, headers={"HX-Request": "true"})

    assert (response.status_code, response.headers["hx-redirect"]) == (
        204,
        "/account?done=password",
    )
    assert client.get("/account").status_code == 200
    assert _login_works(db, user, NEW_PASSWORD)


def test_a_notice_key_shows_only_known_messages(client, db):
    log_in(client, make_user(db))

    document = page(client.get("/account?done=<b>forged</b>"))

    assert document.select_one("#notice") is None


def test_the_token_on_the_account_page_is_this_browsers(client, db):
    log_in(client, make_user(db))

    assert csrf_from(client, "/account") == security.csrf_token_for(
        get_settings().resolved_secret_key(), client.cookies["eventapp_csrf"]
    )


def test_the_accounts_language_is_used_without_a_language_cookie(client, db):
    user = make_user(db)
    db.execute(update(User).where(User.id == user.id).values(language="th"))
    token = auth.start_session(db, user)
    db.commit()
    client.cookies.set("eventapp_session", token)

    response = client.get("/account")

    assert (page(response).select_one("html")["lang"], response.headers["content-language"]) == (
        "th",
        "th",
    )
