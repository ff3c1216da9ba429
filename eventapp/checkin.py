"""Check-in at the door (rules: no FastAPI here).

A registrar checks in a confirmed registration, found by its ticket code (a scanner types it)
or by name. A registration has at most one CheckIn row (a unique constraint); undo deletes it.

    confirmed ──check_in──> checked in ──undo──> confirmed
                               │
                               └─check_in again: the same row, "already checked in at … by …"

Two desks scanning the same ticket at the same moment: the registration's row is locked first
(PostgreSQL: SELECT ... FOR UPDATE; SQLite: the write transaction), so the second desk waits and
then finds the first one's check-in. Should a caller come without that lock, the insert runs in
a savepoint and the unique constraint's refusal is read as "already checked in".
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from eventapp import activity
from eventapp.models import (
    CheckIn,
    Event,
    Registration,
    RegistrationStatus,
    User,
    utcnow,
)

SEARCH_LIMIT = 20
SEARCH_WORDS = 5

# The row lock and the savepoint; switched off only by the control test that shows the race.
GUARDED = True


class CheckInError(Exception):
    """Why someone cannot be checked in."""


class NotConfirmed(CheckInError):
    """Only a confirmed registration has a place at the door; `status` is what it is."""

    def __init__(self, status: RegistrationStatus) -> None:
        super().__init__(str(status))
        self.status = RegistrationStatus(status)


class OtherEvent(CheckInError, LookupError):
    """The registration belongs to another event."""


@dataclass
class CheckInResult:
    """`is_new`: checked in just now; otherwise they already were, at `check_in.checked_in_at`
    by `by` (None when that account is gone, or nobody was signed in)."""

    registration: Registration
    check_in: CheckIn
    is_new: bool
    by: User | None


@dataclass
class Found:
    """One search result: the registration and, when checked in, when and by whom."""

    registration: Registration
    checked_in_at: datetime | None
    checked_in_by: str


def _lock(db: Session, event: Event, registration: Registration) -> None:
    """Read the registration again, locked until the transaction ends (its status may have
    changed since the caller loaded it)."""
    if registration.event_id != event.id:
        raise OtherEvent(registration.id)
    db.refresh(registration, with_for_update=GUARDED)


def check_in_of(db: Session, registration: Registration) -> CheckIn | None:
    return db.scalar(select(CheckIn).where(CheckIn.registration_id == registration.id))


def _already(db: Session, registration: Registration, found: CheckIn) -> CheckInResult:
    by = db.get(User, found.user_id) if found.user_id is not None else None
    return CheckInResult(registration, found, is_new=False, by=by)


def check_in(
    db: Session, event: Event, registration: Registration, *, actor: User | None
) -> CheckInResult:
    """Check them in, or say when and by whom they already were. Raises NotConfirmed for a
    registration that is not confirmed, OtherEvent for another event's."""
    _lock(db, event, registration)
    if registration.status != RegistrationStatus.CONFIRMED:
        raise NotConfirmed(registration.status)
    existing = check_in_of(db, registration)
    if existing is not None:
        return _already(db, registration, existing)
    entry = CheckIn(
        event_id=event.id,
        registration_id=registration.id,
        checked_in_at=utcnow(),
        user_id=actor.id if actor else None,
    )
    if GUARDED:
        try:
            with db.begin_nested():
                db.add(entry)
        except IntegrityError:  # another desk, between our read and our write
            return _already(db, registration, check_in_of(db, registration))
    else:
        db.add(entry)
        db.flush()
    activity.record(db, actor=actor, action="checkin.create", event_id=event.id, obj=registration)
    return CheckInResult(registration, entry, is_new=True, by=actor)


def undo(
    db: Session, event: Event, registration: Registration, *, actor: User | None
) -> CheckIn | None:
    """Take the check-in back; returns the removed row (None: they were not checked in)."""
    _lock(db, event, registration)
    existing = check_in_of(db, registration)
    if existing is None:
        return None
    db.delete(existing)
    activity.record(
        db,
        actor=actor,
        action="checkin.undo",
        event_id=event.id,
        obj=registration,
        changes={"checked_in_at": [existing.checked_in_at.isoformat(), None]},
    )
    db.flush()
    return existing


def counts(db: Session, event: Event) -> tuple[int, int]:
    """(checked in, expected): of the confirmed registrations, in one query."""
    checked, expected = db.execute(
        select(func.count(CheckIn.id), func.count(Registration.id))
        .select_from(Registration)
        .outerjoin(CheckIn, CheckIn.registration_id == Registration.id)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
    ).one()
    return checked, expected


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(db: Session, event: Event, text: str, *, limit: int = SEARCH_LIMIT) -> list[Found]:
    """This event's registrations whose given or family name, organisation or email holds
    every word of `text` (any order, any case): "anna lind" and "Lind Anna" find Anna Lind.
    Confirmed first, then by family and given name; with their check-in, in one query.
    Anonymised registrations are never found."""
    words = text.split()[:SEARCH_WORDS]
    if not words:
        return []
    query = (
        select(Registration, CheckIn.checked_in_at, User.name, User.email)
        .outerjoin(CheckIn, CheckIn.registration_id == Registration.id)
        .outerjoin(User, User.id == CheckIn.user_id)
        .where(Registration.event_id == event.id, Registration.anonymised_at.is_(None))
    )
    for word in words:
        like = f"%{_escape_like(word.casefold())}%"
        query = query.where(
            or_(
                *[
                    func.lower(column).like(like, escape="\\")
                    for column in (
                        Registration.given_name,
                        Registration.family_name,
                        Registration.organisation,
                        Registration.email,
                    )
                ]
            )
        )
    query = query.order_by(
        case((Registration.status == RegistrationStatus.CONFIRMED, 0), else_=1),
        func.lower(Registration.family_name),
        func.lower(Registration.given_name),
        Registration.id,
    ).limit(limit)
    return [
        Found(registration, checked_in_at, (name or email or "") if checked_in_at else "")
        for registration, checked_in_at, name, email in db.execute(query)
    ]


def who(user: User | None) -> str:
    """How a desk names the registrar who checked someone in."""
    return (user.name or user.email) if user else ""
