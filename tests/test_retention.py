"""Retention (eventapp/retention.py): erasing one person on request, and anonymising every
registration of an event its retention period after the event ends (a worker job). Nothing of
the person may stay behind, in the registration, the activity log or the outbox."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select
from sqlmodel import SQLModel

from eventapp import registration as rules
from eventapp import retention, worker
from eventapp.models import (
    ActivityLog,
    CheckIn,
    MailMessage,
    MailStatus,
    Registration,
    RegistrationStatus,
)
from tests.factories import (
    make_event,
    make_registration,
    make_user,
    open_registration,
    read,
    read_all,
)

NOW = datetime.now(UTC)

# Someone whose every detail is unlike anything else in the database.
WILHELMINA = {
    "email": "Wilhelmina.Quackenbush@Example.org",
    "honorific": "Dr.",
    "given_name": "Wilhelmina",
    "family_name": "Quackenbush",
    "organisation": "Quackenbush Consulting",
    "position": "Zeppelin navigator",
    "country": "Liechtenstein",
    "answers": {"1": "allergic to pistachios"},
    "in_participant_list": True,
}
HER_TRACES = [
    "wilhelmina.quackenbush@example.org",
    "Wilhelmina",
    "Quackenbush",
    "Zeppelin navigator",
    "Liechtenstein",
    "pistachios",
]


@pytest.fixture
def owner(db):
    return make_user(db, name="Olivia Owner")


@pytest.fixture
def event(db, owner):
    return make_event(db, owner=owner, title="EU–Southeast Asia Digital Diplomacy Forum")


def register_wilhelmina(db, event) -> Registration:
    found = rules.register(db, event, rules.AttendeeDetails(**WILHELMINA))
    db.commit()
    return found


def erase(db, event, registration, owner) -> None:
    retention.erase(db, event, registration, actor=owner)
    db.commit()


def traces_in_database(db, needles: list[str]) -> list[str]:
    """Every text (and JSON) column of every table that holds one of `needles`, any case."""
    hits = []
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            stored_as = getattr(column.type, "impl", column.type)  # SQLModel's AutoString
            if not isinstance(stored_as, sa.String | sa.JSON):
                continue
            text = func.lower(sa.cast(column, sa.Text))
            for needle in needles:
                where = text.contains(needle.lower(), autoescape=True)
                if db.scalar(select(func.count()).select_from(table).where(where)):
                    hits.append(f"{table.name}.{column.name}: {needle}")
    db.commit()
    return sorted(hits)


def mail_to(db, address: str) -> list[str]:
    return [
        m.subject
        for m in read_all(db, select(MailMessage).where(MailMessage.to_address == address))
    ]


# Erasing one person --------------------------------------------------------------------------


def test_erasing_a_confirmed_registration_gives_the_place_to_the_first_in_line(db, event, owner):
    open_registration(db, event, capacity=1)
    wilhelmina = register_wilhelmina(db, event)
    first_in_line = make_registration(db, event, 1)
    second_in_line = make_registration(db, event, 2)
    mail_before = read(db, select(func.count()).select_from(MailMessage))

    erase(db, event, wilhelmina, owner)

    rows = read_all(db, select(Registration).order_by(Registration.id))
    assert [(row.email, str(row.status)) for row in rows] == [
        (f"anonymised-{wilhelmina.id}", "cancelled"),
        ("attendee1@example.org", "confirmed"),
        ("attendee2@example.org", "waitlisted"),
    ]
    new_mail = read_all(db, select(MailMessage).where(MailMessage.id > mail_before))
    assert [(m.to_address, m.subject) for m in new_mail] == [
        (
            "attendee1@example.org",
            "A place at EU–Southeast Asia Digital Diplomacy Forum is now yours",
        )
    ]
    assert rules.waitlist_position(db, second_in_line) == 1
    assert read(db, select(Registration.status).where(Registration.id == first_in_line.id)) == (
        RegistrationStatus.CONFIRMED
    )


def test_after_erasure_nothing_of_the_person_remains_anywhere_in_the_database(db, event, owner):
    open_registration(db, event, capacity=1)
    rules.count_attempt(db, ip="192.0.2.7", email=WILHELMINA["email"])  # the form's rate limit
    wilhelmina = register_wilhelmina(db, event)
    make_registration(db, event, 1)  # on the waiting list: promoted, and mailed, by the erasure
    details = rules.AttendeeDetails(**{**WILHELMINA, "position": "Zeppelin navigator (retired)"})
    rules.update_details(db, event, wilhelmina, details, expected_version=wilhelmina.version)
    db.commit()
    assert "registration.given_name: Wilhelmina" in traces_in_database(db, HER_TRACES)

    erase(db, event, wilhelmina, owner)

    assert traces_in_database(db, HER_TRACES) == []
    erased = read(db, select(Registration).where(Registration.id == wilhelmina.id))
    assert (erased.honorific, erased.given_name, erased.family_name, erased.organisation) == (
        "",
        "",
        "",
        "",
    )
    assert (erased.answers, erased.in_participant_list, erased.language) == ({}, False, "en")
    assert erased.anonymised_at is not None


def test_the_erased_persons_old_link_and_ticket_find_nothing(db, event, owner):
    open_registration(db, event)
    wilhelmina = register_wilhelmina(db, event)
    token, ticket = rules.link_token(wilhelmina), rules.ticket_code(wilhelmina)
    assert rules.by_token(db, token).id == wilhelmina.id

    erase(db, event, wilhelmina, owner)

    assert (rules.by_token(db, token), rules.by_ticket(db, event, ticket)) == (None, None)


def test_mail_not_yet_sent_to_the_erased_person_never_will_be(db, event, owner):
    open_registration(db, event)
    wilhelmina = register_wilhelmina(db, event)
    db.execute(sa.update(MailMessage).values(status=MailStatus.SENT))  # the confirmation went
    rules.update_details(
        db,
        event,
        wilhelmina,
        rules.AttendeeDetails(**{**WILHELMINA, "country": "Liechtenstein (Vaduz)"}),
        expected_version=wilhelmina.version,
    )  # queues "your registration changed", not sent yet
    db.commit()

    erase(db, event, wilhelmina, owner)

    messages = read_all(db, select(MailMessage).order_by(MailMessage.id))
    assert [
        (m.to_address, str(m.status), m.last_error, m.subject, m.body_text, m.attachments)
        for m in messages
    ] == [
        (f"anonymised-{wilhelmina.id}", "sent", "", "", "", []),
        (f"anonymised-{wilhelmina.id}", "failed", "erased", "", "", []),
    ]


def test_erasure_keeps_the_status_counts_and_check_ins_and_logs_itself(db, event, owner):
    open_registration(db, event)
    wilhelmina = register_wilhelmina(db, event)
    db.add(CheckIn(event_id=event.id, registration_id=wilhelmina.id, user_id=owner.id))
    db.commit()

    erase(db, event, wilhelmina, owner)

    check_ins = read_all(db, select(CheckIn.registration_id))
    log = read_all(
        db,
        select(ActivityLog)
        .where(ActivityLog.object_type == "Registration", ActivityLog.object_id == wilhelmina.id)
        .order_by(ActivityLog.id),
    )
    assert check_ins == [wilhelmina.id]
    assert rules.counts(db, event)["cancelled"] == 1
    assert [(e.action, e.summary, e.changes, e.user_id) for e in log] == [
        ("registration.create", "", {}, None),
        ("registration.cancel", "", {}, owner.id),
        ("registration.erase", "", {}, owner.id),
    ]


def test_erasure_also_anonymises_an_earlier_cancelled_registration_of_the_same_address(
    db, event, owner
):
    open_registration(db, event)
    earlier = register_wilhelmina(db, event)
    rules.cancel(db, event, earlier)
    db.commit()
    again = register_wilhelmina(db, event)

    erase(db, event, again, owner)

    rows = read_all(db, select(Registration).order_by(Registration.id))
    assert [(row.email, str(row.status)) for row in rows] == [
        (f"anonymised-{earlier.id}", "cancelled"),
        (f"anonymised-{again.id}", "cancelled"),
    ]
    assert traces_in_database(db, HER_TRACES) == []


def test_erasing_another_events_registration_is_refused(db, event, owner):
    other = make_event(db, owner=owner)
    open_registration(db, other)
    theirs = register_wilhelmina(db, other)

    with pytest.raises(ValueError):
        retention.erase(db, event, theirs, actor=owner)


# Anonymising after the event -----------------------------------------------------------------


def ended_event(db, owner, *, days_ago: int, retention_days: int | None, people: int = 1):
    event = make_event(db, owner=owner)
    open_registration(db, event, retention_days=retention_days)
    for n in range(people):
        make_registration(db, event, n)
    event.ends_at = NOW - timedelta(days=days_ago)
    db.commit()
    return event


@pytest.mark.parametrize(
    ("retention_days", "is_anonymised"), [(30, False), (5, True), (None, False)]
)
def test_registrations_are_anonymised_once_the_retention_period_after_the_event_is_over(
    db, owner, retention_days, is_anonymised
):
    ended_event(db, owner, days_ago=10, retention_days=retention_days)

    retention.anonymise_due(db, now=NOW)
    db.commit()

    [row] = read_all(db, select(Registration))
    assert (row.anonymised_at is not None, row.given_name == "") == (is_anonymised,) * 2


def test_anonymising_the_due_registrations_twice_does_nothing_the_second_time(db, owner):
    event = ended_event(db, owner, days_ago=10, retention_days=5, people=3)
    kept = ended_event(db, owner, days_ago=10, retention_days=30, people=2)

    first = retention.anonymise_due(db, now=NOW)
    db.commit()
    second = retention.anonymise_due(db, now=NOW)
    db.commit()

    rows = read_all(db, select(Registration).order_by(Registration.id))
    assert (first, second) == (3, 0)
    assert [(row.event_id, row.anonymised_at is not None) for row in rows] == [
        (event.id, True),
        (event.id, True),
        (event.id, True),
        (kept.id, False),
        (kept.id, False),
    ]


def test_anonymising_goes_in_batches(db, owner):
    ended_event(db, owner, days_ago=200, retention_days=180, people=5)

    done = []
    for _round in range(4):
        done.append(retention.anonymise_due(db, now=NOW, batch=2))
        db.commit()

    assert done == [2, 2, 1, 0]


def test_the_workers_timed_jobs_anonymise_every_due_registration(engine, db, owner):
    event = ended_event(db, owner, days_ago=200, retention_days=180, people=3)
    ended_event(db, owner, days_ago=1, retention_days=180, people=1)

    worker.run_timed_jobs(engine)

    rows = read_all(db, select(Registration).order_by(Registration.id))
    assert [(row.event_id == event.id, row.anonymised_at is not None) for row in rows] == [
        (True, True),
        (True, True),
        (True, True),
        (False, False),
    ]
    # Only the registration of the event that ended yesterday, and its mail, are left.
    assert traces_in_database(db, ["attendee0", "attendee1", "attendee2"]) == [
        "mail_message.to_address: attendee0",
        "registration.email: attendee0",
    ]


def test_the_worker_job_takes_batches_each_in_its_own_transaction(engine, db, owner):
    ended_event(db, owner, days_ago=200, retention_days=180, people=5)

    anonymised = worker.anonymise_registrations(engine, batch=2)

    assert anonymised == 5
    assert read(db, select(func.count()).where(Registration.anonymised_at.is_(None))) == 0


def test_a_failing_retention_job_is_logged_and_the_other_jobs_still_run(
    engine, db, owner, monkeypatch, caplog
):
    def broken(*_args, **_kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(retention, "anonymise_due", broken)
    reminders = []
    monkeypatch.setattr(worker, "send_speaker_reminders", lambda engine: reminders.append(1))

    with caplog.at_level(logging.ERROR, logger="eventapp.worker"):
        worker.run_timed_jobs(engine)

    assert [r.getMessage() for r in caplog.records] == [
        "could not anonymise registrations past their retention period"
    ]
    assert reminders == [1]
