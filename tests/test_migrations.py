"""Alembic is the only way the schema is made: the models and the migrations agree, and every
migration goes down and up again, on an empty and on a populated database, on both backends."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from eventapp import db as database
from eventapp.demo import load as load_demo
from tests.conftest import backend_url


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request, tmp_path_factory):
    return backend_url(request.param, tmp_path_factory, "eventapp_migrations")


def _diff(url: str) -> list:
    engine = database.make_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        differences = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    return differences


def _tables(url: str) -> set[str]:
    engine = database.make_engine(url)
    names = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    return names


def test_models_and_migrations_agree(fresh_url):
    database.upgrade(fresh_url)

    assert _diff(fresh_url) == []


def test_upgrade_downgrade_upgrade_on_an_empty_database(fresh_url):
    database.upgrade(fresh_url)
    database.downgrade(fresh_url, "base")

    assert _tables(fresh_url) == set()

    database.upgrade(fresh_url)

    assert _tables(fresh_url) == set(SQLModel.metadata.tables)


def test_upgrade_downgrade_upgrade_on_a_populated_database(fresh_url):
    database.upgrade(fresh_url)
    engine = database.make_engine(fresh_url)
    with database.transaction(engine) as db:
        load_demo(db)
    engine.dispose()

    database.downgrade(fresh_url, "base")
    database.upgrade(fresh_url)

    assert _tables(fresh_url) == set(SQLModel.metadata.tables)
    assert _diff(fresh_url) == []


def test_each_revision_steps_down_and_up_one_at_a_time(fresh_url):
    database.upgrade(fresh_url)
    script = database.ScriptDirectory.from_config(database.alembic_config(fresh_url))
    revisions = [rev.revision for rev in script.walk_revisions()]

    for _revision in revisions:
        database.downgrade(fresh_url, "-1")
    database.upgrade(fresh_url)

    engine = database.make_engine(fresh_url)
    assert database.current_revision(engine) == revisions[0]
    engine.dispose()


def test_0003_puts_the_events_of_one_owner_in_one_team(fresh_url):
    database.upgrade(fresh_url, "0002")
    engine = database.make_engine(fresh_url)
    now = "2030-01-01 00:00:00"
    with engine.begin() as connection:
        for user_id, name in [(1, "Somchai Owner"), (2, "")]:
            connection.execute(
                sa.text(
                    'INSERT INTO "user" (id, email, name, password_hash, is_admin, is_active,'
                    " language, created_at, version) VALUES (:id, :email, :name, '!', false,"
                    " true, 'en', :now, 1)"
                ),
                {"id": user_id, "email": f"user{user_id}@example.org", "name": name, "now": now},
            )
        for event_id, owner in [(1, 1), (2, 1), (3, 2), (4, None)]:
            connection.execute(
                sa.text(
                    "INSERT INTO event (id, slug, title, description, starts_at, ends_at, timezone,"
                    " venue_name, venue_address, languages, status, visibility, created_at,"
                    " updated_at, version) VALUES (:id, :slug, :title, '', :now, :now,"
                    " 'Asia/Bangkok', '', '', 'en', 'draft', 'listed', :now, :now, 1)"
                ),
                {
                    "id": event_id,
                    "slug": f"event-{event_id}",
                    "title": f"Event {event_id}",
                    "now": now,
                },
            )
            if owner is not None:
                connection.execute(
                    sa.text(
                        "INSERT INTO membership (event_id, user_id, role, created_at, version)"
                        " VALUES (:event, :user, 'owner', :now, 1)"
                    ),
                    {"event": event_id, "user": owner, "now": now},
                )
    engine.dispose()

    database.upgrade(fresh_url)

    engine = database.make_engine(fresh_url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT e.id, t.name, e.lineup_order, e.show_unconfirmed, e.reminder_days"
                " FROM event e JOIN team t ON t.id = e.team_id ORDER BY e.id"
            )
        ).all()
        team_ids = connection.execute(sa.text("SELECT team_id FROM event ORDER BY id")).scalars()
        distinct = len(set(team_ids))
    engine.dispose()
    assert [(row[0], row[1], row[2], bool(row[3]), row[4]) for row in rows] == [
        (1, "Somchai Owner", "protocol", False, 7),
        (2, "Somchai Owner", "protocol", False, 7),
        (3, "user2@example.org", "protocol", False, 7),
        (4, "Event 4", "protocol", False, 7),
    ]
    assert distinct == 3
