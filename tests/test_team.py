"""Team rules: invitations (tokens, expiry, resend, revoke, accept), roles and the last owner."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from eventapp import auth, security, team
from eventapp.db import new_session
from eventapp.models import (
    ActivityLog,
    Event,
    Invitation,
    MailMessage,
    Membership,
    Role,
    User,
    utcnow,
)
from tests.factories import add_member, make_event, make_user


@pytest.fixture
def owner(db):
    return make_user(db, "owner@example.org", name="Owner")


@pytest.fixture
def event(db, owner):
    return make_event(db, owner=owner)


def count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def test_an_invitation_stores_only_the_hash_of_a_long_random_token_and_lasts_a_week(
    db, event, owner
):
    invitation, token = team.invite(
        db, event, email=" New.Person@Example.org ", role=Role.ORGANISER, invited_by=owner
    )
    db.commit()

    stored = db.scalar(select(Invitation))
    lifetime = stored.expires_at - stored.created_at
    assert len(token) >= 43  # 256 bits, URL-safe
    assert stored.token_hash == security.token_hash(token) != token
    assert (stored.email, stored.role) == ("new.person@example.org", Role.ORGANISER)
    assert timedelta(days=7) - timedelta(seconds=5) < lifetime <= timedelta(days=7)
    assert team.find_invitation(db, token).id == invitation.id


def test_an_invitation_and_its_mail_are_one_transaction(db, event, owner):
    team.invite(db, event, email="guest@example.org", role=Role.VIEWER, invited_by=owner)
    db.rollback()

    assert (count(db, Invitation), count(db, MailMessage)) == (0, 0)


def test_an_invitation_queues_one_mail_to_the_invited_address(db, event, owner):
    team.invite(db, event, email="guest@example.org", role=Role.VIEWER, invited_by=owner)
    db.commit()

    messages = db.scalars(select(MailMessage)).all()
    assert [(m.to_address, m.event_id) for m in messages] == [("guest@example.org", event.id)]


def test_inviting_a_member_or_an_address_already_invited_is_refused(db, event, owner):
    team.invite(db, event, email="guest@example.org", role=Role.VIEWER, invited_by=owner)

    with pytest.raises(team.AlreadyInvited):
        team.invite(db, event, email="GUEST@example.org", role=Role.OWNER, invited_by=owner)
    with pytest.raises(team.AlreadyOnTeam):
        team.invite(db, event, email="owner@example.org", role=Role.VIEWER, invited_by=owner)


def test_resending_gives_a_new_token_and_the_old_link_stops_working(db, event, owner):
    invitation, old_token = team.invite(
        db, event, email="guest@example.org", role=Role.VIEWER, invited_by=owner
    )

    new_token = team.resend(db, event, invitation, actor=owner)
    db.commit()

    assert team.find_invitation(db, old_token) is None
    assert team.find_invitation(db, new_token).id == invitation.id
    assert count(db, MailMessage) == 2


@pytest.mark.parametrize("spoil", ["revoke", "expire", "accept", "alter"])
def test_a_revoked_expired_used_or_altered_token_finds_nothing(db, event, owner, spoil):
    invitation, token = team.invite(
        db, event, email="guest@example.org", role=Role.VIEWER, invited_by=owner
    )
    if spoil == "revoke":
        team.revoke(db, event, invitation, actor=owner)
    elif spoil == "expire":
        db.execute(update(Invitation).values(expires_at=utcnow() - timedelta(seconds=1)))
    elif spoil == "accept":
        team.accept(db, invitation, auth.create_user(db, "guest@example.org", "a long passphrase"))
    else:
        token = token[:-1] + ("A" if token[-1] != "A" else "B")
    db.commit()

    assert team.find_invitation(db, token) is None


def test_accepting_puts_the_invited_account_on_the_team_with_the_invited_role(db, event, owner):
    invitation, _token = team.invite(
        db, event, email="guest@example.org", role=Role.RAPPORTEUR, invited_by=owner
    )
    guest = make_user(db, "guest@example.org")

    team.accept(db, invitation, guest)
    db.commit()

    assert team.membership_of(db, event, guest).role == Role.RAPPORTEUR
    assert db.get(Invitation, invitation.id).accepted_at is not None


def test_accepting_as_an_existing_member_changes_their_role(db, event, owner):
    guest = make_user(db, "guest@example.org")
    invitation, _token = team.invite(
        db, event, email="guest@example.org", role=Role.ORGANISER, invited_by=owner
    )
    add_member(db, event, guest, Role.VIEWER)  # joined some other way meanwhile

    team.accept(db, invitation, guest)
    db.commit()

    memberships = db.scalars(select(Membership).where(Membership.user_id == guest.id)).all()
    assert [m.role for m in memberships] == [Role.ORGANISER]


def test_an_invitation_cannot_be_accepted_by_another_account(db, event, owner):
    invitation, _token = team.invite(
        db, event, email="guest@example.org", role=Role.OWNER, invited_by=owner
    )
    stranger = make_user(db, "stranger@example.org")

    with pytest.raises(team.TeamError):
        team.accept(db, invitation, stranger)


def test_the_last_owner_can_be_neither_demoted_nor_removed(db, event, owner):
    membership = team.membership_of(db, event, owner)

    with pytest.raises(team.LastOwner):
        team.change_role(db, event, membership, Role.ORGANISER, actor=owner)
    with pytest.raises(team.LastOwner):
        team.remove(db, event, membership, actor=owner)


def test_the_last_owner_cannot_demote_themselves_by_accepting_a_lesser_invitation(db, event, owner):
    invitation, _token = team.invite(
        db, event, email="someone@example.org", role=Role.VIEWER, invited_by=owner
    )
    invitation.email = "owner@example.org"  # as if the owner had been invited before joining

    with pytest.raises(team.LastOwner):
        team.accept(db, invitation, owner)


def test_an_owner_can_step_down_when_another_owner_remains(db, event, owner):
    second = make_user(db)
    add_member(db, event, second, Role.OWNER)
    membership = team.membership_of(db, event, owner)

    team.change_role(db, event, membership, Role.VIEWER, actor=owner)
    db.commit()

    assert [(m.user_id, m.role) for m, _u in team.members(db, event)] == [
        (second.id, Role.OWNER),
        (owner.id, Role.VIEWER),
    ]


def test_every_team_change_is_in_the_activity_log(db, event, owner):
    member = make_user(db)
    membership = add_member(db, event, member, Role.VIEWER)
    invitation, _token = team.invite(
        db, event, email="guest@example.org", role=Role.VIEWER, invited_by=owner
    )
    team.resend(db, event, invitation, actor=owner)
    guest = auth.create_user(db, "guest@example.org", "a long passphrase")
    team.accept(db, invitation, guest)
    other, _token = team.invite(
        db, event, email="other@example.org", role=Role.VIEWER, invited_by=owner
    )
    team.revoke(db, event, other, actor=owner)
    team.change_role(db, event, membership, Role.REGISTRAR, actor=owner)
    team.remove(db, event, membership, actor=owner)
    db.commit()

    entries = db.execute(
        select(ActivityLog.action, ActivityLog.user_id, ActivityLog.changes).order_by(
            ActivityLog.id
        )
    ).all()
    assert [(action, user_id) for action, user_id, _c in entries] == [
        ("team.invite", owner.id),
        ("team.resend", owner.id),
        ("team.accept", guest.id),
        ("team.invite", owner.id),
        ("team.revoke", owner.id),
        ("team.change_role", owner.id),
        ("team.remove", owner.id),
    ]
    assert entries[5][2] == {"role": ["viewer", "registrar"]}


def test_members_and_invitations_are_found_only_within_their_event(db, event, owner):
    other_event = make_event(db, owner=owner)
    invitation, _token = team.invite(
        db, other_event, email="guest@example.org", role=Role.VIEWER, invited_by=owner
    )
    other_membership = team.membership_of(db, other_event, owner)

    assert team.invitation_in(db, event, invitation.id) is None
    assert team.membership_in(db, event, other_membership.id) is None
    assert team.invitation_in(db, other_event, invitation.id).id == invitation.id


def demote_concurrently(engine, event, memberships, demote) -> list[str]:
    """Each of two owners demotes the other at the same moment, in its own thread and session."""
    barrier = threading.Barrier(2)
    results: list[str] = []

    def run(membership_id: int, actor_id: int) -> None:
        try:
            results.append(demote(engine, event.id, membership_id, actor_id, barrier))
        except BaseException as exc:  # a thread's exception would otherwise be lost
            results.append(repr(exc))

    first, second = memberships
    threads = [
        threading.Thread(target=run, args=(first.id, second.user_id)),
        threading.Thread(target=run, args=(second.id, first.user_id)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(results)


def demote_with_the_rule(engine, event_id, membership_id, actor_id, barrier) -> str:
    barrier.wait()
    with new_session(engine, write=True) as session:
        event = session.get(Event, event_id)
        membership = session.get(Membership, membership_id)
        try:
            team.change_role(
                session, event, membership, Role.VIEWER, actor=session.get(User, actor_id)
            )
        except team.LastOwner:
            return "refused"
        session.commit()
        return "demoted"


def demote_naively(engine, event_id, membership_id, actor_id, barrier) -> str:
    """Count the owners, then demote: what the rule's row locks exist to prevent."""
    with new_session(engine) as session:
        owners = session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.event_id == event_id, Membership.role == Role.OWNER)
        )
        barrier.wait()  # both have counted two owners before either demotes
        if owners < 2:
            return "refused"
        session.execute(
            update(Membership).where(Membership.id == membership_id).values(role=Role.VIEWER)
        )
        session.commit()
        return "demoted"


def owners_of(db, event) -> int:
    number = db.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.event_id == event.id, Membership.role == Role.OWNER)
    )
    db.commit()
    return number


def test_two_owners_demoting_each_other_at_once_leave_exactly_one_owner(engine, db, event, owner):
    second = add_member(db, event, make_user(db), Role.OWNER)
    first = team.membership_of(db, event, owner)
    db.commit()

    results = demote_concurrently(engine, event, [first, second], demote_with_the_rule)

    assert results == ["demoted", "refused"]
    assert owners_of(db, event) == 1


def test_control_without_the_rules_locks_two_owners_can_leave_an_event_with_none(
    engine, db, event, owner
):
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite's BEGIN IMMEDIATE serialises the writers; the race needs PostgreSQL")
    second = add_member(db, event, make_user(db), Role.OWNER)
    first = team.membership_of(db, event, owner)
    db.commit()

    results = demote_concurrently(engine, event, [first, second], demote_naively)

    assert results == ["demoted", "demoted"]
    assert owners_of(db, event) == 0
