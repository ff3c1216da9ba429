"""Every page at phone and desktop width, in English and Thai: nothing overflows sideways, no
script error, and a screenshot of each in screenshots/ for people to look at."""

import pytest
from sqlalchemy import select

from eventapp import team
from eventapp.demo import DEMO_PASSWORD, SEMINAR_SLUG
from eventapp.demo import load as load_demo
from eventapp.models import AgendaItem, Event, Role, User
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.factories import read

ANONYMOUS_PAGES = [
    "/",
    f"/events/{SEMINAR_SLUG}",
    f"/events/{SEMINAR_SLUG}/agenda",
    f"/events/{SEMINAR_SLUG}/agenda/changes",
    f"/events/{SEMINAR_SLUG}/sessions/{{item}}",
    "/login",
    "/password-reset",
]
ORGANISER_PAGES = [
    "/manage/",
    "/manage/events/new",
    "/manage/events/{id}/",
    "/manage/events/{id}/edit",
    "/manage/events/{id}/hosts",
    "/manage/events/{id}/hosts/new",
    "/manage/events/{id}/agenda",
    "/manage/events/{id}/agenda/rooms",
    "/manage/events/{id}/agenda/release",
    "/manage/events/{id}/agenda/preview",
    "/manage/events/{id}/agenda/items/{item}/edit",
    "/manage/events/{id}/team",
    "/manage/events/{id}/activity",
    "/account",
    "/admin/",
    "/admin/outbox",
    "/admin/users",
]


@pytest.fixture
def demo(db):
    load_demo(db)
    db.commit()
    event = db.scalar(select(Event).where(Event.slug == SEMINAR_SLUG))
    admin = db.scalar(select(User).where(User.is_admin.is_(True)))
    _invitation, invitation_token = team.invite(
        db, event, email="guest@example.org", role=Role.VIEWER, invited_by=admin
    )
    db.commit()
    # The first item of the seminar's programme: the demo releases it, so it has a public page.
    item_id = read(
        db,
        select(AgendaItem.id)
        .where(AgendaItem.event_id == event.id)
        .order_by(AgendaItem.starts_at)
        .limit(1),
    )
    return event, item_id, invitation_token


def _shoot_all(page, base: str, paths: list[str], label: str) -> dict[str, int]:
    overflow = {}
    for path in paths:
        response = page.goto(base + path)
        assert response is not None
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > page.viewport_size["width"]:
            overflow[path] = width
        name = path.strip("/").replace("/", "-") or "home"
        screenshot(page, f"gallery-{label}-{name}")
    return overflow


@pytest.mark.parametrize("locale", ["en-GB", "th-TH"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_every_page_fits_the_screen(demo, live_server, new_page, viewport, locale):
    event, item_id, invitation_token = demo
    label = f"{'phone' if viewport is PHONE else 'desktop'}-{locale[:2]}"
    visitor = new_page(viewport=viewport, locale=locale)
    organiser = new_page(viewport=viewport, locale=locale)

    anonymous = [path.format(item=item_id) for path in ANONYMOUS_PAGES]
    overflow = _shoot_all(
        visitor, live_server, [*anonymous, f"/invitations/{invitation_token}"], label
    )
    organiser.goto(live_server + "/login")
    organiser.locator("#input-email").fill("admin@example.org")
    organiser.locator("#input-password").fill(DEMO_PASSWORD)
    organiser.locator("#login-form button[type=submit]").click()
    organiser.wait_for_url(live_server + "/manage/")
    paths = [path.format(id=event.id, item=item_id) for path in ORGANISER_PAGES]
    overflow |= _shoot_all(organiser, live_server, paths, label)

    not_found = visitor.goto(live_server + "/events/no-such-event")
    if visitor.evaluate("document.documentElement.scrollWidth") > viewport["width"]:
        overflow["/events/no-such-event"] = True
    screenshot(visitor, f"gallery-{label}-not-found")
    visitor.js_errors.remove(
        "Failed to load resource: the server responded with a status of 404 (Not Found)"
    )

    assert not_found.status == 404
    assert overflow == {}
    assert visitor.js_errors == organiser.js_errors == []
