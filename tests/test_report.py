"""The outcome report: page, Markdown export and PDF."""

import io

import pytest
from markdown_it import MarkdownIt

from eventapp.exports import report as report_export
from eventapp.models import (
    Appearance,
    AppearanceRole,
    AppearanceStatus,
    EventStatus,
    Person,
    Speaker,
)
from eventapp.routes import public_summaries
from tests.factories import (
    add_host,
    log_in,
    make_event,
    make_item,
    make_room,
    make_user,
    page,
    release_agenda,
)
from tests.test_summaries_pages import PAYLOADS, draft_text, harmless, publish_note

pypdf = pytest.importorskip("pypdf")


@pytest.fixture
def app(app):
    if not any(getattr(route, "name", None) == "show_report" for route in app.routes):
        app.include_router(public_summaries.router)
    return app


@pytest.fixture
def owner(db):
    return make_user(db, "owner@example.org", name="Owner")


@pytest.fixture
def event(db, owner):
    event = make_event(
        db,
        owner=owner,
        slug="seminar",
        languages="en,th",
        title="สัมมนาเรื่องการหลอกลวงออนไลน์",
        venue_name="UN Conference Centre",
        report_foreword="The **foreword**.",
        report_conclusions="The conclusions.",
    )
    add_host(db, event, "Ministry of Foreign Affairs", position=0)
    add_host(db, event, "Embassy", position=1)
    return event


@pytest.fixture
def published(db, event, owner):
    hall = make_room(db, event, "Hall A")
    first = make_item(db, event, "Opening session", at="09:00")
    second = make_item(db, event, "Panel on scam centres", at="10:00", room=hall)
    make_item(db, event, "Lunch", at="12:00")
    release_agenda(db, event, owner)
    publish_note(
        db,
        event,
        second,
        owner,
        {"summary": "Scam centres grew.", "recommendations": "Share intelligence."},
        [{"what": "Set up a hotline", "who": "Police", "by": "2030-06-30"}],
    )
    note = publish_note(
        db,
        event,
        first,
        owner,
        {"summary": "Welcome words.", "recommendations": "Cooperate."},
        [{"what": "Report back", "who": "Co-hosts"}],
    )
    draft_text(db, event, note, owner, "SECRET draft words")
    return first, second


def test_report_page_gathers_everything(client, db, event, published):
    soup = page(client.get("/events/seminar/report"))

    assert soup.select_one("#report-title").get_text() == "สัมมนาเรื่องการหลอกลวงออนไลน์"
    assert [li.get_text() for li in soup.select("#report-hosts li")] == [
        "Ministry of Foreign Affairs",
        "Embassy",
    ]
    assert soup.select_one("#report-where").get_text() == "UN Conference Centre"
    assert soup.select_one("#report-foreword strong").get_text() == "foreword"
    assert soup.select_one("#report-conclusions .prose").get_text(strip=True) == (
        "The conclusions."
    )
    agenda = [a.get_text() for a in soup.select(".report-agenda li > a")]
    assert agenda == ["Opening session", "Panel on scam centres", "Lunch"]
    summaries = [h.get_text(strip=True) for h in soup.select("#report-summaries .summary-title")]
    assert summaries == ["Opening session", "Panel on scam centres"]
    recommendations = [
        (div.select_one("h3").get_text(), div.select_one(".prose").get_text(strip=True))
        for div in soup.select("#report-recommendations .report-outcome")
    ]
    assert recommendations == [
        ("Opening session", "Cooperate."),
        ("Panel on scam centres", "Share intelligence."),
    ]
    rows = [
        [td.get_text() for td in tr.select("td")]
        for tr in soup.select("#report-action-table tbody tr")
    ]
    assert rows == [
        ["Report back", "Co-hosts", "", "Opening session"],
        ["Set up a hotline", "Police", "2030-06-30", "Panel on scam centres"],
    ]
    assert "SECRET" not in soup.get_text()
    assert soup.select_one("#report-pdf")["href"] == "/events/seminar/report.pdf"
    assert soup.select_one("#report-md")["href"] == "/events/seminar/report.md"


def test_a_draft_event_has_no_report(client, db, owner):
    make_event(db, owner=owner, slug="hidden", status=EventStatus.DRAFT)
    log_in(client, owner)
    for path in ("report", "report.md", "report.pdf"):
        assert client.get(f"/events/hidden/{path}").status_code == 404


def test_report_markdown(client, db, event, published):
    response = client.get("/events/seminar/report.md")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/markdown; charset=utf-8"
    assert response.headers["content-disposition"].startswith("attachment;")
    lines = response.text.splitlines()
    headings = [line for line in lines if line.startswith("#")]
    assert headings == [
        "# สัมมนาเรื่องการหลอกลวงออนไลน์",
        "## Foreword",
        "## Agenda",
        "## Session summaries",
        "### Opening session",
        "#### Summary",
        "#### Recommendations",
        "#### Action items",
        "### Panel on scam centres",
        "#### Summary",
        "#### Recommendations",
        "#### Action items",
        "## Recommendations",
        "### Opening session",
        "### Panel on scam centres",
        "## Action items",
        "## Conclusions",
    ]
    assert "| Set up a hotline | Police | 2030-06-30 | Panel on scam centres |" in lines
    assert "SECRET" not in response.text


def test_report_pdf(client, db, event, published):
    response = client.get("/events/seminar/report.pdf")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    text = "\n".join(p.extract_text() for p in reader.pages)
    words = " ".join(text.split())
    assert "Panel on scam centres" in words
    assert "Scam centres grew." in words
    assert "สัมมนาเรื่องการหลอกลวงออนไลน์" in words.replace("\u0e4d\u0e32", "\u0e33")
    assert "SECRET" not in text
    assert len(reader.pages) >= 4  # title, contents, then the report


def test_bad_input_is_harmless_in_the_report(client, db, owner):
    from bs4 import BeautifulSoup

    event = make_event(
        db, owner=owner, slug="bad", report_foreword=PAYLOADS, report_conclusions=PAYLOADS
    )
    item = make_item(db, event, "<script>alert(1)</script>", at="10:00")
    release_agenda(db, event, owner)
    publish_note(
        db,
        event,
        item,
        owner,
        {"summary": PAYLOADS, "recommendations": PAYLOADS},
        [{"what": "<iframe srcdoc=x>", "who": "<img src=x onerror=alert(1)>"}],
    )

    soup = page(client.get("/events/bad/report"))
    assert harmless(soup.select_one("main")) == []

    gathered = report_export.gather(db, event, language="en")
    html = report_export.report_html(gathered, [], language="en")
    assert harmless(BeautifulSoup(html, "html.parser")) == []

    markdown = client.get("/events/bad/report.md").text
    # Even a viewer that renders raw HTML and any link gets nothing dangerous from it.
    rendered = MarkdownIt("commonmark", {"html": True}).enable("table")
    rendered.validateLink = lambda url: True
    assert harmless(BeautifulSoup(rendered.render(markdown), "html.parser")) == []

    assert client.get("/events/bad/report.pdf").content.startswith(b"%PDF")


def test_defuse_markdown_keeps_ordinary_text():
    text = "a < b & c, see [site](https://example.org) and > quote"
    assert report_export.defuse_markdown(text) == (
        "a &lt; b &amp; c, see [site](https://example.org) and > quote"
    )
    assert report_export.defuse_markdown("[x](JavaScript:alert(1))") == "[x](JavaScript :alert(1))"


@pytest.mark.parametrize("path", ["report", "report.md", "report.pdf"])
def test_query_count_does_not_grow_with_summaries(client, db, event, owner, count_queries, path):
    items = [make_item(db, event, f"Item {n}", at=f"{8 + n:02d}:00") for n in range(10)]
    person = Person(team_id=event.team_id, given_name="Ada", family_name="Lovelace")
    db.add(person)
    db.flush()
    db.add(Speaker(event_id=event.id, person_id=person.id))
    for item in items:
        db.add(
            Appearance(
                event_id=event.id, item_id=item.id, person_id=person.id,
                role=AppearanceRole.SPEAKER, status=AppearanceStatus.CONFIRMED,
            )
        )  # fmt: skip
    db.commit()
    release_agenda(db, event, owner)
    publish_note(db, event, items[0], owner, {"summary": "One."}, [{"what": "Act"}])
    with count_queries() as one:
        assert client.get(f"/events/seminar/{path}").status_code == 200
    for item in items[1:]:
        publish_note(db, event, item, owner, {"summary": "More."}, [{"what": "Act"}])

    with count_queries() as ten:
        response = client.get(f"/events/seminar/{path}")

    assert response.status_code == 200
    assert len(ten) == len(one)
