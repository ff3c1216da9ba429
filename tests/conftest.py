"""Test fixtures: every database test runs on SQLite, and on PostgreSQL when
EVENTAPP_TEST_POSTGRES_URL is set (`.ci/run` always sets it).

Each backend is migrated once per run (through Alembic, as in production) into its own SQLite
file or PostgreSQL schema; each test starts from empty tables.
"""

import os
import secrets

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import SQLModel

from eventapp import db as database
from eventapp.config import get_settings

POSTGRES_URL = os.environ.get("EVENTAPP_TEST_POSTGRES_URL", "")
NO_POSTGRES = "PostgreSQL not configured: set EVENTAPP_TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)"
TEST_SECRET = "test-secret-key-" + "x" * 32
BASE_URL = "http://testserver"


def postgres_url_with_schema(schema: str) -> str:
    """The configured server and database, with our own schema first on the search path."""
    url = sa.make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    engine = sa.create_engine(url.set(query={}))
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return url.render_as_string(hide_password=False)


def backend_url(backend: str, tmp_path_factory, name: str) -> str:
    if backend == "postgresql":
        if not POSTGRES_URL:
            pytest.skip(NO_POSTGRES)
        return postgres_url_with_schema(f"{name}_{os.getpid()}")
    return f"sqlite:///{tmp_path_factory.mktemp(name) / 'eventapp.sqlite3'}"


def configure(monkeypatch_env: dict[str, str]) -> None:
    os.environ.update(monkeypatch_env)
    get_settings.cache_clear()
    database.reset_engine()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    """A migrated database on each backend; settings point the app at it."""
    url = backend_url(request.param, tmp_path_factory, "eventapp_test")
    data_dir = tmp_path_factory.mktemp("data")
    configure(
        {
            "EVENTAPP_DATABASE_URL": url,
            "EVENTAPP_DATA_DIR": str(data_dir),
            "EVENTAPP_SECRET_KEY": TEST_SECRET,
            "EVENTAPP_BASE_URL": BASE_URL,
            "EVENTAPP_SMTP_URL": "",
            "EVENTAPP_TRUSTED_PROXIES": "",
        }
    )
    database.upgrade(url)
    yield url
    database.reset_engine()


@pytest.fixture
def engine(database_url):
    configure({"EVENTAPP_DATABASE_URL": database_url})
    engine = database.get_engine()
    yield engine
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(SQLModel.metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture
def db(engine):
    """A write session for arranging data; commit what the app should see."""
    with database.new_session(engine, write=True) as session:
        yield session


@pytest.fixture
def app(engine):
    from eventapp.app import create_app

    return create_app()


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """argon2 at production cost makes up most of the run time of the tests that log in;
    tests use the same algorithm with the smallest cost."""
    from argon2 import PasswordHasher

    from eventapp import security

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(security, "_hasher", cheap)
    monkeypatch.setattr(security, "_DUMMY_HASH", cheap.hash("dummy"))


@pytest.fixture
def settings_env(monkeypatch):
    """Change `EVENTAPP_` settings for one test: settings_env(base_url="https://...")."""

    def change(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"EVENTAPP_{name.upper()}", value)
        get_settings.cache_clear()

    yield change
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def other_client(app):
    """A second browser, with its own cookies."""
    with TestClient(app, base_url=BASE_URL, follow_redirects=False) as second:
        yield second


@pytest.fixture
def client(app):
    with TestClient(app, base_url=BASE_URL, follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def anyio_backend():
    return "asyncio"


def random_email(prefix: str = "person") -> str:
    return f"{prefix}-{secrets.token_hex(4)}@example.org"


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __len__(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(engine):
    """`with count_queries() as counted: ...`, then `len(counted)`: SQL statements run inside."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        counter = QueryCounter()

        def before(conn, cursor, statement, parameters, context, executemany):
            counter.statements.append(statement)

        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)

    return counting


@pytest.fixture
def spawn_server(engine, database_url, tmp_path):
    """`spawn_server()` starts `eventapp serve` in its own process over the test database and
    returns its base URL; every server is stopped at the end of the test."""
    import socket
    import subprocess
    import sys
    import time

    import httpx

    processes: list[subprocess.Popen] = []

    def spawn(*, workers: int = 1, env: dict[str, str] | None = None, preamble: str = "") -> str:
        """`preamble`: Python run in the server process before the command line (with one
        worker uvicorn serves from that same process), e.g. to switch a lock off for a control."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        log = tmp_path / f"server-{port}.log"
        log_file = log.open("wb")
        environment = {
            **os.environ,
            "EVENTAPP_DATABASE_URL": database_url,
            "EVENTAPP_DATA_DIR": str(tmp_path),
            "EVENTAPP_SECRET_KEY": TEST_SECRET,
            "EVENTAPP_BASE_URL": BASE_URL,
            **(env or {}),
        }
        process = subprocess.Popen(
            [
                sys.executable,
                *(
                    ["-c", f"{preamble}\nfrom eventapp.cli import main\nmain()"]
                    if preamble
                    else ["-m", "eventapp"]
                ),
                "serve",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env=environment,
            stdout=log_file,  # the access log too
            # A file, not a pipe: a server that logs much would block on a full pipe.
            stderr=log_file,
            start_new_session=True,
        )
        log_file.close()  # the server has its own descriptor
        processes.append(process)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(log.read_text(errors="replace"))
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    return url
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server did not start")

    yield spawn
    import signal

    for process in processes:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
