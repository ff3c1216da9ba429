"""Rapporteurs' notes pages: the event's notes (assignment, review queue, my notes), the editor
with autosave and a conflict view, review steps, and the revision history.

Who may do what (checked on every request by `event_for` and `notes.can_edit`):

    page                                  owner, organiser  rapporteur           others
    notes list                            every item        their items          403
    editor, save, submit, revisions       every item        assigned items only  403
                                                            (others: 404)
    assign, request changes, approve,     yes               403                  403
    publish, unpublish

Every form is a plain POST first (303 on success; 422 or 409 re-rendering with the reasons);
htmx then autosaves the editor while one types, answering a small status fragment and the new
version out of band, so the next save names it.
"""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select
from starlette.datastructures import FormData

from eventapp import agenda, note_merge, notes, public_lineup
from eventapp.events import StaleEdit
from eventapp.forms import Submitted, form_values, int_or_none, see_other
from eventapp.i18n import gettext as _
from eventapp.markdown import render_markdown
from eventapp.models import AgendaItem, Event, Membership, Note, Role, Room, User
from eventapp.routes.access import EDITORS, CurrentUser, Db, RowId, event_for
from eventapp.routes.manage_agenda.item_form import incomplete_message
from eventapp.templating import is_htmx_fragment_request, path_for, render

router = APIRouter(prefix="/manage")

NOTE_ROLES = {Role.OWNER, Role.ORGANISER, Role.RAPPORTEUR}
EMPTY_ROWS = 3  # blank action item rows offered for new ones
MAX_ROWS = 500  # action item rows read from one form


def done_message(done: str | None) -> str:
    messages = {
        "saved": _("Note saved."),
        "unchanged": _("Nothing was changed."),
        "assigned": _("Rapporteur assigned."),
        "unassigned": _("Rapporteur removed."),
        "submitted": _("Note submitted for review."),
        "changes-requested": _("Changes requested. The rapporteurs have been told."),
        "approved": _("Note approved."),
        "published": _("Summary published."),
        "unpublished": _("Summary taken down from the public pages."),
        "restored": _("Revision restored as the newest revision."),
    }
    return messages.get(done or "", "")


def problem_message(error: notes.NoteError) -> str:
    if isinstance(error, notes.NotAllowedNow):
        status = notes.status_labels().get(error.status, str(error.status))
        return _("That step is not possible while the note is: %(status)s.", status=status)
    if isinstance(error, notes.EmptyNote):
        return _("Write something before submitting the note.")
    if isinstance(error, notes.AlreadyApproved):
        return _("You have already approved this revision.")
    if isinstance(error, notes.NoCohost):
        return _(
            "This event needs one approval from each co-host, and your membership speaks for "
            "none of them."
        )
    return _("That step is not possible now.")


def _title(event: Event, item: AgendaItem) -> str:
    return agenda.title_of(item.titles, event.language_list) or _("Untitled")


def _item_in(db: Db, user: User, event_id: int, item_id: int) -> tuple[Event, Role, AgendaItem]:
    """The event, the caller's role and an item they may edit the note of; 404 for another
    event's item or one not assigned to this rapporteur."""
    event, role = event_for(db, user, event_id, NOTE_ROLES)
    item = agenda.item_of(db, event, item_id)
    if item is None or not notes.can_edit(db, user, role, item):
        raise HTTPException(status_code=404)
    return event, role, item


def _editor_item(db: Db, user: User, event_id: int, item_id: int):
    event, role = event_for(db, user, event_id, EDITORS)
    item = agenda.item_of(db, event, item_id)
    if item is None:
        raise HTTPException(status_code=404)
    return event, role, item


# The event's notes -------------------------------------------------------------------------------


def _rapporteur_members(db: Db, event: Event) -> list[User]:
    return list(
        db.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.event_id == event.id, Membership.role == str(Role.RAPPORTEUR))
            .order_by(User.name, User.id)
        )
    )


def _notes_page(
    request: Request,
    db: Db,
    event: Event,
    role: Role,
    user: User,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    is_editor = role in EDITORS
    context: dict[str, Any] = {
        "event": event,
        "role": role,
        "is_editor": is_editor,
        "status_labels": notes.status_labels(),
        "message": done_message(request.query_params.get("done")) if status_code == 200 else "",
        "errors": errors or {},
    }
    if is_editor:
        items = agenda.items_of(db, event)
        by_item = {
            note.agenda_item_id: note
            for note in db.scalars(select(Note).where(Note.event_id == event.id))
        }
        assigned = notes.assignments_of(db, event)
        context["rows"] = [
            {
                "item": item,
                "title": _title(event, item),
                "note": by_item.get(item.id),
                "rapporteurs": assigned.get(item.id, []),
            }
            for item in items
        ]
        context["candidates"] = _rapporteur_members(db, event)
        context["queue"] = [
            {"item": item, "title": _title(event, item), "note": note}
            for item, note in notes.review_queue(db, event)
        ]
    else:
        context["mine"] = [
            {"item": item, "title": _title(event, item), "note": note}
            for item, note in notes.status_of_mine(db, event, user)
        ]
    return render(request, "manage/notes.html", context, status_code=status_code)


@router.get("/events/{event_id}/notes", name="show_notes")
def show_notes(request: Request, event_id: RowId, db: Db, user: CurrentUser):
    event, role = event_for(db, user, event_id, NOTE_ROLES)
    return _notes_page(request, db, event, role, user)


def _to_notes(request: Request, event: Event, done: str, anchor: str = "") -> str:
    return f"{path_for(request, 'show_notes', event_id=event.id)}?done={done}{anchor}"


@router.post("/events/{event_id}/notes/{item_id}/rapporteurs", name="assign_rapporteur")
def assign_rapporteur(
    request: Request, event_id: RowId, item_id: RowId, db: Db, user: CurrentUser, form: Submitted
):
    event, role, item = _editor_item(db, user, event_id, item_id)
    chosen = int_or_none(form.get("user_id"))
    candidate = next((u for u in _rapporteur_members(db, event) if u.id == chosen), None)
    if candidate is None:
        errors = {f"assign-{item.id}": _("Choose a member of the team with the rapporteur role.")}
        return _notes_page(request, db, event, role, user, errors=errors, status_code=422)
    notes.assign(db, event, item, candidate, actor=user)
    db.commit()
    return see_other(request, _to_notes(request, event, "assigned", f"#item-{item.id}"))


@router.post(
    "/events/{event_id}/notes/{item_id}/rapporteurs/{user_id}/remove", name="unassign_rapporteur"
)
def unassign_rapporteur(
    request: Request, event_id: RowId, item_id: RowId, user_id: RowId, db: Db, user: CurrentUser
):
    event, _role, item = _editor_item(db, user, event_id, item_id)
    rapporteur = db.get(User, user_id)
    if rapporteur is None or not notes.unassign(db, event, item, rapporteur, actor=user):
        raise HTTPException(status_code=404)
    db.commit()
    return see_other(request, _to_notes(request, event, "unassigned", f"#item-{item.id}"))


# The editor ---------------------------------------------------------------------------------------


def _clean(value: Any) -> str:
    return str(value or "").replace("\x00", "")


def _posted(form: FormData, event: Event) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The sections and action item rows as sent (every row, blank ones too: an error's index
    counts them)."""
    values = form_values(form)
    sections = {
        name: _clean(values.get(f"section_{name}")).replace("\r\n", "\n")
        for name in notes.text_sections(event)
    }
    count = min(int_or_none(values.get("action_rows")) or 0, MAX_ROWS)
    rows = [
        {field: _clean(values.get(f"action_{index}_{field}")) for field in notes.ACTION_FIELDS}
        for index in range(count)
    ]
    return sections, rows


def _filled(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [row for row in rows if any(str(value).strip() for value in row.values())]


def _previews(event: Event, sections: dict[str, str]) -> list[dict[str, str]]:
    labels = notes.section_labels()
    return [
        {"name": name, "label": labels[name], "html": render_markdown(sections.get(name, ""))}
        for name in notes.text_sections(event)
        if sections.get(name, "").strip()
    ]


def _lineup(db: Db, event: Event, item: AgendaItem) -> list[str]:
    found = public_lineup.public_lineups(db, event, [item.id])
    return public_lineup.lineup_lines(found.get(item.id, []))


def _action_errors(error: notes.InvalidActionItem) -> dict[str, str]:
    if error.field == "what":
        message = _("Say what is to be done.")
    else:
        message = _("Enter a date such as 2025-09-30.")
    return {f"action_{error.index}_{error.field}": message}


def _too_long(error: notes.TooLong) -> str:
    return _(
        "The note has %(length)s characters; a note can have at most %(max)s. Shorten it "
        "before saving.",
        length=format(error.length, ","),
        max=format(notes.MAX_CHARS, ","),
    )


def _note_page(
    request: Request,
    db: Db,
    event: Event,
    role: Role,
    user: User,
    item: AgendaItem,
    note: Note | None,
    *,
    sections: dict[str, str] | None = None,
    rows: list[dict[str, str]] | None = None,
    version: int | None = None,
    base: int | None = None,
    errors: dict[str, str] | None = None,
    problem: str = "",
    conflict: dict[str, Any] | None = None,
    comment: str = "",
    status_code: int = 200,
) -> Response:
    if sections is None:
        sections = {
            name: (note.sections.get(name, "") if note else "")
            for name in notes.text_sections(event)
        }
    blank = {field: "" for field in notes.ACTION_FIELDS}
    if rows is None:
        saved = [dict(entry) for entry in note.action_items] if note else []
        rows = saved + [blank] * EMPTY_ROWS
    elif not rows or _filled(rows[-1:]):
        rows = rows + [blank] * EMPTY_ROWS  # as posted (an error's index counts every row)
    room = db.get(Room, item.room_id) if item.room_id else None
    is_editor = role in EDITORS
    context = {
        "event": event,
        "role": role,
        "item": item,
        "title": _title(event, item),
        "room": room,
        "lineup": _lineup(db, event, item),
        "note": note,
        "status": note.status if note else "draft",
        "status_labels": notes.status_labels(),
        "section_names": notes.text_sections(event),
        "labels": notes.section_labels(),
        "has_action_items": notes.has_action_items(event),
        "sections": sections,
        "rows": rows,
        "version": version if version is not None else (note.version if note else 1),
        "base": base if base is not None else (note.revision_count if note else 0),
        "merge_outcomes": merge_outcomes(),
        "previews": _previews(event, sections),
        "errors": errors or {},
        "problem": problem,
        "conflict": conflict,
        "comment": comment,
        "is_editor": is_editor,
        "missing": notes.missing_approvals(db, event, note) if note and is_editor else [],
        "message": done_message(request.query_params.get("done")) if status_code == 200 else "",
        "max_chars": notes.MAX_CHARS,
    }
    return render(request, "manage/note.html", context, status_code=status_code)


def _to_note(request: Request, event: Event, item: AgendaItem, done: str) -> str:
    path = path_for(request, "show_note", event_id=event.id, item_id=item.id)
    return f"{path}?done={done}"


@router.get("/events/{event_id}/notes/{item_id}", name="show_note")
def show_note(request: Request, event_id: RowId, item_id: RowId, db: Db, user: CurrentUser):
    event, role, item = _item_in(db, user, event_id, item_id)
    return _note_page(request, db, event, role, user, item, notes.find_note(db, event, item))


def _autosave_answer(
    request: Request,
    event: Event,
    *,
    text: str,
    kind: str,
    version: int | None = None,
    base: int | None = None,
    previews: list[dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "event": event,
        "text": text,
        "kind": kind,
        "version": version,
        "base": base,
        "previews": previews,
    }
    return render(request, "manage/_note_autosave.html", context, status_code=status_code)


@router.post("/events/{event_id}/notes/{item_id}", name="save_note")
def save_note(
    request: Request, event_id: RowId, item_id: RowId, db: Db, user: CurrentUser, form: Submitted
):
    event, role, item = _item_in(db, user, event_id, item_id)
    sections, rows = _posted(form, event)
    version = int_or_none(form.get("version"))
    autosave = form.get("autosave") == "1" and is_htmx_fragment_request(request)
    base = int_or_none(form.get("base"))
    # a page shown again keeps the form's base: a later merge needs the revision it started from
    page = {"sections": sections, "rows": rows, "version": version, "base": base}
    if version is None:
        if autosave:
            return _autosave_answer(
                request, event, text=incomplete_message(), kind="warning", status_code=422
            )
        found = notes.find_note(db, event, item)
        errors = {"__all__": incomplete_message()}
        return _note_page(
            request, db, event, role, user, item, found, **page, errors=errors, status_code=422
        )
    if form.get("preview") == "1":
        found = notes.find_note(db, event, item)
        return _note_page(request, db, event, role, user, item, found, **page)
    note = notes.note_for(db, event, item)
    try:
        notes.save(
            db, event, note, actor=user, sections=sections, action_items=rows,
            expected_version=version, autosave=autosave, base_revision=base,
        )  # fmt: skip
    except StaleEdit as stale:
        current = stale.current
        theirs = (dict(current.sections), [dict(entry) for entry in current.action_items])
        their_version, their_revision = current.version, current.revision_count
        db.rollback()
        if autosave:
            text = _(
                "Someone else saved this note. Yours is not saved yet: press Save to compare "
                "both versions."
            )
            return _autosave_answer(request, event, text=text, kind="warning", status_code=409)
        conflict, merge = _conflict(
            event, _base_text(db, event, item, base), theirs, sections, rows
        )
        found = notes.find_note(db, event, item)
        return _note_page(
            request, db, event, role, user, item, found, sections=merge.sections,
            rows=merge.action_items, version=their_version, base=their_revision,
            conflict=conflict, status_code=409,
        )  # fmt: skip
    except notes.TooLong as error:
        db.rollback()
        if autosave:
            return _autosave_answer(
                request, event, text=_too_long(error), kind="warning", status_code=422
            )
        found = notes.find_note(db, event, item)
        errors = {"__all__": _too_long(error)}
        return _note_page(
            request, db, event, role, user, item, found, **page, errors=errors, status_code=422
        )
    except notes.InvalidActionItem as error:
        db.rollback()
        if autosave:
            text = _("An action item needs attention. Nothing has been saved yet.")
            return _autosave_answer(request, event, text=text, kind="warning", status_code=422)
        found = notes.find_note(db, event, item)
        return _note_page(
            request, db, event, role, user, item, found, **page, errors=_action_errors(error),
            status_code=422,
        )  # fmt: skip
    new_version, new_base = note.version, note.revision_count
    db.commit()
    if autosave:
        now = datetime.now(ZoneInfo(event.timezone)).strftime("%H:%M")
        return _autosave_answer(
            request,
            event,
            text=_("Saved at %(time)s", time=now),
            kind="success",
            version=new_version,
            base=new_base,
            previews=_previews(event, sections),
        )
    return see_other(
        request, _to_note(request, event, item, "saved" if new_version != version else "unchanged")
    )


def _base_text(
    db: Db, event: Event, item: AgendaItem, number: int | None
) -> tuple[dict[str, str], list[dict[str, str]]] | None:
    """The revision the person's text started from (0: the empty note; None: unknown)."""
    if number == 0:
        return {}, []
    note = notes.find_note(db, event, item)
    if note is None or number is None or not 0 < number <= note.revision_count:
        return None
    old = notes.revision_of(db, note, number)
    return (dict(old.sections), list(old.action_items)) if old is not None else None


def merge_outcomes() -> dict[str, str]:
    return {
        "theirs": _("their change is in the form"),
        "yours": _("your change is in the form"),
        "merged": _("both changes are in the form"),
    }


def _conflict(
    event: Event,
    base: tuple[dict[str, str], list[dict[str, str]]] | None,
    theirs: tuple[dict[str, str], list[dict[str, str]]],
    sections: dict[str, str],
    rows: list[dict[str, str]],
) -> tuple[dict[str, Any], note_merge.NoteMerge]:
    """The conflict view (each part both changed, theirs beside yours; the parts merged; the
    whole note compared) and the merge the form now holds."""
    merge = note_merge.merge_note(
        notes.text_sections(event), base, theirs, (sections, _filled(rows)),
        with_action_items=notes.has_action_items(event),
    )  # fmt: skip
    mine_items = note_merge.normal_items(rows)
    their_text = notes.plain_text(event, *theirs)
    your_text = notes.plain_text(event, {k: v.rstrip() for k, v in sections.items()}, mine_items)
    labels = notes.section_labels()
    view = {
        "theirs": their_text,
        "yours": your_text,
        "diff": notes.diff_lines(their_text, your_text),
        "parts": [
            {
                "name": part.name,
                "label": labels[part.name],
                "theirs": part.theirs,
                "yours": part.yours,
                "diff": notes.diff_lines(part.theirs, part.yours),
            }
            for part in merge.conflicts
        ],
        "merged": [
            {"name": part.name, "label": labels[part.name], "outcome": part.outcome}
            for part in merge.merged
        ],
    }
    return view, merge


# Review and publication --------------------------------------------------------------------------


def _step(
    request: Request,
    db: Db,
    user: User,
    event_id: int,
    item_id: int,
    *,
    step: str,
    comment: str = "",
) -> Response:
    event, role, item = _item_in(db, user, event_id, item_id)
    if step != "submit" and role not in EDITORS:
        raise HTTPException(status_code=403)
    note = notes.find_note(db, event, item)
    try:
        if note is None:
            raise notes.EmptyNote() if step == "submit" else notes.NotAllowedNow("draft")
        if step == "submit":
            notes.submit(db, event, note, actor=user)
        elif step == "request_changes":
            notes.request_changes(db, event, note, actor=user, comment=comment)
        elif step == "approve":
            notes.approve(db, event, note, actor=user)
        elif step == "publish":
            notes.publish(db, event, note, actor=user)
        else:
            notes.unpublish(db, event, note, actor=user)
    except notes.CommentRequired:
        db.rollback()
        found = notes.find_note(db, event, item)
        errors = {"comment": _("Say what should change.")}
        return _note_page(
            request, db, event, role, user, item, found, errors=errors, status_code=422
        )
    except notes.NoteError as error:
        db.rollback()
        found = notes.find_note(db, event, item)
        return _note_page(
            request, db, event, role, user, item, found, problem=problem_message(error),
            comment=comment, status_code=409,
        )  # fmt: skip
    db.commit()
    done = {
        "submit": "submitted",
        "request_changes": "changes-requested",
        "approve": "approved",
        "publish": "published",
        "unpublish": "unpublished",
    }[step]
    return see_other(request, _to_note(request, event, item, done))


@router.post("/events/{event_id}/notes/{item_id}/submit", name="submit_note")
def submit_note(request: Request, event_id: RowId, item_id: RowId, db: Db, user: CurrentUser):
    return _step(request, db, user, event_id, item_id, step="submit")


@router.post("/events/{event_id}/notes/{item_id}/request-changes", name="request_note_changes")
def request_note_changes(
    request: Request, event_id: RowId, item_id: RowId, db: Db, user: CurrentUser, form: Submitted
):
    comment = _clean(form.get("comment")).replace("\r\n", "\n")[:5000]
    return _step(request, db, user, event_id, item_id, step="request_changes", comment=comment)


@router.post("/events/{event_id}/notes/{item_id}/approve", name="approve_note")
def approve_note(request: Request, event_id: RowId, item_id: RowId, db: Db, user: CurrentUser):
    return _step(request, db, user, event_id, item_id, step="approve")


@router.post("/events/{event_id}/notes/{item_id}/publish", name="publish_note")
def publish_note(request: Request, event_id: RowId, item_id: RowId, db: Db, user: CurrentUser):
    return _step(request, db, user, event_id, item_id, step="publish")


@router.post("/events/{event_id}/notes/{item_id}/unpublish", name="unpublish_note")
def unpublish_note(request: Request, event_id: RowId, item_id: RowId, db: Db, user: CurrentUser):
    return _step(request, db, user, event_id, item_id, step="unpublish")


# Revisions ----------------------------------------------------------------------------------------


def _revisions_page(
    request: Request,
    db: Db,
    event: Event,
    role: Role,
    item: AgendaItem,
    note: Note | None,
    *,
    problem: str = "",
    status_code: int = 200,
) -> Response:
    found = notes.revisions(db, note) if note else []
    user_ids = {revision.user_id for revision in found if revision.user_id}
    names = (
        {u.id: u.name or u.email for u in db.scalars(select(User).where(User.id.in_(user_ids)))}
        if user_ids
        else {}
    )
    numbers = {revision.number: revision for revision in found}
    a = int_or_none(request.query_params.get("a"))
    b = int_or_none(request.query_params.get("b"))
    diff = None
    if a in numbers and b in numbers:
        old, new = numbers[a], numbers[b]
        diff = notes.diff_lines(
            notes.plain_text(event, old.sections, old.action_items),
            notes.plain_text(event, new.sections, new.action_items),
        )
    context = {
        "event": event,
        "role": role,
        "item": item,
        "title": _title(event, item),
        "note": note,
        "revisions": found,
        "names": names,
        "a": a,
        "b": b,
        "diff": diff,
        "problem": problem,
        "message": done_message(request.query_params.get("done")) if status_code == 200 else "",
    }
    return render(request, "manage/note_revisions.html", context, status_code=status_code)


@router.get("/events/{event_id}/notes/{item_id}/revisions", name="show_note_revisions")
def show_note_revisions(
    request: Request, event_id: RowId, item_id: RowId, db: Db, user: CurrentUser
):
    event, role, item = _item_in(db, user, event_id, item_id)
    return _revisions_page(request, db, event, role, item, notes.find_note(db, event, item))


@router.post(
    "/events/{event_id}/notes/{item_id}/revisions/{number}/restore", name="restore_note_revision"
)
def restore_note_revision(
    request: Request,
    event_id: RowId,
    item_id: RowId,
    number: RowId,
    db: Db,
    user: CurrentUser,
    form: Submitted,
):
    event, role, item = _item_in(db, user, event_id, item_id)
    note = notes.find_note(db, event, item)
    if note is None or notes.revision_of(db, note, number) is None:
        raise HTTPException(status_code=404)
    version = int_or_none(form.get("version"))
    try:
        if version is None:
            raise StaleEdit(note)
        notes.restore(db, event, note, number, actor=user, expected_version=version)
    except StaleEdit:
        db.rollback()
        problem = _(
            "Someone saved this note since you opened the history. Look at the newest "
            "revision before restoring an older one."
        )
        found = notes.find_note(db, event, item)
        return _revisions_page(
            request, db, event, role, item, found, problem=problem, status_code=409
        )
    except notes.TooLong as error:
        db.rollback()
        found = notes.find_note(db, event, item)
        return _revisions_page(
            request, db, event, role, item, found, problem=_too_long(error), status_code=422
        )
    db.commit()
    return see_other(request, _to_note(request, event, item, "restored"))
