"""Invitations to register for an invitation-only event (rules: no FastAPI here).

Two kinds, one table (RegistrationInvite):

    shared code        "EU-PARTNERS" handed out by the organiser; any number of people, up to
                       `max_uses` (None: no limit)
    personal link      mailed to one address: /events/{slug}/register?invite={token}; one use.
                       The token is an HMAC of `link_nonce` (registration.invite_token), only its
                       hash is stored, so a copy of the database holds no working link.

Either can be revoked; registration.find_invite / invite_is_usable decide at registration time.
"""

import re
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlmodel import Session

from eventapp import activity, mail, registration, security, team
from eventapp.config import get_settings
from eventapp.i18n import DEFAULT_LANGUAGE, LANGUAGES
from eventapp.i18n import gettext as _
from eventapp.models import Event, RegistrationInvite, User

CODE_PATTERN = re.compile(r"[A-Z0-9-]{4,40}")
NOTE_MAX = 200
MAX_USES_LIMIT = 100_000
PEOPLE_MAX = 500  # addresses in one go


class InviteError(ValueError):
    """Why an invitation was not made (the message is for the organiser)."""


class CodeTaken(InviteError):
    """This event already has that shared code."""


class InvalidCode(InviteError):
    """Not 4 to 40 letters, digits or hyphens."""


def normalise_code(code: str) -> str:
    return "".join(code.split()).upper()


def for_event(db: Session, event: Event) -> list[RegistrationInvite]:
    """The event's invitations, shared codes first, newest first within each kind."""
    return list(
        db.scalars(
            select(RegistrationInvite)
            .where(RegistrationInvite.event_id == event.id)
            .order_by(RegistrationInvite.code.is_(None), RegistrationInvite.id.desc())
        )
    )


def invite_in(db: Session, event: Event, invite_id: int) -> RegistrationInvite | None:
    """This event's invitation with that id; None for another event's."""
    invite = db.get(RegistrationInvite, invite_id)
    return invite if invite is not None and invite.event_id == event.id else None


def create_code(
    db: Session,
    event: Event,
    *,
    actor: User,
    code: str,
    max_uses: int | None = None,
    note: str = "",
) -> RegistrationInvite:
    """A shared invitation code (upper-cased). Raises InvalidCode or CodeTaken."""
    code = normalise_code(code)
    if not CODE_PATTERN.fullmatch(code):
        raise InvalidCode(_("Use 4 to 40 letters, digits or hyphens."))
    if max_uses is not None and not 1 <= max_uses <= MAX_USES_LIMIT:
        raise InviteError(
            _("Enter a number from 1 to %(max)s, or leave it empty.", max=MAX_USES_LIMIT)
        )
    taken = db.scalar(
        select(RegistrationInvite.id).where(
            RegistrationInvite.event_id == event.id, RegistrationInvite.code == code
        )
    )
    if taken is not None:
        raise CodeTaken(_("This event already has this code. Choose another."))
    invite = RegistrationInvite(
        event_id=event.id,
        code=code,
        max_uses=max_uses,
        note=" ".join(note.split())[:NOTE_MAX],
        created_by_id=actor.id,
    )
    db.add(invite)
    db.flush()
    activity.record(
        db,
        actor=actor,
        action="registration_invite.code",
        event_id=event.id,
        obj=invite,
        summary=code,
        changes={"code": [None, code], "max_uses": [None, max_uses]},
    )
    return invite


def parse_emails(text: str) -> tuple[list[str], list[str]]:
    """(addresses, refused lines) from one address a line (commas and semicolons also
    separate); addresses are normalised and each kept once."""
    found: list[str] = []
    refused: list[str] = []
    for line in re.split(r"[\n;,]", text.replace("\r", "\n")):
        candidate = line.strip().strip("<>").strip()
        if not candidate:
            continue
        email = registration.normalise_email(candidate)
        if team.is_valid_email(email):
            if email not in found:
                found.append(email)
        else:
            refused.append(" ".join(line.split())[:100])
    return found, refused


def _language(event: Event) -> str:
    for code in event.language_list:
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


def link_for(event: Event, invite: RegistrationInvite) -> str:
    """The personal invitation link (from the configured base URL, never a request's Host)."""
    token = registration.invite_token(invite)
    return f"{get_settings().base_url}/events/{event.slug}/register?invite={token}"


def invite_people(
    db: Session,
    event: Event,
    *,
    actor: User,
    emails: Iterable[str],
    note: str = "",
    language: str | None = None,
) -> list[RegistrationInvite]:
    """A personal one-use invitation link for each address, each mailed (in `language`, else
    the event's first language). Raises InviteError for an address that is not one."""
    addresses = []
    for email in emails:
        email = registration.normalise_email(email)
        if not team.is_valid_email(email):
            raise InviteError(_("Not an email address: %(text)s", text=email[:100]))
        if email not in addresses:
            addresses.append(email)
    if len(addresses) > PEOPLE_MAX:
        raise InviteError(_("Invite at most %(max)s people at a time.", max=PEOPLE_MAX))
    note = " ".join(note.split())[:NOTE_MAX]
    language = language if language in LANGUAGES else _language(event)
    made = []
    for email in addresses:
        invite = RegistrationInvite(
            event_id=event.id,
            email=email,
            note=note,
            max_uses=1,
            created_by_id=actor.id,
            link_nonce=security.new_token()[:43],
        )
        invite.token_hash = security.token_hash(registration.invite_token(invite))
        db.add(invite)
        db.flush()
        mail.queue(
            db,
            to=email,
            template="registration_invite",
            context={
                "event": event,
                "invite": invite,
                "inviter": actor,
                "link": link_for(event, invite),
            },
            language=language,
            event_id=event.id,
        )
        activity.record(
            db,
            actor=actor,
            action="registration_invite.person",
            event_id=event.id,
            obj=invite,
            summary=email,
        )
        made.append(invite)
    return made


def revoke(db: Session, event: Event, invite: RegistrationInvite, *, actor: User) -> bool:
    """Stop an invitation from working (registrations made with it stay); False when it was
    already revoked."""
    db.refresh(invite, with_for_update=True)
    if invite.is_revoked:
        return False
    invite.is_revoked = True
    invite.version += 1
    db.flush()
    activity.record(
        db,
        actor=actor,
        action="registration_invite.revoke",
        event_id=event.id,
        obj=invite,
        summary=invite.code or invite.email,
        changes={"is_revoked": [False, True]},
    )
    return True


def count(db: Session, event: Event) -> int:
    return db.scalar(
        select(func.count(RegistrationInvite.id)).where(RegistrationInvite.event_id == event.id)
    )
