"""An attendee's journey end to end, on a phone-sized window: the event has one place; Anna
registers and gets it, Bo registers and joins the waiting list; the worker delivers the mail to
a real SMTP server on 127.0.0.1; Anna opens her personal link from the mail, sees her QR ticket
and cancels; Bo is promoted and his mail arrives. Once with JavaScript and once without."""

import re
from datetime import UTC, datetime

import pytest

from eventapp import mail, worker
from tests.browser.conftest import PHONE, screenshot
from tests.conftest import BASE_URL
from tests.factories import make_event, make_user, open_registration
from tests.smtp import running

STARTS = datetime(2031, 3, 10, 2, 0, tzinfo=UTC)  # 09:00 in Bangkok
TITLE = "EU–Southeast Asia Digital Diplomacy Forum"
LINK = re.compile(r"https?://\S+/registrations/[A-Za-z0-9_-]+")


@pytest.fixture
def smtp_server():
    with running() as server:
        yield server


def register(page, live_server, *, given: str, family: str, email: str) -> None:
    page.goto(f"{live_server}/events/digital-forum/register")
    page.get_by_label("Given name").fill(given)
    page.get_by_label("Family name").fill(family)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Organisation").fill("EU Delegation")
    page.get_by_label("Country").select_option("TH")
    page.locator("#input-privacy").check()
    page.locator("#register-button").click()
    page.wait_for_url(re.compile(r"/registrations/[A-Za-z0-9_-]+/registered$"))


def deliver(smtp_server) -> list:
    """Send what is due; the messages that arrived by this delivery."""
    before = len(smtp_server.received)
    worker.send_due_mail(mail.parse_smtp_url(smtp_server.url))
    return smtp_server.received[before:]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_an_attendee_registers_gets_the_ticket_cancels_and_the_next_in_line_is_promoted(
    db, live_server, new_page, smtp_server, javascript
):
    owner = make_user(db, name="Olivia Owner")
    event = make_event(db, owner=owner, slug="digital-forum", title=TITLE, starts_at=STARTS)
    open_registration(db, event, capacity=1)
    suffix = "js" if javascript else "nojs"

    anna = new_page(javascript=javascript, viewport=PHONE)
    anna.goto(f"{live_server}/events/digital-forum/register")
    places = anna.locator("#places").inner_text()
    register(anna, live_server, given="Anna", family="Lind", email="anna@example.org")
    anna_result = anna.locator("#result-title").inner_text()
    screenshot(anna, f"registration-result-{suffix}")
    bo = new_page(javascript=javascript, viewport=PHONE)
    register(bo, live_server, given="Bo", family="Berg", email="bo@example.org")
    bo_result = bo.locator("#result-status").inner_text()

    # The worker delivers both mails; Anna follows the link in hers.
    first = {message["To"]: message for message in deliver(smtp_server)}
    anna_mail = first["anna@example.org"]
    link = LINK.search(anna_mail.get_body(("plain",)).get_content()).group(0)
    anna.goto(link.replace(BASE_URL, live_server))
    ticket = anna.locator("#ticket-qr")
    ticket.wait_for()
    ticket_width = anna.evaluate("(img) => img.naturalWidth", ticket.element_handle())
    ticket_code = anna.locator("#ticket-code").inner_text()
    screenshot(anna, f"registration-ticket-{suffix}")

    # She cancels (a confirmation step first); Bo gets the place.
    anna.locator("#cancel-link a").click()
    anna.locator("#confirm-cancel").click()
    anna.locator("#attendee-message").wait_for()
    status_after = anna.locator("#registration-status .badge").inner_text()
    second = {message["To"]: message["Subject"] for message in deliver(smtp_server)}

    assert places == "1 place left"
    assert anna_result == "You are registered"
    assert bo_result.startswith("The event is full, so you are on the waiting list, number 1.")
    assert sorted(first) == ["anna@example.org", "bo@example.org"]
    assert anna_mail["Subject"] == f"Your place at {TITLE} is confirmed"
    assert [part.get_filename() for part in anna_mail.iter_attachments()] == ["digital-forum.ics"]
    assert ticket_width > 100
    assert re.fullmatch(r"Ticket code: [2-9A-Z]{20}", ticket_code)
    assert status_after == "Cancelled"
    assert second == {
        "anna@example.org": f"Your registration for {TITLE} is cancelled",
        "bo@example.org": f"A place at {TITLE} is now yours",
    }
    assert anna.js_errors == bo.js_errors == []
