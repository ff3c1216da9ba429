"""Speakers' reminders, a timed job of `eventapp worker`: queued once for an invitation still
awaiting an answer after the event's `reminder_days`, never twice even with two workers at once,
and one speaker's failure does not stop the others."""

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select, update

from eventapp import people, worker
from eventapp.db import new_session, transaction
from eventapp.models import AppearanceStatus, Event, MailMessage, Person, Speaker, utcnow
from tests.factories import make_event, make_item, make_user, read, read_all

REMINDER = "Reminder: your answer for "


@pytest.fixture
def owner(db):
    return make_user(db, name="Somchai Owner")


@pytest.fixture
def event(db, owner):
    return make_event(db, title="Forum on Digital Diplomacy", owner=owner)


def invited(db, event, owner, *, email: str = "speaker@example.org", days_ago: int = 8, items=1):
    """A person invited `days_ago` days ago to `items` items of the event; their Speaker."""
    details = people.PersonDetails(
        honorific="Dr.", given_name="Wisit", family_name="Wisitsora-at", email=email
    )
    person = people.add_person(db, event, actor=owner, details=details)
    for number in range(items):
        item = make_item(db, event, f"Session {number}", at=f"{9 + number:02d}:00")
        people.add_appearance(db, event, item, person, actor=owner, role="speaker")
    speaker = people.invite(db, event, person, actor=owner)
    db.commit()
    when = utcnow() - timedelta(days=days_ago)
    db.execute(update(Speaker).where(Speaker.id == speaker.id).values(invited_at=when))
    db.commit()
    return speaker


def reminders(db) -> list[MailMessage]:
    query = select(MailMessage).where(MailMessage.subject.startswith(REMINDER))
    return read_all(db, query.order_by(MailMessage.id))


def reminded_at(db, speaker):
    return read(db, select(Speaker.reminded_at).where(Speaker.id == speaker.id))


def test_the_worker_reminds_a_speaker_once(engine, db, event, owner):
    speaker = invited(db, event, owner)

    worker.run_once(engine)
    first = reminders(db)
    worker.run_once(engine)
    second = reminders(db)

    assert len(first) == 1
    assert second == first
    assert first[0].to_address == "speaker@example.org"
    assert reminded_at(db, speaker) is not None


def test_the_reminder_carries_the_same_link_name_and_sessions_as_the_invitation(
    engine, db, event, owner
):
    speaker = invited(db, event, owner, items=2)

    worker.send_speaker_reminders(engine)

    [message] = reminders(db)
    html = BeautifulSoup(message.body_html, "lxml")
    assert message.subject == f"{REMINDER}Forum on Digital Diplomacy"
    assert html.select_one("#speaker-link")["href"] == people.link_url(speaker)
    assert html.select_one("#greeting").get_text() == "Dear Dr. Wisit Wisitsora-at,"
    assert [tag.get_text() for tag in html.select(".session-title")] == ["Session 0", "Session 1"]
    assert people.link_url(speaker) in message.body_text.splitlines()


def test_no_reminder_before_the_events_reminder_days_have_passed(engine, db, event, owner):
    invited(db, event, owner, days_ago=6)  # the event's reminder_days is 7

    queued = worker.send_speaker_reminders(engine)

    assert (queued, reminders(db)) == (0, [])


def test_no_reminder_when_the_event_reminds_after_zero_days(engine, db, event, owner):
    db.execute(update(Event).where(Event.id == event.id).values(reminder_days=0))
    db.commit()
    invited(db, event, owner, days_ago=400)

    queued = worker.send_speaker_reminders(engine)

    assert (queued, reminders(db)) == (0, [])


def test_no_reminder_for_an_event_that_has_ended(engine, db, owner):
    ended = make_event(db, starts_at=datetime.now(UTC) - timedelta(days=3), owner=owner)
    invited(db, ended, owner, days_ago=20)

    queued = worker.send_speaker_reminders(engine)

    assert (queued, reminders(db)) == (0, [])


def test_no_reminder_when_every_appearance_is_answered(engine, db, event, owner):
    speaker = invited(db, event, owner, items=2)
    for appearance, _item in people.appearances_of(db, speaker):
        status = AppearanceStatus.CONFIRMED if appearance.position else AppearanceStatus.DECLINED
        people.respond(db, event, speaker, appearance, status=status)
    db.commit()

    queued = worker.send_speaker_reminders(engine)

    assert (queued, reminders(db)) == (0, [])


def test_a_speaker_who_answered_one_of_two_is_still_reminded(engine, db, event, owner):
    speaker = invited(db, event, owner, items=2)
    appearance, _item = people.appearances_of(db, speaker)[0]
    people.respond(db, event, speaker, appearance, status=AppearanceStatus.CONFIRMED)
    db.commit()

    queued = worker.send_speaker_reminders(engine)

    assert queued == 1


def test_no_reminder_for_a_revoked_link(engine, db, event, owner):
    speaker = invited(db, event, owner)
    people.revoke_link(db, event, db.get(Speaker, speaker.id), actor=owner)
    db.commit()

    assert worker.send_speaker_reminders(engine) == 0


def test_one_speakers_failure_does_not_stop_the_others(engine, db, owner, caplog):
    broken = make_event(db, title="Broken", owner=owner)
    fine = make_event(db, title="Fine", owner=owner)
    failing = invited(db, broken, owner, email="first@example.org", days_ago=9)
    reminded = invited(db, fine, owner, email="second@example.org", days_ago=8)
    # A timezone the mail cannot be written in: that speaker's reminder fails.
    db.execute(update(Event).where(Event.id == broken.id).values(timezone="Nowhere/Atlantis"))
    db.commit()

    queued = worker.send_speaker_reminders(engine)

    assert queued == 1
    assert [m.to_address for m in reminders(db)] == ["second@example.org"]
    assert reminded_at(db, failing) is None  # rolled back: tried again next round
    assert reminded_at(db, reminded) is not None
    assert f"could not queue the reminder of speaker {failing.id}" in caplog.text


# Two workers at once --------------------------------------------------------------------------


def together(*calls: Callable[[], object]) -> list[object]:
    """Each call in its own thread, all starting at the same moment; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results[index] = call()
        except BaseException as exc:  # reported in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def test_two_workers_running_the_job_at_once_queue_one_reminder(engine, db, event, owner):
    invited(db, event, owner)

    results = together(
        lambda: worker.send_speaker_reminders(engine),
        lambda: worker.send_speaker_reminders(engine),
    )

    assert sorted(results) == [0, 1]
    assert len(reminders(db)) == 1


def listed_by_both(engine, remind: Callable[[int, datetime], object]) -> list[object]:
    """Two workers that both list the due reminders before either queues one (the race a guard
    must win), then both `remind` each speaker they listed."""
    listed = threading.Barrier(2)

    def one_worker() -> list[object]:
        due = worker.due_reminder_ids(engine)
        listed.wait()
        return [remind(speaker_id, invited_at) for speaker_id, invited_at in due]

    return together(one_worker, one_worker)


def test_two_workers_that_both_listed_the_speaker_queue_one_reminder(engine, db, event, owner):
    invited(db, event, owner)

    results = listed_by_both(
        engine,
        lambda speaker_id, invited_at: worker.remind_speaker(
            engine, speaker_id, invited_at=invited_at
        ),
    )

    assert sorted(results) == [[False], [True]]
    assert len(reminders(db)) == 1


def test_control_without_the_claim_both_workers_remind_the_speaker(engine, db, event, owner):
    invited(db, event, owner)

    def unguarded(speaker_id: int, _invited_at: datetime) -> bool:
        with transaction(engine) as session:
            people.send_reminder(session, session.get(Speaker, speaker_id))
        return True

    listed_by_both(engine, unguarded)

    assert len(reminders(db)) == 2  # the race the claim in worker.remind_speaker prevents


def test_a_speaker_invited_again_after_being_listed_is_not_reminded_of_the_old_invitation(
    engine, db, event, owner
):
    speaker = invited(db, event, owner)
    [(speaker_id, invited_at)] = worker.due_reminder_ids(engine)
    with new_session(engine, write=True) as session:
        person = session.get(Person, speaker.person_id)
        people.invite(session, session.get(Event, event.id), person, actor=owner)
        session.commit()

    queued = worker.remind_speaker(engine, speaker_id, invited_at=invited_at)

    assert queued is False
    assert reminders(db) == []
