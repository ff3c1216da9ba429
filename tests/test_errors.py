"""Friendly error pages that never echo what was sent; malformed ids are 404, never 500."""

import pytest
from fastapi import APIRouter

from tests.factories import csrf_from, page, text_of

PROBE = "<script>alert('x')</script>"


def test_unknown_page_is_a_friendly_404_that_does_not_echo_the_address(client):
    response = client.get(f"/events/{PROBE}")

    assert response.status_code == 404
    assert page(response).select_one("h1").get_text() == "Page not found"
    assert "alert" not in text_of(response)
    scripts = [script.get("src") for script in page(response).select("script")]
    assert scripts == ["/static/vendor/htmx-2.0.11.min.js"]


@pytest.mark.parametrize(
    "path", ["/manage/events/abc/", "/manage/events/1e9/", "/manage/events/-/"]
)
def test_malformed_ids_in_addresses_answer_404(client, db, path):
    from tests.factories import log_in, make_user

    log_in(client, make_user(db))

    response = client.get(path)

    assert (response.status_code, page(response).select_one("h1").get_text()) == (
        404,
        "Page not found",
    )


def test_a_crash_is_a_friendly_500_with_the_security_headers(app, client):
    router = APIRouter()

    @router.get("/boom")
    def boom():
        raise RuntimeError(PROBE)

    app.include_router(router)
    from fastapi.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as crashing:
        response = crashing.get("/boom")

    assert response.status_code == 500
    assert page(response).select_one("h1").get_text() == "Something went wrong"
    assert "alert" not in text_of(response)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"].split("; ")


def test_a_body_past_the_limit_is_refused_before_it_is_read(client):
    token = csrf_from(client)
    oversized = b"x" * (5 * 1024 * 1024)

    response = client.post(
        "/login",
        content=oversized,
        headers={"content-type": "application/x-www-form-urlencoded", "x-csrf-token": token},
    )

    assert response.status_code == 413
    assert page(response).select_one("h1").get_text() == "Too large"


def test_wrong_method_is_a_friendly_405(client):
    response = client.delete("/", headers={"x-csrf-token": csrf_from(client)})

    assert (response.status_code, page(response).select_one("h1").get_text()) == (
        405,
        "Not allowed",
    )
