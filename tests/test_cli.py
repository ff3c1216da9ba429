"""The command line: migrate, demo, create-admin, serve's schema check, backup, python -m."""

import os
import sqlite3
import stat
import subprocess
import sys

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from eventapp import cli
from eventapp import db as database
from eventapp.config import Settings, get_settings
from eventapp.models import Event, User
from tests.conftest import POSTGRES_URL, backend_url


@pytest.fixture
def fresh_sqlite(tmp_path, monkeypatch):
    monkeypatch.setenv("EVENTAPP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("EVENTAPP_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    get_settings.cache_clear()
    database.reset_engine()
    yield tmp_path
    monkeypatch.undo()
    get_settings.cache_clear()
    database.reset_engine()


def test_demo_loads_twice_without_duplicating(fresh_sqlite):
    runner = CliRunner()

    first = runner.invoke(cli.main, ["demo"])
    second = runner.invoke(cli.main, ["demo"])

    assert (first.exit_code, second.exit_code) == (0, 0)
    with database.new_session() as db:
        slugs = sorted(db.scalars(sa.select(Event.slug)))
        users = db.scalar(sa.select(sa.func.count()).select_from(User))
    assert slugs == ["eu-sea-digital-diplomacy-forum", "eu-thailand-online-scams-2025"]
    assert users == 5
    assert (
        "admin@example.org  seminar-demo-2025  (site administrator)"
        in second.output.splitlines()[1]
    )


def test_create_admin_reads_the_password_from_standard_input(fresh_sqlite):
    result = CliRunner().invoke(
        cli.main, ["create-admin", "Chief@Example.org"], input="  ยาวพอ passphrase 7  \n"
    )

    assert result.exit_code == 0, result.output
    with database.new_session() as db:
        user = db.scalar(sa.select(User))
    assert (user.email, user.is_admin) == ("chief@example.org", True)
    from eventapp.security import verify_password

    assert verify_password(user.password_hash, "  ยาวพอ passphrase 7  ") is True


def test_create_admin_refuses_a_common_password(fresh_sqlite):
    result = CliRunner().invoke(cli.main, ["create-admin", "a@example.org"], input="password123\n")

    assert result.exit_code == 1
    assert (
        result.output.strip()
        == "Error: This password is on a list of common passwords; choose another."
    )


def test_secret_key_is_generated_once_with_mode_600(tmp_path):
    settings = Settings(data_dir=tmp_path, secret_key="")

    first = settings.resolved_secret_key()
    second = settings.resolved_secret_key()

    assert first == second and len(first) >= 43
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600


@pytest.mark.skipif(
    not POSTGRES_URL, reason="PostgreSQL not configured: set EVENTAPP_TEST_POSTGRES_URL"
)
def test_serve_refuses_to_start_on_postgres_while_the_schema_is_behind(tmp_path_factory, tmp_path):
    url = backend_url("postgresql", tmp_path_factory, "eventapp_behind")
    env = {**os.environ, "EVENTAPP_DATABASE_URL": url, "EVENTAPP_DATA_DIR": str(tmp_path)}

    result = subprocess.run(
        [sys.executable, "-m", "eventapp", "serve", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error: The database schema is behind this version of eventapp: "
        "run `eventapp migrate` first."
    )


def test_backup_copies_a_sqlite_database(fresh_sqlite, tmp_path):
    CliRunner().invoke(cli.main, ["demo"])
    target = tmp_path / "backups" / "copy.sqlite3"

    result = CliRunner().invoke(cli.main, ["backup", str(target)])

    assert result.exit_code == 0, result.output
    with sqlite3.connect(target) as copy:
        slugs = sorted(row[0] for row in copy.execute("SELECT slug FROM event"))
    assert slugs == ["eu-sea-digital-diplomacy-forum", "eu-thailand-online-scams-2025"]


def test_python_dash_m_runs_the_command(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "eventapp", "--help"], capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0
    assert sorted(
        line.split()[0] for line in result.stdout.split("Commands:")[1].splitlines() if line.strip()
    ) == ["backup", "create-admin", "demo", "migrate", "serve", "worker"]


def test_settings_default_to_sqlite_in_the_data_directory(tmp_path):
    settings = Settings(data_dir=tmp_path, database_url="")

    assert settings.resolved_database_url() == f"sqlite:///{tmp_path / 'eventapp.sqlite3'}"
    get_settings.cache_clear()


def test_serve_applies_pending_migrations_on_sqlite_at_start(spawn_server, tmp_path):
    url = f"sqlite:///{tmp_path / 'brand-new.sqlite3'}"

    base = spawn_server(env={"EVENTAPP_DATABASE_URL": url})

    engine = database.make_engine(url)
    assert database.current_revision(engine) == database.head_revision()
    engine.dispose()
    assert base.startswith("http://127.0.0.1:")
