"""Registrations as a table for the organisers: CSV (UTF-8 with a byte order mark) and XLSX.

Both are written from an iterator of rows, a chunk at a time, so 10,000 registrations never sit
in memory at once: the CSV goes out as it is written, the XLSX (openpyxl's write-only mode,
which keeps its rows in a temporary file) is written to a file that is then sent and removed.
Every cell passes `tables.safe_row` (control characters out, then `defuse`), and every XLSX
cell is a string: no formula, number or hyperlink.

Columns: the built-in fields, then one per custom question, headed by its label in the event's
first language, with the answer as it reads in that language.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from eventapp import questions as question_rules
from eventapp.exports.tables import safe_row
from eventapp.models import Event, Question, Registration

COLUMNS = [
    "id", "status", "waitlist_position", "honorific", "given_name", "family_name", "email",
    "organisation", "position", "country", "language", "in_participant_list", "registered_at",
    "decided_at", "checked_in_at",
]  # fmt: skip
CHUNK_ROWS = 500  # rows written (and, by the caller's query, read) at a time


@dataclass
class Listed:
    """A registration with what the list shows beside it."""

    registration: Registration
    position: int | None  # on the waiting list; None when not on it
    checked_in_at: datetime | None


def first_language(event: Event) -> str:
    return event.language_list[0] if event.language_list else "en"


def header(event: Event, questions: list[Question]) -> list[str]:
    language = first_language(event)
    return [*COLUMNS, *(question_rules.label(q, language) or f"q{q.id}" for q in questions)]


def _when(value: datetime | None, zone: ZoneInfo) -> str:
    """'2030-08-08 09:00 +07:00': the event's local time, with its offset."""
    if value is None:
        return ""
    local = value.astimezone(zone)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]}"


def row_of(event: Event, questions: list[Question], listed: Listed, *, zone: ZoneInfo) -> list[str]:
    found = listed.registration
    language = first_language(event)
    answers = found.answers or {}
    return [
        str(found.id),
        str(found.status),
        str(listed.position) if listed.position else "",
        found.honorific,
        found.given_name,
        found.family_name,
        found.email if found.anonymised_at is None else "",
        found.organisation,
        found.position,
        question_rules.country_name(found.country, language) if found.country else "",
        found.language,
        "yes" if found.in_participant_list else "no",
        _when(found.created_at, zone),
        _when(found.decided_at, zone),
        _when(listed.checked_in_at, zone),
        *(question_rules.answer_text(q, answers.get(str(q.id)), language) for q in questions),
    ]


def table(event: Event, questions: list[Question], found: Iterable[Listed]) -> Iterator[list[str]]:
    """The header, then a row per registration, as `found` yields them."""
    zone = ZoneInfo(event.timezone)
    yield header(event, questions)
    for listed in found:
        yield row_of(event, questions, listed, zone=zone)


def csv_chunks(rows: Iterable[list[str]], *, chunk_rows: int = CHUNK_ROWS) -> Iterator[bytes]:
    """The CSV in pieces of `chunk_rows` rows: the byte order mark Excel needs to read Thai
    first, each cell made safe."""
    yield "\ufeff".encode()
    out = io.StringIO()
    writer = csv.writer(out)
    waiting = 0
    for row in rows:
        writer.writerow(safe_row(row))
        waiting += 1
        if waiting >= chunk_rows:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
            waiting = 0
    if waiting:
        yield out.getvalue().encode("utf-8")


def write_xlsx(rows: Iterable[list[str]], path: Path, *, title: str) -> None:
    """One sheet of strings at `path`; openpyxl's write-only mode keeps the rows on disk."""
    from openpyxl import Workbook  # imported on the first spreadsheet

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for row in rows:
        sheet.append(safe_row(row))
    workbook.save(path)
