"""The `eventapp` command: serve, migrate, demo, create-admin, worker, backup."""

import getpass
import sys
from pathlib import Path

import click

from eventapp import db as database
from eventapp.config import get_settings


@click.group()
def main() -> None:
    """eventapp: bilateral seminars and forums."""


def _migrate_or_refuse() -> None:
    url = get_settings().resolved_database_url()
    engine = database.get_engine()
    if database.is_sqlite(engine):
        Path(get_settings().data_dir).mkdir(parents=True, exist_ok=True)
        database.upgrade(url)
        return
    if not database.is_up_to_date(engine):
        raise click.ClickException(
            "The database schema is behind this version of eventapp: run `eventapp migrate` first."
        )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="Worker processes.")
@click.option("--proxy-headers/--no-proxy-headers", default=False, help="Trust X-Forwarded-Proto.")
def serve(host: str, port: int, workers: int, proxy_headers: bool) -> None:
    """Run the web application (applies pending migrations first on SQLite)."""
    import uvicorn

    settings = get_settings()
    _migrate_or_refuse()
    settings.resolved_secret_key()
    click.echo(f"eventapp on http://{host}:{port}/  (database: {_describe(settings)})")
    uvicorn.run(
        "eventapp.asgi:app",
        host=host,
        port=port,
        workers=workers,
        proxy_headers=proxy_headers,
        forwarded_allow_ips=settings.trusted_proxies or None,
        server_header=False,
        log_level="info",
    )


def _describe(settings) -> str:
    url = settings.resolved_database_url()
    return url.split("@")[-1] if "@" in url else url


@main.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    settings = get_settings()
    if database.is_sqlite(database.get_engine()):
        Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    database.upgrade(settings.resolved_database_url())
    click.echo(f"Database is at revision {database.head_revision()}.")


@main.command("create-admin")
@click.argument("email")
@click.option("--name", default="", help="Display name.")
def create_admin(email: str, name: str) -> None:
    """Make a site administrator (password from a prompt, or standard input)."""
    from eventapp import auth

    _migrate_or_refuse()
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise click.ClickException("The passwords do not match.")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    with database.transaction() as db:
        user = auth.find_user(db, email)
        try:
            if user is None:
                user = auth.create_user(db, email, password, name=name, is_admin=True)
            else:
                auth.set_password(db, user, password)
                user.is_admin = True
                user.is_active = True
        except auth.WeakPassword as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"Administrator {user.email} is ready.")


@main.command()
def demo() -> None:
    """Load the demo events (safe to run again) and print the demo logins."""
    from eventapp import demo as demo_data

    _migrate_or_refuse()
    with database.transaction() as db:
        logins = demo_data.load(db)
    click.echo("Demo data loaded. Log in at /login with:")
    for email, password, role in logins:
        click.echo(f"  {email}  {password}  ({role})")


@main.command()
@click.option("--once", is_flag=True, help="Do one round of work and exit.")
def worker(once: bool) -> None:
    """Send queued mail and run timed jobs."""
    from eventapp import worker as background

    _migrate_or_refuse()
    background.run(once=once)


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup(path: Path) -> None:
    """Write a consistent copy of the database to PATH."""
    from eventapp import backup as backups

    backups.write(database.get_engine(), get_settings().resolved_database_url(), path)
    click.echo(f"Backup written to {path}.")
