"""Mail: written to the outbox in the caller's transaction, sent later by `eventapp worker`.

Templates live in `templates/mail/<name>.txt` and `<name>.html`; the subject is the `subject`
block of the text template (extend `mail/_layout.txt` / `mail/_layout.html`, which do not print
it). Both are rendered in the recipient's language, so write interface text with `_()`.

A message in the outbox (`MailMessage.status`):

    queued --claim--> sending --delivered--> sent
      ^                  |
      |                  +--refused or unreachable--> queued again, next_attempt_at backed off
      |                  |                            (failed after MAX_ATTEMPTS attempts)
      +--- 30 minutes ---+  a worker killed mid-send: the claim is released (see release_stale)

A claim is a short transaction of its own (PostgreSQL `FOR UPDATE SKIP LOCKED`; SQLite a write
transaction begun with BEGIN IMMEDIATE), committed before anything is sent, so two workers never
hold the same message. `attempts` counts claims, so a message that kills its worker still ends
up failed instead of looping forever.

SMTP settings come from EVENTAPP_SMTP_URL:

    smtp://host:25                       plain SMTP (a relay on the same host or network)
    smtp://user:password@host:587?starttls=1   STARTTLS, then log in
    smtps://user:password@host:465       TLS from the first byte (implicit TLS)

User name and password are percent-encoded (`@` is `%40`). The port defaults to 25 (smtp) or 465
(smtps); `?timeout=SECONDS` changes the 30-second network timeout. Unset, nothing is sent and
mail stays queued, listed for site administrators under /admin/outbox.
"""

import base64
import secrets
import smtplib
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import func, select, update
from sqlmodel import Session

from eventapp import i18n
from eventapp.config import get_settings
from eventapp.models import MailMessage, MailStatus, utcnow

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=2)  # then 4, 8, ... minutes: about four hours in all
LONGEST_RETRY = timedelta(hours=2)
STALE_CLAIM = timedelta(minutes=30)


@dataclass(frozen=True)
class Attachment:
    """A small file sent with a message (an event's .ics); kept in the outbox row."""

    filename: str
    content_type: str
    data: bytes


def queue(
    db: Session,
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    language: str | None = None,
    event_id: int | None = None,
    attachments: Sequence[Attachment] = (),
) -> MailMessage:
    """Render `template` for one recipient and add it to the outbox (no commit: the caller's
    change and its mail land together or not at all)."""
    from eventapp.templating import environment

    context = {"base_url": get_settings().base_url, **context}
    with i18n.language(language or i18n.DEFAULT_LANGUAGE):
        text_template = environment.get_template(f"mail/{template}.txt")
        subject = "".join(text_template.blocks["subject"](text_template.new_context(context)))
        body_text = text_template.render(context)
        body_html = environment.get_template(f"mail/{template}.html").render(context)
    host = get_settings().base_host.split(":")[0] or "localhost"
    message = MailMessage(
        message_id=f"<{secrets.token_hex(16)}@{host}>",
        event_id=event_id,
        to_address=to,
        subject=" ".join(subject.split())[:300],
        body_text=body_text,
        body_html=body_html,
        attachments=[
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "data": base64.b64encode(a.data).decode(),
            }
            for a in attachments
        ],
    )
    db.add(message)
    db.flush()
    return message


# The outbox ------------------------------------------------------------------------------------


def claim_due(db: Session, *, limit: int, now: datetime | None = None) -> list[MailMessage]:
    """Mark up to `limit` due messages as `sending` for this worker. The caller commits at once,
    before sending. On SQLite `db` must be a write session (BEGIN IMMEDIATE), which serialises
    claims; on PostgreSQL rows another worker is claiming are skipped, not waited for."""
    now = now or utcnow()
    query = (
        select(MailMessage)
        .where(MailMessage.status == MailStatus.QUEUED, MailMessage.next_attempt_at <= now)
        .order_by(MailMessage.next_attempt_at, MailMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    messages = list(db.scalars(query).all())
    for message in messages:
        message.status = MailStatus.SENDING
        message.claimed_at = now
        message.attempts += 1
        db.add(message)
    db.flush()
    return messages


def mark_sent(db: Session, message: MailMessage, *, now: datetime | None = None) -> bool:
    """Record a delivery; False when the claim was no longer ours (released as stale)."""
    result = db.execute(
        update(MailMessage)
        .where(*_still_claimed(message))
        .values(status=MailStatus.SENT, sent_at=now or utcnow(), last_error="")
    )
    return bool(result.rowcount)


def mark_failed(
    db: Session,
    message: MailMessage,
    error: str,
    *,
    permanent: bool = False,
    now: datetime | None = None,
) -> bool:
    """Back to the queue after a backoff, or failed for good after MAX_ATTEMPTS (or at once
    when the server refused it permanently)."""
    now = now or utcnow()
    gave_up = permanent or message.attempts >= MAX_ATTEMPTS
    result = db.execute(
        update(MailMessage)
        .where(*_still_claimed(message))
        .values(
            status=MailStatus.FAILED if gave_up else MailStatus.QUEUED,
            next_attempt_at=now + retry_delay(message.attempts),
            claimed_at=None,
            last_error=error[:500],
        )
    )
    return bool(result.rowcount)


def _still_claimed(message: MailMessage) -> list:
    return [
        MailMessage.id == message.id,
        MailMessage.status == MailStatus.SENDING,
        MailMessage.claimed_at == message.claimed_at,
    ]


def retry_delay(attempts: int) -> timedelta:
    """2, 4, 8, 16 ... minutes after the 1st, 2nd, 3rd, 4th ... attempt, at most two hours."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def release_stale(db: Session, *, now: datetime | None = None) -> int:
    """Give back messages claimed over 30 minutes ago: their worker was killed mid-send (or
    lost its database). Such a message may have left already, so it can arrive twice; the
    alternative, losing it, is worse. One that has used up its attempts fails instead."""
    now = now or utcnow()
    stale = [
        MailMessage.status == MailStatus.SENDING,
        MailMessage.claimed_at < now - STALE_CLAIM,
    ]
    failed = db.execute(
        update(MailMessage)
        .where(*stale, MailMessage.attempts >= MAX_ATTEMPTS)
        .values(status=MailStatus.FAILED, claimed_at=None, last_error="Worker stopped mid-send")
    ).rowcount
    requeued = db.execute(
        update(MailMessage)
        .where(*stale)
        .values(status=MailStatus.QUEUED, claimed_at=None, next_attempt_at=now)
    ).rowcount
    return (failed or 0) + (requeued or 0)


class NotRetryable(Exception):
    """Asked to retry a message that is being sent or has been sent."""


def retry_now(db: Session, message: MailMessage) -> None:
    """A site administrator's 'retry now': a failed or waiting message becomes due at once
    (a failed one gets one more attempt; its count is kept)."""
    if message.status not in (MailStatus.FAILED, MailStatus.QUEUED):
        raise NotRetryable()
    message.status = MailStatus.QUEUED
    message.next_attempt_at = utcnow()
    db.add(message)
    db.flush()


OUTBOX_STATUSES = (MailStatus.QUEUED, MailStatus.SENDING, MailStatus.FAILED)


def outbox_page(
    db: Session, *, statuses: Sequence[MailStatus], page: int, per_page: int
) -> tuple[list[MailMessage], int]:
    """One page of messages in these states, newest first, and how many there are in all."""
    where = MailMessage.status.in_([str(status) for status in statuses])
    total = db.scalar(select(func.count()).select_from(MailMessage).where(where)) or 0
    rows = db.scalars(
        select(MailMessage)
        .where(where)
        .order_by(MailMessage.created_at.desc(), MailMessage.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return list(rows), total


def outbox_counts(db: Session) -> dict[str, int]:
    rows = db.execute(select(MailMessage.status, func.count()).group_by(MailMessage.status)).all()
    return {str(status): count for status, count in rows}


# SMTP ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    username: str = ""
    password: str = ""
    implicit_tls: bool = False
    starttls: bool = False
    timeout: float = 30.0


class BadSmtpUrl(ValueError):
    pass


def parse_smtp_url(url: str) -> SmtpConfig | None:
    """The settings in an EVENTAPP_SMTP_URL (format in this module's docstring); None if empty."""
    if not url.strip():
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise BadSmtpUrl("EVENTAPP_SMTP_URL must look like smtp://[user:password@]host[:port]")
    query = parse_qs(parts.query)
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
        timeout = float(query.get("timeout", ["30"])[0])
    except ValueError as exc:
        raise BadSmtpUrl(f"EVENTAPP_SMTP_URL: {exc}") from exc
    return SmtpConfig(
        host=parts.hostname,
        port=port,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        implicit_tls=parts.scheme == "smtps",
        starttls=query.get("starttls", ["0"])[0].lower() in ("1", "true", "yes"),
        timeout=timeout,
    )


def build(message: MailMessage, *, sender: str) -> EmailMessage:
    """The MIME message: text and HTML alternatives, with the outbox's Message-ID (so a resend
    after a crash can be recognised as the same message)."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = message.message_id
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body_text)
    email.add_alternative(message.body_html, subtype="html")
    for attachment in message.attachments or ():
        maintype, subtype = attachment["content_type"].split("/", 1)
        email.add_attachment(
            base64.b64decode(attachment["data"]),
            maintype=maintype,
            subtype=subtype,
            filename=attachment["filename"],
        )
    return email


@contextmanager
def connect(config: SmtpConfig, *, ssl_context: ssl.SSLContext | None = None) -> Iterator:
    """An SMTP connection, encrypted and logged in as the settings say."""
    context = ssl_context or ssl.create_default_context()
    if config.implicit_tls:
        client = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
    else:
        client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    try:
        if config.starttls:
            client.starttls(context=context)
        if config.username:
            client.login(config.username, config.password)
        yield client
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()


def send(client: smtplib.SMTP, message: MailMessage, *, sender: str | None = None) -> None:
    sender = sender or get_settings().mail_from
    envelope_from = parseaddr(sender)[1] or sender
    client.send_message(build(message, sender=sender), from_addr=envelope_from)


def is_permanent(exc: BaseException) -> bool:
    """A 5xx answer about this message (unknown recipient, refused content): trying again later
    will not help. Connection trouble and 4xx answers are worth another attempt."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _text in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return False
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def describe_error(exc: BaseException) -> str:
    """A short reason for the outbox list (never the message itself)."""
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = exc.smtp_error
        text = detail.decode(errors="replace") if isinstance(detail, bytes) else str(detail)
        return f"SMTP {exc.smtp_code}: {text}"[:500]
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return f"Recipient refused: {exc.recipients}"[:500]
    return f"{type(exc).__name__}: {exc}"[:500]
