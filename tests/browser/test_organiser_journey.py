"""An owner sets up an event with two co-hosts, invites an organiser who joins through the
mailed link, publishes, and an anonymous visitor sees the public page. Once with JavaScript
(htmx enhancing the forms) and once without (plain forms only)."""

import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from eventapp.models import MailMessage
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.factories import PASSWORD, make_user, read

LINK = re.compile(r"https?://\S+/invitations/\S+")


def _png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), colour).save(out, "PNG")
    return out.getvalue()


def _add_host(page, name: str, short_name: str, logo: bytes | None) -> None:
    page.get_by_role("link", name="Add a co-host").click()
    page.get_by_role("textbox", name="Name", exact=True).fill(name)
    page.get_by_label("Short name").fill(short_name)
    page.get_by_label("Website").fill("https://example.org/")
    if logo:
        page.get_by_label("Logo").set_input_files(
            files=[{"name": "logo.png", "mimeType": "image/png", "buffer": logo}]
        )
    page.get_by_role("button", name="Add co-host").click()
    page.wait_for_url(re.compile(r"/hosts(\?.*)?$"))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_owner_sets_up_invites_and_publishes_and_a_visitor_sees_it(
    db, live_server, new_page, javascript
):
    owner = make_user(db, "owner@mfa.example.org", name="Somchai Owner")
    suffix = "js" if javascript else "nojs"
    page = new_page(javascript=javascript)

    # The owner logs in and creates the event.
    page.goto(live_server + "/login")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server + "/manage/")
    page.get_by_role("link", name="New event").click()
    page.get_by_role("textbox", name="Title", exact=True).fill(
        "EU–Thailand Forum on Cyber Resilience"
    )
    page.get_by_label("Start date").fill("2031-03-10")
    page.get_by_label("Start time").fill("09:00")
    page.get_by_label("End date").fill("2031-03-10")
    page.get_by_label("End time").fill("17:30")
    page.get_by_role("textbox", name="Venue", exact=True).fill("Ministry of Foreign Affairs")
    page.get_by_role("textbox", name="Address", exact=True).fill("Bangkok, Thailand")
    page.get_by_label("Description").fill("A day of **exchange** on cyber resilience.")
    page.get_by_role("button", name="Create event").click()
    page.wait_for_url(re.compile(r"/manage/events/\d+/\?done=created$"))
    event_url = page.url.split("?")[0]

    # Two co-hosts, in order.
    page.get_by_role("navigation", name="This event").get_by_role("link", name="Co-hosts").click()
    _add_host(page, "Ministry of Foreign Affairs of Thailand", "MFA", _png((24, 54, 112)))
    _add_host(page, "Delegation of the European Union to Thailand", "EU", None)
    screenshot(page, f"manage-hosts-{suffix}")

    # An organiser is invited, gets the mail, and joins with a new account.
    page.get_by_role("navigation", name="This event").get_by_role("link", name="Team").click()
    page.get_by_label("Email").fill("organiser@eu.example.org")
    page.get_by_role("combobox", name="Role", exact=True).select_option("organiser")
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_role("cell", name="organiser@eu.example.org", exact=True).wait_for()
    screenshot(page, f"manage-team-{suffix}")
    mail = read(db, select(MailMessage).where(MailMessage.to_address == "organiser@eu.example.org"))
    invitation_link = LINK.search(mail.body_text).group(0)

    organiser = new_page(javascript=javascript, viewport=PHONE)
    organiser.goto(invitation_link.replace("http://testserver", live_server))
    organiser.get_by_label("Your name").fill("Anna Organiser")
    organiser.get_by_label("Choose a password").fill("a long and personal phrase")
    organiser.get_by_role("button", name="Create account and join").click()
    organiser.wait_for_url(re.compile(r"/manage/events/\d+/"))
    assert organiser.get_by_role("navigation", name="This event").is_visible()

    # The owner publishes.
    page.goto(event_url)
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("The event is published").wait_for()
    screenshot(page, f"manage-overview-{suffix}")
    public_url = page.locator("#fact-page a").get_attribute("href")

    # An anonymous visitor reads the public page.
    visitor = new_page(javascript=javascript, viewport=PHONE)
    visitor.goto(live_server + "/")
    visitor.get_by_role("link", name="EU–Thailand Forum on Cyber Resilience").click()

    assert visitor.url == live_server + public_url
    assert visitor.get_by_role("heading", level=1).inner_text() == (
        "EU–Thailand Forum on Cyber Resilience"
    )
    hosts = visitor.get_by_role("list", name="Co-hosts").get_by_role("listitem")
    assert [text.strip() for text in hosts.all_inner_texts()] == [
        "Ministry of Foreign Affairs of Thailand",
        "Delegation of the European Union to Thailand",
    ]
    assert visitor.locator("#event-description strong").inner_text() == "exchange"
    screenshot(visitor, f"public-event-phone-{suffix}")
    for each in (page, organiser, visitor):
        assert each.js_errors == []


def test_pages_fit_a_phone_screen(db, live_server, new_page):
    owner = make_user(db, "narrow@example.org")
    page = new_page(viewport=PHONE)
    page.goto(live_server + "/login")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server + "/manage/")

    widths = {}
    for path in ["/manage/", "/manage/events/new", "/account", "/"]:
        page.goto(live_server + path)
        widths[path] = page.evaluate("document.documentElement.scrollWidth")
        screenshot(page, "phone" + path.replace("/", "-").rstrip("-"))

    assert widths == {path: PHONE["width"] for path in widths}
    assert DESKTOP["width"] > PHONE["width"]
