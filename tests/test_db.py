"""SQLite is tuned on every connection, and write sessions take the write lock before they read,
so read-then-write decisions (the last seat) cannot interleave. Readers never wait (WAL)."""

import threading

import pytest
import sqlalchemy as sa

from eventapp import db as database
from eventapp.models import User


@pytest.fixture
def sqlite_engine(engine):
    if not database.is_sqlite(engine):
        pytest.skip("SQLite connection settings")
    return engine


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(sqlite_engine):
    with sqlite_engine.connect() as connection:
        settings = [
            connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout")
        ]

    assert settings == ["wal", 1, database.BUSY_TIMEOUT_MS]


def _two_sessions(sqlite_engine, *, second_writes: bool) -> list[str]:
    """A write session reads and holds its transaction; a second session starts meanwhile.
    Returns the order in which things happened."""
    order: list[str] = []
    first_has_read = threading.Event()
    second_started = threading.Event()

    def first() -> None:
        with database.new_session(sqlite_engine, write=True) as db:
            db.scalar(sa.select(sa.func.count()).select_from(User))
            order.append("first read")
            first_has_read.set()
            second_started.wait(5)
            # Give the second session every chance to get in ahead if the lock did not hold.
            threading.Event().wait(0.3)
            order.append("first commits")
            db.commit()

    def second() -> None:
        first_has_read.wait(5)
        with database.new_session(sqlite_engine, write=second_writes) as db:
            second_started.set()
            db.scalar(sa.select(sa.func.count()).select_from(User))
            order.append("second read")
            db.commit()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    return order


def test_a_second_write_session_waits_until_the_first_commits(sqlite_engine):
    order = _two_sessions(sqlite_engine, second_writes=True)

    assert order == ["first read", "first commits", "second read"]


def test_a_read_session_does_not_wait_for_a_writer(sqlite_engine):
    order = _two_sessions(sqlite_engine, second_writes=False)

    assert order == ["first read", "second read", "first commits"]


def test_postgres_sessions_connect_through_psycopg_3(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL driver check")

    assert engine.dialect.driver == "psycopg"
