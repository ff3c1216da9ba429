import sqlalchemy as sa

from eventapp.db import make_engine


def test_healthz_answers_ok_with_the_database_reachable(client):
    response = client.get("/healthz")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_healthz_answers_503_when_the_database_is_unreachable(client, monkeypatch):
    unreachable = make_engine(
        "postgresql://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 1}
    )
    monkeypatch.setattr("eventapp.routes.public.get_engine", lambda: unreachable)

    response = client.get("/healthz")

    assert (response.status_code, response.json()) == (503, {"status": "unavailable"})
    assert isinstance(unreachable, sa.Engine)
