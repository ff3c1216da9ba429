"""The agenda's rooms: add, rename, reorder, delete (refused while items are planned in one)."""

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import func, select

from eventapp import agenda
from eventapp.events import StaleEdit
from eventapp.forms import Submitted, form_values, int_or_none, parse, see_other
from eventapp.i18n import gettext as _
from eventapp.i18n import ngettext
from eventapp.models import AgendaItem, Event, Role, Room
from eventapp.routes.access import EDITORS, CurrentUser, Db, RowId, event_for
from eventapp.routes.manage_agenda.item_form import (
    incomplete_message,
)
from eventapp.templating import is_htmx_fragment_request, path_for, render

router = APIRouter()

ROOM_CAPACITY_MAX = 100_000


# Rooms ----------------------------------------------------------------------------------------


def _capacity(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = int_or_none(value.strip()) if isinstance(value, str) else None
    if number is None or not 1 <= number <= ROOM_CAPACITY_MAX:
        message = _("Enter a number of seats from 1 to %(max)s, or leave it empty.")
        raise ValueError(message % {"max": ROOM_CAPACITY_MAX})
    return number


class RoomForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    name: Annotated[str, Field(min_length=1, max_length=agenda.ROOM_NAME_MAX)]
    capacity: int | None = None

    _capacity = field_validator("capacity", mode="before")(_capacity)


def room_field_labels() -> dict[str, str]:
    return {"name": _("Name"), "capacity": _("Seats")}


def _room_or_404(db: Db, event: Event, room_id: int) -> Room:
    room = agenda.room_of(db, event, room_id)
    if room is None:
        raise HTTPException(status_code=404)
    return room


def _rooms_page(
    request: Request,
    db: Db,
    event: Event,
    role: Role,
    *,
    add_values: dict[str, Any] | None = None,
    add_errors: dict[str, str] | None = None,
    failed: dict[str, Any] | None = None,
    confirm_delete: int | None = None,
    message: str = "",
    problem: str = "",
    status_code: int = 200,
) -> Response:
    rooms = agenda.rooms_of(db, event)
    usage = dict(
        db.execute(
            select(AgendaItem.room_id, func.count())
            .where(AgendaItem.event_id == event.id, AgendaItem.room_id.is_not(None))
            .group_by(AgendaItem.room_id)
        ).all()
    )
    context = {
        "event": event,
        "role": role,
        "rooms": rooms,
        "usage": usage,
        "values": add_values or {},
        "errors": add_errors or {},
        "failed": failed or {},
        "confirm_delete": confirm_delete,
        "message": message,
        "problem": problem,
        "field_labels": room_field_labels(),
        "name_max": agenda.ROOM_NAME_MAX,
        "rooms_path": path_for(request, "show_agenda_rooms", event_id=event.id),
    }
    return render(
        request, "manage/agenda_rooms.html", context, block="rooms", status_code=status_code
    )


def _room_message(done: str | None) -> str:
    messages = {
        "room-added": _("Room added."),
        "room-saved": _("Room saved."),
        "room-unchanged": _("Nothing was changed."),
        "room-moved": _("Rooms reordered."),
        "room-deleted": _("Room deleted."),
    }
    return messages.get(done or "", "")


def _after_room_change(
    request: Request, db: Db, event: Event, role: Role, done: str, room_id: int | None = None
) -> Response:
    if is_htmx_fragment_request(request):
        return _rooms_page(request, db, event, role, message=_room_message(done))
    anchor = f"#room-{room_id}" if room_id else ""
    path = path_for(request, "show_agenda_rooms", event_id=event.id)
    return see_other(request, f"{path}?done={done}{anchor}")


@router.get("/events/{event_id}/agenda/rooms", name="show_agenda_rooms")
def show_agenda_rooms(request: Request, event_id: RowId, db: Db, user: CurrentUser):
    event, role = event_for(db, user, event_id, EDITORS)
    message = _room_message(request.query_params.get("done"))
    return _rooms_page(request, db, event, role, message=message)


@router.post("/events/{event_id}/agenda/rooms", name="add_agenda_room")
def add_agenda_room(request: Request, event_id: RowId, db: Db, user: CurrentUser, form: Submitted):
    event, role = event_for(db, user, event_id, EDITORS)
    values = form_values(form)
    parsed, errors = parse(RoomForm, values)
    if parsed is None or errors:
        return _rooms_page(
            request, db, event, role, add_values=values, add_errors=errors, status_code=422
        )
    room = agenda.add_room(db, event, actor=user, name=parsed.name, capacity=parsed.capacity)
    db.commit()
    return _after_room_change(request, db, event, role, "room-added", room.id)


@router.post("/events/{event_id}/agenda/rooms/{room_id}/edit", name="edit_agenda_room")
def edit_agenda_room(
    request: Request, event_id: RowId, room_id: RowId, db: Db, user: CurrentUser, form: Submitted
):
    event, role = event_for(db, user, event_id, EDITORS)
    room = _room_or_404(db, event, room_id)
    values = form_values(form)
    parsed, errors = parse(RoomForm, values)
    version = int_or_none(values.get("version"))
    if version is None:
        errors.setdefault("__all__", incomplete_message())
    if parsed is not None and version is not None and not errors:
        try:
            changes = agenda.update_room(
                db,
                room,
                actor=user,
                name=parsed.name,
                capacity=parsed.capacity,
                expected_version=version,
            )
        except StaleEdit as stale:
            current = stale.current
            theirs = {"name": current.name, "capacity": current.capacity}
            their_version = current.version
            db.rollback()
            yours = {"name": parsed.name, "capacity": parsed.capacity}
            rows = [
                {"field": name, "theirs": _blank(value), "yours": _blank(yours[name])}
                for name, value in theirs.items()
                if value != yours[name]
            ]
            failed = {
                "room_id": room_id,
                "values": {**values, "version": str(their_version)},
                "errors": {},
                "theirs": rows,
            }
            return _rooms_page(request, db, event, role, failed=failed, status_code=409)
        db.commit()
        done = "room-saved" if changes else "room-unchanged"
        return _after_room_change(request, db, event, role, done, room_id)
    failed = {"room_id": room_id, "values": values, "errors": errors, "theirs": None}
    return _rooms_page(request, db, event, role, failed=failed, status_code=422)


def _blank(value: Any) -> str:
    return "" if value is None else str(value)


@router.post("/events/{event_id}/agenda/rooms/{room_id}/move", name="move_agenda_room")
def move_agenda_room(
    request: Request, event_id: RowId, room_id: RowId, db: Db, user: CurrentUser, form: Submitted
):
    event, role = event_for(db, user, event_id, EDITORS)
    room = _room_or_404(db, event, room_id)
    direction = form.get("direction")
    if direction not in ("up", "down"):
        raise HTTPException(status_code=422)
    agenda.move_room(db, event, room, actor=user, offset=-1 if direction == "up" else 1)
    db.commit()
    return _after_room_change(request, db, event, role, "room-moved", room_id)


@router.get("/events/{event_id}/agenda/rooms/{room_id}/delete", name="confirm_delete_agenda_room")
def confirm_delete_agenda_room(
    request: Request, event_id: RowId, room_id: RowId, db: Db, user: CurrentUser
):
    event, role = event_for(db, user, event_id, EDITORS)
    room = _room_or_404(db, event, room_id)
    return _rooms_page(request, db, event, role, confirm_delete=room.id)


@router.post("/events/{event_id}/agenda/rooms/{room_id}/delete", name="delete_agenda_room")
def delete_agenda_room(
    request: Request, event_id: RowId, room_id: RowId, db: Db, user: CurrentUser
):
    event, role = event_for(db, user, event_id, EDITORS)
    room = _room_or_404(db, event, room_id)
    name = room.name
    try:
        agenda.delete_room(db, room, actor=user)
    except agenda.RoomInUse as in_use:
        db.rollback()
        problem = ngettext(
            "%(room)s cannot be deleted: %(num)s item is planned in it. Move it to another "
            "room first.",
            "%(room)s cannot be deleted: %(num)s items are planned in it. Move them to another "
            "room first.",
            in_use.count,
            room=name,
        )
        return _rooms_page(request, db, event, role, problem=problem, status_code=409)
    db.commit()
    return _after_room_change(request, db, event, role, "room-deleted")
