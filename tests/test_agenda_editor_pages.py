"""The organisers' agenda editor: the day's timeline, adding, editing, moving, shifting,
duplicating and deleting items, clashes, rooms, releasing; who may, and bad input."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from eventapp.models import AgendaItem, AgendaRelease, ItemKind, Role, Room
from tests.factories import (
    add_member,
    form_data,
    fragment,
    log_in,
    make_event,
    make_item,
    make_room,
    make_user,
    page,
    read,
    read_all,
    release_agenda,
    submit,
)

# Thursday 8 August 2030, 09:00 in Bangkok (UTC+7); the event runs two days.
STARTS = datetime(2030, 8, 8, 2, 0, tzinfo=UTC)
DAY_ONE, DAY_TWO = "2030-08-08", "2030-08-09"


def at(clock: str, day: str = DAY_ONE, zone: str = "Asia/Bangkok") -> datetime:
    """A local wall-clock time as the UTC instant the database keeps."""
    local = datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), ZoneInfo(zone))
    return local.astimezone(UTC)


def item_form(**overrides) -> dict:
    data = {
        "kind": "panel",
        "start_date": DAY_ONE,
        "start_time": "10:00",
        "end_time": "11:00",
        "end_date": "",
        "room": "",
        "track": "",
        "title_en": "Panel on online scams",
        "title_th": "การอภิปรายเรื่องการหลอกลวงออนไลน์",
        "description_en": "",
        "description_th": "",
    }
    data.update(overrides)
    return data


def stored(db, item_id: int) -> dict | None:
    """The item as saved now (the read is committed at once: SQLite has one writer)."""
    row = db.execute(
        select(
            AgendaItem.kind,
            AgendaItem.starts_at,
            AgendaItem.ends_at,
            AgendaItem.room_id,
            AgendaItem.titles,
            AgendaItem.descriptions,
            AgendaItem.track,
            AgendaItem.version,
        ).where(AgendaItem.id == item_id)
    ).first()
    db.commit()
    return row._asdict() if row else None


def titles_in_order(db, event) -> list[str]:
    rows = read_all(
        db,
        select(AgendaItem)
        .where(AgendaItem.event_id == event.id)
        .order_by(AgendaItem.starts_at, AgendaItem.id),
    )
    return [row.titles.get("en", "") for row in rows]


def count(db, model) -> int:
    return read(db, select(func.count()).select_from(model))


def error_beside(soup, field: str, prefix: str = "input") -> str:
    """The message beside a field, checking it is tied to the field for assistive technology."""
    error_id = f"error-{field}" if prefix == "input" else f"error-{prefix}-{field}"
    message = soup.select_one(f"#{error_id}")
    assert message is not None, f"no error beside {field}"
    control = soup.select_one(f"#{prefix}-{field}")
    assert control["aria-invalid"] == "true"
    assert error_id in control["aria-describedby"].split()
    return message.get_text(strip=True)


def card_titles(soup) -> list[str]:
    return [h.get_text(strip=True) for h in soup.select(".editor-item .item-title")]


HTMX = {"HX-Request": "true"}


@pytest.fixture
def owner(db):
    return make_user(db, name="Olivia Owner")


@pytest.fixture
def event(db, owner):
    return make_event(db, title="Seminar on Online Scams", starts_at=STARTS, days=2, owner=owner)


@pytest.fixture
def organiser(db, event):
    user = make_user(db, name="Oscar Organiser")
    add_member(db, event, user, Role.ORGANISER)
    return user


@pytest.fixture
def base(event) -> str:
    return f"/manage/events/{event.id}/agenda"


# Who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.REGISTRAR, Role.RAPPORTEUR, Role.VIEWER])
def test_narrow_roles_may_not_open_or_change_the_agenda(client, db, event, base, role):
    room = make_room(db, event, "Room A")
    item = make_item(db, event, "Keynote")
    member = make_user(db)
    add_member(db, event, member, role)
    log_in(client, member)

    statuses = {
        "editor": client.get(base).status_code,
        "rooms": client.get(f"{base}/rooms").status_code,
        "release page": client.get(f"{base}/release").status_code,
        "edit form": client.get(f"{base}/items/{item.id}/edit").status_code,
        "add": submit(client, f"{base}/items", item_form()).status_code,
        "move": submit(
            client,
            f"{base}/items/{item.id}/move",
            {"start_date": DAY_TWO, "start_time": "10:00", "room": "", "version": "1"},
        ).status_code,
        "add room": submit(client, f"{base}/rooms", {"name": "Room B"}).status_code,
        "delete room": submit(client, f"{base}/rooms/{room.id}/delete", {}).status_code,
        "release": submit(client, f"{base}/release", {}).status_code,
    }

    assert set(statuses.values()) == {403}
    assert (count(db, AgendaItem), count(db, Room), count(db, AgendaRelease)) == (1, 1, 0)


def test_non_members_get_404_everywhere(client, db, event, base):
    item = make_item(db, event, "Keynote")
    log_in(client, make_user(db))

    paths = ["", "/rooms", "/release", f"/items/{item.id}/edit", f"/items/{item.id}/delete"]
    statuses = [client.get(f"{base}{path}").status_code for path in paths]
    add = submit(client, f"{base}/items", item_form())

    assert statuses == [404] * len(paths)
    assert add.status_code == 404
    assert count(db, AgendaItem) == 1


def test_another_events_items_and_rooms_answer_404(client, db, owner, event, base):
    other = make_event(db, starts_at=STARTS, owner=owner)
    item = make_item(db, other, "Elsewhere")
    room = make_room(db, other, "Elsewhere hall")
    log_in(client, owner)

    statuses = [
        client.get(f"{base}/items/{item.id}/edit").status_code,
        client.get(f"{base}/items/{item.id}/delete").status_code,
        submit(client, f"{base}/items/{item.id}/edit", item_form(version="1")).status_code,
        submit(client, f"{base}/items/{item.id}/duplicate", {}).status_code,
        submit(
            client, f"{base}/items/{item.id}/shift", {"minutes": "10", "version": "1"}
        ).status_code,
        submit(client, f"{base}/items/{item.id}/delete", {"version": "1"}).status_code,
        submit(client, f"{base}/rooms/{room.id}/edit", {"name": "X", "version": "1"}).status_code,
        submit(client, f"{base}/rooms/{room.id}/move", {"direction": "up"}).status_code,
        submit(client, f"{base}/rooms/{room.id}/delete", {}).status_code,
    ]

    assert statuses == [404] * len(statuses)
    assert stored(db, item.id)["titles"] == {"en": "Elsewhere"}
    assert read(db, select(Room.name).where(Room.id == room.id)) == "Elsewhere hall"


def test_the_agenda_tab_of_the_event_leads_to_the_editor(client, db, owner, event, base):
    log_in(client, owner)

    response = client.get(base)

    tab = page(response).select_one(".event-nav a[aria-current=page]")
    assert (response.status_code, tab["href"], tab.get_text(strip=True)) == (200, base, "Agenda")


# The day's programme -------------------------------------------------------------------------


def test_the_editor_opens_on_the_first_day_with_a_tab_for_each_day(client, db, owner, base, event):
    make_item(db, event, "Keynote", day=0)
    make_item(db, event, "Day two opening", day=1)
    log_in(client, owner)

    first = page(client.get(base))
    second = page(client.get(f"{base}?day={DAY_TWO}"))
    nonsense = page(client.get(f"{base}?day=yesterday"))

    tabs = [(a["data-day"], a.get_text(" ", strip=True)) for a in first.select("#day-tabs a")]
    assert tabs == [(DAY_ONE, "Thu, Aug 8 (1)"), (DAY_TWO, "Fri, Aug 9 (1)")]
    assert first.select_one("#day-tabs a[aria-current=page]")["data-day"] == DAY_ONE
    assert first.select_one("#day-heading").get_text() == "Thursday, August 8, 2030"
    assert card_titles(first) == ["Keynote"]
    assert card_titles(second) == ["Day two opening"]
    assert card_titles(nonsense) == ["Keynote"]


def test_a_day_tab_with_htmx_answers_the_day_alone(client, db, owner, base, event):
    make_item(db, event, "Day two opening", day=1)
    log_in(client, owner)

    response = client.get(f"{base}?day={DAY_TWO}", headers=HTMX)

    soup = fragment(response)
    assert soup.select_one("h1") is None
    assert soup.select_one("div#agenda-day") is not None
    assert card_titles(soup) == ["Day two opening"]


def test_rooms_are_columns_and_plenary_items_span_them_all(client, db, owner, base, event):
    hall, annex = make_room(db, event, "Main hall"), make_room(db, event, "Annex")
    opening = make_item(db, event, "Opening", at="09:00", minutes=15)
    scams = make_item(db, event, "Scam centres", at="09:15", minutes=60, room=hall)
    money = make_item(db, event, "Money mules", at="09:15", minutes=45, room=annex)
    lunch = make_item(db, event, "Lunch", at="12:00", minutes=60, kind=ItemKind.LUNCH)
    log_in(client, owner)

    soup = page(client.get(base))

    table = soup.select_one("#timeline")
    assert [th.get_text(strip=True) for th in table.select("thead th")] == ["Main hall", "Annex"]
    rows = table.select("tbody > tr")
    assert [row["class"][0] for row in rows] == ["plenary-row", "rooms-row", "plenary-row"]
    assert rows[0].select_one("td")["colspan"] == "2"
    assert rows[0].select_one(".editor-item")["id"] == f"item-{opening.id}"
    assert [cell.select_one(".editor-item")["id"] for cell in rows[1].select("td")] == [
        f"item-{scams.id}",
        f"item-{money.id}",
    ]
    assert rows[2].select_one(".editor-item")["id"] == f"item-{lunch.id}"
    assert soup.select_one("#item-list") is None


def test_with_one_room_the_day_is_a_list(client, db, owner, base, event):
    hall = make_room(db, event, "Main hall")
    make_item(db, event, "Panel", at="10:00", room=hall)
    make_item(db, event, "Opening", at="09:00")
    log_in(client, owner)

    soup = page(client.get(base))

    assert soup.select_one("#timeline") is None
    assert card_titles(soup.select_one("#item-list")) == ["Opening", "Panel"]
    rooms = [p.get_text(strip=True) for p in soup.select("#item-list .item-room")]
    assert rooms == ["Plenary (all rooms)", "Main hall"]


def test_an_item_shows_its_local_times_kind_titles_and_room(client, db, owner, base):
    event = make_event(db, starts_at=datetime(2030, 7, 1, 7, 0, tzinfo=UTC), owner=owner,
                       timezone="Europe/Brussels")  # fmt: skip
    item = make_item(db, event, "", at="09:00", minutes=45, kind=ItemKind.KEYNOTE, track="Policy",
                     titles={"en": "Keynote", "th": "ปาฐกถาพิเศษ"})  # fmt: skip
    log_in(client, owner)

    soup = page(client.get(f"/manage/events/{event.id}/agenda"))

    card = soup.select_one(f"#item-{item.id}")
    times = card.select(".item-when time")
    assert [t.get_text() for t in times] == ["09:00", "09:45"]
    assert times[0]["datetime"] == "2030-07-01T07:00:00+00:00"
    assert soup.select_one("#timezone-note").get_text() == (
        "Times are in Europe/Brussels (UTC+02:00)."
    )
    assert card.select_one(".item-kind").get_text() == "Keynote"
    assert card.select_one(".item-title").get_text() == "Keynote"
    assert card.select_one(".item-title-other").get_text() == "ปาฐกถาพิเศษ"
    assert card.select_one(".item-title-other")["lang"] == "th"
    assert card.select_one(".item-track").get_text() == "Policy"
    assert card.select_one(f"#missing-{item.id}") is None


def test_a_missing_translation_is_flagged(client, db, owner, base, event):
    item = make_item(db, event, "Keynote")
    log_in(client, owner)

    soup = page(client.get(base))

    assert soup.select_one(f"#missing-{item.id}").get_text() == "Translation missing: ไทย"


def test_an_item_past_midnight_says_it_ends_the_next_day(client, db, owner, base, event):
    item = make_item(db, event, "Gala dinner", at="22:00", minutes=150)
    log_in(client, owner)

    card = page(client.get(base)).select_one(f"#item-{item.id}")

    assert card.select_one(".item-when").get_text(" ", strip=True) == "22:00 – 00:30 (next day)"


def test_a_title_with_markup_is_shown_as_text(client, db, owner, base, event):
    log_in(client, owner)
    title = '<script>alert("x")</script><b>Bold</b>'

    submit(client, f"{base}/items", item_form(title_en=title))
    soup = page(client.get(base))

    assert card_titles(soup) == [title]
    assert soup.select("main script") == []
    assert soup.select("main .item-title b") == []


def test_the_editor_query_count_does_not_grow_with_items(
    client, db, owner, base, event, count_queries
):
    rooms = [make_room(db, event, "Room A"), make_room(db, event, "Room B")]

    def add(number: int) -> None:
        for n in range(number):
            start = datetime(2030, 1, 1, 8, 0) + timedelta(minutes=10 * n)
            room = None if n % 5 == 0 else rooms[n % 2]
            make_item(db, event, f"Item {n}", at=start.strftime("%H:%M"), minutes=15, room=room)

    add(5)
    log_in(client, owner)
    with count_queries() as five:
        assert client.get(base).status_code == 200
    add(45)

    with count_queries() as fifty:
        response = client.get(base)

    assert len(page(response).select(".editor-item")) == 50
    assert len(fifty) == len(five)


# Adding an item ------------------------------------------------------------------------------


def test_the_add_form_proposes_the_slot_after_the_last_item(client, db, owner, base, event):
    make_item(db, event, "Opening", at="09:00", minutes=30)
    log_in(client, owner)

    soup = page(client.get(base))

    form = form_data(soup, "#add-item-form")
    assert {k: form[k] for k in ("kind", "start_date", "start_time", "end_time", "room")} == {
        "kind": "presentation",
        "start_date": DAY_ONE,
        "start_time": "09:30",
        "end_time": "09:50",  # a presentation lasts 20 minutes unless changed
        "room": "",
    }
    assert [o["value"] for o in soup.select("#input-room option")] == [""]
    assert soup.select_one("#input-room option").get_text() == "Plenary (all rooms)"
    kinds = [o.get_text() for o in soup.select("#input-kind option")]
    assert kinds[:3] == ["Opening remarks", "Welcome", "Keynote"]


def test_adding_an_item_saves_it_in_utc_and_goes_back_to_its_day(client, db, owner, base, event):
    hall = make_room(db, event, "Main hall")
    log_in(client, owner)

    response = submit(
        client,
        f"{base}/items",
        item_form(start_date=DAY_TWO, start_time="10:00", end_time="11:15", room=str(hall.id),
                  track="Law enforcement", description_en="Who *pays*?"),
    )  # fmt: skip

    item_id = read(db, select(AgendaItem.id))
    assert response.status_code == 303
    assert response.headers["location"] == (
        f"{base}?day={DAY_TWO}&done=added&kind=panel&room={hall.id}#item-{item_id}"
    )
    assert stored(db, item_id) == {
        "kind": "panel",
        "starts_at": at("10:00", DAY_TWO),
        "ends_at": at("11:15", DAY_TWO),
        "room_id": hall.id,
        "titles": {"en": "Panel on online scams", "th": "การอภิปรายเรื่องการหลอกลวงออนไลน์"},
        "descriptions": {"en": "Who *pays*?"},
        "track": "Law enforcement",
        "version": 1,
    }
    following = page(client.get(response.headers["location"]))
    assert following.select_one("#message").get_text() == "Item added."
    # The next proposal follows the item just added, in the same room and of the same kind.
    proposal = form_data(following, "#add-item-form")
    assert (proposal["kind"], proposal["room"], proposal["start_time"]) == (
        "panel",
        str(hall.id),
        "11:15",
    )


def test_adding_with_htmx_answers_the_day_at_once(client, db, owner, base, event):
    log_in(client, owner)

    response = submit(client, f"{base}/items", item_form(), headers=HTMX)

    soup = fragment(response)
    assert response.status_code == 200
    assert soup.select_one("h1") is None
    assert soup.select_one("div#agenda-day") is not None
    assert soup.select_one("#message").get_text() == "Item added."
    assert card_titles(soup) == ["Panel on online scams"]
    assert form_data(soup, "#add-item-form")["start_time"] == "11:00"
    assert response.headers["HX-Replace-Url"] == f"{base}?day={DAY_ONE}"


def test_the_add_form_is_a_plain_form_enhanced_with_htmx(client, db, owner, base):
    log_in(client, owner)

    form = page(client.get(base)).select_one("form#add-item-form")

    assert (form["method"], form["action"], form["hx-post"], form["hx-target"]) == (
        "post",
        f"{base}/items",
        f"{base}/items",
        "#agenda-day",
    )


def test_an_empty_end_time_gives_the_usual_length_of_the_kind(client, db, owner, base):
    log_in(client, owner)

    submit(client, f"{base}/items", item_form(kind="lunch", start_time="12:00", end_time=""))

    item = stored(db, read(db, select(AgendaItem.id)))
    assert (item["starts_at"], item["ends_at"]) == (at("12:00"), at("13:00"))


def test_an_item_may_end_after_midnight_with_an_end_date(client, db, owner, base):
    log_in(client, owner)

    response = submit(
        client,
        f"{base}/items",
        item_form(start_time="23:30", end_time="00:30", end_date=DAY_TWO),
    )

    item = stored(db, read(db, select(AgendaItem.id)))
    assert response.status_code == 303
    assert (item["starts_at"], item["ends_at"]) == (at("23:30"), at("00:30", DAY_TWO))


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"start_time": "10:00", "end_time": "09:30"}, "end_time",
         "The end must be after the start."),
        ({"start_time": "23:30", "end_time": "00:30", "end_date": DAY_ONE}, "end_date",
         "The end must be after the start."),
        ({"start_date": "2030-08-10"}, "start_date",
         "Choose a day of the event, from Thursday, August 8, 2030 to Friday, August 9, 2030."),
        ({"start_date": "0001-01-01"}, "start_date", "Enter a date between 1970 and 2200."),
        ({"start_date": ""}, "start_date", "This field is required."),
        ({"start_time": ""}, "start_time", "This field is required."),
        ({"start_time": "25:99"}, "start_time", "This value is not valid."),
        ({"room": "999999"}, "room", "Choose a room from the list."),
        ({"room": "hall"}, "room", "Choose a room from the list."),
        ({"kind": "party"}, "kind", "Choose one of the options."),
        ({"title_en": ""}, "title_en", "This field is required."),
        ({"title_en": "t" * 301}, "title_en", "Use at most 300 characters."),
        ({"title_th": "ท" * 301}, "title_th", "Use at most 300 characters."),
        ({"description_en": "d" * 20_001}, "description_en", "Use at most 20000 characters."),
        ({"track": "t" * 101}, "track", "Use at most 100 characters."),
        ({"title_en": "Nul\x00"}, "title_en",
         "This field contains a character that is not allowed."),
    ],
)  # fmt: skip
def test_adding_with_bad_input_answers_422_beside_the_field_and_saves_nothing(
    client, db, owner, base, overrides, field, message
):
    log_in(client, owner)

    response = submit(client, f"{base}/items", item_form(**overrides))

    assert response.status_code == 422
    assert error_beside(page(response), field) == message
    assert count(db, AgendaItem) == 0


def test_another_events_room_is_refused(client, db, owner, base):
    elsewhere = make_room(db, make_event(db, owner=owner), "Elsewhere hall")
    log_in(client, owner)

    response = submit(client, f"{base}/items", item_form(room=str(elsewhere.id)))

    assert response.status_code == 422
    assert error_beside(page(response), "room") == "Choose a room from the list."
    assert count(db, AgendaItem) == 0


def test_a_time_the_clocks_skip_is_refused(client, db, owner):
    # Brussels moves its clocks from 02:00 to 03:00 on Sunday 31 March 2030.
    event = make_event(db, starts_at=datetime(2030, 3, 30, 8, 0, tzinfo=UTC), days=2,
                       timezone="Europe/Brussels", owner=owner)  # fmt: skip
    log_in(client, owner)
    path = f"/manage/events/{event.id}/agenda/items"

    starts = submit(client, path, item_form(start_date="2030-03-31", start_time="02:30"))
    ends = submit(
        client, path, item_form(start_date="2030-03-31", start_time="01:30", end_time="02:15")
    )

    gap = "This time does not exist in this timezone (the clocks change). Choose another."
    assert (starts.status_code, ends.status_code) == (422, 422)
    assert error_beside(page(starts), "start_time") == gap
    assert error_beside(page(ends), "end_time") == gap
    assert count(db, AgendaItem) == 0


def test_a_two_megabyte_description_is_refused_beside_its_field(client, db, owner, base):
    log_in(client, owner)

    response = submit(client, f"{base}/items", item_form(description_th="d" * (2 * 1024 * 1024)))

    assert response.status_code == 422
    assert error_beside(page(response), "description_th") == "Use at most 20000 characters."
    assert count(db, AgendaItem) == 0


def test_invalid_input_keeps_what_was_typed(client, db, owner, base):
    log_in(client, owner)

    response = submit(client, f"{base}/items", item_form(title_en="", title_th="<b>หัวข้อ</b>"))

    soup = page(response)
    assert soup.select_one("#input-title_th")["value"] == "<b>หัวข้อ</b>"
    assert soup.select_one("#form-problems") is not None


def test_invalid_input_with_htmx_answers_the_day_with_the_form(client, db, owner, base):
    log_in(client, owner)

    plain = submit(client, f"{base}/items", item_form(title_en=""))
    enhanced = submit(client, f"{base}/items", item_form(title_en=""), headers=HTMX)

    assert (plain.status_code, enhanced.status_code) == (422, 422)
    assert page(plain).select_one("h1").get_text() == "Agenda"
    soup = fragment(enhanced)
    assert soup.select_one("h1") is None
    assert error_beside(soup.select_one("#agenda-day"), "title_en") == "This field is required."


# Editing an item -----------------------------------------------------------------------------


def test_the_edit_form_shows_the_item_in_the_events_timezone(client, db, owner, base, event):
    hall = make_room(db, event, "Main hall")
    item = make_item(db, event, "Keynote", at="09:00", minutes=45, room=hall)
    log_in(client, owner)

    soup = page(client.get(f"{base}/items/{item.id}/edit"))

    shown = form_data(soup, "#item-form")
    assert {name: value for name, value in shown.items() if not name.startswith("was_")} == {
        "csrf_token": soup.select_one("input[name=csrf_token]")["value"],
        "version": "1",
        "kind": "keynote",
        "room": str(hall.id),
        "track": "",
        "start_date": DAY_ONE,
        "start_time": "09:00",
        "end_time": "09:45",
        "end_date": "",
        "title_en": "Keynote",
        "description_en": "",
        "title_th": "",
        "description_th": "",
    }
    assert soup.select_one("#missing-title_th").get_text() == "Translation missing"
    assert soup.select_one("#input-title_th")["lang"] == "th"


def test_saving_an_edit_raises_the_version_and_goes_back_to_the_item(
    client, db, owner, base, event
):
    item = make_item(db, event, "Keynote", at="09:00")
    log_in(client, owner)

    response = submit(
        client,
        f"{base}/items/{item.id}/edit",
        item_form(version="1", kind="keynote", start_date=DAY_TWO, start_time="09:00",
                  end_time="09:40", title_en="Opening keynote", title_th="ปาฐกถาเปิด"),
    )  # fmt: skip

    assert response.status_code == 303
    assert response.headers["location"] == f"{base}?day={DAY_TWO}&done=saved#item-{item.id}"
    saved = stored(db, item.id)
    assert (saved["titles"], saved["starts_at"], saved["version"]) == (
        {"en": "Opening keynote", "th": "ปาฐกถาเปิด"},
        at("09:00", DAY_TWO),
        2,
    )


def test_saving_the_form_unchanged_keeps_the_version(client, db, owner, base, event):
    item = make_item(db, event, "Keynote", descriptions={"en": "x"})
    log_in(client, owner)
    path = f"{base}/items/{item.id}/edit"

    response = submit(client, path, form_data(page(client.get(path)), "#item-form"))

    assert response.headers["location"] == f"{base}?day={DAY_ONE}&done=unchanged#item-{item.id}"
    assert stored(db, item.id)["version"] == 1


def test_editing_with_htmx_tells_the_browser_where_to_go(client, db, owner, base, event):
    item = make_item(db, event, "Keynote")
    log_in(client, owner)

    response = submit(client, f"{base}/items/{item.id}/edit", item_form(version="1"), headers=HTMX)

    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"{base}?day={DAY_ONE}&done=saved#item-{item.id}"


def test_invalid_edit_answers_the_form_alone_with_htmx(client, db, owner, base, event):
    item = make_item(db, event, "Keynote")
    log_in(client, owner)
    path = f"{base}/items/{item.id}/edit"

    plain = submit(client, path, item_form(version="1", end_time="09:00"))
    enhanced = submit(client, path, item_form(version="1", end_time="09:00"), headers=HTMX)

    assert (plain.status_code, enhanced.status_code) == (422, 422)
    assert page(plain).select_one("h1").get_text() == "Edit agenda item"
    soup = fragment(enhanced)
    assert soup.select_one("h1") is None
    assert error_beside(soup.select_one("form#item-form"), "end_time") == (
        "The end must be after the start."
    )
    assert stored(db, item.id)["version"] == 1


def test_an_edit_without_a_version_is_refused(client, db, owner, base, event):
    item = make_item(db, event, "Keynote")
    log_in(client, owner)

    response = submit(client, f"{base}/items/{item.id}/edit", item_form(title_en="Changed"))

    assert response.status_code == 422
    assert page(response).select_one("#form-error").get_text() == (
        "The form was incomplete. Reload the page and try again."
    )
    assert stored(db, item.id)["titles"] == {"en": "Keynote"}


def test_two_organisers_edit_one_item_and_the_second_applies_theirs_on_top(
    client, other_client, db, owner, organiser, base, event
):
    item = make_item(db, event, "Keynote", at="09:00")
    path = f"{base}/items/{item.id}/edit"
    log_in(client, owner)
    log_in(other_client, organiser)
    first = form_data(page(client.get(path)), "#item-form")
    second = form_data(page(other_client.get(path)), "#item-form")
    saved = submit(client, path, {**first, "title_en": "Their title", "start_time": "09:15",
                                  "end_time": "09:45"})  # fmt: skip

    conflict = submit(other_client, path, {**second, "title_en": "My title"})

    soup = page(conflict)
    assert (saved.status_code, conflict.status_code) == (303, 409)
    assert soup.select_one("#conflict-heading").get_text() == (
        "Someone else saved this item while you were editing"
    )
    pairs = {
        row["id"]: (row.select_one(".theirs .conflict-value").get_text(),
                    row.select_one(".yours .conflict-value").get_text())
        for row in soup.select("#their-version .conflict-field")
    }  # fmt: skip
    # Only the title is in dispute: the new times are theirs, and this organiser left them be.
    assert pairs == {"conflict-title_en": ("Their title", "My title")}
    assert [soup.select_one(f"#input-{name}")["value"] for name in
            ("title_en", "start_time", "end_time")] == ["My title", "09:15", "09:45"]  # fmt: skip
    assert soup.select_one("#conflict a")["href"] == path  # keep theirs
    assert stored(db, item.id)["titles"] == {"en": "Their title"}

    applied = submit(other_client, path, {**form_data(soup, "#item-form"), "apply": "mine"})

    mine = stored(db, item.id)
    assert applied.status_code == 303
    assert (mine["titles"], mine["starts_at"], mine["ends_at"], mine["version"]) == (
        {"en": "My title"},
        at("09:15"),
        at("09:45"),
        3,
    )


def test_a_stale_save_without_the_opened_values_is_yours_in_every_field(
    client, db, owner, base, event
):
    item = make_item(db, event, "Keynote", at="09:00")
    path = f"{base}/items/{item.id}/edit"
    log_in(client, owner)
    opened = form_data(page(client.get(path)), "#item-form")
    submit(client, path, {**opened, "start_time": "09:15", "end_time": "09:45"})
    bare = {name: value for name, value in opened.items() if not name.startswith("was_")}

    conflict = submit(client, path, {**bare, "title_en": "My title"})

    soup = page(conflict)
    assert conflict.status_code == 409
    assert [soup.select_one(f"#input-{name}")["value"] for name in
            ("title_en", "start_time", "end_time")] == ["My title", "09:00", "09:30"]  # fmt: skip


def test_the_edit_form_keeps_what_it_was_opened_with(client, db, owner, base, event):
    item = make_item(db, event, "Keynote", at="09:00", titles={"en": "Keynote", "th": ""})
    log_in(client, owner)

    form = form_data(page(client.get(f"{base}/items/{item.id}/edit")), "#item-form")

    was = {name: value for name, value in form.items() if name.startswith("was_")}
    assert was == {
        "was_kind": "keynote",
        "was_start_date": DAY_ONE,
        "was_start_time": "09:00",
        "was_end_date": "",
        "was_end_time": "09:30",
        "was_room": "",
        "was_track": "",
        "was_title_en": "Keynote",
        "was_description_en": "",
        "was_title_th": "",
        "was_description_th": "",
    }


def test_keep_theirs_reloads_the_saved_version(client, db, owner, base, event):
    item = make_item(db, event, "Keynote")
    path = f"{base}/items/{item.id}/edit"
    log_in(client, owner)
    opened = form_data(page(client.get(path)), "#item-form")
    submit(client, path, {**opened, "title_en": "Their title"})
    conflict = page(submit(client, path, {**opened, "title_en": "Mine"}))

    reloaded = page(client.get(conflict.select_one("#conflict a")["href"]))

    assert reloaded.select_one("#input-title_en")["value"] == "Their title"
    assert reloaded.select_one("input[name=version]")["value"] == "2"
    assert reloaded.select_one("#conflict") is None


def test_a_stale_edit_with_htmx_answers_the_form_with_the_conflict(client, db, owner, base, event):
    item = make_item(db, event, "Keynote")
    path = f"{base}/items/{item.id}/edit"
    log_in(client, owner)
    submit(client, path, item_form(version="1", title_en="Theirs"))

    response = submit(client, path, item_form(version="1", title_en="Mine"), headers=HTMX)

    soup = fragment(response)
    assert response.status_code == 409
    assert soup.select_one("h1") is None
    assert soup.select_one("form#item-form #conflict") is not None
    assert soup.select_one("form#item-form #apply-mine")["value"] == "mine"


def test_edit_opens_in_place_of_the_item_with_htmx(client, db, owner, base, event):
    item = make_item(db, event, "Keynote", at="09:00")
    log_in(client, owner)
    link = page(client.get(base)).select_one(f"#edit-item-{item.id}")

    response = client.get(link["hx-get"], headers=HTMX)

    soup = fragment(response)
    form = soup.select_one(f"form#item-{item.id}")
    assert (link["href"], link["hx-get"], link["hx-target"], link["hx-swap"]) == (
        f"{base}/items/{item.id}/edit",
        f"{base}/items/{item.id}/edit",
        f"#item-{item.id}",
        "outerHTML",
    )
    assert soup.select_one("h1") is None
    assert form.select_one("input[name=inline]")["value"] == "1"
    # Its ids do not collide with the add form's on the same page.
    assert form.select_one(f"#edit-{item.id}-input-title_en")["value"] == "Keynote"
    assert form.select_one(f"label[for=edit-{item.id}-input-start_time]").get_text() == (
        "Start time *"
    )
    assert form.select("#input-title_en") == []


def test_an_edit_saved_in_place_swaps_the_whole_day(client, db, owner, base, event):
    item = make_item(db, event, "Keynote", at="09:00")
    log_in(client, owner)
    opened = form_data(fragment(client.get(f"{base}/items/{item.id}/edit", headers=HTMX)), "form")

    response = submit(
        client, f"{base}/items/{item.id}/edit", {**opened, "title_en": "Opening keynote"},
        headers=HTMX,
    )  # fmt: skip

    soup = fragment(response)
    assert response.status_code == 200
    assert (response.headers["hx-retarget"], response.headers["hx-reswap"]) == (
        "#agenda-day",
        "outerHTML",
    )
    assert response.headers["hx-replace-url"] == f"{base}?day={DAY_ONE}"
    assert soup.select_one("#message").get_text() == "Item saved."
    assert soup.select_one(f"#agenda-day #item-title-{item.id}").get_text() == "Opening keynote"
    assert stored(db, item.id)["titles"] == {"en": "Opening keynote"}


def test_an_edit_refused_in_place_stays_in_place_with_the_reason(client, db, owner, base, event):
    item = make_item(db, event, "Keynote", at="09:00")
    log_in(client, owner)
    opened = form_data(fragment(client.get(f"{base}/items/{item.id}/edit", headers=HTMX)), "form")

    response = submit(
        client, f"{base}/items/{item.id}/edit", {**opened, "title_en": ""}, headers=HTMX
    )

    soup = fragment(response)
    assert response.status_code == 422
    assert "hx-retarget" not in response.headers
    assert soup.select_one(f"form#item-{item.id} input[name=inline]")["value"] == "1"
    control = soup.select_one(f"#edit-{item.id}-input-title_en")
    message = soup.select_one(f"#edit-{item.id}-error-title_en")
    assert (control["aria-invalid"], control["aria-describedby"].split()[0]) == (
        "true",
        f"edit-{item.id}-error-title_en",
    )
    assert message.get_text(strip=True) == "This field is required."
    assert stored(db, item.id)["version"] == 1


# Duplicating, moving, shifting, deleting -----------------------------------------------------


def test_duplicating_puts_a_copy_right_after_the_original(client, db, owner, base, event):
    hall = make_room(db, event, "Main hall")
    item = make_item(db, event, "Panel", at="10:00", minutes=45, room=hall)
    log_in(client, owner)

    response = submit(client, f"{base}/items/{item.id}/duplicate", {})

    copy_id = read(db, select(func.max(AgendaItem.id)))
    copy = stored(db, copy_id)
    assert response.headers["location"] == f"{base}?day={DAY_ONE}&done=duplicated#item-{copy_id}"
    assert (copy["starts_at"], copy["ends_at"], copy["room_id"], copy["titles"]) == (
        at("10:45"),
        at("11:30"),
        hall.id,
        {"en": "Panel"},
    )


def test_duplicating_with_htmx_answers_the_day(client, db, owner, base, event):
    item = make_item(db, event, "Panel")
    log_in(client, owner)

    response = submit(client, f"{base}/items/{item.id}/duplicate", {}, headers=HTMX)

    soup = fragment(response)
    assert (response.status_code, soup.select_one("h1")) == (200, None)
    assert card_titles(soup) == ["Panel", "Panel"]
    assert soup.select_one("#message").get_text() == (
        "Item duplicated: the copy starts where the original ends."
    )


def move_form(**overrides) -> dict:
    return {"start_date": DAY_TWO, "start_time": "14:00", "room": "", "version": "1", **overrides}


def test_moving_an_item_keeps_its_length(client, db, owner, base, event):
    hall = make_room(db, event, "Main hall")
    item = make_item(db, event, "Panel", at="10:00", minutes=45)
    log_in(client, owner)
    link = page(client.get(base)).select_one(f"#tools-link-{item.id}")
    tools = page(client.get(link["href"]))
    form = tools.select_one(f"#move-{item.id}")

    response = submit(client, form["action"], {**form_data(tools, f"#move-{item.id}"),
                                              "start_date": DAY_TWO, "start_time": "14:00",
                                              "room": str(hall.id)})  # fmt: skip

    moved = stored(db, item.id)
    assert response.headers["location"] == f"{base}?day={DAY_TWO}&done=moved#item-{item.id}"
    assert (moved["starts_at"], moved["ends_at"], moved["room_id"], moved["version"]) == (
        at("14:00", DAY_TWO),
        at("14:45", DAY_TWO),
        hall.id,
        2,
    )


def test_moving_with_htmx_answers_the_day_the_item_moved_to(client, db, owner, base, event):
    item = make_item(db, event, "Panel", at="10:00")
    log_in(client, owner)

    response = submit(client, f"{base}/items/{item.id}/move", move_form(), headers=HTMX)

    soup = fragment(response)
    assert (response.status_code, soup.select_one("h1")) == (200, None)
    assert soup.select_one("#day-tabs a[aria-current=page]")["data-day"] == DAY_TWO
    assert soup.select_one("#message").get_text() == "Item moved."
    assert card_titles(soup) == ["Panel"]


def test_a_bad_move_opens_the_items_tools_with_the_reason(client, db, owner, base, event):
    item = make_item(db, event, "Panel", at="10:00")
    log_in(client, owner)

    outside = submit(client, f"{base}/items/{item.id}/move", move_form(start_date="2030-08-20"))
    blank = submit(client, f"{base}/items/{item.id}/move", move_form(start_time=""), headers=HTMX)

    soup = page(outside)
    assert (outside.status_code, blank.status_code) == (422, 422)
    assert soup.select_one(f"#tools-{item.id}") is not None
    assert error_beside(soup, "start_date", prefix=f"move-{item.id}").startswith(
        "Choose a day of the event"
    )
    assert soup.select_one(f"#move-{item.id}-start_date")["value"] == "2030-08-20"
    assert error_beside(fragment(blank), "start_time", prefix=f"move-{item.id}") == (
        "This field is required."
    )
    assert stored(db, item.id)["starts_at"] == at("10:00")


def test_a_move_into_a_time_the_clocks_skip_is_refused(client, db, owner):
    event = make_event(db, starts_at=datetime(2030, 3, 30, 8, 0, tzinfo=UTC), days=2,
                       timezone="Europe/Brussels", owner=owner)  # fmt: skip
    item = make_item(db, event, "Panel", at="10:00")
    log_in(client, owner)

    response = submit(
        client,
        f"/manage/events/{event.id}/agenda/items/{item.id}/move",
        move_form(start_date="2030-03-31", start_time="02:30"),
    )

    assert response.status_code == 422
    assert error_beside(page(response), "start_time", prefix=f"move-{item.id}") == (
        "This time does not exist in this timezone (the clocks change). Choose another."
    )


def test_a_stale_move_is_refused_and_shows_the_item_as_saved(client, db, owner, base, event):
    item = make_item(db, event, "Panel", at="10:00")
    log_in(client, owner)
    path = f"{base}/items/{item.id}/move"
    submit(client, path, move_form(start_date=DAY_ONE, start_time="11:00"))

    response = submit(client, path, move_form(start_time="15:00"))

    soup = page(response)
    assert response.status_code == 409
    assert soup.select_one("#problem").get_text() == (
        "Someone else changed “Panel” meanwhile, so nothing was done. It is shown as now saved; "
        "try again."
    )
    assert soup.select_one(f"#move-{item.id}-start_time")["value"] == "11:00"
    assert soup.select_one(f"#move-{item.id} input[name=version]")["value"] == "2"
    assert stored(db, item.id)["starts_at"] == at("11:00")


def test_shifting_moves_the_rest_of_the_day_and_lengthens_the_item(client, db, owner, base, event):
    overrun = make_item(db, event, "Keynote", at="09:00", minutes=30)
    panel = make_item(db, event, "Panel", at="09:30", minutes=60)
    lunch = make_item(db, event, "Lunch", at="12:00", minutes=60)
    tomorrow = make_item(db, event, "Day two", at="09:30", day=1)
    log_in(client, owner)

    response = submit(
        client,
        f"{base}/items/{overrun.id}/shift",
        {"minutes": "15", "lengthen": "on", "version": "1"},
    )

    assert response.headers["location"] == (
        f"{base}?day={DAY_ONE}&done=shifted&count=2&minutes=15&lengthened=1#item-{overrun.id}"
    )
    assert stored(db, overrun.id)["ends_at"] == at("09:45")
    assert stored(db, panel.id)["starts_at"] == at("09:45")
    assert stored(db, lunch.id)["starts_at"] == at("12:15")
    assert stored(db, tomorrow.id)["starts_at"] == at("09:30", DAY_TWO)
    message = page(client.get(response.headers["location"])).select_one("#message")
    assert message.get_text() == (
        "2 later items moved by +15 minutes. Its own end moved by +15 minutes too."
    )


def test_shifting_with_htmx_without_lengthening(client, db, owner, base, event):
    overrun = make_item(db, event, "Keynote", at="09:00", minutes=30)
    panel = make_item(db, event, "Panel", at="09:30", minutes=60)
    log_in(client, owner)

    response = submit(
        client, f"{base}/items/{overrun.id}/shift", {"minutes": "-10", "version": "1"}, headers=HTMX
    )

    soup = fragment(response)
    assert (response.status_code, soup.select_one("h1")) == (200, None)
    assert soup.select_one("#message").get_text() == "1 later item moved by -10 minutes."
    assert stored(db, overrun.id)["ends_at"] == at("09:30")
    assert stored(db, panel.id)["starts_at"] == at("09:20")


def test_an_items_tools_open_on_their_own_page_or_in_place(client, db, owner, base, event):
    item = make_item(db, event, "Keynote", at="09:00")
    other = make_item(db, event, "Panel", at="10:00")
    log_in(client, owner)
    day = page(client.get(base))

    plain = page(client.get(f"{base}/items/{item.id}/move"))
    enhanced = fragment(client.get(f"{base}/items/{item.id}/move", headers=HTMX))

    link = day.select_one(f"#tools-link-{item.id}")
    assert (link["href"], link["hx-get"], link["hx-target"]) == (
        f"{base}/items/{item.id}/move",
        f"{base}/items/{item.id}/move",
        "#agenda-day",
    )
    assert day.select(".item-tools") == []
    assert [tools["id"] for tools in plain.select(".item-tools")] == [f"tools-{item.id}"]
    assert plain.select_one(f"#move-{item.id}-start_time")["value"] == "09:00"
    assert plain.select_one(f"#shift-{item.id}-lengthen").has_attr("checked")
    assert plain.select_one(f"#tools-link-{other.id}") is not None
    assert enhanced.select_one("h1") is None
    assert enhanced.select_one(f"#agenda-day #tools-{item.id} #shift-{item.id}") is not None


@pytest.mark.parametrize(
    ("minutes", "message"),
    [
        ("0", "Enter a number of minutes between -720 and 720, other than 0."),
        ("721", "Enter a number of minutes between -720 and 720, other than 0."),
        ("ten", "Enter a number."),
        ("", "This field is required."),
    ],
)
def test_a_bad_shift_answers_422_beside_the_minutes(
    client, db, owner, base, event, minutes, message
):
    item = make_item(db, event, "Keynote", at="09:00", minutes=30)
    later = make_item(db, event, "Panel", at="09:30", minutes=30)
    log_in(client, owner)

    response = submit(client, f"{base}/items/{item.id}/shift", {"minutes": minutes, "version": "1"})

    soup = page(response)
    assert response.status_code == 422
    assert soup.select_one(f"#tools-{item.id}") is not None
    assert error_beside(soup, "minutes", prefix=f"shift-{item.id}") == message
    assert (stored(db, item.id)["version"], stored(db, later.id)["version"]) == (1, 1)


def test_a_stale_shift_is_refused_and_moves_nothing(client, db, owner, base, event):
    overrun = make_item(db, event, "Keynote", at="09:00", minutes=30)
    later = make_item(db, event, "Panel", at="09:30", minutes=30)
    log_in(client, owner)
    moved = submit(
        client,
        f"{base}/items/{overrun.id}/move",
        move_form(start_date=DAY_ONE, start_time="10:00", version="1"),
    )

    response = submit(client, f"{base}/items/{overrun.id}/shift", {"minutes": "15", "version": "1"})

    soup = page(response)
    assert (moved.status_code, response.status_code) == (303, 409)
    assert soup.select_one("#problem").get_text() == (
        "Someone else changed “Keynote” meanwhile, so nothing was done. It is shown as now saved; "
        "try again."
    )
    assert soup.select_one(f"#shift-{overrun.id} input[name=version]")["value"] == "2"
    assert (stored(db, overrun.id)["starts_at"], stored(db, later.id)["starts_at"]) == (
        at("10:00"),
        at("09:30"),
    )


def test_deleting_asks_for_confirmation_without_javascript(client, db, owner, base, event):
    item = make_item(db, event, "Keynote")
    keep = make_item(db, event, "Panel", at="10:00")
    log_in(client, owner)
    link = page(client.get(base)).select_one(f"#delete-item-{item.id}")

    confirm = page(client.get(link["href"]))
    form = confirm.select_one("#confirm-delete form")
    response = submit(client, form["action"], form_data(confirm, "#confirm-delete form"))

    assert confirm.select_one("#confirm-delete-title").get_text() == (
        "Delete “Keynote” from the agenda?"
    )
    assert response.headers["location"] == f"{base}?day={DAY_ONE}&done=deleted"
    assert (stored(db, item.id), stored(db, keep.id)["titles"]) == (None, {"en": "Panel"})


def test_deleting_with_htmx_confirms_and_answers_the_day(client, db, owner, base, event):
    item = make_item(db, event, "Keynote")
    log_in(client, owner)

    confirm = client.get(f"{base}/items/{item.id}/delete", headers=HTMX)
    response = submit(client, f"{base}/items/{item.id}/delete", {"version": "1"}, headers=HTMX)

    assert fragment(confirm).select_one("h1") is None
    assert fragment(confirm).select_one("#agenda-day #confirm-delete") is not None
    soup = fragment(response)
    assert (response.status_code, soup.select_one("h1")) == (200, None)
    assert soup.select_one("#message").get_text() == "Item deleted."
    assert card_titles(soup) == []
    assert stored(db, item.id) is None


def test_deleting_an_item_changed_meanwhile_is_refused(client, db, owner, base, event):
    item = make_item(db, event, "Keynote")
    log_in(client, owner)
    submit(client, f"{base}/items/{item.id}/move", move_form(start_date=DAY_ONE))

    response = submit(client, f"{base}/items/{item.id}/delete", {"version": "1"})

    assert response.status_code == 409
    assert (
        page(response)
        .select_one("#problem")
        .get_text()
        .startswith("Someone else changed “Keynote” meanwhile")
    )
    assert stored(db, item.id) is not None


# Clashes -------------------------------------------------------------------------------------


def test_two_organisers_fill_one_room_at_once_both_saves_land_and_the_clash_shows(
    client, other_client, db, owner, organiser, base, event
):
    hall = make_room(db, event, "Main hall")
    make_room(db, event, "Annex")
    elsewhere = make_item(db, event, "Workshop", at="16:00", minutes=60, room=hall)
    log_in(client, owner)
    log_in(other_client, organiser)

    added = submit(client, f"{base}/items", item_form(room=str(hall.id), title_en="Panel"))
    moved = submit(
        other_client,
        f"{base}/items/{elsewhere.id}/move",
        move_form(start_date=DAY_ONE, start_time="10:30", room=str(hall.id)),
    )

    panel_id = read(db, select(func.max(AgendaItem.id)))
    soup = page(client.get(base))
    assert (added.status_code, moved.status_code) == (303, 303)
    clash = soup.select_one("#clashes .clash")
    assert clash["data-kind"] == "room"
    assert clash.select_one(".clash-text").get_text() == "Two items in Main hall at the same time:"
    assert [a["data-item"] for a in clash.select("a")] == [str(panel_id), str(elsewhere.id)]
    assert [li.get_text() for li in soup.select(f"#clashes-{panel_id} li")] == [
        "Same room at the same time as “Workshop” (10:30–11:30)."
    ]
    assert "has-clash" in soup.select_one(f"#item-{elsewhere.id}")["class"]


def test_an_item_overlapping_a_plenary_item_is_a_clash(client, db, owner, base, event):
    hall = make_room(db, event, "Main hall")
    make_room(db, event, "Annex")
    opening = make_item(db, event, "Opening", at="09:00", minutes=30)
    early = make_item(db, event, "Early panel", at="09:15", minutes=30, room=hall)
    log_in(client, owner)

    soup = page(client.get(base))

    assert soup.select_one("#clashes .clash")["data-kind"] == "plenary"
    assert [li.get_text() for li in soup.select(f"#clashes-{early.id} li")] == [
        "Overlaps the plenary item “Opening” (09:00–09:30)."
    ]
    assert [li.get_text() for li in soup.select(f"#clashes-{opening.id} li")] == [
        "“Early panel” (09:15–09:45) overlaps this plenary item."
    ]


# Rooms ---------------------------------------------------------------------------------------


def room_names(db, event) -> list[str]:
    return read_all(
        db, select(Room.name).where(Room.event_id == event.id).order_by(Room.position, Room.id)
    )


def listed_rooms(soup) -> list[str]:
    return [i["value"] for i in soup.select("#room-list .room-form input[name=name]")]


def test_adding_a_room(client, db, owner, base, event):
    log_in(client, owner)

    response = submit(client, f"{base}/rooms", {"name": "Main hall", "capacity": "250"})

    room = read(db, select(Room).where(Room.event_id == event.id))
    assert response.headers["location"] == f"{base}/rooms?done=room-added#room-{room.id}"
    assert (room.name, room.capacity, room.position) == ("Main hall", 250, 0)
    following = page(client.get(response.headers["location"]))
    assert following.select_one("#message").get_text() == "Room added."
    assert listed_rooms(following) == ["Main hall"]


def test_adding_a_room_with_htmx_answers_the_list(client, db, owner, base, event):
    make_room(db, event, "Main hall")
    log_in(client, owner)

    response = submit(client, f"{base}/rooms", {"name": "Annex"}, headers=HTMX)

    soup = fragment(response)
    assert (response.status_code, soup.select_one("h1")) == (200, None)
    assert soup.select_one("div#rooms #message").get_text() == "Room added."
    assert listed_rooms(soup) == ["Main hall", "Annex"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"name": "n" * 101}, "name", "Use at most 100 characters."),
        ({"name": "Hall", "capacity": "-3"}, "capacity",
         "Enter a number of seats from 1 to 100000, or leave it empty."),
        ({"name": "Hall", "capacity": "many"}, "capacity",
         "Enter a number of seats from 1 to 100000, or leave it empty."),
    ],
)  # fmt: skip
def test_adding_a_room_with_bad_input_answers_422(client, db, owner, base, data, field, message):
    log_in(client, owner)

    plain = submit(client, f"{base}/rooms", data)
    enhanced = submit(client, f"{base}/rooms", data, headers=HTMX)

    assert (plain.status_code, enhanced.status_code) == (422, 422)
    assert error_beside(page(plain), field) == message
    assert fragment(enhanced).select_one("h1") is None
    assert error_beside(fragment(enhanced), field) == message
    assert count(db, Room) == 0


def test_renaming_a_room_with_its_version(client, db, owner, base, event):
    room = make_room(db, event, "Hall", capacity=100)
    log_in(client, owner)
    form = page(client.get(f"{base}/rooms")).select_one(f"#room-{room.id}-form")

    response = submit(client, form["action"], {"name": "Main hall", "capacity": "", "version": "1"})

    saved = read(db, select(Room).where(Room.id == room.id))
    assert response.headers["location"] == f"{base}/rooms?done=room-saved#room-{room.id}"
    assert (saved.name, saved.capacity, saved.version) == ("Main hall", None, 2)


def test_renaming_a_room_with_htmx_answers_the_list(client, db, owner, base, event):
    room = make_room(db, event, "Hall")
    log_in(client, owner)

    response = submit(
        client,
        f"{base}/rooms/{room.id}/edit",
        {"name": "Main hall", "version": "1"},
        headers=HTMX,
    )

    soup = fragment(response)
    assert (response.status_code, soup.select_one("h1")) == (200, None)
    assert listed_rooms(soup) == ["Main hall"]
    assert soup.select_one(f"#room-{room.id}-form input[name=version]")["value"] == "2"


def test_a_bad_room_name_answers_422_beside_that_rooms_field(client, db, owner, base, event):
    room = make_room(db, event, "Hall")
    log_in(client, owner)

    response = submit(client, f"{base}/rooms/{room.id}/edit", {"name": "", "version": "1"})

    assert response.status_code == 422
    assert error_beside(page(response), "name", prefix=f"room-{room.id}") == (
        "This field is required."
    )
    assert room_names(db, event) == ["Hall"]


def test_a_stale_room_save_shows_their_version(client, db, owner, organiser, base, event):
    room = make_room(db, event, "Hall")
    log_in(client, owner)
    submit(client, f"{base}/rooms/{room.id}/edit", {"name": "Their hall", "version": "1"})

    response = submit(
        client, f"{base}/rooms/{room.id}/edit", {"name": "My hall", "capacity": "", "version": "1"}
    )

    soup = page(response)
    panel = soup.select_one(f"#room-{room.id} #conflict")
    assert response.status_code == 409
    assert panel.select_one("#conflict-name .theirs .conflict-value").get_text() == "Their hall"
    assert panel.select_one("#conflict-name .yours .conflict-value").get_text() == "My hall"
    assert panel.select_one("a")["href"] == f"{base}/rooms#room-{room.id}"
    assert soup.select_one(f"#room-{room.id}-name")["value"] == "My hall"
    assert soup.select_one(f"#room-{room.id}-form input[name=version]")["value"] == "2"
    assert room_names(db, event) == ["Their hall"]


def test_a_room_with_items_cannot_be_deleted(client, db, owner, base, event):
    room = make_room(db, event, "Main hall")
    make_item(db, event, "Panel", room=room)
    log_in(client, owner)

    confirm = page(client.get(f"{base}/rooms/{room.id}/delete"))
    response = submit(client, f"{base}/rooms/{room.id}/delete", {})

    assert confirm.select_one("#room-in-use").get_text() == (
        "1 item is planned in this room. Move it to another room first."
    )
    assert confirm.select_one("#confirm-delete-button") is None
    assert response.status_code == 409
    assert page(response).select_one("#problem").get_text() == (
        "Main hall cannot be deleted: 1 item is planned in it. Move it to another room first."
    )
    assert room_names(db, event) == ["Main hall"]


def test_deleting_an_empty_room_after_confirming(client, db, owner, base, event):
    room = make_room(db, event, "Annex")
    log_in(client, owner)
    link = page(client.get(f"{base}/rooms")).select_one(f"#delete-room-{room.id}")

    confirm = page(client.get(link["href"]))
    response = submit(client, confirm.select_one("#confirm-delete form")["action"], {})

    assert confirm.select_one("#confirm-delete-title").get_text() == "Delete the room Annex?"
    assert response.headers["location"] == f"{base}/rooms?done=room-deleted"
    assert room_names(db, event) == []


def test_deleting_a_room_with_htmx_answers_the_list(client, db, owner, base, event):
    room = make_room(db, event, "Annex")
    log_in(client, owner)

    confirm = client.get(f"{base}/rooms/{room.id}/delete", headers=HTMX)
    response = submit(client, f"{base}/rooms/{room.id}/delete", {}, headers=HTMX)

    assert fragment(confirm).select_one("#rooms #confirm-delete") is not None
    assert fragment(confirm).select_one("h1") is None
    soup = fragment(response)
    assert soup.select_one("#message").get_text() == "Room deleted."
    assert soup.select_one("#no-rooms") is not None


def test_reordering_rooms_with_plain_forms_and_htmx(client, db, owner, base, event):
    a, b, c = (make_room(db, event, name) for name in ("A", "B", "C"))
    log_in(client, owner)

    plain = submit(client, f"{base}/rooms/{a.id}/move", {"direction": "down"})
    enhanced = submit(client, f"{base}/rooms/{c.id}/move", {"direction": "up"}, headers=HTMX)

    assert (plain.status_code, plain.headers["location"]) == (
        303,
        f"{base}/rooms?done=room-moved#room-{a.id}",
    )
    assert fragment(enhanced).select_one("h1") is None
    assert listed_rooms(fragment(enhanced)) == ["B", "C", "A"]
    assert room_names(db, event) == ["B", "C", "A"]
    disabled = [b["id"] for b in fragment(enhanced).select(".move-form button[disabled]")]
    assert disabled == [f"move-up-{b.id}", f"move-down-{a.id}"]


def test_the_rooms_page_query_count_does_not_grow_with_rooms(
    client, db, owner, base, event, count_queries
):
    room = make_room(db, event, "Room 0")
    make_item(db, event, "Panel", room=room)
    log_in(client, owner)
    with count_queries() as one:
        assert client.get(f"{base}/rooms").status_code == 200
    for n in range(1, 50):
        make_item(db, event, "Panel", room=make_room(db, event, f"Room {n}"))

    with count_queries() as fifty:
        response = client.get(f"{base}/rooms")

    assert len(listed_rooms(page(response))) == 50
    assert page(response).select_one(f"#usage-{room.id}").get_text() == "1 item"
    assert len(fifty) == len(one)


# Releasing -----------------------------------------------------------------------------------


def test_the_first_release_page_lists_every_item_as_added(client, db, owner, base, event):
    hall = make_room(db, event, "Main hall")
    make_item(db, event, "Panel", at="10:00", minutes=60, room=hall)
    make_item(db, event, "Opening", at="09:00", minutes=15)
    log_in(client, owner)

    soup = page(client.get(f"{base}/release"))

    assert soup.select_one("#changes-heading").get_text() == "First release: everything is new"
    changes = [
        (li["data-change"], li.select_one(".editor-change-title").get_text(),
         li.select_one(".editor-change-where").get_text())
        for li in soup.select("#changes li")
    ]  # fmt: skip
    assert changes == [
        ("added", "Opening", "Thu, Aug 8 09:00–09:15, Plenary (all rooms)"),
        ("added", "Panel", "Thu, Aug 8 10:00–11:00, Main hall"),
    ]
    assert soup.select_one("#release-button").get_text() == "Release version 1"
    assert soup.select_one("#preview-link")["href"] == f"{base}/preview"
    assert soup.select_one("#no-releases") is not None


def test_the_release_page_warns_of_clashes(client, db, owner, base, event):
    hall = make_room(db, event, "Main hall")
    make_item(db, event, "Panel", at="10:00", minutes=60, room=hall)
    make_item(db, event, "Workshop", at="10:30", minutes=60, room=hall)
    log_in(client, owner)

    soup = page(client.get(f"{base}/release"))

    assert soup.select_one("#clashes-heading").get_text() == "1 clash"
    assert soup.select_one("#clashes .clash")["data-kind"] == "room"


def test_releasing_goes_back_to_the_editor_with_the_number(client, db, owner, base, event):
    make_item(db, event, "Opening")
    log_in(client, owner)

    response = submit(client, f"{base}/release", {"comment": "  First programme  "})

    release = read(db, select(AgendaRelease))
    assert response.headers["location"] == f"{base}?day={DAY_ONE}&done=released&number=1"
    assert (release.number, release.comment, len(release.changes)) == (1, "First programme", 1)
    message = page(client.get(response.headers["location"])).select_one("#message")
    assert message.get_text() == "Release 1 is published: the public agenda shows it now."


def test_releasing_with_htmx_tells_the_browser_where_to_go(client, db, owner, base, event):
    make_item(db, event, "Opening")
    log_in(client, owner)

    response = submit(client, f"{base}/release", {}, headers=HTMX)

    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"{base}?day={DAY_ONE}&done=released&number=1"


def test_releasing_again_without_changes_releases_nothing(client, db, owner, base, event):
    make_item(db, event, "Opening")
    release_agenda(db, event, owner)
    log_in(client, owner)

    shown = page(client.get(f"{base}/release"))
    plain = submit(client, f"{base}/release", {"comment": "again"})
    enhanced = submit(client, f"{base}/release", {}, headers=HTMX)

    assert (
        shown.select_one("#no-changes").get_text() == "Nothing has changed since the last release."
    )
    assert shown.select_one("#release-button").has_attr("disabled")
    assert (plain.status_code, enhanced.status_code) == (409, 409)
    assert page(plain).select_one("#problem").get_text() == (
        "Nothing has changed since the last release, so nothing was released."
    )
    assert fragment(enhanced).select_one("h1") is None
    assert fragment(enhanced).select_one("form#release-form #problem") is not None
    assert count(db, AgendaRelease) == 1


def test_an_empty_agenda_is_not_released(client, db, owner, base):
    log_in(client, owner)

    response = submit(client, f"{base}/release", {})

    assert response.status_code == 409
    assert page(response).select_one("#problem").get_text() == (
        "The agenda has no items yet. Add some before releasing it."
    )
    assert count(db, AgendaRelease) == 0


def test_a_long_release_comment_answers_422_beside_it(client, db, owner, base, event):
    make_item(db, event, "Opening")
    log_in(client, owner)

    response = submit(client, f"{base}/release", {"comment": "c" * 501})

    assert response.status_code == 422
    assert error_beside(page(response), "comment") == "Use at most 500 characters."
    assert count(db, AgendaRelease) == 0


def test_the_release_page_shows_changes_since_the_last_release_and_past_releases(
    client, db, owner, base, event
):
    opening = make_item(db, event, "Opening", at="09:00", minutes=15)
    make_item(db, event, "Panel", at="10:00")
    release_agenda(db, event, owner, comment="First programme")
    log_in(client, owner)
    submit(
        client, f"{base}/items/{opening.id}/move", move_form(start_date=DAY_ONE, start_time="09:30")
    )

    soup = page(client.get(f"{base}/release"))

    assert soup.select_one("#changes-heading").get_text() == "Changes since release 1"
    change = soup.select_one("#changes li")
    assert change["data-change"] == "moved"
    assert change.select_one(".editor-change-where").get_text() == (
        "Thu, Aug 8 09:30–09:45, Plenary (all rooms)"
    )
    assert change.select_one(".editor-change-was").get_text() == (
        "(was: Thu, Aug 8 09:00–09:15, Plenary (all rooms))"
    )
    row = soup.select_one("#releases #release-1")
    assert [td.get_text(strip=True) for td in row.select("td")][2:] == [
        "Olivia Owner",
        "First programme",
        "2",
    ]


def test_the_release_page_query_count_does_not_grow(client, db, owner, base, event, count_queries):
    for n in range(5):
        make_item(db, event, f"Item {n}", at=f"{9 + n:02d}:00")
    release_agenda(db, event, owner)
    log_in(client, owner)
    with count_queries() as small:
        assert client.get(f"{base}/release").status_code == 200
    for n in range(45):
        make_item(db, event, f"More {n}", at=f"{8 + n // 6:02d}:{(n % 6) * 10:02d}", day=1)
        if n % 10 == 0:
            release_agenda(db, event, owner)

    with count_queries() as large:
        response = client.get(f"{base}/release")

    assert len(page(response).select("#releases tbody tr")) == 6
    assert len(large) == len(small)


def test_the_editor_speaks_thai(client, db, owner, base, event):
    make_item(db, event, "Keynote")
    log_in(client, owner)

    response = client.get(base, headers={"accept-language": "th"})

    soup = page(response)
    assert (soup.select_one("html")["lang"], soup.select_one("h1").get_text()) == ("th", "กำหนดการ")
    assert soup.select_one("#day-tabs a")["data-day"] == DAY_ONE


def test_an_item_outside_the_events_dates_gets_its_own_tab_and_a_warning(
    client, db, owner, base, event
):
    stray = make_item(db, event, "Stray", at="09:00", day=3)  # the event's dates changed since
    log_in(client, owner)

    soup = page(client.get(base))
    duplicate = submit(client, f"{base}/items/{stray.id}/duplicate", {})

    assert [a["data-day"] for a in soup.select("#day-tabs a")] == [DAY_ONE, DAY_TWO, "2030-08-11"]
    clash = soup.select_one("#clashes .clash")
    assert (clash["data-kind"], clash.select_one("a")["href"]) == (
        "outside",
        f"{base}?day=2030-08-11#item-{stray.id}",
    )
    assert duplicate.status_code == 422
    assert page(duplicate).select_one("#problem").get_text() == (
        "This item starts outside the event's dates. Move it into them first."
    )
    assert count(db, AgendaItem) == 1


def test_the_editor_links_to_rooms_release_and_the_draft_preview(client, db, owner, base):
    log_in(client, owner)

    soup = page(client.get(base))

    links = {a["id"]: a["href"] for a in soup.select(".agenda-links a")}
    assert links == {
        "rooms-link": f"{base}/rooms",
        "preview-link": f"{base}/preview",
        "release-link": f"{base}/release",
    }
