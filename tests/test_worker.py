"""`eventapp worker` against a real SMTP server (aiosmtpd on 127.0.0.1), on both databases."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from eventapp import auth, mail, team, worker
from eventapp.config import get_settings
from eventapp.db import new_session
from eventapp.models import AuthSession, MailMessage, MailStatus, Role, utcnow
from tests.factories import make_event, make_user
from tests.smtp import SmtpServer, running


@pytest.fixture
def smtp_server():
    with running() as server:
        yield server


@pytest.fixture
def stopped_smtp_server():
    """A server that is down until the test start()s it."""
    server = SmtpServer()
    yield server
    server.stop()


@contextmanager
def environment(**values: str):
    """Settings from these EVENTAPP_ variables for the duration of the block."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    get_settings.cache_clear()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        get_settings.cache_clear()


def queue_invitations(db, count: int) -> list[MailMessage]:
    owner = make_user(db, name="Owner")
    event = make_event(db, owner=owner)
    for number in range(count):
        team.invite(
            db, event, email=f"guest{number}@example.org", role=Role.VIEWER, invited_by=owner
        )
    db.commit()
    messages = list(db.scalars(select(MailMessage).order_by(MailMessage.id)).all())
    db.commit()  # ends the read: on SQLite an open write session would block the workers
    return messages


def outbox(engine) -> list[MailMessage]:
    with new_session(engine) as db:
        return list(db.scalars(select(MailMessage).order_by(MailMessage.id)).all())


def config_for(server) -> mail.SmtpConfig:
    return mail.parse_smtp_url(server.url)


def test_queued_mail_arrives_with_subject_both_parts_and_its_message_id(engine, db, smtp_server):
    [queued] = queue_invitations(db, 1)

    delivered = worker.send_due_mail(config_for(smtp_server), sender="Team <team@example.org>")

    [received] = smtp_server.received
    html = page_of(received.get_body(("html",)).get_content())
    assert delivered == 1
    assert received["Message-ID"] == queued.message_id
    assert received["Subject"] == queued.subject
    assert received["From"] == "Team <team@example.org>"
    assert received["To"] == "guest0@example.org"
    assert smtp_server.recorder.envelopes == [("team@example.org", ["guest0@example.org"])]
    text = received.get_body(("plain",)).get_content()
    assert text.rstrip().splitlines() == queued.body_text.rstrip().splitlines()
    assert html.select_one("#accept-link")["href"] == link_in(queued.body_text)
    [stored] = outbox(engine)
    assert (stored.status, stored.attempts, stored.last_error) == (MailStatus.SENT, 1, "")
    assert stored.sent_at is not None


def page_of(html: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "lxml")


def link_in(text: str) -> str:
    [link] = [line for line in text.splitlines() if line.startswith("http")]
    return link


def test_mail_waits_with_backoff_while_the_server_is_down_and_goes_once_when_it_is_back(
    engine, db, stopped_smtp_server
):
    [queued] = queue_invitations(db, 1)
    config = config_for(stopped_smtp_server)

    worker.send_due_mail(config)

    [waiting] = outbox(engine)
    assert (waiting.status, waiting.attempts) == (MailStatus.QUEUED, 1)
    assert waiting.last_error.startswith("ConnectionRefusedError")
    assert waiting.next_attempt_at > utcnow() + timedelta(minutes=1)

    stopped_smtp_server.start()
    too_early = worker.send_due_mail(config)
    later = worker.send_due_mail(config, now=utcnow() + mail.retry_delay(1) + timedelta(1))
    once_more = worker.send_due_mail(config, now=utcnow() + timedelta(days=2))

    [sent] = outbox(engine)
    assert (too_early, later, once_more) == (0, 1, 0)
    assert stopped_smtp_server.message_ids() == [queued.message_id]
    assert (sent.status, sent.attempts, sent.last_error) == (MailStatus.SENT, 2, "")


def test_a_recipient_refused_for_good_fails_at_once_and_the_rest_are_delivered(
    engine, db, smtp_server
):
    queue_invitations(db, 3)
    smtp_server.recorder.refused.add("guest1@example.org")

    worker.send_due_mail(config_for(smtp_server))

    statuses = {m.to_address: (m.status, m.attempts) for m in outbox(engine)}
    refused = next(m for m in outbox(engine) if m.to_address == "guest1@example.org")
    assert statuses == {
        "guest0@example.org": (MailStatus.SENT, 1),
        "guest1@example.org": (MailStatus.FAILED, 1),
        "guest2@example.org": (MailStatus.SENT, 1),
    }
    assert refused.last_error.startswith("Recipient refused")


def test_mail_fails_for_good_after_the_last_attempt(engine, db, stopped_smtp_server):
    queue_invitations(db, 1)
    config = config_for(stopped_smtp_server)
    moment = utcnow()

    for _attempt in range(mail.MAX_ATTEMPTS):
        moment += mail.LONGEST_RETRY + timedelta(minutes=1)
        worker.send_due_mail(config, now=moment)

    [message] = outbox(engine)
    assert (message.status, message.attempts) == (MailStatus.FAILED, mail.MAX_ATTEMPTS)


def test_two_workers_at_once_deliver_each_of_50_messages_exactly_once(engine, db, smtp_server):
    queue_invitations(db, 50)
    config = config_for(smtp_server)
    start = threading.Barrier(2)
    delivered: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            start.wait()
            delivered.append(worker.send_due_mail(config, engine=engine, batch_size=3))
        except BaseException as exc:  # reported below; a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    arrivals = Counter(smtp_server.message_ids())
    assert errors == []
    assert sum(delivered) == 50
    assert len(arrivals) == 50
    assert set(arrivals.values()) == {1}
    assert {m.status for m in outbox(engine)} == {MailStatus.SENT}


def send_without_claiming(engine, config, barrier: threading.Barrier) -> None:
    """The naive worker the claim step exists to prevent: read what is queued, send, mark."""
    with new_session(engine) as db:
        due = list(db.scalars(select(MailMessage).where(MailMessage.status == "queued")).all())
    barrier.wait()  # both workers have read the queue before either has marked anything
    with mail.connect(config) as client:
        for message in due:
            mail.send(client, message)
    with new_session(engine, write=True) as db:
        ids = [message.id for message in due]
        db.execute(update(MailMessage).where(MailMessage.id.in_(ids)).values(status="sent"))
        db.commit()


def test_control_without_claims_two_workers_send_the_same_messages_twice(engine, db, smtp_server):
    queue_invitations(db, 50)
    barrier = threading.Barrier(2)

    threads = [
        threading.Thread(
            target=send_without_claiming, args=(engine, config_for(smtp_server), barrier)
        )
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    arrivals = Counter(smtp_server.message_ids())
    assert len(arrivals) == 50
    assert set(arrivals.values()) == {2}


def test_without_smtp_configured_mail_stays_queued_and_timed_jobs_still_run(engine, db):
    queue_invitations(db, 1)
    user = make_user(db)
    auth.start_session(db, user)
    db.execute(update(AuthSession).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.commit()

    with environment(EVENTAPP_SMTP_URL=""):
        worker.run(once=True)

    [message] = outbox(engine)
    with new_session(engine) as check:
        sessions_left = check.scalars(select(AuthSession)).all()
    assert (message.status, message.attempts, message.last_error) == (MailStatus.QUEUED, 0, "")
    assert sessions_left == []


def test_worker_round_sends_through_the_configured_url_from_the_configured_sender(
    engine, db, smtp_server
):
    [queued] = queue_invitations(db, 1)

    with environment(
        EVENTAPP_SMTP_URL=smtp_server.url, EVENTAPP_MAIL_FROM="Seminar <seminar@example.org>"
    ):
        worker.run(once=True)

    [received] = smtp_server.received
    assert (received["Message-ID"], received["From"]) == (
        queued.message_id,
        "Seminar <seminar@example.org>",
    )
    assert [m.status for m in outbox(engine)] == [MailStatus.SENT]


def test_a_claim_left_by_a_killed_worker_is_released_after_30_minutes(engine, db):
    first, second = queue_invitations(db, 2)
    with new_session(engine, write=True) as claiming:
        mail.claim_due(claiming, limit=2)  # two workers' claims; neither ever marks a result
        claiming.commit()
    # The first was claimed 31 minutes ago (its worker was killed); the second just now.
    long_ago = utcnow() - timedelta(minutes=31)
    db.execute(update(MailMessage).where(MailMessage.id == first.id).values(claimed_at=long_ago))
    db.commit()

    worker.run_timed_jobs(engine)

    statuses = [(m.id, m.status, m.claimed_at) for m in outbox(engine)]
    assert statuses[0] == (first.id, MailStatus.QUEUED, None)
    assert statuses[1][:2] == (second.id, MailStatus.SENDING)


def test_logging_in_to_the_smtp_server_with_the_credentials_in_the_url(engine, db):
    from aiosmtpd.smtp import AuthResult

    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=True)

    server = SmtpServer(authenticator=authenticator, auth_require_tls=False).start()
    try:
        queue_invitations(db, 1)
        url = f"smtp://mail%40example.org:p%40ss%20word@127.0.0.1:{server.port}"

        worker.send_due_mail(mail.parse_smtp_url(url))
    finally:
        server.stop()

    assert logins == [(b"mail@example.org", b"p@ss word")]
    assert len(server.received) == 1


def test_the_worker_command_sends_mail_and_stops_cleanly_on_sigterm(
    engine, db, database_url, smtp_server, tmp_path
):
    [queued] = queue_invitations(db, 1)
    process = subprocess.Popen(
        [sys.executable, "-m", "eventapp", "worker"],
        env={
            **os.environ,
            "EVENTAPP_DATABASE_URL": database_url,
            "EVENTAPP_DATA_DIR": str(tmp_path),
            "EVENTAPP_SMTP_URL": smtp_server.url,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not smtp_server.received and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        exit_code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert smtp_server.message_ids() == [queued.message_id]
    assert exit_code == 0, process.stderr.read().decode()
    assert [m.status for m in outbox(engine)] == [MailStatus.SENT]
