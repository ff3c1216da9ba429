"""Retention: the personal data of registrations does not outlive its purpose (rules).

Two ways a registration loses its personal data, both through `anonymise`:

- by time: `retention_days` after its event ends (`anonymise_due`, a job of `eventapp worker`);
- on request: an organiser erases one person (`erase`), whose active registration is cancelled
  first so the place goes to the waiting list.

Anonymising blanks the attendee's fields and answers, gives the row a placeholder address
and new random secrets (the old personal link and ticket find nothing), and scrubs the activity
log rows about it and the outbox messages to them: what was not sent yet never will be. Their
mail is found by its address and, for the mail to an address they had before changing it, by
the personal link it carries. Their personal invitations (the one they registered with, any of
the event's to their address, an unused one to an address they had before) lose their address
and note, stop working if unused, and the log rows and the mail about them are scrubbed too.
The status and check-ins stay, so the counts and statistics still add up.
"""

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import delete, or_, select, update
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
    RegistrationInvite,
    RegistrationSettings,
    User,
    utcnow,
)

BLANKED = ("honorific", "given_name", "family_name", "organisation", "position", "country")
ERASED = "erased"  # last_error of the outbox messages that were never sent because of it
# Up to this many links, the outbox is searched in SQL (LIKE); past it (the retention job's
# batches), the event's mail with a link is read once and its links looked up in a set.
LIKE_AT_MOST = 20
LINK = re.compile(r"/(?:registrations/|register\?invite=)([A-Za-z0-9_-]{43})")


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
    links: dict[int, set[str]] = {}  # event id: their personal links' tokens
    for found in registrations:
        old_addresses.setdefault(found.event_id, {})[found.email] = placeholder_email(found)
        links.setdefault(found.event_id, set()).add(registration_rules.link_token(found))
    # Every mail about a registration carries its link: so is found the mail to an address
    # they had before changing it (registration.update_details mails the old address too).
    mail: dict[int, set[int]] = {}  # event id: ids of the messages to scrub
    previous: dict[int, set[str]] = {}  # event id: addresses they had before
    for event_id, tokens in links.items():
        carrying = _carrying(db, event_id, tokens)
        mail[event_id] = {message_id for message_id, _address in carrying}
        previous[event_id] = {address for _id, address in carrying} - set(old_addresses[event_id])
    invites = _their_invites(db, registrations, previous)
    invite_links: dict[int, set[str]] = {}
    for invite in invites:
        invite_links.setdefault(invite.event_id, set()).add(registration_rules.invite_token(invite))
    for event_id, tokens in invite_links.items():
        mail[event_id] |= {message_id for message_id, _address in _carrying(db, event_id, tokens)}
    for found in registrations:
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
    for invite in invites:
        invite.email = ""
        invite.note = ""
        invite.is_revoked = invite.is_revoked or invite.uses == 0  # an unused link: nobody's
        invite.version += 1
    db.flush()
    # Check-ins are logged under their registration too (eventapp.checkin); an invitation's
    # log rows name its address (eventapp.registration_invites).
    db.execute(
        update(ActivityLog)
        .where(ActivityLog.object_type == "Registration", ActivityLog.object_id.in_(ids))
        .values(summary="", changes={})
    )
    if invites:
        db.execute(
            update(ActivityLog)
            .where(
                ActivityLog.object_type == "RegistrationInvite",
                ActivityLog.object_id.in_([invite.id for invite in invites]),
            )
            .values(summary="", changes={})
        )
    for event_id, addresses in old_addresses.items():
        _scrub_outbox(db, event_id, addresses, mail[event_id])
    # The registration form counts attempts per address (registration.count_attempt).
    every_address = [
        address
        for event_id, addresses in old_addresses.items()
        for address in [*addresses, *previous[event_id]]
    ]
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


def _their_invites(
    db: Session, registrations: Sequence[Registration], previous: dict[int, set[str]]
) -> list[RegistrationInvite]:
    """The personal invitations (not shared codes) the registrations were made with (by the
    one who used it: a group's colleagues carry their lead's), those of each event to one of
    their addresses, and the unused ones to an address they had before."""
    used = [
        found.invite_id
        for found in registrations
        if found.invite_id is not None and found.group_lead_id is None
    ]
    current: dict[int, set[str]] = {}
    for found in registrations:
        current.setdefault(found.event_id, set()).add(found.email)
    to_them = [
        sa.and_(RegistrationInvite.event_id == event_id, RegistrationInvite.email.in_(emails))
        for event_id, emails in current.items()
    ] + [
        sa.and_(
            RegistrationInvite.event_id == event_id,
            RegistrationInvite.email.in_(emails),
            RegistrationInvite.uses == 0,  # a used one may be the new holder's of the address
        )
        for event_id, emails in previous.items()
        if emails
    ]
    return list(
        db.scalars(
            select(RegistrationInvite)
            .where(
                RegistrationInvite.email != "",  # personal: a shared code has no address
                or_(RegistrationInvite.id.in_(used), *to_them),
            )
            .order_by(RegistrationInvite.id)
        )
    )


def _carrying(db: Session, event_id: int, links: set[str]) -> list[tuple[int, str]]:
    """(id, address) of the event's messages with one of these links (tokens) in their text:
    a LIKE for each when few, else the event's mail with a link read once (a LIKE for each of
    a retention batch's hundreds would read every body as many times)."""
    of_event = MailMessage.event_id == event_id
    if len(links) <= LIKE_AT_MOST:
        query = select(MailMessage.id, MailMessage.to_address).where(
            of_event,
            or_(
                *(MailMessage.body_text.contains(token, autoescape=True) for token in sorted(links))
            ),
        )
        return [(message_id, address) for message_id, address in db.execute(query)]
    query = select(MailMessage.id, MailMessage.to_address, MailMessage.body_text).where(
        of_event, MailMessage.body_text.contains("/regist", autoescape=True)
    )
    return [
        (message_id, address)
        for message_id, address, body in db.execute(query)
        if not links.isdisjoint(LINK.findall(body))
    ]


def _scrub_outbox(
    db: Session, event_id: int, addresses: dict[str, str], message_ids: set[int]
) -> None:
    """Messages of the event to the old addresses, or among `message_ids`: unsent ones are
    never sent (failed, "erased"), and every one loses its address (one not in `addresses`, an
    address they had before, becomes empty), subject, bodies and attachments."""
    to_them = [MailMessage.to_address.in_(list(addresses))]
    if message_ids:
        to_them.append(MailMessage.id.in_(sorted(message_ids)))
    where = (MailMessage.event_id == event_id, or_(*to_them))
    db.execute(
        update(MailMessage)
        .where(*where, MailMessage.status.in_([MailStatus.QUEUED, MailStatus.SENDING]))
        .values(status=MailStatus.FAILED, last_error=ERASED, claimed_at=None)
    )
    db.execute(
        update(MailMessage)
        .where(*where)
        .values(
            to_address=sa.case(addresses, value=MailMessage.to_address, else_=""),
            subject="",
            body_text="",
            body_html="",
            attachments=[],
        )
    )
