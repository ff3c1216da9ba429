"""The participant list: confirmed attendees who opted in to it, by family name.

    GET /events/{slug}/participants                 when the organisers made it public
    GET /registrations/{token}/participants         for a confirmed attendee, through their
                                                    personal link, when it is for attendees
                                                    (or public)

It shows name, position, organisation and country, nothing else (never an email). Anonymised
registrations are never listed. When the list is off, both answer 404, as does the public one
when it is for attendees only, and the attendee's when their registration is not confirmed.
The attendee's page is private to the holder of the link: never stored, never indexed, no
referrer. Neither is in the public page cache (public_cache.CACHEABLE), so an opt-in or an
opt-out shows at once. 100 a page.
"""

from dataclasses import dataclass

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlmodel import Session

from eventapp import i18n, questions, registration
from eventapp.models import (
    Event,
    ParticipantList,
    Registration,
    RegistrationSettings,
    RegistrationStatus,
)
from eventapp.routes.access import Db, OptionalUser
from eventapp.routes.public_agenda import _visible_event
from eventapp.templating import render

router = APIRouter()

PAGE_SIZE = 100
PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Robots-Tag": "noindex, nofollow",
}


@dataclass
class Participant:
    name: str
    position: str
    organisation: str
    country: str


def list_setting(db: Session, event: Event) -> ParticipantList:
    """Who sees the event's participant list (off when registration was never set up)."""
    value = db.scalar(
        select(RegistrationSettings.participant_list).where(
            RegistrationSettings.event_id == event.id
        )
    )
    return ParticipantList(value) if value else ParticipantList.OFF


def _listed(event: Event):
    return (
        Registration.event_id == event.id,
        Registration.status == RegistrationStatus.CONFIRMED,
        Registration.in_participant_list.is_(True),
        Registration.anonymised_at.is_(None),
    )


def participants(db: Session, event: Event, *, page: int) -> tuple[list[Participant], int]:
    """One page of the list and how many there are in all (two queries, however many)."""
    total = db.scalar(select(func.count()).select_from(Registration).where(*_listed(event)))
    rows = db.execute(
        select(
            Registration.honorific,
            Registration.given_name,
            Registration.family_name,
            Registration.position,
            Registration.organisation,
            Registration.country,
        )
        .where(*_listed(event))
        .order_by(
            func.lower(Registration.family_name),
            func.lower(Registration.given_name),
            Registration.id,
        )
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    language = i18n.current_language()
    shown = [
        Participant(
            name=" ".join(part for part in (honorific, given, family) if part),
            position=position,
            organisation=organisation,
            country=questions.country_name(country, language) if country else "",
        )
        for honorific, given, family, position, organisation, country in rows
    ]
    return shown, total or 0


def _number(page: str) -> int:
    """The page asked for; 0 (answered 404) for anything but a page number."""
    return int(page) if page.isdigit() and len(page) <= 6 else 0


def _page(
    request: Request,
    db: Session,
    event: Event,
    page: int,
    *,
    token: str = "",
    headers: dict[str, str] | None = None,
) -> Response:
    if page < 1:
        raise HTTPException(status_code=404, headers=headers)
    shown, total = participants(db, event, page=page)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    if page > pages:
        raise HTTPException(status_code=404, headers=headers)
    context = {
        "event": event,
        "participants": shown,
        "total": total,
        "pages": {
            "page": page,
            "last": pages,
            "previous": page - 1 if page > 1 else None,
            "next": page + 1 if page < pages else None,
        },
        "path": request.url.path,
        "token": token,
    }
    return render(request, "public/participants.html", context, headers=headers)


@router.get("/events/{slug}/participants", name="show_participants")
def show_participants(
    request: Request,
    slug: str,
    db: Db,
    user: OptionalUser,
    page: str = "1",
):
    event = _visible_event(db, slug, user)
    if list_setting(db, event) != ParticipantList.PUBLIC:
        raise HTTPException(status_code=404)
    return _page(request, db, event, _number(page))


@router.get("/registrations/{token}/participants", name="show_participants_for_attendee")
def show_participants_for_attendee(request: Request, token: str, db: Db, page: str = "1"):
    holder = registration.by_token(db, token)
    event = db.get(Event, holder.event_id) if holder else None
    if (
        holder is None
        or event is None
        or holder.status != RegistrationStatus.CONFIRMED
        or holder.anonymised_at is not None
        or list_setting(db, event) == ParticipantList.OFF
    ):
        raise HTTPException(status_code=404, headers=PRIVATE_HEADERS)
    return _page(request, db, event, _number(page), token=token, headers=PRIVATE_HEADERS)
