"""Retention: the personal data of registrations does not outlive its purpose (rules).

Two ways a registration loses its personal data, both through `anonymise`:

- by time: `retention_days` after its event ends (`anonymise_due`, a job of `eventapp worker`);
- on request: an organiser erases one person (`erase`), whose active registration is cancelled
  first so the place goes to the waiting list.

Anonymising blanks the attendee's fields and answers, gives the row a placeholder address
and new random secrets (the old personal link and ticket find nothing), and scrubs the activity
log rows about it and the outbox messages to the old address: what was not sent yet never will
be. The status and check-ins stay, so the counts and statistics still add up.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import delete, select, update
from sqlmodel import Session

from eventapp import activity, security
from eventapp import registration as registration_rules
from eventapp.models import (
    ActivityLog,
    Event,
    MailMessage,
    MailStatus,
    RateLimitHit,
    Registration,
    RegistrationSettings,
    User,
    utcnow,
)

BLANKED = ("honorific", "given_name", "family_name", "organisation", "position", "country")
ERASED = "erased"  # last_error of the outbox messages that were never sent because of it


def placeholder_email(registration: Registration) -> str:
    """What an anonymised registration keeps as its address: distinct per row, as the email
    must be among an event's registrations, and nobody's."""
    return f"anonymised-{registration.id}"


def erase(db: Session, event: Event, registration: Registration, *, actor: User) -> None:
    """Erase one person's data from the event on their request: each of their registrations
    there (the same address: an earlier, cancelled one too) is anonymised, and an active one is
    cancelled first, without mail to them, so its place goes to the waiting list."""
    if registration.event_id != event.id:
        raise ValueError("a registration of another event")
    theirs = list(
        db.scalars(
            select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.email == registration.email,
                Registration.anonymised_at.is_(None),
            )
            .order_by(Registration.id)
        )
    )
    for found in theirs:
        if found.status in registration_rules.ACTIVE:
            registration_rules.cancel(db, event, found, actor=actor, notify=False)
    _anonymise_all(db, [r for r in theirs if r.anonymised_at is None], now=utcnow())
    activity.record(
        db, actor=actor, action="registration.erase", event_id=event.id, obj=registration
    )
    db.flush()


def anonymise(db: Session, registration: Registration, *, now: datetime) -> None:
    """Blank one registration's personal data and scrub it from the log and the outbox."""
    _anonymise_all(db, [registration], now=now)


def anonymise_due(db: Session, *, now: datetime, batch: int = 500) -> int:
    """Anonymise up to `batch` registrations whose event ended more than its `retention_days`
    ago; returns how many. Call again until it returns less than `batch` (the worker commits
    each batch, so a long backlog never holds one long transaction)."""
    ended = db.execute(
        select(Event.id, Event.ends_at, RegistrationSettings.retention_days)
        .join(RegistrationSettings, RegistrationSettings.event_id == Event.id)
        .where(RegistrationSettings.retention_days.is_not(None), Event.ends_at < now)
    ).all()
    due = [
        event_id
        for event_id, ends_at, days in ended
        if ends_at + timedelta(days=max(days, 0)) < now
    ]
    if not due:
        return 0
    found = list(
        db.scalars(
            select(Registration)
            .where(Registration.event_id.in_(due), Registration.anonymised_at.is_(None))
            .order_by(Registration.id)
            .limit(batch)
        )
    )
    _anonymise_all(db, found, now=now)
    return len(found)


def _anonymise_all(db: Session, registrations: Sequence[Registration], *, now: datetime) -> None:
    """Anonymise these registrations in a few statements, however many there are."""
    if not registrations:
        return
    ids = [found.id for found in registrations]
    old_addresses: dict[int, dict[str, str]] = {}  # event id: {old address: placeholder}
    for found in registrations:
        old_addresses.setdefault(found.event_id, {})[found.email] = placeholder_email(found)
        for name in BLANKED:
            setattr(found, name, "")
        found.answers = {}
        found.in_participant_list = False
        found.email = placeholder_email(found)
        # New random secrets, not derived from the new nonce: no link or ticket works any more.
        found.link_nonce = security.new_token()[:43]
        found.token_hash = security.token_hash(security.new_token())
        found.ticket_hash = security.token_hash(security.new_token())
        found.anonymised_at = now
        found.version += 1
        found.updated_at = now
    db.flush()
    # Check-ins are logged under their registration too (eventapp.checkin).
    db.execute(
        update(ActivityLog)
        .where(ActivityLog.object_type == "Registration", ActivityLog.object_id.in_(ids))
        .values(summary="", changes={})
    )
    for event_id, addresses in old_addresses.items():
        _scrub_outbox(db, event_id, addresses)
    # The registration form counts attempts per address (registration.count_attempt).
    every_address = [address for addresses in old_addresses.values() for address in addresses]
    db.execute(
        delete(RateLimitHit).where(
            RateLimitHit.bucket == "registration-email", RateLimitHit.key.in_(every_address)
        )
    )
    db.execute(
        update(Event)
        .where(Event.id.in_(list(old_addresses)))
        .values(updated_at=now)  # the public participant list shows them no more
    )


def _scrub_outbox(db: Session, event_id: int, addresses: dict[str, str]) -> None:
    """Messages of the event to the old addresses: unsent ones are never sent (failed,
    "erased"), and every one loses its address, subject, bodies and attachments."""
    to_them = (MailMessage.event_id == event_id, MailMessage.to_address.in_(list(addresses)))
    db.execute(
        update(MailMessage)
        .where(*to_them, MailMessage.status.in_([MailStatus.QUEUED, MailStatus.SENDING]))
        .values(status=MailStatus.FAILED, last_error=ERASED, claimed_at=None)
    )
    db.execute(
        update(MailMessage)
        .where(*to_them)
        .values(
            to_address=sa.case(addresses, value=MailMessage.to_address, else_=""),
            subject="",
            body_text="",
            body_html="",
            attachments=[],
        )
    )
