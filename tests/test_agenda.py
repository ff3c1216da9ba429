"""Agenda rules: items, clashes, versions, releases and their changelog (no HTTP here)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from eventapp import agenda
from eventapp.events import StaleEdit
from eventapp.models import ActivityLog, AgendaItem, ItemKind
from tests.factories import make_event, make_item, make_room, make_user, read, release_agenda


@pytest.fixture
def owner(db):
    return make_user(db, "owner@mfa.example.org")


@pytest.fixture
def event(db, owner):
    # 8 August 2025, 09:00 in Bangkok, two days.
    return make_event(db, starts_at=datetime(2025, 8, 8, 2, 0, tzinfo=UTC), days=2, owner=owner)


def _at(event, hour: int, minute: int = 0, *, day: int = 0) -> datetime:
    first_day = agenda.event_days(event)[0]
    local = datetime.combine(
        first_day + timedelta(days=day), time(hour, minute), tzinfo=agenda.zone_of(event)
    )
    return local.astimezone(UTC)


def _details(event, *, start, minutes=30, room=None, title="Keynote", **extra):
    return agenda.ItemDetails(
        kind=extra.pop("kind", ItemKind.KEYNOTE),
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
        room_id=room.id if room else None,
        titles={"en": title, **extra.pop("titles", {})},
        **extra,
    )


def test_event_days_are_local_dates_in_the_event_timezone(event):
    assert agenda.event_days(event) == [date(2025, 8, 8), date(2025, 8, 9)]


def test_add_item_keeps_titles_for_the_event_languages_only(db, event, owner):
    details = _details(event, start=_at(event, 9), titles={"th": " ปาฐกถา ", "fr": "Discours"})

    item = agenda.add_item(db, event, actor=owner, details=details)
    db.commit()

    assert item.titles == {"en": "Keynote", "th": "ปาฐกถา"}
    assert len(item.uid) == 36


def test_an_item_may_not_start_outside_the_event_dates(db, event, owner):
    with pytest.raises(agenda.OutsideEventDates):
        agenda.add_item(db, event, actor=owner, details=_details(event, start=_at(event, 9, day=2)))


def test_an_item_spanning_midnight_is_fine(db, event, owner):
    details = _details(event, start=_at(event, 23, day=1), minutes=120)

    item = agenda.add_item(db, event, actor=owner, details=details)

    assert agenda.local_day(event, item.ends_at) == date(2025, 8, 10)


def test_an_item_must_end_after_it_starts(db, event, owner):
    with pytest.raises(agenda.EndsBeforeStart):
        agenda.add_item(
            db, event, actor=owner, details=_details(event, start=_at(event, 9), minutes=0)
        )


def test_another_events_room_is_unknown(db, event, owner):
    elsewhere = make_room(db, make_event(db), "Elsewhere")

    with pytest.raises(agenda.UnknownRoom):
        agenda.add_item(
            db, event, actor=owner, details=_details(event, start=_at(event, 9), room=elsewhere)
        )


def test_a_stale_save_is_refused_with_the_saved_item(db, event, owner):
    item = make_item(db, event, "Keynote")
    agenda.update_item(
        db, event, item, actor=owner, details=_details(event, start=_at(event, 10), title="First"),
        expected_version=1,
    )  # fmt: skip
    db.commit()

    with pytest.raises(StaleEdit) as refused:
        agenda.update_item(
            db, event, item, actor=owner,
            details=_details(event, start=_at(event, 11), title="Second"), expected_version=1,
        )  # fmt: skip

    assert (refused.value.current.titles, refused.value.current.version) == ({"en": "First"}, 2)


def test_an_unchanged_save_writes_nothing(db, event, owner):
    item = make_item(db, event, "Keynote", at="09:00", minutes=30)

    changes = agenda.update_item(
        db, event, item, actor=owner, details=agenda.details_of(item), expected_version=1
    )

    assert (changes, item.version) == ({}, 1)


def test_move_keeps_the_length_and_logs_the_move(db, event, owner):
    room = make_room(db, event, "Room A")
    item = make_item(db, event, "Panel", at="09:00", minutes=45)

    agenda.move_item(
        db, event, item, actor=owner, starts_at=_at(event, 14, day=1), room_id=room.id,
        expected_version=1,
    )  # fmt: skip
    db.commit()

    assert (item.starts_at, item.ends_at, item.room_id) == (
        _at(event, 14, day=1), _at(event, 14, 45, day=1), room.id,
    )  # fmt: skip
    assert read(db, select(ActivityLog.action).order_by(ActivityLog.id.desc())) == "item.move"


def test_shift_after_moves_the_rest_of_that_day_only(db, event, owner):
    overrun = make_item(db, event, "Keynote", at="09:00", minutes=30)
    next_item = make_item(db, event, "Panel", at="09:30", minutes=60)
    earlier = make_item(db, event, "Welcome", at="08:45", minutes=15)
    next_day = make_item(db, event, "Day two", at="09:30", day=1)

    moved = agenda.shift_after(db, event, overrun, actor=owner, minutes=15)
    db.commit()

    assert sorted(i.id for i in moved) == sorted([overrun.id, next_item.id])
    assert (overrun.ends_at, next_item.starts_at) == (_at(event, 9, 45), _at(event, 9, 45))
    assert (earlier.starts_at, next_day.starts_at) == (_at(event, 8, 45), _at(event, 9, 30, day=1))


def test_next_slot_starts_where_the_previous_item_ends(db, event):
    room = make_room(db, event, "Room A")
    make_item(db, event, "Opening", at="09:00", minutes=20)  # plenary: counts in every room

    starts, ends = agenda.next_slot(
        db, event, day=date(2025, 8, 8), room_id=room.id, kind=ItemKind.PANEL
    )

    assert (starts, ends) == (_at(event, 9, 20), _at(event, 10, 20))


def test_next_slot_on_an_empty_later_day_starts_in_the_morning(db, event):
    starts, _ends = agenda.next_slot(
        db, event, day=date(2025, 8, 9), room_id=None, kind=ItemKind.BREAK
    )

    assert starts == _at(event, 9, day=1)


def test_clashes_find_rooms_plenary_and_outside_dates(db, event):
    room_a, room_b = make_room(db, event, "Room A"), make_room(db, event, "Room B")
    first = make_item(db, event, "A1", at="10:00", minutes=60, room=room_a)
    second = make_item(db, event, "A2", at="10:30", minutes=60, room=room_a)
    make_item(db, event, "B1", at="10:00", minutes=60, room=room_b)
    plenary = make_item(db, event, "Lunch", at="11:15", minutes=45, kind=ItemKind.LUNCH)
    event.ends_at = event.starts_at  # the event shrinks to one day under the second day's item
    late = make_item(db, event, "Day two", at="09:00", day=1)
    db.commit()

    clashes = agenda.draft_programme(db, event).clashes()

    assert sorted((c.kind, c.item_ids) for c in clashes) == [
        ("outside", (late.id,)),
        ("plenary", (second.id, plenary.id)),
        ("room", (first.id, second.id)),
    ]


def test_back_to_back_items_do_not_clash(db, event):
    room = make_room(db, event, "Room A")
    make_item(db, event, "First", at="10:00", minutes=30, room=room)
    make_item(db, event, "Second", at="10:30", minutes=30, room=room)

    assert agenda.draft_programme(db, event).clashes() == []


def test_a_room_with_items_cannot_be_deleted(db, event, owner):
    room = make_room(db, event, "Room A")
    make_item(db, event, "Panel", room=room)

    with pytest.raises(agenda.RoomInUse) as refused:
        agenda.delete_room(db, room, actor=owner)

    assert refused.value.count == 1


def test_the_first_release_lists_every_item_as_added(db, event, owner):
    keynote = make_item(db, event, "Keynote")

    first = release_agenda(db, event, owner, "First programme")

    assert (first.number, first.comment) == (1, "First programme")
    assert [(c["change"], c["uid"]) for c in first.changes] == [("added", keynote.uid)]


def test_releasing_an_unchanged_draft_is_refused(db, event, owner):
    make_item(db, event, "Keynote")
    release_agenda(db, event, owner)

    with pytest.raises(agenda.NothingToRelease):
        agenda.release(db, event, actor=owner)


def test_the_changelog_names_added_cancelled_moved_and_retitled_items(db, event, owner):
    kept = make_item(db, event, "Kept", at="09:00")
    moved = make_item(db, event, "Moved", at="10:00")
    retitled = make_item(db, event, "Old title", at="11:00")
    cancelled = make_item(db, event, "Cancelled", at="12:00")
    release_agenda(db, event, owner)
    agenda.move_item(
        db, event, moved, actor=owner, starts_at=_at(event, 15), room_id=None, expected_version=1
    )
    details = agenda.details_of(retitled)
    details.titles = {"en": "New title"}
    agenda.update_item(db, event, retitled, actor=owner, details=details, expected_version=1)
    agenda.delete_item(db, event, cancelled, actor=owner, expected_version=1)
    added = agenda.add_item(db, event, actor=owner, details=_details(event, start=_at(event, 16)))
    db.commit()

    second = release_agenda(db, event, owner)

    assert [(c["change"], c["uid"]) for c in second.changes] == [
        ("retitled", retitled.uid),
        ("moved", moved.uid),
        ("added", added.uid),
        ("cancelled", cancelled.uid),
    ]
    sequences = {i["uid"]: i["sequence"] for i in second.snapshot["items"]}
    assert sequences == {kept.uid: 0, moved.uid: 1, retitled.uid: 1, added.uid: 0}


def test_public_programme_shows_the_release_not_the_draft(db, event, owner):
    item = make_item(db, event, "Released title")
    release_agenda(db, event, owner)
    details = agenda.details_of(item)
    details.titles = {"en": "Draft title"}
    agenda.update_item(db, event, item, actor=owner, details=details, expected_version=1)
    db.commit()

    published = agenda.published_programme(db, event)

    assert [published.title(i) for i in published.items] == ["Released title"]
    assert agenda.has_unreleased_changes(db, event) is True
    assert agenda.latest_release_number(db, event.id) == 1


def test_deleting_the_event_removes_its_agenda(db, event, owner):
    room = make_room(db, event, "Room A")
    make_item(db, event, "Panel", room=room)
    release_agenda(db, event, owner)

    db.delete(event)
    db.commit()

    assert read(db, select(AgendaItem.id)) is None


def test_titles_fall_back_to_the_first_language_with_text():
    assert agenda.title_of({"th": "ปาฐกถา"}, ["en", "th"], "en") == "ปาฐกถา"
    assert agenda.title_of({"en": "Keynote", "th": "ปาฐกถา"}, ["en", "th"], "th") == "ปาฐกถา"


def test_an_empty_agenda_is_not_released(db, event, owner):
    with pytest.raises(agenda.NothingToRelease):
        agenda.release(db, event, actor=owner)


def test_renaming_a_room_raises_the_sequence_of_its_items(db, event, owner):
    room = make_room(db, event, "Room A")
    item = make_item(db, event, "Panel", room=room)
    release_agenda(db, event, owner)

    agenda.update_room(db, room, actor=owner, name="Mekong Room", capacity=None, expected_version=1)
    db.commit()
    second = release_agenda(db, event, owner)

    assert [i["sequence"] for i in second.snapshot["items"] if i["uid"] == item.uid] == [1]


def test_shifting_from_a_stale_page_is_refused(db, event, owner):
    item = make_item(db, event, "Keynote", at="09:00")
    agenda.move_item(
        db, event, item, actor=owner, starts_at=_at(event, 10), room_id=None, expected_version=1
    )
    db.commit()

    with pytest.raises(StaleEdit):
        agenda.shift_after(db, event, item, actor=owner, minutes=10, expected_version=1)
