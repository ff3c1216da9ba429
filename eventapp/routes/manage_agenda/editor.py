"""The agenda editor's day page and everything done to items from it: add, edit (with the
conflict panel on 409), duplicate, move, shift the rest of the day, delete."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import select

from eventapp import agenda
from eventapp.events import StaleEdit
from eventapp.forms import Submitted, form_values, int_or_none, parse, see_other
from eventapp.i18n import gettext as _
from eventapp.i18n import language_name, ngettext
from eventapp.models import AgendaItem, Event, ItemKind, Role, User
from eventapp.routes import manage_lineup  # a module: it imports from this package in turn
from eventapp.routes.access import EDITORS, CurrentUser, Db, RowId, event_for
from eventapp.routes.manage_agenda.item_form import (
    REFUSALS,
    blank_is_missing,
    conflict_rows,
    day_label,
    form_options,
    gap_message,
    incomplete_message,
    item_field_labels,
    item_values,
    local_clock,
    local_when,
    long_day_label,
    merged_values,
    opened_with,
    parse_item_form,
    parse_item_values,
    plausible_year,
    plenary_label,
    refusal,
    room_choice,
    stale_problem,
    time_range,
    zone_label,
)
from eventapp.templating import is_htmx_fragment_request, path_for, render

router = APIRouter()

SHIFT_MINUTES_MAX = 720


# The editor: one day of the programme ----------------------------------------------------------


@dataclass
class ItemView:
    """An item as the editor shows it."""

    item: agenda.ProgrammeItem
    version: int
    kind_label: str
    title: str
    other_titles: list[tuple[str, str]]
    ends_next_day: bool
    room_name: str
    missing: list[str]
    clashes: list[str] = field(default_factory=list)
    lineup: list[dict[str, str]] = field(default_factory=list)  # name, role, status
    start_date: str = ""  # local, as the move form shows them
    start_time: str = ""
    end_time: str = ""


def _clash_notes(
    programme: agenda.Programme,
    by_id: dict[int, agenda.ProgrammeItem],
    item: agenda.ProgrammeItem,
    clashes: list[agenda.Clash],
) -> list[str]:
    notes = []
    for clash in clashes:
        if clash.kind == "outside":
            notes.append(_("Starts outside the event's dates."))
            continue
        for other_id in clash.item_ids:
            other = by_id.get(other_id) if other_id != item.id else None
            if other is None:
                continue
            names = {
                "title": programme.title(other) or _("Untitled"),
                "time": time_range(other.starts_at, other.ends_at, programme.event),
            }
            if clash.kind == "room":
                notes.append(_("Same room at the same time as “%(title)s” (%(time)s).", **names))
            elif other.is_plenary:
                notes.append(_("Overlaps the plenary item “%(title)s” (%(time)s).", **names))
            else:
                notes.append(_("“%(title)s” (%(time)s) overlaps this plenary item.", **names))
    return notes


def _person_notes(
    programme: agenda.Programme, booked: list[tuple[str, list[int]]]
) -> dict[int, list[str]]:
    """{item id: notes}: for each person on two items at once, a note on both items."""
    by_id = {item.id: item for item in programme.items}
    notes: dict[int, list[str]] = {}
    for name, item_ids in booked:
        for item_id in item_ids:
            for other_id in item_ids:
                other = by_id.get(other_id) if other_id != item_id else None
                if other is None:
                    continue
                names = {
                    "name": name,
                    "title": programme.title(other) or _("Untitled"),
                    "time": time_range(other.starts_at, other.ends_at, programme.event),
                }
                note = _("%(name)s is also on “%(title)s” (%(time)s) at the same time.", **names)
                notes.setdefault(item_id, []).append(note)
    return notes


def _views(
    programme: agenda.Programme,
    items: list[agenda.ProgrammeItem],
    versions: dict[int, int],
    clashes: dict[int, list[agenda.Clash]],
    *,
    lineups: dict[int, list[dict[str, str]]],
    person_notes: dict[int, list[str]],
) -> list[ItemView]:
    event = programme.event
    languages = event.language_list
    labels = agenda.kind_labels()
    by_id = {each.id: each for each in programme.items}
    views = []
    for item in items:
        title = programme.title(item)
        main = next((code for code in languages if item.titles.get(code)), None)
        views.append(
            ItemView(
                item=item,
                version=versions.get(item.id, 1),
                kind_label=labels.get(item.kind, str(item.kind)),
                title=title or _("Untitled"),
                other_titles=[
                    (code, item.titles[code])
                    for code in languages
                    if code != main and item.titles.get(code)
                ],
                ends_next_day=programme.local(item.ends_at).date()
                > programme.local(item.starts_at).date(),
                room_name=item.room.name if item.room else plenary_label(),
                missing=[language_name(code) for code in agenda.missing_languages(item, languages)],
                clashes=_clash_notes(programme, by_id, item, clashes.get(item.id, []))
                + person_notes.get(item.id, []),
                lineup=lineups.get(item.id, []),
                start_date=programme.local(item.starts_at).date().isoformat(),
                start_time=local_clock(item.starts_at, event),
                end_time=local_clock(item.ends_at, event),
            )
        )
    return views


def _bands(views: list[ItemView], rooms: list[agenda.ProgrammeRoom]) -> list[dict[str, Any]]:
    """The timeline's rows: a plenary item spans every room's column; between plenary items,
    one cell per room holds that room's items in time order."""
    column = {room.id: index for index, room in enumerate(rooms)}
    bands: list[dict[str, Any]] = []
    cells: list[list[ItemView]] | None = None
    for view in views:
        if view.item.is_plenary:
            bands.append({"plenary": view})
            cells = None
            continue
        if cells is None:
            cells = [[] for _room in rooms]
            bands.append({"cells": cells})
        cells[column[view.item.room.id]].append(view)
    return bands


def clash_list(
    programme: agenda.Programme,
    clashes: list[agenda.Clash],
    *,
    booked: Sequence[tuple[str, list[int]]] = (),
) -> list[dict[str, Any]]:
    """Every clash of the draft, for the top of the editor: what it is and the items in it;
    `booked` adds the people on two items at once (manage_lineup.double_booked)."""
    by_id = {item.id: item for item in programme.items}
    rows = []
    found = [(clash.kind, clash.item_ids, "") for clash in clashes]
    found += [("person", tuple(item_ids), name) for name, item_ids in booked]
    for kind, item_ids, name in found:
        items = [by_id[i] for i in item_ids if i in by_id]
        if kind == "person":
            text = _("%(name)s is on two items at once:", name=name)
        elif kind == "room":
            room = items[0].room.name if items and items[0].room else ""
            text = _("Two items in %(room)s at the same time:", room=room)
        elif kind == "plenary":
            text = _("An item overlaps a plenary item:")
        else:
            text = _("An item starts outside the event's dates:")
        rows.append(
            {
                "kind": kind,
                "text": text,
                "entries": [
                    {
                        "id": item.id,
                        "day": programme.local(item.starts_at).date().isoformat(),
                        "when": f"{local_when(item.starts_at, programme.event)}",
                        "title": programme.title(item) or _("Untitled"),
                    }
                    for item in items
                ],
            }
        )
    return rows


def _day_param(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _kind_param(value: str | None) -> ItemKind:
    try:
        return ItemKind(value or "")
    except ValueError:
        return ItemKind.PRESENTATION


def _new_item_values(
    db: Db, event: Event, day: date, *, kind: ItemKind, room_id: int | None
) -> dict[str, Any]:
    """The add form's proposal: right after the last item of that day (agenda.next_slot)."""
    starts_at, ends_at = agenda.next_slot(db, event, day=day, room_id=room_id, kind=kind)
    details = agenda.ItemDetails(
        kind=kind, starts_at=starts_at, ends_at=ends_at, room_id=room_id, titles={}
    )
    return item_values(event, details)


def show_day(
    request: Request,
    db: Db,
    event: Event,
    role: Role,
    *,
    day: date | None = None,
    add_values: dict[str, Any] | None = None,
    add_errors: dict[str, str] | None = None,
    failed: dict[str, Any] | None = None,
    confirm_delete: int | None = None,
    tools: int | None = None,
    proposal: tuple[ItemKind, int | None] | None = None,
    message: str = "",
    problem: str = "",
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """The editor page for one day, or its `agenda_day` block for htmx. `proposal` is the kind
    and room the add form starts from (else the address's `kind` and `room`)."""
    programme = agenda.draft_programme(db, event)
    versions = dict(
        db.execute(
            select(AgendaItem.id, AgendaItem.version).where(AgendaItem.event_id == event.id)
        ).all()
    )
    days = programme.days()
    items_by_day = dict(days)
    if day not in items_by_day:
        day = days[0][0]
    clashes = programme.clashes()
    booked = manage_lineup.double_booked(db, event)
    views = _views(
        programme,
        items_by_day[day],
        versions,
        agenda.clashes_by_item(clashes),
        lineups=manage_lineup.lineup_summaries(db, event, [i.id for i in items_by_day[day]]),
        person_notes=_person_notes(programme, booked),
    )
    rooms = programme.rooms
    if add_values is None:
        kind, room_id = proposal or (
            _kind_param(request.query_params.get("kind")),
            int_or_none(request.query_params.get("room")),
        )
        if room_id not in {room.id for room in rooms}:
            room_id = None
        add_values = _new_item_values(db, event, day, kind=kind, room_id=room_id)
    context = {
        "event": event,
        "role": role,
        "day": day,
        "day_label": long_day_label(day),
        "tabs": [
            {"day": each, "label": day_label(each), "count": len(items)} for each, items in days
        ],
        "zone": zone_label(event, day),
        "rooms": rooms,
        "is_timeline": len(rooms) > 1,
        "views": views,
        "bands": _bands(views, rooms) if len(rooms) > 1 else [],
        "clash_list": clash_list(programme, clashes, booked=booked),
        "values": add_values,
        "errors": add_errors or {},
        "failed": failed or {},
        "confirm_delete": confirm_delete,
        "tools": tools,
        "message": message,
        "problem": problem,
        "field_labels": item_field_labels(event),
        "preview_path": path_for(request, "preview_agenda", event_id=event.id),
        "editor_path": path_for(request, "show_agenda_editor", event_id=event.id),
        "items_path": path_for(request, "add_agenda_item", event_id=event.id),
        **form_options(event, [(room.id, room.name) for room in rooms]),
    }
    return render(
        request,
        "manage/agenda.html",
        context,
        block="agenda_day",
        status_code=status_code,
        headers=headers,
    )


def done_message(params: Any) -> str:
    """The notice for a `?done=` key after a change (with its `count`, `minutes`, `lengthened`,
    `number`)."""
    done = params.get("done") or ""
    if done == "shifted":
        signed = f"{int_or_none(params.get('minutes')) or 0:+d}"
        message = ngettext(
            "%(num)s later item moved by %(minutes)s minutes.",
            "%(num)s later items moved by %(minutes)s minutes.",
            int_or_none(params.get("count")) or 0,
            minutes=signed,
        )
        if params.get("lengthened"):
            message += " " + _("Its own end moved by %(minutes)s minutes too.", minutes=signed)
        return message
    if done == "released":
        number = int_or_none(params.get("number")) or 0
        return _("Release %(number)s is published: the public agenda shows it now.", number=number)
    messages = {
        "added": _("Item added."),
        "saved": _("Item saved."),
        "unchanged": _("Nothing was changed."),
        "duplicated": _("Item duplicated: the copy starts where the original ends."),
        "moved": _("Item moved."),
        "deleted": _("Item deleted."),
    }
    return messages.get(done, "")


def editor_path(request: Request, event: Event, day: date, **params: Any) -> str:
    query = urlencode({"day": day.isoformat(), **{k: v for k, v in params.items() if v != ""}})
    return path_for(request, "show_agenda_editor", event_id=event.id) + f"?{query}"


def after_change(
    request: Request,
    db: Db,
    event: Event,
    role: Role,
    done: str,
    *,
    item: AgendaItem | None = None,
    day: date | None = None,
    proposal: tuple[ItemKind, int | None] | None = None,
    **params: Any,
) -> Response:
    """After a successful change from the editor: 303 back to the day of `item` (at the item)
    or `day`, or for htmx that day's block at once."""
    day = agenda.local_day(event, item.starts_at) if item is not None else day
    if is_htmx_fragment_request(request):
        message = done_message({"done": done, **{k: str(v) for k, v in params.items()}})
        replace = {"HX-Replace-Url": editor_path(request, event, day)}
        return show_day(
            request, db, event, role, day=day, message=message, proposal=proposal, headers=replace
        )
    if proposal is not None:
        params.update(kind=str(proposal[0]), room=proposal[1] or "")
    anchor = f"#item-{item.id}" if item is not None else ""
    return see_other(request, editor_path(request, event, day, done=done, **params) + anchor)


@router.get("/events/{event_id}/agenda", name="show_agenda_editor")
def show_agenda_editor(request: Request, event_id: RowId, db: Db, user: CurrentUser):
    event, role = event_for(db, user, event_id, EDITORS)
    day = _day_param(request.query_params.get("day"))
    message = done_message(request.query_params)
    return show_day(request, db, event, role, day=day, message=message)


def _item_in(
    db: Db, user: User, event_id: int, item_id: int
) -> tuple[Event, Role, AgendaItem, date]:
    """The event, the caller's role, the item and the local day it starts on; 404 for another
    event's item (403 and 404 for the event as everywhere)."""
    event, role = event_for(db, user, event_id, EDITORS)
    item = agenda.item_of(db, event, item_id)
    if item is None:
        raise HTTPException(status_code=404)
    return event, role, item, agenda.local_day(event, item.starts_at)


@router.post("/events/{event_id}/agenda/items", name="add_agenda_item")
def add_agenda_item(request: Request, event_id: RowId, db: Db, user: CurrentUser, form: Submitted):
    event, role = event_for(db, user, event_id, EDITORS)
    details, values, errors = parse_item_form(form, event)
    if details is not None:
        try:
            item = agenda.add_item(db, event, actor=user, details=details)
        except REFUSALS as refused:
            db.rollback()
            errors = refusal(refused, event, values)
        else:
            db.commit()
            proposal = (ItemKind(item.kind), item.room_id)
            return after_change(request, db, event, role, "added", item=item, proposal=proposal)
    day = _day_param(str(values.get("start_date", "")))
    return show_day(
        request, db, event, role, day=day, add_values=values, add_errors=errors, status_code=422
    )


# Editing an item ------------------------------------------------------------------------------


def _room_names(db: Db, event: Event) -> list[tuple[int, str]]:
    return [(room.id, room.name) for room in agenda.rooms_of(db, event)]


def _item_form(
    request: Request,
    event: Event,
    role: Role,
    item_id: int,
    day: date,
    rooms: list[tuple[int, str]],
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    version: int | None,
    was: dict[str, Any] | None,
    theirs: list[dict[str, str]] | None = None,
    inline: bool = False,
    status_code: int = 200,
) -> Response:
    """The edit form; `was` is what it was opened with (kept in hidden fields for a merge)."""
    languages = event.language_list
    first_title = str(values.get(f"title_{languages[0]}", "")).strip()
    context = {
        "event": event,
        "role": role,
        "item_id": item_id,
        "day": day,
        "day_label": long_day_label(day),
        "values": values,
        "errors": errors,
        "version": version,
        "was": was or {},
        "inline": inline and is_htmx_fragment_request(request),
        "theirs": theirs,
        "missing": [
            code
            for code in languages[1:]
            if first_title and not str(values.get(f"title_{code}", "")).strip()
        ],
        "field_labels": item_field_labels(event),
        "zone": zone_label(event, day),
        **form_options(event, rooms),
    }
    return render(
        request, "manage/agenda_item.html", context, block="item_form", status_code=status_code
    )


@router.get("/events/{event_id}/agenda/items/{item_id}/edit", name="show_edit_agenda_item")
def show_edit_agenda_item(
    request: Request, event_id: RowId, item_id: RowId, db: Db, user: CurrentUser
):
    event, role, item, day = _item_in(db, user, event_id, item_id)
    values = item_values(event, agenda.details_of(item))
    rooms = _room_names(db, event)
    return _item_form(
        request, event, role, item.id, day, rooms, values, {}, version=item.version, was=values,
        inline=True,
    )  # fmt: skip


@router.post("/events/{event_id}/agenda/items/{item_id}/edit", name="edit_agenda_item")
def edit_agenda_item(
    request: Request, event_id: RowId, item_id: RowId, db: Db, user: CurrentUser, form: Submitted
):
    event, role, item, day = _item_in(db, user, event_id, item_id)
    rooms = _room_names(db, event)
    details, values, errors = parse_item_form(form, event)
    version = int_or_none(form.get("version"))
    if version is None:
        errors.setdefault("__all__", incomplete_message())
    common = (request, event, role, item.id, day, rooms)
    inline = form.get("inline") == "1"
    if details is not None and version is not None and not errors:
        try:
            changes = agenda.update_item(
                db, event, item, actor=user, details=details, expected_version=version
            )
        except StaleEdit as stale:
            theirs = agenda.details_of(stale.current)
            their_version = stale.current.version
            db.rollback()
            # The form comes back holding their save with your changes on top; the panel shows
            # the fields where that differs from what is saved now.
            their_values = item_values(event, theirs)
            merged = merged_values(values, opened_with(values), their_values)
            merged_details = parse_item_values(merged, event)[0] or details
            rows = conflict_rows(event, theirs, merged_details, dict(rooms))
            return _item_form(
                *common,
                merged,
                {},
                version=their_version,
                was=their_values,
                theirs=rows,
                inline=inline,
                status_code=409,
            )
        except REFUSALS as refused:
            db.rollback()
            errors = refusal(refused, event, values)
        else:
            db.commit()
            done = "saved" if changes else "unchanged"
            if inline and is_htmx_fragment_request(request):
                # Opened in place on the editor: the whole day comes back, as after a move.
                response = after_change(request, db, event, role, done, item=item)
                response.headers.update({"HX-Retarget": "#agenda-day", "HX-Reswap": "outerHTML"})
                return response
            new_day = agenda.local_day(event, item.starts_at)
            target = editor_path(request, event, new_day, done=done)
            return see_other(request, target + f"#item-{item.id}")
    return _item_form(
        *common,
        values,
        errors,
        version=version,
        was=opened_with(values),
        inline=inline,
        status_code=422,
    )


# Duplicating, moving, shifting and deleting from the editor ------------------------------------


@router.post("/events/{event_id}/agenda/items/{item_id}/duplicate", name="duplicate_agenda_item")
def duplicate_agenda_item(
    request: Request, event_id: RowId, item_id: RowId, db: Db, user: CurrentUser
):
    event, role, item, day = _item_in(db, user, event_id, item_id)
    try:
        copy = agenda.duplicate_item(db, event, item, actor=user)
    except agenda.OutsideEventDates:
        db.rollback()
        problem = _("This item starts outside the event's dates. Move it into them first.")
        return show_day(request, db, event, role, day=day, problem=problem, status_code=422)
    db.commit()
    return after_change(request, db, event, role, "duplicated", item=copy)


@router.get("/events/{event_id}/agenda/items/{item_id}/move", name="show_move_agenda_item")
def show_move_agenda_item(
    request: Request, event_id: RowId, item_id: RowId, db: Db, user: CurrentUser
):
    """The day with this item's move and shift forms open (only one item's at a time, so the
    page stays light)."""
    event, role, item, day = _item_in(db, user, event_id, item_id)
    return show_day(request, db, event, role, day=day, tools=item.id)


class MoveForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    start_date: date
    start_time: time
    room: int | None = None

    _required = field_validator("start_date", "start_time", mode="before")(blank_is_missing)
    _room = field_validator("room", mode="before")(room_choice)
    _years = field_validator("start_date")(plausible_year)


@router.post("/events/{event_id}/agenda/items/{item_id}/move", name="move_agenda_item")
def move_agenda_item(
    request: Request, event_id: RowId, item_id: RowId, db: Db, user: CurrentUser, form: Submitted
):
    event, role, item, day = _item_in(db, user, event_id, item_id)
    values = form_values(form)
    parsed, errors = parse(MoveForm, values)
    version = int_or_none(values.get("version"))
    if version is None:
        errors.setdefault("__all__", incomplete_message())
    starts_at = None
    if parsed is not None and not errors:
        starts_at = agenda.local_to_utc(parsed.start_date, parsed.start_time, agenda.zone_of(event))
        if starts_at is None:
            errors["start_time"] = gap_message()
    if parsed is not None and starts_at is not None and version is not None and not errors:
        try:
            agenda.move_item(
                db,
                event,
                item,
                actor=user,
                starts_at=starts_at,
                room_id=parsed.room,
                expected_version=version,
            )
        except StaleEdit as stale:
            title = agenda.title_of(stale.current.titles, event.language_list)
            day = agenda.local_day(event, stale.current.starts_at)
            db.rollback()
            problem = stale_problem(title)
            return show_day(
                request, db, event, role, day=day, tools=item_id, problem=problem, status_code=409
            )
        except REFUSALS as refused:
            db.rollback()
            errors = refusal(refused, event, values)
        else:
            db.commit()
            return after_change(request, db, event, role, "moved", item=item)
    failed = {"item_id": item_id, "form": "move", "values": values, "errors": errors}
    return show_day(request, db, event, role, day=day, failed=failed, status_code=422)


class ShiftForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    minutes: int
    lengthen: bool = False

    _required = field_validator("minutes", mode="before")(blank_is_missing)

    @field_validator("minutes")
    @classmethod
    def _reasonable(cls, value: int) -> int:
        if value == 0 or abs(value) > SHIFT_MINUTES_MAX:
            raise ValueError(
                _(
                    "Enter a number of minutes between -%(max)s and %(max)s, other than 0.",
                    max=SHIFT_MINUTES_MAX,
                )
            )
        return value


@router.post("/events/{event_id}/agenda/items/{item_id}/shift", name="shift_agenda_after")
def shift_agenda_after(
    request: Request, event_id: RowId, item_id: RowId, db: Db, user: CurrentUser, form: Submitted
):
    event, role, item, day = _item_in(db, user, event_id, item_id)
    values = form_values(form)
    parsed, errors = parse(ShiftForm, values)
    version = int_or_none(values.get("version"))
    if version is None:
        errors.setdefault("__all__", incomplete_message())
    if parsed is None or errors:
        failed = {"item_id": item_id, "form": "shift", "values": values, "errors": errors}
        return show_day(request, db, event, role, day=day, failed=failed, status_code=422)
    try:
        moved = agenda.shift_after(
            db,
            event,
            item,
            actor=user,
            minutes=parsed.minutes,
            lengthen=parsed.lengthen,
            expected_version=version,
        )
    except StaleEdit as stale:
        # It was moved or lengthened meanwhile: what is "after it" may have changed too.
        title = agenda.title_of(stale.current.titles, event.language_list)
        db.rollback()
        problem = stale_problem(title)
        return show_day(
            request, db, event, role, day=day, tools=item_id, problem=problem, status_code=409
        )
    db.commit()
    later = [each for each in moved if each.id != item.id]
    shifted = {"count": len(later), "minutes": parsed.minutes}
    if len(later) < len(moved):
        shifted["lengthened"] = 1
    return after_change(request, db, event, role, "shifted", item=item, **shifted)


@router.get("/events/{event_id}/agenda/items/{item_id}/delete", name="confirm_delete_agenda_item")
def confirm_delete_agenda_item(
    request: Request, event_id: RowId, item_id: RowId, db: Db, user: CurrentUser
):
    event, role, item, day = _item_in(db, user, event_id, item_id)
    return show_day(request, db, event, role, day=day, confirm_delete=item.id)


@router.post("/events/{event_id}/agenda/items/{item_id}/delete", name="delete_agenda_item")
def delete_agenda_item(
    request: Request, event_id: RowId, item_id: RowId, db: Db, user: CurrentUser, form: Submitted
):
    event, role, item, day = _item_in(db, user, event_id, item_id)
    version = int_or_none(form.get("version"))
    if version is None:
        return show_day(
            request, db, event, role, day=day, problem=incomplete_message(), status_code=422
        )
    try:
        agenda.delete_item(db, event, item, actor=user, expected_version=version)
    except StaleEdit as stale:
        title = agenda.title_of(stale.current.titles, event.language_list)
        db.rollback()
        return show_day(
            request, db, event, role, day=day, problem=stale_problem(title), status_code=409
        )
    db.commit()
    return after_change(request, db, event, role, "deleted", day=day)
