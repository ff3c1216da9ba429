"""Password reset by email: the same answer for every address, a link built from the base URL
that works once within an hour, and limits per address and per email."""

import threading
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select, update

from eventapp import auth, i18n, security
from eventapp import db as database
from eventapp.models import (
    ActivityLog,
    AuthSession,
    MailMessage,
    PasswordReset,
    RateLimitHit,
    User,
    utcnow,
)
from tests.conftest import BASE_URL
from tests.factories import (
    NEW_PASSWORD,
    PASSWORD,
    fragment,
    log_in,
    make_user,
    page,
    post_form,
    read,
    read_all,
)

RESET_PREFIX = f"{BASE_URL}/password-reset/"


def _ask(client, email: str, *, headers=None):
    return post_form(
        client, "/password-reset", {"email": email}, token_from="/password-reset", headers=headers
    )


def _mails(db) -> list[MailMessage]:
    return read_all(db, select(MailMessage).order_by(MailMessage.id))


def _link(message: MailMessage) -> str:
    return BeautifulSoup(message.body_html, "html.parser").select_one("#reset-link")["href"]


def _token(message: MailMessage) -> str:
    link = _link(message)
    assert link.startswith(RESET_PREFIX)
    return link.removeprefix(RESET_PREFIX)


def _set_new(client, token: str, new: str = NEW_PASSWORD, again: str | None = None, **kw):
    data = {"new_password": new, "new_password_again": new if again is None else again}
    return post_form(client, f"/password-reset/{token}", data, token_from="/login", **kw)


def _reset_token(db, user: User) -> str:
    _reset, token = auth.start_password_reset(db, user)
    db.commit()
    return token


def _password_is(db, user: User, password: str) -> bool:
    stored = read(db, select(User.password_hash).where(User.id == user.id))
    return security.verify_password(stored, password)


# Asking for a link -----------------------------------------------------------------------------


def test_the_request_form_is_a_plain_form_enhanced_with_htmx(client):
    form = page(client.get("/password-reset")).select_one("form#reset-request-form")

    assert (form["method"], form["action"], form["hx-post"], form["hx-target"]) == (
        "post",
        "/password-reset",
        "/password-reset",
        "this",
    )


def test_every_address_gets_the_same_answer(client, db):
    known = make_user(db, "known@example.org")
    disabled = make_user(db, "disabled@example.org")
    auth.set_active(db, disabled, is_active=False)
    db.commit()

    answers = [_ask(client, email) for email in (known.email, "nobody@example.org", disabled.email)]

    assert {(r.status_code, r.headers["location"]) for r in answers} == {
        (303, "/password-reset?done=reset-sent")
    }
    sent_page = page(client.get("/password-reset?done=reset-sent"))
    assert sent_page.select_one("#notice").get_text() == (
        "If an account uses this address, we have sent it a link to choose a new password. "
        "The link works once, for one hour. Check your spam folder if nothing arrives."
    )
    assert [m.to_address for m in _mails(db)] == ["known@example.org"]


def test_the_answer_through_htmx_is_an_hx_redirect_to_the_same_page(client, db):
    make_user(db, "known@example.org")

    known = _ask(client, "known@example.org", headers={"HX-Request": "true"})
    unknown = _ask(client, "nobody@example.org", headers={"HX-Request": "true"})

    assert [(r.status_code, r.headers["hx-redirect"]) for r in (known, unknown)] == [
        (204, "/password-reset?done=reset-sent"),
        (204, "/password-reset?done=reset-sent"),
    ]


def test_a_malformed_address_is_refused_beside_the_field_on_the_whole_page(client):
    response = _ask(client, "not an address")

    document = page(response)
    field = document.select_one("#input-email")
    assert response.status_code == 422
    assert document.select_one("html") is not None
    assert document.select_one("#error-email").get_text() == (
        "Enter an email address, like name@example.org."
    )
    assert (field["aria-invalid"], field["aria-describedby"]) == ("true", "error-email")


def test_a_malformed_address_is_refused_in_the_form_fragment_for_htmx(client):
    response = _ask(client, "", headers={"HX-Request": "true"})

    document = fragment(response)
    assert response.status_code == 422
    assert [tag.get("id") for tag in document.find_all(recursive=False)] == ["reset-request-form"]
    assert document.select_one("#error-email").get_text() == "This field is required."


def test_the_mail_links_to_the_base_url_even_with_a_forged_host_header(client, db):
    make_user(db, "known@example.org")

    _ask(client, "known@example.org", headers={"Host": "evil.example"})

    (message,) = _mails(db)
    assert _link(message).startswith(RESET_PREFIX)
    text_lines = message.body_text.splitlines()
    assert _link(message) in text_lines
    assert client.get(_link(message).removeprefix(BASE_URL)).status_code == 200


def test_the_mail_is_written_in_the_accounts_language(client, db):
    user = make_user(db, "thai@example.org")
    user.language = "th"
    db.add(user)
    db.commit()

    _ask(client, user.email)

    (message,) = _mails(db)
    thai = i18n.translations_for("th")
    assert message.subject == thai.gettext("Choose a new password for eventapp")
    assert BeautifulSoup(message.body_html, "html.parser").select_one("html")["lang"] == "th"


def test_only_a_hash_of_the_token_is_stored(client, db):
    make_user(db, "known@example.org")

    _ask(client, "known@example.org")

    token = _token(_mails(db)[0])
    reset = read(db, select(PasswordReset))
    assert reset.token_hash == security.token_hash(token)
    assert abs((reset.expires_at - utcnow()) - timedelta(hours=1)) < timedelta(minutes=1)


def test_requests_are_limited_per_email(client, db):
    make_user(db, "known@example.org")

    statuses = [
        _ask(client, "known@example.org").status_code
        for _attempt in range(auth.RESET_LIMIT_PER_EMAIL + 1)
    ]

    assert statuses == [303] * auth.RESET_LIMIT_PER_EMAIL + [429]
    assert len(_mails(db)) == auth.RESET_LIMIT_PER_EMAIL


def test_requests_are_limited_per_address(client, db):
    statuses = [
        _ask(client, f"someone{n}@example.org").status_code
        for n in range(auth.RESET_LIMIT_PER_ADDRESS + 1)
    ]

    assert statuses == [303] * auth.RESET_LIMIT_PER_ADDRESS + [429]
    keys = read_all(db, select(RateLimitHit.key).where(RateLimitHit.bucket == "reset-address"))
    assert keys == ["testclient"] * auth.RESET_LIMIT_PER_ADDRESS


def test_the_limit_answer_says_to_wait(client, db):
    for _attempt in range(auth.RESET_LIMIT_PER_EMAIL):
        _ask(client, "someone@example.org")

    response = _ask(client, "someone@example.org")

    assert page(response).select_one("#form-error").get_text() == (
        "Too many requests. Wait an hour and try again."
    )


# Using the link --------------------------------------------------------------------------------


def test_the_link_opens_a_form_for_the_new_password(client, db):
    token = _reset_token(db, make_user(db))

    document = page(client.get(f"/password-reset/{token}"))

    form = document.select_one("form#new-password-form")
    assert (form["method"], form["action"], form["hx-post"]) == (
        "post",
        f"/password-reset/{token}",
        f"/password-reset/{token}",
    )
    assert document.select_one("meta[name=referrer]")["content"] == "no-referrer"


def test_completing_sets_the_password_ends_every_session_and_uses_the_link(
    client, other_client, db
):
    user = make_user(db)
    log_in(other_client, user)
    token = _reset_token(db, user)

    response = _set_new(client, token)

    assert (response.status_code, response.headers["location"]) == (
        303,
        "/login?done=password-reset",
    )
    assert (_password_is(db, user, NEW_PASSWORD), _password_is(db, user, PASSWORD)) == (True, False)
    assert read(db, select(func.count()).select_from(AuthSession)) == 0
    assert other_client.get("/account").status_code == 303
    assert read(db, select(PasswordReset.used_at)) is not None
    notice = page(client.get("/login?done=password-reset")).select_one("#notice")
    assert notice.get_text() == "Your password has been changed. Log in with your new password."
    entry = read(db, select(ActivityLog))
    assert (entry.action, entry.event_id, entry.user_id) == (
        "account.reset_password",
        None,
        user.id,
    )


def test_completing_through_htmx_answers_with_hx_redirect(client, db):
    user = make_user(db)
    token = _reset_token(db, user)

    response = _set_new(client, token, headers={"HX-Request": "true"})

    assert (response.status_code, response.headers["hx-redirect"]) == (
        204,
        "/login?done=password-reset",
    )
    assert _password_is(db, user, NEW_PASSWORD)


def test_the_whole_journey_from_the_mail_to_a_login(client, db):
    user = make_user(db, "known@example.org")
    _ask(client, user.email)

    _set_new(client, _token(_mails(db)[0]))
    response = post_form(client, "/login", {"email": user.email, "password": NEW_PASSWORD})

    assert response.status_code == 303


@pytest.mark.parametrize(
    ("new", "again", "field", "message"),
    [
        ("short", "short", "new_password", "Use at least 8 characters."),
        (
            "12345678",
            "12345678",
            "new_password",
            "This password is on a list of common passwords; choose another.",
        ),
        (
            NEW_PASSWORD,
            "something else",
            "new_password_again",
            "The two new passwords are not the same.",
        ),
    ],
)
def test_the_password_policy_applies_and_a_refusal_keeps_the_link(
    client, db, new, again, field, message
):
    user = make_user(db)
    token = _reset_token(db, user)

    response = _set_new(client, token, new, again)

    document = page(response)
    assert response.status_code == 422
    assert document.select_one(f"#error-{field}").get_text() == message
    assert document.select_one(f"#input-{field}")["aria-invalid"] == "true"
    assert _password_is(db, user, PASSWORD)
    assert client.get(f"/password-reset/{token}").status_code == 200


def test_a_refusal_through_htmx_rerenders_only_the_form(client, db):
    token = _reset_token(db, make_user(db))

    response = _set_new(client, token, "short", headers={"HX-Request": "true"})

    document = fragment(response)
    assert response.status_code == 422
    assert [tag.get("id") for tag in document.find_all(recursive=False)] == ["new-password-form"]


def _says_no_longer_valid(response) -> bool:
    return page(response).select_one("h1").get_text() == "This link is no longer valid"


def test_a_used_link_is_no_longer_valid(client, db):
    user = make_user(db)
    token = _reset_token(db, user)
    _set_new(client, token)

    shown = client.get(f"/password-reset/{token}")
    reused = _set_new(client, token, "yet another passphrase 9")

    assert (shown.status_code, _says_no_longer_valid(shown)) == (410, True)
    assert (reused.status_code, _says_no_longer_valid(reused)) == (410, True)
    assert _password_is(db, user, NEW_PASSWORD)


def test_an_expired_link_is_no_longer_valid(client, db):
    user = make_user(db)
    token = _reset_token(db, user)
    db.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.commit()

    shown = client.get(f"/password-reset/{token}")
    submitted = _set_new(client, token)

    assert (shown.status_code, _says_no_longer_valid(shown)) == (410, True)
    assert (submitted.status_code, _says_no_longer_valid(submitted)) == (410, True)
    assert _password_is(db, user, PASSWORD)


def test_a_made_up_link_is_not_found(client, db):
    make_user(db)

    response = client.get(f"/password-reset/{security.new_token()}")

    assert (response.status_code, _says_no_longer_valid(response)) == (404, True)


def test_a_link_dies_when_the_password_is_changed_another_way(client, db):
    user = make_user(db)
    token = _reset_token(db, user)

    auth.set_password(db, user, "changed on the account page 3")
    db.commit()

    assert client.get(f"/password-reset/{token}").status_code == 410


def test_a_link_of_a_disabled_account_is_no_longer_valid(client, db):
    user = make_user(db)
    token = _reset_token(db, user)
    auth.set_active(db, user, is_active=False)
    db.commit()

    response = _set_new(client, token)

    assert (response.status_code, _says_no_longer_valid(response)) == (410, True)
    assert _password_is(db, user, PASSWORD)


def test_a_link_is_claimed_once_even_by_two_calls_in_a_row(db):
    user = make_user(db)
    token = _reset_token(db, user)

    auth.complete_password_reset(db, token, NEW_PASSWORD)
    with pytest.raises(auth.ResetLinkNotValid):
        auth.complete_password_reset(db, token, "yet another passphrase 9")
    db.commit()

    assert _password_is(db, user, NEW_PASSWORD)


def test_a_used_link_sends_htmx_to_the_page_that_says_so(client, db):
    token = _reset_token(db, make_user(db))
    _set_new(client, token)

    response = _set_new(client, token, "yet another passphrase 9", headers={"HX-Request": "true"})

    assert (response.status_code, response.headers["hx-redirect"]) == (
        204,
        f"/password-reset/{token}",
    )


def test_two_submissions_at_the_same_moment_use_the_link_once(engine, db):
    user = make_user(db)
    token = _reset_token(db, user)
    start = threading.Barrier(2)
    outcomes = []

    def submit(password: str) -> None:
        with database.new_session(engine, write=True) as session:
            start.wait()
            try:
                auth.complete_password_reset(session, token, password)
                session.commit()
                outcomes.append(password)
            except auth.ResetLinkNotValid:
                session.rollback()
                outcomes.append("refused")

    threads = [
        threading.Thread(target=submit, args=(p,))
        for p in (NEW_PASSWORD, "yet another passphrase 9")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    (winner,) = [o for o in outcomes if o != "refused"]
    assert sorted(outcomes) == sorted([winner, "refused"])
    assert _password_is(db, user, winner)
