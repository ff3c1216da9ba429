"""Every page at phone and desktop width, in English and Thai: nothing overflows sideways, no
script error, and a screenshot of each in screenshots/ for people to look at."""

import pytest
from sqlalchemy import select

from eventapp import people, registration, team
from eventapp.demo import DEMO_PASSWORD, FORUM_SLUG, SEMINAR_SLUG
from eventapp.demo import load as load_demo
from eventapp.models import AgendaItem, Event, Registration, Role, Speaker, User
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.factories import read

ANONYMOUS_PAGES = [
    "/",
    f"/events/{SEMINAR_SLUG}",
    f"/events/{SEMINAR_SLUG}/agenda",
    f"/events/{SEMINAR_SLUG}/agenda/changes",
    f"/events/{SEMINAR_SLUG}/sessions/{{item}}",
    f"/events/{SEMINAR_SLUG}/speakers",
    f"/events/{SEMINAR_SLUG}/speakers/{{person}}",
    f"/events/{SEMINAR_SLUG}/summaries",
    f"/events/{SEMINAR_SLUG}/report",
    f"/events/{FORUM_SLUG}/register",
    f"/events/{FORUM_SLUG}/register/lost-link",
    f"/events/{FORUM_SLUG}/participants",
    "/login",
    "/password-reset",
]
SECRET_LINKS = ("/speaker/", "/invitations/", "/registrations/")
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
    "/manage/events/{id}/agenda/items/{lineup_item}/people",
    "/manage/events/{id}/people",
    "/manage/events/{id}/people/new",
    "/manage/events/{id}/people/{person}",
    "/manage/events/{id}/people/{person}/edit",
    "/manage/events/{id}/team",
    "/manage/events/{id}/activity",
    "/manage/events/{forum}/registrations",
    "/manage/events/{forum}/registrations/{registration}",
    "/manage/events/{forum}/registrations/new",
    "/manage/events/{forum}/registration/settings",
    "/manage/events/{forum}/registration/questions",
    "/manage/events/{forum}/registration/invitations",
    "/manage/events/{id}/checkin",
    "/manage/events/{id}/notes",
    "/manage/events/{id}/notes/{item}",
    "/manage/events/{id}/notes/{item}/revisions",
    "/manage/events/{id}/report",
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
    # The Vice Minister, on the seminar's line-up; the panel with three people on it; and the
    # own page of a speaker of the forum whose invitation is pending.
    lineups = people.lineups(db, event)
    lineup_item = max(lineups, key=lambda item: len(lineups[item]))
    person_id = min(
        (entry for entries in lineups.values() for entry in entries),
        key=lambda entry: entry.speaker.precedence,
    ).person.id
    forum = db.scalar(select(Event).where(Event.slug == FORUM_SLUG))
    pending = db.scalar(
        select(Speaker).where(Speaker.event_id == forum.id, Speaker.token_hash.is_not(None))
    )
    attendee = db.scalar(
        select(Registration)
        .where(Registration.event_id == forum.id, Registration.status == "confirmed")
        .order_by(Registration.id)
        .limit(1)
    )
    ids = {
        "item": item_id,
        "lineup_item": lineup_item,
        "person": person_id,
        "forum": forum.id,
        "registration": attendee.id,
    }
    speaker_token = people.link_token(pending)
    attendee_token = registration.link_token(attendee)
    db.commit()  # ends the read: on SQLite an open write session would block the server
    return event, ids, invitation_token, speaker_token, attendee_token


def _shoot_all(page, base: str, paths: list[str], label: str) -> dict[str, int]:
    overflow = {}
    for path in paths:
        response = page.goto(base + path)
        assert response is not None
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > page.viewport_size["width"]:
            overflow[path] = width
        name = path.strip("/").replace("/", "-") or "home"
        if path.startswith(SECRET_LINKS):  # not the secret in a file name
            parts = path.strip("/").split("/")
            name = "-".join([parts[0], *parts[2:]])
        screenshot(page, f"gallery-{label}-{name}")
    return overflow


@pytest.mark.parametrize("locale", ["en-GB", "th-TH"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_every_page_fits_the_screen(demo, live_server, new_page, viewport, locale):
    event, ids, invitation_token, speaker_token, attendee_token = demo
    label = f"{'phone' if viewport is PHONE else 'desktop'}-{locale[:2]}"
    visitor = new_page(viewport=viewport, locale=locale)
    organiser = new_page(viewport=viewport, locale=locale)

    anonymous = [path.format(**ids) for path in ANONYMOUS_PAGES]
    links = [
        f"/invitations/{invitation_token}",
        f"/speaker/{speaker_token}",
        f"/registrations/{attendee_token}",
        f"/registrations/{attendee_token}/ticket",
        f"/registrations/{attendee_token}/cancel",
    ]
    overflow = _shoot_all(visitor, live_server, [*anonymous, *links], label)
    organiser.goto(live_server + "/login")
    organiser.locator("#input-email").fill("admin@example.org")
    organiser.locator("#input-password").fill(DEMO_PASSWORD)
    organiser.locator("#login-form button[type=submit]").click()
    organiser.wait_for_url(live_server + "/manage/")
    paths = [path.format(id=event.id, **ids) for path in ORGANISER_PAGES]
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
