"""The agenda end to end: organisers edit the draft in the editor (two of them at once, rooms,
items, clashes, shifting a day that overran) and release it; visitors read the public agenda on
a desktop and a phone, open a session, read the changes, and learn of a newer release while the
page is open. Each journey once with JavaScript (htmx enhancing the forms) and once without
(plain forms only), except the newer-release notice, which only JavaScript can bring."""

import dataclasses
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from eventapp import agenda
from eventapp.models import AgendaItem, ItemKind, Role
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.factories import (
    PASSWORD,
    add_member,
    make_event,
    make_item,
    make_room,
    make_user,
    read,
    release_agenda,
)

STARTS = datetime(2031, 3, 10, 2, 0, tzinfo=UTC)  # 09:00 in Bangkok, the event's timezone
DAY = "2031-03-10"  # its local date
REFUSED_409 = "Failed to load resource: the server responded with a status of 409 (Conflict)"
JS = pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])


def _log_in(page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/manage/")


def _local_clock(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("Asia/Bangkok")).strftime("%H:%M")


def _clock(text: str) -> str:
    """Public pages write times as Babel does, with a narrow no-break space before AM/PM."""
    return text.replace(" AM", "\u202fAM").replace(" PM", "\u202fPM")


def _when(page, title: str) -> str:
    """The times the editor shows on an item's card, e.g. '09:00–09:30'."""
    return page.get_by_role("article", name=title).locator(".item-when").inner_text()


@JS
def test_two_organisers_edit_one_item_and_the_second_applies_their_change_on_top(
    db, live_server, new_page, javascript
):
    owner = make_user(db, "owner@example.org", name="Somchai Owner")
    organiser = make_user(db, "organiser@example.org", name="Anna Organiser")
    event = make_event(db, starts_at=STARTS, owner=owner)
    add_member(db, event, organiser, Role.ORGANISER)
    item = make_item(db, event, "Keynote", at="09:00", minutes=30)
    edit_path = f"/manage/events/{event.id}/agenda/items/{item.id}/edit"
    first = new_page(javascript=javascript)
    second = new_page(javascript=javascript)
    _log_in(first, live_server, owner.email)
    _log_in(second, live_server, organiser.email)
    first.goto(live_server + edit_path)
    second.goto(live_server + edit_path)

    # The owner retitles it and is back in the editor, where the new title shows.
    first.get_by_label("Title (English)").fill("Opening keynote")
    first.get_by_role("button", name="Save item").click()
    first.wait_for_url(re.compile(rf"/agenda\?day={DAY}&done=saved#item-\d+$"))

    assert first.locator(f"#item-title-{item.id}").inner_text() == "Opening keynote"

    # The organiser, still on the form as it was, moves the start: refused. The form comes
    # back with the owner's title and their own start; the panel shows the start in dispute.
    second.get_by_label("Start time").fill("09:15")
    second.get_by_role("button", name="Save item").click()
    conflict = second.get_by_role("alert").filter(has=second.locator("#conflict-heading"))
    conflict.wait_for()
    screenshot(second, f"agenda-conflict-{'js' if javascript else 'nojs'}")

    assert conflict.get_by_role("heading", level=2).inner_text() == (
        "Someone else saved this item while you were editing"
    )
    assert [row.get_attribute("id") for row in conflict.locator(".conflict-field").all()] == [
        "conflict-starts_at"
    ]
    start_row = conflict.locator("#conflict-starts_at")
    assert start_row.locator(".theirs .conflict-value").inner_text().endswith(" 09:00")
    assert start_row.locator(".yours .conflict-value").inner_text().endswith(" 09:15")
    assert second.get_by_label("Title (English)").input_value() == "Opening keynote"
    assert second.get_by_label("Start time").input_value() == "09:15"
    assert read(db, select(AgendaItem.version).where(AgendaItem.id == item.id)) == 2

    # Applying theirs on top keeps the owner's title: only the start was this organiser's.
    second.get_by_role("button", name="Apply mine on top").click()
    second.wait_for_url(re.compile(rf"/agenda\?day={DAY}&done=saved#item-\d+$"))

    saved = read(db, select(AgendaItem).where(AgendaItem.id == item.id))
    assert (saved.titles, _local_clock(saved.starts_at), saved.version) == (
        {"en": "Opening keynote"},
        "09:15",
        3,
    )
    assert _when(second, "Opening keynote") == "09:15–09:30"
    assert first.js_errors == []
    # Chromium logs the refused save (409) on the console, with htmx or without.
    assert second.js_errors == [REFUSED_409]


def _add_room(page, name: str, seats: str) -> None:
    form = page.locator("#add-room-form")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Seats").fill(seats)
    form.get_by_role("button", name="Add room").click()
    page.get_by_label(f"Name: {name}").wait_for()


def _add_item(page, title: str, *, kind: str, room: str, start: str, end: str) -> None:
    form = page.locator("#add-item-form")
    form.get_by_label("Kind").select_option(label=kind)
    form.get_by_label("Room").select_option(label=room)
    form.get_by_label("Start time").fill(start)
    form.get_by_label("End time").fill(end)
    form.get_by_label("Title (English)").fill(title)
    form.get_by_role("button", name="Add item").click()
    page.get_by_role("article", name=title).wait_for()


def _move(page, title: str, *, start: str, room: str) -> None:
    page.get_by_role("article", name=title).get_by_role("link", name="Move or shift").click()
    tools = page.get_by_role("article", name=title).locator(".item-tools")
    tools.wait_for()
    move = tools.get_by_role("group", name="Move it (its length stays the same)")
    move.get_by_label("Start time").fill(start)
    move.get_by_label("Room").select_option(label=room)
    move.get_by_role("button", name="Move").click()
    page.get_by_text("Item moved.").wait_for()


def _clash_notes(page, title: str) -> list[str]:
    card = page.get_by_role("article", name=title)
    return card.get_by_role("list", name="Clashes").get_by_role("listitem").all_inner_texts()


def _pair(row, first: str, second: str) -> tuple[str, str]:
    return row.locator(first).inner_text(), row.locator(second).inner_text()


def _grid(page) -> list[list[str]]:
    """The first day's table as a visitor reads it: per row, its time and the titles in it."""
    return page.locator(".agenda-day table tbody tr").evaluate_all(
        """rows => rows.map(row => [...row.children].map(cell =>
            (cell.querySelector('.agenda-title') || cell).innerText.trim()))"""
    )


@JS
def test_an_organiser_builds_releases_and_a_visitor_reads_the_agenda(
    db, live_server, new_page, javascript
):
    owner = make_user(db, "owner@example.org", name="Somchai Owner")
    event = make_event(db, starts_at=STARTS, owner=owner)
    suffix = "js" if javascript else "nojs"
    page = new_page(javascript=javascript)
    _log_in(page, live_server, owner.email)

    # Two rooms, on the rooms page.
    page.goto(f"{live_server}/manage/events/{event.id}/agenda")
    page.get_by_role("link", name="Rooms", exact=True).click()
    _add_room(page, "Main hall", "120")
    _add_room(page, "Room B", "40")

    rooms = page.get_by_role("list", name="Rooms in order").locator("input[name=name]")
    assert rooms.evaluate_all("inputs => inputs.map(input => input.value)") == [
        "Main hall",
        "Room B",
    ]

    # Items added inline: the add form proposes the slot after the day's last item.
    page.get_by_role("navigation", name="This event").get_by_role("link", name="Agenda").click()
    page.wait_for_url(re.compile(rf"/manage/events/{event.id}/agenda$"))
    add_form = page.locator("#add-item-form")
    proposed_first = add_form.get_by_label("Start time").input_value()
    _add_item(
        page, "Welcome and keynote", kind="Keynote", room="Plenary (all rooms)",
        start="09:00", end="09:30",
    )  # fmt: skip
    proposed_second = add_form.get_by_label("Start time").input_value()
    _add_item(
        page, "Scam trends in 2031", kind="Presentation", room="Main hall",
        start=proposed_second, end="10:15",
    )  # fmt: skip
    _add_item(
        page, "Protecting older people", kind="Presentation", room="Room B",
        start="09:30", end="10:15",
    )  # fmt: skip

    assert (proposed_first, proposed_second) == ("09:00", "09:30")
    assert page.locator("#timeline thead th").all_inner_texts() == ["Main hall", "Room B"]
    assert page.locator("#clashes").count() == 0

    # Moved into the same room at the same time: saved, with a warning on the editor.
    _move(page, "Protecting older people", start="09:30", room="Main hall")
    screenshot(page, f"agenda-editor-clash-{suffix}")

    assert page.get_by_role("heading", name="1 clash").is_visible()
    assert _clash_notes(page, "Protecting older people") == [
        "Same room at the same time as “Scam trends in 2031” (09:30–10:15)."
    ]
    assert _clash_notes(page, "Scam trends in 2031") == [
        "Same room at the same time as “Protecting older people” (09:30–10:15)."
    ]

    # The release page lists the clash too; the organiser moves the item back, then releases.
    page.get_by_role("link", name="Release…").click()
    page.wait_for_url(re.compile(r"/agenda/release$"))

    assert page.locator("#clashes .clash-text").all_inner_texts() == [
        "Two items in Main hall at the same time:"
    ]

    page.get_by_role("link", name="Back to the agenda").click()
    _move(page, "Protecting older people", start="09:30", room="Room B")
    page.get_by_role("link", name="Release…").click()
    page.wait_for_url(re.compile(r"/agenda/release$"))
    changes = page.locator("#changes li")

    assert page.locator("#clashes").count() == 0
    assert [
        _pair(row, ".editor-change-label", ".editor-change-title") for row in changes.all()
    ] == [
        ("Added", "Welcome and keynote"),
        ("Added", "Scam trends in 2031"),
        ("Added", "Protecting older people"),
    ]

    page.get_by_label("Comment (optional)").fill("First programme")
    page.get_by_role("button", name="Release version 1").click()
    page.wait_for_url(re.compile(rf"/agenda\?day={DAY}&done=released&number=1$"))

    assert page.get_by_role("status").inner_text() == (
        "Release 1 is published: the public agenda shows it now."
    )

    # A visitor on a desktop: a grid by room, the plenary item across both columns.
    visitor = new_page(javascript=javascript, viewport=DESKTOP)
    visitor.goto(f"{live_server}/events/{event.slug}/agenda")
    screenshot(visitor, f"agenda-public-desktop-{suffix}")

    assert visitor.locator(".agenda-day table thead th").all_inner_texts() == [
        "Time",
        "Main hall",
        "Room B",
    ]
    assert _grid(visitor) == [
        [_clock("9:00 AM"), "Welcome and keynote"],
        [_clock("9:30 AM"), "Scam trends in 2031", "Protecting older people"],
    ]
    assert (
        visitor.get_by_role("cell", name=re.compile("Welcome and keynote")).get_attribute("colspan")
        == "2"
    )

    # On a phone the same agenda is a list: no column heads, each item says its room.
    visitor.set_viewport_size(PHONE)
    screenshot(visitor, f"agenda-public-phone-{suffix}")
    rooms_shown = visitor.locator(".agenda-item .agenda-room")

    assert visitor.locator(".agenda-day table thead").is_hidden()
    assert rooms_shown.all_inner_texts() == ["All rooms", "Main hall", "Room B"]
    assert all(room.is_visible() for room in rooms_shown.all())
    assert visitor.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # One session, then the changes.
    visitor.get_by_role("link", name="Scam trends in 2031").click()
    visitor.wait_for_url(re.compile(rf"/events/{event.slug}/sessions/\d+$"))

    assert visitor.get_by_role("heading", level=1).inner_text() == "Scam trends in 2031"
    assert visitor.locator("#session-room").inner_text() == "Main hall"
    assert visitor.locator("#session-when .when-time").inner_text() == _clock("9:30 AM–10:15 AM")

    visitor.get_by_role("link", name="Back to the agenda").click()
    visitor.get_by_role("link", name="What changed").click()
    visitor.wait_for_url(re.compile(rf"/events/{event.slug}/agenda/changes$"))
    lines = visitor.get_by_role("region", name="Version 1").get_by_role("listitem")

    assert [_pair(line, ".change-title", ".change-text") for line in lines.all()] == [
        ("Welcome and keynote", "Added"),
        ("Scam trends in 2031", "Added"),
        ("Protecting older people", "Added"),
    ]
    assert page.js_errors == visitor.js_errors == []


def test_a_visitor_with_the_agenda_open_learns_of_a_newer_release(db, live_server, new_page):
    owner = make_user(db, "owner@example.org")
    event = make_event(db, starts_at=STARTS, owner=owner)
    keynote = make_item(db, event, "Keynote", at="09:00", minutes=30)
    make_item(db, event, "Panel", at="09:30", minutes=60, kind=ItemKind.PANEL)
    release_agenda(db, event, owner, "First programme")
    visitor = new_page(javascript=True)
    visitor.clock.install()
    visitor.goto(f"{live_server}/events/{event.slug}/agenda")
    notice = visitor.get_by_role("status").filter(has=visitor.locator("#agenda-newer"))

    assert visitor.locator("#agenda-release .agenda-version").inner_text().startswith("Version 1,")
    assert visitor.locator("#agenda-newer").count() == 0

    # An organiser retitles the keynote and releases again while the page is open.
    agenda.update_item(
        db,
        event,
        keynote,
        actor=owner,
        details=dataclasses.replace(agenda.details_of(keynote), titles={"en": "Opening keynote"}),
        expected_version=keynote.version,
    )
    db.commit()
    release_agenda(db, event, owner, "The keynote has its final title")

    # The page polls every 30 seconds; the browser's clock is moved on instead of waiting.
    visitor.clock.fast_forward("00:31")
    notice.wait_for()
    screenshot(visitor, "agenda-public-newer-notice")

    assert notice.inner_text() == "A newer version of the agenda has been published — reload"
    assert visitor.get_by_role("link", name="Keynote", exact=True).is_visible()

    notice.get_by_role("link", name="reload").click()
    visitor.get_by_role("link", name="Opening keynote").wait_for()

    assert visitor.locator("#agenda-release .agenda-version").inner_text().startswith("Version 2,")
    assert visitor.locator("#agenda-newer").count() == 0
    assert visitor.js_errors == []


@JS
def test_shifting_the_rest_of_the_day_moves_every_later_item(db, live_server, new_page, javascript):
    owner = make_user(db, "owner@example.org")
    event = make_event(db, starts_at=STARTS, owner=owner)
    hall = make_room(db, event, "Main hall")
    keynote = make_item(db, event, "Keynote", at="09:00", minutes=30, room=hall)
    make_item(db, event, "Scam trends", at="09:30", minutes=30, room=hall)
    make_item(db, event, "Panel", at="10:00", minutes=60, room=hall, kind=ItemKind.PANEL)
    page = new_page(javascript=javascript)
    _log_in(page, live_server, owner.email)
    page.goto(f"{live_server}/manage/events/{event.id}/agenda")

    page.get_by_role("article", name="Keynote").get_by_role("link", name="Move or shift").click()
    shift = page.get_by_role("group", name="Shift everything after it on this day")
    shift.get_by_label("Minutes (negative for earlier)").fill("15")
    shift.get_by_label("It ran over: end it later too").check()
    shift.get_by_role("button", name="Shift").click()
    page.get_by_role("status").filter(
        has_text="2 later items moved by +15 minutes. Its own end moved by +15 minutes too."
    ).wait_for()
    screenshot(page, f"agenda-shifted-{'js' if javascript else 'nojs'}")

    assert [_when(page, title) for title in ("Keynote", "Scam trends", "Panel")] == [
        "09:00–09:45",
        "09:45–10:15",
        "10:15–11:15",
    ]
    assert read(db, select(AgendaItem.version).where(AgendaItem.id == keynote.id)) == 2
    assert page.js_errors == []


@JS
def test_an_organiser_edits_an_item_from_the_day(db, live_server, new_page, javascript):
    owner = make_user(db, "owner@example.org")
    event = make_event(db, starts_at=STARTS, owner=owner)
    make_item(db, event, "Keynote", at="09:00", minutes=30)
    make_item(db, event, "Panel", at="09:30", minutes=60, kind=ItemKind.PANEL)
    page = new_page(javascript=javascript)
    _log_in(page, live_server, owner.email)
    day = f"{live_server}/manage/events/{event.id}/agenda"
    page.goto(day)

    page.get_by_role("article", name="Keynote").get_by_role("link", name="Edit").click()
    # With htmx the form opens in place of the item, the day around it; without, on its page.
    form = page.locator("form.item-form").filter(has=page.get_by_role("button", name="Save item"))
    form.get_by_label("Title (English)").fill("Opening keynote")
    form.get_by_label("End time").fill("09:20")
    if javascript:
        assert page.url == day
        assert page.get_by_role("article", name="Panel").count() == 1
    form.get_by_role("button", name="Save item").click()
    page.get_by_role("status").filter(has_text="Item saved.").wait_for()

    assert page.url.startswith(f"{day}?day={DAY}")
    assert [_when(page, title) for title in ("Opening keynote", "Panel")] == [
        "09:00–09:20",
        "09:30–10:30",
    ]
    assert page.js_errors == []
