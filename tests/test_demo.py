"""The demo: the seminar of 8 August 2025 and an upcoming forum, co-hosted by the Thai Ministry
of Foreign Affairs and the EU Delegation, loaded idempotently."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import SQLModel

from eventapp import agenda, demo, events
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


def test_the_seminar_programme_covers_the_three_themes_of_the_article(db):
    demo.load(db)
    db.commit()
    seminar = events.event_by_slug(db, demo.SEMINAR_SLUG)

    programme = agenda.published_programme(db, seminar)

    titles = [programme.title(item) for item in programme.items]
    assert titles[:3] == [
        "Registration",
        "Welcome",
        "Opening remarks by the Vice Minister for Foreign Affairs",
    ]
    assert [t for t in titles if t.startswith("Session")] == [
        "Session 1: Online scams linked to other transnational crimes",
        "Session 2: Strengthening legal and operational frameworks",
        "Session 3: Building public–private partnerships",
    ]
    assert [item.titles["th"] != "" for item in programme.items] == [True] * len(titles)
    assert (programme.number, programme.clashes()) == (1, [])


def test_the_forum_has_two_days_three_rooms_and_a_second_release(db):
    demo.load(db, today=datetime(2030, 1, 15, 10, tzinfo=ZoneInfo("Asia/Bangkok")))
    db.commit()
    forum = events.event_by_slug(db, demo.FORUM_SLUG)

    programme = agenda.published_programme(db, forum)
    latest = agenda.latest_release(db, forum)

    assert [room.name for room in programme.rooms] == demo.FORUM_ROOMS
    assert [(day.isoformat(), len(items)) for day, items in programme.days()] == [
        ("2030-03-01", 14),
        ("2030-03-02", 10),
    ]
    assert (latest.number, [c["change"] for c in latest.changes]) == (2, ["moved", "moved"])
    assert programme.clashes() == []


def test_the_seminar_line_up_is_the_articles_officials_first_all_confirmed(db):
    from eventapp import people

    demo.load(db)
    db.commit()
    seminar = events.event_by_slug(db, demo.SEMINAR_SLUG)

    lineups = people.lineups(db, seminar)
    entries = [entry for found in lineups.values() for entry in found]
    by_precedence = sorted({(e.speaker.precedence, e.person.id): e for e in entries}.values(),
                           key=lambda e: e.speaker.precedence)  # fmt: skip

    assert [people.name_for(e.person, "formal") for e in by_precedence[:4]] == [
        "H.E. Mr. Russ Jalichandra, Vice Minister for Foreign Affairs, "
        "Ministry of Foreign Affairs of Thailand",
        "H.E. Mr. David Daly, Ambassador of the European Union to Thailand, "
        "Delegation of the European Union to Thailand",
        "Prof. Wisit Wisitsora-at, Permanent Secretary, Ministry of Digital Economy and Society",
        "Mrs. Krongkanit Rakcharoen, Director-General, Department of European Affairs, "
        "Ministry of Foreign Affairs of Thailand",
    ]
    assert {str(e.appearance.status) for e in entries} == {"confirmed"}


def test_the_forum_shares_the_teams_people_and_has_invitations_pending(db):
    from eventapp import people

    demo.load(db)
    db.commit()
    seminar = events.event_by_slug(db, demo.SEMINAR_SLUG)
    forum = events.event_by_slug(db, demo.FORUM_SLUG)

    entries = [entry for found in people.lineups(db, forum).values() for entry in found]
    pending = sorted(
        people.name_for(e.person, "agenda") for e in entries if e.appearance.status == "invited"
    )

    assert forum.team_id == seminar.team_id
    assert pending == ["Mr. Somsak Example", "Ms. Anna Specimen", "Ms. Eva Placeholder",
                       "Ms. Kanya Tuayang"]  # fmt: skip
    assert all(
        e.speaker.invited_at is not None for e in entries if e.appearance.status == "invited"
    )
