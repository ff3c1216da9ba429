"""`eventapp worker`: sends queued mail and runs timed jobs, on any number of hosts at once.

Each round: release mail claims left by a worker that was killed mid-send (over 30 minutes
old), purge expired logins and old rate-limit counts, anonymise registrations past their
event's retention period and queue speakers' reminders (once a minute), then send what is due:
claim a batch in a short transaction of its own and commit, send each message over one SMTP
connection, and record each result at once in its own transaction. Claims are what keep two
workers from sending the same message (see eventapp.mail).

Without EVENTAPP_SMTP_URL the timed jobs still run and mail stays queued.
"""

import logging
import signal
import smtplib
import threading
import time
from datetime import datetime, timedelta

from sqlalchemy import Engine, select

from eventapp import auth, mail, people, retention, security
from eventapp.config import get_settings
from eventapp.db import new_session, transaction
from eventapp.models import Speaker, utcnow

log = logging.getLogger("eventapp.worker")
IDLE_SECONDS = 5
TIMED_JOBS_EVERY = 60
BATCH_SIZE = 20


def run_timed_jobs(engine: Engine | None = None) -> None:
    with transaction(engine) as db:
        auth.purge_expired_sessions(db)
        security.purge_hits(db, older_than=utcnow() - timedelta(days=1))
        released = mail.release_stale(db)
    if released:
        log.warning("released %d mail message(s) left in 'sending' by a stopped worker", released)
    try:
        anonymised = anonymise_registrations(engine)
    except Exception:
        log.exception("could not anonymise registrations past their retention period")
    else:
        if anonymised:
            log.info("anonymised %d registration(s) past their retention period", anonymised)
    send_speaker_reminders(engine)


def anonymise_registrations(
    engine: Engine | None = None, *, now: datetime | None = None, batch: int = 500
) -> int:
    """Anonymise every registration past its event's retention period, a batch per
    transaction (a backlog never holds one long lock); returns how many."""
    now = now or utcnow()
    total = 0
    while True:
        with transaction(engine) as db:
            done = retention.anonymise_due(db, now=now, batch=batch)
        total += done
        if done < batch:
            return total


# Speakers' reminders: listed in one read, then each queued in a short transaction of its own
# that claims the Speaker row first, so one speaker's failure does not stop the others and two
# workers never remind anyone twice (people.due_reminders / people.send_reminder).


def send_speaker_reminders(engine: Engine | None = None, *, now: datetime | None = None) -> int:
    """Queue every due reminder; returns how many were queued."""
    queued = 0
    for speaker_id, invited_at in due_reminder_ids(engine, now=now):
        try:
            queued += remind_speaker(engine, speaker_id, invited_at=invited_at)
        except Exception:
            log.exception("could not queue the reminder of speaker %s", speaker_id)
    return queued


def due_reminder_ids(
    engine: Engine | None = None, *, now: datetime | None = None
) -> list[tuple[int, datetime]]:
    """(speaker id, invited at) of each due reminder, as listed before any is claimed."""
    with new_session(engine) as db:
        return [(speaker.id, speaker.invited_at) for speaker in people.due_reminders(db, now=now)]


def remind_speaker(engine: Engine | None, speaker_id: int, *, invited_at: datetime) -> bool:
    """Claim the speaker and queue their reminder, in one transaction; False when another
    worker has it or it is no longer due (reminded, answered, revoked or invited again)."""
    with transaction(engine) as db:
        # PostgreSQL: a row another worker holds is skipped, and one it has reminded no longer
        # matches. SQLite: the write transaction (BEGIN IMMEDIATE) runs one claim at a time.
        speaker = db.scalar(
            select(Speaker)
            .where(
                Speaker.id == speaker_id,
                Speaker.reminded_at.is_(None),
                Speaker.token_hash.is_not(None),
                Speaker.invited_at == invited_at,
            )
            .with_for_update(skip_locked=True)
        )
        if speaker is None or not people.awaits_answer(db, speaker):
            return False
        people.send_reminder(db, speaker)
    return True


def send_due_mail(
    config: mail.SmtpConfig,
    *,
    engine: Engine | None = None,
    batch_size: int = BATCH_SIZE,
    sender: str | None = None,
    now: datetime | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Send every message that is due (at `now`, by default the present), batch after batch;
    returns how many were delivered."""
    sender = sender or get_settings().mail_from
    delivered = 0
    while stop is None or not stop.is_set():
        with new_session(engine, write=True) as db:
            claimed = mail.claim_due(db, limit=batch_size, now=now)
            db.commit()
        if not claimed:
            return delivered
        delivered += _send_batch(config, claimed, engine=engine, sender=sender)
    return delivered


def _send_batch(config, claimed, *, engine, sender) -> int:
    delivered = 0
    remaining = list(claimed)
    try:
        with mail.connect(config) as client:
            while remaining:
                message = remaining.pop(0)
                try:
                    mail.send(client, message, sender=sender)
                except Exception as exc:
                    permanent = mail.is_permanent(exc)
                    _record(engine, message, error=mail.describe_error(exc), permanent=permanent)
                    if _connection_lost(exc):
                        raise
                else:
                    _record(engine, message, error=None)
                    delivered += 1
    except Exception as exc:
        # Could not connect, or the connection broke: the rest of the batch waits its turn.
        error = mail.describe_error(exc)
        log.warning("mail server unavailable (%s); %d message(s) will retry", error, len(remaining))
        for message in remaining:
            _record(engine, message, error=error)
    return delivered


def _connection_lost(exc: Exception) -> bool:
    # smtplib's errors are OSErrors too; only a dropped or broken connection ends the batch.
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)


def _record(engine, message, *, error: str | None, permanent: bool = False) -> None:
    with new_session(engine, write=True) as db:
        if error is None:
            mail.mark_sent(db, message)
        else:
            mail.mark_failed(db, message, error, permanent=permanent)
        db.commit()


def run_once(
    engine: Engine | None = None, *, jobs: bool = True, stop: threading.Event | None = None
) -> int:
    if jobs:
        run_timed_jobs(engine)
    config = mail.parse_smtp_url(get_settings().smtp_url)
    if config is None:
        return 0
    return send_due_mail(config, engine=engine, stop=stop)


def run(*, once: bool = False) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = get_settings()
    mail.parse_smtp_url(settings.smtp_url)  # a malformed URL stops the worker at start
    if not settings.smtp_url:
        log.warning("EVENTAPP_SMTP_URL is not set: mail stays queued (see /admin/outbox)")
    stop = threading.Event()
    if not once:
        # SIGTERM (systemd, docker stop) or Ctrl-C: finish the batch in hand, then exit, so no
        # message is left claimed for the 30 minutes it takes to be released.
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_args: stop.set())
    last_jobs = 0.0
    while not stop.is_set():
        due = time.monotonic() - last_jobs >= TIMED_JOBS_EVERY
        try:
            sent = run_once(jobs=due or once, stop=stop)
            if due:
                last_jobs = time.monotonic()
            if sent:
                log.info("sent %d message(s)", sent)
        except Exception:
            if once:
                raise
            # The database or network may be back next round; a worker that exits sends nothing.
            log.exception("worker round failed")
        if once:
            return
        stop.wait(IDLE_SECONDS)
    log.info("worker stopped")
