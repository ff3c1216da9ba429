"""Engines, sessions and migrations.

SQLite gets WAL, foreign keys and a busy timeout on every connection. pysqlite's own transaction
handling is switched off so that we issue BEGIN ourselves: a write session begins with
BEGIN IMMEDIATE, taking the write lock before it reads, so two requests cannot both read "one
seat left" and both take it. Read-only sessions begin DEFERRED and never wait for writers (WAL).
PostgreSQL ignores the flag; it locks rows explicitly (SELECT ... FOR UPDATE).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlmodel import Session

from alembic import command
from eventapp.config import get_settings, resource_dir

BUSY_TIMEOUT_MS = 10_000
WRITE = {"eventapp_write": True}


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
            **kwargs,
        )
        _tune_sqlite(engine)
        return engine
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        mode = "IMMEDIATE" if connection.get_execution_options().get("eventapp_write") else ""
        connection.exec_driver_sql(f"BEGIN {mode}".strip())


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@cache
def get_engine() -> Engine:
    return make_engine(get_settings().resolved_database_url())


def reset_engine() -> None:
    """Forget the cached engine (settings changed, or after a fork)."""
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()


def new_session(engine: Engine | None = None, *, write: bool = False) -> Session:
    engine = engine or get_engine()
    if write:
        engine = engine.execution_options(**WRITE)
    return Session(engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine | None = None) -> Iterator[Session]:
    """A write session that commits when the block ends cleanly (CLI, worker, demo)."""
    with new_session(engine, write=True) as db:
        yield db
        db.commit()


# Migrations ---------------------------------------------------------------------------------


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resource_dir("alembic")))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def head_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return script.get_current_head() or ""


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()
