"""Tables for spreadsheets: the agenda as CSV, and `defuse` for every cell we write.

A spreadsheet runs a cell that starts with =, +, - or @ as a formula (and some strip a leading
tab, carriage return or NUL first), so a title such as =HYPERLINK("http://x","y") would become a
live link in an organiser's copy. `defuse` puts an apostrophe in front of such a value: shown as
text, and the apostrophe itself is hidden by Excel and LibreOffice (OWASP "CSV Injection").
"""

import csv
import io
from typing import TypeVar

from eventapp.agenda import Programme
from eventapp.exports.frab import printable, room_name

T = TypeVar("T")
# "\n" too: `printable` turns a lone carriage return into a line feed before `defuse` runs.
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\x00")


def defuse(value: T) -> T:
    """A text cell that a spreadsheet cannot run; anything that is not text is left as it is."""
    if isinstance(value, str) and value.startswith(_TRIGGERS):
        return "'" + value  # type: ignore[return-value]
    return value


def agenda_rows(programme: Programme) -> list[list[str]]:
    """A header, then one row per item in time order; times local to the event."""
    event = programme.event
    languages = event.language_list
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
                item.uid,
            ]
        )
    return rows


def agenda_csv(programme: Programme) -> bytes:
    """UTF-8 with a byte order mark, which Excel needs to read Thai correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in agenda_rows(programme):
        # Controls out first, so that "\x01=1" cannot lose its control after the check.
        writer.writerow([defuse(printable(cell)) for cell in row])
    return out.getvalue().encode("utf-8-sig")
