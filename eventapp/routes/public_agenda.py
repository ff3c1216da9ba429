"""Public agenda pages: the programme by day, one session, the changes with their Atom feed,
the "newer version" notice, and the organisers' preview of the draft through the same template.

Public pages read only the latest release (`agenda.published_programme`), never the draft rows;
the line-ups on them are live (`public_lineup`), not part of the release.
An unknown slug, an event that is not public (to anyone outside its team) or an item that is
not in the latest release answers 404. Every public answer carries ETag and Last-Modified and
answers a revalidation with 304 (`routes/conditional.py`).

A day of the agenda is a table: one row per time slot (between two consecutive start or end
times of that day), one column per room used that day. An item spans its slots (rowspan) and a
plenary item spans every column (colspan), so no inline style is needed (the CSP forbids it);
on a phone the same table reads as a list (CSS only). Items that overlap in one room, or overlap
a plenary item, cannot share a cell: such a day is laid out as one row per item instead.

    time  | Room A              | Room B
    09:00 | Opening (plenary: colspan 2)
    09:30 | Panel (rowspan 2)   | Talk
    10:00 |                     | Talk
"""

import uuid
import xml.etree.ElementTree as ET
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

from babel.dates import format_date, format_skeleton
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlmodel import Session

from eventapp import agenda, events, i18n
from eventapp.agenda import Programme, ProgrammeItem, ProgrammeRoom
from eventapp.config import get_settings
from eventapp.exports import report as report_export
from eventapp.i18n import _
from eventapp.models import AgendaRelease, Event, User, utcnow
from eventapp.public_lineup import OnStage, by_role, public_lineups, role_label
from eventapp.routes.access import EDITORS, CurrentUser, Db, OptionalUser, RowId, event_for, role_in
from eventapp.routes.conditional import conditional
from eventapp.templating import local_time, render

router = APIRouter()

ATOM = "http://www.w3.org/2005/Atom"
# Atom ids are urn:uuid values derived from this namespace, the event and the release number,
# so they never change when the event is renamed or the site moves to another address.
FEED_NAMESPACE = uuid.UUID("60d7a36b-cf16-4823-bc7b-3fec8a1b9d19")


def current_time() -> datetime:
    """The clock the "now" marker reads (tests replace it)."""
    return utcnow()


# Who may see what ----------------------------------------------------------------------------


def _visible_event(db: Session, slug: str, user: User | None) -> Event:
    """The event, or 404 when it is unknown or not public and the caller is not in its team."""
    event = events.event_by_slug(db, slug)
    if event is None:
        raise HTTPException(status_code=404)
    if not events.is_public(event) and (user is None or role_in(db, user, event) is None):
        raise HTTPException(status_code=404)
    return event


def _latest_stamp(db: Session, event: Event) -> tuple[int, datetime | None]:
    """The latest release's number and time without its snapshot: the polled answers stay cheap."""
    row = db.execute(
        select(AgendaRelease.number, AgendaRelease.released_at)
        .where(AgendaRelease.event_id == event.id)
        .order_by(AgendaRelease.number.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else (0, None)


def _last_modified(event: Event, *moments: datetime | None) -> datetime:
    return max([event.updated_at, *(m for m in moments if m is not None)])


def _is_on(value: str) -> bool:
    return value in ("1", "true", "yes", "on")


# Languages -----------------------------------------------------------------------------------


@dataclass
class Text:
    lang: str
    text: str


def reading_language(event: Event) -> str:
    """The interface language when the event is held in it, else the event's first language."""
    current = i18n.current_language()
    languages = event.language_list
    if current in languages or not languages:
        return current
    return languages[0]


def texts_in(texts: dict[str, str], event: Event, language: str, *, both: bool) -> list[Text]:
    """The text in `language`, else in the first event language that has it; with `both`,
    every language that has one, the reading language first."""
    order = [language] + [code for code in event.language_list if code != language]
    order += [code for code in texts if code not in order]
    found = [Text(code, texts[code]) for code in order if (texts.get(code) or "").strip()]
    if not found:
        return [Text(language, "")]
    return found if both else found[:1]


# The agenda table ----------------------------------------------------------------------------


@dataclass
class Cell:
    item: ProgrammeItem
    titles: list[Text]
    rows: int = 1
    columns: int = 1
    is_now: bool = False
    lineup: list[OnStage] = field(default_factory=list)

    @property
    def lineup_html(self) -> Markup:
        """Compact, a line per role: "Panellists: B, C" (see titles_html for why)."""
        return lineup_html(self.lineup)

    @property
    def titles_html(self) -> Markup:
        """As the `texts` macro writes them; built here because a macro call per cell costs
        more than the rest of the cell on a 300-item agenda."""
        return Markup(  # noqa: S704  (every value escaped)
            "".join(
                f'<span class="title-lang" lang="{escape(t.lang)}">{escape(t.text)}</span>'
                for t in self.titles
            )
        )


def lineup_html(lineup: list[OnStage]) -> Markup:
    if not lineup:
        return Markup("")
    pending = f' <span class="lineup-tbc">({escape(_("to be confirmed"))})</span>'
    groups = []
    for group in by_role(lineup):
        names = ", ".join(
            f'<span class="lineup-name">{escape(stage.name)}</span>'
            + ("" if stage.is_confirmed else pending)
            for stage in group.people
        )
        label = escape(_("%(role)s:", role=group.label))
        groups.append(f'<li><span class="lineup-role">{label}</span> {names}</li>')
    return Markup('<ul class="agenda-lineup">' + "".join(groups) + "</ul>")  # noqa: S704  (escaped)


def when_html(programme: Programme, item: ProgrammeItem) -> Markup:
    """As the `time_range` macro writes it (see Cell.titles_html for why it is built here)."""
    zone = programme.event.timezone
    start, end = programme.local(item.starts_at), programme.local(item.ends_at)
    return Markup(  # noqa: S704  (every value escaped)
        f'<time datetime="{start.isoformat()}">{escape(local_time(item.starts_at, zone))}</time>'
        f'–<time datetime="{end.isoformat()}">{escape(local_time(item.ends_at, zone))}</time>'
    )


@dataclass
class Slot:
    starts_at: datetime
    ends_at: datetime
    # None: nothing in that column. Columns spanned from a row above are left out.
    cells: list[Cell | None]
    is_now: bool = False

    @property
    def has_starts(self) -> bool:
        return any(cell is not None for cell in self.cells)


@dataclass
class Day:
    date: date
    label: str
    rooms: list[ProgrammeRoom]  # the columns; empty when there are only plenary items
    slots: list[Slot]
    is_grid: bool = True

    @property
    def width(self) -> int:
        return max(1, len(self.rooms))


def lay_out_day(
    day: date,
    items: list[ProgrammeItem],
    rooms: list[ProgrammeRoom],
    *,
    now: datetime,
    titles: Callable[[ProgrammeItem], list[Text]],
    lineups: dict[int, list[OnStage]] | None = None,
) -> Day:
    """The day's table; `titles` gives each item's titles in the languages shown, `lineups`
    each item's public line-up."""
    lineups = lineups or {}
    label = format_date(day, "full", locale=i18n.current_language())
    used = {item.room.id for item in items if item.room is not None}
    columns = [room for room in rooms if room.id in used]
    width = max(1, len(columns))
    column_of = {room.id: n for n, room in enumerate(columns)}
    times = sorted({moment for item in items for moment in (item.starts_at, item.ends_at)})
    taken = [[False] * width for _slot in range(max(0, len(times) - 1))]
    starting: dict[tuple[int, int], Cell] = {}
    for item in items:
        first, last = bisect_left(times, item.starts_at), bisect_left(times, item.ends_at)
        spanned = list(range(width)) if item.room is None else [column_of[item.room.id]]
        if any(taken[row][col] for row in range(first, last) for col in spanned):
            return _one_row_per_item(day, label, items, now=now, titles=titles, lineups=lineups)
        for row in range(first, last):
            for col in spanned:
                taken[row][col] = True
        starting[(first, spanned[0])] = Cell(
            item,
            titles(item),
            last - first,
            len(spanned),
            _is_running(item, now),
            lineups.get(item.id, []),
        )
    slots = []
    for row in range(len(times) - 1):
        cells: list[Cell | None] = []
        for col in range(width):
            if (row, col) in starting:
                cells.append(starting[(row, col)])
            elif not taken[row][col]:
                cells.append(None)
        slots.append(Slot(times[row], times[row + 1], cells, times[row] <= now < times[row + 1]))
    return Day(day, label, columns, slots)


def _one_row_per_item(
    day: date,
    label: str,
    items: list[ProgrammeItem],
    *,
    now: datetime,
    titles: Callable[[ProgrammeItem], list[Text]],
    lineups: dict[int, list[OnStage]],
) -> Day:
    slots = []
    marked = False
    for item in items:
        is_now = _is_running(item, now)
        slots.append(
            Slot(
                item.starts_at,
                item.ends_at,
                [Cell(item, titles(item), is_now=is_now, lineup=lineups.get(item.id, []))],
                is_now=is_now and not marked,  # one "now" anchor on the page
            )
        )
        marked = marked or is_now
    return Day(day, label, [], slots, is_grid=False)


def _is_running(item: ProgrammeItem, now: datetime) -> bool:
    return item.starts_at <= now < item.ends_at


def _marker_moved_at(programme: Programme, now: datetime) -> datetime | None:
    """When the "now" marker last moved: the page changed then, whatever else did not."""
    passed = [
        moment
        for item in programme.items
        for moment in (item.starts_at, item.ends_at)
        if moment <= now
    ]
    return max(passed, default=None)


def _agenda_page(
    request: Request,
    db: Session,
    event: Event,
    programme: Programme | None,
    *,
    released_at: datetime | None,
    both: bool,
    page_url: str,
    preview_role: str | None = None,
) -> Response:
    language = reading_language(event)
    now = current_time()
    days = []
    if programme is not None:
        lineups = public_lineups(db, event, [item.id for item in programme.items])
        days = [
            lay_out_day(
                day,
                items,
                programme.rooms,
                now=now,
                titles=lambda item: texts_in(item.titles, event, language, both=both),
                lineups=lineups,
            )
            for day, items in programme.days()
        ]
    is_preview = preview_role is not None
    notice_url = None
    if not is_preview:
        notice_url = f"{page_url}/notice?seen={programme.number if programme else 0}"
        notice_url += "&both=1" if both else ""
    context = {
        "event": event,
        "programme": programme,
        "released_at": released_at,
        "days": days,
        "has_now": any(slot.is_now for day in days for slot in day.slots),
        "both": both,
        "page_url": page_url,
        "session_query": "?both=1" if both else "",
        "when_html": when_html,
        # "/events/{slug}/sessions/": one route lookup rather than one per item.
        "sessions_path": _event_path(request, event) + "/sessions/",
        "speakers_url": str(request.app.url_path_for("show_speakers", slug=event.slug)),
        "kinds": agenda.kind_labels(),
        "is_preview": is_preview,
        "role": preview_role,
        "notice_url": notice_url,
        "is_newer": False,
    }
    response = render(request, "public/agenda.html", context)
    if is_preview:
        response.headers["Cache-Control"] = "no-store"
        return response
    moved_at = _marker_moved_at(programme, now) if programme else None
    return conditional(
        request, response, last_modified=_last_modified(event, released_at, moved_at)
    )


def _agenda_path(request: Request, event: Event) -> str:
    return str(request.app.url_path_for("show_agenda", slug=event.slug))


def _event_path(request: Request, event: Event) -> str:
    return str(request.app.url_path_for("show_event", slug=event.slug))


@router.get("/events/{slug}/agenda", name="show_agenda")
def show_agenda(request: Request, slug: str, db: Db, user: OptionalUser, both: str = ""):
    event = _visible_event(db, slug, user)
    latest = agenda.latest_release(db, event)
    programme = None
    if latest is not None:
        programme = Programme.from_snapshot(event, latest.snapshot, number=latest.number)
    return _agenda_page(
        request,
        db,
        event,
        programme,
        released_at=latest.released_at if latest else None,
        both=_is_on(both),
        page_url=_agenda_path(request, event),
    )


@router.get("/manage/events/{event_id}/agenda/preview", name="preview_agenda")
def preview_agenda(request: Request, event_id: RowId, db: Db, user: CurrentUser, both: str = ""):
    """The draft through the public template, for the owners and organisers."""
    event, role = event_for(db, user, event_id, EDITORS)
    return _agenda_page(
        request,
        db,
        event,
        agenda.draft_programme(db, event),
        released_at=None,
        both=_is_on(both),
        page_url=str(request.app.url_path_for("preview_agenda", event_id=event.id)),
        preview_role=str(role),
    )


# The newer-version notice --------------------------------------------------------------------


@router.get("/events/{slug}/agenda/version", name="agenda_version")
def agenda_version(request: Request, slug: str, db: Db, user: OptionalUser) -> Response:
    """{"release": N}: the latest release number (0 before the first), for pollers."""
    event = _visible_event(db, slug, user)
    number, released_at = _latest_stamp(db, event)
    response = JSONResponse({"release": number}, headers={"Cache-Control": "no-cache"})
    return conditional(request, response, last_modified=_last_modified(event, released_at))


@router.get("/events/{slug}/agenda/notice", name="agenda_notice")
def agenda_notice(
    request: Request, slug: str, db: Db, user: OptionalUser, seen: str = "", both: str = ""
) -> Response:
    """What the agenda page polls: a reload notice when a release newer than `seen` is out,
    else nothing (an empty answer swaps in nothing)."""
    event = _visible_event(db, slug, user)
    number, released_at = _latest_stamp(db, event)
    seen_number = int(seen) if seen.isdigit() else 0
    context = {
        "event": event,
        "is_newer": number > seen_number,
        "page_url": _agenda_path(request, event),
        "both": _is_on(both),
    }
    response = render(request, "public/_agenda_notice.html", context)
    return conditional(request, response, last_modified=_last_modified(event, released_at))


# One session ---------------------------------------------------------------------------------


@router.get("/events/{slug}/sessions/{item_id:int}", name="show_session")
def show_session(
    request: Request, slug: str, item_id: RowId, db: Db, user: OptionalUser, both: str = ""
):
    # `:int` leaves /sessions/{id}.ics to the calendar export.
    event = _visible_event(db, slug, user)
    latest = agenda.latest_release(db, event)
    if latest is None:
        raise HTTPException(status_code=404)
    programme = Programme.from_snapshot(event, latest.snapshot, number=latest.number)
    item = programme.item(item_id)
    if item is None:
        raise HTTPException(status_code=404)
    language = reading_language(event)
    show_both = _is_on(both)
    agenda_url = _agenda_path(request, event)
    lineup = public_lineups(db, event, [item.id]).get(item.id, [])
    context = {
        "event": event,
        "programme": programme,
        "item": item,
        "titles": texts_in(item.titles, event, language, both=show_both),
        "descriptions": [
            text
            for text in texts_in(item.descriptions, event, language, both=show_both)
            if text.text
        ],
        "kind": agenda.kind_labels().get(item.kind, str(item.kind)),
        "lineup": lineup,
        "summary": report_export.session_summary(db, event, item, language=language, lineup=lineup),
        "role_label": role_label,
        # "/events/{slug}/speakers/": one route lookup rather than one per person.
        "speakers_path": _event_path(request, event) + "/speakers/",
        "both": show_both,
        "page_url": str(request.app.url_path_for("show_session", slug=event.slug, item_id=item.id)),
        "agenda_url": agenda_url + ("?both=1" if show_both else ""),
        # The calendar export's own route; linked by its path.
        "ics_url": f"{_event_path(request, event)}/sessions/{item.id}.ics",
    }
    response = render(request, "public/session.html", context)
    return conditional(request, response, last_modified=_last_modified(event, latest.released_at))


# The changes ---------------------------------------------------------------------------------


@dataclass
class ChangeLine:
    kind: str  # added, moved, retitled, updated, cancelled, room
    text: str
    title: str = ""
    place: str = ""
    item_id: int | None = None  # set when the item is in the latest release


@dataclass
class ReleaseView:
    number: int
    released_at: datetime
    comment: str
    lines: list[ChangeLine]


def _rooms(snapshot: dict[str, Any]) -> dict[int, str]:
    return {room["id"]: room["name"] for room in snapshot.get("rooms", [])}


class ChangeWords:
    """Puts a release's changelog entries into words, times in the event's timezone."""

    def __init__(self, event: Event, current: dict[str, int], language: str) -> None:
        self.event = event
        self.language = language
        self.current = current  # uid -> item id in the latest release
        self.multi_day = len(agenda.event_days(event)) > 1

    def place(self, brief: dict[str, Any], rooms: dict[int, str]) -> str:
        zone = self.event.timezone
        start = datetime.fromisoformat(brief["starts_at"])
        end = datetime.fromisoformat(brief["ends_at"])
        when = f"{local_time(start, zone)}–{local_time(end, zone)}"
        if self.multi_day:
            day = format_skeleton(
                "MMMEd",
                start.astimezone(agenda.zone_of(self.event)),
                locale=i18n.current_language(),
            )
            when = f"{day}, {when}"
        room_id = brief.get("room_id")
        room = rooms.get(room_id) if room_id is not None else None
        return f"{when} ({room or _('All rooms')})"

    def title(self, titles: dict[str, str]) -> str:
        return agenda.title_of(titles, self.event.language_list, self.language)

    def line(
        self, change: dict[str, Any], *, after_rooms: dict[int, str], before_rooms: dict[int, str]
    ) -> ChangeLine:
        kind = change["change"]
        after, before = change["after"], change.get("before")
        line = ChangeLine(kind, "", title=self.title(after["titles"]))
        if kind != "cancelled":
            line.item_id = self.current.get(change["uid"])
        if kind == "added":
            line.text, line.place = _("Added"), self.place(after, after_rooms)
        elif kind == "cancelled":
            # The cancelled item's last state is under "after"; its room is the previous one's.
            line.text = _("Cancelled")
            line.place = self.place(after, {**after_rooms, **before_rooms})
        elif kind == "moved" and before is not None:
            line.text = _(
                "Moved from %(before)s to %(after)s",
                before=self.place(before, {**after_rooms, **before_rooms}),
                after=self.place(after, after_rooms),
            )
        elif kind == "retitled" and before is not None:
            old, new = self._differing_titles(before["titles"], after["titles"])
            line.text = _("Retitled from “%(before)s” to “%(after)s”", before=old, after=new)
        else:
            line.text, line.place = _("Updated"), self.place(after, after_rooms)
        return line

    def _differing_titles(self, before: dict[str, str], after: dict[str, str]) -> tuple[str, str]:
        """The titles in the reading language, or in the first language whose title changed."""
        old, new = self.title(before), self.title(after)
        if old != new:
            return old, new
        for code in self.event.language_list:
            if before.get(code, "") != after.get(code, ""):
                return before.get(code, ""), after.get(code, "")
        return old, new

    def room_lines(self, before: dict[int, str], after: dict[int, str]) -> list[ChangeLine]:
        return [
            ChangeLine(
                "room",
                _("Room “%(before)s” renamed “%(after)s”", before=before[room_id], after=name),
            )
            for room_id, name in after.items()
            if room_id in before and before[room_id] != name
        ]


def release_views(db: Session, event: Event) -> list[ReleaseView]:
    """Every release, newest first, with its changes in words."""
    releases = agenda.releases_of(db, event)
    if not releases:
        return []
    current = {item["uid"]: item["id"] for item in releases[0].snapshot.get("items", [])}
    words = ChangeWords(event, current, reading_language(event))
    views = []
    for index, release in enumerate(releases):
        previous = releases[index + 1] if index + 1 < len(releases) else None
        after_rooms = _rooms(release.snapshot)
        before_rooms = _rooms(previous.snapshot) if previous else {}
        lines = [
            words.line(change, after_rooms=after_rooms, before_rooms=before_rooms)
            for change in release.changes
        ]
        lines += words.room_lines(before_rooms, after_rooms)
        views.append(ReleaseView(release.number, release.released_at, release.comment, lines))
    return views


@router.get("/events/{slug}/agenda/changes", name="show_agenda_changes")
def show_agenda_changes(request: Request, slug: str, db: Db, user: OptionalUser):
    event = _visible_event(db, slug, user)
    releases = release_views(db, event)
    context = {"event": event, "releases": releases}
    response = render(request, "public/changelog.html", context)
    latest = releases[0].released_at if releases else None
    return conditional(request, response, last_modified=_last_modified(event, latest))


def _atom_id(event: Event, *parts: object) -> str:
    created = int(event.created_at.replace(microsecond=0).timestamp())
    key = "/".join(str(part) for part in (event.id, created, *parts))
    return f"urn:uuid:{uuid.uuid5(FEED_NAMESPACE, key)}"


def _atom_time(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _entry_html(release: ReleaseView) -> str:
    parts = [f"<p>{escape(release.comment)}</p>"] if release.comment else []
    items = []
    for line in release.lines:
        words = " — ".join(part for part in (line.title, line.text, line.place) if part)
        items.append(f"<li>{escape(words)}</li>")
    if items:
        parts.append("<ul>" + "".join(items) + "</ul>")
    return "".join(parts)


def atom_feed(
    event: Event,
    releases: list[ReleaseView],
    *,
    authors: list[str],
    feed_url: str,
    page_url: str,
) -> bytes:
    """The changes as Atom 1.0 (RFC 4287): one entry per release, newest first."""

    def add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str):
        element = ET.SubElement(parent, tag, attributes)
        element.text = text
        return element

    # Plain names with the Atom namespace declared on the root: ElementTree's namespace
    # handling would prefix every element or refuse the unqualified attributes.
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": i18n.current_language()})
    add(feed, "id", _atom_id(event, "agenda-changes"))
    add(feed, "title", _("Agenda changes: %(event)s", event=event.title))
    updated = _last_modified(event, releases[0].released_at if releases else None)
    add(feed, "updated", _atom_time(updated))
    add(feed, "link", rel="self", type="application/atom+xml", href=feed_url)
    add(feed, "link", rel="alternate", type="text/html", href=page_url)
    for name in authors or [event.title]:
        add(add(feed, "author"), "name", name)
    for release in releases:
        entry = add(feed, "entry")
        add(entry, "id", _atom_id(event, "release", release.number))
        add(entry, "title", _("Version %(number)s", number=release.number))
        add(entry, "published", _atom_time(release.released_at))
        add(entry, "updated", _atom_time(release.released_at))
        add(
            entry,
            "link",
            rel="alternate",
            type="text/html",
            href=f"{page_url}#release-{release.number}",
        )
        add(entry, "content", _entry_html(release) or None, type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


@router.get("/events/{slug}/agenda/changes.atom", name="agenda_feed")
def agenda_feed(request: Request, slug: str, db: Db, user: OptionalUser) -> Response:
    event = _visible_event(db, slug, user)
    releases = release_views(db, event)
    hosts = events.hosts_of(db, [event.id]).get(event.id, [])
    # Absolute addresses come from EVENTAPP_BASE_URL, never from the request's Host header.
    base = get_settings().base_url
    path = quote(str(request.app.url_path_for("agenda_feed", slug=event.slug)))
    body = atom_feed(
        event,
        releases,
        authors=[organisation.name for organisation, _logo in hosts],
        feed_url=base + path,
        page_url=base
        + quote(str(request.app.url_path_for("show_agenda_changes", slug=event.slug))),
    )
    response = Response(body, media_type="application/atom+xml; charset=utf-8")
    latest = releases[0].released_at if releases else None
    return conditional(request, response, last_modified=_last_modified(event, latest))
