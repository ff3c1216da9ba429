"""An event's team: memberships (who has which role) and invitations to join.

An invitation's life, drawn in its columns:

    pending (accepted_at, revoked_at empty; expires_at ahead)
       |-- accept -->  accepted_at set, membership made (or its role changed)
       |-- revoke -->  revoked_at set
       |-- resend -->  still pending, with a new token and a new week; the old link is dead
       '-- 7 days  -->  expired (can still be resent)

The link carries a random token; only its SHA-256 is stored, so a lookup by hash is the
comparison, and a copy of the database opens no invitation. Every event keeps at least one owner.
"""

import re
from datetime import timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from eventapp import activity, mail, security
from eventapp.auth import find_user, normalise_email
from eventapp.config import get_settings
from eventapp.i18n import DEFAULT_LANGUAGE, LANGUAGES
from eventapp.i18n import gettext as _
from eventapp.models import Event, Invitation, Membership, Role, User, utcnow

INVITATION_LIFETIME = timedelta(days=7)
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;.]+$")


class TeamError(Exception):
    """A refused change to a team; the message may be shown to the person."""


class LastOwner(TeamError):
    pass


class AlreadyOnTeam(TeamError):
    pass


class AlreadyInvited(TeamError):
    pass


def role_label(role: Role | str) -> str:
    labels = {
        Role.OWNER: _("Owner"),
        Role.ORGANISER: _("Organiser"),
        Role.REGISTRAR: _("Registrar"),
        Role.RAPPORTEUR: _("Rapporteur"),
        Role.VIEWER: _("Viewer"),
    }
    return labels[Role(role)]


def is_valid_email(text: str) -> bool:
    return len(text) <= 254 and bool(_EMAIL.match(text))


# Reading ---------------------------------------------------------------------------------------


def members(db: Session, event: Event) -> list[tuple[Membership, User]]:
    """The team with each member's account, owners first, then by name."""
    order = [Membership.role != Role.OWNER, func.lower(User.name), User.email]
    query = (
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.event_id == event.id)
        .order_by(*order)
    )
    return [(membership, user) for membership, user in db.execute(query).all()]


def open_invitations(db: Session, event: Event) -> list[Invitation]:
    """Invitations neither accepted nor revoked (expired ones included: they can be resent)."""
    query = (
        select(Invitation)
        .where(
            Invitation.event_id == event.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    )
    return list(db.scalars(query).all())


def membership_in(db: Session, event: Event, membership_id: int) -> Membership | None:
    """The membership if it belongs to this event (another event's id gives None)."""
    return db.scalar(
        select(Membership).where(Membership.id == membership_id, Membership.event_id == event.id)
    )


def invitation_in(db: Session, event: Event, invitation_id: int) -> Invitation | None:
    """The open invitation if it belongs to this event."""
    return db.scalar(
        select(Invitation).where(
            Invitation.id == invitation_id,
            Invitation.event_id == event.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    )


def is_expired(invitation: Invitation) -> bool:
    return invitation.expires_at <= utcnow()


def find_invitation(db: Session, token: str, *, lock: bool = False) -> Invitation | None:
    """The usable invitation for a link's token, or None (unknown, altered, expired, revoked
    or used). With `lock`, the row stays locked until commit, so one link is accepted once."""
    query = select(Invitation).where(Invitation.token_hash == security.token_hash(token))
    if lock:
        query = query.with_for_update()
    invitation = db.scalar(query)
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.revoked_at is not None
        or is_expired(invitation)
    ):
        return None
    return invitation


# Invitations -----------------------------------------------------------------------------------


def invite(
    db: Session, event: Event, *, email: str, role: Role, invited_by: User
) -> tuple[Invitation, str]:
    """Invite `email` to the team and queue the mail with the link; returns the invitation and
    the link's token (which is stored only hashed)."""
    email = normalise_email(email)
    existing = find_user(db, email)
    if existing is not None and membership_of(db, event, existing) is not None:
        raise AlreadyOnTeam(_("This person is already on the team; change their role instead."))
    pending = db.scalar(
        select(Invitation.id).where(
            Invitation.event_id == event.id,
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    )
    if pending is not None:
        raise AlreadyInvited(
            _("This address has already been invited; resend or revoke that invitation.")
        )
    token = security.new_token()
    invitation = Invitation(
        event_id=event.id,
        email=email,
        role=Role(role),
        token_hash=security.token_hash(token),
        invited_by_id=invited_by.id,
        expires_at=utcnow() + INVITATION_LIFETIME,
    )
    db.add(invitation)
    db.flush()
    _queue_invitation_mail(db, event, invitation, token, inviter=invited_by, recipient=existing)
    activity.record(
        db,
        actor=invited_by,
        action="team.invite",
        event_id=event.id,
        obj=invitation,
        summary=f"Invited {email} as {invitation.role}",
        changes={"email": [None, email], "role": [None, str(invitation.role)]},
    )
    return invitation, token


def resend(db: Session, event: Event, invitation: Invitation, *, actor: User) -> str:
    """A new token and a new week for an open invitation; the old link stops working."""
    token = security.new_token()
    invitation.token_hash = security.token_hash(token)
    invitation.expires_at = utcnow() + INVITATION_LIFETIME
    db.add(invitation)
    db.flush()
    recipient = find_user(db, invitation.email)
    _queue_invitation_mail(db, event, invitation, token, inviter=actor, recipient=recipient)
    activity.record(
        db,
        actor=actor,
        action="team.resend",
        event_id=event.id,
        obj=invitation,
        summary=f"Sent the invitation for {invitation.email} again",
    )
    return token


def revoke(db: Session, event: Event, invitation: Invitation, *, actor: User) -> None:
    invitation.revoked_at = utcnow()
    db.add(invitation)
    activity.record(
        db,
        actor=actor,
        action="team.revoke",
        event_id=event.id,
        obj=invitation,
        summary=f"Revoked the invitation for {invitation.email}",
    )
    db.flush()


def accept(db: Session, invitation: Invitation, user: User) -> Membership:
    """Put `user` (the account with the invited address) on the team with the invited role;
    an existing member gets the invited role."""
    if normalise_email(user.email) != invitation.email:
        raise TeamError(_("This invitation was sent to another email address."))
    event = db.get(Event, invitation.event_id)
    membership = membership_of(db, event, user)
    if membership is None:
        membership = Membership(event_id=event.id, user_id=user.id, role=invitation.role)
        changes = {"role": [None, str(invitation.role)]}
    else:
        before = str(membership.role)
        if membership.role == Role.OWNER and invitation.role != Role.OWNER:
            _keep_an_owner(db, event, membership)
        membership.role = invitation.role
        membership.version += 1
        changes = {"role": [before, str(invitation.role)]}
    db.add(membership)
    invitation.accepted_at = utcnow()
    db.add(invitation)
    db.flush()
    activity.record(
        db,
        actor=user,
        action="team.accept",
        event_id=event.id,
        obj=membership,
        summary=f"{user.email} joined the team as {invitation.role}",
        changes=changes,
    )
    return membership


def _queue_invitation_mail(
    db: Session,
    event: Event,
    invitation: Invitation,
    token: str,
    *,
    inviter: User,
    recipient: User | None,
) -> None:
    # The link comes from the configured base URL, never from a request's Host header.
    link = f"{get_settings().base_url}/invitations/{token}"
    mail.queue(
        db,
        to=invitation.email,
        template="team_invitation",
        context={
            "event": event,
            "invitation": invitation,
            "inviter": inviter,
            "link": link,
            "role_label": role_label,
        },
        language=_recipient_language(event, recipient),
        event_id=event.id,
    )


def _recipient_language(event: Event, recipient: User | None) -> str:
    """The account's chosen language, else the event's first language we have a catalog for."""
    if recipient is not None and recipient.language in LANGUAGES:
        return recipient.language
    for code in event.language_list:
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


# Memberships -----------------------------------------------------------------------------------


def membership_of(db: Session, event: Event, user: User) -> Membership | None:
    return db.scalar(
        select(Membership).where(Membership.event_id == event.id, Membership.user_id == user.id)
    )


def change_role(db: Session, event: Event, membership: Membership, role: Role, *, actor: User):
    role = Role(role)
    before = Role(membership.role)
    if before == role:
        return
    if before == Role.OWNER:
        _keep_an_owner(db, event, membership)
    membership.role = role
    membership.version += 1
    db.add(membership)
    db.flush()
    user = db.get(User, membership.user_id)
    activity.record(
        db,
        actor=actor,
        action="team.change_role",
        event_id=event.id,
        obj=membership,
        summary=f"{user.email}: {before} → {role}",
        changes={"role": [str(before), str(role)]},
    )


def remove(db: Session, event: Event, membership: Membership, *, actor: User) -> None:
    if membership.role == Role.OWNER:
        _keep_an_owner(db, event, membership)
    user = db.get(User, membership.user_id)
    activity.record(
        db,
        actor=actor,
        action="team.remove",
        event_id=event.id,
        obj=membership,
        summary=f"Removed {user.email} ({membership.role})",
        changes={"role": [str(membership.role), None], "user_id": [user.id, None]},
    )
    db.delete(membership)
    db.flush()


def _keep_an_owner(db: Session, event: Event, leaving: Membership) -> None:
    """Refuse to take `leaving` out of the owners when it is the last one. The owners' rows are
    locked (PostgreSQL; on SQLite the write transaction already is), so two owners demoting
    each other at once cannot leave the event with none."""
    owners = db.scalars(
        select(Membership.id)
        .where(Membership.event_id == event.id, Membership.role == Role.OWNER)
        .with_for_update()
    ).all()
    if [owner for owner in owners if owner != leaving.id] == []:
        raise LastOwner(_("An event needs at least one owner: make someone else an owner first."))
