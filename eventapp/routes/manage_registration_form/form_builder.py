"""The form builder: the event's custom questions in order, edited in place, with a preview
of them as attendees see them."""

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from eventapp import events, questions
from eventapp.forms import Submitted, int_or_none, see_other
from eventapp.i18n import gettext as _
from eventapp.models import Event, Question, Role
from eventapp.routes.access import CurrentUser, Db, RowId
from eventapp.routes.manage_registration_form.common import (
    done_message,
    editor_event,
    incomplete_message,
    languages_of,
    posted,
)
from eventapp.templating import is_htmx_fragment_request, path_for, render

router = APIRouter()


def question_values(question: Question, event: Event) -> dict[str, Any]:
    """The question form's values for a saved question: choices one per line per language."""
    values: dict[str, Any] = {
        "kind": str(question.kind),
        "is_required": "on" if question.is_required else "",
    }
    for code in event.language_list:
        values[f"label_{code}"] = (question.labels or {}).get(code, "")
        values[f"help_{code}"] = (question.help or {}).get(code, "")
        values[f"choices_{code}"] = "\n".join(
            (choice.get("labels") or {}).get(code, "") for choice in question.choices or []
        ).strip("\n")
    return values


def question_labels(event: Event) -> dict[str, str]:
    labels = {"kind": _("Kind of answer"), "is_required": _("Required")}
    for code, name in languages_of(event):
        labels[f"label_{code}"] = _("Question (%(language)s)", language=name)
        labels[f"help_{code}"] = _("Help text (%(language)s)", language=name)
        labels[f"choices_{code}"] = _("Choices, one per line (%(language)s)", language=name)
    return labels


def _question_fields(values: dict[str, Any], event: Event) -> tuple[dict[str, Any], dict]:
    """The rule's keyword arguments from the form's values, or the errors of the choices."""
    languages = event.language_list or ["en"]
    kind = str(values.get("kind", ""))
    choices: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    if kind in questions.CHOICE_KINDS:
        choices, errors = questions.choices_from_lines(
            {code: values.get(f"choices_{code}", "") for code in languages}, languages
        )
    fields = {
        "kind": kind,
        "labels": {code: str(values.get(f"label_{code}", "")) for code in languages},
        "help": {code: str(values.get(f"help_{code}", "")) for code in languages},
        "choices": choices,
        "is_required": bool(values.get("is_required")),
    }
    return fields, errors


def _question_conflict(
    theirs: dict[str, Any], yours: dict[str, Any], labels: dict[str, str]
) -> list[dict[str, str]]:
    kinds = questions.kind_labels()

    def shown(name: str, value: Any) -> str:
        text = "\n".join(
            line.strip() for line in str(value or "").replace("\r\n", "\n").strip().split("\n")
        )
        if name == "is_required":
            return _("Yes") if text else _("No")
        return kinds.get(text, text) if name == "kind" else text

    return [
        {"field": name, "theirs": shown(name, value), "yours": shown(name, yours.get(name))}
        for name, value in theirs.items()
        if name in labels and shown(name, value) != shown(name, yours.get(name))
    ]


def _preview_language(request: Request, event: Event) -> str:
    asked = request.query_params.get("preview", "")
    languages = event.language_list or ["en"]
    return asked if asked in languages else languages[0]


def _questions_page(
    request: Request,
    db: Db,
    event: Event,
    role: Role,
    *,
    new_values: dict[str, Any] | None = None,
    new_errors: dict[str, str] | None = None,
    editing: Question | None = None,
    edit_values: dict[str, Any] | None = None,
    edit_errors: dict[str, str] | None = None,
    edit_version: int | None = None,
    theirs: list[dict[str, str]] | None = None,
    confirm_delete: int | None = None,
    message: str = "",
    status_code: int = 200,
) -> Response:
    preview = _preview_language(request, event)
    found = questions.for_event(db, event)
    context = {
        "event": event,
        "role": role,
        "questions": found,
        "kinds": list(questions.kind_labels().items()),
        "kind_labels": questions.kind_labels(),
        "choice_kinds": [str(kind) for kind in questions.CHOICE_KINDS],
        "languages": languages_of(event),
        "main_language": (event.language_list or ["en"])[0],
        "new_values": new_values if new_values is not None else {"kind": "short_text"},
        "new_errors": new_errors or {},
        "editing": editing,
        "edit_values": edit_values or {},
        "edit_errors": edit_errors or {},
        "edit_version": edit_version,
        "theirs": theirs,
        "confirm_delete": confirm_delete,
        "field_labels": question_labels(event),
        "preview_language": preview,
        "countries": questions.countries(preview),
        "is_full": len(found) >= questions.QUESTIONS_MAX,
        "message": message or done_message(request.query_params.get("done")),
    }
    return render(
        request,
        "manage/registration_questions.html",
        context,
        block="questions_panel",
        status_code=status_code,
    )


def _question_or_404(db: Db, event: Event, question_id: int) -> Question:
    found = questions.question_in(db, event, question_id)
    if found is None:
        raise HTTPException(status_code=404)
    return found


def _after_question_change(
    request: Request, db: Db, event: Event, role: Role, done: str, anchor: str = ""
) -> Response:
    """htmx: the panel again, with the news; a plain form: 303 back to the page."""
    if is_htmx_fragment_request(request):
        return _questions_page(request, db, event, role, message=done_message(done))
    path = path_for(request, "show_registration_questions", event_id=event.id)
    return see_other(request, f"{path}?done={done}{anchor}")


@router.get("/events/{event_id}/registration/questions", name="show_registration_questions")
def show_registration_questions(request: Request, event_id: RowId, db: Db, user: CurrentUser):
    event, role = editor_event(db, user, event_id)
    return _questions_page(request, db, event, role)


@router.post("/events/{event_id}/registration/questions", name="add_registration_question")
def add_registration_question(
    request: Request, event_id: RowId, db: Db, user: CurrentUser, form: Submitted
):
    event, role = editor_event(db, user, event_id)
    values, errors = posted(form)
    fields, choice_errors = _question_fields(values, event)
    errors = {**choice_errors, **errors}
    if not errors:
        try:
            added = questions.add_question(db, event, actor=user, **fields)
        except questions.InvalidQuestion as invalid:
            db.rollback()
            errors = invalid.errors
        else:
            db.commit()
            return _after_question_change(
                request, db, event, role, "question-added", f"#question-{added.id}"
            )
    return _questions_page(
        request, db, event, role, new_values=values, new_errors=errors, status_code=422
    )


@router.get(
    "/events/{event_id}/registration/questions/{question_id}/edit",
    name="show_edit_registration_question",
)
def show_edit_registration_question(
    request: Request, event_id: RowId, question_id: RowId, db: Db, user: CurrentUser
):
    event, role = editor_event(db, user, event_id)
    question = _question_or_404(db, event, question_id)
    return _questions_page(
        request,
        db,
        event,
        role,
        editing=question,
        edit_values=question_values(question, event),
        edit_version=question.version,
    )


@router.post(
    "/events/{event_id}/registration/questions/{question_id}/edit",
    name="edit_registration_question",
)
def edit_registration_question(
    request: Request,
    event_id: RowId,
    question_id: RowId,
    db: Db,
    user: CurrentUser,
    form: Submitted,
):
    event, role = editor_event(db, user, event_id)
    question = _question_or_404(db, event, question_id)
    values, errors = posted(form)
    version = int_or_none(form.get("version"))
    if version is None:
        errors.setdefault("__all__", incomplete_message())
    fields, choice_errors = _question_fields(values, event)
    errors = {**choice_errors, **errors}
    common = {"editing": question, "edit_values": values, "edit_version": version}
    if errors or version is None:
        return _questions_page(
            request, db, event, role, **common, edit_errors=errors, status_code=422
        )
    try:
        changes = questions.update_question(
            db, event, question, actor=user, expected_version=version, **fields
        )
    except questions.InvalidQuestion as invalid:
        db.rollback()
        return _questions_page(
            request, db, event, role, **common, edit_errors=invalid.errors, status_code=422
        )
    except events.StaleEdit as stale:
        saved = question_values(stale.current, event)
        their_version = stale.current.version
        db.rollback()
        rows = _question_conflict(saved, values, question_labels(event))
        common["edit_version"] = their_version
        return _questions_page(request, db, event, role, **common, theirs=rows, status_code=409)
    db.commit()
    return _after_question_change(
        request,
        db,
        event,
        role,
        "question-saved" if changes else "unchanged",
        f"#question-{question.id}",
    )


@router.post(
    "/events/{event_id}/registration/questions/{question_id}/move",
    name="move_registration_question",
)
def move_registration_question(
    request: Request,
    event_id: RowId,
    question_id: RowId,
    db: Db,
    user: CurrentUser,
    form: Submitted,
):
    event, role = editor_event(db, user, event_id)
    question = _question_or_404(db, event, question_id)
    direction = form.get("direction")
    if direction not in ("up", "down"):
        raise HTTPException(status_code=422)
    questions.move_question(db, event, question, actor=user, offset=-1 if direction == "up" else 1)
    db.commit()
    return _after_question_change(
        request, db, event, role, "question-moved", f"#question-{question.id}"
    )


@router.get(
    "/events/{event_id}/registration/questions/{question_id}/delete",
    name="confirm_delete_registration_question",
)
def confirm_delete_registration_question(
    request: Request, event_id: RowId, question_id: RowId, db: Db, user: CurrentUser
):
    event, role = editor_event(db, user, event_id)
    question = _question_or_404(db, event, question_id)
    return _questions_page(request, db, event, role, confirm_delete=question.id)


@router.post(
    "/events/{event_id}/registration/questions/{question_id}/delete",
    name="delete_registration_question",
)
def delete_registration_question(
    request: Request, event_id: RowId, question_id: RowId, db: Db, user: CurrentUser
):
    event, role = editor_event(db, user, event_id)
    question = _question_or_404(db, event, question_id)
    questions.delete_question(db, event, question, actor=user)
    db.commit()
    return _after_question_change(request, db, event, role, "question-deleted")
