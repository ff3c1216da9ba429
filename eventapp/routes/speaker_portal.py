"""A speaker's own page, reached by the secret link in their invitation: no account, no login.

    GET  /speaker/{token}                          the event, their sessions, their profile
    POST /speaker/{token}/appearances/{id}         confirm or decline one appearance
    POST /speaker/{token}/profile                  correct position, organisation, bios (or
                                                   preview the bios without saving)
    POST /speaker/{token}/photo                    a new photo

An unknown, altered or revoked token answers 404, as does another speaker's appearance. The
page is private to whoever holds the link: it is never cached, never indexed, and sends no
referrer (the token is in its address). Forms are plain posts first (303, or 422/409 with the
reasons beside the fields); htmx swaps the sessions or the profile block.
"""

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from eventapp import agenda, people, uploads
from eventapp.events import StaleEdit
from eventapp.forms import Submitted, form_values, int_or_none, parse, see_other
from eventapp.i18n import gettext as _
from eventapp.i18n import language_name
from eventapp.models import (
    AgendaItem,
    Appearance,
    AppearanceStatus,
    Event,
    Person,
    Speaker,
    Upload,
)
from eventapp.public_lineup import role_label
from eventapp.routes.access import Db, RowId
from eventapp.routes.manage_agenda.item_form import time_range
from eventapp.routes.manage_events import differences
from eventapp.templating import is_htmx_fragment_request, path_for, render

router = APIRouter()

PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Robots-Tag": "noindex, nofollow",
}
POSITION_MAX = 300
ORGANISATION_MAX = 300
ANSWERS = {"confirm": AppearanceStatus.CONFIRMED, "decline": AppearanceStatus.DECLINED}


def status_labels() -> dict[str, str]:
    return {
        AppearanceStatus.INVITED: _("Awaiting your answer"),
        AppearanceStatus.CONFIRMED: _("Confirmed"),
        AppearanceStatus.DECLINED: _("Declined"),
        AppearanceStatus.WITHDRAWN: _("Withdrawn by the organisers"),
    }


def done_message(done: str | None) -> str:
    return {
        "confirmed": _("Thank you: your participation is confirmed."),
        "declined": _("Your answer is saved: you declined. You can still confirm later."),
        "profile": _("Your profile is saved. The organisers have been told what changed."),
        "unchanged": _("Nothing was changed."),
        "photo": _("Your photo is saved."),
    }.get(done or "", "")


# Which block shows the notice of each `?done=` key.
NOTICE_IN = {
    "confirmed": "sessions",
    "declined": "sessions",
    "profile": "profile",
    "unchanged": "profile",
    "photo": "photo",
}


def profile_labels(event: Event) -> dict[str, str]:
    labels = {"position": _("Position"), "organisation": _("Organisation")}
    for code in event.language_list:
        labels[f"bio_{code}"] = _("Biography (%(language)s)", language=language_name(code))
    return labels


# Finding the speaker -------------------------------------------------------------------------


@dataclass
class Portal:
    speaker: Speaker
    event: Event
    person: Person


def _portal(db: Db, token: str) -> Portal:
    """The link's speaker, event and person, or 404 (unknown, altered or revoked link)."""
    speaker = people.speaker_by_token(db, token)
    event = db.get(Event, speaker.event_id) if speaker else None
    person = db.get(Person, speaker.person_id) if speaker else None
    if speaker is None or event is None or person is None:
        raise HTTPException(status_code=404, headers=PRIVATE_HEADERS)
    return Portal(speaker, event, person)


@dataclass
class AppearanceView:
    """One appearance as the speaker sees it."""

    appearance: Appearance
    item: AgendaItem
    title: str
    day: str
    times: str
    room: str
    role: str
    status: str
    can_confirm: bool
    can_decline: bool


def _sessions(db: Db, portal: Portal) -> list[AppearanceView]:
    event = portal.event
    rooms = {room.id: room.name for room in agenda.rooms_of(db, event)}
    labels = status_labels()
    shown = []
    for appearance, item in people.appearances_of(db, portal.speaker):
        status = AppearanceStatus(appearance.status)
        shown.append(
            AppearanceView(
                appearance=appearance,
                item=item,
                title=agenda.title_of(item.titles, event.language_list) or _("Untitled"),
                day=agenda.local_day(event, item.starts_at).isoformat(),
                times=time_range(item.starts_at, item.ends_at, event),
                room=rooms.get(item.room_id, "") if item.room_id else _("Plenary (all rooms)"),
                role=role_label(appearance.role),
                status=labels[status],
                can_confirm=status in (AppearanceStatus.INVITED, AppearanceStatus.DECLINED),
                can_decline=status in (AppearanceStatus.INVITED, AppearanceStatus.CONFIRMED),
            )
        )
    return shown


def profile_values(event: Event, person: Person) -> dict[str, Any]:
    values: dict[str, Any] = {"position": person.position, "organisation": person.organisation}
    for code in event.language_list:
        values[f"bio_{code}"] = person.bios.get(code, "")
    return values


def _photo(db: Db, person: Person) -> Upload | None:
    upload_id = person.thumbnail_id or person.photo_id
    return db.get(Upload, upload_id) if upload_id else None


def _page(
    request: Request,
    db: Db,
    token: str,
    portal: Portal,
    *,
    block: str | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    version: int | None = None,
    theirs: list[dict[str, Any]] | None = None,
    previews: dict[str, str] | None = None,
    photo_error: str = "",
    done: str = "",
    problem: str = "",
    status_code: int = 200,
) -> Response:
    """The page, or its `block` for htmx; `done` is the change just made (its notice shows in
    the block it was made in)."""
    event, person = portal.event, portal.person
    sessions = _sessions(db, portal)
    context = {
        "event": event,
        "token": token,
        "name": people.name_for(person, people.NameStyle.AGENDA),
        "sessions": sessions,
        "zone_moment": sessions[0].item.starts_at if sessions else event.starts_at,
        "values": values if values is not None else profile_values(event, person),
        "errors": errors or {},
        "version": person.version if version is None else version,
        "theirs": theirs,
        "previews": previews,
        "labels": profile_labels(event),
        "photo": _photo(db, person),
        "photo_error": photo_error,
        "message": done_message(done),
        "notice_in": NOTICE_IN.get(done, ""),
        "problem": problem,
        "bio_max": people.BIO_MAX,
        "position_max": POSITION_MAX,
        "organisation_max": ORGANISATION_MAX,
    }
    return render(
        request,
        "speaker/portal.html",
        context,
        block=block,
        status_code=status_code,
        headers=PRIVATE_HEADERS,
    )


def _back(request: Request, token: str, done: str, anchor: str = "") -> Response:
    response = see_other(
        request, path_for(request, "show_speaker_page", token=token) + f"?done={done}{anchor}"
    )
    response.headers.update(PRIVATE_HEADERS)
    return response


@router.get("/speaker/{token}", name="show_speaker_page")
def show_speaker_page(request: Request, token: str, db: Db):
    portal = _portal(db, token)
    return _page(request, db, token, portal, done=request.query_params.get("done") or "")


# Confirm or decline ---------------------------------------------------------------------------


@router.post("/speaker/{token}/appearances/{appearance_id}", name="answer_appearance")
def answer_appearance(
    request: Request, token: str, appearance_id: RowId, db: Db, form: Submitted
) -> Response:
    portal = _portal(db, token)
    appearance = people.appearance_in(db, portal.event, appearance_id)
    if appearance is None or appearance.person_id != portal.speaker.person_id:
        raise HTTPException(status_code=404, headers=PRIVATE_HEADERS)
    answer = ANSWERS.get(str(form.get("answer", "")))
    if answer is None:
        raise HTTPException(status_code=422, headers=PRIVATE_HEADERS)
    try:
        # The rule reads it under a lock: an organiser may have withdrawn it meanwhile.
        people.respond(db, portal.event, portal.speaker, appearance, status=answer)
    except people.AnswerRefused:
        db.rollback()
        problem = _(
            "The organisers have withdrawn this session from your programme, so it cannot be "
            "confirmed or declined. Please contact them if this is a mistake."
        )
        return _page(request, db, token, portal, block="sessions", problem=problem, status_code=409)
    db.commit()
    done = "confirmed" if answer == AppearanceStatus.CONFIRMED else "declined"
    if is_htmx_fragment_request(request):
        return _page(request, db, token, portal, block="sessions", done=done)
    return _back(request, token, done, f"#appearance-{appearance.id}")


# The profile ----------------------------------------------------------------------------------


class ProfileForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    position: str = Field(default="", max_length=POSITION_MAX)
    organisation: str = Field(default="", max_length=ORGANISATION_MAX)


def _bios(values: dict[str, Any], event: Event) -> tuple[dict[str, str], dict[str, str]]:
    bios, errors = {}, {}
    for code in event.language_list:
        text = str(values.get(f"bio_{code}", "")).replace("\r\n", "\n").strip()
        if len(text) > people.BIO_MAX:
            errors[f"bio_{code}"] = _("Use at most %(max)s characters.", max=people.BIO_MAX)
        bios[code] = text
    return bios, errors


def _your_profile(event: Event, values: dict[str, Any]) -> dict[str, Any]:
    return {name: values.get(name, "") for name in profile_labels(event)}


@router.post("/speaker/{token}/profile", name="update_speaker_profile")
def update_speaker_profile(request: Request, token: str, db: Db, form: Submitted) -> Response:
    portal = _portal(db, token)
    event, person = portal.event, portal.person
    values = form_values(form)
    parsed, errors = parse(ProfileForm, values)
    bios, bio_errors = _bios(values, event)
    errors.update(bio_errors)
    version = int_or_none(values.get("version"))
    if values.get("preview"):
        previews = {code: text for code, text in bios.items() if text}
        return _page(
            request, db, token, portal, block="profile", values=values, errors=errors,
            version=version, previews=previews, status_code=422 if errors else 200,
        )  # fmt: skip
    if parsed is None or errors or version is None:
        if version is None:
            errors["__all__"] = _("The form was incomplete. Reload the page and try again.")
        return _page(
            request, db, token, portal, block="profile", values=values, errors=errors,
            version=version, status_code=422,
        )  # fmt: skip
    try:
        changes = people.update_own_profile(
            db,
            event,
            person,
            position=parsed.position,
            organisation=parsed.organisation,
            bios=bios,
            expected_version=version,
        )
    except StaleEdit as stale:
        theirs = profile_values(event, stale.current)
        db.rollback()
        rows = differences(theirs, _your_profile(event, values))
        return _page(
            request, db, token, portal, block="profile", values=values,
            version=stale.current.version, theirs=rows, status_code=409,
        )  # fmt: skip
    db.commit()
    done = "profile" if changes else "unchanged"
    if is_htmx_fragment_request(request):
        return _page(request, db, token, portal, block="profile", done=done)
    return _back(request, token, done, "#profile")


# The photo ------------------------------------------------------------------------------------


@router.post("/speaker/{token}/photo", name="upload_speaker_photo")
def upload_speaker_photo(request: Request, token: str, db: Db, form: Submitted) -> Response:
    portal = _portal(db, token)
    image, refused = uploads.image_from_form(form.get("photo"))
    if image is None:
        return _page(
            request, db, token, portal, block="photo", photo_error=refused, status_code=422
        )
    photo, thumbnail = uploads.store_photo(db, image)
    people.set_photo(
        db,
        portal.event,
        portal.person,
        actor=None,
        photo_id=photo.id,
        thumbnail_id=thumbnail.id,
    )
    db.commit()
    # A whole page even for htmx: the photo changed the person's version, which the profile
    # form carries.
    response = see_other(
        request, path_for(request, "show_speaker_page", token=token) + "?done=photo#photo"
    )
    response.headers.update(PRIVATE_HEADERS)
    return response
