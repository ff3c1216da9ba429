"""Organisers' book of people: the team's people (shared by its events) and, for this event,
each person's place on the line-up and their invitation.

Who may do what (checked on every request by `event_for`):

    page                                       owner  organiser  registrar, rapporteur, viewer
    book, person, add, edit, photo, line-up    yes    yes        403 (non-members: 404)

A person of another team answers 404, as anything of another event does. Every form is a plain
POST first (303 on success; 422 or 409 re-rendering with the reasons beside the fields); htmx
then enhances it: the book's search swaps the list as one types, the person form answers
HX-Redirect like the agenda item form, and the person page's forms swap their panel.
"""

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from starlette.datastructures import FormData

from eventapp import agenda, people, team, uploads
from eventapp.events import StaleEdit
from eventapp.forms import Submitted, form_values, int_or_none, parse, see_other
from eventapp.i18n import gettext as _
from eventapp.i18n import language_name
from eventapp.markdown import render_markdown
from eventapp.models import Event, NameOrder, Person, Role, Speaker, Upload, User
from eventapp.routes.access import EDITORS, CurrentUser, Db, RowId, event_for
from eventapp.routes.manage_agenda.item_form import (
    WAS,
    incomplete_message,
    merged_values,
    opened_with,
)
from eventapp.routes.manage_hosts import _website as web_address
from eventapp.templating import is_htmx_fragment_request, path_for, render

router = APIRouter(prefix="/manage")

LIST_LIMIT = 100  # rows the book shows at once; search finds the others
PRECEDENCE_MAX = 9999


def done_message(done: str | None) -> str:
    messages = {
        "added": _("Person added to your team's book."),
        "saved": _("Changes saved."),
        "unchanged": _("Nothing was changed."),
        "photo": _("Photo saved."),
        "photo-removed": _("Photo removed."),
        "precedence": _("Precedence saved."),
        "invited": _("Invitation queued: the mail with their link goes out shortly."),
        "revoked": _("The link no longer works. Invite them again to send a new one."),
    }
    return messages.get(done or "", "")


# The book: a list with as-you-type search -------------------------------------------------------


@dataclass
class Picture:
    key: str
    width: int
    height: int


@dataclass
class PersonRow:
    person: Person
    name: str
    speaker: Speaker | None
    thumbnail: Picture | None


def pictures(db: Db, upload_ids: list[int | None]) -> dict[int, Picture]:
    """The stored images' keys and sizes, in one query (their bytes are not read)."""
    wanted = {upload_id for upload_id in upload_ids if upload_id}
    if not wanted:
        return {}
    rows = db.execute(
        select(Upload.id, Upload.key, Upload.width, Upload.height).where(Upload.id.in_(wanted))
    )
    return {upload_id: Picture(key, width, height) for upload_id, key, width, height in rows}


def _rows(db: Db, event: Event, found: list[Person]) -> list[PersonRow]:
    ids = [person.id for person in found]
    speakers = {}
    if ids:
        speakers = {
            speaker.person_id: speaker
            for speaker in db.scalars(
                select(Speaker).where(Speaker.event_id == event.id, Speaker.person_id.in_(ids))
            )
        }
    thumbnails = pictures(db, [person.thumbnail_id for person in found])
    return [
        PersonRow(
            person=person,
            name=people.name_for(person, people.NameStyle.CARD),
            speaker=speakers.get(person.id),
            thumbnail=thumbnails.get(person.thumbnail_id) if person.thumbnail_id else None,
        )
        for person in found
    ]


@router.get("/events/{event_id}/people", name="show_people")
def show_people(request: Request, event_id: RowId, db: Db, user: CurrentUser, q: str = ""):
    event, role = event_for(db, user, event_id, EDITORS)
    query = " ".join(q.replace("\x00", "").split())[:200]  # PostgreSQL refuses NUL in text
    if query:
        found = people.search(db, event, query, limit=LIST_LIMIT + 1)
        total = None  # a search counts only what it shows
    else:
        found = people.people_of(db, event)
        total = len(found)
    context = {
        "event": event,
        "role": role,
        "q": query,
        "rows": _rows(db, event, found[:LIST_LIMIT]),
        "total": total,
        "is_capped": len(found) > LIST_LIMIT,
        "limit": LIST_LIMIT,
        "message": done_message(request.query_params.get("done")),
    }
    return render(request, "manage/people.html", context, block="people_list")


# The person form ------------------------------------------------------------------------------


def _email(value: str) -> str:
    if value and not team.is_valid_email(value):
        raise ValueError(_("Enter an email address such as name@example.org."))
    return value


class PersonForm(BaseModel):
    """The person form as posted (the bios, one per event language, are read by `_bios`).
    Limits follow the columns, so they hold the same on SQLite and PostgreSQL."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    honorific: str = Field(default="", max_length=60)
    given_name: str = Field(default="", max_length=100)
    family_name: str = Field(default="", max_length=100)
    name_order: NameOrder = NameOrder.GIVEN_FIRST
    display_name: str = Field(default="", max_length=200)
    post_nominals: str = Field(default="", max_length=100)
    position: str = Field(default="", max_length=300)
    organisation: str = Field(default="", max_length=300)
    country: str = Field(default="", max_length=100)
    website: str = Field(default="", max_length=500)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=50)

    _web = field_validator("website")(web_address)
    _mail = field_validator("email")(_email)


TEXT_FIELDS = [name for name in PersonForm.model_fields if name != "name_order"]


def _bios(values: dict[str, Any], languages: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    bios, errors = {}, {}
    for code in languages:
        text = str(values.get(f"bio_{code}", "")).replace("\r\n", "\n").strip()
        if len(text) > people.BIO_MAX:
            errors[f"bio_{code}"] = _("Use at most %(max)s characters.", max=people.BIO_MAX)
        bios[code] = text
    return bios, errors


def parse_person_form(
    form: FormData, event: Event, person: Person | None = None
) -> tuple[people.PersonDetails | None, dict[str, Any], dict[str, str]]:
    """(the details, the values as sent, errors by field). Bios in languages this event does
    not use are kept as they are."""
    values = {key: value for key, value in form_values(form).items() if key != "csrf_token"}
    parsed, errors = parse(PersonForm, values)
    bios, bio_errors = _bios(values, event.language_list)
    errors.update({name: message for name, message in bio_errors.items() if name not in errors})
    if parsed is not None and not (parsed.given_name or parsed.family_name or parsed.display_name):
        errors.setdefault(
            "given_name", _("Enter a given name, a family name or a display name (or several).")
        )
    if parsed is None or errors:
        return None, values, errors
    kept = dict(person.bios) if person else {}
    details = people.PersonDetails(
        **{name: getattr(parsed, name) for name in TEXT_FIELDS},
        name_order=parsed.name_order,
        bios={**kept, **bios},
    )
    return details, values, {}


def person_values(person: Person, event: Event) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(person, name) for name in TEXT_FIELDS}
    values["name_order"] = str(person.name_order)
    for code in event.language_list:
        values[f"bio_{code}"] = person.bios.get(code, "")
    return values


def field_labels(event: Event) -> dict[str, str]:
    labels = {
        "honorific": _("Honorific"),
        "given_name": _("Given name"),
        "family_name": _("Family name"),
        "name_order": _("Name order"),
        "display_name": _("Display name"),
        "post_nominals": _("Post-nominals"),
        "position": _("Position"),
        "organisation": _("Organisation"),
        "country": _("Country or delegation"),
        "website": _("Website"),
        "email": _("Email (private)"),
        "phone": _("Phone (private)"),
    }
    for code in event.language_list:
        labels[f"bio_{code}"] = _("Biography (%(language)s)", language=language_name(code))
    return labels


def name_order_labels() -> dict[str, str]:
    return {
        NameOrder.GIVEN_FIRST: _("Given name first (Russ Jalichandra)"),
        NameOrder.FAMILY_FIRST: _("Family name first (Jalichandra Russ)"),
    }


def _plain(value: Any) -> str:
    return str(value or "").replace("\r\n", "\n").strip()


def conflict_rows(
    theirs: dict[str, Any], yours: dict[str, Any], labels: dict[str, str]
) -> list[dict[str, str]]:
    """The fields where their saved person differs from the form as it comes back."""
    orders = name_order_labels()

    def shown(name: str, value: Any) -> str:
        text = _plain(value)
        return orders.get(text, text) if name == "name_order" else text

    return [
        {"field": name, "theirs": shown(name, value), "yours": shown(name, yours.get(name))}
        for name, value in theirs.items()
        if name in labels and _plain(value) != _plain(yours.get(name))
    ]


def _previews(values: dict[str, Any], event: Event) -> list[dict[str, Any]]:
    return [
        {
            "code": code,
            "language": language_name(code),
            "html": render_markdown(str(values.get(f"bio_{code}", ""))),
        }
        for code in event.language_list
    ]


def _person_form(
    request: Request,
    event: Event,
    role: Role,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    person: Person | None = None,
    version: int | None = None,
    was: dict[str, Any] | None = None,
    theirs: list[dict[str, str]] | None = None,
    duplicate: Person | None = None,
    preview: bool = False,
    status_code: int = 200,
) -> Response:
    context = {
        "event": event,
        "role": role,
        "person": person,
        "person_name": people.name_for(person, people.NameStyle.CARD) if person else "",
        "values": values,
        "errors": errors,
        "version": version,
        "was": was or {},
        "theirs": theirs,
        "duplicate": duplicate,
        "duplicate_name": people.name_for(duplicate, people.NameStyle.CARD) if duplicate else "",
        "previews": _previews(values, event) if preview else [],
        "languages": [(code, language_name(code)) for code in event.language_list],
        "honorifics": people.HONORIFICS,
        "name_orders": list(name_order_labels().items()),
        "field_labels": field_labels(event),
    }
    return render(
        request, "manage/person_form.html", context, block="person_form", status_code=status_code
    )


def _person_in(db: Db, user: User, event_id: int, person_id: int) -> tuple[Event, Role, Person]:
    """The event, the caller's role and the person of its team; 404 for another team's."""
    event, role = event_for(db, user, event_id, EDITORS)
    person = people.person_in(db, event, person_id)
    if person is None:
        raise HTTPException(status_code=404)
    return event, role, person


def _to_person(request: Request, event: Event, person: Person, done: str, anchor: str = "") -> str:
    path = path_for(request, "show_person", event_id=event.id, person_id=person.id)
    return f"{path}?done={done}{anchor}"


@router.get("/events/{event_id}/people/new", name="show_new_person")
def show_new_person(request: Request, event_id: RowId, db: Db, user: CurrentUser):
    event, role = event_for(db, user, event_id, EDITORS)
    return _person_form(request, event, role, {"name_order": str(NameOrder.GIVEN_FIRST)}, {})


@router.post("/events/{event_id}/people/new", name="add_person")
def add_person(request: Request, event_id: RowId, db: Db, user: CurrentUser, form: Submitted):
    event, role = event_for(db, user, event_id, EDITORS)
    details, values, errors = parse_person_form(form, event)
    preview = form.get("preview") == "1"
    if details is not None and not preview:
        try:
            person = people.add_person(db, event, actor=user, details=details)
        except people.DuplicateEmail as duplicate:
            existing = duplicate.person
            db.rollback()
            errors = {"email": _("Someone in your team's book already has this email.")}
            return _person_form(
                request, event, role, values, errors, duplicate=existing, status_code=422
            )
        db.commit()
        return see_other(request, _to_person(request, event, person, "added"))
    return _person_form(
        request, event, role, values, errors, preview=preview, status_code=422 if errors else 200
    )


@router.get("/events/{event_id}/people/{person_id}/edit", name="show_edit_person")
def show_edit_person(
    request: Request, event_id: RowId, person_id: RowId, db: Db, user: CurrentUser
):
    event, role, person = _person_in(db, user, event_id, person_id)
    values = person_values(person, event)
    return _person_form(
        request, event, role, values, {}, person=person, version=person.version, was=values
    )


@router.post("/events/{event_id}/people/{person_id}/edit", name="edit_person")
def edit_person(
    request: Request,
    event_id: RowId,
    person_id: RowId,
    db: Db,
    user: CurrentUser,
    form: Submitted,
):
    event, role, person = _person_in(db, user, event_id, person_id)
    details, values, errors = parse_person_form(form, event, person)
    version = int_or_none(form.get("version"))
    if version is None:
        errors.setdefault("__all__", incomplete_message())
    was = opened_with(values)
    common = {"person": person, "version": version, "was": was}
    if form.get("preview") == "1" and not errors:
        return _person_form(request, event, role, values, {}, **common, preview=True)
    if details is None or errors or version is None:
        return _person_form(request, event, role, values, errors, **common, status_code=422)
    try:
        changes = people.update_person(
            db, event, person, actor=user, details=details, expected_version=version
        )
    except StaleEdit as stale:
        their_values = person_values(stale.current, event)
        their_version = stale.current.version
        db.rollback()
        # As on the agenda item form: their save with your changes on top, and the fields where
        # that differs from what is saved now.
        mine = {name: value for name, value in values.items() if not name.startswith(WAS)}
        merged = merged_values(mine, was, their_values)
        labels = field_labels(event)
        rows = conflict_rows(their_values, merged, labels)
        return _person_form(
            request, event, role, merged, {}, person=person, version=their_version,
            was=their_values, theirs=rows, status_code=409,
        )  # fmt: skip
    except people.DuplicateEmail as duplicate:
        existing = duplicate.person
        db.rollback()
        errors = {"email": _("Someone in your team's book already has this email.")}
        return _person_form(
            request, event, role, values, errors, **common, duplicate=existing, status_code=422
        )
    db.commit()
    return see_other(
        request, _to_person(request, event, person, "saved" if changes else "unchanged")
    )


# The person page: details, photo, and this event's line-up ------------------------------------


def _person_page(
    request: Request,
    db: Db,
    event: Event,
    role: Role,
    person: Person,
    *,
    block: str | None = None,
    errors: dict[str, str] | None = None,
    problem: str = "",
    message: str = "",
    precedence: str | None = None,
    status_code: int = 200,
) -> Response:
    speaker = people.speaker_of(db, event, person)
    images = pictures(db, [person.photo_id, person.thumbnail_id])
    sessions = []
    if speaker is not None:
        for appearance, item in people.appearances_of(db, speaker):
            sessions.append(
                {
                    "appearance": appearance,
                    "title": agenda.title_of(item.titles, event.language_list) or _("Untitled"),
                    "starts_at": item.starts_at,
                }
            )
    context = {
        "event": event,
        "role": role,
        "person": person,
        "name": people.name_for(person, people.NameStyle.CARD),
        "formal_name": people.name_for(person, people.NameStyle.FORMAL),
        "speaker": speaker,
        "has_link": bool(speaker and speaker.token_hash),
        "photo": images.get(person.photo_id) if person.photo_id else None,
        "thumbnail": images.get(person.thumbnail_id) if person.thumbnail_id else None,
        "sessions": sessions,
        "bios": [
            (code, language_name(code), person.bios[code])
            for code in event.language_list
            if person.bios.get(code)
        ],
        "name_orders": name_order_labels(),
        "field_labels": field_labels(event),
        "errors": errors or {},
        "problem": problem,
        "message": done_message(request.query_params.get("done")) if status_code == 200 else "",
        "panel_message": message,
        "precedence": precedence
        if precedence is not None
        else str(speaker.precedence if speaker else people.DEFAULT_PRECEDENCE),
        "precedence_max": PRECEDENCE_MAX,
        "status_labels": people.status_labels(),
    }
    return render(request, "manage/person.html", context, block=block, status_code=status_code)


@router.get("/events/{event_id}/people/{person_id}", name="show_person")
def show_person(request: Request, event_id: RowId, person_id: RowId, db: Db, user: CurrentUser):
    event, role, person = _person_in(db, user, event_id, person_id)
    return _person_page(request, db, event, role, person)


def _after_panel_change(
    request: Request, db: Db, event: Event, role: Role, person: Person, done: str, block: str
) -> Response:
    """303 back to the person page, or for htmx the changed panel at once."""
    if is_htmx_fragment_request(request):
        return _person_page(
            request, db, event, role, person, block=block, message=done_message(done)
        )
    anchor = "#photo-panel" if block == "photo_panel" else "#lineup-panel"
    return see_other(request, _to_person(request, event, person, done, anchor))


@router.post("/events/{event_id}/people/{person_id}/photo", name="upload_person_photo")
def upload_person_photo(
    request: Request,
    event_id: RowId,
    person_id: RowId,
    db: Db,
    user: CurrentUser,
    form: Submitted,
):
    event, role, person = _person_in(db, user, event_id, person_id)
    image, refused = uploads.image_from_form(form.get("photo"))
    if image is None:
        return _person_page(
            request, db, event, role, person, block="photo_panel", errors={"photo": refused},
            status_code=422,
        )  # fmt: skip
    photo, thumbnail = uploads.store_photo(db, image)
    people.set_photo(db, event, person, actor=user, photo_id=photo.id, thumbnail_id=thumbnail.id)
    db.commit()
    return _after_panel_change(request, db, event, role, person, "photo", "photo_panel")


@router.post("/events/{event_id}/people/{person_id}/photo/remove", name="remove_person_photo")
def remove_person_photo(
    request: Request, event_id: RowId, person_id: RowId, db: Db, user: CurrentUser
):
    event, role, person = _person_in(db, user, event_id, person_id)
    if person.photo_id is not None or person.thumbnail_id is not None:
        people.set_photo(db, event, person, actor=user, photo_id=None, thumbnail_id=None)
        db.commit()
    return _after_panel_change(request, db, event, role, person, "photo-removed", "photo_panel")


class PrecedenceForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    precedence: int

    @field_validator("precedence")
    @classmethod
    def _in_range(cls, value: int) -> int:
        if not 0 <= value <= PRECEDENCE_MAX:
            raise ValueError(_("Enter a whole number from 0 to %(max)s.", max=PRECEDENCE_MAX))
        return value


@router.post("/events/{event_id}/people/{person_id}/precedence", name="set_person_precedence")
def set_person_precedence(
    request: Request,
    event_id: RowId,
    person_id: RowId,
    db: Db,
    user: CurrentUser,
    form: Submitted,
):
    event, role, person = _person_in(db, user, event_id, person_id)
    values = form_values(form)
    parsed, errors = parse(PrecedenceForm, values)
    if parsed is None:
        return _person_page(
            request, db, event, role, person, block="lineup_panel", errors=errors,
            precedence=str(values.get("precedence", "")), status_code=422,
        )  # fmt: skip
    speaker = people.ensure_speaker(db, event, person)
    people.set_precedence(db, event, speaker, actor=user, precedence=parsed.precedence)
    db.commit()
    return _after_panel_change(request, db, event, role, person, "precedence", "lineup_panel")


@router.post("/events/{event_id}/people/{person_id}/invite", name="invite_person")
def invite_person(request: Request, event_id: RowId, person_id: RowId, db: Db, user: CurrentUser):
    event, role, person = _person_in(db, user, event_id, person_id)
    try:
        people.invite(db, event, person, actor=user)
    except people.NoEmail:
        db.rollback()
        problem = _("Add an email address to this person before inviting them.")
        return _person_page(
            request, db, event, role, person, block="lineup_panel", problem=problem,
            status_code=422,
        )  # fmt: skip
    db.commit()
    return _after_panel_change(request, db, event, role, person, "invited", "lineup_panel")


@router.post("/events/{event_id}/people/{person_id}/revoke", name="revoke_person_link")
def revoke_person_link(
    request: Request, event_id: RowId, person_id: RowId, db: Db, user: CurrentUser
):
    event, role, person = _person_in(db, user, event_id, person_id)
    speaker = people.speaker_of(db, event, person)
    if speaker is not None and speaker.token_hash is not None:
        people.revoke_link(db, event, speaker, actor=user)
        db.commit()
    return _after_panel_change(request, db, event, role, person, "revoked", "lineup_panel")
