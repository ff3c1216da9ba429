"""The demo: the seminar of 8 August 2025 and an upcoming forum, co-hosted by the Thai Ministry
of Foreign Affairs and the EU Delegation, loaded idempotently."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import SQLModel

from eventapp import demo, events
from eventapp.models import Event, EventStatus, Membership, Role, User


def _counts(db) -> dict[str, int]:
    return {
        table.name: db.scalar(sa.select(sa.func.count()).select_from(table))
        for table in SQLModel.metadata.sorted_tables
    }


def test_the_demo_loads_twice_without_changing_anything(db):
    demo.load(db)
    db.commit()
    first = _counts(db)

    demo.load(db)
    db.commit()

    assert _counts(db) == first
    assert (first["event"], first["event_host"], first["user"]) == (2, 4, 5)


def test_the_seminar_is_the_one_of_8_august_2025_in_bangkok(db):
    demo.load(db)
    db.commit()

    seminar = events.event_by_slug(db, demo.SEMINAR_SLUG)
    hosts = [
        organisation.name for organisation, _logo in events.hosts_of(db, [seminar.id])[seminar.id]
    ]

    assert seminar.starts_at.astimezone(ZoneInfo(seminar.timezone)).date() == date(2025, 8, 8)
    assert (seminar.timezone, seminar.status, seminar.language_list) == (
        "Asia/Bangkok",
        EventStatus.PUBLISHED,
        ["en", "th"],
    )
    assert seminar.venue_address.endswith("Bangkok 10400, Thailand")
    assert hosts == [
        "Ministry of Foreign Affairs of the Kingdom of Thailand",
        "Delegation of the European Union to Thailand",
    ]
    assert "(ESIWA+)" in seminar.description.split("\n")[0]


def test_the_forum_is_upcoming_relative_to_the_day_it_is_loaded(db):
    loaded_on = datetime(2030, 1, 15, 10, tzinfo=ZoneInfo("Asia/Bangkok"))

    demo.load(db, today=loaded_on)
    db.commit()

    forum = events.event_by_slug(db, demo.FORUM_SLUG)
    assert forum.starts_at.astimezone(ZoneInfo("Asia/Bangkok")).date() == date(2030, 3, 1)
    assert forum.starts_at > loaded_on.astimezone(UTC)


def test_the_demo_team_has_every_role_on_both_events(db):
    demo.load(db)
    db.commit()

    roles = sorted(
        (slug, role)
        for slug, role in db.execute(
            sa.select(Event.slug, Membership.role).join(Membership, Membership.event_id == Event.id)
        )
    )
    admins = db.scalars(sa.select(User.email).where(User.is_admin.is_(True))).all()

    assert roles == sorted(
        (slug, role.value)
        for slug in (demo.FORUM_SLUG, demo.SEMINAR_SLUG)
        for role in (Role.OWNER, Role.ORGANISER, Role.REGISTRAR, Role.RAPPORTEUR)
    )
    assert admins == ["admin@example.org"]
