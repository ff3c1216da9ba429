"""A speaker's journey end to end: an organiser adds a person and invites them; the worker
delivers the mail to a real SMTP server on 127.0.0.1; the speaker opens the link from that mail,
confirms their session and uploads a photo; a visitor then finds them on the public speakers
page. Once with JavaScript and once without."""

import io
import re
from datetime import UTC, datetime

import pytest
from PIL import Image
from sqlalchemy import select

from eventapp import mail, people, worker
from eventapp.models import Appearance, AppearanceRole, ItemKind, Person
from tests.browser.conftest import screenshot
from tests.conftest import BASE_URL
from tests.factories import PASSWORD, make_event, make_item, make_user, read, release_agenda
from tests.smtp import running

STARTS = datetime(2031, 3, 10, 2, 0, tzinfo=UTC)  # 09:00 in Bangkok
LINK = re.compile(r"https?://\S+/speaker/[A-Za-z0-9_-]+")


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (30, 90, 160)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def smtp_server():
    with running() as server:
        yield server


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_an_invited_speaker_confirms_adds_a_photo_and_is_listed(
    db, live_server, new_page, smtp_server, javascript
):
    owner = make_user(db, "owner@mfa.example.org", name="Somchai Owner")
    event = make_event(db, starts_at=STARTS, owner=owner, slug="cyber-forum")
    panel = make_item(db, event, "Panel on scam centres", at="10:00", kind=ItemKind.PANEL)
    release_agenda(db, event, owner)
    suffix = "js" if javascript else "nojs"
    organiser = new_page(javascript=javascript)

    # The organiser adds the person to the team's book.
    organiser.goto(live_server + "/login")
    organiser.get_by_label("Email").fill(owner.email)
    organiser.get_by_label("Password").fill(PASSWORD)
    organiser.get_by_role("button", name="Log in").click()
    organiser.wait_for_url(live_server + "/manage/")
    organiser.goto(f"{live_server}/manage/events/{event.id}/people/new")
    organiser.locator("#input-honorific").fill("Dr.")
    organiser.locator("#input-given_name").fill("Mali")
    organiser.locator("#input-family_name").fill("Samplesri")
    organiser.locator("#input-position").fill("Director")
    organiser.locator("#input-email").fill("mali@example.org")
    organiser.locator("#save-person").click()
    organiser.wait_for_url(re.compile(rf"/manage/events/{event.id}/people/\d+(\?.*)?$"))
    person = read(db, select(Person).where(Person.email == "mali@example.org"))
    # On the panel (the line-up page has its own journey), then invited from their page.
    people.add_appearance(db, event, panel, person, actor=owner, role=AppearanceRole.PANELLIST)
    db.commit()
    organiser.locator("#invite").click()
    organiser.locator("#invite").filter(has_text="Send the invitation again").wait_for()
    screenshot(organiser, f"speaker-invited-{suffix}")

    # The worker delivers it; the speaker follows the link in the mail.
    delivered = worker.send_due_mail(mail.parse_smtp_url(smtp_server.url))
    [message] = smtp_server.received
    link = LINK.search(message.get_body(("plain",)).get_content()).group(0)
    speaker = new_page(javascript=javascript)
    speaker.goto(link.replace(BASE_URL, live_server))
    speaker.locator("button[id^=confirm-]").click()
    speaker.get_by_text("Thank you: your participation is confirmed.").wait_for()
    speaker.locator("#input-photo").set_input_files(
        files=[{"name": "me.jpg", "mimeType": "image/jpeg", "buffer": _photo()}]
    )
    speaker.locator("#upload-photo").click()
    speaker.locator("#current-photo").wait_for()
    screenshot(speaker, f"speaker-portal-{suffix}")

    # A visitor finds them on the speakers page.
    visitor = new_page(javascript=javascript)
    visitor.goto(f"{live_server}/events/cyber-forum/speakers")
    card = visitor.locator(".speaker-card").filter(has_text="Dr. Mali Samplesri")
    photo = card.locator("img.speaker-photo")

    assert (delivered, message["To"]) == (1, "mali@example.org")
    assert read(db, select(Appearance.status).where(Appearance.person_id == person.id)) == (
        "confirmed"
    )
    assert card.locator(".speaker-position").inner_text() == "Director"
    assert photo.get_attribute("alt") == "Dr. Mali Samplesri"
    assert visitor.evaluate("(img) => img.naturalWidth", photo.element_handle()) == 256
    assert organiser.js_errors == speaker.js_errors == visitor.js_errors == []
