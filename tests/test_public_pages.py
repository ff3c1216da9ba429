"""Public pages: the list of events and an event's page, with its co-hosts, its times in its
own timezone, and its schema.org JSON-LD."""

import io
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from PIL import Image

from eventapp import uploads
from eventapp.models import EventStatus, Role, Visibility, utcnow
from tests.factories import add_host, add_member, log_in, make_event, make_user, page


def image_bytes(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (90, 60), (0, 51, 153)).save(out, kind)
    return out.getvalue()


def card_titles(soup, section: str) -> list[str]:
    return [h.get_text(strip=True) for h in soup.select(f"#{section} .event-card h3")]


def jsonld(response) -> dict:
    scripts = page(response).select('script[type="application/ld+json"]')
    assert len(scripts) == 1
    return json.loads(scripts[0].string)


@pytest.fixture
def seminar(db):
    """The seminar of 8 August 2030, 09:00–17:00 in Bangkok, with two co-hosts."""
    event = make_event(
        db,
        title="EU–Thailand Seminar on Combating Online Scams",
        slug="eu-thailand-online-scams",
        starts_at=datetime(2030, 8, 8, 2, 0, tzinfo=UTC),
        timezone="Asia/Bangkok",
        venue_name="Ministry of Foreign Affairs",
        venue_address="443 Sri Ayudhya Road\nBangkok 10400",
        description="Experts **exchange views**.\n\n<script>alert(1)</script>",
        languages="en,th",
    )
    logo = uploads.store_image(db, uploads.check_image(image_bytes("PNG")))
    add_host(db, event, "Ministry of Foreign Affairs of the Kingdom of Thailand", position=0,
             short_name="MFA", website="https://www.mfa.go.th/", logo_id=logo.id)  # fmt: skip
    add_host(db, event, "Delegation of the European Union to Thailand", position=1)
    return event


# The list ------------------------------------------------------------------------------------


def test_front_page_lists_upcoming_soonest_first_then_recent(client, db):
    now = utcnow()
    make_event(db, title="In two months", starts_at=now + timedelta(days=60))
    make_event(db, title="Next week", starts_at=now + timedelta(days=7))
    make_event(db, title="Last month", starts_at=now - timedelta(days=30))
    make_event(db, title="Last year", starts_at=now - timedelta(days=365))
    make_event(db, title="Draft", starts_at=now + timedelta(days=3), status=EventStatus.DRAFT)
    make_event(
        db, title="Unlisted", starts_at=now + timedelta(days=3), visibility=Visibility.UNLISTED
    )

    soup = page(client.get("/"))

    assert card_titles(soup, "upcoming") == ["Next week", "In two months"]
    assert card_titles(soup, "past") == ["Last month", "Last year"]


def test_front_page_shows_a_running_event_as_upcoming(client, db):
    make_event(db, title="Running", starts_at=utcnow() - timedelta(hours=2), days=2)

    soup = page(client.get("/"))

    assert card_titles(soup, "upcoming") == ["Running"]


def test_front_page_marks_cancelled_events(client, db):
    make_event(db, title="Called off", status=EventStatus.CANCELLED)

    card = page(client.get("/")).select_one("#upcoming .event-card")

    assert card.select_one(".badge-cancelled").get_text() == "Cancelled"


def test_front_page_names_each_events_co_hosts_in_order(client, db, seminar):
    soup = page(client.get("/"))

    hosts = [h.get_text() for h in soup.select(f"#event-{seminar.id} .event-host")]
    assert hosts == [
        "Ministry of Foreign Affairs of the Kingdom of Thailand",
        "Delegation of the European Union to Thailand",
    ]


def test_front_page_query_count_does_not_grow_with_events(client, db, count_queries):
    def add_event(n):
        event = make_event(db, title=f"Event {n}", starts_at=utcnow() + timedelta(days=n + 1))
        logo = uploads.store_image(db, uploads.check_image(image_bytes("PNG")))
        add_host(db, event, f"Host {n}", logo_id=logo.id)

    add_event(0)
    with count_queries() as one:
        client.get("/")
    for n in range(1, 50):
        add_event(n)

    with count_queries() as fifty:
        response = client.get("/")

    assert len(page(response).select("#upcoming .event-card")) == 50
    assert len(fifty) == len(one)


# An event's page -----------------------------------------------------------------------------


def test_event_page_shows_co_hosts_with_equal_prominence_in_order(client, seminar):
    soup = page(client.get(f"/events/{seminar.slug}"))

    hosts = soup.select('ul[aria-label="Co-hosts"] > li')
    assert [li.get_text(strip=True) for li in hosts] == [
        "Ministry of Foreign Affairs of the Kingdom of Thailand",
        "Delegation of the European Union to Thailand",
    ]
    assert {li["class"][0] for li in hosts} == {"cohost"}
    assert hosts[0].select_one("a")["href"] == "https://www.mfa.go.th/"
    assert hosts[0].select_one("img")["src"].startswith("/media/")


def test_event_page_shows_times_in_the_events_timezone_labelled(client, seminar):
    soup = page(client.get(f"/events/{seminar.slug}"))

    when = soup.select_one("#event-when")
    assert when.select_one(".when-date").get_text() == "Thursday, August 8, 2030"
    assert [t["datetime"] for t in when.select("time")] == [
        "2030-08-08T09:00:00+07:00",
        "2030-08-08T17:00:00+07:00",
    ]
    assert [t.get_text() for t in when.select("time")] == ["9:00\u202fAM", "5:00\u202fPM"]
    assert soup.select_one("#event-timezone").get_text() == "Times in Asia/Bangkok (UTC+07:00)"


def test_event_page_spans_days_with_both_dates(client, db):
    event = make_event(
        db, starts_at=datetime(2030, 1, 6, 2, 0, tzinfo=UTC), days=2, timezone="Asia/Bangkok"
    )

    soup = page(client.get(f"/events/{event.slug}"))

    dates = [t.get_text() for t in soup.select("#event-when time")]
    assert dates == [
        "Sunday, January 6, 2030, 9:00\u202fAM",
        "Monday, January 7, 2030, 5:00\u202fPM",
    ]


def test_event_page_shows_venue_languages_and_sanitised_description(client, seminar):
    soup = page(client.get(f"/events/{seminar.slug}"))

    assert soup.select_one("#event-where .venue-name").get_text() == "Ministry of Foreign Affairs"
    assert soup.select_one("#event-where .address").get_text() == (
        "443 Sri Ayudhya Road\nBangkok 10400"
    )
    assert [s.get_text() for s in soup.select("#event-languages span")] == ["English", "ไทย"]
    description = soup.select_one("#event-description")
    assert description.select_one("strong").get_text() == "exchange views"
    assert description.select("script") == []
    assert description.select("p")[-1].get_text() == "<script>alert(1)</script>"


def test_event_page_carries_schema_org_json_ld(client, seminar):
    data = jsonld(client.get(f"/events/{seminar.slug}"))

    assert data["@type"] == "Event"
    assert data["name"] == "EU–Thailand Seminar on Combating Online Scams"
    assert data["url"] == "http://testserver/events/eu-thailand-online-scams"
    assert (data["startDate"], data["endDate"]) == (
        "2030-08-08T09:00:00+07:00",
        "2030-08-08T17:00:00+07:00",
    )
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["location"] == {
        "@type": "Place",
        "name": "Ministry of Foreign Affairs",
        "address": {
            "@type": "PostalAddress",
            "streetAddress": "443 Sri Ayudhya Road\nBangkok 10400",
        },
    }
    assert [(o["@type"], o["name"]) for o in data["organizer"]] == [
        ("Organization", "Ministry of Foreign Affairs of the Kingdom of Thailand"),
        ("Organization", "Delegation of the European Union to Thailand"),
    ]
    assert data["organizer"][0]["url"] == "https://www.mfa.go.th/"
    assert data["organizer"][0]["logo"].startswith("http://testserver/media/")


def test_a_title_cannot_break_out_of_the_json_ld_script(client, db):
    title = "</script><script>alert(1)</script><!--"
    event = make_event(db, title=title)

    response = client.get(f"/events/{event.slug}")

    soup = page(response)
    assert jsonld(response)["name"] == title
    assert [s.get("type") for s in soup.select("script")] == [None, "application/ld+json"]
    assert soup.select_one("h1").get_text() == title


def test_cancelled_event_shows_a_notice_and_event_cancelled(client, db):
    event = make_event(db, status=EventStatus.CANCELLED)

    response = client.get(f"/events/{event.slug}")

    assert page(response).select_one("#cancelled-notice strong").get_text() == (
        "This event has been cancelled."
    )
    assert jsonld(response)["eventStatus"] == "https://schema.org/EventCancelled"


def test_an_unlisted_event_has_a_page_that_search_engines_skip(client, db):
    event = make_event(db, visibility=Visibility.UNLISTED)

    soup = page(client.get(f"/events/{event.slug}"))

    assert soup.select_one('meta[name="robots"]')["content"] == "noindex"


def test_a_thai_slug_works_in_the_address(client, db):
    event = make_event(db, title="สัมมนา", slug="สัมมนา-ไทย-2030")

    encoded = quote(event.slug)

    response = client.get(f"/events/{encoded}")

    assert page(response).select_one("h1").get_text() == "สัมมนา"
    assert jsonld(response)["url"] == f"http://testserver/events/{encoded}"
    assert encoded.startswith("%E0%B8%AA%E0%B8%B1")


# Drafts --------------------------------------------------------------------------------------


@pytest.fixture
def draft(db):
    owner = make_user(db)
    return make_event(db, title="Not yet", status=EventStatus.DRAFT, owner=owner)


def test_a_draft_answers_404_to_anonymous_visitors(client, draft):
    response = client.get(f"/events/{draft.slug}")

    assert response.status_code == 404


def test_a_draft_answers_404_to_people_outside_its_team(client, db, draft):
    log_in(client, make_user(db))

    response = client.get(f"/events/{draft.slug}")

    assert response.status_code == 404


@pytest.mark.parametrize("role", [Role.OWNER, Role.ORGANISER, Role.VIEWER])
def test_a_draft_is_shown_to_its_team_marked_as_a_draft(client, db, draft, role):
    member = make_user(db)
    add_member(db, draft, member, role)
    log_in(client, member)

    soup = page(client.get(f"/events/{draft.slug}"))

    assert soup.select_one("h1").get_text() == "Not yet"
    assert soup.select_one("#draft-notice").get_text() == (
        "Draft: only the event's team can see this page."
    )
    assert soup.select_one('meta[name="robots"]')["content"] == "noindex"


def test_an_unknown_slug_answers_404(client, db):
    response = client.get("/events/no-such-event")

    assert response.status_code == 404


def test_the_event_page_links_to_its_agenda_and_speakers(client, db):
    make_event(db, slug="eu-thailand-seminar")

    soup = page(client.get("/events/eu-thailand-seminar"))

    links = [soup.select_one("#agenda-link"), soup.select_one("#speakers-link")]
    assert [(link.get_text(), link["href"]) for link in links] == [
        ("Agenda", "/events/eu-thailand-seminar/agenda"),
        ("Speakers", "/events/eu-thailand-seminar/speakers"),
    ]
