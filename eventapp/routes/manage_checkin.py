"""The check-in desk at the door, made for a phone or a laptop.

    GET  /manage/events/{id}/checkin                       the desk; ?q= searches by name
    GET  /manage/events/{id}/checkin/counts                checked in / expected (htmx polls it)
    POST /manage/events/{id}/checkin/scan                  a ticket code, as a scanner types it
    POST /manage/events/{id}/checkin/{registration_id}     check in a person found by name
    POST /manage/events/{id}/checkin/{registration_id}/undo

Who may: owners, organisers and registrars (site administrators act as owners); a viewer or
rapporteur is refused (403), anyone else sees no such event (404), and another event's
registration answers 404.

Without JavaScript each post answers 303 back to the desk, the outcome in the address
(`?done=checked-in&registration=12`), the search kept. A code that is no ticket of this event
re-renders the desk with 404, the refusal in the result panel the field points to; a
registration that is not confirmed, with 409. With htmx the scanner form, the result buttons
and undo swap the scan panel (the result, and the scanner field emptied and focused again) and
refresh the counts and the search results out of band; htmx swaps only 2xx, 409 and 422
answers, so there an unknown code answers 422.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from eventapp import agenda, checkin, registration
from eventapp.forms import Submitted
from eventapp.i18n import gettext as _
from eventapp.models import CheckIn, Event, Registration, RegistrationStatus, Role, User, utcnow
from eventapp.routes.access import CurrentUser, Db, RowId, event_for
from eventapp.templating import (
    is_htmx_fragment_request,
    local_datetime,
    local_time,
    path_for,
    render,
    timezone_label,
)

router = APIRouter(prefix="/manage")

DESK = {Role.OWNER, Role.ORGANISER, Role.REGISTRAR}
QUERY_MAX = 200
CODE_SHOWN_MAX = 60
OUTCOMES = ("checked-in", "already", "undone", "not-checked-in")


@dataclass
class Outcome:
    """What the result panel shows after a scan or a button."""

    kind: str  # checked-in, already, undone, not-checked-in, not-confirmed, unknown
    registration: Registration | None  # None: the code is no ticket of this event
    name: str  # or the code, when unknown
    when: str = ""  # the check-in's local time (with the date when not today)
    when_iso: str = ""
    who: str = ""
    status: str = ""


@dataclass
class Row:
    """One search result."""

    registration: Registration
    name: str
    status: str
    is_confirmed: bool
    when: str
    when_iso: str
    who: str


def _clean(text: str, limit: int) -> str:
    return " ".join(text.replace("\x00", "").split())[:limit]


def _when(event: Event, moment: datetime) -> str:
    """09:12 today; with the date on another day (a desk open over several days)."""
    if agenda.local_day(event, moment) == agenda.local_day(event, utcnow()):
        return local_time(moment, event.timezone)
    return local_datetime(moment, event.timezone, "short")


def _outcome(
    event: Event, kind: str, found: Registration, entry: CheckIn | None, by: str = ""
) -> Outcome:
    outcome = Outcome(kind, found, registration.attendee_name(found) or found.email)
    if entry is not None:
        outcome.when = _when(event, entry.checked_in_at)
        outcome.when_iso = entry.checked_in_at.isoformat()
        outcome.who = by
    outcome.status = registration.status_labels().get(found.status, str(found.status))
    return outcome


def _rows(event: Event, found: list[checkin.Found]) -> list[Row]:
    labels = registration.status_labels()
    return [
        Row(
            registration=each.registration,
            name=registration.attendee_name(each.registration) or each.registration.email,
            status=labels.get(each.registration.status, str(each.registration.status)),
            is_confirmed=each.registration.status == RegistrationStatus.CONFIRMED,
            when=_when(event, each.checked_in_at) if each.checked_in_at else "",
            when_iso=each.checked_in_at.isoformat() if each.checked_in_at else "",
            who=each.checked_in_by,
        )
        for each in found
    ]


def _desk(
    request: Request,
    db: Db,
    event: Event,
    role: Role,
    *,
    q: str = "",
    outcome: Outcome | None = None,
    code_error: str = "",
    block: str | None = None,
    status_code: int = 200,
) -> Response:
    query = _clean(q, QUERY_MAX)
    found = checkin.search(db, event, query, limit=checkin.SEARCH_LIMIT + 1) if query else []
    checked, expected = checkin.counts(db, event)
    keep = f"?{urlencode({'q': query})}" if query else ""
    desk_path = path_for(request, "show_checkin_desk", event_id=event.id)
    context: dict[str, Any] = {
        "event": event,
        "role": role,
        "q": query,
        "keep": keep,  # the search, carried by each form's address back to the desk
        "rows": _rows(event, found[: checkin.SEARCH_LIMIT]),
        "is_capped": len(found) > checkin.SEARCH_LIMIT,
        "limit": checkin.SEARCH_LIMIT,
        "checked": checked,
        "expected": expected,
        "outcome": outcome,
        "code_error": code_error,
        "zone": timezone_label(utcnow(), event.timezone),
        "desk_path": desk_path,
        # the scan panel's answer to htmx carries the other parts out of band
        "oob": block == "desk_update" and is_htmx_fragment_request(request),
    }
    return render(request, "manage/checkin.html", context, block=block, status_code=status_code)


def _back(request: Request, event: Event, q: str, done: str, found: Registration) -> Response:
    """303 to the desk with the outcome in the address (the plain form's answer)."""
    params = {"q": q} if q else {}
    params.update({"done": done, "registration": str(found.id)})
    path = path_for(request, "show_checkin_desk", event_id=event.id)
    return RedirectResponse(f"{path}?{urlencode(params)}", status_code=303)


def _answer(
    request: Request,
    db: Db,
    event: Event,
    role: Role,
    q: str,
    outcome: Outcome,
    *,
    status_code: int = 200,
) -> Response:
    """After a change: the desk's parts for htmx, else 303 back to the desk."""
    if is_htmx_fragment_request(request):
        return _desk(
            request, db, event, role, q=q, outcome=outcome, block="desk_update",
            status_code=status_code,
        )  # fmt: skip
    if status_code != 200:
        return _desk(request, db, event, role, q=q, outcome=outcome, status_code=status_code)
    return _back(request, event, q, outcome.kind, outcome.registration)


def _search_of(request: Request, form: Any) -> str:
    """The search shown when the form was sent: htmx includes the search field as it is now;
    a plain form carries it in its address."""
    value = form.get("q") if "q" in form else request.query_params.get("q", "")
    return _clean(value if isinstance(value, str) else "", QUERY_MAX)


def _registration_in(db: Db, event: Event, registration_id: int) -> Registration:
    found = db.get(Registration, registration_id)
    if found is None or found.event_id != event.id:
        raise HTTPException(status_code=404)
    return found


def _flash(db: Db, event: Event, done: str, registration_id: str) -> Outcome | None:
    """The outcome named in the address after a plain post (reading it changes nothing)."""
    if done not in OUTCOMES or not registration_id.isdigit() or len(registration_id) > 9:
        return None
    found = db.get(Registration, int(registration_id))
    if found is None or found.event_id != event.id:
        return None
    entry = checkin.check_in_of(db, found)
    if done in ("checked-in", "already") and entry is None:
        return None  # undone meanwhile
    by = db.get(User, entry.user_id) if entry and entry.user_id else None
    return _outcome(event, done, found, entry, checkin.who(by))


# The desk ---------------------------------------------------------------------------------------


@router.get("/events/{event_id}/checkin", name="show_checkin_desk")
def show_checkin_desk(request: Request, event_id: RowId, db: Db, user: CurrentUser, q: str = ""):
    event, role = event_for(db, user, event_id, DESK)
    params = request.query_params
    outcome = _flash(db, event, params.get("done", ""), params.get("registration", ""))
    return _desk(request, db, event, role, q=q, outcome=outcome, block="results")


@router.get("/events/{event_id}/checkin/counts", name="show_checkin_counts")
def show_checkin_counts(request: Request, event_id: RowId, db: Db, user: CurrentUser):
    event, role = event_for(db, user, event_id, DESK)
    return _desk(request, db, event, role, block="counts")


@router.post("/events/{event_id}/checkin/scan", name="scan_ticket")
def scan_ticket(request: Request, event_id: RowId, db: Db, user: CurrentUser, form: Submitted):
    event, role = event_for(db, user, event_id, DESK)
    q = _search_of(request, form)
    raw = form.get("code")
    code = _clean(raw if isinstance(raw, str) else "", 200)
    if not code:
        return _desk(
            request, db, event, role, q=q, code_error=_("Scan a ticket or type its code."),
            block="desk_update", status_code=422,
        )  # fmt: skip
    found = registration.by_ticket(db, event, code)
    if found is None:
        unknown = Outcome("unknown", None, code[:CODE_SHOWN_MAX])
        status_code = 422 if is_htmx_fragment_request(request) else 404
        return _desk(
            request, db, event, role, q=q, outcome=unknown, block="desk_update",
            status_code=status_code,
        )  # fmt: skip
    return _check_in(request, db, user, event, role, q, found)


def _check_in(
    request: Request, db: Db, user: User, event: Event, role: Role, q: str, found: Registration
) -> Response:
    try:
        result = checkin.check_in(db, event, found, actor=user)
    except checkin.NotConfirmed:
        db.rollback()
        outcome = _outcome(event, "not-confirmed", found, None)
        return _answer(request, db, event, role, q, outcome, status_code=409)
    db.commit()
    kind = "checked-in" if result.is_new else "already"
    outcome = _outcome(event, kind, found, result.check_in, checkin.who(result.by))
    return _answer(request, db, event, role, q, outcome)


@router.post("/events/{event_id}/checkin/{registration_id:int}", name="check_in_registration")
def check_in_registration(
    request: Request,
    event_id: RowId,
    registration_id: RowId,
    db: Db,
    user: CurrentUser,
    form: Submitted,
):
    event, role = event_for(db, user, event_id, DESK)
    found = _registration_in(db, event, registration_id)
    return _check_in(request, db, user, event, role, _search_of(request, form), found)


@router.post("/events/{event_id}/checkin/{registration_id:int}/undo", name="undo_check_in")
def undo_check_in(
    request: Request,
    event_id: RowId,
    registration_id: RowId,
    db: Db,
    user: CurrentUser,
    form: Submitted,
):
    event, role = event_for(db, user, event_id, DESK)
    found = _registration_in(db, event, registration_id)
    removed = checkin.undo(db, event, found, actor=user)
    db.commit()
    outcome = _outcome(event, "undone" if removed else "not-checked-in", found, None)
    return _answer(request, db, event, role, _search_of(request, form), outcome)
