"""Mail: templates (both parts, escaped, in the recipient's language), the outbox's states and
the SMTP settings. Delivery itself is in test_worker.py."""

from datetime import timedelta
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from bs4 import BeautifulSoup
from sqlalchemy import select

from eventapp import mail, team
from eventapp.db import new_session
from eventapp.models import MailMessage, MailStatus, Role, utcnow
from tests.factories import make_event, make_user

HOSTILE_TITLE = '<script>alert("x")</script> & Co'
HOSTILE_NAME = "<b>Somchai</b> O'Brien"


def html_of(message: MailMessage) -> BeautifulSoup:
    return BeautifulSoup(message.body_html, "lxml")


def invitation_mail(db, *, language: str | None = None, title: str = "Seminar on Online Scams"):
    owner = make_user(db, name=HOSTILE_NAME)
    event = make_event(db, title=title, owner=owner, languages="th,en")
    if language:
        invited = make_user(db, "guest@example.org")
        invited.language = language
        db.add(invited)
        db.commit()
    invitation, token = team.invite(
        db, event, email="guest@example.org", role=Role.ORGANISER, invited_by=owner
    )
    db.commit()
    message = db.scalar(select(MailMessage))
    db.commit()
    return message, invitation, event, token


def test_invitation_mail_has_text_and_html_parts_with_the_link_from_the_base_url(db):
    message, _invitation, _event, token = invitation_mail(db, language="en")

    html = html_of(message)
    link = f"http://testserver/invitations/{token}"
    assert message.to_address == "guest@example.org"
    assert html.select_one("#accept-link")["href"] == link
    assert html.select_one("#accept-url").get_text() == link
    assert link in message.body_text.splitlines()


def test_invitation_mail_escapes_names_in_html_and_keeps_them_plain_in_text(db):
    message, _invitation, _event, _token = invitation_mail(db, language="en", title=HOSTILE_TITLE)

    html = html_of(message)
    sentence = f"{HOSTILE_NAME} invites you to the team of {HOSTILE_TITLE} as Organiser."
    assert html.select("script") == []
    assert html.select("b") == []
    assert html.select_one("#invitation-text").get_text() == sentence
    assert html.title.get_text() == f"Join the team of {HOSTILE_TITLE}"
    assert sentence in message.body_text.splitlines()
    assert message.subject == f"Join the team of {HOSTILE_TITLE}"


def test_invitation_mail_is_written_in_the_recipients_language(db):
    message, invitation, event, _token = invitation_mail(db, language="th")

    html = html_of(message)
    local_expiry = invitation.expires_at.astimezone(ZoneInfo(event.timezone))
    thai_date = format_date(local_expiry, "long", locale="th")
    assert html.html["lang"] == "th"
    assert html.select_one("#expires-on").get_text() == thai_date
    assert any(thai_date in line for line in message.body_text.splitlines())


def test_an_invitation_to_a_new_address_is_written_in_the_events_first_language(db):
    message, _invitation, _event, _token = invitation_mail(db)

    assert html_of(message).html["lang"] == "th"


def test_message_carries_both_parts_its_message_id_and_a_thai_subject(db):
    message, _invitation, _event, _token = invitation_mail(db)
    message.subject = "เชิญเข้าร่วมทีมสัมมนา"

    built = message_from_bytes(
        mail.build(message, sender="ทีมงาน <team@example.org>").as_bytes(), policy=policy.default
    )

    assert built["Subject"] == "เชิญเข้าร่วมทีมสัมมนา"
    assert built["From"] == "ทีมงาน <team@example.org>"
    assert built["Message-ID"] == message.message_id
    assert built.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in built.iter_parts()] == ["text/plain", "text/html"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("", None),
        ("smtp://localhost", mail.SmtpConfig(host="localhost", port=25)),
        (
            "smtp://user:p%40ss@mail.example.org:587?starttls=1",
            mail.SmtpConfig(
                host="mail.example.org", port=587, username="user", password="p@ss", starttls=True
            ),
        ),
        (
            "smtps://a%40b.org:secret@mail.example.org?timeout=5",
            mail.SmtpConfig(
                host="mail.example.org",
                port=465,
                username="a@b.org",
                password="secret",
                implicit_tls=True,
                timeout=5.0,
            ),
        ),
    ],
)
def test_smtp_url_gives_host_port_credentials_and_encryption(url, expected):
    assert mail.parse_smtp_url(url) == expected


@pytest.mark.parametrize("url", ["http://mail.example.org", "smtp://", "smtp://host:notaport"])
def test_a_malformed_smtp_url_is_refused(url):
    with pytest.raises(mail.BadSmtpUrl):
        mail.parse_smtp_url(url)


def test_retries_back_off_exponentially_up_to_two_hours():
    delays = [mail.retry_delay(attempt) for attempt in range(1, mail.MAX_ATTEMPTS + 1)]

    assert [int(d.total_seconds() // 60) for d in delays] == [2, 4, 8, 16, 32, 64, 120, 120]


def test_a_claimed_message_is_not_claimed_again(db):
    invitation_mail(db)

    first = mail.claim_due(db, limit=10)
    second = mail.claim_due(db, limit=10)
    db.commit()

    assert [(m.status, m.attempts) for m in first] == [(MailStatus.SENDING, 1)]
    assert second == []


def test_a_message_due_later_is_not_claimed_yet(db):
    invitation_mail(db)
    [message] = mail.claim_due(db, limit=1)
    mail.mark_failed(db, message, "SMTP 451: try later")
    db.commit()

    now = mail.claim_due(db, limit=1)
    later = mail.claim_due(db, limit=1, now=utcnow() + timedelta(minutes=3))
    db.commit()

    assert now == []
    assert [(m.id, m.attempts) for m in later] == [(message.id, 2)]


def test_retry_now_makes_a_failed_message_due_and_refuses_a_sent_one(db):
    invitation_mail(db)
    [message] = mail.claim_due(db, limit=1)
    mail.mark_failed(db, message, "SMTP 550: no such user", permanent=True)
    db.commit()
    db.refresh(message)
    failed_status = message.status

    mail.retry_now(db, message)
    [again] = mail.claim_due(db, limit=1)
    mail.mark_sent(db, again)
    db.commit()
    db.refresh(again)

    assert failed_status == MailStatus.FAILED
    assert again.status == MailStatus.SENT
    with pytest.raises(mail.NotRetryable):
        mail.retry_now(db, again)


def test_a_result_for_a_claim_that_was_released_and_taken_again_is_ignored(engine, db):
    invitation_mail(db)
    with new_session(engine, write=True) as killed_worker:
        [stale] = mail.claim_due(killed_worker, limit=1)
        killed_worker.commit()
    half_an_hour_on = utcnow() + timedelta(minutes=31)
    mail.release_stale(db, now=half_an_hour_on)
    [fresh] = mail.claim_due(db, limit=1, now=half_an_hour_on)
    db.commit()

    with new_session(engine, write=True) as killed_worker_wakes_up:
        late_result = mail.mark_failed(killed_worker_wakes_up, stale, "SMTPServerDisconnected")
        killed_worker_wakes_up.commit()
    db.refresh(fresh)
    db.commit()

    assert late_result is False
    assert (fresh.status, fresh.attempts, fresh.last_error) == (MailStatus.SENDING, 2, "")
