"""The public summaries page: published text only, in agenda order, with time, room and line-up."""

import pytest

from eventapp import notes
from eventapp.models import EventStatus, Role
from eventapp.routes import public_summaries
from tests.factories import (
    add_member,
    log_in,
    make_event,
    make_item,
    make_room,
    make_user,
    page,
    release_agenda,
)

PAYLOADS = "\n\n".join(
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
        '<p style="color:red">styled</p>',
        "[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](jav&#x61;script:alert(1))",
        "[d](&#106;avascript:alert(1)) [e](java\\script:alert(1))",
        "[f](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![g](data:image/svg+xml,<svg onload=alert(1)>)",
        '<a hx-get="/x" hx-trigger="load" href="/y">htmx</a>',
        '<div hx-post="/manage" hx-swap="outerHTML">x</div>',
    ]
)


@pytest.fixture
def app(app):
    """The lead registers the router in app.py; until then the tests add it."""
    if not any(getattr(route, "name", None) == "show_summaries" for route in app.routes):
        app.include_router(public_summaries.router)
    return app


@pytest.fixture
def owner(db):
    return make_user(db, "owner@example.org", name="Owner")


@pytest.fixture
def event(db, owner):
    return make_event(db, owner=owner, slug="seminar", languages="en,th")


def publish_note(db, event, item, owner, sections, action_items=()):
    """A note written, submitted, approved and published through the rules."""
    note = notes.note_for(db, event, item)
    notes.save(
        db,
        event,
        note,
        actor=owner,
        sections=sections,
        action_items=list(action_items),
        expected_version=note.version,
    )
    notes.submit(db, event, note, actor=owner)
    notes.approve(db, event, note, actor=owner)
    notes.publish(db, event, note, actor=owner)
    db.commit()
    return note


def draft_text(db, event, note, owner, text):
    notes.save(
        db,
        event,
        note,
        actor=owner,
        sections={"summary": text},
        action_items=[],
        expected_version=note.version,
    )
    db.commit()


def harmless(soup) -> list[str]:
    """What a payload left behind: dangerous elements and attributes (empty when harmless)."""
    found = [tag.name for tag in soup.find_all(["script", "iframe", "object", "embed", "svg"])]
    for tag in soup.find_all(True):
        for name, value in tag.attrs.items():
            text = " ".join(value) if isinstance(value, list) else str(value)
            if name.startswith("on") or name.startswith("hx-") or name.startswith("data-hx"):
                found.append(f"{tag.name}[{name}]")
            if name == "style":
                found.append(f"{tag.name}[style]")
            if name in ("href", "src", "action", "formaction"):
                scheme = "".join(text.split()).lower()
                if scheme.startswith(("javascript:", "data:", "vbscript:")):
                    found.append(f"{tag.name}[{name}]={text}")
    return found


def test_summaries_show_published_text_in_agenda_order(client, db, event, owner):
    hall = make_room(db, event, "Hall A")
    late = make_item(db, event, "Closing panel", at="15:00", room=hall)
    early = make_item(db, event, "Opening panel", at="09:00", minutes=60)
    release_agenda(db, event, owner)
    publish_note(
        db,
        event,
        late,
        owner,
        {"summary": "Late **summary**.", "recommendations": "Share data."},
        [{"what": "Draft a MoU", "who": "Ministry", "by": "2030-01-31"}],
    )
    note = publish_note(db, event, early, owner, {"summary": "Early summary."})
    draft_text(db, event, note, owner, "SECRET draft words")

    soup = page(client.get("/events/seminar/summaries"))

    titles = [h.get_text(strip=True) for h in soup.select("h2.summary-title")]
    assert titles == ["Opening panel", "Closing panel"]
    assert soup.select_one(f"#summary-{early.id}-summary .prose").get_text(strip=True) == (
        "Early summary."
    )
    late_section = soup.select_one(f"#summary-{late.id}-summary .prose")
    assert late_section.select_one("strong").get_text() == "summary"
    assert soup.select_one(f"#summary-{late.id} h3").get_text() == "Summary"
    assert soup.select_one(f"#summary-{late.id} .summary-room").get_text() == "Hall A"
    assert soup.select_one(f"#summary-{early.id} .summary-room").get_text() == "All rooms"
    assert (
        soup.select_one(f"#summary-{early.id} .when-time").get_text()
        == "9:00\u202fAM–10:00\u202fAM"
    )
    assert soup.select_one("#summaries-timezone").get_text() == "Times in Asia/Bangkok (UTC+07:00)"
    rows = [
        [td.get_text() for td in tr.select("td")]
        for tr in soup.select(f"#summary-{late.id} .action-table tbody tr")
    ]
    assert rows == [["Draft a MoU", "Ministry", "2030-01-31"]]
    assert "SECRET" not in soup.get_text()


def test_the_line_up_is_shown(client, db, event, owner):
    from eventapp.models import Appearance, AppearanceRole, AppearanceStatus, Person, Speaker

    item = make_item(db, event, "Panel", at="10:00")
    person = Person(team_id=event.team_id, given_name="Ada", family_name="Lovelace")
    db.add(person)
    db.flush()
    db.add(Speaker(event_id=event.id, person_id=person.id))
    db.add(
        Appearance(
            event_id=event.id,
            item_id=item.id,
            person_id=person.id,
            role=AppearanceRole.MODERATOR,
            status=AppearanceStatus.CONFIRMED,
        )
    )
    db.commit()
    release_agenda(db, event, owner)
    publish_note(db, event, item, owner, {"summary": "Said things."})

    soup = page(client.get("/events/seminar/summaries"))

    lines = [li.get_text() for li in soup.select(f"#summary-{item.id} .summary-lineup li")]
    assert lines == ["Moderator: Ada Lovelace"]


def test_nothing_published_shows_the_empty_state(client, db, event, owner):
    item = make_item(db, event, "Panel", at="10:00")
    release_agenda(db, event, owner)
    note = notes.note_for(db, event, item)
    draft_text(db, event, note, owner, "Unpublished words")

    soup = page(client.get("/events/seminar/summaries"))

    assert soup.select("section.summary") == []
    assert soup.select_one("#summaries-empty").get_text() == (
        "No session summaries have been published yet."
    )
    assert "Unpublished" not in soup.get_text()


def test_unpublished_summary_disappears(client, db, event, owner):
    item = make_item(db, event, "Panel", at="10:00")
    release_agenda(db, event, owner)
    note = publish_note(db, event, item, owner, {"summary": "Gone soon."})
    notes.unpublish(db, event, note, actor=owner)
    db.commit()

    soup = page(client.get("/events/seminar/summaries"))

    assert soup.select("section.summary") == []


@pytest.mark.parametrize("status", [EventStatus.DRAFT])
def test_a_draft_event_has_no_summaries_page(client, db, owner, status):
    make_event(db, owner=owner, slug="hidden", status=status)
    assert client.get("/events/hidden/summaries").status_code == 404
    log_in(client, owner)
    assert client.get("/events/hidden/summaries").status_code == 404
    assert client.get("/events/nowhere/summaries").status_code == 404


def test_bad_input_is_harmless_on_the_summaries_page(client, db, event, owner):
    item = make_item(db, event, "Panel", at="10:00")
    release_agenda(db, event, owner)
    publish_note(
        db,
        event,
        item,
        owner,
        {"summary": PAYLOADS, "recommendations": PAYLOADS, "key_points": PAYLOADS},
        [{"what": "<script>alert(1)</script>", "who": "<img src=x onerror=alert(1)>"}],
    )

    soup = page(client.get("/events/seminar/summaries"))

    assert harmless(soup.select_one("main")) == []
    assert soup.select_one(f"#summary-{item.id} .action-table td").get_text() == (
        "<script>alert(1)</script>"
    )


@pytest.mark.parametrize("path", ["summaries", "report", "report.md", "report.pdf"])
def test_the_public_cache_keeps_them_until_what_is_published_changes(
    app, client, db, event, owner, path
):
    item = make_item(db, event, "Panel", at="10:00")
    release_agenda(db, event, owner)
    note = publish_note(db, event, item, owner, {"summary": "Published words."})
    first = client.get(f"/events/seminar/{path}")
    draft_text(db, event, note, owner, "Draft words")
    second = client.get(f"/events/seminar/{path}")
    hits = app.state.page_cache.hits

    notes.unpublish(db, event, note, actor=owner)
    db.commit()
    third = client.get(f"/events/seminar/{path}")

    assert [first.status_code, second.status_code, third.status_code] == [200, 200, 200]
    assert second.content == first.content
    assert (hits, app.state.page_cache.hits) == (1, 1)
    assert third.content != first.content
    if path != "report.pdf":
        assert ("Published words." in first.text, "Published words." in third.text) == (True, False)


def test_query_count_does_not_grow_with_summaries(client, db, event, owner, count_queries):
    log_in(client, make_user(db))
    rapporteur = make_user(db)
    add_member(db, event, rapporteur, Role.RAPPORTEUR)
    items = [make_item(db, event, f"Item {n}", at=f"{8 + n:02d}:00") for n in range(10)]
    release_agenda(db, event, owner)
    publish_note(db, event, items[0], owner, {"summary": "One."}, [{"what": "Act"}])
    with count_queries() as one:
        client.get("/events/seminar/summaries")
    for item in items[1:]:
        publish_note(db, event, item, owner, {"summary": "More."}, [{"what": "Act"}])

    with count_queries() as ten:
        response = client.get("/events/seminar/summaries")

    assert len(page(response).select("section.summary")) == 10
    assert len(ten) == len(one)


def test_session_summary_is_built_for_the_session_page(db, event, owner):
    """What show_session passes as `summary` (the lead wires it in public_agenda)."""
    from eventapp import agenda
    from eventapp.agenda import Programme
    from eventapp.exports import report as report_export

    item = make_item(db, event, "Panel", at="10:00")
    other = make_item(db, event, "Other", at="11:00")
    release_agenda(db, event, owner)
    note = publish_note(db, event, item, owner, {"summary": "Public words."}, [{"what": "Act"}])
    draft_text(db, event, note, owner, "SECRET draft words")
    latest = agenda.latest_release(db, event)
    programme = Programme.from_snapshot(event, latest.snapshot, number=latest.number)

    found = report_export.session_summary(db, event, programme.item(item.id), language="en")

    assert [(s.label, s.text) for s in found.sections] == [("Summary", "Public words.")]
    assert found.action_items == [{"what": "Act", "who": "", "by": ""}]
    assert report_export.session_summary(db, event, programme.item(other.id), language="en") is None


def test_the_event_page_links_summaries_and_report_once_one_is_published(client, db, event, owner):
    item = make_item(db, event, "Panel", at="10:00")
    release_agenda(db, event, owner)
    before = page(client.get("/events/seminar"))
    publish_note(db, event, item, owner, {"summary": "Agreed to meet again."})

    after = page(client.get("/events/seminar"))

    assert [before.select_one("#summaries-link"), before.select_one("#report-link")] == [None, None]
    assert [
        after.select_one("#summaries-link")["href"],
        after.select_one("#report-link")["href"],
    ] == [
        "/events/seminar/summaries",
        "/events/seminar/report",
    ]
