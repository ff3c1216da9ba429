"""Registration rules (eventapp/registration.py): places under a lock, the waiting list in order,
approval, the personal link and the ticket code. The race test runs real threads, each with its
own database session, against the same database (and a control without the lock shows the race
is real on PostgreSQL)."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from eventapp import registration as rules
from eventapp.db import new_session
from eventapp.models import (
    Event,
    MailMessage,
    Registration,
    RegistrationInvite,
    RegistrationMode,
    RegistrationSettings,
    RegistrationStatus,
)
from tests.factories import (
    attendee,
    make_event,
    make_registration,
    make_user,
    open_registration,
    read,
    read_all,
)

NOW = datetime.now(UTC)


@pytest.fixture
def owner(db):
    return make_user(db, name="Olivia Owner")


@pytest.fixture
def event(db, owner):
    return make_event(db, owner=owner, title="EU–Southeast Asia Digital Diplomacy Forum")


def register(db, event, n, **fields) -> Registration:
    return make_registration(db, event, n, **fields)


def statuses(db, event) -> list[tuple[str, str]]:
    rows = read_all(
        db, select(Registration).where(Registration.event_id == event.id).order_by(Registration.id)
    )
    return [(row.email.split("@")[0], str(row.status)) for row in rows]


def subjects(db) -> list[tuple[str, str]]:
    rows = read_all(db, select(MailMessage).order_by(MailMessage.id))
    return [(row.to_address.split("@")[0], row.subject) for row in rows]


# Places and the waiting list -------------------------------------------------------------------


def test_places_go_first_come_then_the_waiting_list(db, event):
    open_registration(db, event, capacity=2)

    for n in range(4):
        register(db, event, n)

    assert statuses(db, event) == [
        ("attendee0", "confirmed"),
        ("attendee1", "confirmed"),
        ("attendee2", "waitlisted"),
        ("attendee3", "waitlisted"),
    ]
    settings = read(
        db, select(RegistrationSettings).where(RegistrationSettings.event_id == event.id)
    )
    assert (settings.confirmed, rules.places_left(settings)) == (2, 0)
    third = read(db, select(Registration).where(Registration.email == "attendee3@example.org"))
    assert rules.waitlist_position(db, third) == 2


def test_full_without_a_waiting_list_refuses(db, event):
    open_registration(db, event, capacity=1, has_waitlist=False)
    register(db, event, 0)

    with pytest.raises(rules.Full):
        rules.register(db, event, attendee(1))


def test_a_cancellation_promotes_the_first_in_line_and_mails_them_once(db, event):
    open_registration(db, event, capacity=1)
    first, second, third = (register(db, event, n) for n in range(3))

    promoted = rules.cancel(db, event, first)
    db.commit()
    again = rules.cancel(db, event, first)
    db.commit()

    assert ([p.id for p in promoted], again) == ([second.id], [])
    assert statuses(db, event) == [
        ("attendee0", "cancelled"),
        ("attendee1", "confirmed"),
        ("attendee2", "waitlisted"),
    ]
    assert subjects(db)[3:] == [
        (
            "attendee0",
            "Your registration for EU–Southeast Asia Digital Diplomacy Forum is cancelled",
        ),
        ("attendee1", "A place at EU–Southeast Asia Digital Diplomacy Forum is now yours"),
    ]
    assert rules.waitlist_position(db, third) == 1


def test_a_larger_capacity_promotes_in_order(db, event, owner):
    open_registration(db, event, capacity=1)
    for n in range(4):
        register(db, event, n)

    promoted = rules.set_capacity(db, event, actor=owner, capacity=3)
    db.commit()

    assert [p.email for p in promoted] == ["attendee1@example.org", "attendee2@example.org"]
    assert [s for _e, s in statuses(db, event)] == [
        "confirmed", "confirmed", "confirmed", "waitlisted"
    ]  # fmt: skip


def test_registering_twice_is_one_registration_whatever_the_case_and_spaces(db, event):
    open_registration(db, event)
    first = register(db, event, "Anna")

    with pytest.raises(rules.AlreadyRegistered) as again:
        rules.register(db, event, rules.AttendeeDetails(email=" ATTENDEEanna@Example.org "))

    assert again.value.registration.id == first.id


def test_after_cancelling_one_may_register_again(db, event):
    open_registration(db, event)
    first = register(db, event, 0)
    rules.cancel(db, event, first)
    db.commit()

    second = register(db, event, 0)

    assert (second.id != first.id, second.status) == (True, RegistrationStatus.CONFIRMED)


def test_an_event_never_set_up_for_registration_is_closed_and_stays_untouched(db, event):
    with pytest.raises(rules.Closed):
        rules.register(db, event, attendee(0))

    db.rollback()
    assert (
        read(db, select(RegistrationSettings).where(RegistrationSettings.event_id == event.id))
        is None
    )


@pytest.mark.parametrize(
    ("fields", "now"),
    [
        ({"is_enabled": False}, NOW),
        ({"opens_at": NOW + timedelta(hours=1)}, NOW),
        ({"closes_at": NOW - timedelta(minutes=1)}, NOW),
    ],
    ids=["not enabled", "not yet open", "closed"],
)
def test_registration_outside_its_window_is_refused(db, event, fields, now):
    open_registration(db, event, **fields)

    with pytest.raises(rules.Closed):
        rules.register(db, event, attendee(0), now=now)


def test_a_bad_email_is_refused(db, event):
    open_registration(db, event)

    with pytest.raises(rules.InvalidEmail):
        rules.register(db, event, rules.AttendeeDetails(email="anna@example.org\r\nBcc: x@y.z"))


# Approval --------------------------------------------------------------------------------------


def test_moderated_registrations_wait_for_a_decision_and_take_a_place_when_approved(
    db, event, owner
):
    open_registration(db, event, mode=RegistrationMode.MODERATED, capacity=1)
    first, second, third = (register(db, event, n) for n in range(3))

    decisions = [
        rules.decide(db, event, first, actor=owner, approve=True),
        rules.decide(db, event, second, actor=owner, approve=True),
        rules.decide(db, event, third, actor=owner, approve=False),
        rules.decide(db, event, third, actor=owner, approve=True),  # no longer pending
    ]
    db.commit()

    assert decisions == ["confirmed", "waitlisted", "rejected", "rejected"]
    assert [subject for _to, subject in subjects(db)][-3:] == [
        "Your place at EU–Southeast Asia Digital Diplomacy Forum is confirmed",
        "You are on the waiting list for EU–Southeast Asia Digital Diplomacy Forum",
        "Your registration for EU–Southeast Asia Digital Diplomacy Forum was not accepted",
    ]


# The link and the ticket -----------------------------------------------------------------------


def test_the_link_and_the_ticket_find_the_registration_and_nothing_else(db, event, owner):
    open_registration(db, event)
    mine = register(db, event, 0)
    elsewhere = make_event(db, owner=owner)
    open_registration(db, elsewhere)
    theirs = register(db, elsewhere, 1)
    token, code = rules.link_token(mine), rules.ticket_code(mine)

    assert (len(token), len(code)) == (43, 20)
    assert rules.by_token(db, token).id == mine.id
    assert rules.by_token(db, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert rules.by_ticket(db, event, code.lower()).id == mine.id  # a scanner may type it so
    assert rules.by_ticket(db, event, rules.ticket_code(theirs)) is None
    assert token not in (mine.token_hash, mine.link_nonce)
    mail = read(db, select(MailMessage).where(MailMessage.to_address == "attendee0@example.org"))
    assert rules.link_url(mine) in mail.body_text


# Many at once ----------------------------------------------------------------------------------


def _rush(engine, event_id: int, people: int) -> list[str]:
    """`people` registrations at the same moment, each in its own thread and session."""
    barrier = threading.Barrier(people)
    outcomes: list[str] = []
    lock = threading.Lock()

    def one(n: int) -> None:
        with new_session(engine, write=True) as db:
            barrier.wait(timeout=30)
            event = db.get(Event, event_id)  # the first statement: SQLite takes its lock here
            try:
                found = rules.register(db, event, attendee(f"rush{n}"))
                db.commit()
                outcome = str(found.status)
            except rules.Full:
                db.rollback()
                outcome = "full"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return sorted(outcomes)


def test_the_last_places_go_to_exactly_as_many_people_as_there_are(db, engine, event):
    open_registration(db, event, capacity=5)

    outcomes = _rush(engine, event.id, 16)

    assert outcomes == ["confirmed"] * 5 + ["waitlisted"] * 11
    settings = read(
        db, select(RegistrationSettings).where(RegistrationSettings.event_id == event.id)
    )
    assert settings.confirmed == 5 == rules.counts(db, event)["confirmed"]


def test_without_the_lock_the_race_oversells(db, engine, event, monkeypatch):
    """The control: with the place lock switched off, concurrent requests read the same count
    and more people are confirmed than there are places."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite's BEGIN IMMEDIATE serialises the writers; the race needs PostgreSQL")
    open_registration(db, event, capacity=5)
    monkeypatch.setattr(rules, "LOCKING", False)

    oversold = False
    for _attempt in range(5):  # a race: it shows in almost every attempt, not every one
        db.execute(
            update(Registration)
            .where(Registration.event_id == event.id)
            .values(status=RegistrationStatus.CANCELLED, email=Registration.email + ".gone")
        )
        settings = rules.settings_of(db, event)
        settings.confirmed = 0
        db.commit()
        outcomes = _rush(engine, event.id, 16)
        if outcomes.count("confirmed") > 5:
            oversold = True
            break

    assert oversold


# Groups, invitations, changes, erasure (eventapp/registration.py, issue 5) ---------------------


def test_a_group_is_registered_together_each_with_their_own_link(db, event):
    open_registration(db, event, capacity=2, group_max=3)

    result = rules.register_group(db, event, [attendee(0), attendee(1), attendee(2)])
    db.commit()

    lead = result.taken[0]
    assert [(r.email, str(r.status), r.group_lead_id) for r in result.taken] == [
        ("attendee0@example.org", "confirmed", None),
        ("attendee1@example.org", "confirmed", lead.id),
        ("attendee2@example.org", "waitlisted", lead.id),
    ]
    assert len({rules.link_token(r) for r in result.taken}) == 3
    assert [to for to, _subject in subjects(db)] == ["attendee0", "attendee1", "attendee2"]


def test_a_group_is_all_or_nothing(db, event):
    open_registration(db, event, capacity=1, has_waitlist=False, group_max=3)

    with pytest.raises(rules.Full):
        rules.register_group(db, event, [attendee(0), attendee(1)])
    db.rollback()

    assert statuses(db, event) == []
    assert subjects(db) == []


def test_a_group_larger_than_allowed_is_refused(db, event):
    open_registration(db, event, group_max=2)

    with pytest.raises(rules.GroupTooLarge):
        rules.register_group(db, event, [attendee(0), attendee(1), attendee(2)])


def test_colleagues_already_registered_are_reported_not_registered_again(db, event):
    open_registration(db, event, group_max=3)
    earlier = register(db, event, 1)

    result = rules.register_group(db, event, [attendee(0), attendee(1), attendee(0)])
    db.commit()

    assert [r.email for r in result.taken] == ["attendee0@example.org"]
    assert [r.id for r in result.already] == [earlier.id]


def _invite(db, event, **fields):
    from eventapp.models import RegistrationInvite

    invite = RegistrationInvite(event_id=event.id, **fields)
    if fields.get("link_nonce"):
        invite.token_hash = rules.security.token_hash(rules.invite_token(invite))
    db.add(invite)
    db.commit()
    return invite


def test_an_invitation_is_found_by_its_code_or_its_link_and_only_for_its_event(db, event, owner):
    shared = _invite(db, event, code="ASEAN25")
    personal = _invite(db, event, link_nonce="p" * 43, max_uses=1)
    elsewhere = make_event(db, owner=owner)

    assert rules.find_invite(db, event, " asean25 ").id == shared.id
    assert rules.find_invite(db, event, rules.invite_token(personal)).id == personal.id
    assert rules.find_invite(db, elsewhere, "ASEAN25") is None
    assert rules.find_invite(db, elsewhere, rules.invite_token(personal)) is None
    assert rules.find_invite(db, event, "NOPE") is None


def test_an_invitation_only_event_counts_each_use_and_refuses_past_the_limit(db, event):
    open_registration(db, event, mode=RegistrationMode.INVITATION)
    invite = _invite(db, event, code="TWICE", max_uses=2)

    with pytest.raises(rules.InvitationNeeded):
        rules.register(db, event, attendee(0))
    db.rollback()
    rules.register(db, event, attendee(0), invite=invite)
    rules.register(db, event, attendee(1), invite=invite)
    db.commit()
    with pytest.raises(rules.InvitationNeeded):
        rules.register(db, event, attendee(2), invite=invite)
    db.rollback()

    assert read(db, select(Registration.invite_id).limit(1)) == invite.id
    assert len(statuses(db, event)) == 2


def test_an_invitation_means_nothing_on_an_open_event(db, event, owner):
    """Neither counted nor kept: it may be used up, revoked, or another event's."""
    open_registration(db, event)
    elsewhere = make_event(db, owner=owner)
    used_up = _invite(db, elsewhere, code="GONE", max_uses=1, uses=1)

    found = rules.register(db, event, attendee(0), invite=used_up)
    db.commit()

    assert (found.status, found.invite_id) == (RegistrationStatus.CONFIRMED, None)


def test_changing_details_checks_the_version_and_the_address(db, event):
    open_registration(db, event)
    anna = register(db, event, "anna")
    register(db, event, "bo")

    with pytest.raises(rules.events.StaleEdit):
        rules.update_details(db, event, anna, attendee("anna"), expected_version=7)
    db.rollback()
    with pytest.raises(rules.AlreadyRegistered):
        rules.update_details(db, event, anna, attendee("bo"), expected_version=1)
    db.rollback()
    unchanged = rules.update_details(db, event, anna, attendee("anna"), expected_version=1).version
    changed = rules.update_details(
        db, event, anna, attendee("new", position="Counsellor\r\nBcc: x@y.z"), expected_version=1
    )
    db.commit()

    assert (unchanged, changed.version, changed.position) == (1, 2, "Counsellor Bcc: x@y.z")
    title = "EU–Southeast Asia Digital Diplomacy Forum"
    assert subjects(db)[2:] == [
        ("attendeenew", f"Your registration for {title} was changed"),
        ("attendeeanna", f"Your registration for {title} was changed"),
    ]


def test_too_long_fields_are_refused_by_the_rules(db, event):
    open_registration(db, event)
    anna = register(db, event, "anna")

    with pytest.raises(rules.TooLong):
        rules.register(db, event, attendee(1, organisation="o" * 301))
    db.rollback()
    with pytest.raises(rules.TooLong):
        rules.update_details(db, event, anna, attendee("anna", honorific="g" * 61),
                             expected_version=1)  # fmt: skip


def test_cancelling_for_erasure_mails_only_the_one_promoted(db, event):
    open_registration(db, event, capacity=1)
    first, second = register(db, event, 0), register(db, event, 1)

    promoted = rules.cancel(db, event, first, notify=False)
    db.commit()

    assert [p.id for p in promoted] == [second.id]
    assert subjects(db)[2:] == [
        ("attendee1", "A place at EU–Southeast Asia Digital Diplomacy Forum is now yours")
    ]


def test_attempts_past_the_limits_are_throttled_and_not_counted(db, event, settings_env):
    settings_env(registration_limit_per_ip="3", registration_limit_per_email="2")

    outcomes = []
    for email in ["a@example.org", "A@example.org ", "a@example.org", "b@example.org", "c@x.org"]:
        try:
            rules.count_attempt(db, ip="203.0.113.9", email=email)
            outcomes.append("counted")
        except rules.Throttled as exc:
            outcomes.append(exc.retry_after)
    db.commit()

    assert outcomes == ["counted", "counted", 3600, "counted", 600]


@pytest.mark.parametrize(
    ("by_owner", "said"),
    [
        (True, "The organisers changed your registration details for {event}."),
        (False, "Your registration details for {event} were changed through your personal link."),
    ],
)
def test_the_update_mail_says_who_changed_the_registration(db, event, owner, by_owner, said):
    from bs4 import BeautifulSoup

    open_registration(db, event)
    found = register(db, event, 1)

    rules.update_details(
        db,
        event,
        found,
        attendee(1, organisation="Ministry of Digital Economy"),
        expected_version=found.version,
        actor=owner if by_owner else None,
    )
    db.commit()

    last = read(db, select(MailMessage).order_by(MailMessage.id.desc()).limit(1))
    status = BeautifulSoup(last.body_html, "html.parser").select_one("#registration-status")
    assert status.get_text(" ", strip=True).split(". ")[0] + "." == said.format(event=event.title)


def test_a_personal_invitation_brings_the_whole_group_in_as_one_use(db, event):
    open_registration(db, event, mode=RegistrationMode.INVITATION, group_max=3)
    invite = _invite(db, event, link_nonce="g" * 43, max_uses=1)

    result = rules.register_group(db, event, [attendee(0), attendee(1), attendee(2)], invite=invite)
    db.commit()
    with pytest.raises(rules.InvitationNeeded):
        rules.register_group(db, event, [attendee(3)], invite=invite)
    db.rollback()

    assert [found.invite_id for found in result.taken] == [invite.id] * 3
    assert read(db, select(RegistrationInvite.uses).where(RegistrationInvite.id == invite.id)) == 1


def test_places_taken_and_freed_leave_the_events_cached_pages_alone(db, event, owner):
    """The public pages are cached by the event's last change (public_cache); registrations
    show on none of them, so a rush of registrations must not empty that cache."""
    open_registration(db, event, capacity=1)
    changed = read(db, select(Event.updated_at).where(Event.id == event.id))

    first = register(db, event, 0)
    register(db, event, 1)
    rules.cancel(db, event, first)
    db.commit()

    assert read(db, select(Event.updated_at).where(Event.id == event.id)) == changed


def test_two_first_visits_of_the_settings_make_one_row(db, engine, event):
    barrier = threading.Barrier(2)
    found: list[int] = []

    def first_visit() -> None:
        with new_session(engine, write=True) as session:
            barrier.wait(timeout=30)
            here = session.get(Event, event.id)
            found.append(rules.settings_of(session, here).id)
            session.commit()

    threads = [threading.Thread(target=first_visit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(found) == 2
    assert found[0] == found[1]
