"""An anonymous visitor finds the seminar and reads its page, on a phone and on a desktop,
with and without JavaScript."""

import pytest

from eventapp.demo import SEMINAR_SLUG
from eventapp.demo import load as load_demo
from tests.browser.conftest import DESKTOP, PHONE, screenshot


@pytest.fixture
def demo(db):
    load_demo(db)
    db.commit()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_visitor_reads_the_seminar_page_from_the_event_list(
    demo, live_server, new_page, javascript, viewport
):
    page = new_page(javascript=javascript, viewport=viewport)

    page.goto(live_server + "/")
    page.get_by_role("link", name="EU–Thailand Seminar on Combating Online Scams").click()

    assert page.url == f"{live_server}/events/{SEMINAR_SLUG}"
    assert page.get_by_role("heading", level=1).inner_text() == (
        "EU–Thailand Seminar on Combating Online Scams"
    )
    hosts = page.get_by_role("list", name="Co-hosts").get_by_role("listitem").all_inner_texts()
    assert [text.strip() for text in hosts] == [
        "Ministry of Foreign Affairs of the Kingdom of Thailand",
        "Delegation of the European Union to Thailand",
    ]
    width = page.evaluate("document.documentElement.scrollWidth") if javascript else None
    assert width in (None, viewport["width"])  # nothing overflows sideways
    assert page.js_errors == []
    screenshot(
        page,
        f"event-{'phone' if viewport is PHONE else 'desktop'}-{'js' if javascript else 'nojs'}",
    )


def test_visitor_switches_the_interface_to_thai_without_javascript(demo, live_server, new_page):
    page = new_page(javascript=False)
    page.goto(f"{live_server}/events/{SEMINAR_SLUG}")

    page.get_by_role("button", name="ไทย").click()

    assert page.url == f"{live_server}/events/{SEMINAR_SLUG}"
    assert page.locator("html").get_attribute("lang") == "th"
