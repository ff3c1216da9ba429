"""iCalendar (RFC 5545) from a release: the whole agenda, or one session.

The `icalendar` library writes the format (escaping, line folding, VTIMEZONE from zoneinfo).
Calendar apps that subscribed recognise an item by UID (its uid, the same in every release)
and take a copy with a higher SEQUENCE as the newer one; DTSTAMP is the release time, so the
file changes only when a release (or the event itself) does.

SUMMARY is the title in the event's first language (or the first one the item has); the
other languages' titles and descriptions follow the description, so one feed serves everyone.
The public line-up (`public_lineup`) opens the description, a line per role, in the title's
language.
"""

from collections.abc import Callable, Iterable
from datetime import date, datetime

from icalendar import Calendar
from icalendar import Event as VEvent

from eventapp import __version__, i18n
from eventapp.agenda import Programme, ProgrammeItem
from eventapp.exports.frab import languages_of, printable
from eventapp.models import EventStatus
from eventapp.public_lineup import OnStage, lineup_lines

PRODID = f"-//eventapp//eventapp {__version__}//EN"


def calendar_of(
    programme: Programme,
    items: Iterable[ProgrammeItem],
    *,
    released_at: datetime,
    uid_host: str,
    session_url: Callable[[ProgrammeItem], str],
    lineups: dict[int, list[OnStage]] | None = None,
) -> bytes:
    event = programme.event
    lineups = lineups or {}
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", printable(event.title))
    calendar.add("x-wr-timezone", event.timezone)
    for item in items:
        calendar.add_component(
            _vevent(
                programme,
                item,
                released_at=released_at,
                uid_host=uid_host,
                url=session_url(item),
                lineup=lineups.get(item.id, []),
            )
        )
    # The zone's rules for the whole years the programme touches (the library's default stops
    # in 2038 and starts in 1970, most of it never used).
    days = [day for day, _items in programme.days()]
    calendar.add_missing_timezones(
        first_date=date(days[0].year, 1, 1), last_date=date(days[-1].year + 1, 1, 1)
    )
    return calendar.to_ical()


def _vevent(
    programme: Programme,
    item: ProgrammeItem,
    *,
    released_at: datetime,
    uid_host: str,
    url: str,
    lineup: list[OnStage],
) -> VEvent:
    event = programme.event
    languages = languages_of(programme, item)
    first = languages[0] if languages else None
    vevent = VEvent()
    vevent.add("uid", f"{item.uid}@{uid_host}")
    vevent.add("sequence", item.sequence)
    vevent.add("dtstamp", released_at)
    vevent.add("dtstart", programme.local(item.starts_at))
    vevent.add("dtend", programme.local(item.ends_at))
    vevent.add("summary", printable(programme.title(item, first)))
    description = description_of(item, languages)
    if lineup:
        with i18n.language(first or "en"):
            people = printable("\n".join(lineup_lines(lineup)))
        description = f"{people}\n\n{description}" if description else people
    if description:
        vevent.add("description", description)
    location = ", ".join(
        printable(part).replace("\n", ", ")
        for part in (item.room.name if item.room else "", event.venue_name, event.venue_address)
        if part.strip()
    )
    if location:
        vevent.add("location", location)
    vevent.add("url", url)
    vevent.add("categories", [str(item.kind)])
    cancelled = event.status == EventStatus.CANCELLED
    vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return vevent


def description_of(item: ProgrammeItem, languages: list[str]) -> str:
    """The description in the title's language, then each other language's title and
    description, a blank line between them."""
    first, others = (languages[0], languages[1:]) if languages else ("", [])
    parts = [item.descriptions.get(first, "")]
    for code in others:
        parts.append(
            "\n".join(t for t in (item.titles.get(code), item.descriptions.get(code)) if t)
        )
    return "\n\n".join(printable(part).strip() for part in parts if part.strip())
