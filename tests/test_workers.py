"""Nothing a request needs lives in one process: two servers over one database share logins,
logouts and login limits. (Servers are real processes; requests go over loopback.)"""

import httpx

from eventapp import auth
from tests.factories import PASSWORD, make_user, page


def _csrf(client: httpx.Client) -> str:
    return page(client.get("/")).select_one("input[name=csrf_token]")["value"]


def _log_in(client: httpx.Client, email: str, password: str) -> httpx.Response:
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": _csrf(client)}
    )


def test_a_login_on_one_server_works_on_another_and_logout_ends_it_on_both(db, spawn_server):
    user = make_user(db, "traveller@example.org")
    first, second = spawn_server(), spawn_server()
    browser = httpx.Client(base_url=first, follow_redirects=False)

    assert _log_in(browser, user.email, PASSWORD).status_code == 303
    cookie = browser.cookies.get("eventapp_session")
    on_second = httpx.Client(base_url=second, cookies={"eventapp_session": cookie})
    assert on_second.get("/manage/").status_code == 200

    browser.post("/logout", data={"csrf_token": _csrf(browser)})

    assert on_second.get("/manage/").status_code == 303
    assert on_second.get("/manage/").headers["location"] == "/login?next=/manage/"


def test_failed_logins_count_together_across_servers(db, spawn_server):
    user = make_user(db, "target@example.org")
    servers = [spawn_server(), spawn_server()]
    clients = [httpx.Client(base_url=url) for url in servers]

    statuses = [
        _log_in(clients[attempt % 2], user.email, "wrong password!").status_code
        for attempt in range(auth.LOGIN_LIMIT_PER_ACCOUNT + 1)
    ]

    assert statuses == [422] * auth.LOGIN_LIMIT_PER_ACCOUNT + [429]
    assert _log_in(clients[0], user.email, PASSWORD).status_code == 429
