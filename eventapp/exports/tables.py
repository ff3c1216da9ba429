"""Tables for spreadsheets: the agenda as CSV, the speakers as CSV and XLSX for the organisers,
and `defuse` for every cell we write.

A spreadsheet runs a cell that starts with =, +, - or @ as a formula (and some strip a leading
tab, carriage return or NUL first), so a title such as =HYPERLINK("http://x","y") would become a
live link in an organiser's copy. `defuse` puts an apostrophe in front of such a value: shown as
text, and the apostrophe itself is hidden by Excel and LibreOffice (OWASP "CSV Injection").
The XLSX gets the same cells, every one of them a string: no formula, no number, no link.
"""

import csv
import io
from collections.abc import Iterable
from typing import TypeVar

from eventapp import agenda, i18n
from eventapp.agenda import Programme
from eventapp.exports.frab import printable, room_name
from eventapp.models import AgendaItem, Event
from eventapp.people import LineupEntry, NameStyle, name_for, sort_key
from eventapp.public_lineup import OnStage, lineup_lines

T = TypeVar("T")
# "\n" too: `printable` turns a lone carriage return into a line feed before `defuse` runs.
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\x00")


def defuse(value: T) -> T:
    """A text cell that a spreadsheet cannot run; anything that is not text is left as it is."""
    if isinstance(value, str) and value.startswith(_TRIGGERS):
        return "'" + value  # type: ignore[return-value]
    return value


def agenda_rows(
    programme: Programme, lineups: dict[int, list[OnStage]] | None = None
) -> list[list[str]]:
    """A header, then one row per item in time order; times local to the event. `speakers`
    is the item's public line-up, in the event's first language ("Moderator: A; ...")."""
    event = programme.event
    languages = event.language_list
    lineups = lineups or {}
    header = [
        "date",
        "start",
        "end",
        "timezone",
        "room",
        "kind",
        "track",
        *(f"title_{code}" for code in languages),
        *(f"description_{code}" for code in languages),
        "speakers",
        "uid",
    ]
    rows = [header]
    for item in programme.items:
        starts, ends = programme.local(item.starts_at), programme.local(item.ends_at)
        rows.append(
            [
                starts.date().isoformat(),
                starts.strftime("%H:%M"),
                ends.strftime("%H:%M"),
                event.timezone,
                room_name(event, item.room),
                str(item.kind),
                item.track,
                *(item.titles.get(code, "") for code in languages),
                *(item.descriptions.get(code, "") for code in languages),
                _lineup_text(event, lineups.get(item.id, [])),
                item.uid,
            ]
        )
    return rows


def _lineup_text(event: Event, lineup: list[OnStage]) -> str:
    if not lineup:
        return ""
    with i18n.language(event.language_list[0] if event.language_list else "en"):
        return "; ".join(lineup_lines(lineup))


def agenda_csv(programme: Programme, lineups: dict[int, list[OnStage]] | None = None) -> bytes:
    return csv_bytes(agenda_rows(programme, lineups))


def csv_bytes(rows: Iterable[list[str]]) -> bytes:
    """UTF-8 with a byte order mark, which Excel needs to read Thai correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(safe_row(row))
    return out.getvalue().encode("utf-8-sig")


def safe_row(row: list[str]) -> list[str]:
    # Controls out first, so that "\x01=1" cannot lose its control after the check.
    return [defuse(printable(cell)) for cell in row]


# The speakers, for the organisers --------------------------------------------------------------

SPEAKER_COLUMNS = [
    "name", "honorific", "given_name", "family_name", "display_name", "post_nominals",
    "position", "organisation", "country", "email", "phone", "precedence", "sessions",
]  # fmt: skip


def speaker_rows(
    event: Event, lineups: dict[int, list[LineupEntry]], items: Iterable[AgendaItem]
) -> list[list[str]]:
    """A header, then everyone on the event's line-up (every status; private contact details
    included: this is for the organisers) in protocol order. `sessions` has a line per
    appearance: "2030-08-08 09:30 Title (panellist, confirmed)", in time order."""
    by_person: dict[int, list[tuple[AgendaItem, LineupEntry]]] = {}
    for item in sorted(items, key=lambda item: (item.starts_at, item.id)):
        for entry in lineups.get(item.id, []):
            by_person.setdefault(entry.person.id, []).append((item, entry))
    zone = agenda.zone_of(event)
    rows = [list(SPEAKER_COLUMNS)]
    ordered = sorted(
        by_person.values(),
        key=lambda found: (found[0][1].speaker.precedence, sort_key(found[0][1].person)),
    )
    for found in ordered:
        person, speaker = found[0][1].person, found[0][1].speaker
        sessions = [
            f"{item.starts_at.astimezone(zone):%Y-%m-%d %H:%M} "
            f"{agenda.title_of(item.titles, event.language_list)} "
            f"({entry.appearance.role}, {entry.appearance.status})"
            for item, entry in found
        ]
        rows.append(
            [
                name_for(person, NameStyle.FORMAL),
                person.honorific,
                person.given_name,
                person.family_name,
                person.display_name,
                person.post_nominals,
                person.position,
                person.organisation,
                person.country,
                person.email,
                person.phone,
                str(speaker.precedence),
                "\n".join(sessions),
            ]
        )
    return rows


def xlsx_bytes(rows: Iterable[list[str]], *, title: str) -> bytes:
    """One sheet, every cell a defused string (openpyxl reads a string starting with "=" as a
    formula; none is left after `defuse`)."""
    from openpyxl import Workbook  # imported on the first spreadsheet

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for row in rows:
        sheet.append(safe_row(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
