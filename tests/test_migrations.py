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
