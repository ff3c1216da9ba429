"""Security headers on every answer, safe redirects, client addresses behind proxies, and how
passwords are hashed and judged."""

import ipaddress

import pytest
from argon2 import PasswordHasher
from fastapi import APIRouter
from fastapi.testclient import TestClient

from eventapp import security
from tests.conftest import BASE_URL


def _csp(response) -> dict[str, list[str]]:
    directives = {}
    for part in response.headers["content-security-policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.fixture
def crashing_client(app):
    router = APIRouter()

    @router.get("/crash-for-test")
    def crash():
        raise RuntimeError("boom")

    app.include_router(router)
    with TestClient(app, base_url=BASE_URL, raise_server_exceptions=False) as client:
        yield client


def _answers(client, crashing_client):
    return {
        "page": client.get("/"),
        "missing": client.get("/no-such-page"),
        "crash": crashing_client.get("/crash-for-test"),
    }


def test_every_answer_carries_the_security_headers(client, crashing_client):
    answers = _answers(client, crashing_client)

    assert {kind: r.status_code for kind, r in answers.items()} == {
        "page": 200,
        "missing": 404,
        "crash": 500,
    }
    for response in answers.values():
        csp = _csp(response)
        assert csp["script-src"] == ["'self'"]
        assert csp["style-src"] == ["'self'"]
        assert csp["default-src"] == ["'self'"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert [v for values in csp.values() for v in values if "unsafe" in v] == []
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "strict-transport-security" not in response.headers


def test_hsts_is_sent_only_when_the_base_url_is_https(client, crashing_client, settings_env):
    settings_env(base_url="https://events.example.org")

    answers = _answers(client, crashing_client)

    assert {kind: r.headers.get("strict-transport-security") for kind, r in answers.items()} == {
        "page": "max-age=63072000; includeSubDomains",
        "missing": "max-age=63072000; includeSubDomains",
        "crash": "max-age=63072000; includeSubDomains",
    }


# Where a form may send the person afterwards ---------------------------------------------------


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/manage/events/3/", "/manage/events/3/"),
        ("/account?done=profile", "/account?done=profile"),
        (None, "/fallback"),
        ("", "/fallback"),
        ("https://evil.example/", "/fallback"),
        ("//evil.example/", "/fallback"),
        ("/\\evil.example/", "/fallback"),
        ("/\t/evil.example/", "/fallback"),
        ("/ok\r\nSet-Cookie: x=1", "/fallback"),
        ("javascript:alert(1)", "/fallback"),
        ("manage/", "/fallback"),
    ],
)
def test_safe_next_keeps_local_paths_and_refuses_everything_else(target, expected):
    assert security.safe_next(target, "/fallback") == expected


# The client's address --------------------------------------------------------------------------

PROXIES = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8")]


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "expected"),
    [
        ("198.51.100.7", None, "198.51.100.7"),
        # Anyone may write the header: from an untrusted peer it is ignored.
        ("198.51.100.7", "203.0.113.9", "198.51.100.7"),
        # From a trusted proxy, the address it saw.
        ("10.0.0.2", "203.0.113.9", "203.0.113.9"),
        # The client's own claim on the left is not believed; the proxy's entry on the right is.
        ("10.0.0.2", "1.1.1.1, 203.0.113.9", "203.0.113.9"),
        # Several trusted proxies in a row are skipped.
        ("10.0.0.2", "203.0.113.9, 10.0.0.5", "203.0.113.9"),
        ("fd00::1", "2001:db8::7", "2001:db8::7"),
        # Every hop trusted: the furthest one.
        ("10.0.0.2", "10.0.0.9", "10.0.0.9"),
        ("10.0.0.2", " , ", "10.0.0.2"),
        ("testclient", "203.0.113.9", "testclient"),
    ],
)
def test_client_ip_counts_forwarded_for_only_from_trusted_proxies(peer, forwarded_for, expected):
    assert security.client_ip(peer, forwarded_for, PROXIES) == expected


def test_client_ip_ignores_forwarded_for_without_trusted_proxies():
    assert security.client_ip("10.0.0.2", "203.0.113.9", []) == "10.0.0.2"


# Passwords -------------------------------------------------------------------------------------


def test_passwords_are_hashed_with_argon2id_and_verified_exactly():
    hashed = security.hash_password(" correct horse battery ")

    assert hashed.startswith("$argon2id$")
    assert security.verify_password(hashed, " correct horse battery ") is True
    assert security.verify_password(hashed, "correct horse battery") is False
    assert security.needs_rehash(hashed) is False


def test_a_missing_hash_never_verifies_but_still_costs_one_argon2_verification(monkeypatch):
    checked = []
    real_verify = PasswordHasher.verify
    monkeypatch.setattr(
        PasswordHasher, "verify", lambda self, h, p: checked.append(h) or real_verify(self, h, p)
    )

    assert security.verify_password(None, "anything at all") is False
    assert checked == [security._DUMMY_HASH]
    # The stand-in hash costs what a real one does: the same algorithm and parameters.
    real = security.hash_password("x" * 12)
    assert security._DUMMY_HASH.split("$")[1:4] == real.split("$")[1:4]


def test_a_malformed_stored_hash_is_a_no_not_an_error():
    assert security.verify_password("not-a-hash", "whatever password") is False


@pytest.mark.parametrize(
    ("password", "refused"),
    [
        ("seven77", True),
        ("", True),
        ("password", True),
        ("12345678", True),
        ("P@ssw0rd", True),
        ("iloveyou", True),
        ("x" * 1025, True),
        ("eight ch", False),
        ("correct horse battery", False),
        ("ก" * 8, False),
        ("🔑🔒🔑🔒🔑🔒🔑🔒", False),
        ("x" * 500, False),
        ("x" * 1024, False),
    ],
)
def test_password_problem_refuses_short_long_and_common_passwords(password, refused):
    assert (security.password_problem(password) is not None) == refused


def test_password_problem_says_why():
    assert security.password_problem("short") == "Use at least 8 characters."
    assert security.password_problem("password") == (
        "This password is on a list of common passwords; choose another."
    )


# Secrets ---------------------------------------------------------------------------------------


def test_tokens_are_random_and_only_their_hash_is_kept():
    first, second = security.new_token(), security.new_token()

    assert first != second
    assert len(first) == 43  # 32 bytes, base64url
    assert security.token_hash(first) != first
    assert len(security.token_hash(first)) == 64


def test_a_csrf_token_is_tied_to_its_cookie_and_the_secret_key():
    token = security.csrf_token_for("key", "cookie-a")

    assert security.csrf_is_valid("key", "cookie-a", token) is True
    assert security.csrf_is_valid("key", "cookie-b", token) is False
    assert security.csrf_is_valid("other key", "cookie-a", token) is False
    assert security.csrf_is_valid("key", "cookie-a", None) is False
    assert security.csrf_is_valid("key", None, token) is False


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        (
            "/registrations/AbC-dEf_123456789012345678901234567890/ticket.png",
            "/registrations/…/ticket.png",
        ),
        ("/speaker/tok3n-value-1234567890", "/speaker/…"),
        ("/password-reset/xyz987", "/password-reset/…"),
        ("/events/forum/register?invite=SECRET&x=1", "/events/forum/register?invite=…&x=1"),
        ("/events/forum/agenda", "/events/forum/agenda"),
    ],
)
def test_secret_links_never_reach_the_access_log(path, logged):
    import logging

    from eventapp.security import SecretLinkFilter

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", path, "1.1", 200),
        None,
    )

    SecretLinkFilter().filter(record)

    assert record.getMessage() == f'127.0.0.1:5000 - "GET {logged} HTTP/1.1" 200'


def test_a_real_servers_access_log_holds_no_secret_link(spawn_server, tmp_path):
    import httpx

    server = spawn_server()
    secret = "s3cret-" + "x" * 36

    assert httpx.get(f"{server}/registrations/{secret}", timeout=10).status_code == 404

    logs = "".join(path.read_text() for path in tmp_path.glob("server-*.log"))
    assert "GET /registrations/… HTTP/1.1" in logs
    assert secret not in logs
