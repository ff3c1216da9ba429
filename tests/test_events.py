"""Events as rules, without HTTP: slugs, creating and editing with versions, status changes,
who sees which events, and the public list."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from eventapp import events
from eventapp.models import ActivityLog, EventStatus, Membership, Role, Visibility, utcnow
from tests.factories import add_host, add_member, make_event, make_user


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("EU–Thailand Seminar on Combating Online Scams",
         "eu-thailand-seminar-on-combating-online-scams"),
        ("Séminaire à Bangkok — Région Île-de-France", "seminaire-a-bangkok-region-ile-de-france"),
        ("Straße über Köln", "strasse-uber-koln"),
        ("Łódź & Øresund", "lodz-oresund"),
        ("สัมมนา ความร่วมมือ ไทย–อียู 2025", "สัมมนา-ความร่วมมือ-ไทย-อียู-2025"),
        ("  Spaces,  punctuation!!  and__underscores  ", "spaces-punctuation-and-underscores"),
        ("ＦＵＬＬＷＩＤＴＨ ２０２５", "fullwidth-2025"),
        ("!!!", ""),
    ],
)  # fmt: skip
def test_slugify_makes_readable_slugs(title, slug):
    assert events.slugify(title) == slug


def test_slugify_keeps_thai_vowel_and_tone_marks():
    slug = events.slugify("ความร่วมมือ")

    assert slug == "ความร่วมมือ"
    assert len(slug) == len("ความร่วมมือ")


def test_slugify_cuts_long_titles_at_a_word():
    slug = events.slugify("word " * 40)

    assert len(slug) <= 100
    assert slug.endswith("word")
    assert not slug.endswith("-")


def details(**overrides) -> events.EventDetails:
    starts = datetime(2030, 8, 8, 2, 0, tzinfo=UTC)
    values = {
        "title": "Forum",
        "slug": "",
        "description": "",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=8),
        "timezone": "Asia/Bangkok",
        "venue_name": "",
        "venue_address": "",
        "languages": ["en", "th"],
        "visibility": Visibility.LISTED,
    }
    values.update(overrides)
    return events.EventDetails(**values)


def test_create_event_makes_the_creator_owner_and_logs_it(db):
    user = make_user(db)

    event = events.create_event(db, actor=user, details=details())
    db.commit()

    role = db.scalar(select(Membership.role).where(Membership.event_id == event.id))
    entry = db.scalar(select(ActivityLog).where(ActivityLog.event_id == event.id))
    assert (event.slug, event.status, event.version, role) == ("forum", "draft", 1, Role.OWNER)
    assert (entry.action, entry.user_id, entry.changes["slug"]) == (
        "event.create",
        user.id,
        [None, "forum"],
    )


def test_a_taken_slug_raises_slug_taken_and_a_derived_one_is_numbered(db):
    user = make_user(db)
    events.create_event(db, actor=user, details=details())

    second = events.create_event(db, actor=user, details=details())
    with pytest.raises(events.SlugTaken):
        events.create_event(db, actor=user, details=details(slug="forum"))

    assert second.slug == "forum-2"


def test_update_event_bumps_the_version_and_logs_the_changes(db):
    user = make_user(db)
    event = events.create_event(db, actor=user, details=details())
    db.commit()

    changes = events.update_event(
        db, event, actor=user, details=details(title="Forum 2030", slug="forum"), expected_version=1
    )
    db.commit()

    assert changes == {"title": ["Forum", "Forum 2030"]}
    assert event.version == 2


def test_update_event_refuses_a_stale_version_with_the_current_row(db):
    user = make_user(db)
    event = events.create_event(db, actor=user, details=details())
    events.update_event(db, event, actor=user, details=details(title="B"), expected_version=1)
    db.commit()

    with pytest.raises(events.StaleEdit) as stale:
        events.update_event(db, event, actor=user, details=details(title="C"), expected_version=1)

    assert (stale.value.current.title, stale.value.current.version) == ("B", 2)


def test_update_event_with_nothing_changed_writes_nothing(db):
    user = make_user(db)
    event = events.create_event(db, actor=user, details=details())
    db.commit()

    changes = events.update_event(
        db, event, actor=user, details=details(slug="forum"), expected_version=1
    )

    assert (changes, event.version) == ({}, 1)
    assert len(list(db.scalars(select(ActivityLog)))) == 1


def test_an_empty_slug_on_edit_is_made_from_the_title(db):
    user = make_user(db)
    event = events.create_event(db, actor=user, details=details())

    events.update_event(
        db, event, actor=user, details=details(title="New name"), expected_version=1
    )

    assert event.slug == "new-name"


@pytest.mark.parametrize(
    ("start", "transition", "end"),
    [
        (EventStatus.DRAFT, "publish", EventStatus.PUBLISHED),
        (EventStatus.CANCELLED, "publish", EventStatus.PUBLISHED),
        (EventStatus.PUBLISHED, "unpublish", EventStatus.DRAFT),
        (EventStatus.CANCELLED, "unpublish", EventStatus.DRAFT),
        (EventStatus.PUBLISHED, "cancel", EventStatus.CANCELLED),
    ],
)
def test_status_transitions(db, start, transition, end):
    user = make_user(db)
    event = make_event(db, status=start)
    add_host(db, event, "Ministry")

    events.change_status(db, event, transition, actor=user)

    assert event.status == end
    assert db.scalar(select(ActivityLog.changes)) == {"status": [str(start), str(end)]}


@pytest.mark.parametrize(
    ("start", "transition"),
    [
        (EventStatus.DRAFT, "cancel"),
        (EventStatus.DRAFT, "unpublish"),
        (EventStatus.PUBLISHED, "publish"),
        (EventStatus.CANCELLED, "cancel"),
    ],
)
def test_status_changes_from_the_wrong_status_are_refused(db, start, transition):
    event = make_event(db, status=start)
    add_host(db, event, "Ministry")

    with pytest.raises(events.StatusChangeRefused):
        events.change_status(db, event, transition, actor=make_user(db))

    assert event.status == start


def test_publishing_without_a_co_host_is_refused(db):
    event = make_event(db, status=EventStatus.DRAFT)

    with pytest.raises(events.NeedsCoHost):
        events.change_status(db, event, "publish", actor=make_user(db))


def test_a_status_change_leaves_the_version_alone(db):
    event = make_event(db, status=EventStatus.DRAFT)
    add_host(db, event, "Ministry")

    events.change_status(db, event, "publish", actor=make_user(db))

    assert event.version == 1


def test_events_for_lists_a_members_events_with_roles_and_everything_for_admins(db):
    member = make_user(db)
    admin = make_user(db, is_admin=True)
    owned = make_event(db, owner=member, starts_at=utcnow() + timedelta(days=2))
    viewed = make_event(db, starts_at=utcnow() + timedelta(days=1))
    add_member(db, viewed, member, Role.VIEWER)
    other = make_event(db)

    mine = [(event.id, role) for event, role in events.events_for(db, member)]
    everything = {event.id for event, _role in events.events_for(db, admin)}

    assert mine == [(owned.id, Role.OWNER), (viewed.id, Role.VIEWER)]
    assert everything == {owned.id, viewed.id, other.id}


def test_public_events_splits_upcoming_and_past(db):
    now = datetime(2030, 6, 1, tzinfo=UTC)
    later = make_event(db, title="later", starts_at=now + timedelta(days=9))
    soon = make_event(db, title="soon", starts_at=now + timedelta(days=1))
    running = make_event(db, title="running", starts_at=now - timedelta(hours=3))
    old = make_event(db, title="old", starts_at=now - timedelta(days=90))
    recent = make_event(db, title="recent", starts_at=now - timedelta(days=9))
    make_event(db, starts_at=now + timedelta(days=2), status=EventStatus.DRAFT)
    make_event(db, starts_at=now + timedelta(days=2), visibility=Visibility.UNLISTED)

    upcoming, past = events.public_events(db, now=now)

    assert [e.id for e in upcoming] == [running.id, soon.id, later.id]
    assert [e.id for e in past] == [recent.id, old.id]


# Two people saving the same version at the same moment ---------------------------------------


def save_concurrently(engine, event_id: int, actor, *, check) -> list[str]:
    """Two threads, each its own session, both having read version 1, save at once.

    On PostgreSQL both really read version 1 before either writes. On SQLite a write session
    holds the database's write lock from its first statement, so the second waits to read.
    """
    from eventapp.db import new_session
    from eventapp.models import Event

    reads_together = engine.dialect.name == "postgresql"
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def save(title: str) -> None:
        if not reads_together:
            barrier.wait()
        with new_session(engine, write=True) as session:
            event = session.get(Event, event_id)
            if reads_together:
                barrier.wait()
            try:
                check(session, event, title)
                session.commit()
                outcomes.append("saved")
            except events.StaleEdit:
                session.rollback()
                outcomes.append("stale")

    threads = [threading.Thread(target=save, args=(t,)) for t in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(outcomes)


def test_of_two_concurrent_saves_of_one_version_exactly_one_wins(engine, db):
    user = make_user(db)
    event = events.create_event(db, actor=user, details=details())
    db.commit()

    def rule(session, event, title):
        actor = session.merge(user)
        events.update_event(
            session, event, actor=actor, details=details(title=title), expected_version=1
        )

    assert save_concurrently(engine, event.id, user, check=rule) == ["saved", "stale"]


def test_control_without_rereading_under_a_lock_both_saves_go_through(engine, db):
    """Shows the race the test above guards against is real."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises write sessions from their first statement: no race")
    user = make_user(db)
    event = events.create_event(db, actor=user, details=details())
    db.commit()

    def naive(session, event, title):
        if event.version != 1:  # the version read before the other save committed
            raise events.StaleEdit(event)
        event.title = title
        event.version += 1
        session.flush()

    assert save_concurrently(engine, event.id, user, check=naive) == ["saved", "saved"]
