"""Public speaker pages: the line-up as cards, and one speaker with their bio and sessions.

Who shows: everyone with at least one public appearance (`people.is_public`) on an item of the
latest release (`public_lineup`); anyone else, another team's person included, answers 404,
as does an event the agenda pages would hide (`public_agenda._visible_event`). Email and
phone are never shown. The speaker's calendar (.ics) is an export: see `agenda_exports`.
"""

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, HTTPException, Request
from sqlmodel import Session

from eventapp import agenda
from eventapp.agenda import Programme, ProgrammeItem
from eventapp.models import Event, Person, User
from eventapp.people import NameStyle, name_for
from eventapp.public_lineup import (
    OnStage,
    Photo,
    arrange,
    photos,
    public_lineups,
    public_speakers,
    role_label,
)
from eventapp.routes.access import Db, OptionalUser, RowId
from eventapp.routes.conditional import conditional
from eventapp.routes.public_agenda import (
    _last_modified,
    _visible_event,
    reading_language,
    texts_in,
)
from eventapp.templating import render

router = APIRouter()


@dataclass
class Published:
    event: Event
    programme: Programme | None
    released_at: datetime | None
    lineups: dict[int, list[OnStage]]


def _published(db: Session, slug: str, user: User | None) -> Published:
    event = _visible_event(db, slug, user)
    latest = agenda.latest_release(db, event)
    if latest is None:
        return Published(event, None, None, {})
    programme = Programme.from_snapshot(event, latest.snapshot, number=latest.number)
    lineups = public_lineups(db, event, [item.id for item in programme.items])
    return Published(event, programme, latest.released_at, lineups)


def _speakers_path(request: Request, event: Event) -> str:
    return str(request.app.url_path_for("show_speakers", slug=event.slug))


@router.get("/events/{slug}/speakers", name="show_speakers")
def show_speakers(request: Request, slug: str, db: Db, user: OptionalUser):
    published = _published(db, slug, user)
    event = published.event
    items = published.programme.items if published.programme else []
    speakers = public_speakers(published.lineups, [item.id for item in items])
    thumbnails = photos(db, [speaker.person.thumbnail_id for speaker in speakers])
    for speaker in speakers:
        speaker.thumbnail = thumbnails.get(speaker.person.thumbnail_id)
    context = {
        "event": event,
        "groups": arrange(speakers, event.lineup_order),
        "speakers_path": _speakers_path(request, event) + "/",
        # "/media/": one route lookup rather than one per photo.
        "media_path": str(request.app.url_path_for("media", key="-"))[:-1],
    }
    response = render(request, "public/speakers.html", context)
    return conditional(
        request, response, last_modified=_last_modified(event, published.released_at)
    )


@dataclass
class Appearing:
    """One session of the speaker's, as their page lists it."""

    item: ProgrammeItem
    title: str
    title_lang: str
    role: str
    is_confirmed: bool


@router.get("/events/{slug}/speakers/{person_id:int}", name="show_speaker")
def show_speaker(request: Request, slug: str, person_id: RowId, db: Db, user: OptionalUser):
    # `:int` leaves /speakers/{id}.ics to the calendar export.
    published = _published(db, slug, user)
    event, programme = published.event, published.programme
    language = reading_language(event)
    sessions: list[Appearing] = []
    for item in programme.items if programme else []:
        for stage in published.lineups.get(item.id, []):
            if stage.person.id == person_id:
                (title,) = texts_in(item.titles, event, language, both=False)
                sessions.append(
                    Appearing(
                        item, title.text, title.lang, role_label(stage.role), stage.is_confirmed
                    )
                )
    if not sessions:  # not on a public line-up of this event
        raise HTTPException(status_code=404)
    person = db.get(Person, person_id)  # the whole person: bio, website, country, photo
    photo_id = person.photo_id or person.thumbnail_id
    photo: Photo | None = photos(db, [photo_id]).get(photo_id) if photo_id else None
    bios = [text for text in texts_in(person.bios, event, language, both=False) if text.text]
    website = person.website if person.website.lower().startswith(("https://", "http://")) else ""
    context = {
        "event": event,
        "programme": programme,
        "person": person,
        "name": name_for(person, NameStyle.CARD),
        "photo": photo,
        "bio": bios[0] if bios else None,
        "website": website,
        "sessions": sessions,
        "speakers_url": _speakers_path(request, event),
        "sessions_path": str(request.app.url_path_for("show_event", slug=event.slug))
        + "/sessions/",
        "ics_url": f"{_speakers_path(request, event)}/{person.id}.ics",
    }
    response = render(request, "public/speaker.html", context)
    return conditional(
        request, response, last_modified=_last_modified(event, published.released_at)
    )
