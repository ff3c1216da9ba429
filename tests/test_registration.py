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
