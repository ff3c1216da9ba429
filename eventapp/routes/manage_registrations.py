"""The organisers' registrations: the list with its counts, search and filters, the actions on
one or many (approve, reject, cancel), one registration's page (details, edit, erase), adding
someone by hand, the exports (CSV, XLSX) and the name badges (PDF).

Who may do what (checked on every request by `event_for`):

    page                                         owner, organiser   registrar, viewer   others
    list, one registration (read)                yes                yes                 403 / 404
    approve, reject, cancel, edit, add, erase    yes                403                 403 / 404
    CSV, XLSX (personal data)                    yes                403                 403 / 404
    badges (PDF)                                 yes                registrar only      403 / 404

Another event's registration answers 404. Every action is a plain POST first (303 back to the
list, keeping its search and filters); htmx then enhances the row actions (the answer is the
changed row) and the bulk decision (the answer is the list). The list reads a page of 50 in a
constant number of queries however many registrations there are (see `listing`).
"""

import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, String, case, cast, func, null, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session
from starlette.background import BackgroundTask
from starlette.datastructures import FormData

from eventapp import events, i18n, retention, team
from eventapp import questions as question_rules
from eventapp import registration as rules
from eventapp.db import new_session
from eventapp.exports import badges as badge_export
from eventapp.exports import registrations as table_export
from eventapp.exports.registrations import Listed
from eventapp.forms import Submitted, form_values, int_or_none, parse, see_other
from eventapp.i18n import gettext as _
from eventapp.models import (
    CheckIn,
    Event,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
    Role,
    User,
)
from eventapp.routes.access import EDITORS, CurrentUser, Db, RowId, event_for
from eventapp.routes.agenda_exports import PRIVATE, XLSX, _attachment
from eventapp.routes.manage_people import conflict_rows
from eventapp.templating import is_htmx_fragment_request, path_for, render

router = APIRouter(prefix="/manage")

READERS = {Role.OWNER, Role.ORGANISER, Role.REGISTRAR, Role.VIEWER}
BADGE_PRINTERS = {Role.OWNER, Role.ORGANISER, Role.REGISTRAR}
PER_PAGE = 50
PAGE_MAX = 100_000
Q_MAX = 200
FILTERABLE = (
    QuestionKind.SINGLE_CHOICE,
    QuestionKind.MULTIPLE_CHOICE,
    QuestionKind.CHECKBOX,
    QuestionKind.YES_NO,
)
OptionalId = Annotated[int, Query(ge=0, le=2_147_483_647)]
_ANSWER = re.compile(r"^(\d{1,10}):([A-Za-z0-9_-]{1,40})$")


def done_message(done: str | None) -> str:
    messages = {
        "approved": _("Registration approved; the attendee is told by mail."),
        "approved-waitlisted": _(
            "Registration approved, but no place is left: the attendee is on the waiting list "
            "and is told so by mail."
        ),
        "already": _("Nothing was changed: someone else had already decided or cancelled it."),
        "rejected": _("Registration rejected; the attendee is told by mail."),
        "cancelled": _("Registration cancelled; the attendee is told by mail."),
        "decided": _("Decisions saved; each attendee is told by mail."),
        "none": _("Nothing was changed: tick the registrations awaiting approval first."),
        "added": _("Registration added; the attendee gets their link by mail."),
        "saved": _("Changes saved; the attendee is told by mail."),
        "unchanged": _("Nothing was changed."),
        "erased": _("This person's data is erased."),
    }
    return messages.get(done or "", "")


# The list: filters, one page, counts ----------------------------------------------------------


@dataclass
class Filters:
    """What the list is narrowed to; the same for the list, its links and the exports."""

    q: str = ""
    status: str = ""
    answer: str = ""  # "<question id>:<choice id | yes | no>"
    page: int = 1

    @classmethod
    def from_params(cls, params: Any) -> "Filters":
        """From query parameters (or the `back` field of a form); anything odd is dropped."""
        q = " ".join(str(params.get("q") or "").replace("\x00", "").split())[:Q_MAX]
        status = str(params.get("status") or "")
        answer = str(params.get("answer") or "")
        page = int_or_none(params.get("page")) or 1
        return cls(
            q=q,
            status=status if status in set(RegistrationStatus) else "",
            answer=answer if _ANSWER.match(answer) else "",
            page=min(max(page, 1), PAGE_MAX),
        )

    def params(self, **changes: Any) -> dict[str, Any]:
        """Query parameters for a link (empty ones left out; page 1 too)."""
        values = {"q": self.q, "status": self.status, "answer": self.answer, "page": self.page}
        values.update(changes)
        return {k: v for k, v in values.items() if v and not (k == "page" and v == 1)}

    def query(self, **changes: Any) -> str:
        found = urlencode(self.params(**changes))
        return f"?{found}" if found else ""


def _answer_condition(questions: list[Question], answer: str) -> Any:
    """The SQL condition for "answered <choice> to <question>", the same on SQLite and
    PostgreSQL (JSON element access); None when the question is not this event's."""
    found = _ANSWER.match(answer)
    if not found:
        return None
    question = next((q for q in questions if str(q.id) == found[1]), None)
    if question is None or question.kind not in FILTERABLE:
        return None
    value, element = found[2], Registration.answers[str(question.id)]
    if question.kind == QuestionKind.SINGLE_CHOICE:
        return element.as_string() == value
    if question.kind == QuestionKind.YES_NO:
        return element.as_string() == value
    if question.kind == QuestionKind.CHECKBOX:
        ticked = element.as_boolean().is_(True)
        return ticked if value == "yes" else or_(element.as_boolean().is_(None), ~ticked)
    # A list of choice ids: its JSON text holds the id in quotes ('["c1", "c3"]').
    return cast(element, String).contains(f'"{value}"', autoescape=True)


def conditions(event: Event, filters: Filters, questions: list[Question]) -> list[Any]:
    where: list[Any] = [Registration.event_id == event.id]
    if filters.status:
        where.append(Registration.status == filters.status)
    for word in filters.q.split():
        where.append(
            or_(
                Registration.given_name.icontains(word, autoescape=True),
                Registration.family_name.icontains(word, autoescape=True),
                Registration.email.icontains(word, autoescape=True),
                Registration.organisation.icontains(word, autoescape=True),
            )
        )
    if filters.answer:
        condition = _answer_condition(questions, filters.answer)
        if condition is not None:
            where.append(condition)
    return where


def listing(event: Event, where: list[Any], *, with_position: bool = True) -> Select:
    """Registrations with their waiting-list position and check-in time, in one statement:
    the position counts the waiting list up to the row (the index on event, status, id
    answers it from the index alone: right for a page of rows, while an export of thousands
    numbers the list once, see `waiting_positions`), the check-in comes from an outer join."""
    ahead = aliased(Registration)
    position = (
        select(func.count())
        .where(
            ahead.event_id == Registration.event_id,
            ahead.status == RegistrationStatus.WAITLISTED,
            ahead.id <= Registration.id,
        )
        .correlate(Registration)
        .scalar_subquery()
    )
    return (
        select(
            Registration,
            case((Registration.status == RegistrationStatus.WAITLISTED, position), else_=None)
            if with_position
            else null(),
            CheckIn.checked_in_at,
        )
        .outerjoin(CheckIn, CheckIn.registration_id == Registration.id)
        .where(*where)
    )


def waiting_positions(db: Session, event: Event) -> dict[int, int]:
    """{registration id: place on the waiting list}, for the whole list at once."""
    ids = db.scalars(
        select(Registration.id)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.WAITLISTED,
        )
        .order_by(Registration.id)
    )
    return {registration_id: n for n, registration_id in enumerate(ids, start=1)}


def _listed(rows: Any) -> list[Listed]:
    return [Listed(found, position, checked_in_at) for found, position, checked_in_at in rows]


def answer_filters(questions: list[Question], language: str) -> list[tuple[str, str]]:
    """The answer filter's options: (value, "Question: choice") for every choice of the
    choice, yes/no and checkbox questions."""
    options = []
    yes_no = [("yes", _("Yes")), ("no", _("No"))]
    for question in questions:
        if question.kind not in FILTERABLE:
            continue
        if question.kind in question_rules.CHOICE_KINDS:
            choices = [
                (str(choice.get("id")), question_rules.choice_label(choice, language))
                for choice in question.choices or []
            ]
        else:
            choices = yes_no
        label = question_rules.label(question, language)
        options.extend((f"{question.id}:{value}", f"{label}: {text}") for value, text in choices)
    return options


def _pages(total: int, page: int) -> dict[str, Any]:
    last = max(1, -(-total // PER_PAGE))
    page = min(page, last)
    window = sorted({1, last, *range(max(1, page - 2), min(last, page + 2) + 1)})
    return {
        "page": page,
        "last": last,
        "total": total,
        "previous": page - 1 if page > 1 else None,
        "next": page + 1 if page < last else None,
        "numbers": window,
        "first_row": (page - 1) * PER_PAGE + 1 if total else 0,
        "last_row": min(page * PER_PAGE, total),
    }


def _row(listed: Listed) -> dict[str, Any]:
    found = listed.registration
    return {
        "registration": found,
        "name": rules.attendee_name(found) or (_("(erased)") if found.anonymised_at else "—"),
        "position": listed.position,
        "checked_in_at": listed.checked_in_at,
        "is_erased": found.anonymised_at is not None,
    }


def list_context(
    request: Request, db: Session, event: Event, role: Role, filters: Filters
) -> dict[str, Any]:
    """Everything the list page shows, in six queries after the access check, however many
    registrations there are."""
    questions = question_rules.for_event(db, event)
    where = conditions(event, filters, questions)
    total = db.scalar(select(func.count()).select_from(Registration).where(*where)) or 0
    pages = _pages(total, filters.page)
    filters = replace(filters, page=pages["page"])
    newest_first = filters.status != RegistrationStatus.WAITLISTED  # the queue in its order
    order = Registration.id.desc() if newest_first else Registration.id
    # The page's ids first (from the index), then their rows: so the positions and the
    # columns are worked out for 50 rows, not for every row the sort has to see.
    page_ids = (
        select(Registration.id)
        .where(*where)
        .order_by(order)
        .offset((pages["page"] - 1) * PER_PAGE)
        .limit(PER_PAGE)
    )
    rows = _listed(db.execute(listing(event, [Registration.id.in_(page_ids)]).order_by(order)))
    settings = rules.find_settings(db, event)
    language = i18n.current_language()
    return {
        "event": event,
        "role": role,
        "can_act": role in EDITORS,
        "can_print": role in BADGE_PRINTERS,
        "filters": filters,
        "list_url": path_for(request, "show_registrations", event_id=event.id),
        "back": urlencode(filters.params()),
        "counts": rules.counts(db, event),
        "status_labels": rules.status_labels(),
        "answer_options": answer_filters(questions, language),
        "rows": [_row(listed) for listed in rows],
        "pages": pages,
        "places_left": rules.places_left(settings) if settings else None,
        "capacity": settings.capacity if settings else None,
        "message": done_message(request.query_params.get("done")),
        "problem": "",
    }


def _list_page(
    request: Request,
    db: Session,
    event: Event,
    role: Role,
    filters: Filters,
    *,
    message: str | None = None,
    problem: str = "",
    status_code: int = 200,
) -> Response:
    context = list_context(request, db, event, role, filters)
    context["problem"] = problem
    if message is not None or problem:
        context["message"] = message or ""
    return render(
        request,
        "manage/registrations.html",
        context,
        block="registration_list",
        status_code=status_code,
    )


@router.get("/events/{event_id}/registrations", name="show_registrations")
def show_registrations(request: Request, event_id: RowId, db: Db, user: CurrentUser):
    event, role = event_for(db, user, event_id, READERS)
    return _list_page(request, db, event, role, Filters.from_params(request.query_params))


# Actions on one registration, and on many ---------------------------------------------------


def _registration_in(
    db: Session, user: User, event_id: int, registration_id: int, allowed: set[Role]
) -> tuple[Event, Role, Registration]:
    """The event, the caller's role and the registration; 404 for another event's."""
    event, role = event_for(db, user, event_id, allowed)
    found = db.get(Registration, registration_id)
    if found is None or found.event_id != event.id:
        raise HTTPException(status_code=404)
    return event, role, found


def _back(form: FormData) -> Filters:
    """The list's filters, carried through a form in its `back` field."""
    return Filters.from_params(dict(parse_qsl(str(form.get("back") or ""))[:10]))


def _to_list(request: Request, event: Event, filters: Filters, done: str) -> str:
    path = path_for(request, "show_registrations", event_id=event.id)
    params = {**filters.params(), "done": done}
    return f"{path}?{urlencode(params)}#registrations-list"


def _one_row(
    request: Request,
    db: Session,
    event: Event,
    role: Role,
    found: Registration,
    filters: Filters,
    *,
    message: str = "",
    problem: str = "",
    status_code: int = 200,
) -> Response:
    """The registration's row of the list, for htmx to swap in place."""
    listed = _listed(db.execute(listing(event, [Registration.id == found.id])))[0]
    context = {
        "event": event,
        "role": role,
        "can_act": role in EDITORS,
        "status_labels": rules.status_labels(),
        "list_url": path_for(request, "show_registrations", event_id=event.id),
        "back": urlencode(filters.params()),
        "row": {**_row(listed), "message": message, "problem": problem},
    }
    return render(
        request,
        "manage/registrations.html",
        context,
        block="registration_row",
        status_code=status_code,
    )


def full_message() -> str:
    return _(
        "No place is left and the waiting list is off, so nobody more can be approved. "
        "Raise the capacity, turn the waiting list on, or cancel someone first."
    )


def _act(
    request: Request,
    db: Session,
    user: User,
    event_id: int,
    registration_id: int,
    form: FormData,
    *,
    approve: bool | None,
) -> Response:
    """Approve (True), reject (False) or cancel (None) one registration."""
    event, role, found = _registration_in(db, user, event_id, registration_id, EDITORS)
    filters = _back(form)
    version = found.version
    try:
        if approve is None:
            rules.cancel(db, event, found, actor=user)
            done = "cancelled"
        elif rules.decide(db, event, found, actor=user, approve=approve) == (
            RegistrationStatus.WAITLISTED
        ):
            done = "approved-waitlisted"
        else:
            done = "approved" if approve else "rejected"
    except rules.Full:
        db.rollback()
        if is_htmx_fragment_request(request):
            return _one_row(
                request, db, event, role, found, filters, problem=full_message(),
                status_code=409,
            )  # fmt: skip
        return _list_page(
            request, db, event, role, filters, problem=full_message(), status_code=409
        )
    if found.version == version:
        done = "already"  # decided or cancelled by someone else meanwhile: nothing changed
    db.commit()
    if is_htmx_fragment_request(request):
        return _one_row(request, db, event, role, found, filters, message=done_message(done))
    if form.get("from") == "registration":
        return see_other(request, _to_registration(request, event, found, done))
    return see_other(request, _to_list(request, event, filters, done))


@router.post(
    "/events/{event_id}/registrations/{registration_id}/approve", name="approve_registration"
)
def approve_registration(
    request: Request,
    event_id: RowId,
    registration_id: RowId,
    db: Db,
    user: CurrentUser,
    form: Submitted,
):
    return _act(request, db, user, event_id, registration_id, form, approve=True)


@router.post(
    "/events/{event_id}/registrations/{registration_id}/reject", name="reject_registration"
)
def reject_registration(
    request: Request,
    event_id: RowId,
    registration_id: RowId,
    db: Db,
    user: CurrentUser,
    form: Submitted,
):
    return _act(request, db, user, event_id, registration_id, form, approve=False)


@router.post(
    "/events/{event_id}/registrations/{registration_id}/cancel", name="cancel_event_registration"
)
def cancel_event_registration(
    request: Request,
    event_id: RowId,
    registration_id: RowId,
    db: Db,
    user: CurrentUser,
    form: Submitted,
):
    return _act(request, db, user, event_id, registration_id, form, approve=None)


@router.post("/events/{event_id}/registrations/decide", name="decide_registrations")
def decide_registrations(
    request: Request, event_id: RowId, db: Db, user: CurrentUser, form: Submitted
):
    """Approve or reject the ticked registrations, all in one transaction: when the places
    run out part way (no waiting list), nothing is decided and the page says why."""
    event, role = event_for(db, user, event_id, EDITORS)
    filters = _back(form)
    approve = form.get("decision") == "approve"
    if form.get("decision") not in ("approve", "reject"):
        return _list_page(
            request, db, event, role, filters, problem=_("Choose approve or reject."),
            status_code=422,
        )  # fmt: skip
    ids = {n for n in (int_or_none(v) for v in form.getlist("ids")) if n and 0 < n < 2**31}
    chosen = []
    if ids:
        chosen = list(
            db.scalars(
                select(Registration)
                .where(
                    Registration.event_id == event.id,
                    Registration.id.in_(sorted(ids)[: PER_PAGE * 20]),
                    Registration.status == RegistrationStatus.PENDING,
                )
                .order_by(Registration.id)
            )
        )
    try:
        for found in chosen:
            rules.decide(db, event, found, actor=user, approve=approve)
    except rules.Full:
        db.rollback()
        problem = _(
            "Not enough places left for everyone ticked, and the waiting list is off: "
            "nobody was approved. Tick fewer, raise the capacity, or turn the waiting list on."
        )
        return _list_page(request, db, event, role, filters, problem=problem, status_code=409)
    db.commit()
    done = "decided" if chosen else "none"
    if is_htmx_fragment_request(request):
        return _list_page(request, db, event, role, filters, message=done_message(done))
    return see_other(request, _to_list(request, event, filters, done))


# One registration: details, edit, erase -------------------------------------------------------


class DetailsForm(BaseModel):
    """The built-in fields as posted (custom answers are read by `questions.parse_answers`)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    honorific: str = Field(default="", max_length=60)
    given_name: str = Field(default="", max_length=rules.NAME_MAX)
    family_name: str = Field(default="", max_length=rules.NAME_MAX)
    email: str = Field(min_length=1, max_length=254)
    organisation: str = Field(default="", max_length=300)
    position: str = Field(default="", max_length=300)
    country: str = Field(default="", max_length=100)


BUILT_IN = list(DetailsForm.model_fields)


def field_labels() -> dict[str, str]:
    return {
        "honorific": _("Honorific"),
        "given_name": _("Given name"),
        "family_name": _("Family name"),
        "email": _("Email"),
        "organisation": _("Organisation"),
        "position": _("Position"),
        "country": _("Country"),
        "in_participant_list": _("In the participant list"),
        "language": _("Language of their mail"),
    }


def registration_values(found: Registration, questions: list[Question]) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(found, name) for name in BUILT_IN}
    values["in_participant_list"] = found.in_participant_list
    for question in questions:
        values[question_rules.field_name(question)] = (found.answers or {}).get(str(question.id))
    return values


def parse_details(
    form: FormData, event: Event, questions: list[Question]
) -> tuple[rules.AttendeeDetails | None, dict[str, Any], dict[str, str]]:
    """(the details, the values as sent, messages by field)."""
    lists = {
        question_rules.field_name(q) for q in questions if q.kind == QuestionKind.MULTIPLE_CHOICE
    }
    values = {k: v for k, v in form_values(form, lists=lists).items() if k != "csrf_token"}
    parsed, errors = parse(DetailsForm, {name: values.get(name, "") for name in BUILT_IN})
    if parsed is not None and not (parsed.given_name or parsed.family_name):
        errors["given_name"] = _("Enter a given name or a family name.")
    email = rules.normalise_email(str(values.get("email", "")))
    if email and "email" not in errors and not team.is_valid_email(email):
        errors["email"] = _("Enter an email address such as name@example.org.")
    languages = event.language_list or [i18n.DEFAULT_LANGUAGE]
    language = values.get("language") if values.get("language") in languages else languages[0]
    answers, answer_errors = question_rules.parse_answers(
        questions, form, language=i18n.current_language()
    )
    errors.update(answer_errors)
    values["in_participant_list"] = values.get("in_participant_list") == "1"
    values["language"] = language
    for question in questions:
        name = question_rules.field_name(question)
        if question.kind == QuestionKind.CHECKBOX:
            values[name] = answers.get(str(question.id), False)
        elif name not in errors and str(question.id) in answers:
            values[name] = answers[str(question.id)]
    if parsed is None or errors:
        return None, values, errors
    details = rules.AttendeeDetails(
        **{name: getattr(parsed, name) for name in BUILT_IN},
        answers=answers,
        in_participant_list=values["in_participant_list"],
        language=language,
    )
    return details, values, {}


@dataclass
class Shown:
    """What the registration page shows of one answer."""

    question: Question
    label: str
    text: str


@dataclass
class FormState:
    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    version: int | None = None
    theirs: list[dict[str, str]] | None = None
    duplicate: Registration | None = None
    problem: str = ""


def _form_context(
    event: Event, role: Role, questions: list[Question], state: FormState
) -> dict[str, Any]:
    languages = event.language_list or [i18n.DEFAULT_LANGUAGE]
    labels = field_labels()
    for question in questions:
        labels[question_rules.field_name(question)] = question_rules.label(
            question, i18n.current_language()
        )
    return {
        "event": event,
        "role": role,
        "questions": questions,
        "values": state.values,
        "errors": state.errors,
        "version": state.version,
        "theirs": state.theirs,
        "duplicate": state.duplicate,
        "problem": state.problem,
        "field_labels": labels,
        "form_language": i18n.current_language(),
        "mail_languages": [(code, i18n.language_name(code)) for code in languages],
        "countries": question_rules.countries(i18n.current_language()),
    }


def _registration_page(
    request: Request,
    db: Session,
    event: Event,
    role: Role,
    found: Registration,
    *,
    state: FormState | None = None,
    confirm_erase: bool = False,
    status_code: int = 200,
) -> Response:
    questions = question_rules.for_event(db, event)
    language = i18n.current_language()
    listed = _listed(db.execute(listing(event, [Registration.id == found.id])))[0]
    state = state or FormState(registration_values(found, questions), version=found.version)
    context = {
        **_form_context(event, role, questions, state),
        "registration": found,
        "row": _row(listed),
        "can_act": role in EDITORS,
        "can_print": role in BADGE_PRINTERS,
        "status_labels": rules.status_labels(),
        "answers": [
            Shown(
                q,
                question_rules.label(q, language),
                question_rules.answer_text(q, (found.answers or {}).get(str(q.id)), language),
            )
            for q in questions
        ],
        "country_name": question_rules.country_name(found.country, language)
        if found.country
        else "",
        "confirm_erase": confirm_erase,
        "message": done_message(request.query_params.get("done")) if status_code == 200 else "",
        "back": "",
    }
    return render(
        request,
        "manage/registration.html",
        context,
        block="registration_form",
        status_code=status_code,
    )


def _places_left(db: Session, event: Event) -> int | None:
    settings = rules.find_settings(db, event)
    return rules.places_left(settings) if settings else None


def _to_registration(request: Request, event: Event, found: Registration, done: str) -> str:
    path = path_for(request, "show_event_registration", event_id=event.id, registration_id=found.id)
    return f"{path}?done={done}"


def _add_page(
    request: Request,
    db: Session,
    event: Event,
    role: Role,
    state: FormState,
    *,
    status_code: int = 200,
) -> Response:
    questions = question_rules.for_event(db, event)
    context = {
        **_form_context(event, role, questions, state),
        "registration": None,
        "places_left": _places_left(db, event),
    }
    return render(
        request,
        "manage/registration_add.html",
        context,
        block="registration_form",
        status_code=status_code,
    )


@router.get("/events/{event_id}/registrations/new", name="show_new_registration")
def show_new_registration(request: Request, event_id: RowId, db: Db, user: CurrentUser):
    event, role = event_for(db, user, event_id, EDITORS)
    languages = event.language_list or [i18n.DEFAULT_LANGUAGE]
    values: dict[str, Any] = {"language": languages[0], "in_participant_list": False}
    return _add_page(request, db, event, role, FormState(values))


@router.post("/events/{event_id}/registrations/new", name="add_registration")
def add_registration(request: Request, event_id: RowId, db: Db, user: CurrentUser, form: Submitted):
    """An organiser adds someone: the opening times and approval do not apply, the capacity
    does (the waiting list when full and on)."""
    event, role = event_for(db, user, event_id, EDITORS)
    questions = question_rules.for_event(db, event)
    details, values, errors = parse_details(form, event, questions)
    if details is None:
        return _add_page(request, db, event, role, FormState(values, errors), status_code=422)
    try:
        found = rules.register(db, event, details, actor=user)
    except rules.InvalidEmail:
        db.rollback()
        errors = {"email": _("Enter an email address such as name@example.org.")}
        return _add_page(request, db, event, role, FormState(values, errors), status_code=422)
    except rules.AlreadyRegistered as already:
        existing = already.registration
        db.rollback()
        errors = {"email": _("This email is already registered for this event.")}
        state = FormState(values, errors, duplicate=existing)
        return _add_page(request, db, event, role, state, status_code=422)
    except rules.Full:
        db.rollback()
        state = FormState(values, problem=full_message())
        return _add_page(request, db, event, role, state, status_code=409)
    db.commit()
    return see_other(request, _to_registration(request, event, found, "added"))


@router.get("/events/{event_id}/registrations.csv", name="registrations_csv")
def registrations_csv(request: Request, event_id: RowId, db: Db, user: CurrentUser):
    """Every registration (or those the list's filters pick), streamed as it is read."""
    event, _role = event_for(db, user, event_id, EDITORS)
    filters = Filters.from_params(request.query_params)
    return StreamingResponse(
        table_export.csv_chunks(_export_rows(event.id, filters)),
        media_type="text/csv; charset=utf-8",
        headers={
            **PRIVATE,
            "Content-Disposition": _attachment(f"{event.slug}-registrations.csv"),
        },
    )


@router.get("/events/{event_id}/registrations.xlsx", name="registrations_xlsx")
def registrations_xlsx(request: Request, event_id: RowId, db: Db, user: CurrentUser):
    """Written to a temporary file a chunk of rows at a time, sent from it, then removed."""
    event, _role = event_for(db, user, event_id, EDITORS)
    filters = Filters.from_params(request.query_params)
    path = export_xlsx(event.id, filters)
    return FileResponse(
        path,
        media_type=XLSX,
        headers={
            **PRIVATE,
            "Content-Disposition": _attachment(f"{event.slug}-registrations.xlsx"),
        },
        background=BackgroundTask(os.unlink, path),
    )


def _export_rows(event_id: int, filters: Filters) -> Iterator[list[str]]:
    """The table, read in chunks (a server-side cursor on PostgreSQL) in a session of its own:
    the response is sent after the request's session has closed."""
    with new_session() as db:
        event = db.get(Event, event_id)
        questions = question_rules.for_event(db, event)
        positions = waiting_positions(db, event)
        statement = (
            listing(event, conditions(event, filters, questions), with_position=False)
            .order_by(Registration.id)
            .execution_options(yield_per=table_export.CHUNK_ROWS)
        )
        found = (
            Listed(registration, positions.get(registration.id), checked_in_at)
            for registration, _none, checked_in_at in db.execute(statement)
        )
        yield from table_export.table(event, questions, found)


def export_xlsx(event_id: int, filters: Filters | None = None) -> Path:
    """The registrations as an XLSX file in the temporary directory; the caller removes it."""
    handle, name = tempfile.mkstemp(prefix="eventapp-registrations-", suffix=".xlsx")
    os.close(handle)
    path = Path(name)
    try:
        table_export.write_xlsx(
            _export_rows(event_id, filters or Filters()), path, title="Registrations"
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


@router.get("/events/{event_id}/registrations/badges.pdf", name="registration_badges")
def registration_badges(
    request: Request, event_id: RowId, db: Db, user: CurrentUser, registration: OptionalId = 0
):
    """Name badges of everyone confirmed, or of one person (`?registration=<id>`, any status
    but erased)."""
    event, _role = event_for(db, user, event_id, BADGE_PRINTERS)
    query = select(Registration).where(Registration.event_id == event.id)
    if registration:
        query = query.where(Registration.id == registration, Registration.anonymised_at.is_(None))
        people = list(db.scalars(query))
        if not people:
            raise HTTPException(status_code=404)
        filename = f"{event.slug}-badge-{registration}.pdf"
    else:
        query = query.where(
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.anonymised_at.is_(None),
        )
        people = list(
            db.scalars(
                query.order_by(Registration.family_name, Registration.given_name, Registration.id)
            )
        )
        filename = f"{event.slug}-badges.pdf"
    body = badge_export.badges_pdf(
        event, people, events.hosts_of(db, [event.id])[event.id], language=i18n.current_language()
    )
    return Response(
        body,
        media_type="application/pdf",
        headers={**PRIVATE, "Content-Disposition": _attachment(filename, inline=True)},
    )


@router.get("/events/{event_id}/registrations/{registration_id}", name="show_event_registration")
def show_event_registration(
    request: Request, event_id: RowId, registration_id: RowId, db: Db, user: CurrentUser
):
    event, role, found = _registration_in(db, user, event_id, registration_id, READERS)
    return _registration_page(request, db, event, role, found)


def _conflict_rows(
    theirs: dict[str, Any], yours: dict[str, Any], labels: dict[str, str], questions: list[Question]
) -> list[dict[str, str]]:
    """The fields where the saved registration differs from the form as sent, as text."""
    language = i18n.current_language()
    by_name = {question_rules.field_name(q): q for q in questions}

    def text(name: str, value: Any) -> str:
        if name in by_name:
            return question_rules.answer_text(by_name[name], value, language)
        if name == "in_participant_list":
            return _("Yes") if value else _("No")
        return "" if value is None else str(value)

    return conflict_rows(
        {name: text(name, value) for name, value in theirs.items()},
        {name: text(name, yours.get(name)) for name in theirs},
        labels,
    )


@router.post("/events/{event_id}/registrations/{registration_id}", name="edit_registration")
def edit_registration(
    request: Request,
    event_id: RowId,
    registration_id: RowId,
    db: Db,
    user: CurrentUser,
    form: Submitted,
):
    event, role, found = _registration_in(db, user, event_id, registration_id, EDITORS)
    if found.anonymised_at is not None:
        raise HTTPException(status_code=404)  # nothing left to edit
    questions = question_rules.for_event(db, event)
    details, values, errors = parse_details(form, event, questions)
    version = int_or_none(form.get("version"))
    if version is None:
        errors.setdefault("__all__", _("The form was incomplete. Please open it again."))
    if details is None or errors or version is None:
        state = FormState(values, errors, version=version)
        return _registration_page(request, db, event, role, found, state=state, status_code=422)
    try:
        before = found.version
        rules.update_details(db, event, found, details, expected_version=version, actor=user)
    except events.StaleEdit as stale:
        current: Registration = stale.current  # type: ignore[assignment]
        theirs = registration_values(current, questions)
        their_version = current.version
        db.rollback()
        labels = _form_context(event, role, questions, FormState(values))["field_labels"]
        rows = _conflict_rows(theirs, values, labels, questions)
        state = FormState(values, version=their_version, theirs=rows)
        return _registration_page(request, db, event, role, found, state=state, status_code=409)
    except rules.InvalidEmail:
        db.rollback()
        errors = {"email": _("Enter an email address such as name@example.org.")}
        state = FormState(values, errors, version=version)
        return _registration_page(request, db, event, role, found, state=state, status_code=422)
    except rules.AlreadyRegistered as already:
        existing = already.registration
        db.rollback()
        errors = {"email": _("This email is already registered for this event.")}
        state = FormState(values, errors, version=version, duplicate=existing)
        return _registration_page(request, db, event, role, found, state=state, status_code=422)
    changed = found.version != before
    db.commit()
    return see_other(
        request, _to_registration(request, event, found, "saved" if changed else "unchanged")
    )


@router.get(
    "/events/{event_id}/registrations/{registration_id}/erase", name="show_erase_registration"
)
def show_erase_registration(
    request: Request, event_id: RowId, registration_id: RowId, db: Db, user: CurrentUser
):
    """The confirmation step before erasing (a GET changes nothing)."""
    event, role, found = _registration_in(db, user, event_id, registration_id, EDITORS)
    return _registration_page(request, db, event, role, found, confirm_erase=True)


@router.post("/events/{event_id}/registrations/{registration_id}/erase", name="erase_registration")
def erase_registration(
    request: Request,
    event_id: RowId,
    registration_id: RowId,
    db: Db,
    user: CurrentUser,
    form: Submitted,
):
    """Erase the person's data on their request (retention.erase: an active place is
    cancelled first and goes to the waiting list; the log and the outbox are scrubbed)."""
    event, _role, found = _registration_in(db, user, event_id, registration_id, EDITORS)
    if found.anonymised_at is None:
        retention.erase(db, event, found, actor=user)
        db.commit()
    return see_other(request, _to_list(request, event, Filters(), "erased"))
