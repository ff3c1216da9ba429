"""The activity log: every change to an event and its co-hosts is recorded with who, what, when
and the fields before and after; owners and organisers read it per event."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from eventapp import activity
from eventapp.models import ActivityLog, Event, EventHost, EventStatus, Role
from tests.factories import add_member, log_in, make_event, make_user, page, submit


def logged(db, event) -> list[tuple[str, dict]]:
    rows = [
        (entry.action, entry.changes)
        for entry in db.scalars(
            select(ActivityLog).where(ActivityLog.event_id == event.id).order_by(ActivityLog.id)
        )
    ]
    db.commit()
    return rows


def form_for(event=None, **overrides) -> dict:
    """The event form as a browser posts it (for `event` when given, else a new event)."""
    data = {
        "title": event.title if event else "Forum",
        "slug": event.slug if event else "forum",
        "timezone": "Asia/Bangkok",
        "start_date": "2030-08-08",
        "start_time": "09:00",
        "end_date": "2030-08-08",
        "end_time": "17:00",
        "languages": ["en", "th"],
        "default_language": "en",
        "visibility": "listed",
        "version": str(event.version) if event else "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def owner(db):
    return make_user(db, name="Olivia Owner")


@pytest.fixture
def event(db, owner):
    return make_event(
        db,
        owner=owner,
        title="Seminar",
        slug="seminar",
        status=EventStatus.DRAFT,
        starts_at=datetime(2030, 8, 8, 2, 0, tzinfo=UTC),
        timezone="Asia/Bangkok",
    )


def test_every_change_writes_an_activity_row(client, db, owner):
    log_in(client, owner)
    submit(client, "/manage/events/new", form_for())
    event = db.scalar(select(Event))
    db.commit()
    base = f"/manage/events/{event.id}"

    submit(client, f"{base}/edit", form_for(event, title="Forum 2030"))
    submit(client, f"{base}/hosts/new", {"name": "Ministry"})
    submit(client, f"{base}/hosts/new", {"name": "Delegation"})
    host_ids = list(db.scalars(select(EventHost.id).order_by(EventHost.position)))
    db.commit()
    submit(client, f"{base}/hosts/{host_ids[0]}/edit", {"name": "Ministry of Foreign Affairs",
                                                         "version": "1"})  # fmt: skip
    submit(client, f"{base}/hosts/{host_ids[1]}/move", {"direction": "up"})
    submit(client, f"{base}/publish", {})
    submit(client, f"{base}/cancel", {})
    submit(client, f"{base}/unpublish", {})
    submit(client, f"{base}/hosts/{host_ids[0]}/remove", {})

    rows = logged(db, event)
    assert [action for action, _changes in rows] == [
        "event.create",
        "event.edit",
        "host.add",
        "host.add",
        "host.edit",
        "host.reorder",
        "event.publish",
        "event.cancel",
        "event.unpublish",
        "host.remove",
    ]
    changes = dict(rows[1:2])["event.edit"]
    assert changes == {"title": ["Forum", "Forum 2030"]}
    assert rows[4][1] == {"name": ["Ministry", "Ministry of Foreign Affairs"]}
    assert rows[5][1] == {"order": ["Ministry of Foreign Affairs · Delegation",
                                    "Delegation · Ministry of Foreign Affairs"]}  # fmt: skip
    assert rows[6][1] == {"status": ["draft", "published"]}
    assert rows[0][1]["title"] == [None, "Forum"]


def test_bad_input_and_stale_saves_write_nothing(client, db, owner, event):
    log_in(client, owner)
    before = logged(db, event)

    submit(client, f"/manage/events/{event.id}/edit", form_for(event, title=""))
    submit(client, f"/manage/events/{event.id}/edit", form_for(event, title="X", version="7"))
    submit(client, f"/manage/events/{event.id}/hosts/new", {"name": ""})

    assert logged(db, event) == before


def test_the_log_shows_who_what_when_and_the_changes(client, db, owner, event):
    log_in(client, owner)
    submit(
        client,
        f"/manage/events/{event.id}/edit",
        form_for(event, title="Seminar <b>2030</b>", start_time="10:30"),
    )

    soup = page(client.get(f"/manage/events/{event.id}/activity"))

    entry = soup.select_one("#activity-log li.activity-entry")
    assert entry["data-action"] == "event.edit"
    assert entry.select_one(".activity-who").get_text() == "Olivia Owner"
    assert entry.select_one(".activity-what").get_text() == "Edited the event"
    when = datetime.fromisoformat(entry.select_one("time")["datetime"])
    assert when.tzinfo is not None
    changes = {
        change["data-field"]: (change.select_one(".old").get_text(),
                               change.select_one(".new").get_text())
        for change in entry.select(".change")
    }  # fmt: skip
    assert changes == {
        "title": ("Seminar", "Seminar <b>2030</b>"),
        "starts_at": ("Aug 8, 2030, 9:00:00\u202fAM", "Aug 8, 2030, 10:30:00\u202fAM"),
    }
    assert entry.select("b") == []
    assert [dt.get_text() for dt in entry.select(".change dt")] == ["Title", "Starts"]
    assert soup.select_one(".lead").get_text().endswith("Times are in Asia/Bangkok (UTC+07:00).")


def test_the_log_shows_times_in_the_events_timezone(client, db, owner, event):
    entry = activity.record(
        db,
        actor=owner,
        action="event.publish",
        event_id=event.id,
        changes={"status": ["draft", "published"]},
    )
    entry.created_at = datetime(2030, 1, 1, 23, 30, tzinfo=UTC)
    db.commit()
    log_in(client, owner)

    soup = page(client.get(f"/manage/events/{event.id}/activity"))

    shown = soup.select_one("#activity-log time")
    assert shown.get_text() == "Jan 2, 2030, 6:30:00\u202fAM"  # Bangkok is UTC+7


def test_a_removed_account_is_shown_as_someone(client, db, owner, event):
    gone = make_user(db)
    activity.record(db, actor=gone, action="host.add", event_id=event.id, summary="Ministry")
    db.commit()
    db.delete(gone)
    db.commit()
    log_in(client, owner)

    soup = page(client.get(f"/manage/events/{event.id}/activity"))

    assert soup.select_one(".activity-who").get_text() == "Someone (account removed)"
    assert soup.select_one(".activity-summary").get_text() == "Ministry"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.ORGANISER, 200),
        (Role.REGISTRAR, 403),
        (Role.RAPPORTEUR, 403),
        (Role.VIEWER, 403),
    ],
)
def test_only_owners_and_organisers_read_the_log(client, db, event, role, status):
    member = make_user(db)
    add_member(db, event, member, role)
    log_in(client, member)

    response = client.get(f"/manage/events/{event.id}/activity")

    assert response.status_code == status


def test_outsiders_get_404_for_the_log(client, db, event):
    log_in(client, make_user(db))

    assert client.get(f"/manage/events/{event.id}/activity").status_code == 404


def test_the_log_is_only_this_events(client, db, owner, event):
    other = make_event(db, owner=owner)
    activity.record(db, actor=owner, action="host.add", event_id=other.id, summary="Elsewhere")
    activity.record(db, actor=owner, action="host.add", event_id=event.id, summary="Here")
    db.commit()
    log_in(client, owner)

    soup = page(client.get(f"/manage/events/{event.id}/activity"))

    assert [s.get_text() for s in soup.select(".activity-summary")] == ["Here"]


def test_activity_page_query_count_does_not_grow_with_entries(
    client, db, owner, event, count_queries
):
    def add_entry(n):
        author = make_user(db, name=f"Author {n}")
        activity.record(
            db,
            actor=author,
            action="host.edit",
            event_id=event.id,
            summary=f"Host {n}",
            changes={"name": [f"Old {n}", f"New {n}"]},
        )
        db.commit()

    add_entry(0)
    log_in(client, owner)
    with count_queries() as one:
        client.get(f"/manage/events/{event.id}/activity")
    for n in range(1, 50):
        add_entry(n)

    with count_queries() as fifty:
        response = client.get(f"/manage/events/{event.id}/activity")

    assert len(page(response).select("#activity-log li.activity-entry")) == 50
    assert len(fifty) == len(one)


def test_older_entries_are_a_page_away(client, db, owner, event):
    for n in range(105):
        activity.record(db, actor=owner, action="host.add", event_id=event.id, summary=f"H{n}")
    db.commit()
    log_in(client, owner)

    first = page(client.get(f"/manage/events/{event.id}/activity"))
    second = page(client.get(first.select_one("#older")["href"]))

    summaries = [s.get_text() for s in first.select(".activity-summary")]
    assert (len(summaries), summaries[0], summaries[-1]) == (100, "H104", "H5")
    assert [s.get_text() for s in second.select(".activity-summary")] == [
        "H4",
        "H3",
        "H2",
        "H1",
        "H0",
    ]
    assert second.select_one("#older") is None
