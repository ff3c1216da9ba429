"""A registrar at the door: logs in, opens the check-in desk, scans a ticket (the code typed
into the focused field, then Enter, as a USB scanner does), sees the person checked in and the
counts change; scans it again and is warned with the time; then finds a second person by name
and checks them in with the button. On a phone with JavaScript, and on a laptop without."""

import re

import pytest
from playwright.sync_api import expect

from eventapp import registration as rules
from eventapp.models import Role
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.factories import PASSWORD, add_member, make_event, make_user, open_registration
from tests.test_checkin import person


@pytest.mark.parametrize(
    ("javascript", "viewport"), [(True, PHONE), (False, DESKTOP)], ids=["js-phone", "no-js"]
)
def test_a_registrar_checks_people_in_by_ticket_and_by_name(
    db, live_server, new_page, javascript, viewport
):
    owner = make_user(db, name="Olivia Owner")
    registrar = make_user(db, "rita@mfa.example.org", name="Rita Registrar")
    event = make_event(db, owner=owner, title="EU–Southeast Asia Digital Diplomacy Forum")
    add_member(db, event, registrar, Role.REGISTRAR)
    open_registration(db, event)
    anna = person(db, event, "Anna", "Lind", honorific="Dr.", organisation="EU Delegation")
    person(db, event, "Bo", "Berg", organisation="Swedish Embassy")
    person(db, event, "Chai", "Wong")
    code = rules.ticket_code(anna)
    suffix = "js" if javascript else "nojs"
    page = new_page(javascript=javascript, viewport=viewport)

    # The registrar logs in and opens the desk from the event's tabs.
    page.goto(live_server + "/login")
    page.get_by_label("Email").fill(registrar.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server + "/manage/")
    page.goto(f"{live_server}/manage/events/{event.id}")
    page.get_by_role("link", name="Check-in").click()
    page.wait_for_url(re.compile(rf"/manage/events/{event.id}/checkin$"))
    expect(page.locator("#checked-in-count")).to_have_text("0")
    expect(page.locator("#expected-count")).to_have_text("3")
    expect(page.locator("#input-code")).to_be_focused()

    # The scanner types the code and Enter into the focused field.
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(page.locator("#result-head")).to_have_text("Checked in")
    expect(page.locator("#result-name")).to_have_text("Dr. Anna Lind")
    expect(page.locator("#result-organisation")).to_have_text("EU Delegation")
    expect(page.locator("#checked-in-count")).to_have_text("1")
    expect(page.locator("#input-code")).to_have_value("")
    expect(page.locator("#input-code")).to_be_focused()
    screenshot(page, f"checkin-scanned-{suffix}")

    # The same ticket again: a warning with the time and who, nothing counted twice.
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(page.locator("#result-head")).to_have_text("Already checked in")
    expect(page.locator("#result-warning")).to_have_text(
        re.compile(r"^Already checked in at \d{1,2}:\d{2}\s?[AP]M by Rita Registrar\.$")
    )
    expect(page.locator("#result-timezone")).to_have_text("Times in Asia/Bangkok (UTC+07:00)")
    expect(page.locator("#checked-in-count")).to_have_text("1")
    screenshot(page, f"checkin-already-{suffix}")

    # A second person found by name (either order) and checked in with the button.
    page.get_by_label("Name, organisation or email").fill("berg bo")
    if not javascript:
        page.get_by_role("button", name="Find").click()
    row = page.locator(".checkin-row")
    expect(row).to_have_count(1)
    expect(row.locator(".checkin-row-name")).to_have_text("Bo Berg")
    page.get_by_role("button", name="Check in Bo Berg").click()
    expect(page.locator("#result-name")).to_have_text("Bo Berg")
    expect(page.locator("#checked-in-count")).to_have_text("2")
    expect(row.locator(".checkin-row-when")).to_have_text(
        re.compile(r"^Checked in at .+ by Rita Registrar$")
    )
    screenshot(page, f"checkin-by-name-{suffix}")
    assert page.js_errors == []
