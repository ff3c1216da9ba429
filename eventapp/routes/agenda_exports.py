"""The agenda for other programs: iCalendar, the Frab schedule (XML and JSON), CSV and PDF;
a speaker's sessions as iCalendar; and for the organisers, the speakers as CSV and XLSX.

Each public export reads the latest release only (never the draft rows) with its live public
line-ups (`public_lineup`), answers 404 for an event that is not public or has nothing
released, and is a shared, conditional GET: ETag, Last-Modified, 304, and
`Access-Control-Allow-Origin: *` so any site may embed the schedule. Each costs three queries
(the event, its latest release, the line-ups), however long the agenda.

Absolute addresses come from EVENTAPP_BASE_URL, never from the request's Host header.
"""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, HTTPException, Request, Response
from sqlalchemy import select
from sqlmodel import Session

from eventapp import agenda, events, people
from eventapp.agenda import Programme, ProgrammeItem
from eventapp.config import get_settings
from eventapp.exports import frab, ical, pdf, tables
from eventapp.models import AgendaItem
from eventapp.public_lineup import OnStage, public_lineups
from eventapp.routes.access import EDITORS, CurrentUser, Db, RowId, event_for
from eventapp.routes.conditional import conditional
from eventapp.routes.public_agenda import reading_language

router = APIRouter()


@dataclass
class Published:
    programme: Programme
    released_at: datetime
    last_modified: datetime  # the release, or a later edit of the event (title, venue...)
    lineups: dict[int, list[OnStage]]  # live: a line-up change touches the event


def _published(db: Session, slug: str) -> Published:
    event = events.event_by_slug(db, slug)
    if event is None or not events.is_public(event):
        raise HTTPException(status_code=404)
    latest = agenda.latest_release(db, event)
    if latest is None:
        raise HTTPException(status_code=404)
    programme = Programme.from_snapshot(event, latest.snapshot, number=latest.number)
    lineups = public_lineups(db, event, [item.id for item in programme.items])
    return Published(
        programme, latest.released_at, max(latest.released_at, event.updated_at), lineups
    )


def _absolute(path: str) -> str:
    return get_settings().base_url + quote(path)


def _session_url(request: Request, slug: str):
    def url(item: ProgrammeItem) -> str:
        return _absolute(request.app.url_path_for("show_session", slug=slug, item_id=item.id))

    return url


def _speaker_url(request: Request, slug: str):
    # One route lookup rather than one per person.
    base = _absolute(request.app.url_path_for("show_speakers", slug=slug))

    def url(person_id: int) -> str:
        return f"{base}/{person_id}"

    return url


def _answer(
    request: Request,
    published: Published,
    body: bytes,
    media_type: str,
    headers: dict[str, str] | None = None,
) -> Response:
    response = Response(body, media_type=media_type, headers=headers)
    return conditional(request, response, last_modified=published.last_modified, shared=True)


def _calendar(request: Request, published: Published, items: list[ProgrammeItem]) -> bytes:
    event = published.programme.event
    return ical.calendar_of(
        published.programme,
        items,
        released_at=published.released_at,
        uid_host=urlsplit(get_settings().base_url).hostname or "localhost",
        session_url=_session_url(request, event.slug),
        lineups=published.lineups,
    )


ICALENDAR = "text/calendar; charset=utf-8"


@router.get("/events/{slug}/agenda.ics", name="agenda_ics")
def agenda_ics(request: Request, slug: str, db: Db) -> Response:
    published = _published(db, slug)
    body = _calendar(request, published, published.programme.items)
    return _answer(request, published, body, ICALENDAR)


@router.get("/events/{slug}/sessions/{item_id}.ics", name="session_ics")
def session_ics(request: Request, slug: str, item_id: RowId, db: Db) -> Response:
    published = _published(db, slug)
    item = published.programme.item(item_id)
    if item is None:
        raise HTTPException(status_code=404)
    return _answer(request, published, _calendar(request, published, [item]), ICALENDAR)


@router.get("/events/{slug}/speakers/{person_id}.ics", name="speaker_ics")
def speaker_ics(request: Request, slug: str, person_id: RowId, db: Db) -> Response:
    """The speaker's public sessions; 404 for anyone without one."""
    published = _published(db, slug)
    items = [
        item
        for item in published.programme.items
        if any(stage.person.id == person_id for stage in published.lineups.get(item.id, []))
    ]
    if not items:
        raise HTTPException(status_code=404)
    return _answer(request, published, _calendar(request, published, items), ICALENDAR)


def _schedule(request: Request, published: Published) -> dict:
    event = published.programme.event
    return frab.schedule(
        published.programme,
        base_url=get_settings().base_url,
        event_url=_absolute(request.app.url_path_for("show_event", slug=event.slug)),
        session_url=_session_url(request, event.slug),
        lineups=published.lineups,
        speaker_url=_speaker_url(request, event.slug),
    )


@router.get("/events/{slug}/schedule.xml", name="schedule_xml")
def schedule_xml(request: Request, slug: str, db: Db) -> Response:
    published = _published(db, slug)
    url = _absolute(request.app.url_path_for("schedule_xml", slug=published.programme.event.slug))
    body = frab.schedule_xml(_schedule(request, published), url=url)
    return _answer(request, published, body, "application/xml; charset=utf-8")


@router.get("/events/{slug}/schedule.json", name="schedule_json")
def schedule_json(request: Request, slug: str, db: Db) -> Response:
    published = _published(db, slug)
    body = frab.schedule_json(_schedule(request, published))
    return _answer(request, published, body, "application/json")


@router.get("/events/{slug}/agenda.csv", name="agenda_csv")
def agenda_csv(request: Request, slug: str, db: Db) -> Response:
    published = _published(db, slug)
    body = tables.agenda_csv(published.programme, published.lineups)
    disposition = _attachment(f"{published.programme.event.slug}-agenda.csv")
    return _answer(
        request, published, body, "text/csv; charset=utf-8", {"Content-Disposition": disposition}
    )


@router.get("/events/{slug}/agenda.pdf", name="agenda_pdf")
def agenda_pdf(request: Request, slug: str, db: Db) -> Response:
    """A4, one page per day, in the reader's language (seconds for a large event: the public
    cache keeps it until the next release)."""
    published = _published(db, slug)
    event = published.programme.event
    body = pdf.agenda_pdf(
        published.programme,
        events.hosts_of(db, [event.id])[event.id],
        language=reading_language(event),
        released_at=published.released_at,
        lineups=published.lineups,
    )
    disposition = _attachment(f"{event.slug}-agenda.pdf", inline=True)
    return _answer(
        request, published, body, "application/pdf", {"Content-Disposition": disposition}
    )


# For the organisers ---------------------------------------------------------------------------


def _speaker_rows(db: Session, event_id: int, user) -> tuple[str, list[list[str]]]:
    """The event's slug and the speakers table: everyone on the draft's line-up, every status,
    with private contact details (owners and organisers only). Two queries after the access
    check, however many people."""
    event, _role = event_for(db, user, event_id, EDITORS)
    items = db.scalars(select(AgendaItem).where(AgendaItem.event_id == event.id))
    return event.slug, tables.speaker_rows(event, people.lineups(db, event), items)


PRIVATE = {"Cache-Control": "no-store"}


@router.get("/manage/events/{event_id}/speakers.csv", name="speakers_csv")
def speakers_csv(event_id: RowId, db: Db, user: CurrentUser) -> Response:
    slug, rows = _speaker_rows(db, event_id, user)
    disposition = _attachment(f"{slug}-speakers.csv")
    return Response(
        tables.csv_bytes(rows),
        media_type="text/csv; charset=utf-8",
        headers={**PRIVATE, "Content-Disposition": disposition},
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/manage/events/{event_id}/speakers.xlsx", name="speakers_xlsx")
def speakers_xlsx(event_id: RowId, db: Db, user: CurrentUser) -> Response:
    slug, rows = _speaker_rows(db, event_id, user)
    disposition = _attachment(f"{slug}-speakers.xlsx")
    return Response(
        tables.xlsx_bytes(rows, title="Speakers"),
        media_type=XLSX,
        headers={**PRIVATE, "Content-Disposition": disposition},
    )


def _attachment(filename: str, *, inline: bool = False) -> str:
    """RFC 6266: an ASCII name for old clients, the real (perhaps Thai) one in filename*."""
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in filename)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
