"""The public agenda: the programme by day from the latest release only, one session, the
changes and their Atom feed, the newer-version notice, and the organisers' draft preview."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from bs4 import BeautifulSoup
from lxml import etree

from eventapp import agenda
from eventapp.models import AgendaItem, EventStatus, ItemKind, Role, Room
from eventapp.routes import public_agenda
from tests.factories import (
    add_host,
    add_member,
    fragment,
    log_in,
    make_event,
    make_item,
    make_room,
    make_user,
    page,
    release_agenda,
    text_of,
)

ATOM = {"a": "http://www.w3.org/2005/Atom"}
# 8 August 2030, 09:00 in Bangkok (UTC+7).
SEMINAR_START = datetime(2030, 8, 8, 2, 0, tzinfo=UTC)


def clock(text: str) -> str:
    """Babel puts a narrow no-break space before AM/PM."""
    return text.replace(" AM", "\u202fAM").replace(" PM", "\u202fPM")


def bangkok(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment on the seminar's day `day` (8 August is 8), local time in Bangkok, as UTC."""
    return datetime(2030, 8, day, hour - 7, minute, tzinfo=UTC)


def at_moment(monkeypatch, moment: datetime) -> None:
    monkeypatch.setattr(public_agenda, "current_time", lambda: moment)


def http_date(moment: datetime) -> str:
    return format_datetime(moment.replace(microsecond=0), usegmt=True)


def rows_of(soup, day: str) -> list[list[str]]:
    """Each slot of a day's table: its time, then the id of each cell ("" for an empty one)."""
    rows = []
    for row in soup.select(f"#day-{day} tbody tr"):
        time = row.select_one("th").select_one("time").get_text()
        rows.append([time] + [cell.get("id", "") for cell in row.select("td")])
    return rows


@pytest.fixture
def owner(db):
    return make_user(db, "owner@mfa.example.org", name="Owner")


@pytest.fixture
def seminar(db, owner):
    """Two days in Bangkok, in English and Thai, with two rooms."""
    event = make_event(
        db,
        title="EU–Thailand Seminar",
        slug="seminar",
        starts_at=SEMINAR_START,
        days=2,
        languages="en,th",
        owner=owner,
    )
    make_room(db, event, "Room A")
    make_room(db, event, "Room B")
    return event


def rooms(db, event) -> dict[str, Room]:
    return {room.name: room for room in agenda.rooms_of(db, event)}


@pytest.fixture
def programme(db, seminar, owner):
    """Opening for everyone, a panel in A beside two talks in B, lunch, and a second day.
    Released once; returns the items by a short name."""
    room = rooms(db, seminar)
    items = {
        "opening": make_item(
            db,
            seminar,
            at="09:00",
            minutes=30,
            kind=ItemKind.OPENING_REMARKS,
            titles={"en": "Opening", "th": "พิธีเปิด"},
        ),
        "panel": make_item(
            db,
            seminar,
            "Panel on scams",
            at="09:30",
            minutes=60,
            room=room["Room A"],
            kind=ItemKind.PANEL,
            descriptions={"en": "Experts **compare notes**."},
        ),
        "talk1": make_item(db, seminar, "Talk one", at="09:30", room=room["Room B"]),
        "talk2": make_item(db, seminar, "Talk two", at="10:00", room=room["Room B"]),
        "lunch": make_item(db, seminar, "Lunch", at="12:00", minutes=60, kind=ItemKind.LUNCH),
        "day2": make_item(db, seminar, "Field visit", at="09:00", day=1, room=room["Room A"]),
    }
    release_agenda(db, seminar, owner, "First programme")
    return items


def change_item(db, item: AgendaItem, **fields) -> None:
    for name, value in fields.items():
        setattr(item, name, value)
    item.version += 1
    db.add(item)
    db.commit()


# The agenda ----------------------------------------------------------------------------------


def test_agenda_before_any_release_says_it_is_not_published_yet(client, db, seminar):
    make_item(db, seminar, "Drafted, never released")

    response = client.get("/events/seminar/agenda")

    assert response.status_code == 200
    assert text_of(response, "#agenda-unpublished") == "The agenda has not been published yet."
    assert page(response).select(".agenda-day") == []


def test_agenda_lays_out_each_day_as_a_table_of_slots_by_room(client, seminar, programme):
    ids = {name: f"item-{item.id}" for name, item in programme.items()}

    soup = page(client.get("/events/seminar/agenda"))

    day = soup.select_one("#day-2030-08-08")
    assert day.select_one("h2").get_text() == "Thursday, August 8, 2030"
    assert [th.get_text() for th in day.select("thead th")] == ["Time", "Room A", "Room B"]
    assert rows_of(soup, "2030-08-08") == [
        [clock("9:00 AM"), ids["opening"]],
        [clock("9:30 AM"), ids["panel"], ids["talk1"]],
        [clock("10:00 AM"), ids["talk2"]],
        [clock("10:30 AM"), "", ""],
        [clock("12:00 PM"), ids["lunch"]],
    ]
    opening, panel = soup.select_one(f"#{ids['opening']}"), soup.select_one(f"#{ids['panel']}")
    assert (opening.get("colspan"), opening.get("rowspan")) == ("2", None)
    assert (panel.get("colspan"), panel.get("rowspan")) == (None, "2")
    assert rows_of(soup, "2030-08-09") == [[clock("9:00 AM"), ids["day2"]]]


def test_agenda_marks_plenary_items_and_pauses(client, seminar, programme):
    soup = page(client.get("/events/seminar/agenda"))

    lunch = soup.select_one(f"#item-{programme['lunch'].id}")
    opening = soup.select_one(f"#item-{programme['opening'].id}")
    panel = soup.select_one(f"#item-{programme['panel'].id}")
    assert ("is-pause" in lunch["class"], "is-plenary" in lunch["class"]) == (True, True)
    assert ("is-pause" in opening["class"], "is-plenary" in opening["class"]) == (False, True)
    assert ("is-pause" in panel["class"], "is-plenary" in panel["class"]) == (False, False)
    assert lunch.select_one(".agenda-room").get_text() == "All rooms"
    assert panel.select_one(".agenda-room").get_text() == "Room A"
    assert panel.select_one(".agenda-kind").get_text() == "Panel discussion"


def test_agenda_item_shows_local_times_and_links_to_its_session(client, seminar, programme):
    panel = programme["panel"]

    cell = page(client.get("/events/seminar/agenda")).select_one(f"#item-{panel.id}")

    assert [t["datetime"] for t in cell.select(".agenda-when time")] == [
        "2030-08-08T09:30:00+07:00",
        "2030-08-08T10:30:00+07:00",
    ]
    assert cell.select_one(".agenda-when").get_text() == clock("9:30 AM–10:30 AM")
    link = cell.select_one(".agenda-title a")
    assert (link.get_text(), link["href"]) == (
        "Panel on scams",
        f"/events/seminar/sessions/{panel.id}",
    )


def test_agenda_labels_times_with_the_events_zone(client, seminar, programme):
    soup = page(client.get("/events/seminar/agenda"))

    assert soup.select_one("#agenda-timezone").get_text() == "Times in Asia/Bangkok (UTC+07:00)"


def test_agenda_shows_the_release_number_and_date_with_a_link_to_the_changes(
    client, db, seminar, programme, owner
):
    change_item(db, programme["talk2"], titles={"en": "Talk two, revised"})
    second = release_agenda(db, seminar, owner)
    local = second.released_at.astimezone(agenda.zone_of(seminar))

    soup = page(client.get("/events/seminar/agenda"))

    expected_date = f"{local:%B} {local.day}, {local.year}, {local:%-I:%M} {local:%p}"
    assert soup.select_one(".agenda-version").get_text() == clock(
        f"Version 2, published {expected_date}"
    )
    assert soup.select_one("#changes-link")["href"] == "/events/seminar/agenda/changes"


def test_agenda_shows_only_the_latest_release_never_the_draft(client, db, seminar, programme):
    change_item(db, programme["talk1"], titles={"en": "Draft title"})
    make_item(db, seminar, "Draft only", at="15:00")

    soup = page(client.get("/events/seminar/agenda"))

    titles = [a.get_text() for a in soup.select("#day-2030-08-08 .agenda-title a")]
    assert titles == ["Opening", "Panel on scams", "Talk one", "Talk two", "Lunch"]


def test_agenda_lays_out_overlapping_items_in_one_room_one_row_each(client, db, seminar, owner):
    room = rooms(db, seminar)["Room A"]
    first = make_item(db, seminar, "First", at="09:00", minutes=60, room=room)
    second = make_item(db, seminar, "Second", at="09:30", minutes=60, room=room)
    release_agenda(db, seminar, owner)

    soup = page(client.get("/events/seminar/agenda"))

    table = soup.select_one("#day-2030-08-08 table")
    assert "agenda-list" in table["class"]
    assert rows_of(soup, "2030-08-08") == [
        [clock("9:00 AM"), f"item-{first.id}"],
        [clock("9:30 AM"), f"item-{second.id}"],
    ]
    assert [p.get_text() for p in table.select(".agenda-room")] == ["Room A", "Room A"]


def test_agenda_says_when_a_day_has_nothing_planned(client, db, seminar, owner):
    make_item(db, seminar, "Only on day one")
    release_agenda(db, seminar, owner)

    soup = page(client.get("/events/seminar/agenda"))

    assert soup.select_one("#day-2030-08-09 .empty").get_text() == "Nothing is planned on this day."


# Now -----------------------------------------------------------------------------------------


def test_agenda_marks_what_is_on_now_during_the_event(client, seminar, programme, monkeypatch):
    at_moment(monkeypatch, bangkok(8, 9, 40))

    response = client.get("/events/seminar/agenda")

    soup = page(response)
    now_row = soup.select_one("#now").find_parent("tr")
    assert now_row.select_one("th time").get_text() == clock("9:30 AM")
    assert now_row.select_one(".now-marker").get_text() == "Now"
    running = [td["id"] for td in soup.select("td.is-now")]
    assert running == [f"item-{programme['panel'].id}", f"item-{programme['talk1'].id}"]
    assert soup.select_one("#now-link")["href"] == "#now"
    # The page changed when the marker last moved (09:30), after the release.
    assert response.headers["last-modified"] == http_date(bangkok(8, 9, 30))


@pytest.mark.parametrize("moment", [bangkok(8, 8, 0), bangkok(9, 18, 0)])
def test_agenda_has_no_now_marker_outside_the_event(
    client, seminar, programme, monkeypatch, moment
):
    at_moment(monkeypatch, moment)

    soup = page(client.get("/events/seminar/agenda"))

    assert (soup.select("#now"), soup.select("td.is-now"), soup.select("#now-link")) == ([], [], [])


# Languages -----------------------------------------------------------------------------------


def test_agenda_titles_follow_the_interface_language(client, seminar, programme):
    soup = page(client.get("/events/seminar/agenda", headers={"accept-language": "th"}))

    title = soup.select_one(f"#item-{programme['opening'].id} .title-lang")
    assert (title.get_text(), title["lang"]) == ("พิธีเปิด", "th")
    # An item without a Thai title keeps its English one, marked as English.
    panel = soup.select_one(f"#item-{programme['panel'].id} .title-lang")
    assert (panel.get_text(), panel["lang"]) == ("Panel on scams", "en")


def test_agenda_titles_use_the_events_first_language_when_it_lacks_the_interface_one(
    client, db, owner
):
    event = make_event(db, slug="franco", starts_at=SEMINAR_START, languages="en,fr")
    make_item(db, event, titles={"fr": "Ouverture", "en": "Opening"})
    release_agenda(db, event, owner)

    soup = page(client.get("/events/franco/agenda", headers={"accept-language": "th"}))

    title = soup.select_one(".agenda-title .title-lang")
    assert (title.get_text(), title["lang"]) == ("Opening", "en")


def test_agenda_shows_both_languages_on_request(client, seminar, programme):
    plain = page(client.get("/events/seminar/agenda"))
    link = plain.select_one("#languages-link")
    assert (link.get_text(), link["href"]) == (
        "Show both languages",
        "/events/seminar/agenda?both=1",
    )

    soup = page(client.get("/events/seminar/agenda?both=1"))

    titles = soup.select(f"#item-{programme['opening'].id} .title-lang")
    assert [(t["lang"], t.get_text()) for t in titles] == [("en", "Opening"), ("th", "พิธีเปิด")]
    assert soup.select_one("#languages-link").get_text() == "Show one language"
    session_link = soup.select_one(f"#item-{programme['opening'].id} .agenda-title a")
    assert session_link["href"] == f"/events/seminar/sessions/{programme['opening'].id}?both=1"


def test_agenda_of_a_one_language_event_offers_no_language_link(client, db, owner):
    event = make_event(db, slug="english", starts_at=SEMINAR_START, languages="en")
    make_item(db, event)
    release_agenda(db, event, owner)

    soup = page(client.get("/events/english/agenda"))

    assert soup.select("#languages-link") == []


# Who may see it ------------------------------------------------------------------------------


def test_agenda_of_an_unknown_event_is_not_found(client):
    assert client.get("/events/nothing-here/agenda").status_code == 404


def test_agenda_of_a_draft_event_is_hidden_from_visitors_but_shown_to_its_team(client, db, owner):
    event = make_event(db, slug="draft", starts_at=SEMINAR_START, status=EventStatus.DRAFT)
    make_item(db, event)
    release_agenda(db, event, owner)
    rapporteur = make_user(db)
    add_member(db, event, rapporteur, Role.RAPPORTEUR)
    paths = ["/events/draft/agenda", "/events/draft/agenda/changes", "/events/draft/agenda/version"]
    assert [client.get(path).status_code for path in paths] == [404, 404, 404]

    log_in(client, rapporteur)
    response = client.get("/events/draft/agenda")

    assert response.status_code == 200
    assert text_of(response, "#draft-notice") == "Draft: only the event's team can see this page."
    assert page(response).select_one('meta[name="robots"]')["content"] == "noindex"


# One session ---------------------------------------------------------------------------------


def test_session_page_shows_time_room_kind_title_and_description(client, seminar, programme):
    panel = programme["panel"]

    soup = page(client.get(f"/events/seminar/sessions/{panel.id}"))

    assert soup.select_one("#session-title").get_text() == "Panel on scams"
    assert soup.select_one("#session-kind").get_text() == "Panel discussion"
    assert soup.select_one("#session-when .when-date").get_text() == "Thursday, August 8, 2030"
    assert soup.select_one("#session-when .when-time").get_text() == clock("9:30 AM–10:30 AM")
    assert soup.select_one("#session-timezone").get_text() == "Times in Asia/Bangkok (UTC+07:00)"
    assert soup.select_one("#session-room").get_text() == "Room A"
    description = soup.select_one("#session-description-en")
    assert description.select_one("strong").get_text() == "compare notes"
    assert soup.select_one("#add-to-calendar")["href"] == f"/events/seminar/sessions/{panel.id}.ics"
    assert soup.select_one("#back-to-agenda")["href"] == f"/events/seminar/agenda#item-{panel.id}"


def test_session_page_of_a_plenary_item_says_all_rooms(client, seminar, programme):
    soup = page(client.get(f"/events/seminar/sessions/{programme['opening'].id}"))

    assert soup.select_one("#session-room").get_text() == "All rooms"
    assert soup.select_one("#session-kind").get_text() == "Opening remarks"


def test_session_page_shows_both_languages_on_request(client, seminar, programme):
    path = f"/events/seminar/sessions/{programme['opening'].id}"

    soup = page(client.get(path + "?both=1"))

    titles = soup.select("#session-title .title-lang")
    assert [(t["lang"], t.get_text()) for t in titles] == [("en", "Opening"), ("th", "พิธีเปิด")]


def test_session_page_answers_404_for_items_not_in_the_latest_release(
    client, db, seminar, programme, owner
):
    draft_only = make_item(db, seminar, "Not released", at="15:00")
    cancelled = programme["talk2"]
    db.delete(cancelled)
    db.commit()
    release_agenda(db, seminar, owner, "Talk two cancelled")
    later_draft = make_item(db, seminar, "Added after the release", at="16:00")
    other_event = make_event(db, slug="other", starts_at=SEMINAR_START)
    elsewhere = make_item(db, other_event, "Elsewhere")
    release_agenda(db, other_event, owner)

    statuses = [
        client.get(f"/events/seminar/sessions/{item_id}").status_code
        for item_id in (cancelled.id, later_draft.id, elsewhere.id, 0, 99999999999)
    ]

    assert statuses == [404, 404, 404, 404, 404]
    assert client.get(f"/events/seminar/sessions/{draft_only.id}").status_code == 200


def test_session_page_before_any_release_is_not_found(client, db, seminar):
    item = make_item(db, seminar)

    assert client.get(f"/events/seminar/sessions/{item.id}").status_code == 404


# Hostile text --------------------------------------------------------------------------------

HOSTILE_TITLE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


@pytest.fixture
def hostile(db, seminar, owner):
    item = make_item(
        db,
        seminar,
        titles={"en": HOSTILE_TITLE, "th": HOSTILE_TITLE},
        descriptions={
            "en": '[click](javascript:alert(3)) <a href="javascript:alert(4)">raw</a> '
            "[fine](https://example.org/)\n\n<script>alert(5)</script>"
        },
        track='"><img src=x onerror=alert(6)>',
    )
    release_agenda(db, seminar, owner, comment="<script>alert(7)</script>")
    return item


def test_agenda_shows_hostile_titles_as_text(client, hostile):
    soup = page(client.get("/events/seminar/agenda?both=1"))

    cell = soup.select_one(f"#item-{hostile.id}")
    assert [t.get_text() for t in cell.select(".title-lang")] == [HOSTILE_TITLE, HOSTILE_TITLE]
    assert cell.select_one(".agenda-track").get_text() == '"><img src=x onerror=alert(6)>'
    assert (soup.select("main script"), soup.select("main img")) == ([], [])


def test_session_page_shows_hostile_text_as_text_and_sanitises_markdown(client, hostile):
    soup = page(client.get(f"/events/seminar/sessions/{hostile.id}"))

    assert soup.select_one("#session-title").get_text() == HOSTILE_TITLE
    description = soup.select_one("#session-description-en")
    assert [a["href"] for a in description.select("a")] == ["https://example.org/"]
    assert "<script>alert(5)</script>" in description.get_text()
    assert (soup.select("main script"), soup.select("main img")) == ([], [])
    assert soup.select_one("title").get_text() == f"{HOSTILE_TITLE} · EU–Thailand Seminar"


def test_changes_page_and_feed_show_hostile_text_as_text(client, hostile):
    soup = page(client.get("/events/seminar/agenda/changes"))
    feed = etree.fromstring(client.get("/events/seminar/agenda/changes.atom").content)

    assert soup.select_one(".release-comment").get_text() == "<script>alert(7)</script>"
    assert soup.select_one(".change-title").get_text() == HOSTILE_TITLE
    assert (soup.select("main script"), soup.select("main img")) == ([], [])
    content = fragment_of(feed.findtext("a:entry/a:content", namespaces=ATOM))
    assert content.select("script, img") == []
    assert content.select_one("p").get_text() == "<script>alert(7)</script>"


def fragment_of(html: str) -> BeautifulSoup:
    """HTML carried inside the feed, parsed as it is."""
    return BeautifulSoup(html, "html.parser")


# The changes ---------------------------------------------------------------------------------


@pytest.fixture
def revised(db, seminar, programme, owner):
    """A second release: talk one moved to room A at 11:00 (room B renamed first), the panel
    retitled, talk two cancelled, lunch given a description, a closing added."""
    room = rooms(db, seminar)
    room["Room B"].name = "Auditorium"
    db.add(room["Room B"])
    db.commit()
    change_item(
        db,
        programme["talk1"],
        starts_at=bangkok(8, 11),
        ends_at=bangkok(8, 11, 30),
        room_id=room["Room A"].id,
    )
    change_item(db, programme["panel"], titles={"en": "Panel on online scams"})
    change_item(db, programme["lunch"], descriptions={"en": "Served in the lobby."})
    db.delete(programme["talk2"])
    db.commit()
    closing = make_item(db, seminar, "Closing", at="16:00", kind=ItemKind.CLOSING_REMARKS)
    release_agenda(db, seminar, owner, "Room B is now the auditorium")
    return {**programme, "closing": closing}


def change_lines(soup, number: int) -> list[tuple[str, str, str]]:
    return [
        tuple(
            (
                li.select_one(f".change-{part}").get_text()
                if li.select_one(f".change-{part}")
                else ""
            )
            for part in ("title", "text", "place")
        )
        for li in soup.select(f"#release-{number} .change")
    ]


def test_changes_page_lists_releases_newest_first_with_changes_in_words(client, revised):
    soup = page(client.get("/events/seminar/agenda/changes"))

    assert [h.get_text() for h in soup.select(".release h2")] == ["Version 2", "Version 1"]
    assert soup.select_one("#release-2 .release-comment").get_text() == (
        "Room B is now the auditorium"
    )
    assert change_lines(soup, 2) == [
        ("Panel on online scams", "Retitled from “Panel on scams” to “Panel on online scams”", ""),
        (
            "Talk one",
            clock(
                "Moved from Thu, Aug 8, 9:30 AM–10:00 AM (Room B) "
                "to Thu, Aug 8, 11:00 AM–11:30 AM (Room A)"
            ),
            "",
        ),
        ("Lunch", "Updated", clock("Thu, Aug 8, 12:00 PM–1:00 PM (All rooms)")),
        ("Closing", "Added", clock("Thu, Aug 8, 4:00 PM–4:30 PM (All rooms)")),
        ("Talk two", "Cancelled", clock("Thu, Aug 8, 10:00 AM–10:30 AM (Room B)")),
        ("", "Room “Room B” renamed “Auditorium”", ""),
    ]
    assert change_lines(soup, 1)[0] == (
        "Opening",
        "Added",
        clock("Thu, Aug 8, 9:00 AM–9:30 AM (All rooms)"),
    )


def test_changes_page_links_items_still_in_the_programme(client, revised):
    soup = page(client.get("/events/seminar/agenda/changes"))

    links = {
        li.select_one(".change-text").get_text(): li.select_one(".change-title a")
        for li in soup.select("#release-2 .change")
    }
    assert links["Added"]["href"] == f"/events/seminar/sessions/{revised['closing'].id}"
    assert links["Cancelled"] is None


def test_changes_page_before_any_release(client, seminar):
    soup = page(client.get("/events/seminar/agenda/changes"))

    assert soup.select_one("#agenda-unpublished").get_text() == (
        "The agenda has not been published yet."
    )


# The Atom feed -------------------------------------------------------------------------------


def test_feed_is_atom_with_an_entry_per_release(client, db, seminar, revised, settings_env):
    settings_env(base_url="https://events.example.org")
    add_host(db, seminar, "Ministry of Foreign Affairs")
    releases = {r.number: r for r in agenda.releases_of(db, seminar)}
    db.commit()

    response = client.get(
        "/events/seminar/agenda/changes.atom", headers={"host": "attacker.example"}
    )

    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    feed = etree.fromstring(response.content)
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    assert feed.findtext("a:title", namespaces=ATOM) == "Agenda changes: EU–Thailand Seminar"
    assert feed.findtext("a:author/a:name", namespaces=ATOM) == "Ministry of Foreign Affairs"
    links = {link.get("rel"): link.get("href") for link in feed.findall("a:link", ATOM)}
    assert links == {
        "self": "https://events.example.org/events/seminar/agenda/changes.atom",
        "alternate": "https://events.example.org/events/seminar/agenda/changes",
    }
    entries = feed.findall("a:entry", ATOM)
    assert [e.findtext("a:title", namespaces=ATOM) for e in entries] == ["Version 2", "Version 1"]
    assert [e.findtext("a:updated", namespaces=ATOM) for e in entries] == [
        releases[n].released_at.replace(microsecond=0).isoformat().replace("+00:00", "Z")
        for n in (2, 1)
    ]
    assert feed.findtext("a:updated", namespaces=ATOM) == entries[0].findtext(
        "a:updated", namespaces=ATOM
    )
    assert entries[0].find("a:link", ATOM).get("href") == (
        "https://events.example.org/events/seminar/agenda/changes#release-2"
    )
    ids = [feed.findtext("a:id", namespaces=ATOM)] + [
        e.findtext("a:id", namespaces=ATOM) for e in entries
    ]
    assert [i.startswith("urn:uuid:") for i in ids] == [True, True, True]
    assert len(set(ids)) == 3


def test_feed_entry_ids_stay_the_same_as_releases_follow(client, db, seminar, programme, owner):
    def ids():
        feed = etree.fromstring(client.get("/events/seminar/agenda/changes.atom").content)
        return [e.findtext("a:id", namespaces=ATOM) for e in feed.findall("a:entry", ATOM)]

    before = ids()
    seminar.title = "Renamed seminar"
    db.add(seminar)
    db.commit()
    change_item(db, programme["talk1"], titles={"en": "Talk one, again"})
    release_agenda(db, seminar, owner)

    after = ids()

    assert (len(after), after[1:]) == (2, before)


def test_feed_content_lists_the_changes(client, revised):
    feed = etree.fromstring(client.get("/events/seminar/agenda/changes.atom").content)

    content = fragment_of(feed.findtext("a:entry/a:content", namespaces=ATOM))
    assert content.select_one("p").get_text() == "Room B is now the auditorium"
    assert content.select("li")[3].get_text() == clock(
        "Closing — Added — Thu, Aug 8, 4:00 PM–4:30 PM (All rooms)"
    )


# A newer version -----------------------------------------------------------------------------


def test_version_answers_the_latest_release_number(client, db, seminar, owner):
    assert client.get("/events/seminar/agenda/version").json() == {"release": 0}
    make_item(db, seminar)
    release_agenda(db, seminar, owner)

    response = client.get("/events/seminar/agenda/version")

    assert response.json() == {"release": 1}
    assert response.headers["cache-control"] == "no-cache"
    again = client.get(
        "/events/seminar/agenda/version", headers={"if-none-match": response.headers["etag"]}
    )
    assert (again.status_code, again.content) == (304, b"")


def test_agenda_page_polls_for_a_newer_release(client, seminar, programme):
    soup = page(client.get("/events/seminar/agenda"))

    region = soup.select_one("#agenda-notice")
    assert (region["hx-get"], region["hx-trigger"], region["hx-swap"]) == (
        "/events/seminar/agenda/notice?seen=1",
        "every 30s",
        "innerHTML",
    )
    assert (region["role"], region.get_text(strip=True)) == ("status", "")


def test_notice_is_empty_while_the_page_shows_the_latest_release(client, seminar, programme):
    response = client.get("/events/seminar/agenda/notice?seen=1", headers={"hx-request": "true"})

    assert (response.status_code, response.text.strip()) == (200, "")
    assert response.headers["etag"]


def test_notice_says_a_newer_release_is_out(client, db, seminar, programme, owner):
    change_item(db, programme["talk1"], titles={"en": "Talk one, moved"})
    release_agenda(db, seminar, owner)

    response = client.get("/events/seminar/agenda/notice?seen=1", headers={"hx-request": "true"})

    notice = fragment(response).select_one("#agenda-newer")
    assert " ".join(notice.get_text().split()) == (
        "A newer version of the agenda has been published — reload"
    )
    assert notice.select_one("a")["href"] == "/events/seminar/agenda"
    revalidated = client.get(
        "/events/seminar/agenda/notice?seen=1",
        headers={"hx-request": "true", "if-none-match": response.headers["etag"]},
    )
    assert revalidated.status_code == 304


def test_notice_for_a_page_before_any_release_and_for_nonsense(client, db, seminar, owner):
    assert client.get("/events/seminar/agenda/notice?seen=0").text.strip() == ""
    make_item(db, seminar)
    release_agenda(db, seminar, owner)

    texts = [
        " ".join(
            fragment(client.get(f"/events/seminar/agenda/notice?seen={seen}")).get_text().split()
        )
        for seen in ("0", "junk", "1")
    ]

    newer = "A newer version of the agenda has been published — reload"
    assert texts == [newer, newer, ""]


# Conditional requests ------------------------------------------------------------------------

PUBLIC_PATHS = [
    "/events/seminar/agenda",
    "/events/seminar/sessions/{panel}",
    "/events/seminar/agenda/changes",
    "/events/seminar/agenda/changes.atom",
    "/events/seminar/agenda/version",
    "/events/seminar/agenda/notice?seen=1",
]


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_public_agenda_answers_carry_etag_and_last_modified_and_revalidate(client, programme, path):
    path = path.format(panel=programme["panel"].id)
    first = client.get(path)

    by_etag = client.get(path, headers={"if-none-match": first.headers["etag"]})
    by_date = client.get(path, headers={"if-modified-since": first.headers["last-modified"]})
    stale = client.get(path, headers={"if-none-match": '"something-else"'})

    assert [r.status_code for r in (first, by_etag, by_date, stale)] == [200, 304, 304, 200]
    assert by_etag.headers["etag"] == first.headers["etag"]


def test_last_modified_is_the_later_of_the_release_and_the_event_change(
    client, db, seminar, programme, monkeypatch
):
    at_moment(monkeypatch, bangkok(1, 9))  # before the event: no marker
    release = agenda.latest_release(db, seminar)
    db.commit()
    released = client.get("/events/seminar/agenda").headers["last-modified"]
    seminar.updated_at = release.released_at + timedelta(hours=2)
    db.add(seminar)
    db.commit()

    edited = client.get("/events/seminar/agenda").headers["last-modified"]

    assert (released, edited) == (
        http_date(release.released_at),
        http_date(release.released_at + timedelta(hours=2)),
    )


def test_agenda_before_any_release_still_revalidates(client, seminar):
    first = client.get("/events/seminar/agenda")

    again = client.get("/events/seminar/agenda", headers={"if-none-match": first.headers["etag"]})

    assert (first.headers["last-modified"], again.status_code) == (
        http_date(seminar.updated_at),
        304,
    )


# The organisers' preview ---------------------------------------------------------------------


def test_preview_shows_the_draft_with_a_banner(client, db, seminar, programme, owner):
    make_item(db, seminar, "Not released yet", at="15:00")
    log_in(client, owner)

    response = client.get(f"/manage/events/{seminar.id}/agenda/preview")

    soup = page(response)
    assert soup.select_one("#preview-banner strong").get_text() == (
        "Preview of the draft — not public"
    )
    titles = [h.get_text(strip=True) for h in soup.select("#day-2030-08-08 .agenda-title")]
    assert titles[-1] == "Not released yet"
    assert soup.select("#agenda-notice, .agenda-title a") == []
    assert response.headers["cache-control"] == "no-store"


def test_preview_is_for_owners_and_organisers_only(client, db, seminar, programme):
    organiser, viewer, outsider = make_user(db), make_user(db), make_user(db)
    add_member(db, seminar, organiser, Role.ORGANISER)
    add_member(db, seminar, viewer, Role.VIEWER)
    path = f"/manage/events/{seminar.id}/agenda/preview"
    anonymous = client.get(path)
    statuses = []
    for user in (organiser, viewer, outsider):
        client.cookies.clear()
        log_in(client, user)
        statuses.append(client.get(path).status_code)

    assert (anonymous.status_code, anonymous.headers["location"]) == (
        303,
        f"/login?next=/manage/events/{seminar.id}/agenda/preview",
    )
    assert statuses == [200, 403, 404]


# Cost and print ------------------------------------------------------------------------------


def test_agenda_query_count_does_not_grow_with_items(client, db, seminar, owner, count_queries):
    # Logged in, so the page is rendered by its route (anonymous visitors may get the
    # public cache's copy, which costs one query whatever the page holds).
    log_in(client, make_user(db))
    halls = [make_room(db, seminar, f"Hall {n}") for n in range(5)]

    def add_items(first: int, last: int) -> None:
        for n in range(first, last):
            hour, half = divmod(n // 5, 2)
            make_item(
                db, seminar, f"Item {n}", at=f"{7 + hour:02d}:{30 * half:02d}", room=halls[n % 5]
            )

    add_items(0, 5)
    release_agenda(db, seminar, owner)
    with count_queries() as five:
        client.get("/events/seminar/agenda")
    add_items(5, 100)
    release_agenda(db, seminar, owner)

    with count_queries() as hundred:
        response = client.get("/events/seminar/agenda")

    assert len(page(response).select("td.agenda-item")) == 100
    assert len(hundred) == len(five)


def test_print_stylesheet_is_linked_for_print(client, seminar):
    soup = page(client.get("/events/seminar/agenda"))

    link = soup.select_one('link[rel="stylesheet"][media="print"]')
    assert link["href"] == "/static/css/print.css"
    assert client.get(link["href"]).status_code == 200
