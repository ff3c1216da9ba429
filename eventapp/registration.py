"""Registration: places, the waiting list and approval (rules: no FastAPI here).

Every decision about a place is taken holding the lock on the event's RegistrationSettings
row (PostgreSQL: SELECT ... FOR UPDATE; SQLite: the write transaction, BEGIN IMMEDIATE), and
`settings.confirmed` counts the places taken, so two requests can never take the last place and
a freed place goes to exactly one person on the waiting list.

    register ──open, a place left──────────> confirmed
        │──open, full, waiting list on────> waitlisted ──a place frees, first in line──┐
        │──moderated──> pending ──approve──> confirmed (or waitlisted when full)         │
        │                   └──reject──> rejected                                        │
        └──full, no waiting list: Full                         confirmed <──────────────┘
    confirmed / waitlisted / pending ──cancel──> cancelled (a confirmed place frees)

The personal link and the ticket code are HMACs of a random nonce under the secret key: only
their hashes are stored (for lookups), so a database copy holds no working link or ticket, and
"lost your link?" can send the same link again. Mail about each change is queued in the same
transaction as the change.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from icalendar import Calendar
from icalendar import Event as VEvent
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from eventapp import __version__, activity, events, mail, security, team
from eventapp.config import get_settings
from eventapp.exports.frab import printable
from eventapp.i18n import gettext as _
from eventapp.models import (
    Event,
    EventStatus,
    Registration,
    RegistrationInvite,
    RegistrationMode,
    RegistrationSettings,
    RegistrationStatus,
    User,
    utcnow,
)

NAME_MAX = 100
# The built-in fields' longest values (their columns' lengths).
FIELD_MAX = {
    "honorific": 60,
    "given_name": NAME_MAX,
    "family_name": NAME_MAX,
    "organisation": 300,
    "position": 300,
    "country": 100,
}
TAKES_A_PLACE = (RegistrationStatus.CONFIRMED,)
ACTIVE = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED, RegistrationStatus.PENDING)

# The place lock; switched off only by the test that shows the race it prevents.
LOCKING = True


class RegistrationError(Exception):
    """Why a registration was not taken."""


class Closed(RegistrationError):
    """Registration is not open now (not enabled, not yet open, or closed)."""


class Full(RegistrationError):
    """No place left and no waiting list."""


class AlreadyRegistered(RegistrationError):
    """This email has an active registration; `registration` is it."""

    def __init__(self, registration: Registration) -> None:
        super().__init__(registration.email)
        self.registration = registration


class InvalidEmail(RegistrationError, ValueError):
    """Not an email address."""


class InvitationNeeded(RegistrationError):
    """An invitation-only event, and no usable invitation (unknown, revoked or used up)."""


class GroupTooLarge(RegistrationError):
    """More people than the event lets one person register."""


class TooLong(RegistrationError, ValueError):
    """A built-in field is longer than its column (`field`, `limit`); the pages check this
    first, with a message beside the field."""

    def __init__(self, field: str, limit: int) -> None:
        super().__init__(field)
        self.field = field
        self.limit = limit


@dataclass
class AttendeeDetails:
    """What the registration form sets (built-in fields; custom answers by question id)."""

    email: str
    given_name: str = ""
    family_name: str = ""
    honorific: str = ""
    organisation: str = ""
    position: str = ""
    country: str = ""
    answers: dict[str, Any] = field(default_factory=dict)
    in_participant_list: bool = False
    language: str = "en"


# Settings and their lock -----------------------------------------------------------------------


def find_settings(db: Session, event: Event) -> RegistrationSettings | None:
    """The event's registration settings, or None when never set up (a read: pages that
    only show them must not write)."""
    return db.scalar(select(RegistrationSettings).where(RegistrationSettings.event_id == event.id))


def settings_of(db: Session, event: Event) -> RegistrationSettings:
    """The event's registration settings, made (closed, no limit) on first use."""
    settings = db.scalar(
        select(RegistrationSettings).where(RegistrationSettings.event_id == event.id)
    )
    if settings is None:
        try:
            with db.begin_nested():  # two first saves at once: one inserts, one finds it
                settings = RegistrationSettings(event_id=event.id)
                db.add(settings)
                db.flush()
        except IntegrityError:
            settings = db.scalar(
                select(RegistrationSettings).where(RegistrationSettings.event_id == event.id)
            )
    return settings


def _locked(db: Session, event: Event) -> RegistrationSettings:
    """The settings row, locked until the caller's transaction ends."""
    settings = settings_of(db, event)
    if LOCKING:
        db.refresh(settings, with_for_update=True)
    else:
        db.refresh(settings)
    return settings


def status_labels(*, for_attendee: bool = False) -> dict[str, str]:
    """How each status reads to the organisers, or to the attendee themselves (who is "on the
    waiting list" and "not accepted" rather than "rejected")."""
    return {
        RegistrationStatus.CONFIRMED: _("Confirmed"),
        RegistrationStatus.WAITLISTED: _("On the waiting list")
        if for_attendee
        else _("Waiting list"),
        RegistrationStatus.PENDING: _("Awaiting approval"),
        RegistrationStatus.REJECTED: _("Not accepted") if for_attendee else _("Rejected"),
        RegistrationStatus.CANCELLED: _("Cancelled"),
    }


def places_left(settings: RegistrationSettings) -> int | None:
    """None: no limit."""
    if settings.capacity is None:
        return None
    return max(settings.capacity - settings.confirmed, 0)


def is_open(settings: RegistrationSettings, *, now: datetime | None = None) -> bool:
    now = now or utcnow()
    if not settings.is_enabled:
        return False
    if settings.opens_at is not None and now < settings.opens_at:
        return False
    return settings.closes_at is None or now < settings.closes_at


# The secret link and the ticket ------------------------------------------------------------------


def _hmac(purpose: str, nonce: str) -> str:
    key = get_settings().resolved_secret_key().encode()
    digest = hmac.new(key, f"{purpose}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def link_token(registration: Registration) -> str:
    """The token of the attendee's personal link (43 characters)."""
    return _hmac("registration-link", registration.link_nonce)


def ticket_code(registration: Registration) -> str:
    """The code the QR ticket carries and a scanner types: 20 characters, letters and digits
    that cannot be misread (no 0/O, 1/I/L)."""
    raw = hmac.new(
        get_settings().resolved_secret_key().encode(),
        f"ticket:{registration.link_nonce}".encode(),
        hashlib.sha256,
    ).digest()
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    number = int.from_bytes(raw[:16], "big")
    return "".join(alphabet[(number // len(alphabet) ** n) % len(alphabet)] for n in range(20))


def by_token(db: Session, token: str) -> Registration | None:
    """The registration whose personal link carries `token` (looked up by its hash)."""
    if not 20 <= len(token) <= 100:
        return None
    return db.scalar(
        select(Registration).where(Registration.token_hash == security.token_hash(token))
    )


def by_ticket(db: Session, event: Event, code: str) -> Registration | None:
    """This event's registration with that ticket code (another event's code finds nothing)."""
    code = "".join(code.split()).upper()
    if not 10 <= len(code) <= 40:
        return None
    found = db.scalar(
        select(Registration).where(Registration.ticket_hash == security.token_hash(code))
    )
    return found if found is not None and found.event_id == event.id else None


# Rate limits (public registration and "lost your link?") --------------------------------------

ADDRESS_WINDOW = timedelta(minutes=10)
EMAIL_WINDOW = timedelta(hours=1)


class Throttled(RegistrationError):
    """Too many attempts from this address or for this email; try again after
    `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def count_attempt(db: Session, *, ip: str, email: str = "") -> None:
    """Count one public attempt from `ip` (and for `email`, when given), in the database so the
    limits hold across workers; Throttled past EVENTAPP_REGISTRATION_LIMIT_PER_IP (10 minutes)
    or _PER_EMAIL (an hour), without counting it. The caller commits the count even when the
    attempt then fails."""
    settings = get_settings()
    email_key = normalise_email(email)
    if security.is_limited(
        db,
        "registration-address",
        ip,
        limit=settings.registration_limit_per_ip,
        window=ADDRESS_WINDOW,
    ):
        raise Throttled(int(ADDRESS_WINDOW.total_seconds()))
    if email_key and security.is_limited(
        db,
        "registration-email",
        email_key,
        limit=settings.registration_limit_per_email,
        window=EMAIL_WINDOW,
    ):
        raise Throttled(int(EMAIL_WINDOW.total_seconds()))
    security.record_hit(db, "registration-address", ip)
    if email_key:
        security.record_hit(db, "registration-email", email_key)


# Registering -----------------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    return "".join(email.split()).lower()


def active_by_email(db: Session, event: Event, email: str) -> Registration | None:
    return db.scalar(
        select(Registration).where(
            Registration.event_id == event.id,
            Registration.email == normalise_email(email),
            Registration.status != RegistrationStatus.CANCELLED,
        )
    )


def register(
    db: Session,
    event: Event,
    details: AttendeeDetails,
    *,
    now: datetime | None = None,
    invite: RegistrationInvite | None = None,
    actor: User | None = None,
) -> Registration:
    """Take a place, a place on the waiting list, or a request for approval, under the lock.
    Raises Closed, Full, InvalidEmail, InvitationNeeded, or AlreadyRegistered (the caller
    re-sends that link). With `actor` an organiser adds someone: the opening times, the
    invitation and approval do not apply, the capacity does."""
    return register_group(db, event, [details], now=now, invite=invite, actor=actor).taken[0]


@dataclass
class GroupResult:
    """`taken`: the new registrations, the lead first; `already`: colleagues who were
    registered before (their own link is theirs to use; the caller may send it again)."""

    taken: list[Registration]
    already: list[Registration]


def register_group(
    db: Session,
    event: Event,
    people: list[AttendeeDetails],
    *,
    now: datetime | None = None,
    invite: RegistrationInvite | None = None,
    actor: User | None = None,
) -> GroupResult:
    """The lead (`people[0]`) registers themselves and colleagues in one transaction: each gets
    their own link, ticket and mail, places taken in order. All or nothing: Full when not all
    of them find a place or a waiting-list place; AlreadyRegistered only for the lead."""
    now = now or utcnow()
    emails = [normalise_email(person.email) for person in people]
    for email in emails:
        if not team.is_valid_email(email):
            raise InvalidEmail(email)
    for person in people:
        _cleaned_names(person)  # TooLong before anything is written
    if (
        actor is None
        and db.scalar(
            select(RegistrationSettings.id).where(RegistrationSettings.event_id == event.id)
        )
        is None
    ):
        raise Closed()  # never set up (and two first visitors must not both create the row)
    settings = _locked(db, event)
    if actor is None:
        if not is_open(settings, now=now):
            raise Closed()
        if len(people) > max(settings.group_max, 1):
            raise GroupTooLarge()
    existing = active_by_email(db, event, emails[0])
    if existing is not None:
        raise AlreadyRegistered(existing)
    if settings.mode != RegistrationMode.INVITATION:
        invite = None  # an invitation means nothing elsewhere (and may be another event's)
    elif actor is None:
        invite = _usable_invite(db, event, invite)
        if invite is None:
            raise InvitationNeeded()
    elif invite is not None and invite.event_id != event.id:
        invite = None
    if invite is not None and actor is None:
        invite.uses += 1  # one use a submission: a lead and their colleagues are one use
    result = GroupResult(taken=[], already=[])
    seen: set[str] = set()
    lead: Registration | None = None
    for details, email in zip(people, emails, strict=True):
        if email in seen:
            continue
        seen.add(email)
        if lead is not None:
            earlier = active_by_email(db, event, email)
            if earlier is not None:
                result.already.append(earlier)
                continue
        status = _status_for_newcomer(settings, by_organiser=actor is not None)
        registration = new_registration(db, event, details, email=email, status=status, now=now)
        registration.invite_id = invite.id if invite is not None else None
        registration.group_lead_id = lead.id if lead is not None else None
        if status == RegistrationStatus.CONFIRMED:
            settings.confirmed += 1
            registration.decided_at = now if actor is not None else None
        db.flush()
        lead = lead or registration
        result.taken.append(registration)
        _queue(db, event, registration, change=str(status))
        activity.record(
            db,
            actor=actor,
            action="registration.create",
            event_id=event.id,
            obj=registration,
            summary=str(status),
        )
    return result


def new_registration(
    db: Session,
    event: Event,
    details: AttendeeDetails,
    *,
    email: str,
    status: RegistrationStatus,
    now: datetime,
) -> Registration:
    """A row with its own link and ticket, without the place rules or mail: for `register_group`
    (which holds the lock) and for history written as it stands (the demo's past seminar)."""
    registration = Registration(
        event_id=event.id,
        status=status,
        email=email,
        answers=details.answers,
        in_participant_list=details.in_participant_list,
        language=details.language,
        link_nonce=security.new_token()[:43],
        token_hash="",
        ticket_hash="",
        privacy_accepted_at=now,
        **_cleaned_names(details),
    )
    registration.token_hash = security.token_hash(link_token(registration))
    registration.ticket_hash = security.token_hash(ticket_code(registration))
    db.add(registration)
    return registration


def _cleaned_names(details: AttendeeDetails) -> dict[str, str]:
    """The built-in text fields on one line each (CR/LF and runs of spaces folded); TooLong
    past a column's length."""
    cleaned = {name: " ".join(getattr(details, name).split()) for name in FIELD_MAX}
    for name, value in cleaned.items():
        if len(value) > FIELD_MAX[name]:
            raise TooLong(name, FIELD_MAX[name])
    return cleaned


def update_details(
    db: Session,
    event: Event,
    registration: Registration,
    details: AttendeeDetails,
    *,
    expected_version: int,
    actor: User | None = None,
) -> Registration:
    """Change the attendee's fields and answers (the attendee through their link, or an
    organiser: `actor`). Raises StaleEdit when it changed since the form was opened,
    InvalidEmail, or AlreadyRegistered when the new email has a registration of its own."""
    if normalise_email(details.email) != registration.email:
        # A new address is checked against new registrations under the place lock (taken
        # first, as cancel and decide do, so two of them never wait on each other).
        _locked(db, event)
    db.refresh(registration, with_for_update=True)
    if registration.version != expected_version:
        raise events.StaleEdit(registration)
    email = normalise_email(details.email)
    if not team.is_valid_email(email):
        raise InvalidEmail(email)
    cleaned = _cleaned_names(details)
    if email != registration.email:
        other = active_by_email(db, event, email)
        if other is not None and other.id != registration.id:
            raise AlreadyRegistered(other)
    fields = ["email", *cleaned, "answers", "in_participant_list"]
    before = activity.snapshot(registration, fields)
    before["answers"] = dict(registration.answers or {})  # a copy: the caller may edit it
    for name, value in cleaned.items():
        setattr(registration, name, value)
    registration.email = email
    registration.answers = dict(details.answers)
    registration.in_participant_list = details.in_participant_list
    changes = activity.diff(before, activity.snapshot(registration, fields))
    if not changes:
        return registration
    registration.version += 1
    registration.updated_at = utcnow()
    db.flush()
    _queue(db, event, registration, change="updated", by_organiser=actor is not None)
    if before["email"] != email:  # the old address hears of it too: it may not be their doing
        _queue(
            db,
            event,
            registration,
            change="updated",
            to=before["email"],
            by_organiser=actor is not None,
        )
    activity.record(
        db,
        actor=actor,
        action="registration.update",
        event_id=event.id,
        obj=registration,
        changes={name: ["…", "…"] for name in changes},  # which fields, never personal data
    )
    return registration


# Invitations (invitation-only events) ------------------------------------------------------------


def invite_token(invite: RegistrationInvite) -> str:
    """The token of a personal invitation link (43 characters)."""
    return _hmac("registration-invite", invite.link_nonce or "")


def find_invite(db: Session, event: Event, code: str) -> RegistrationInvite | None:
    """This event's invitation with that shared code or personal-link token; None if unknown."""
    code = code.strip()
    if not 4 <= len(code) <= 100:
        return None
    found = db.scalar(
        select(RegistrationInvite).where(
            RegistrationInvite.event_id == event.id,
            RegistrationInvite.code == code.upper(),
        )
    )
    if found is None and len(code) >= 30:
        found = db.scalar(
            select(RegistrationInvite).where(
                RegistrationInvite.token_hash == security.token_hash(code)
            )
        )
    return found if found is not None and found.event_id == event.id else None


def invite_is_usable(invite: RegistrationInvite) -> bool:
    return not invite.is_revoked and (invite.max_uses is None or invite.uses < invite.max_uses)


def _usable_invite(
    db: Session, event: Event, invite: RegistrationInvite | None
) -> RegistrationInvite | None:
    if invite is None or invite.event_id != event.id:
        return None
    db.refresh(invite)  # its use count, read again under the settings lock
    return invite if invite_is_usable(invite) else None


def _status_for_newcomer(
    settings: RegistrationSettings, *, by_organiser: bool = False
) -> RegistrationStatus:
    if settings.mode == RegistrationMode.MODERATED and not by_organiser:
        return RegistrationStatus.PENDING
    left = places_left(settings)
    if left is None or left > 0:
        return RegistrationStatus.CONFIRMED
    if settings.has_waitlist:
        return RegistrationStatus.WAITLISTED
    raise Full()


def waitlist_position(db: Session, registration: Registration) -> int | None:
    """1 for the first in line; None when not on the waiting list."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = db.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.event_id == registration.event_id,
            Registration.status == RegistrationStatus.WAITLISTED,
            Registration.id < registration.id,
        )
    )
    return (ahead or 0) + 1


# Freeing places, the waiting list ----------------------------------------------------------------


def cancel(
    db: Session,
    event: Event,
    registration: Registration,
    *,
    actor: User | None = None,
    notify: bool = True,
) -> list[Registration]:
    """Cancel; a confirmed place goes to the waiting list, in order. Returns who was promoted
    (each mailed once, in this transaction). `notify=False`: no mail to the cancelled person
    (their data is being erased)."""
    settings = _locked(db, event)
    # read again and locked: a change of details or a check-in may be under way
    db.refresh(registration, with_for_update=True)
    if registration.status == RegistrationStatus.CANCELLED:
        return []
    was = registration.status
    registration.status = RegistrationStatus.CANCELLED
    registration.version += 1
    registration.updated_at = utcnow()
    if was in TAKES_A_PLACE:
        settings.confirmed -= 1
    if notify:
        _queue(db, event, registration, change="cancelled")
    activity.record(
        db,
        actor=actor,
        action="registration.cancel",
        event_id=event.id,
        obj=registration,
        changes={"status": [str(was), "cancelled"]},
    )
    promoted = _promote(db, event, settings)
    db.flush()
    return promoted


def set_capacity(
    db: Session, event: Event, *, actor: User, capacity: int | None
) -> list[Registration]:
    """A new limit (None: none); places it frees go to the waiting list, in order."""
    settings = _locked(db, event)
    before = settings.capacity
    settings.capacity = capacity
    settings.version += 1
    activity.record(
        db,
        actor=actor,
        action="registration.capacity",
        event_id=event.id,
        obj=settings,
        changes={"capacity": [before, capacity]},
    )
    promoted = _promote(db, event, settings)
    db.flush()
    return promoted


def _promote(db: Session, event: Event, settings: RegistrationSettings) -> list[Registration]:
    """Fill free places from the waiting list, first come first served (lock held)."""
    left = places_left(settings)
    waiting_query = (
        select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.WAITLISTED,
        )
        .order_by(Registration.id)
    )
    if left is not None:
        waiting_query = waiting_query.limit(left)
    promoted = list(db.scalars(waiting_query))
    now = utcnow()
    for registration in promoted:
        registration.status = RegistrationStatus.CONFIRMED
        registration.decided_at = now
        registration.version += 1
        registration.updated_at = now
        settings.confirmed += 1
        _queue(db, event, registration, change="promoted")
        activity.record(
            db,
            actor=None,
            action="registration.promote",
            event_id=event.id,
            obj=registration,
            changes={"status": ["waitlisted", "confirmed"]},
        )
    return promoted


# Approval (moderated events) ---------------------------------------------------------------------


def decide(
    db: Session, event: Event, registration: Registration, *, actor: User, approve: bool
) -> RegistrationStatus:
    """Approve (a place, or the waiting list when full) or reject a pending registration;
    returns its new status (unchanged when it was no longer pending)."""
    settings = _locked(db, event)
    db.refresh(registration, with_for_update=True)
    if registration.status != RegistrationStatus.PENDING:
        return registration.status
    if not approve:
        status = RegistrationStatus.REJECTED
    else:
        left = places_left(settings)
        if left is None or left > 0:
            status = RegistrationStatus.CONFIRMED
            settings.confirmed += 1
        elif settings.has_waitlist:
            status = RegistrationStatus.WAITLISTED
        else:
            raise Full()
    registration.status = status
    registration.decided_at = utcnow()
    registration.version += 1
    registration.updated_at = registration.decided_at
    _queue(db, event, registration, change=str(status))
    activity.record(
        db,
        actor=actor,
        action="registration.decide",
        event_id=event.id,
        obj=registration,
        changes={"status": ["pending", str(status)]},
    )
    db.flush()
    return status


def counts(db: Session, event: Event) -> dict[str, int]:
    """{status: how many}, every status present."""
    found = dict(
        db.execute(
            select(Registration.status, func.count())
            .where(Registration.event_id == event.id)
            .group_by(Registration.status)
        ).all()
    )
    return {str(status): found.get(status, 0) for status in RegistrationStatus}


def recount(db: Session, event: Event) -> int:
    """Set the confirmed counter from the rows (a repair tool; the rules keep it right)."""
    settings = _locked(db, event)
    confirmed = counts(db, event)[RegistrationStatus.CONFIRMED]
    db.execute(
        update(RegistrationSettings)
        .where(RegistrationSettings.id == settings.id)
        .values(confirmed=confirmed)
    )
    db.refresh(settings)
    return confirmed


# Mail --------------------------------------------------------------------------------------------


def attendee_name(registration: Registration) -> str:
    """'Dr. Anna Lind': honorific, given and family name as the attendee typed them."""
    parts = (registration.honorific, registration.given_name, registration.family_name)
    return " ".join(part for part in parts if part)


def link_url(registration: Registration) -> str:
    return f"{get_settings().base_url}/registrations/{link_token(registration)}"


# Changes whose mail carries the event's calendar file (the place is theirs).
WITH_CALENDAR = ("confirmed", "promoted")


def _queue(
    db: Session,
    event: Event,
    registration: Registration,
    *,
    change: str,
    to: str | None = None,
    by_organiser: bool = False,
) -> None:
    """The mail saying what just happened to the registration (`change`: its new status,
    "promoted" from the waiting list, "updated", or "resent"), with the personal link; a
    confirmed place comes with the event's .ics."""
    confirmed = registration.status == RegistrationStatus.CONFIRMED
    with_calendar = change in WITH_CALENDAR or (change == "resent" and confirmed)
    mail.queue(
        db,
        to=to or registration.email,
        template="registration",
        context={
            "change": change,
            "event": event,
            "registration": registration,
            "status": str(registration.status),
            "name": attendee_name(registration),
            "link": link_url(registration),
            "position": waitlist_position(db, registration),
            "has_calendar": with_calendar,
            "by_organiser": by_organiser,
        },
        language=registration.language,
        event_id=event.id,
        attachments=[calendar_attachment(event)] if with_calendar else [],
    )


def resend_link(db: Session, event: Event, registration: Registration) -> None:
    """Mail the personal link again (someone registered twice, or lost it): the mail says
    where the registration stands."""
    _queue(db, event, registration, change="resent")
    activity.record(
        db,
        actor=None,
        action="registration.resend",
        event_id=event.id,
        obj=registration,
        summary=str(registration.status),
    )


def calendar_attachment(event: Event) -> mail.Attachment:
    slug = "".join(ch for ch in event.slug if ch.isalnum() or ch in "-_") or "event"
    return mail.Attachment(f"{slug}.ics", "text/calendar", event_calendar(event))


def event_calendar(event: Event) -> bytes:
    """The whole event as one VEVENT (times in UTC, which every calendar converts), for the
    attendee's calendar."""
    base = get_settings().base_url
    host = get_settings().base_host.split(":")[0] or "localhost"
    calendar = Calendar()
    calendar.add("prodid", f"-//eventapp//eventapp {__version__}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    vevent = VEvent()
    vevent.add("uid", f"event-{event.id}@{host}")
    vevent.add("sequence", event.version)
    vevent.add("dtstamp", utcnow())
    vevent.add("dtstart", event.starts_at)
    vevent.add("dtend", event.ends_at)
    vevent.add("summary", " ".join(printable(event.title).split()))
    location = ", ".join(
        " ".join(printable(part).split())
        for part in (event.venue_name, event.venue_address)
        if part.strip()
    )
    if location:
        vevent.add("location", location)
    vevent.add("url", f"{base}/events/{event.slug}")
    cancelled = event.status == EventStatus.CANCELLED
    vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(vevent)
    return calendar.to_ical()
