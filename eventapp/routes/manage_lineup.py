"""An agenda item's line-up in the organisers' editor: who appears on it, in which role, in
what order, and whether they have confirmed.

    page                                          owner  organiser  other members  non-member
    line-up, add, edit, move, reorder, remove     yes    yes        403            404

People come from the team's book (people.search, as you type with htmx; a plain GET form with
`?q=` without JavaScript). A new appearance is placed by protocol precedence; organisers then
reorder with the up/down buttons (plain forms) or by dragging (static/js/lineup.js posts the ids
in their new order to the reorder endpoint). Every form answers 303 on success, or the
`lineup` block for htmx; 422 or 409 re-render it with the reason beside the field.

The editor's day (manage_agenda/editor.py) reads each item's line-up summary and the people
booked on two items at once through `lineup_summaries` and `double_booked` here.
"""

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import select

from eventapp import agenda, people
from eventapp.events import StaleEdit
from eventapp.forms import Submitted, form_values, int_or_none, parse, see_other
from eventapp.i18n import gettext as _
from eventapp.models import (
    AgendaItem,
    Appearance,
    AppearanceRole,
    AppearanceStatus,
    Event,
    Person,
    Role,
    Room,
    User,
)
from eventapp.people import NameStyle, name_for
from eventapp.routes.access import EDITORS, CurrentUser, Db, RowId, event_for
from eventapp.routes.manage_agenda.item_form import (
    incomplete_message,
    long_day_label,
    plenary_label,
    time_range,
)
from eventapp.templating import is_htmx_fragment_request, path_for, render

router = APIRouter(prefix="/manage")

SEARCH_MAX = 200


def role_labels() -> dict[str, str]:
    """The roles in the order the role menus offer them."""
    return {role: people.role_label(role) for role in AppearanceRole}


def details_of(person: Person) -> str:
    """'Vice Minister for Foreign Affairs, Ministry of Foreign Affairs' (either may be empty)."""
    return ", ".join(
        " ".join(text.split()) for text in (person.position, person.organisation) if text.strip()
    )


# What the editor's day shows -------------------------------------------------------------------


def lineup_summaries(db: Db, event: Event, item_ids: list[int]) -> dict[int, list[dict]]:
    """{item id: [{name, role, status, status_label}]} for the items, in one query."""
    roles, statuses = role_labels(), people.status_labels()
    found = people.lineups(db, event, item_ids) if item_ids else {}
    return {
        item_id: [
            {
                "name": name_for(entry.person, NameStyle.AGENDA),
                "role": roles.get(entry.appearance.role, str(entry.appearance.role)),
                "status": str(entry.appearance.status),
                "status_label": statuses.get(entry.appearance.status, ""),
            }
            for entry in entries
        ]
        for item_id, entries in found.items()
    }


def double_booked(db: Db, event: Event) -> list[tuple[str, list[int]]]:
    """[(the person's name, [item ids])] for everyone on two overlapping items: two queries,
    however many people (the second only when someone is double-booked)."""
    bookings = people.double_bookings(db, event)
    if not bookings:
        return []
    ids = {person_id for person_id, _items in bookings}
    names = {
        person.id: name_for(person, NameStyle.AGENDA)
        for person in db.scalars(select(Person).where(Person.id.in_(ids)))
    }
    return [(names.get(person_id, ""), item_ids) for person_id, item_ids in bookings]


# The line-up page ------------------------------------------------------------------------------


def _item_in(db: Db, user: User, event_id: int, item_id: int) -> tuple[Event, Role, AgendaItem]:
    event, role = event_for(db, user, event_id, EDITORS)
    item = agenda.item_of(db, event, item_id)
    if item is None:
        raise HTTPException(status_code=404)
    return event, role, item


def _appearance_on(db: Db, event: Event, item: AgendaItem, appearance_id: int) -> Appearance:
    """The item's appearance, or 404 (another item's or another event's)."""
    appearance = people.appearance_in(db, event, appearance_id)
    if appearance is None or appearance.item_id != item.id:
        raise HTTPException(status_code=404)
    return appearance


def lineup_path(request: Request, event: Event, item: AgendaItem) -> str:
    return path_for(request, "show_lineup", event_id=event.id, item_id=item.id)


def _lineup_page(
    request: Request,
    db: Db,
    event: Event,
    role: Role,
    item: AgendaItem,
    *,
    query: str | None = None,
    add_values: dict[str, Any] | None = None,
    add_errors: dict[str, str] | None = None,
    failed: dict[str, Any] | None = None,
    confirm_remove: int | None = None,
    message: str = "",
    problem: str = "",
    block: str = "lineup",
    status_code: int = 200,
) -> Response:
    roles, statuses = role_labels(), people.status_labels()
    entries = people.lineups(db, event, [item.id]).get(item.id, [])
    add_values = add_values or {}
    if query is None:
        query = str(add_values.get("q", ""))
    query = query.strip()[:SEARCH_MAX]
    on_item = {entry.person.id for entry in entries}
    found = people.search(db, event, query)
    day = agenda.local_day(event, item.starts_at)
    room = db.get(Room, item.room_id) if item.room_id is not None else None
    path = lineup_path(request, event, item)
    context = {
        "event": event,
        "role": role,
        "item": item,
        "item_title": agenda.title_of(item.titles, event.language_list) or _("Untitled"),
        "when": f"{long_day_label(day)}, {time_range(item.starts_at, item.ends_at, event)}",
        "room_name": room.name if room is not None else plenary_label(),
        "entries": [
            {
                "id": entry.appearance.id,
                "version": entry.appearance.version,
                "name": name_for(entry.person, NameStyle.AGENDA),
                "details": details_of(entry.person),
                "role": str(entry.appearance.role),
                "role_label": roles.get(entry.appearance.role, str(entry.appearance.role)),
                "status": str(entry.appearance.status),
                "status_label": statuses.get(entry.appearance.status, ""),
            }
            for entry in entries
        ],
        "results": [
            {
                "id": person.id,
                "name": name_for(person, NameStyle.CARD),
                "details": details_of(person),
                "is_on_item": person.id in on_item,
            }
            for person in found
        ],
        "query": query,
        "role_options": list(roles.items()),
        "status_options": list(statuses.items()),
        "values": add_values,
        "errors": add_errors or {},
        "failed": failed or {},
        "confirm_remove": confirm_remove,
        "message": message,
        "problem": problem,
        "lineup_path": path,
        "search_path": path + "/search",
        "day_path": path_for(request, "show_agenda_editor", event_id=event.id)
        + "?"
        + urlencode({"day": day.isoformat()}),
    }
    return render(request, "manage/lineup.html", context, block=block, status_code=status_code)


def _done_message(done: str | None) -> str:
    messages = {
        "added": _("Added to the line-up."),
        "saved": _("Saved."),
        "unchanged": _("Nothing was changed."),
        "moved": _("Line-up reordered."),
        "removed": _("Removed from the line-up."),
    }
    return messages.get(done or "", "")


def _after_change(
    request: Request,
    db: Db,
    event: Event,
    role: Role,
    item: AgendaItem,
    done: str,
    appearance_id: int | None = None,
) -> Response:
    """303 back to the line-up (at the appearance), or for htmx the line-up at once."""
    if is_htmx_fragment_request(request):
        return _lineup_page(request, db, event, role, item, message=_done_message(done))
    anchor = f"#appearance-{appearance_id}" if appearance_id else ""
    return see_other(request, f"{lineup_path(request, event, item)}?done={done}{anchor}")


@router.get("/events/{event_id}/agenda/items/{item_id}/people", name="show_lineup")
def show_lineup(request: Request, event_id: RowId, item_id: RowId, db: Db, user: CurrentUser):
    event, role, item = _item_in(db, user, event_id, item_id)
    message = _done_message(request.query_params.get("done"))
    query = request.query_params.get("q", "")
    return _lineup_page(request, db, event, role, item, query=query, message=message)


@router.get("/events/{event_id}/agenda/items/{item_id}/people/search", name="search_lineup_people")
def search_lineup_people(
    request: Request, event_id: RowId, item_id: RowId, db: Db, user: CurrentUser
):
    """The search results alone for htmx (as you type); the whole page without it."""
    event, role, item = _item_in(db, user, event_id, item_id)
    query = request.query_params.get("q", "")
    return _lineup_page(request, db, event, role, item, query=query, block="search_results")


def _person_choice(value: Any) -> Any:
    number = int_or_none(value) if isinstance(value, str) else value
    if not isinstance(number, int) or not 1 <= number <= 2_147_483_647:
        raise ValueError(_("Choose a person from the list."))
    return number


class AddForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    person: int
    role: AppearanceRole

    _person = field_validator("person", mode="before")(_person_choice)


@router.post("/events/{event_id}/agenda/items/{item_id}/people", name="add_appearance")
def add_appearance(
    request: Request, event_id: RowId, item_id: RowId, db: Db, user: CurrentUser, form: Submitted
):
    event, role, item = _item_in(db, user, event_id, item_id)
    values = form_values(form)
    parsed, errors = parse(AddForm, {"person": "", **values})  # no choice: "choose a person"
    if parsed is not None and not errors:
        person = people.person_in(db, event, parsed.person)
        if person is None:
            raise HTTPException(status_code=404)
        try:
            appearance = people.add_appearance(
                db, event, item, person, actor=user, role=parsed.role
            )
        except people.AlreadyOnItem:
            db.rollback()
            name = name_for(person, NameStyle.AGENDA)
            errors = {"person": _("%(name)s is already on this item.", name=name)}
        else:
            db.commit()
            return _after_change(request, db, event, role, item, "added", appearance.id)
    return _lineup_page(
        request, db, event, role, item, add_values=values, add_errors=errors, status_code=422
    )


class EditForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    role: AppearanceRole
    status: AppearanceStatus


@router.post(
    "/events/{event_id}/agenda/items/{item_id}/people/{appearance_id}/edit",
    name="edit_appearance",
)
def edit_appearance(
    request: Request,
    event_id: RowId,
    item_id: RowId,
    appearance_id: RowId,
    db: Db,
    user: CurrentUser,
    form: Submitted,
):
    event, role, item = _item_in(db, user, event_id, item_id)
    appearance = _appearance_on(db, event, item, appearance_id)
    values = form_values(form)
    parsed, errors = parse(EditForm, values)
    version = int_or_none(values.get("version"))
    if version is None:
        errors.setdefault("__all__", incomplete_message())
    if parsed is None or errors:
        failed = {"id": appearance_id, "values": values, "errors": errors}
        return _lineup_page(request, db, event, role, item, failed=failed, status_code=422)
    try:
        changes = people.update_appearance(
            db,
            event,
            appearance,
            actor=user,
            role=parsed.role,
            status=parsed.status,
            expected_version=version,
        )
    except StaleEdit:
        db.rollback()
        person = db.get(Person, appearance.person_id)
        problem = _(
            "Someone else changed %(name)s on this item meanwhile, so nothing was done. It is "
            "shown as now saved; try again.",
            name=name_for(person, NameStyle.AGENDA) if person else "",
        )
        return _lineup_page(request, db, event, role, item, problem=problem, status_code=409)
    db.commit()
    done = "saved" if changes else "unchanged"
    return _after_change(request, db, event, role, item, done, appearance_id)


@router.post(
    "/events/{event_id}/agenda/items/{item_id}/people/{appearance_id}/move",
    name="move_appearance",
)
def move_appearance(
    request: Request,
    event_id: RowId,
    item_id: RowId,
    appearance_id: RowId,
    db: Db,
    user: CurrentUser,
    form: Submitted,
):
    event, role, item = _item_in(db, user, event_id, item_id)
    appearance = _appearance_on(db, event, item, appearance_id)
    direction = form.get("direction")
    if direction not in ("up", "down"):
        raise HTTPException(status_code=422)
    offset = -1 if direction == "up" else 1
    moved = people.move_appearance(db, event, appearance, actor=user, offset=offset)
    db.commit()
    done = "moved" if moved else "unchanged"  # at either end nothing moves
    return _after_change(request, db, event, role, item, done, appearance_id)


@router.post("/events/{event_id}/agenda/items/{item_id}/people/reorder", name="reorder_lineup")
def reorder_lineup(
    request: Request, event_id: RowId, item_id: RowId, db: Db, user: CurrentUser, form: Submitted
):
    """The line-up in the order of the `appearance` ids posted (dragging); ids that are not
    this item's, or not numbers, are ignored."""
    event, role, item = _item_in(db, user, event_id, item_id)
    ids = [int_or_none(value) for value in form.getlist("appearance") if isinstance(value, str)]
    people.reorder(
        db,
        event,
        item,
        actor=user,
        appearance_ids=[n for n in ids if n is not None and 1 <= n <= 2_147_483_647],
    )
    db.commit()
    return _after_change(request, db, event, role, item, "moved")


@router.get(
    "/events/{event_id}/agenda/items/{item_id}/people/{appearance_id}/remove",
    name="confirm_remove_appearance",
)
def confirm_remove_appearance(
    request: Request, event_id: RowId, item_id: RowId, appearance_id: RowId, db: Db,
    user: CurrentUser,
):  # fmt: skip
    event, role, item = _item_in(db, user, event_id, item_id)
    appearance = _appearance_on(db, event, item, appearance_id)
    return _lineup_page(request, db, event, role, item, confirm_remove=appearance.id)


@router.post(
    "/events/{event_id}/agenda/items/{item_id}/people/{appearance_id}/remove",
    name="remove_appearance",
)
def remove_appearance(
    request: Request, event_id: RowId, item_id: RowId, appearance_id: RowId, db: Db,
    user: CurrentUser,
):  # fmt: skip
    event, role, item = _item_in(db, user, event_id, item_id)
    appearance = _appearance_on(db, event, item, appearance_id)
    people.remove_appearance(db, event, appearance, actor=user)
    db.commit()
    return _after_change(request, db, event, role, item, "removed")
