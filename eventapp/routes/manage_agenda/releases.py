"""Releasing the draft agenda: the changes since the last release, the clashes still in it, the
past releases, and the release form."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from eventapp import agenda
from eventapp.forms import Submitted, form_values, parse, see_other
from eventapp.i18n import gettext as _
from eventapp.models import AgendaRelease, Event, Role, User
from eventapp.routes import manage_lineup
from eventapp.routes.access import EDITORS, CurrentUser, Db, RowId, event_for
from eventapp.routes.manage_agenda.editor import clash_list, editor_path
from eventapp.routes.manage_agenda.item_form import (
    local_clock,
    local_when,
    plenary_label,
)
from eventapp.templating import path_for, render, timezone_label

router = APIRouter()


# Releasing ------------------------------------------------------------------------------------


def change_labels() -> dict[str, str]:
    return {
        "added": _("Added"),
        "moved": _("Moved"),
        "retitled": _("Retitled"),
        "updated": _("Updated"),
        "cancelled": _("Cancelled"),
    }


def _change_rows(
    event: Event, changes: list[dict[str, Any]], room_names: dict[int, str]
) -> list[dict[str, Any]]:
    """The changelog as people read it: what happened to which item, when and where."""
    labels = change_labels()
    languages = event.language_list

    def place(brief: dict[str, Any]) -> str:
        starts = datetime.fromisoformat(brief["starts_at"])
        ends = datetime.fromisoformat(brief["ends_at"])
        room_id = brief.get("room_id")
        room = plenary_label() if room_id is None else room_names.get(room_id, "")
        return f"{local_when(starts, event)}–{local_clock(ends, event)}, {room}"

    rows = []
    for change in changes:
        after, before = change["after"], change.get("before")
        row = {
            "change": change["change"],
            "label": labels.get(change["change"], change["change"]),
            "title": agenda.title_of(after["titles"], languages) or _("Untitled"),
            "where": place(after),
            "was": "",
        }
        if before is not None and change["change"] == "moved":
            row["was"] = place(before)
        if before is not None and change["change"] == "retitled":
            row["was"] = agenda.title_of(before["titles"], languages)
        rows.append(row)
    return rows


def _pending_changes(db: Db, event: Event) -> tuple[list[dict], bool, dict, Any]:
    """(the changelog a release now would have, whether anything would be released, the
    draft snapshot, the latest release)."""
    latest = agenda.latest_release(db, event)
    draft = agenda.draft_snapshot(db, event)
    changes, has_changes = agenda.pending_changes(latest, draft)
    return changes, has_changes, draft, latest


def _past_releases(db: Db, event: Event) -> list[dict[str, Any]]:
    """Each release with who made it, newest first (without loading the snapshots)."""
    rows = db.execute(
        select(
            AgendaRelease.number,
            AgendaRelease.released_at,
            AgendaRelease.comment,
            AgendaRelease.changes,
            User.name,
            User.email,
        )
        .outerjoin(User, User.id == AgendaRelease.released_by_id)
        .where(AgendaRelease.event_id == event.id)
        .order_by(AgendaRelease.number.desc())
    ).all()
    return [
        {
            "number": number,
            "released_at": released_at,
            "comment": comment,
            "count": len(changes or []),
            "who": (name or email) if email else None,
        }
        for number, released_at, comment, changes, name, email in rows
    ]


def _release_page(
    request: Request,
    db: Db,
    event: Event,
    role: Role,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    problem: str = "",
    status_code: int = 200,
) -> Response:
    changes, has_changes, draft, latest = _pending_changes(db, event)
    room_names = {room["id"]: room["name"] for room in draft["rooms"]}
    if latest is not None:
        for room in latest.snapshot.get("rooms", []):
            room_names.setdefault(room["id"], room["name"])
    programme = agenda.Programme.from_snapshot(event, draft)
    context = {
        "event": event,
        "role": role,
        "changes": _change_rows(event, changes, room_names),
        "has_changes": has_changes,
        "latest_number": latest.number if latest else 0,
        "clash_list": clash_list(
            programme, programme.clashes(), booked=manage_lineup.double_booked(db, event)
        ),
        "releases": _past_releases(db, event),
        "values": values or {},
        "errors": errors or {},
        "problem": problem,
        "comment_max": agenda.COMMENT_MAX,
        "preview_path": path_for(request, "preview_agenda", event_id=event.id),
        "editor_path": path_for(request, "show_agenda_editor", event_id=event.id),
        "zone": timezone_label(event.starts_at, event.timezone),
    }
    return render(
        request,
        "manage/agenda_release.html",
        context,
        block="release_form",
        status_code=status_code,
    )


class ReleaseForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    comment: str = Field(default="", max_length=agenda.COMMENT_MAX)


@router.get("/events/{event_id}/agenda/release", name="show_agenda_release")
def show_agenda_release(request: Request, event_id: RowId, db: Db, user: CurrentUser):
    event, role = event_for(db, user, event_id, EDITORS)
    return _release_page(request, db, event, role)


@router.post("/events/{event_id}/agenda/release", name="release_agenda")
def release_agenda(request: Request, event_id: RowId, db: Db, user: CurrentUser, form: Submitted):
    event, role = event_for(db, user, event_id, EDITORS)
    values = form_values(form)
    parsed, errors = parse(ReleaseForm, values)
    if parsed is None or errors:
        return _release_page(
            request, db, event, role, values=values, errors=errors, status_code=422
        )
    try:
        entry = agenda.release(db, event, actor=user, comment=parsed.comment)
    except agenda.NothingToRelease:
        db.rollback()
        if agenda.latest_release(db, event) is None:
            problem = _("The agenda has no items yet. Add some before releasing it.")
        else:
            problem = _("Nothing has changed since the last release, so nothing was released.")
        return _release_page(
            request, db, event, role, values=values, problem=problem, status_code=409
        )
    db.commit()
    day = agenda.event_days(event)[0]
    target = editor_path(request, event, day, done="released", number=entry.number)
    return see_other(request, target)
