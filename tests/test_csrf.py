"""CSRF: every unsafe request carries the token of its own CSRF cookie (form field, or the
X-CSRF-Token header for htmx) and does not come from another site. Anything else is 403 and
changes nothing."""

import json

import pytest
from sqlalchemy import func, select

from eventapp.models import AuthSession, User
from tests.conftest import BASE_URL
from tests.factories import NEW_PASSWORD, PASSWORD, csrf_from, log_in, make_user, page, read


def _state(db, user) -> tuple:
    """Everything the requests below could change."""
    return (
        read(db, select(User.name).where(User.id == user.id)),
        read(db, select(User.password_hash).where(User.id == user.id)),
        read(db, select(func.count()).select_from(AuthSession)),
    )


# Each request a cross-site page could make a logged-in browser send.
ACTIONS = {
    "profile": (
        "/account/profile",
        {"name": "Changed by someone else", "language": "en", "version": "1"},
    ),
    "password": (
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
    ),
    "logout": ("/logout", {}),
}


def _attack(kind: str, client, other_client, *, own_page: str) -> tuple[dict, dict]:
    """(extra form fields, headers) for one way of forging a request."""
    own = csrf_from(client, own_page)
    if kind == "missing token":
        return {}, {}
    if kind == "wrong token":
        return {"csrf_token": "0" * 64}, {}
    if kind == "token of another cookie":
        return {"csrf_token": csrf_from(other_client, "/login")}, {}
    if kind == "origin of another site":
        return {"csrf_token": own}, {"Origin": "https://evil.example"}
    if kind == "null origin":
        return {"csrf_token": own}, {"Origin": "null"}
    if kind == "null origin from another site":
        return {"csrf_token": own}, {"Origin": "null", "Sec-Fetch-Site": "cross-site"}
    if kind == "null origin, right site, wrong token":
        return {"csrf_token": "0" * 64}, {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
    if kind == "sec-fetch-site cross-site":
        return {"csrf_token": own}, {"Sec-Fetch-Site": "cross-site"}
    if kind == "htmx header of another cookie":
        return {}, {"HX-Request": "true", "X-CSRF-Token": csrf_from(other_client, "/login")}
    raise AssertionError(kind)


ATTACKS = [
    "missing token",
    "wrong token",
    "token of another cookie",
    "origin of another site",
    "null origin",
    "null origin from another site",
    "null origin, right site, wrong token",
    "sec-fetch-site cross-site",
    "htmx header of another cookie",
]


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("attack", ATTACKS)
def test_forged_requests_are_refused_and_change_nothing(client, other_client, db, action, attack):
    user = make_user(db, name="Original Name")
    log_in(client, user)
    fields, headers = _attack(attack, client, other_client, own_page="/account")
    path, data = ACTIONS[action]
    before = _state(db, user)

    response = client.post(path, data={**data, **fields}, headers=headers)

    assert response.status_code == 403
    assert page(response).select_one("h1").get_text() == "Not allowed"
    assert _state(db, user) == before


@pytest.mark.parametrize("action", list(ACTIONS))
def test_the_same_requests_with_the_right_token_go_through(client, db, action):
    user = make_user(db, name="Original Name")
    log_in(client, user)
    path, data = ACTIONS[action]
    before = _state(db, user)

    response = client.post(path, data={**data, "csrf_token": csrf_from(client, "/account")})

    assert response.status_code == 303
    assert _state(db, user) != before


def test_a_form_of_a_no_referrer_page_goes_through_with_its_token(client, db):
    """Browsers post such forms with Origin: null; Sec-Fetch-Site says it is this site."""
    user = make_user(db, name="Original Name")
    log_in(client, user)
    path, data = ACTIONS["profile"]
    before = _state(db, user)

    response = client.post(
        path,
        data={**data, "csrf_token": csrf_from(client, "/account")},
        headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"},
    )

    assert response.status_code == 303
    assert _state(db, user) != before


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_forged_login_is_refused_and_logs_nobody_in(client, other_client, db, attack):
    user = make_user(db)
    fields, headers = _attack(attack, client, other_client, own_page="/login")

    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, **fields}, headers=headers
    )

    assert response.status_code == 403
    assert read(db, select(func.count()).select_from(AuthSession)) == 0


def test_htmx_sends_the_token_from_the_page_in_a_header(client, db):
    user = make_user(db, name="Original Name")
    log_in(client, user)
    hx_headers = json.loads(page(client.get("/account")).select_one("body")["hx-headers"])

    response = client.post(
        "/account/profile",
        data={"name": "Renamed by htmx", "language": "en", "version": str(user.version)},
        headers={"HX-Request": "true", **hx_headers},
    )

    assert (response.status_code, response.headers["hx-redirect"]) == (204, "/account?done=profile")
    assert read(db, select(User.name).where(User.id == user.id)) == "Renamed by htmx"


def test_a_same_origin_request_with_its_token_passes_the_fetch_metadata_checks(client, db):
    user = make_user(db)

    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_from(client)},
        headers={"Sec-Fetch-Site": "same-origin", "Origin": BASE_URL},
    )

    assert response.status_code == 303


def test_login_renews_the_csrf_cookie_so_a_token_from_before_stops_working(client, db):
    user = make_user(db)
    before_login = csrf_from(client, "/login")

    log_in(client, user)
    response = client.post(
        "/account/profile",
        data={"name": "x", "language": "en", "version": "1", "csrf_token": before_login},
    )

    assert response.status_code == 403
