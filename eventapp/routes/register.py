"""The attendee's journey: the public registration form, its result, "lost your link?", and the
personal link with its ticket. No account: the personal link is the key.

    GET  /events/{slug}/register               the form, places left, or why it is closed
    POST /events/{slug}/register               register (with colleagues): 303 to the result
    GET  /events/{slug}/register/sent          "we have sent you a mail" (the honeypot's answer)
    GET  /events/{slug}/register/lost-link     "lost your link?"
    POST /events/{slug}/register/lost-link     re-send it; the same answer for any address
    GET  /registrations/{token}                the attendee's page: status, details, ticket
    POST /registrations/{token}                change the details (the version edited)
    GET  /registrations/{token}/registered     the result, just after registering
    GET  /registrations/{token}/cancel         "cancel your registration?"
    POST /registrations/{token}/cancel         cancel: a place frees, the waiting list moves
    GET  /registrations/{token}/ticket         the ticket to print
    GET  /registrations/{token}/ticket.svg     the QR code carrying the ticket code (and .png)

Only the fields the form offers are read, so `status=confirmed` or `event_id=7` in a post mean
nothing. Posting the form and asking for the link count towards rate limits per client address
and per email (in the database: they hold across workers); past them the answer is 429 with
Retry-After. A honeypot field (hidden by CSS, "Leave this empty") filled in is answered as a
success and registers nothing.

A registration's pages are private to whoever holds the link: never cached, never indexed,
and they send no referrer (the token is in the address). An unknown token answers 404.
"""

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import segno
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select
from starlette.datastructures import FormData

from eventapp import events, questions, registration, team
from eventapp.events import StaleEdit
from eventapp.forms import Submitted, int_or_none, see_other
from eventapp.i18n import current_language
from eventapp.i18n import gettext as _
from eventapp.models import (
    Event,
    ParticipantList,
    Question,
    Registration,
    RegistrationMode,
    RegistrationSettings,
    RegistrationStatus,
    utcnow,
)
from eventapp.registration import FIELD_MAX
from eventapp.routes.access import Db
from eventapp.routes.manage_events import differences
from eventapp.templating import (
    is_htmx_fragment_request,
    local_datetime,
    path_for,
    render,
    timezone_label,
)

router = APIRouter()

PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Robots-Tag": "noindex, nofollow",
}
EMAIL_MAX = 254
INVITE_MAX = 100
HONEYPOT = "website"  # the name a form-filling robot cannot resist
PERSON_FIELDS = ("honorific", "given_name", "family_name", "email", "organisation", "position")
COLLEAGUE_FIELDS = ("given_name", "family_name", "email", "organisation")


def field_labels() -> dict[str, str]:
    return {
        "honorific": _("Title"),
        "given_name": _("Given name"),
        "family_name": _("Family name"),
        "email": _("Email"),
        "organisation": _("Organisation"),
        "position": _("Position"),
        "country": _("Country"),
        "in_participant_list": _("In the participant list"),
    }


# The event and whether it takes registrations ------------------------------------------------


def _public_event(db: Db, slug: str) -> Event:
    """A published (or cancelled) event; a draft or an unknown slug answers 404."""
    event = events.event_by_slug(db, slug)
    if event is None or not events.is_public(event):
        raise HTTPException(status_code=404)
    return event


@dataclass
class Window:
    """Whether the form takes registrations now, and why not."""

    state: str  # open, not_enabled, not_yet, closed, cancelled
    opens_at: datetime | None = None
    closes_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.state == "open"


def _window(event: Event, settings: RegistrationSettings | None) -> Window:
    if settings is None or not settings.is_enabled:
        return Window("not_enabled")
    opens, closes = settings.opens_at, settings.closes_at
    if event.status == "cancelled":
        return Window("cancelled", opens, closes)
    if registration.is_open(settings):
        return Window("open", opens, closes)
    if opens is not None and utcnow() < opens:
        return Window("not_yet", opens, closes)
    return Window("closed", opens, closes)


def closed_message(event: Event, window: Window) -> str:
    def when(moment: datetime) -> str:
        return f"{local_datetime(moment, event.timezone)} {timezone_label(moment, event.timezone)}"

    if window.state == "cancelled":
        return _("This event has been cancelled, so it takes no registrations.")
    if window.state == "not_yet" and window.opens_at is not None:
        return _("Registration opens on %(when)s.", when=when(window.opens_at))
    if window.state == "closed" and window.closes_at is not None:
        return _("Registration closed on %(when)s.", when=when(window.closes_at))
    return _("Registration for this event is not open.")


def _privacy(settings: RegistrationSettings | None, language: str) -> str:
    texts = (settings.privacy if settings else None) or {}
    return texts.get(language) or next((text for text in texts.values() if text), "")


# Reading the form ------------------------------------------------------------------------------


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _check_person(values: dict[str, str], errors: dict[str, str], prefix: str = "") -> None:
    """Messages for one person's built-in fields (names `prefix` + field)."""
    for name, value in values.items():
        limit = EMAIL_MAX if name == "email" else FIELD_MAX.get(name)
        key = prefix + name
        if "\x00" in value:
            errors[key] = _("This field contains a character that is not allowed.")
        elif limit is not None and len(" ".join(value.split())) > limit:
            errors[key] = _("Use at most %(max)s characters.", max=limit)
    for name in ("given_name", "family_name", "email"):
        if name in values and not values[name].strip() and prefix + name not in errors:
            errors[prefix + name] = _("This field is required.")
    email = values.get("email", "")
    if (
        email.strip()
        and prefix + "email" not in errors
        and not team.is_valid_email(registration.normalise_email(email))
    ):
        errors[prefix + "email"] = _("Enter an email address, like name@example.org.")
    country = values.get("country", "")
    if country and not questions.is_country(country):
        errors[prefix + "country"] = _("Choose a country from the list.")


def _details(values: dict[str, str], **extra: Any) -> registration.AttendeeDetails:
    return registration.AttendeeDetails(
        email=values.get("email", ""),
        honorific=values.get("honorific", ""),
        given_name=values.get("given_name", ""),
        family_name=values.get("family_name", ""),
        organisation=values.get("organisation", ""),
        position=values.get("position", ""),
        country=values.get("country", "").upper(),
        **extra,
    )


def _answer_values(form: FormData, event_questions: list[Question]) -> dict[str, Any]:
    """What was typed or chosen for each question, to show the form again as it was sent."""
    shown: dict[str, Any] = {}
    for question in event_questions:
        name = questions.field_name(question)
        found = [value for value in form.getlist(name) if isinstance(value, str)]
        shown[name] = found if question.kind == "multiple_choice" else (found[0] if found else "")
    return shown


def _stored_answers(reg: Registration, event_questions: list[Question]) -> dict[str, Any]:
    return {
        questions.field_name(question): (reg.answers or {}).get(str(question.id), "")
        for question in event_questions
    }


@dataclass
class Submission:
    """A posted registration form, read: the people in it (the lead first), what to show again,
    and the messages by field."""

    people: list[registration.AttendeeDetails]
    values: dict[str, str]
    answers: dict[str, Any]
    colleagues: list[dict[str, str]]
    invite_code: str
    errors: dict[str, str]


def _read_registration(
    form: FormData,
    settings: RegistrationSettings | None,
    event_questions: list[Question],
    language: str,
) -> Submission:
    errors: dict[str, str] = {}
    values = {name: _text(form, name) for name in (*PERSON_FIELDS, "country")}
    _check_person(values, errors)
    answers, answer_errors = questions.parse_answers(event_questions, form, language=language)
    errors.update(answer_errors)
    if _text(form, "privacy") != "accept":
        errors["privacy"] = _("Accept the privacy statement to register.")
    values["privacy"] = _text(form, "privacy")
    lists_people = settings is not None and settings.participant_list != ParticipantList.OFF
    in_list = lists_people and _text(form, "in_participant_list") == "yes"
    values["in_participant_list"] = "yes" if in_list else ""
    lead = _details(values, answers=answers, in_participant_list=in_list, language=language)
    people = [lead]
    colleagues: list[dict[str, str]] = []
    seen = {registration.normalise_email(values["email"])}
    for n in range(1, max(settings.group_max if settings else 1, 1)):
        prefix = f"colleague{n}_"
        block = {name: _text(form, prefix + name) for name in COLLEAGUE_FIELDS}
        colleagues.append(block)
        if not any(value.strip() for value in block.values()):
            continue
        _check_person(block, errors, prefix)
        email = registration.normalise_email(block["email"])
        if prefix + "email" not in errors and email in seen:
            errors[prefix + "email"] = _("Each person needs their own email address.")
        seen.add(email)
        people.append(
            _details(
                {**block, "organisation": block["organisation"] or values["organisation"]},
                language=language,
            )
        )
    invite_code = _text(form, "invite_code")[:INVITE_MAX]
    return Submission(
        people, values, _answer_values(form, event_questions), colleagues, invite_code, errors
    )


# The form --------------------------------------------------------------------------------------


def _form_page(
    request: Request,
    db: Db,
    event: Event,
    *,
    submission: Submission | None = None,
    invite_code: str = "",
    problem: str = "",
    outcome: str = "",
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """The registration page (or, for htmx, its form block); `outcome` "already" shows the
    answer to a second registration instead of the form."""
    settings = registration.find_settings(db, event)
    window = _window(event, settings)
    language = current_language()
    event_questions = questions.for_event(db, event)
    group_max = max(settings.group_max, 1) if settings else 1
    if submission is None:
        colleagues = [dict.fromkeys(COLLEAGUE_FIELDS, "") for _n in range(group_max - 1)]
        values: dict[str, str] = {}
        answers: dict[str, Any] = {}
        errors: dict[str, str] = {}
    else:
        colleagues, values = submission.colleagues, submission.values
        answers, errors = submission.answers, submission.errors
        invite_code = submission.invite_code
    context = {
        "event": event,
        "reg_settings": settings,
        "window": window,
        "closed_message": closed_message(event, window),
        "places_left": registration.places_left(settings) if settings else None,
        "questions": event_questions,
        "countries": questions.countries(language),
        "language": language,
        "values": values,
        "answers": answers,
        "colleagues": colleagues,
        "errors": errors,
        "invite_code": invite_code,
        "needs_invite": settings is not None and settings.mode == RegistrationMode.INVITATION,
        "is_moderated": settings is not None and settings.mode == RegistrationMode.MODERATED,
        "privacy": _privacy(settings, language),
        "offers_list": settings is not None and settings.participant_list != ParticipantList.OFF,
        "labels": field_labels(),
        "problem": problem,
        "outcome": outcome,
        "honeypot": HONEYPOT,
    }
    return render(
        request,
        "registration/register.html",
        context,
        block="register_form",
        status_code=status_code,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


@router.get("/events/{slug}/register", name="show_register")
def show_register(request: Request, slug: str, db: Db, invite: str = "") -> Response:
    event = _public_event(db, slug)
    # A personal invitation link brings its token: the form carries it, hidden.
    return _form_page(request, db, event, invite_code=invite[:INVITE_MAX])


def _throttled(
    request: Request, db: Db, event: Event, exc: registration.Throttled, **kwargs: Any
) -> Response:
    minutes = max(exc.retry_after // 60, 1)
    problem = _(
        "Too many attempts in a short time. Wait %(minutes)s minutes and try again.",
        minutes=minutes,
    )
    return _form_page(
        request,
        db,
        event,
        problem=problem,
        status_code=429,
        headers={"Retry-After": str(exc.retry_after)},
        **kwargs,
    )


@router.post("/events/{slug}/register", name="register_attendee")
def register_attendee(request: Request, slug: str, db: Db, form: Submitted) -> Response:
    event = _public_event(db, slug)
    honeypot = _text(form, HONEYPOT)
    try:
        registration.count_attempt(
            db, ip=request.state.client_ip, email="" if honeypot else _text(form, "email")[:300]
        )
    except registration.Throttled as exc:
        db.rollback()
        settings = registration.find_settings(db, event)
        kept = _read_registration(
            form, settings, questions.for_event(db, event), current_language()
        )
        kept.errors = {}  # what was typed stays; nothing is checked until they may try again
        return _throttled(request, db, event, exc, submission=kept)
    db.commit()  # the attempt counts, whatever comes of it
    if honeypot:
        return see_other(request, path_for(request, "show_register_sent", slug=event.slug))
    settings = registration.find_settings(db, event)
    window = _window(event, settings)
    event_questions = questions.for_event(db, event)
    submission = _read_registration(form, settings, event_questions, current_language())
    if not window.is_open:
        return _form_page(
            request,
            db,
            event,
            submission=submission,
            problem=closed_message(event, window),
            status_code=409,
        )
    if submission.errors:
        return _form_page(request, db, event, submission=submission, status_code=422)
    invite = None
    if submission.invite_code.strip():
        invite = registration.find_invite(db, event, submission.invite_code)
    try:
        result = registration.register_group(db, event, submission.people, invite=invite)
    except registration.AlreadyRegistered as exc:
        existing_id = exc.registration.id
        db.rollback()
        existing = db.get(Registration, existing_id)
        if existing is not None:
            registration.resend_link(db, event, existing)
            db.commit()
        return _form_page(request, db, event, outcome="already")
    except registration.RegistrationError as exc:
        db.rollback()
        return _refused(request, db, event, submission, exc)
    for colleague in result.already:  # their own link is theirs: sent to them again
        registration.resend_link(db, event, colleague)
    db.commit()
    lead = result.taken[0]
    url = path_for(request, "show_registered", token=registration.link_token(lead))
    if result.already:
        url += f"?already={len(result.already)}"
    response = see_other(request, url)
    response.headers.update(PRIVATE_HEADERS)
    return response


def _refused(
    request: Request,
    db: Db,
    event: Event,
    submission: Submission,
    exc: registration.RegistrationError,
) -> Response:
    """The form again, saying why the rules refused the registration."""
    errors = submission.errors
    status_code, problem = 422, ""
    if isinstance(exc, registration.Closed):
        window = _window(event, registration.find_settings(db, event))
        status_code, problem = 409, closed_message(event, window)
    elif isinstance(exc, registration.Full):
        status_code = 409
        problem = _(
            "The event is full and has no waiting list, so no more registrations can be taken."
        )
    elif isinstance(exc, registration.InvitationNeeded):
        errors["invite_code"] = _(
            "This invitation is not valid for this event, or has been used up. "
            "Check the code in your invitation."
        )
    elif isinstance(exc, registration.GroupTooLarge):
        settings = registration.find_settings(db, event)
        most = settings.group_max if settings else 1
        problem = _("You can register at most %(count)s people at once.", count=most)
    elif isinstance(exc, registration.TooLong):
        errors[exc.field] = _("Use at most %(max)s characters.", max=exc.limit)
    else:  # InvalidEmail (the form checks each address first)
        problem = _("One of the email addresses is not valid. Check them and try again.")
    return _form_page(
        request, db, event, submission=submission, problem=problem, status_code=status_code
    )


@router.get("/events/{slug}/register/sent", name="show_register_sent")
def show_register_sent(request: Request, slug: str, db: Db) -> Response:
    event = _public_event(db, slug)
    return render(request, "registration/sent.html", {"event": event, "kind": "registered"})


# "Lost your link?" -----------------------------------------------------------------------------


def _lost_link_page(
    request: Request,
    event: Event,
    *,
    email: str = "",
    errors: dict[str, str] | None = None,
    problem: str = "",
    sent: bool = False,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    context = {
        "event": event,
        "email": email,
        "errors": errors or {},
        "problem": problem,
        "sent": sent,
    }
    return render(
        request,
        "registration/lost_link.html",
        context,
        block="lost_link_form",
        status_code=status_code,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


@router.get("/events/{slug}/register/lost-link", name="show_lost_link")
def show_lost_link(request: Request, slug: str, db: Db, done: str = "") -> Response:
    event = _public_event(db, slug)
    return _lost_link_page(request, event, sent=done == "sent")


@router.post("/events/{slug}/register/lost-link", name="send_lost_link")
def send_lost_link(request: Request, slug: str, db: Db, form: Submitted) -> Response:
    event = _public_event(db, slug)
    email = _text(form, "email")[: EMAIL_MAX + 10]
    errors: dict[str, str] = {}
    _check_person({"email": email}, errors)
    try:
        registration.count_attempt(db, ip=request.state.client_ip, email="" if errors else email)
    except registration.Throttled as exc:
        db.rollback()
        minutes = max(exc.retry_after // 60, 1)
        problem = _(
            "Too many attempts in a short time. Wait %(minutes)s minutes and try again.",
            minutes=minutes,
        )
        return _lost_link_page(
            request,
            event,
            email=email,
            problem=problem,
            status_code=429,
            headers={"Retry-After": str(exc.retry_after)},
        )
    if errors:
        db.commit()
        return _lost_link_page(request, event, email=email, errors=errors, status_code=422)
    found = registration.active_by_email(db, event, email)
    if found is not None:
        registration.resend_link(db, event, found)
    db.commit()
    # The same answer whether or not the address is registered.
    return see_other(request, path_for(request, "show_lost_link", slug=event.slug) + "?done=sent")


# The personal link ------------------------------------------------------------------------------


@dataclass
class Personal:
    registration: Registration
    event: Event


def _personal(db: Db, token: str) -> Personal:
    """The link's registration and event, or 404 (unknown or altered link)."""
    found = registration.by_token(db, token)
    event = db.get(Event, found.event_id) if found is not None else None
    if found is None or event is None:
        raise HTTPException(status_code=404, headers=PRIVATE_HEADERS)
    return Personal(found, event)


def _private(response: Response) -> Response:
    response.headers.update(PRIVATE_HEADERS)
    return response


def done_message(done: str) -> str:
    return {
        "updated": _("Your changes are saved. We have sent you a mail about them."),
        "unchanged": _("Nothing was changed."),
        "cancelled": _("Your registration is cancelled. We have sent you a mail to confirm it."),
    }.get(done, "")


def _values_of(reg: Registration) -> dict[str, str]:
    values = {name: getattr(reg, name) or "" for name in (*PERSON_FIELDS, "country")}
    values["in_participant_list"] = "yes" if reg.in_participant_list else ""
    return values


def _answers_shown(
    reg: Registration, event_questions: list[Question], language: str
) -> list[tuple[str, str]]:
    return [
        (
            questions.label(question, language),
            questions.answer_text(question, (reg.answers or {}).get(str(question.id)), language),
        )
        for question in event_questions
    ]


def _group_of(db: Db, reg: Registration) -> list[Registration]:
    """The colleagues this person registered (their names and statuses, never their links)."""
    return list(
        db.scalars(
            select(Registration)
            .where(Registration.group_lead_id == reg.id, Registration.event_id == reg.event_id)
            .order_by(Registration.id)
        )
    )


def _personal_page(
    request: Request,
    db: Db,
    token: str,
    personal: Personal,
    *,
    block: str | None = None,
    values: dict[str, str] | None = None,
    answers: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    version: int | None = None,
    theirs: list[dict[str, Any]] | None = None,
    done: str = "",
    status_code: int = 200,
) -> Response:
    reg, event = personal.registration, personal.event
    language = current_language()
    event_questions = questions.for_event(db, event)
    settings = registration.find_settings(db, event)
    labels = field_labels()
    for question in event_questions:
        labels[questions.field_name(question)] = questions.label(question, language)
    status = RegistrationStatus(reg.status)
    context = {
        "event": event,
        "reg": reg,
        "token": token,
        "name": registration.attendee_name(reg),
        "status": str(status),
        "status_label": registration.status_labels(for_attendee=True)[status],
        "position": registration.waitlist_position(db, reg),
        "country": questions.country_name(reg.country, language) if reg.country else "",
        "answers_shown": _answers_shown(reg, event_questions, language),
        "group": _group_of(db, reg),
        "status_labels": registration.status_labels(for_attendee=True),
        "can_change": status in registration.ACTIVE,
        "ticket_code": registration.ticket_code(reg) if status == "confirmed" else "",
        "questions": event_questions,
        "countries": questions.countries(language),
        "language": language,
        "values": values if values is not None else _values_of(reg),
        "answers": answers if answers is not None else _stored_answers(reg, event_questions),
        "errors": errors or {},
        "version": reg.version if version is None else version,
        "theirs": theirs,
        "labels": labels,
        "offers_list": settings is not None and settings.participant_list != ParticipantList.OFF,
        "message": done_message(done),
        "done": done,
    }
    return render(
        request,
        "registration/attendee.html",
        context,
        block=block,
        status_code=status_code,
        headers=PRIVATE_HEADERS,
    )


@router.get("/registrations/{token}", name="show_registration")
def show_registration(request: Request, token: str, db: Db, done: str = "") -> Response:
    personal = _personal(db, token)
    return _personal_page(request, db, token, personal, done=done)


@router.get("/registrations/{token}/registered", name="show_registered")
def show_registered(request: Request, token: str, db: Db, already: int = 0) -> Response:
    personal = _personal(db, token)
    reg = personal.registration
    context = {
        "event": personal.event,
        "reg": reg,
        "token": token,
        "status": str(reg.status),
        "position": registration.waitlist_position(db, reg),
        "group": _group_of(db, reg),
        "status_labels": registration.status_labels(for_attendee=True),
        "already": max(min(already, 100), 0),
    }
    return render(request, "registration/registered.html", context, headers=PRIVATE_HEADERS)


@router.post("/registrations/{token}", name="update_registration")
def update_registration(request: Request, token: str, db: Db, form: Submitted) -> Response:
    personal = _personal(db, token)
    reg, event = personal.registration, personal.event
    if RegistrationStatus(reg.status) not in registration.ACTIVE:
        raise HTTPException(status_code=409, headers=PRIVATE_HEADERS)
    language = current_language()
    event_questions = questions.for_event(db, event)
    settings = registration.find_settings(db, event)
    errors: dict[str, str] = {}
    values = {name: _text(form, name) for name in (*PERSON_FIELDS, "country")}
    _check_person(values, errors)
    answers, answer_errors = questions.parse_answers(event_questions, form, language=language)
    errors.update(answer_errors)
    offers_list = settings is not None and settings.participant_list != ParticipantList.OFF
    in_list = offers_list and _text(form, "in_participant_list") == "yes"
    values["in_participant_list"] = "yes" if in_list else ""
    version = int_or_none(_text(form, "version"))
    shown = _answer_values(form, event_questions)
    if version is None:
        errors["__all__"] = _("The form was incomplete. Reload the page and try again.")
    if errors:
        return _personal_page(
            request,
            db,
            token,
            personal,
            block="details",
            values=values,
            answers=shown,
            errors=errors,
            version=version,
            status_code=422,
        )
    details = _details(values, answers=answers, in_participant_list=in_list, language=reg.language)
    before = reg.version
    try:
        registration.update_details(db, event, reg, details, expected_version=version)
    except StaleEdit as stale:
        current: Registration = stale.current
        saved = _values_of(current)
        saved_answers = _stored_answers(current, event_questions)
        db.rollback()
        theirs = {
            **saved,
            **{k: _shown_answer(event_questions, k, v, language) for k, v in saved_answers.items()},
        }
        yours = {
            **values,
            **{k: _shown_answer(event_questions, k, v, language) for k, v in shown.items()},
        }
        theirs["country"] = questions.country_name(theirs["country"], language)
        yours["country"] = questions.country_name(yours["country"], language)
        return _personal_page(
            request,
            db,
            token,
            personal,
            block="details",
            values=values,
            answers=shown,
            version=current.version,
            theirs=differences(theirs, yours),
            status_code=409,
        )
    except registration.AlreadyRegistered:
        db.rollback()
        errors["email"] = _("Another registration for this event uses this address.")
        return _personal_page(
            request,
            db,
            token,
            personal,
            block="details",
            values=values,
            answers=shown,
            errors=errors,
            version=version,
            status_code=422,
        )
    except (registration.InvalidEmail, registration.TooLong) as exc:
        db.rollback()
        field = exc.field if isinstance(exc, registration.TooLong) else "email"
        errors[field] = _("This value is not valid.")
        return _personal_page(
            request,
            db,
            token,
            personal,
            block="details",
            values=values,
            answers=shown,
            errors=errors,
            version=version,
            status_code=422,
        )
    done = "updated" if reg.version != before else "unchanged"
    db.commit()
    if is_htmx_fragment_request(request):
        return _personal_page(request, db, token, personal, block="details", done=done)
    url = path_for(request, "show_registration", token=token) + f"?done={done}#details"
    return _private(see_other(request, url))


def _shown_answer(event_questions: list[Question], name: str, value: Any, language: str) -> str:
    """An answer as a reader sees it (for the comparison when someone else saved first)."""
    for question in event_questions:
        if questions.field_name(question) == name:
            if question.kind == "checkbox":
                value = value is True or value in ("on", "yes", "1", "true")
            return questions.answer_text(question, value, language)
    return ""


@router.get("/registrations/{token}/cancel", name="show_cancel_registration")
def show_cancel_registration(request: Request, token: str, db: Db) -> Response:
    personal = _personal(db, token)
    context = {
        "event": personal.event,
        "reg": personal.registration,
        "token": token,
        "can_cancel": personal.registration.status in registration.ACTIVE,
    }
    return render(request, "registration/cancel.html", context, headers=PRIVATE_HEADERS)


@router.post("/registrations/{token}/cancel", name="cancel_registration")
def cancel_registration(request: Request, token: str, db: Db) -> Response:
    personal = _personal(db, token)
    reg = personal.registration
    if reg.status in registration.ACTIVE:
        registration.cancel(db, personal.event, reg)
        db.commit()
    url = path_for(request, "show_registration", token=token) + "?done=cancelled"
    return _private(see_other(request, url))


# The ticket ------------------------------------------------------------------------------------


def _confirmed(db: Db, token: str) -> Personal:
    """The link's registration, when it holds a place (no ticket otherwise: 404)."""
    personal = _personal(db, token)
    if personal.registration.status != RegistrationStatus.CONFIRMED:
        raise HTTPException(status_code=404, headers=PRIVATE_HEADERS)
    return personal


@router.get("/registrations/{token}/ticket", name="show_ticket")
def show_ticket(request: Request, token: str, db: Db) -> Response:
    personal = _confirmed(db, token)
    reg = personal.registration
    context = {
        "event": personal.event,
        "reg": reg,
        "token": token,
        "name": registration.attendee_name(reg),
        "ticket_code": registration.ticket_code(reg),
    }
    return render(request, "registration/ticket.html", context, headers=PRIVATE_HEADERS)


def _qr(reg: Registration) -> segno.QRCode:
    return segno.make(registration.ticket_code(reg), error="m")


@router.get("/registrations/{token}/ticket.svg", name="ticket_svg")
def ticket_svg(token: str, db: Db) -> Response:
    personal = _confirmed(db, token)
    out = io.BytesIO()
    _qr(personal.registration).save(out, kind="svg", scale=8, border=4, xmldecl=False)
    return Response(out.getvalue(), media_type="image/svg+xml", headers=PRIVATE_HEADERS)


@router.get("/registrations/{token}/ticket.png", name="ticket_png")
def ticket_png(token: str, db: Db) -> Response:
    personal = _confirmed(db, token)
    out = io.BytesIO()
    _qr(personal.registration).save(out, kind="png", scale=10, border=4)
    slug = "".join(ch for ch in personal.event.slug if ch.isalnum() or ch in "-_") or "event"
    headers = {
        **PRIVATE_HEADERS,
        "Content-Disposition": f'attachment; filename="ticket-{slug}.png"',
    }
    return Response(out.getvalue(), media_type="image/png", headers=headers)
