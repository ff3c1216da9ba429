"""Server-side sessions: a row per login, a random id in the cookie, ended at once by logout,
a password change or disabling the account."""

from datetime import timedelta
from http.cookies import SimpleCookie

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from eventapp import auth, security
from eventapp.models import AuthSession, utcnow
from tests.factories import (
    NEW_PASSWORD,
    PASSWORD,
    csrf_from,
    log_in,
    make_user,
    page,
    post_form,
    read,
)


def _session_count(db, user) -> int:
    return read(db, select(func.count()).where(AuthSession.user_id == user.id))


def _is_logged_in(client) -> bool:
    response = client.get("/account")
    if response.status_code == 303:
        assert response.headers["location"] == "/login?next=/account"
        return False
    assert response.status_code == 200
    return True


def _change_password(client):
    data = {
        "current_password": PASSWORD,
        "new_password": NEW_PASSWORD,
        "new_password_again": NEW_PASSWORD,
    }
    return post_form(client, "/account/password", data, token_from="/account")


def _stored_session_hash(db, user) -> str:
    return read(db, select(AuthSession.token_hash).where(AuthSession.user_id == user.id))


def _session_cookie_header(response) -> SimpleCookie:
    headers = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    cookies = [SimpleCookie(h) for h in headers]
    return next(c for c in cookies if "eventapp_session" in c)


def test_login_stores_a_session_row_and_only_the_ids_hash(client, db):
    user = make_user(db)

    log_in(client, user)

    cookie = client.cookies["eventapp_session"]
    stored = _stored_session_hash(db, user)
    assert stored == security.token_hash(cookie)
    assert stored != cookie
    assert _is_logged_in(client) is True


def test_session_cookie_is_httponly_samesite_lax_and_not_secure_over_http(client, db):
    user = make_user(db)

    response = post_form(client, "/login", {"email": user.email, "password": PASSWORD})

    morsel = _session_cookie_header(response)["eventapp_session"]
    assert (morsel["httponly"], morsel["samesite"], morsel["path"], morsel["secure"]) == (
        True,
        "lax",
        "/",
        "",
    )
    assert int(morsel["max-age"]) == int(auth.SESSION_LIFETIME.total_seconds())


def test_session_cookie_is_secure_when_the_base_url_is_https(app, db, settings_env):
    settings_env(base_url="https://testserver")
    user = make_user(db)

    with TestClient(app, base_url="https://testserver", follow_redirects=False) as secure:
        response = post_form(secure, "/login", {"email": user.email, "password": PASSWORD})

    morsel = _session_cookie_header(response)["eventapp_session"]
    assert (response.status_code, morsel["secure"], morsel["httponly"]) == (303, True, True)


def test_login_gives_a_new_session_id_never_the_one_the_browser_came_with(client, db):
    user = make_user(db)
    planted = security.new_token()
    client.cookies.set("eventapp_session", planted)

    response = post_form(client, "/login", {"email": user.email, "password": PASSWORD})

    given = _session_cookie_header(response)["eventapp_session"].value
    assert response.status_code == 303
    assert given != planted
    stored = _stored_session_hash(db, user)
    assert stored == security.token_hash(given)


def test_logging_in_again_ends_the_browsers_previous_session(client, db):
    user = make_user(db)
    log_in(client, user)
    first = client.cookies["eventapp_session"]

    response = post_form(
        client, "/login", {"email": user.email, "password": PASSWORD}, token_from="/account"
    )

    assert response.status_code == 303
    assert client.cookies["eventapp_session"] != first
    assert _session_count(db, user) == 1


def test_logout_ends_the_session_on_the_server(client, other_client, db):
    user = make_user(db)
    log_in(client, user)
    stolen = client.cookies["eventapp_session"]

    response = client.post("/logout", data={"csrf_token": csrf_from(client, "/account")})

    assert (response.status_code, response.headers["location"]) == (303, "/login?done=logged-out")
    assert _session_count(db, user) == 0
    other_client.cookies.set("eventapp_session", stolen)
    assert _is_logged_in(other_client) is False
    notice = page(client.get("/login?done=logged-out")).select_one("#notice")
    assert notice.get_text() == "You have logged out."


def test_a_password_change_in_one_browser_logs_out_the_other(client, other_client, db):
    user = make_user(db)
    log_in(client, user)
    log_in(other_client, user)
    assert _is_logged_in(other_client) is True

    response = _change_password(client)

    assert response.status_code == 303
    assert _is_logged_in(other_client) is False
    assert _is_logged_in(client) is True
    assert _session_count(db, user) == 1


def test_a_password_change_starts_a_fresh_session_for_this_browser(client, db):
    user = make_user(db)
    log_in(client, user)
    before = client.cookies["eventapp_session"]

    _change_password(client)

    after = client.cookies["eventapp_session"]
    assert after != before
    stored = _stored_session_hash(db, user)
    assert stored == security.token_hash(after)


def test_disabling_an_account_ends_its_sessions_at_once(client, db):
    user = make_user(db)
    log_in(client, user)

    auth.set_active(db, user, is_active=False)
    db.commit()

    assert _is_logged_in(client) is False
    assert _session_count(db, user) == 0


def test_a_disabled_account_cannot_log_in_and_gets_the_ordinary_refusal(client, db):
    user = make_user(db)
    auth.set_active(db, user, is_active=False)
    db.commit()

    response = post_form(client, "/login", {"email": user.email, "password": PASSWORD})

    assert response.status_code == 422
    error = page(response).select_one("#form-error").get_text()
    assert error == "The email or password is not right."
    assert _session_count(db, user) == 0


def test_an_expired_session_is_not_a_login(client, db):
    user = make_user(db)
    log_in(client, user)

    db.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user.id)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db.commit()

    assert _is_logged_in(client) is False


def test_a_made_up_session_id_is_not_a_login(client, db):
    make_user(db)
    client.cookies.set("eventapp_session", security.new_token())

    assert _is_logged_in(client) is False


def test_purging_removes_only_expired_sessions(db):
    user = make_user(db)
    auth.start_session(db, user)
    stale = auth.start_session(db, user)
    db.execute(
        update(AuthSession)
        .where(AuthSession.token_hash == security.token_hash(stale))
        .values(expires_at=utcnow() - timedelta(minutes=1))
    )

    purged = auth.purge_expired_sessions(db)
    db.commit()

    assert (purged, _session_count(db, user)) == (1, 1)
