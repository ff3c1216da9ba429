"""Line-ups in the exports (Frab persons, iCalendar, agenda CSV, PDF) and the organisers'
speakers table as CSV and XLSX, read back by real parsers."""

import csv
import io
import uuid

import pytest
from icalendar import Calendar
from openpyxl import load_workbook

from eventapp import agenda
from eventapp.agenda import Programme
from eventapp.exports import pdf
from eventapp.models import AppearanceRole, AppearanceStatus, Event, Person, Role, Team
from eventapp.public_lineup import public_lineups
from tests.factories import add_member, log_in, make_event, make_item, make_room, make_user
from tests.test_agenda_exports import json_validator, valid_json, valid_xml, xml_schema
from tests.test_public_speakers import (
    HOSTILE_NAME,
    appear,
    make_person,
    owner,
    seminar,
    set_event,
)

__all__ = ["json_validator", "owner", "seminar", "xml_schema"]  # fixtures used here
FORMULAS = [
    '=HYPERLINK("http://x","y")',
    "+1",
    "-2",
    "@SUM(A1)",
    "\tTab",
    "\rCR",
    "\x01=CTRL",
]  # no NUL: PostgreSQL refuses it


def person_guid(person_id: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"http://testserver/#person-{person_id}"))


def csv_rows(response) -> list[list[str]]:
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


# Frab ----------------------------------------------------------------------------------------


def test_schedule_xml_lists_each_items_public_persons_and_validates(
    client, db, seminar, xml_schema
):
    set_event(db, seminar.event, show_unconfirmed=True)

    document = valid_xml(client.get("/events/seminar/schedule.xml"), xml_schema)

    def person(stage, name: str) -> tuple[str, str, str]:
        return (str(stage.id), person_guid(stage.id), name)

    persons = {
        event.get("id"): [
            (p.get("id"), p.get("guid"), p.text) for p in event.findall("persons/person")
        ]
        for event in document.iter("event")
    }
    assert persons == {
        str(seminar.opening.id): [
            person(seminar.minister, "H.E. Mr. Russ Jalichandra"),
            person(seminar.ambassador, "H.E. Mr. David Daly"),
        ],
        str(seminar.panel.id): [
            person(seminar.ambassador, "H.E. Mr. David Daly"),
            person(seminar.panellist, "Prof. Wisit Wisitsora-at"),
            person(seminar.invited, "Mali Chaiyo (to be confirmed)"),
        ],
    }


def test_schedule_json_persons_agree_with_the_xml_and_validate(client, seminar, json_validator):
    document = valid_json(client.get("/events/seminar/schedule.json"), json_validator)

    events = {
        event["id"]: event["persons"]
        for day in document["schedule"]["conference"]["days"]
        for room in day["rooms"].values()
        for event in room
    }
    assert events[seminar.panel.id] == [
        {
            "id": seminar.ambassador.id,
            "guid": person_guid(seminar.ambassador.id),
            "name": "H.E. Mr. David Daly",
            "url": f"http://testserver/events/seminar/speakers/{seminar.ambassador.id}",
        },
        {
            "id": seminar.panellist.id,
            "guid": person_guid(seminar.panellist.id),
            "name": "Prof. Wisit Wisitsora-at",
            "url": f"http://testserver/events/seminar/speakers/{seminar.panellist.id}",
        },
    ]


def test_person_guid_is_the_same_on_every_event_of_the_team(client, db, seminar, owner):
    team = db.get(Team, seminar.event.team_id)
    other = make_event(db, slug="second", owner=owner, team=team)
    item = make_item(db, other)
    appear(db, other, item, db.get(Person, seminar.minister.id))
    agenda.release(db, other, actor=owner)
    db.commit()

    document = client.get("/events/second/schedule.json").json()

    (day,) = document["schedule"]["conference"]["days"]
    ((event,),) = [room for room in day["rooms"].values() if room]
    assert event["persons"][0]["guid"] == person_guid(seminar.minister.id)


# iCalendar, CSV, PDF ---------------------------------------------------------------------------


def test_calendar_description_opens_with_the_line_up(client, seminar):
    calendar = Calendar.from_ical(client.get("/events/seminar/agenda.ics").content)

    descriptions = {
        str(v["summary"]): str(v.get("description", "")) for v in calendar.walk("VEVENT")
    }
    assert descriptions["Panel on scams"] == (
        "Moderator: H.E. Mr. David Daly\nPanellist: Prof. Wisit Wisitsora-at"
    )
    assert descriptions["Opening"].startswith(
        "Keynote speakers: H.E. Mr. Russ Jalichandra, H.E. Mr. David Daly\n\nพิธีเปิด"
    )


def test_agenda_csv_has_a_speakers_column(client, seminar):
    rows = csv_rows(client.get("/events/seminar/agenda.csv"))

    title, speakers = rows[0].index("title_en"), rows[0].index("speakers")
    by_title = {row[title]: row[speakers] for row in rows[1:]}
    assert by_title == {
        "Opening": "Keynote speakers: H.E. Mr. Russ Jalichandra, H.E. Mr. David Daly",
        "Panel on scams": "Moderator: H.E. Mr. David Daly; Panellist: Prof. Wisit Wisitsora-at",
    }


def test_agenda_pdf_document_shows_the_line_ups(db, seminar):
    event = db.get(Event, seminar.event.id)
    latest = agenda.latest_release(db, event)
    programme = Programme.from_snapshot(event, latest.snapshot, number=latest.number)
    lineups = public_lineups(db, event, [item.id for item in programme.items])

    html = pdf.agenda_html(programme, [], language="en", lineups=lineups)

    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    assert [" ".join(li.get_text().split()) for li in soup.select(".lineup li")] == [
        "Keynote speakers: H.E. Mr. Russ Jalichandra, H.E. Mr. David Daly",
        "Moderator: H.E. Mr. David Daly",
        "Panellist: Prof. Wisit Wisitsora-at",
    ]


def test_agenda_pdf_route_passes_the_line_ups(client, seminar):
    from pypdf import PdfReader

    response = client.get("/events/seminar/agenda.pdf")

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Moderator: H.E. Mr. David Daly" in " ".join(text.split())


# Hostile names in exports ----------------------------------------------------------------------


@pytest.fixture
def hostile(db, seminar):
    person = make_person(
        db,
        seminar.event,
        HOSTILE_NAME,
        "=cmd|' /C calc'!A0",
        honorific="",
        organisation="@SUM(1+1)",
        bios={"en": HOSTILE_NAME},
    )
    appear(db, seminar.event, seminar.panel, person, AppearanceRole.PANELLIST)
    return person


def test_hostile_names_stay_text_in_every_export(
    client, seminar, hostile, xml_schema, json_validator
):
    name = f"{HOSTILE_NAME} =cmd|' /C calc'!A0"

    xml = valid_xml(client.get("/events/seminar/schedule.xml"), xml_schema)
    json_document = valid_json(client.get("/events/seminar/schedule.json"), json_validator)
    calendar = Calendar.from_ical(client.get("/events/seminar/agenda.ics").content)
    rows = csv_rows(client.get("/events/seminar/agenda.csv"))

    assert name in [p.text for p in xml.iter("person")]
    names = [
        person["name"]
        for day in json_document["schedule"]["conference"]["days"]
        for room in day["rooms"].values()
        for event in room
        for person in event["persons"]
    ]
    assert name in names
    panel = next(v for v in calendar.walk("VEVENT") if str(v["summary"]) == "Panel on scams")
    assert name in str(panel["description"])
    assert any(name in cell for row in rows for cell in row)


# The organisers' speakers table ----------------------------------------------------------------

HEADER = [
    "name", "honorific", "given_name", "family_name", "display_name", "post_nominals",
    "position", "organisation", "country", "email", "phone", "precedence", "sessions",
]  # fmt: skip


@pytest.fixture
def organiser(client, db, seminar):
    user = make_user(db)
    add_member(db, seminar.event, user, Role.ORGANISER)
    log_in(client, user)
    return user


def test_speakers_csv_lists_everyone_with_private_details_and_statuses(client, seminar, organiser):
    response = client.get(f"/manage/events/{seminar.event.id}/speakers.csv")

    rows = csv_rows(response)
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"seminar-speakers.csv\"; filename*=UTF-8''seminar-speakers.csv"
    )
    assert response.headers["cache-control"] == "no-store"
    assert rows[0] == HEADER
    assert [row[0] for row in rows[1:]] == [
        "H.E. Mr. Russ Jalichandra, PhD, Vice Minister for Foreign Affairs, "
        "Ministry of Foreign Affairs",
        "H.E. Mr. David Daly, Ambassador of the European Union to Thailand, "
        "Delegation of the European Union",
        "Prof. Wisit Wisitsora-at, Ministry of DES",
        "Mali Chaiyo, Ministry of Foreign Affairs",
        "Dara Noshow",
        "Draft Only",
    ]
    minister = rows[1]
    assert minister[1:12] == [
        "H.E. Mr.", "Russ", "Jalichandra", "", "PhD", "Vice Minister for Foreign Affairs",
        "Ministry of Foreign Affairs", "Thailand", seminar.minister.email, "'+66 2 000 0000", "1",
    ]  # fmt: skip
    assert rows[2][12] == (
        "2030-08-08 09:00 Opening (keynote, confirmed)\n"
        "2030-08-08 09:30 Panel on scams (moderator, confirmed)"
    )
    assert rows[4][12] == "2030-08-08 09:30 Panel on scams (panellist, invited)"
    assert rows[5][12] == "2030-08-08 09:30 Panel on scams (panellist, declined)"
    assert rows[6][12] == "2030-08-08 11:00 Workshop (draft only) (speaker, confirmed)"


def test_speakers_xlsx_reads_back_as_defused_strings(client, db, seminar, organiser):
    for n, text in enumerate(FORMULAS):
        person = make_person(db, seminar.event, text, f"Formula{n}", organisation=text)
        appear(db, seminar.event, seminar.panel, person, status=AppearanceStatus.INVITED)

    response = client.get(f"/manage/events/{seminar.event.id}/speakers.xlsx")

    assert response.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert {cell.data_type for cell in cells} <= {"s", "inlineStr"}  # text only, no "f" or "n"
    assert {type(cell.value) for cell in cells} <= {str, type(None)}
    assert [cell.hyperlink for cell in cells if cell.hyperlink] == []
    rows = [[cell.value or "" for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == HEADER
    assert sorted(row[2] for row in rows[1:] if row[3].startswith("Formula")) == sorted(
        ['\'=HYPERLINK("http://x","y")', "'+1", "'-2", "'@SUM(A1)", "'\tTab", "'\nCR", "'=CTRL"]
    )
    organisations = {row[7] for row in rows[1:]}
    assert "'@SUM(A1)" in organisations


def test_speakers_csv_defuses_formulas(client, db, seminar, organiser):
    for n, text in enumerate(FORMULAS):
        person = make_person(db, seminar.event, text, f"Formula{n}")
        appear(db, seminar.event, seminar.panel, person)

    rows = csv_rows(client.get(f"/manage/events/{seminar.event.id}/speakers.csv"))

    given = sorted(row[2] for row in rows[1:] if row[3].startswith("Formula"))
    assert all(not value.startswith(("=", "+", "-", "@", "\t", "\r", "\n")) for value in given)
    assert '\'=HYPERLINK("http://x","y")' in given


@pytest.mark.parametrize("export", ["speakers.csv", "speakers.xlsx"])
def test_speakers_table_is_for_owners_and_organisers_only(client, db, seminar, export):
    path = f"/manage/events/{seminar.event.id}/{export}"
    anonymous = client.get(path)
    viewer = make_user(db)
    add_member(db, seminar.event, viewer, Role.VIEWER)
    log_in(client, viewer)
    as_viewer = client.get(path)
    other = make_event(db, slug="elsewhere", owner=viewer)

    as_owner_of_another = client.get(f"/manage/events/{other.id}/{export}")
    foreign = client.get(path.replace(str(seminar.event.id), str(other.id + 1000)))

    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/login?next=")
    assert as_viewer.status_code == 403
    assert as_owner_of_another.status_code == 200
    assert foreign.status_code == 404


# Cost ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "export",
    [
        "/events/growing/schedule.xml",
        "/events/growing/schedule.json",
        "/events/growing/agenda.ics",
        "/events/growing/agenda.csv",
        "/events/growing/speakers/{first}.ics",
        "/manage/events/{event}/speakers.csv",
        "/manage/events/{event}/speakers.xlsx",
    ],
)
def test_exports_with_line_ups_cost_the_same_for_5_or_100_people(
    client, db, owner, count_queries, export
):
    log_in(client, owner)
    event = make_event(db, slug="growing", owner=owner)
    hall = make_room(db, event)
    items = [
        make_item(db, event, f"Item {n}", at=f"{8 + n // 4:02d}:{(n % 4) * 15:02d}", room=hall)
        for n in range(40)
    ]
    agenda.release(db, db.get(Event, event.id), actor=owner)
    db.commit()
    people: list[Person] = []

    def grow(count: int) -> int:
        while len(people) < count:
            n = len(people)
            person = make_person(db, event, f"Given{n}", f"Family{n}")
            appear(db, event, items[n % 40], person, AppearanceRole.PANELLIST, precedence=n)
            people.append(person)
        path = export.format(first=people[0].id, event=event.id)
        with count_queries() as counted:
            response = client.get(path)
        assert response.status_code == 200
        return len(counted)

    assert grow(5) == grow(100)
