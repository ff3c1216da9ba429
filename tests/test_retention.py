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
from eventapp import registration_invites, retention, worker
from eventapp.models import (
    ActivityLog,
    CheckIn,
    MailMessage,
    MailStatus,
    Registration,
    RegistrationInvite,
    RegistrationMode,
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


# Her invitation, and the mail to an address she had before --------------------------------------

NEW_ADDRESS = "W.Q@Example.net"


def invite(db, event, owner, email: str, note: str = "") -> RegistrationInvite:
    (made,) = registration_invites.invite_people(db, event, actor=owner, emails=[email], note=note)
    db.commit()
    return made


def change_address(db, event, registration, email: str) -> None:
    """update_details mails the new address and the old one, each with her personal link."""
    rules.update_details(
        db,
        event,
        registration,
        rules.AttendeeDetails(**{**WILHELMINA, "email": email}),
        expected_version=registration.version,
    )
    db.commit()


def invited_wilhelmina_who_moved(db, event, owner) -> Registration:
    """Invited personally (with a note naming her), registered with the link, her invitation
    then revoked, and her address changed."""
    open_registration(db, event, mode=RegistrationMode.INVITATION)
    rules.count_attempt(db, ip="192.0.2.7", email=WILHELMINA["email"])  # the form's rate limit
    personal = invite(db, event, owner, WILHELMINA["email"], note="Quackenbush, via the embassy")
    wilhelmina = rules.register(db, event, rules.AttendeeDetails(**WILHELMINA), invite=personal)
    db.commit()
    registration_invites.revoke(db, event, personal, actor=owner)
    db.commit()
    change_address(db, event, wilhelmina, NEW_ADDRESS)
    return wilhelmina


def test_after_erasure_neither_her_invitation_nor_her_previous_address_remains(db, event, owner):
    wilhelmina = invited_wilhelmina_who_moved(db, event, owner)
    needles = [*HER_TRACES, NEW_ADDRESS]
    columns_before = {hit.split(":")[0] for hit in traces_in_database(db, needles)}
    assert {
        "activity_log.summary",  # the invitation's log rows
        "mail_message.to_address",
        "rate_limit_hit.key",
        "registration.email",
        "registration_invite.email",
        "registration_invite.note",
    } <= columns_before

    erase(db, event, wilhelmina, owner)

    assert traces_in_database(db, needles) == []


def test_her_invitation_loses_its_address_note_and_log_but_the_others_keep_theirs(db, event, owner):
    wilhelmina = invited_wilhelmina_who_moved(db, event, owner)
    unused_to_her_old_address = invite(db, event, owner, WILHELMINA["email"])
    unused_to_her_new_address = invite(db, event, owner, NEW_ADDRESS, note="second try")
    someone_elses = invite(db, event, owner, "attendee5@example.org", note="a colleague")
    shared = registration_invites.create_code(db, event, actor=owner, code="ASEAN25", note="all")
    db.commit()

    erase(db, event, wilhelmina, owner)

    invites = read_all(db, select(RegistrationInvite).order_by(RegistrationInvite.id))
    assert [(i.id, i.code, i.email, i.note, i.uses, i.is_revoked) for i in invites] == [
        (wilhelmina.invite_id, None, "", "", 1, True),
        (unused_to_her_old_address.id, None, "", "", 0, True),
        (unused_to_her_new_address.id, None, "", "", 0, True),
        (someone_elses.id, None, "attendee5@example.org", "a colleague", 0, False),
        (shared.id, "ASEAN25", "", "all", 0, False),
    ]
    log = read_all(
        db,
        select(ActivityLog)
        .where(ActivityLog.object_type == "RegistrationInvite")
        .order_by(ActivityLog.id),
    )
    assert [(e.object_id, e.action, e.summary, e.changes) for e in log] == [
        (wilhelmina.invite_id, "registration_invite.person", "", {}),
        (wilhelmina.invite_id, "registration_invite.revoke", "", {}),
        (unused_to_her_old_address.id, "registration_invite.person", "", {}),
        (unused_to_her_new_address.id, "registration_invite.person", "", {}),
        (someone_elses.id, "registration_invite.person", "attendee5@example.org", {}),
        (
            shared.id,
            "registration_invite.code",
            "ASEAN25",
            {"code": [None, "ASEAN25"], "max_uses": [None, None]},
        ),
    ]
    assert mail_to(db, "attendee5@example.org") == [
        "Invitation to register for EU–Southeast Asia Digital Diplomacy Forum"
    ]


def test_mail_to_the_address_she_had_before_is_scrubbed_too(db, event, owner):
    open_registration(db, event)
    wilhelmina = register_wilhelmina(db, event)
    make_registration(db, event, 1)
    db.execute(sa.update(MailMessage).values(status=MailStatus.SENT))
    change_address(db, event, wilhelmina, NEW_ADDRESS)  # two mails, to the new and the old

    erase(db, event, wilhelmina, owner)

    messages = read_all(db, select(MailMessage).order_by(MailMessage.id))
    placeholder = f"anonymised-{wilhelmina.id}"
    assert [(m.to_address, str(m.status), m.last_error, m.subject) for m in messages] == [
        ("", "sent", "", ""),  # her confirmation, to the old address
        ("attendee1@example.org", "sent", "", messages[1].subject),
        (placeholder, "failed", "erased", ""),
        ("", "failed", "erased", ""),
    ]
    assert messages[1].subject == (
        "Your place at EU–Southeast Asia Digital Diplomacy Forum is confirmed"
    )
    assert "Given1" in messages[1].body_text


def test_erasing_a_groups_colleague_leaves_the_leads_invitation_alone(db, event, owner):
    open_registration(db, event, mode=RegistrationMode.INVITATION, group_max=2)
    leads = invite(db, event, owner, "attendee0@example.org")
    group = rules.register_group(db, event, [attendee(0), attendee(1)], invite=leads)
    db.commit()
    colleague = group.taken[1]
    assert colleague.invite_id == leads.id

    erase(db, event, colleague, owner)

    kept = read(db, select(RegistrationInvite).where(RegistrationInvite.id == leads.id))
    assert (kept.email, kept.is_revoked) == ("attendee0@example.org", False)
    assert mail_to(db, "attendee0@example.org") == [
        "Invitation to register for EU–Southeast Asia Digital Diplomacy Forum",
        "Your place at EU–Southeast Asia Digital Diplomacy Forum is confirmed",
    ]


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


@pytest.mark.parametrize("like_at_most", [0, 20], ids=["links read once", "LIKE each link"])
def test_the_retention_job_scrubs_invitations_and_mail_to_previous_addresses(
    db, owner, monkeypatch, like_at_most
):
    monkeypatch.setattr(retention, "LIKE_AT_MOST", like_at_most)
    event = make_event(db, owner=owner)
    open_registration(db, event, mode=RegistrationMode.INVITATION, retention_days=5)
    people = []
    for n in range(3):
        personal = invite(db, event, owner, f"attendee{n}@example.org", note=f"Zebra{n}")
        people.append(rules.register(db, event, attendee(n), invite=personal))
        db.commit()
    for n, person in enumerate(people):
        rules.update_details(
            db,
            event,
            person,
            rules.AttendeeDetails(
                email=f"moved{n}@example.net", given_name=f"Given{n}", family_name="Family"
            ),
            expected_version=person.version,
        )
        db.commit()
    kept = ended_event(db, owner, days_ago=10, retention_days=30)  # attendee0, not yet due
    event.ends_at = NOW - timedelta(days=10)
    db.commit()
    assert traces_in_database(db, ["moved", "Zebra"]) == [
        "mail_message.to_address: moved",
        "registration.email: moved",
        "registration_invite.note: Zebra",
    ]

    assert retention.anonymise_due(db, now=NOW, batch=2) == 2
    db.commit()
    assert retention.anonymise_due(db, now=NOW, batch=2) == 1
    db.commit()

    assert (
        traces_in_database(db, ["moved", "Zebra", "Given1", "Given2", "attendee1", "attendee2"])
        == []
    )
    # The other event's attendee0 keeps everything; this event's attendee0 nothing.
    assert read_all(
        db, select(MailMessage.event_id).where(MailMessage.to_address.contains("attendee0"))
    ) == [kept.id]
    assert read_all(
        db, select(MailMessage.event_id).where(MailMessage.body_text.contains("Given0"))
    ) == [kept.id]


@pytest.mark.parametrize("like_at_most", [0, 20], ids=["links read once", "LIKE each link"])
def test_a_link_is_looked_for_exactly_an_underscore_standing_for_itself(
    db, event, monkeypatch, like_at_most
):
    monkeypatch.setattr(retention, "LIKE_AT_MOST", like_at_most)
    token = "A" * 20 + "_" + "B" * 22
    bodies = {
        "theirs": f"Your link: http://testserver/registrations/{token}\n",
        "looks alike": f"Your link: http://testserver/registrations/{token.replace('_', 'x')}\n",
        "no link": "Hello",
    }
    for n, body in enumerate(bodies.values()):
        db.add(
            MailMessage(
                message_id=f"<{n}@test>",
                event_id=event.id,
                to_address=f"person{n}@example.org",
                subject="",
                body_text=body,
                body_html="",
            )
        )
    db.commit()

    assert retention._carrying(db, event.id, {token}) == [
        (
            read(db, select(MailMessage.id).where(MailMessage.message_id == "<0@test>")),
            "person0@example.org",
        )
    ]
