"""Agenda exports: iCalendar, Frab schedule XML and JSON, and CSV, read back by real parsers
(icalendar, lxml against the official XSD, jsonschema against the official schema, csv)."""

import csv
import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from icalendar import Calendar

from eventapp import agenda
from eventapp.exports import frab
from eventapp.exports.tables import defuse
from eventapp.models import EventStatus, ItemKind, Visibility
from eventapp.routes.conditional import http_date
from tests.factories import make_event, make_item, make_room, make_user, release_agenda

FORMATS = Path(__file__).resolve().parent / "formats"  # the official schemas, see its README
LONG_THAI = " ".join(["คำอธิบายภาษาไทยที่ยาวมาก"] * 12)  # folded across several lines in iCalendar
ONE_DAY = datetime(2030, 8, 8, 2, 0, tzinfo=UTC)  # 09:00–17:00 in Bangkok
EXPORTS = ["agenda.ics", "schedule.xml", "schedule.json", "agenda.csv"]
DOWNLOADS = [*EXPORTS, "agenda.pdf"]  # the PDF's text is read in test_agenda_pdf.py


@pytest.fixture(scope="module")
def xml_schema():
    from lxml import etree

    return etree.XMLSchema(file=str(FORMATS / "schedule.xml.xsd"))


@pytest.fixture(scope="module")
def json_validator():
    from jsonschema import Draft6Validator

    schema = json.loads((FORMATS / "schema.json").read_text())
    return Draft6Validator(schema, format_checker=Draft6Validator.FORMAT_CHECKER)


def valid_xml(response, xml_schema):
    """The parsed document, after checking it against the official XSD."""
    from lxml import etree

    document = etree.fromstring(response.content)
    assert xml_schema.validate(document), str(xml_schema.error_log)
    return document


def valid_json(response, json_validator) -> dict:
    document = json.loads(response.content)
    assert [error.message for error in json_validator.iter_errors(document)] == []
    return document


def vevents(response) -> dict[str, object]:
    calendar = Calendar.from_ical(response.content)
    return {str(vevent["uid"]): vevent for vevent in calendar.walk("VEVENT")}


def csv_rows(response) -> list[list[str]]:
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def json_events(document) -> dict[str, tuple[str, dict]]:
    """guid -> (day date, event) over every day and room."""
    return {
        event["guid"]: (day["date"], event)
        for day in document["schedule"]["conference"]["days"]
        for events in day["rooms"].values()
        for event in events
    }


@pytest.fixture
def owner(db):
    return make_user(db, "owner@mfa.example.org")


@pytest.fixture
def forum(db, owner):
    """8–9 August 2030 in Bangkok (UTC+7), English then Thai, two rooms, released once:
    a plenary opening, a panel and a workshop side by side, a Thai-only plenary lunch, and a
    dinner on the second day that runs past midnight."""
    event = make_event(
        db,
        title='EU–Thailand Forum: "Scams" & <Safety>',
        slug="eu-th-forum-2030",
        starts_at=datetime(2030, 8, 8, 2, 0, tzinfo=UTC),
        days=2,
        venue_name="Ministry of Foreign Affairs",
        venue_address="443 Sri Ayudhya Road\nBangkok 10400",
        owner=owner,
    )
    hall = make_room(db, event, "Main hall")
    annex = make_room(db, event, "Annex; room 2")
    opening = make_item(
        db,
        event,
        at="09:00",
        minutes=15,
        kind=ItemKind.OPENING_REMARKS,
        titles={"en": "Opening remarks", "th": "กล่าวเปิดงาน"},
    )
    panel = make_item(
        db,
        event,
        at="09:30",
        minutes=90,
        room=hall,
        kind=ItemKind.PANEL,
        titles={"en": 'Scams, fraud; and \\ "tricks"\nPart 2', "th": "การหลอกลวงทางออนไลน์"},
        descriptions={"en": "Who loses.\nWho pays.", "th": LONG_THAI},
        track="Policy",
    )
    workshop = make_item(
        db,
        event,
        at="09:30",
        minutes=60,
        room=annex,
        kind=ItemKind.DISCUSSION,
        titles={"en": "Workshop: reporting", "th": "การรายงาน"},
        track="Practice",
    )
    lunch = make_item(
        db,
        event,
        at="12:00",
        minutes=60,
        kind=ItemKind.LUNCH,
        titles={"th": "พักรับประทานอาหารกลางวัน"},
    )
    dinner = make_item(
        db,
        event,
        at="23:00",
        minutes=120,
        day=1,
        room=hall,
        kind=ItemKind.NETWORKING,
        titles={"en": "Late dinner", "th": "อาหารค่ำ"},
    )
    release = release_agenda(db, event, owner)
    return SimpleNamespace(
        event=event,
        hall=hall,
        annex=annex,
        opening=opening,
        panel=panel,
        workshop=workshop,
        lunch=lunch,
        dinner=dinner,
        items=[opening, panel, workshop, lunch, dinner],
        release=release,
    )


def url(event, export: str) -> str:
    return f"/events/{quote(event.slug)}/{export}"


# iCalendar -----------------------------------------------------------------------------------


def test_agenda_ics_round_trips_every_item(client, forum):
    response = client.get(url(forum.event, "agenda.ics"))

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["prodid"]) == "-//eventapp//eventapp 0.1.0//EN"
    assert str(calendar["version"]) == "2.0"
    assert str(calendar["calscale"]) == "GREGORIAN"
    assert str(calendar["x-wr-calname"]) == 'EU–Thailand Forum: "Scams" & <Safety>'
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Bangkok"]
    found = vevents(response)
    assert sorted(found) == sorted(f"{item.uid}@testserver" for item in forum.items)
    stamp = forum.release.released_at.replace(microsecond=0)
    for item in forum.items:
        vevent = found[f"{item.uid}@testserver"]
        assert vevent["dtstart"].params["TZID"] == "Asia/Bangkok"
        assert vevent["dtend"].params["TZID"] == "Asia/Bangkok"
        assert vevent.decoded("dtstart") == item.starts_at
        assert vevent.decoded("dtend") == item.ends_at
        assert vevent.decoded("dtstamp") == stamp
        assert vevent.decoded("sequence") == 0
        assert str(vevent["summary"]) == agenda.title_of(item.titles, ["en", "th"])
        assert str(vevent["url"]) == f"http://testserver/events/eu-th-forum-2030/sessions/{item.id}"
        assert vevent.categories == [str(item.kind)]
        assert str(vevent["status"]) == "CONFIRMED"


def test_agenda_ics_keeps_punctuation_line_breaks_and_thai_in_its_text(client, forum):
    response = client.get(url(forum.event, "agenda.ics"))

    panel = vevents(response)[f"{forum.panel.uid}@testserver"]
    assert str(panel["summary"]) == 'Scams, fraud; and \\ "tricks"\nPart 2'
    assert str(panel["description"]) == (
        "Who loses.\nWho pays.\n\nการหลอกลวงทางออนไลน์\n" + LONG_THAI
    )
    assert str(panel["location"]) == (
        "Main hall, Ministry of Foreign Affairs, 443 Sri Ayudhya Road, Bangkok 10400"
    )
    opening = vevents(response)[f"{forum.opening.uid}@testserver"]
    assert (
        str(opening["location"])
        == "Ministry of Foreign Affairs, 443 Sri Ayudhya Road, Bangkok 10400"
    )
    # Folded by the library at 75 octets, never inside a Thai character.
    lines = response.content.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    assert all(isinstance(line.decode(), str) for line in lines)


def test_agenda_ics_thai_only_title_is_the_summary(client, forum):
    response = client.get(url(forum.event, "agenda.ics"))

    lunch = vevents(response)[f"{forum.lunch.uid}@testserver"]
    assert str(lunch["summary"]) == "พักรับประทานอาหารกลางวัน"
    assert "description" not in lunch


def test_agenda_ics_in_a_zone_with_summer_time_has_that_years_rules(client, db, owner):
    # The weekend the clocks go forward in 2040, past the library's default end (2038).
    event = make_event(
        db,
        slug="berlin-days",
        timezone="Europe/Berlin",
        starts_at=datetime(2040, 3, 24, 7, 0, tzinfo=UTC),
        days=2,
    )
    before = make_item(db, event, "Saturday", at="10:00")
    after = make_item(db, event, "Sunday", at="10:00", day=1)
    release_agenda(db, event, owner)

    response = client.get(url(event, "agenda.ics"))

    calendar = Calendar.from_ical(response.content)
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["tzid"]) == "Europe/Berlin"
    assert [(c.name, c.DTSTART, c.TZOFFSETTO) for c in zone.subcomponents] == [
        ("STANDARD", datetime(2040, 1, 1, 0, 0), timedelta(hours=1)),
        ("DAYLIGHT", datetime(2040, 3, 25, 3, 0), timedelta(hours=2)),
        ("STANDARD", datetime(2040, 10, 28, 3, 0), timedelta(hours=1)),
    ]
    found = vevents(response)
    saturday, sunday = found[f"{before.uid}@testserver"], found[f"{after.uid}@testserver"]
    assert saturday.decoded("dtstart") == datetime(2040, 3, 24, 9, 0, tzinfo=UTC)
    assert sunday.decoded("dtstart") == datetime(2040, 3, 25, 8, 0, tzinfo=UTC)
    assert sunday["dtstart"].params["TZID"] == "Europe/Berlin"


def test_session_ics_holds_that_session_only(client, forum):
    response = client.get(f"/events/eu-th-forum-2030/sessions/{forum.panel.id}.ics")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert list(vevents(response)) == [f"{forum.panel.uid}@testserver"]
    assert [str(tz["tzid"]) for tz in Calendar.from_ical(response.content).walk("VTIMEZONE")] == [
        "Asia/Bangkok"
    ]


def test_session_ics_of_an_item_not_in_the_release_is_not_found(client, db, forum):
    draft_only = make_item(db, forum.event, "Added after the release", at="15:00")
    elsewhere = make_event(db, slug="another-event")
    theirs = make_item(db, elsewhere, "Another event's item")
    release_agenda(db, elsewhere, make_user(db))

    statuses = [
        client.get(f"/events/eu-th-forum-2030/sessions/{item_id}.ics").status_code
        for item_id in (draft_only.id, theirs.id, 2_147_483_647, "abc", 0)
    ]

    assert statuses == [404, 404, 404, 404, 404]


def test_ics_uid_stays_and_sequence_rises_only_for_the_changed_item(client, db, forum, owner):
    details = agenda.details_of(forum.panel)
    details.titles = {"en": "Scams, revisited", "th": "การหลอกลวง"}
    agenda.update_item(
        db, forum.event, forum.panel, actor=owner, details=details, expected_version=1
    )
    db.commit()
    second = release_agenda(db, forum.event, owner)

    found = vevents(client.get(url(forum.event, "agenda.ics")))

    panel = found[f"{forum.panel.uid}@testserver"]
    workshop = found[f"{forum.workshop.uid}@testserver"]
    assert (str(panel["summary"]), panel.decoded("sequence")) == ("Scams, revisited", 1)
    assert (str(workshop["summary"]), workshop.decoded("sequence")) == ("Workshop: reporting", 0)
    assert panel.decoded("dtstamp") == second.released_at.replace(microsecond=0)


def test_ics_of_a_cancelled_event_marks_its_items_cancelled(client, db, forum):
    forum.event.status = EventStatus.CANCELLED
    db.add(forum.event)
    db.commit()

    found = vevents(client.get(url(forum.event, "agenda.ics")))

    assert {str(v["status"]) for v in found.values()} == {"CANCELLED"}


def test_absolute_addresses_come_from_base_url_never_from_the_host_header(
    client, forum, settings_env
):
    settings_env(base_url="https://events.example.org/")

    response = client.get(url(forum.event, "agenda.ics"), headers={"host": "evil.example"})
    schedule = client.get(url(forum.event, "schedule.json"), headers={"host": "evil.example"})

    panel = vevents(response)[f"{forum.panel.uid}@events.example.org"]
    assert (
        str(panel["url"])
        == f"https://events.example.org/events/eu-th-forum-2030/sessions/{forum.panel.id}"
    )
    _day, event = json_events(json.loads(schedule.content))[forum.panel.uid]
    assert (
        event["url"]
        == f"https://events.example.org/events/eu-th-forum-2030/sessions/{forum.panel.id}"
    )
    conference = json.loads(schedule.content)["schedule"]["conference"]
    assert conference["url"] == "https://events.example.org/events/eu-th-forum-2030"


# Frab schedule -------------------------------------------------------------------------------


def test_schedule_xml_is_valid_and_places_every_item(client, forum, xml_schema):
    response = client.get(url(forum.event, "schedule.xml"))

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    document = valid_xml(response, xml_schema)
    assert document.findtext("version") == "1"
    assert document.find("generator").attrib == {"name": "eventapp", "version": "0.1.0"}
    assert document.findtext("url") == "http://testserver/events/eu-th-forum-2030/schedule.xml"
    conference = document.find("conference")
    assert {child.tag: child.text for child in conference if child.tag != "track"} == {
        "acronym": "eu_th_forum_2030",
        "title": 'EU–Thailand Forum: "Scams" & <Safety>',
        "start": "2030-08-08",
        "end": "2030-08-09",
        "days": "2",
        "timeslot_duration": "00:05",
        "base_url": "http://testserver/",
        "url": "http://testserver/events/eu-th-forum-2030",
        "time_zone_name": "Asia/Bangkok",
    }
    assert [t.get("name") for t in conference.iter("track")] == ["Policy", "Practice"]
    days = document.findall("day")
    assert [(d.get("index"), d.get("date"), d.get("start"), d.get("end")) for d in days] == [
        ("1", "2030-08-08", "2030-08-08T09:00:00+07:00", "2030-08-08T13:00:00+07:00"),
        ("2", "2030-08-09", "2030-08-09T23:00:00+07:00", "2030-08-10T01:00:00+07:00"),
    ]
    assert [r.get("name") for r in days[0].findall("room")] == [
        "Plenary",
        "Main hall",
        "Annex; room 2",
    ]
    placed = {
        e.get("guid"): (d.get("index"), r.get("name"), e.get("id"))
        for d in days
        for r in d.findall("room")
        for e in r.findall("event")
    }
    assert placed == {
        forum.opening.uid: ("1", "Plenary", str(forum.opening.id)),
        forum.panel.uid: ("1", "Main hall", str(forum.panel.id)),
        forum.workshop.uid: ("1", "Annex; room 2", str(forum.workshop.id)),
        forum.lunch.uid: ("1", "Plenary", str(forum.lunch.id)),
        forum.dinner.uid: ("2", "Main hall", str(forum.dinner.id)),
    }


def test_schedule_xml_event_fields(client, forum, xml_schema):
    document = valid_xml(client.get(url(forum.event, "schedule.xml")), xml_schema)

    events = {e.get("guid"): e for e in document.iter("event")}
    panel = {child.tag: child.text for child in events[forum.panel.uid] if len(child) == 0}
    assert panel == {
        "date": "2030-08-08T09:30:00+07:00",
        "start": "09:30",
        "duration": "01:30",
        "room": "Main hall",
        "slug": f"eu_th_forum_2030-{forum.panel.id}-scams-fraud-and-tricks-part-2",
        "url": f"http://testserver/events/eu-th-forum-2030/sessions/{forum.panel.id}",
        "title": 'Scams, fraud; and \\ "tricks"\nPart 2',
        "subtitle": "การหลอกลวงทางออนไลน์",
        "language": "en",
        "track": "Policy",
        "type": "panel",
        "abstract": "Who loses.\nWho pays.",
        "description": LONG_THAI,
        "persons": None,
        "links": None,
        "attachments": None,
    }
    recording = events[forum.panel.uid].find("recording")
    assert (recording.findtext("license"), recording.findtext("optout")) == ("", "true")
    dinner = events[forum.dinner.uid]
    assert (dinner.findtext("date"), dinner.findtext("duration")) == (
        "2030-08-09T23:00:00+07:00",
        "02:00",
    )
    lunch = events[forum.lunch.uid]
    assert (lunch.findtext("title"), lunch.findtext("language"), lunch.findtext("slug")) == (
        "พักรับประทานอาหารกลางวัน",
        "th",
        f"eu_th_forum_2030-{forum.lunch.id}-lunch",
    )


def test_schedule_json_is_valid_and_agrees_with_the_xml(client, forum, json_validator, xml_schema):
    response = client.get(url(forum.event, "schedule.json"))

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    document = valid_json(response, json_validator)
    assert document["generator"] == {"name": "eventapp", "version": "0.1.0"}
    schedule = document["schedule"]
    assert (schedule["version"], schedule["base_url"]) == ("1", "http://testserver/")
    conference = schedule["conference"]
    assert (
        conference["acronym"],
        conference["daysCount"],
        conference["start"],
        conference["end"],
    ) == (
        "eu_th_forum_2030",
        2,
        "2030-08-08",
        "2030-08-09",
    )
    assert [(r["name"], r["capacity"]) for r in conference["rooms"]] == [
        ("Plenary", None),
        ("Main hall", None),
        ("Annex; room 2", None),
    ]
    assert all(uuid.UUID(r["guid"]) for r in conference["rooms"])
    assert [list(day["rooms"]) for day in conference["days"]] == [
        ["Plenary", "Main hall", "Annex; room 2"]
    ] * 2
    events = json_events(document)
    _day, panel = events[forum.panel.uid]
    assert panel == {
        "id": forum.panel.id,
        "guid": forum.panel.uid,
        "date": "2030-08-08T09:30:00+07:00",
        "start": "09:30",
        "end": "2030-08-08T11:00:00+07:00",
        "duration": "01:30",
        "room": "Main hall",
        "slug": f"eu_th_forum_2030-{forum.panel.id}-scams-fraud-and-tricks-part-2",
        "url": f"http://testserver/events/eu-th-forum-2030/sessions/{forum.panel.id}",
        "title": 'Scams, fraud; and \\ "tricks"\nPart 2',
        "subtitle": "การหลอกลวงทางออนไลน์",
        "track": "Policy",
        "type": "panel",
        "language": "en",
        "abstract": "Who loses.\nWho pays.",
        "description": LONG_THAI,
        "recording_license": "",
        "do_not_record": True,
        "persons": [],
        "links": [],
        "attachments": [],
    }
    assert events[forum.opening.uid][1]["track"] is None
    xml = valid_xml(client.get(url(forum.event, "schedule.xml")), xml_schema)
    from_xml = {
        e.get("guid"): (d.get("date"), e.findtext("room"), e.findtext("slug"), e.findtext("date"))
        for d in xml.iter("day")
        for e in d.iter("event")
    }
    from_json = {
        guid: (day, event["room"], event["slug"], event["date"])
        for guid, (day, event) in events.items()
    }
    assert from_json == from_xml
    assert from_json[forum.dinner.uid][0] == "2030-08-09"


def test_schedule_guids_stay_and_version_follows_the_release(
    client, db, forum, owner, json_validator, xml_schema
):
    before = json_events(json.loads(client.get(url(forum.event, "schedule.json")).content))
    agenda.move_item(
        db,
        forum.event,
        forum.workshop,
        actor=owner,
        starts_at=forum.workshop.starts_at.replace(hour=7),
        room_id=forum.hall.id,
        expected_version=1,
    )
    db.commit()
    release_agenda(db, forum.event, owner)

    after_json = valid_json(client.get(url(forum.event, "schedule.json")), json_validator)
    after_xml = valid_xml(client.get(url(forum.event, "schedule.xml")), xml_schema)

    after = json_events(after_json)
    assert sorted(after) == sorted(before)
    assert (after[forum.workshop.uid][1]["room"], after[forum.workshop.uid][1]["start"]) == (
        "Main hall",
        "14:30",
    )
    assert after[forum.workshop.uid][1]["slug"] == before[forum.workshop.uid][1]["slug"]
    assert after_json["schedule"]["version"] == "2"
    assert after_xml.findtext("version") == "2"
    assert sorted(e.get("guid") for e in after_xml.iter("event")) == sorted(before)


def test_schedule_of_an_event_with_odd_slug_and_thai_only_titles_validates(
    client, db, owner, json_validator, xml_schema
):
    event = make_event(
        db,
        title='สัมมนา <EU> & "ไทย" ]]>',
        slug="สัมมนา-eu-ไทย-2030",
        languages="th,en",
        timezone="Asia/Bangkok",
        starts_at=datetime(2030, 1, 6, 2, 0, tzinfo=UTC),
    )
    room = make_room(db, event, 'ห้อง "A" & <B>')
    item = make_item(db, event, room=room, titles={"th": "ปาฐกถาพิเศษ"}, at="10:00")
    release_agenda(db, event, owner)

    json_document = valid_json(client.get(url(event, "schedule.json")), json_validator)
    xml_document = valid_xml(client.get(url(event, "schedule.xml")), xml_schema)

    assert json_document["schedule"]["conference"]["acronym"] == "eu_2030"
    ((_day, exported),) = json_events(json_document).values()
    assert (exported["slug"], exported["title"], exported["language"], exported["room"]) == (
        f"eu_2030-{item.id}-keynote",
        "ปาฐกถาพิเศษ",
        "th",
        'ห้อง "A" & <B>',
    )
    assert (
        exported["url"]
        == f"http://testserver/events/{quote('สัมมนา-eu-ไทย-2030')}/sessions/{item.id}"
    )
    assert xml_document.find("conference").findtext("title") == 'สัมมนา <EU> & "ไทย" ]]>'
    assert [r.get("name") for r in xml_document.findall("day/room")] == ['ห้อง "A" & <B>']


def test_plenary_items_join_an_organisers_room_named_plenary(
    client, db, owner, json_validator, xml_schema
):
    event = make_event(db, slug="own-plenary-room", starts_at=ONE_DAY)
    room = make_room(db, event, "Plenary")
    in_room = make_item(db, event, "In the room", room=room, at="09:00")
    everywhere = make_item(db, event, "Everywhere", at="10:00")
    release_agenda(db, event, owner)

    json_document = valid_json(client.get(url(event, "schedule.json")), json_validator)
    xml_document = valid_xml(client.get(url(event, "schedule.xml")), xml_schema)

    conference = json_document["schedule"]["conference"]
    assert [r["name"] for r in conference["rooms"]] == ["Plenary"]
    assert [[e["id"] for e in events] for events in conference["days"][0]["rooms"].values()] == [
        [in_room.id, everywhere.id]
    ]
    assert [
        (r.get("name"), [e.get("id") for e in r.findall("event")])
        for r in xml_document.findall("day/room")
    ] == [("Plenary", [str(in_room.id), str(everywhere.id)])]


def test_an_empty_release_exports_empty_but_valid_files(
    client, db, owner, json_validator, xml_schema
):
    event = make_event(db, slug="nothing-yet", starts_at=ONE_DAY, languages="en")
    make_room(db, event, "Main hall")
    cancelled = make_item(db, event, "Cancelled keynote")
    release_agenda(db, event, owner)
    agenda.delete_item(db, event, cancelled, actor=owner, expected_version=1)
    release_agenda(db, event, owner)  # everything cancelled: an empty programme

    json_document = valid_json(client.get(url(event, "schedule.json")), json_validator)
    xml_document = valid_xml(client.get(url(event, "schedule.xml")), xml_schema)
    calendar = Calendar.from_ical(client.get(url(event, "agenda.ics")).content)
    rows = csv_rows(client.get(url(event, "agenda.csv")))

    assert json_events(json_document) == {}
    assert [r.get("name") for r in xml_document.findall("day/room")] == ["Main hall"]
    assert calendar.walk("VEVENT") == []
    assert rows == [
        ["date", "start", "end", "timezone", "room", "kind", "track", "title_en",
         "description_en", "speakers", "uid"]
    ]  # fmt: skip


def test_acronym_of_a_slug_without_latin_letters_names_the_event(db):
    event = make_event(db, slug="สัมมนา-ไทย-2568")

    assert frab.acronym_of(event) == f"event_{event.id}_2568"


def test_time_zone_names_the_schema_refuses_are_left_out(
    client, db, owner, json_validator, xml_schema
):
    event = make_event(db, slug="fixed-offset", timezone="Etc/GMT-7")
    make_item(db, event, room=make_room(db, event))
    release_agenda(db, event, owner)

    json_document = valid_json(client.get(url(event, "schedule.json")), json_validator)
    xml_document = valid_xml(client.get(url(event, "schedule.xml")), xml_schema)

    assert "time_zone_name" not in json_document["schedule"]["conference"]
    assert xml_document.find("conference").find("time_zone_name") is None
    ((_day, exported),) = json_events(json_document).values()
    assert exported["date"].endswith("+07:00")


# Hostile text -------------------------------------------------------------------------------

HOSTILE = '<script>alert(1)</script> "><img src=x onerror=alert(1)> ]]> & \x00\x07\x1b\ufffe end'
HOSTILE_CLEAN = '<script>alert(1)</script> "><img src=x onerror=alert(1)> ]]> &  end'


@pytest.fixture
def hostile(db, owner):
    # PostgreSQL refuses NUL in a text column (JSON columns keep it, escaped).
    event = make_event(db, slug="hostile", title=HOSTILE.replace("\x00", ""))
    room = make_room(db, event, "Room ]]> & <b>\x0b")
    item = make_item(
        db,
        event,
        room=room,
        titles={"en": HOSTILE, "th": "ไทย\x0c"},
        descriptions={"en": HOSTILE + "\r\nnext line"},
        track="</track>&\x01",
    )
    release_agenda(db, event, owner)
    return SimpleNamespace(event=event, item=item)


def test_hostile_text_gives_valid_xml_with_the_text_intact(client, hostile, xml_schema):
    document = valid_xml(client.get(url(hostile.event, "schedule.xml")), xml_schema)

    (event,) = document.iter("event")
    assert (event.findtext("title"), event.findtext("subtitle")) == (HOSTILE_CLEAN, "ไทย")
    assert event.findtext("abstract") == HOSTILE_CLEAN + "\nnext line"
    assert (event.findtext("room"), event.findtext("track")) == ("Room ]]> & <b>", "</track>&")
    assert document.find("conference").findtext("title") == HOSTILE_CLEAN


def test_hostile_text_gives_valid_json(client, hostile, json_validator):
    document = valid_json(client.get(url(hostile.event, "schedule.json")), json_validator)

    ((_day, event),) = json_events(document).values()
    assert (event["title"], event["subtitle"], event["room"]) == (
        HOSTILE_CLEAN,
        "ไทย",
        "Room ]]> & <b>",
    )


def test_hostile_text_gives_a_valid_calendar(client, hostile):
    response = client.get(url(hostile.event, "agenda.ics"))

    (vevent,) = vevents(response).values()
    assert str(vevent["summary"]) == HOSTILE_CLEAN
    assert str(vevent["description"]) == HOSTILE_CLEAN + "\nnext line\n\nไทย"
    assert all(ord(c) >= 32 or c in "\r\n" for c in response.content.decode())


# CSV -----------------------------------------------------------------------------------------


def test_agenda_csv_lists_each_item_in_local_time_with_every_language(client, forum):
    response = client.get(url(forum.event, "agenda.csv"))

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="eu-th-forum-2030-agenda.csv"; '
        "filename*=UTF-8''eu-th-forum-2030-agenda.csv"
    )
    rows = csv_rows(response)
    assert rows[0] == [
        "date", "start", "end", "timezone", "room", "kind", "track",
        "title_en", "title_th", "description_en", "description_th", "speakers", "uid",
    ]  # fmt: skip
    assert rows[1:] == [
        ["2030-08-08", "09:00", "09:15", "Asia/Bangkok", "Plenary", "opening_remarks", "",
         "Opening remarks", "กล่าวเปิดงาน", "", "", "", forum.opening.uid],
        ["2030-08-08", "09:30", "10:30", "Asia/Bangkok", "Annex; room 2", "discussion", "Practice",
         "Workshop: reporting", "การรายงาน", "", "", "", forum.workshop.uid],
        ["2030-08-08", "09:30", "11:00", "Asia/Bangkok", "Main hall", "panel", "Policy",
         'Scams, fraud; and \\ "tricks"\nPart 2', "การหลอกลวงทางออนไลน์", "Who loses.\nWho pays.",
         LONG_THAI, "", forum.panel.uid],
        ["2030-08-08", "12:00", "13:00", "Asia/Bangkok", "Plenary", "lunch", "",
         "", "พักรับประทานอาหารกลางวัน", "", "", "", forum.lunch.uid],
        ["2030-08-09", "23:00", "01:00", "Asia/Bangkok", "Main hall", "networking", "",
         "Late dinner", "อาหารค่ำ", "", "", "", forum.dinner.uid],
    ]  # fmt: skip


def test_agenda_csv_defuses_formulas(client, db, owner):
    event = make_event(db, slug="formulas", languages="en")
    for minute, title in enumerate(['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)"]):
        make_item(db, event, titles={"en": title}, at=f"09:{minute:02d}", track="=1+1")
    release_agenda(db, event, owner)

    rows = csv_rows(client.get(url(event, "agenda.csv")))

    assert [(row[6], row[7]) for row in rows[1:]] == [
        ("'=1+1", '\'=HYPERLINK("http://x","y")'),
        ("'=1+1", "'+1"),
        ("'=1+1", "'-2"),
        ("'=1+1", "'@SUM(A1)"),
    ]


def test_agenda_csv_of_a_thai_slug_names_the_file_in_both_forms(client, db, owner):
    event = make_event(db, slug="สัมมนา-2030")
    make_item(db, event)
    release_agenda(db, event, owner)

    response = client.get(url(event, "agenda.csv"))

    assert response.headers["content-disposition"] == (
        'attachment; filename="______-2030-agenda.csv"; '
        f"filename*=UTF-8''{quote('สัมมนา-2030-agenda.csv')}"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\x00=1", "'\x00=1"),
        ("Opening = welcome", "Opening = welcome"),
        ("", ""),
        (42, 42),
        (None, None),
    ],
)
def test_defuse_neutralises_what_a_spreadsheet_would_run(value, expected):
    assert defuse(value) == expected


def test_agenda_csv_defuses_a_formula_hidden_behind_a_control_character(client, db, owner):
    event = make_event(db, slug="hidden-formula", languages="en")
    make_item(db, event, titles={"en": "\x01=1+1"}, descriptions={"en": "\r=2"})
    release_agenda(db, event, owner)

    rows = csv_rows(client.get(url(event, "agenda.csv")))

    assert (rows[1][7], rows[1][8]) == ("'=1+1", "'\n=2")


# Every export --------------------------------------------------------------------------------


@pytest.mark.parametrize("export", DOWNLOADS)
def test_export_of_unknown_hidden_or_unreleased_event_is_not_found(client, db, owner, export):
    draft = make_event(db, slug="still-draft", status=EventStatus.DRAFT)
    make_item(db, draft)
    release_agenda(db, draft, owner)
    unreleased = make_event(db, slug="not-released-yet")
    make_item(db, unreleased)

    statuses = [
        client.get(f"/events/{slug}/{export}").status_code
        for slug in ("no-such-event", "still-draft", "not-released-yet")
    ]

    assert statuses == [404, 404, 404]


@pytest.mark.parametrize("export", DOWNLOADS)
def test_export_of_an_unlisted_event_is_served(client, db, owner, export):
    event = make_event(db, slug="by-link-only", visibility=Visibility.UNLISTED)
    make_item(db, event)
    release_agenda(db, event, owner)

    assert client.get(url(event, export)).status_code == 200


@pytest.mark.parametrize("export", [*EXPORTS, "sessions/{panel}.ics"])
def test_export_shows_the_release_never_the_draft(client, db, forum, owner, export):
    details = agenda.details_of(forum.panel)
    details.titles = {"en": "Unreleased title", "th": "ยังไม่เผยแพร่"}
    agenda.update_item(
        db, forum.event, forum.panel, actor=owner, details=details, expected_version=1
    )
    make_item(db, forum.event, "Unreleased item", at="16:00")
    db.commit()

    response = client.get(url(forum.event, export.format(panel=forum.panel.id)))

    assert response.status_code == 200
    text = response.content.decode("utf-8-sig").replace("\r\n ", "")  # unfolded (iCalendar)
    assert ("Unreleased" in text, "ยังไม่เผยแพร่" in text, "Scams" in text) == (False, False, True)


@pytest.mark.parametrize("export", [*DOWNLOADS, "sessions/{panel}.ics"])
def test_export_is_conditional_and_shared(client, forum, export):
    path = url(forum.event, export.format(panel=forum.panel.id))

    response = client.get(path)
    by_etag = client.get(path, headers={"if-none-match": response.headers["etag"]})
    by_date = client.get(path, headers={"if-modified-since": response.headers["last-modified"]})
    stale = client.get(path, headers={"if-none-match": '"something-else"'})

    assert response.headers["last-modified"] == http_date(forum.release.released_at)
    assert response.headers["access-control-allow-origin"] == "*"
    assert (by_etag.status_code, by_etag.content) == (304, b"")
    assert by_etag.headers["etag"] == response.headers["etag"]
    assert by_etag.headers["access-control-allow-origin"] == "*"
    assert (by_date.status_code, by_date.content) == (304, b"")
    assert (stale.status_code, stale.content) == (200, response.content)


@pytest.mark.parametrize("export", DOWNLOADS)
def test_export_changes_etag_and_date_with_a_new_release(client, db, forum, owner, export):
    first = client.get(url(forum.event, export))
    make_item(db, forum.event, "Added later", at="16:00")
    second_release = release_agenda(db, forum.event, owner)

    response = client.get(
        url(forum.event, export), headers={"if-none-match": first.headers["etag"]}
    )

    assert response.status_code == 200
    assert response.headers["etag"] != first.headers["etag"]
    assert response.headers["last-modified"] == http_date(second_release.released_at)


@pytest.mark.parametrize("export", DOWNLOADS)
def test_export_last_modified_follows_a_later_edit_of_the_event(client, db, forum, export):
    edited = datetime(2031, 1, 1, 12, 0, tzinfo=UTC)
    forum.event.title = "Renamed forum"
    forum.event.updated_at = edited
    db.add(forum.event)
    db.commit()

    response = client.get(url(forum.event, export))

    assert response.headers["last-modified"] == http_date(edited)


@pytest.mark.parametrize("export", [*DOWNLOADS, "sessions/{first}.ics"])
def test_export_queries_do_not_grow_with_the_agenda(client, db, owner, count_queries, export):
    def queries_for(count: int) -> int:
        event = make_event(db, slug=f"queries-{count}", days=3)
        rooms = [make_room(db, event, f"Room {n}") for n in range(3)]
        items = [
            make_item(
                db, event, f"Item {n}", at=f"{8 + n % 12:02d}:{(n * 5) % 60:02d}", day=n % 3,
                room=rooms[n % 4] if n % 4 < 3 else None, track=f"Track {n % 2}",
            )
            for n in range(count)
        ]  # fmt: skip
        release_agenda(db, event, owner)
        with count_queries() as counted:
            response = client.get(url(event, export.format(first=items[0].id)))
        assert response.status_code == 200
        return len(counted)

    assert queries_for(5) == queries_for(100)
