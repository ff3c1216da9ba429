"""The registrations as CSV and XLSX for the organisers, read back by real parsers: every
registration (or the list's filter) with its answers, one column per question; cells that a
spreadsheet would run are defused; the XLSX holds strings only; written a chunk at a time."""

import csv
import io
import re
import tempfile
import zipfile
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from eventapp import questions as question_rules
from eventapp import registration as rules
from eventapp.exports import registrations as table_export
from eventapp.models import CheckIn, Registration, RegistrationMode, Role
from tests.factories import add_member, log_in, make_event, make_user, open_registration

HOSTILE = {
    "=cmd": "'=cmd",
    "+1": "'+1",
    "-2": "'-2",
    "@x": "'@x",
    "\tx": "'\tx",
    "\rx": "'\nx",  # a lone CR is a line end first, then defused
    '=HYPERLINK("http://x","y")': '\'=HYPERLINK("http://x","y")',
    "\x01=1": "'=1",  # the control goes first, so it cannot hide the =
}


@pytest.fixture
def owner(db):
    return make_user(db, name="Olivia Owner")


@pytest.fixture
def event(db, owner):
    found = make_event(
        db, title="EU–Southeast Asia Digital Diplomacy Forum", slug="eu-sea-forum", owner=owner
    )
    open_registration(db, found, capacity=2)
    return found


def url(event, kind: str = "csv") -> str:
    return f"/manage/events/{event.id}/registrations.{kind}"


def register(db, event, n, **fields) -> Registration:
    fields.setdefault("given_name", f"Given{n}")
    fields.setdefault("family_name", "Family")
    found = rules.register(
        db, event, rules.AttendeeDetails(email=f"attendee{n}@example.org", **fields)
    )
    db.commit()
    return found


def add_question(db, event, owner, kind: str, labels: dict, choices=()):
    question = question_rules.add_question(
        db, event, actor=owner, kind=kind, labels=labels, choices=list(choices)
    )
    db.commit()
    return question


def csv_rows(response) -> list[list[str]]:
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def as_dicts(rows: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def xlsx_rows(response) -> list[list[str | None]]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


# The CSV --------------------------------------------------------------------------------------


def test_the_csv_has_every_registration_with_a_column_per_question(client, db, owner, event):
    diet = add_question(
        db, event, owner, "single_choice", {"en": "Diet", "th": "อาหาร"},
        [{"en": "Any"}, {"en": "Vegetarian", "th": "มังสวิรัติ"}],
    )  # fmt: skip
    panels = add_question(
        db, event, owner, "multiple_choice", {"en": "Panels"}, [{"en": "Scams"}, {"en": "Cyber"}]
    )
    visa = add_question(db, event, owner, "checkbox", {"en": "Visa letter"})
    anna = register(
        db, event, 1, honorific="Dr.", given_name="Anna", family_name="Lind",
        organisation="EEAS", country="SE", in_participant_list=True,
        answers={str(diet.id): "c2", str(panels.id): ["c1", "c2"], str(visa.id): True},
    )  # fmt: skip
    register(db, event, 2, given_name="สมชาย", family_name="ใจดี", language="th")
    register(db, event, 3, answers={str(visa.id): False})
    arrived = datetime(2030, 8, 8, 1, 30, tzinfo=UTC)
    db.add(CheckIn(event_id=event.id, registration_id=anna.id, checked_in_at=arrived))
    db.commit()
    log_in(client, owner)

    response = client.get(url(event))

    rows = csv_rows(response)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-disposition"] == (
        'attachment; filename="eu-sea-forum-registrations.csv"; '
        "filename*=UTF-8''eu-sea-forum-registrations.csv"
    )
    assert rows[0] == [*table_export.COLUMNS, "Diet", "Panels", "Visa letter"]
    found = as_dicts(rows)
    assert [
        (r["id"], r["status"], r["waitlist_position"], r["given_name"], r["family_name"])
        for r in found
    ] == [
        (str(anna.id), "confirmed", "", "Anna", "Lind"),
        (str(anna.id + 1), "confirmed", "", "สมชาย", "ใจดี"),
        (str(anna.id + 2), "waitlisted", "1", "Given3", "Family"),
    ]
    first = found[0]
    assert {k: first[k] for k in ("honorific", "email", "organisation", "country")} == {
        "honorific": "Dr.",
        "email": "attendee1@example.org",
        "organisation": "EEAS",
        "country": "Sweden",
    }
    assert (first["in_participant_list"], first["checked_in_at"]) == (
        "yes",
        "2030-08-08 08:30 +07:00",
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d \+07:00", first["registered_at"])
    assert (first["Diet"], first["Panels"], first["Visa letter"]) == (
        "Vegetarian",
        "Scams; Cyber",
        "Yes",
    )
    assert (found[1]["language"], found[1]["Diet"], found[2]["Visa letter"]) == ("th", "", "No")


def test_question_columns_use_the_events_first_language(client, db, owner, event):
    event.languages = "th,en"
    db.add(event)
    db.commit()
    diet = add_question(
        db, event, owner, "single_choice", {"th": "อาหาร", "en": "Diet"},
        [{"th": "ทั่วไป", "en": "Any"}, {"th": "มังสวิรัติ", "en": "Vegetarian"}],
    )  # fmt: skip
    register(db, event, 1, answers={str(diet.id): "c2"})
    log_in(client, owner)

    rows = csv_rows(client.get(url(event)))

    assert (rows[0][-1], rows[1][-1]) == ("อาหาร", "มังสวิรัติ")


def test_the_csv_follows_the_lists_filters(client, db, owner, event):
    register(db, event, 1, organisation="MFA")
    register(db, event, 2, organisation="EEAS")
    register(db, event, 3, organisation="MFA")  # waiting list (capacity 2)
    log_in(client, owner)

    confirmed = as_dicts(csv_rows(client.get(url(event), params={"status": "confirmed"})))
    mfa = as_dicts(csv_rows(client.get(url(event), params={"q": "mfa"})))

    assert [r["email"] for r in confirmed] == ["attendee1@example.org", "attendee2@example.org"]
    assert [r["email"] for r in mfa] == ["attendee1@example.org", "attendee3@example.org"]


def test_every_cell_a_spreadsheet_would_run_is_defused(client, db, owner, event):
    question = add_question(db, event, owner, "long_text", {"en": "Notes"})
    open_registration(db, event, capacity=None)
    people = [register(db, event, n) for n in range(len(HOSTILE))]
    for found, value in zip(people, HOSTILE, strict=True):
        # Written straight to the row: the forms fold such white space away, an import might not.
        db.execute(
            update(Registration)
            .where(Registration.id == found.id)
            .values(organisation=value, given_name=value, answers={str(question.id): value})
        )
    db.commit()
    log_in(client, owner)

    found = as_dicts(csv_rows(client.get(url(event))))

    assert [r["organisation"] for r in found] == list(HOSTILE.values())
    assert [r["given_name"] for r in found] == list(HOSTILE.values())
    assert [r["Notes"] for r in found] == list(HOSTILE.values())


def test_a_nul_at_the_start_of_a_cell_is_removed_before_the_check():
    # PostgreSQL refuses NUL in text, so this row is never stored: the table functions alone.
    rows = [["\x00x", "\x00=cmd", "a\x00b", "=1+1"]]

    written = b"".join(table_export.csv_chunks(rows))

    assert list(csv.reader(io.StringIO(written.decode("utf-8-sig")))) == [
        ["x", "'=cmd", "ab", "'=1+1"]
    ]


def test_the_csv_is_written_a_chunk_at_a_time():
    rows = ([str(n), f"name {n}"] for n in range(5))

    chunks = list(table_export.csv_chunks(rows, chunk_rows=2))

    assert chunks[0] == b"\xef\xbb\xbf"
    assert [chunk.count(b"\r\n") for chunk in chunks[1:]] == [2, 2, 1]


# The XLSX -------------------------------------------------------------------------------------


def test_the_xlsx_holds_the_same_table_as_strings_only(
    client, db, owner, event, tmp_path, monkeypatch
):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    question = add_question(db, event, owner, "short_text", {"en": "Notes"})
    open_registration(db, event, capacity=None)
    people = [register(db, event, n) for n in range(len(HOSTILE) + 1)]
    for found, value in zip(people, [*HOSTILE, "=1+1"], strict=True):
        db.execute(
            update(Registration)
            .where(Registration.id == found.id)
            .values(organisation=value, answers={str(question.id): value})
        )
    db.commit()
    log_in(client, owner)

    response = client.get(url(event, "xlsx"))

    assert response.status_code == 200
    assert response.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.headers["content-disposition"].startswith(
        'attachment; filename="eu-sea-forum-registrations.xlsx"'
    )
    assert response.headers["cache-control"] == "no-store"
    csv_table = csv_rows(client.get(url(event)))
    rows = xlsx_rows(response)
    assert [[cell or "" for cell in row] for row in rows] == csv_table
    organisations = [row[rows[0].index("organisation")] for row in rows[1:]]
    assert organisations == [*HOSTILE.values(), "'=1+1"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    kinds = {cell.data_type for row in sheet.iter_rows() for cell in row if cell.value is not None}
    assert kinds == {"s"}
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
        assert "<f>" not in xml and "<f " not in xml
        assert not [name for name in archive.namelist() if "rels" in name and "sheet" in name]
    assert list(tmp_path.iterdir()) == []  # the temporary file went after sending


# Who may --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.REGISTRAR, Role.VIEWER, Role.RAPPORTEUR])
def test_only_owners_and_organisers_may_export(client, db, event, role):
    register(db, event, 1)
    member = make_user(db)
    add_member(db, event, member, role)
    log_in(client, member)

    statuses = [client.get(url(event)).status_code, client.get(url(event, "xlsx")).status_code]

    assert statuses == [403, 403]


def test_an_organiser_may_export_and_a_stranger_gets_404(client, db, event, other_client):
    register(db, event, 1)
    organiser = make_user(db)
    add_member(db, event, organiser, Role.ORGANISER)
    log_in(client, organiser)
    log_in(other_client, make_user(db))

    assert len(csv_rows(client.get(url(event)))) == 2
    assert other_client.get(url(event)).status_code == 404
    assert other_client.get(url(event, "xlsx")).status_code == 404


def test_the_pending_and_the_erased_are_exported_without_their_address(client, db, owner, event):
    from eventapp import retention

    open_registration(db, event, mode=RegistrationMode.MODERATED)
    kept, erased = register(db, event, 1), register(db, event, 2)
    retention.erase(db, event, erased, actor=owner)
    db.commit()
    log_in(client, owner)

    found = as_dicts(csv_rows(client.get(url(event))))

    assert [(r["id"], r["status"], r["email"], r["given_name"]) for r in found] == [
        (str(kept.id), "pending", "attendee1@example.org", "Given1"),
        (str(erased.id), "cancelled", "", ""),
    ]
