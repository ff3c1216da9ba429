"""An item's line-up end to end in a browser: an organiser finds people as they type, adds them
(placed by protocol precedence), drags one to the top, and moves one with the buttons; the
same without JavaScript through the plain forms."""

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from eventapp import people
from eventapp.models import Appearance
from tests.factories import PASSWORD, make_event, make_item, make_user, read_all

STARTS = datetime(2031, 3, 10, 2, 0, tzinfo=UTC)  # 09:00 in Bangkok


def _log_in(page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/manage/")


def _order(db, item) -> list[int]:
    rows = read_all(
        db, select(Appearance).where(Appearance.item_id == item.id).order_by(Appearance.position)
    )
    return [row.person_id for row in rows]


def _drag(page, source, target) -> None:
    """Drag `source` by its handle above `target`, in small steps as a hand would."""
    handle = source.locator(".drag-handle").bounding_box()
    goal = target.bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(goal["x"] + 20, goal["y"] + goal["height"] / 2, steps=20)
    page.mouse.move(goal["x"] + 20, goal["y"] + 2, steps=10)
    page.mouse.up()


def _names(page) -> list[str]:
    return page.locator("#lineup-list .lineup-name").all_inner_texts()


@pytest.fixture
def arranged(db):
    owner = make_user(db, name="Olivia Owner")
    event = make_event(db, starts_at=STARTS, owner=owner)
    item = make_item(db, event, "Opening session")
    book = {}
    for given, family, precedence in (("Russ", "Jalichandra", 10), ("David", "Daly", 20),
                                      ("Mali", "Moderator", 90)):  # fmt: skip
        person = people.add_person(
            db, event, actor=owner,
            details=people.PersonDetails(given_name=given, family_name=family),
        )  # fmt: skip
        people.ensure_speaker(db, event, person).precedence = precedence
        book[family] = person
    db.commit()
    return owner, event, item, book


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_an_organiser_builds_and_orders_a_lineup(db, live_server, new_page, arranged, javascript):
    owner, event, item, book = arranged
    page = new_page(javascript=javascript)
    _log_in(page, live_server, owner.email)
    page.goto(f"{live_server}/manage/events/{event.id}/agenda")
    page.locator(f"#people-item-{item.id}").click()

    adding = (("Moderator", "Moderator"), ("Jalichandra", "Chair"), ("Daly", "Speaker"))
    for count, (family, role) in enumerate(adding, start=1):
        search = page.get_by_label("Find in your team's book")
        search.fill("")
        search.press_sequentially(family.lower(), delay=20)  # as someone types
        if javascript:
            # The results follow the typing (htmx), without a button.
            expect(page.locator("#person-results li")).to_have_count(1)
        else:
            page.get_by_role("button", name="Search").click()
        page.locator(f"#person-{book[family].id}").check()
        page.get_by_label("Role").last.select_option(label=role)
        page.get_by_role("button", name="Add to the line-up").click()
        expect(page.locator("#lineup-list .lineup-name")).to_have_count(count)

    assert _names(page) == ["Russ Jalichandra", "David Daly", "Mali Moderator"]
    if javascript:
        _drag(page, page.locator("#lineup-list li").last, page.locator("#lineup-list li").first)
        expect(page.locator("#message")).to_have_text("Line-up reordered.")
        # Where exactly a drop lands is Sortable's affair; what counts is that the order
        # shown is the order saved, and the person dragged moved up.
        shown = _names(page)
        assert shown.index("Mali Moderator") < 2
        ids = {
            "Russ Jalichandra": "Jalichandra",
            "David Daly": "Daly",
            "Mali Moderator": "Moderator",
        }
        assert _order(db, item) == [book[ids[name]].id for name in shown]
    else:
        assert page.locator(".drag-handle").first.is_hidden()
    before = _names(page)
    page.get_by_role("button", name=re.compile(r"Down\s*: Russ Jalichandra")).click()
    after = before.index("Russ Jalichandra") + 1
    expect(page.locator("#lineup-list .lineup-name").nth(after)).to_have_text("Russ Jalichandra")
    assert page.js_errors == []
