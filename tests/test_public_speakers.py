"""The line-up as the public sees it: the speakers page, a speaker's page and calendar, and the
line-ups on the agenda and session pages (live, for the items of the latest release)."""

import secrets
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from icalendar import Calendar
from sqlalchemy import select

from eventapp import events
from eventapp.models import (
    AgendaItem,
    Appearance,
    AppearanceRole,
    AppearanceStatus,
    Event,
    EventStatus,
    ItemKind,
    LineupOrder,
    NameOrder,
    Person,
    Role,
    Upload,
)
from eventapp.people import ensure_speaker
from eventapp.public_cache import CACHEABLE
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

SEMINAR_START = datetime(2030, 8, 8, 2, 0, tzinfo=UTC)  # 09:00 in Bangkok
HOSTILE_NAME = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


# Making people ----------------------------------------------------------------------------------


def make_person(db, event: Event, given: str = "Anna", family: str = "Berg", **fields) -> Person:
    fields.setdefault("email", f"{given.lower()}-{secrets.token_hex(3)}@private.example.org")
    fields.setdefault("phone", "+66 2 000 0000")
    person = Person(team_id=event.team_id, given_name=given, family_name=family, **fields)
    db.add(person)
    db.commit()
    return person


def appear(
    db,
    event: Event,
    item: AgendaItem,
    person: Person,
    role: AppearanceRole = AppearanceRole.SPEAKER,
    status: AppearanceStatus = AppearanceStatus.CONFIRMED,
    *,
    precedence: int | None = None,
) -> Appearance:
    """`person` on `item`, placed last in its line-up; the event touched as the rules do."""
    speaker = ensure_speaker(db, event, person)
    if precedence is not None:
        speaker.precedence = precedence
    position = len(db.scalars(select(Appearance).where(Appearance.item_id == item.id)).all())
    appearance = Appearance(
        event_id=event.id,
        item_id=item.id,
        person_id=person.id,
        role=role,
        status=status,
        position=position,
    )
    db.add(appearance)
    events.touch(db.get(Event, event.id))
    db.commit()
    return appearance


def make_photo(db, *, width: int = 160, height: int = 160) -> Upload:
    upload = Upload(
        key=secrets.token_hex(16),
        content_type="image/png",
        width=width,
        height=height,
        size=4,
        data=b"\x89PNG",
    )
    db.add(upload)
    db.commit()
    return upload


def set_event(db, event: Event, **fields) -> None:
    event = db.get(Event, event.id)
    for name, value in fields.items():
        setattr(event, name, value)
    events.touch(event)
    db.commit()


def names_in(soup, selector: str) -> list[str]:
    return [" ".join(element.get_text().split()) for element in soup.select(selector)]


@pytest.fixture
def owner(db):
    return make_user(db, "owner@mfa.example.org", name="Owner")


@pytest.fixture
def seminar(db, owner):
    """One day in Bangkok, English and Thai, released: an opening and a panel, with a line-up
    of two confirmed dignitaries, a confirmed panellist, an invited one and a declined one;
    and a workshop added to the draft after the release."""
    event = make_event(
        db,
        title="EU–Thailand Seminar",
        slug="seminar",
        starts_at=SEMINAR_START,
        languages="en,th",
        owner=owner,
    )
    hall = make_room(db, event, "Main hall")
    opening = make_item(
        db,
        event,
        at="09:00",
        minutes=30,
        kind=ItemKind.OPENING_REMARKS,
        titles={"en": "Opening", "th": "พิธีเปิด"},
    )
    panel = make_item(
        db, event, "Panel on scams", at="09:30", minutes=60, room=hall, kind=ItemKind.PANEL
    )
    release_agenda(db, event, owner)
    workshop = make_item(db, event, "Workshop (draft only)", at="11:00", room=hall)
    thumbnail, photo = make_photo(db), make_photo(db, width=600, height=600)
    minister = make_person(
        db,
        event,
        "Russ",
        "Jalichandra",
        honorific="H.E. Mr.",
        position="Vice Minister for Foreign Affairs",
        organisation="Ministry of Foreign Affairs",
        country="Thailand",
        website="https://www.mfa.go.th/",
        bios={"en": "Vice Minister **since 2023**.", "th": "รัฐมนตรีช่วยว่าการ"},
        post_nominals="PhD",
        thumbnail_id=thumbnail.id,
        photo_id=photo.id,
    )
    ambassador = make_person(
        db,
        event,
        "David",
        "Daly",
        honorific="H.E. Mr.",
        position="Ambassador of the European Union to Thailand",
        organisation="Delegation of the European Union",
        country="European Union",
        bios={"th": "เอกอัครราชทูต"},
    )
    panellist = make_person(
        db, event, "Wisit", "Wisitsora-at", honorific="Prof.", organisation="Ministry of DES"
    )
    invited = make_person(db, event, "Mali", "Chaiyo", organisation="Ministry of Foreign Affairs")
    declined = make_person(db, event, "Dara", "Noshow")
    appear(db, event, opening, minister, AppearanceRole.KEYNOTE, precedence=1)
    appear(db, event, opening, ambassador, AppearanceRole.KEYNOTE, precedence=2)
    appear(db, event, panel, ambassador, AppearanceRole.MODERATOR)
    appear(db, event, panel, panellist, AppearanceRole.PANELLIST, precedence=10)
    appear(db, event, panel, invited, AppearanceRole.PANELLIST, AppearanceStatus.INVITED)
    appear(db, event, panel, declined, AppearanceRole.PANELLIST, AppearanceStatus.DECLINED)
    draft_only = make_person(db, event, "Draft", "Only")
    appear(db, event, workshop, draft_only)
    return SimpleNamespace(
        event=event,
        opening=opening,
        panel=panel,
        workshop=workshop,
        minister=minister,
        ambassador=ambassador,
        panellist=panellist,
        invited=invited,
        declined=declined,
        draft_only=draft_only,
        people=[minister, ambassador, panellist, invited, declined, draft_only],
        thumbnail_key=thumbnail.key,
        photo_key=photo.key,
    )


# The speakers page ------------------------------------------------------------------------------


def test_speakers_page_shows_confirmed_people_in_protocol_order_as_cards(client, seminar):
    soup = page(client.get("/events/seminar/speakers"))

    assert names_in(soup, ".speaker-name") == [
        "H.E. Mr. Russ Jalichandra, PhD",
        "H.E. Mr. David Daly",
        "Prof. Wisit Wisitsora-at",
    ]
    card = soup.select_one(f"#speaker-{seminar.minister.id}")
    assert card.select_one(".speaker-position").get_text() == "Vice Minister for Foreign Affairs"
    assert card.select_one(".speaker-organisation").get_text() == "Ministry of Foreign Affairs"
    assert card.select_one("a")["href"] == f"/events/seminar/speakers/{seminar.minister.id}"
    photo = card.select_one("img.speaker-photo")
    assert (photo["alt"], photo["width"]) == ("H.E. Mr. Russ Jalichandra, PhD", "160")
    assert photo["src"] == f"/media/{seminar.thumbnail_key}"
    assert soup.select_one(f"#speaker-{seminar.ambassador.id} img") is None


def test_speakers_page_shows_the_invited_when_the_organisers_say_so(client, db, seminar):
    set_event(db, seminar.event, show_unconfirmed=True)

    soup = page(client.get("/events/seminar/speakers"))

    assert names_in(soup, ".speaker-name") == [
        "H.E. Mr. Russ Jalichandra, PhD",
        "H.E. Mr. David Daly",
        "Prof. Wisit Wisitsora-at",
        "Mali Chaiyo",
    ]


def test_speakers_page_orders_by_family_name(client, db, seminar):
    set_event(db, seminar.event, lineup_order=LineupOrder.FAMILY_NAME)

    soup = page(client.get("/events/seminar/speakers"))

    assert names_in(soup, ".speaker-name") == [
        "H.E. Mr. David Daly",
        "H.E. Mr. Russ Jalichandra, PhD",
        "Prof. Wisit Wisitsora-at",
    ]
    assert soup.select(".speaker-group-title") == []


def test_speakers_page_groups_by_organisation_in_protocol_order_within(client, db, seminar):
    set_event(db, seminar.event, lineup_order=LineupOrder.ORGANISATION, show_unconfirmed=True)
    nobody = make_person(db, seminar.event, "Zed", "Free")
    appear(db, seminar.event, seminar.panel, nobody, AppearanceRole.DISCUSSANT)

    soup = page(client.get("/events/seminar/speakers"))

    groups = [
        (names_in(group, "h2")[0], names_in(group, ".speaker-name"))
        for group in soup.select(".speaker-group")
    ]
    assert groups == [
        ("Delegation of the European Union", ["H.E. Mr. David Daly"]),
        ("Ministry of DES", ["Prof. Wisit Wisitsora-at"]),
        ("Ministry of Foreign Affairs", ["H.E. Mr. Russ Jalichandra, PhD", "Mali Chaiyo"]),
        ("Other", ["Zed Free"]),
    ]


def test_speakers_page_before_any_release_says_none_are_announced(client, db, owner):
    event = make_event(db, slug="early", owner=owner)
    item = make_item(db, event)
    appear(db, event, item, make_person(db, event))

    soup = page(client.get("/events/early/speakers"))

    assert soup.select(".speaker-card") == []
    assert soup.select_one("#speakers-empty") is not None


def test_speakers_page_of_a_draft_event_is_hidden_from_visitors_but_shown_to_its_team(
    client, db, seminar
):
    set_event(db, seminar.event, status=EventStatus.DRAFT)

    hidden = client.get("/events/seminar/speakers")
    viewer = make_user(db)
    add_member(db, seminar.event, viewer, Role.VIEWER)
    log_in(client, viewer)
    shown = client.get("/events/seminar/speakers")

    assert hidden.status_code == 404
    assert (shown.status_code, len(page(shown).select(".speaker-card"))) == (200, 3)
    assert page(shown).select_one("#draft-notice") is not None


def test_speakers_page_follows_a_line_up_change_at_once(client, db, seminar):
    client.get("/events/seminar/speakers")  # cached now
    appearance = db.scalar(select(Appearance).where(Appearance.person_id == seminar.invited.id))
    appearance.status = AppearanceStatus.CONFIRMED
    events.touch(db.get(Event, seminar.event.id))
    db.commit()

    soup = page(client.get("/events/seminar/speakers"))

    assert "Mali Chaiyo" in names_in(soup, ".speaker-name")


# A speaker's page -------------------------------------------------------------------------------


def test_speaker_page_shows_details_bio_and_sessions(client, seminar):
    soup = page(client.get(f"/events/seminar/speakers/{seminar.minister.id}"))

    assert soup.select_one("#speaker-name").get_text() == "H.E. Mr. Russ Jalichandra, PhD"
    assert soup.select_one("#speaker-position").get_text() == "Vice Minister for Foreign Affairs"
    assert soup.select_one("#speaker-organisation").get_text() == "Ministry of Foreign Affairs"
    assert soup.select_one("#speaker-country").get_text() == "Thailand"
    website = soup.select_one("#speaker-website")
    assert (website["href"], website["rel"]) == ("https://www.mfa.go.th/", ["nofollow", "noopener"])
    bio = soup.select_one("#speaker-bio")
    assert (bio["lang"], bio.select_one("strong").get_text()) == ("en", "since 2023")
    photo = soup.select_one("#speaker-photo")
    assert (photo["src"], photo["alt"]) == (
        f"/media/{seminar.photo_key}",
        "H.E. Mr. Russ Jalichandra, PhD",
    )
    (session,) = soup.select(".speaker-session")
    assert session.select_one("a")["href"] == f"/events/seminar/sessions/{seminar.opening.id}"
    assert session.select_one("a").get_text() == "Opening"
    assert [t["datetime"] for t in session.select("time")] == [
        "2030-08-08T09:00:00+07:00",
        "2030-08-08T09:30:00+07:00",
    ]
    assert session.select_one(".session-role").get_text() == "Keynote speaker"
    assert soup.select_one("#speaker-timezone").get_text() == "Times in Asia/Bangkok (UTC+07:00)"
    assert soup.select_one("#add-to-calendar")["href"] == (
        f"/events/seminar/speakers/{seminar.minister.id}.ics"
    )


def test_speaker_page_bio_follows_the_reader_and_falls_back_to_another_language(client, seminar):
    client.cookies.set("eventapp_lang", "th")
    thai = page(client.get(f"/events/seminar/speakers/{seminar.minister.id}"))
    client.cookies.set("eventapp_lang", "en")
    fallback = page(client.get(f"/events/seminar/speakers/{seminar.ambassador.id}"))

    assert (thai.select_one("#speaker-bio")["lang"], text_of_soup(thai, "#speaker-bio")) == (
        "th",
        "รัฐมนตรีช่วยว่าการ",
    )
    assert (
        fallback.select_one("#speaker-bio")["lang"],
        text_of_soup(fallback, "#speaker-bio"),
    ) == (
        "th",
        "เอกอัครราชทูต",
    )


def text_of_soup(soup, selector: str) -> str:
    return " ".join(soup.select_one(selector).get_text(" ").split())


def test_speaker_page_lists_every_session_in_time_order_with_roles(client, seminar):
    soup = page(client.get(f"/events/seminar/speakers/{seminar.ambassador.id}"))

    assert [
        (s.select_one("a").get_text(), s.select_one(".session-role").get_text())
        for s in soup.select(".speaker-session")
    ] == [("Opening", "Keynote speaker"), ("Panel on scams", "Moderator")]


def test_speaker_page_refuses_a_website_that_is_not_http(client, db, seminar):
    person = db.get(Person, seminar.panellist.id)
    person.website = "javascript:alert(1)"
    db.commit()

    soup = page(client.get(f"/events/seminar/speakers/{seminar.panellist.id}"))

    assert soup.select_one("#speaker-website") is None


@pytest.mark.parametrize("who", ["declined", "draft_only", "invited"])
def test_speaker_page_of_someone_without_a_public_appearance_is_not_found(client, seminar, who):
    person = getattr(seminar, who)

    assert client.get(f"/events/seminar/speakers/{person.id}").status_code == 404
    assert client.get(f"/events/seminar/speakers/{person.id}.ics").status_code == 404


def test_speaker_page_of_another_events_person_is_not_found(client, db, seminar, owner):
    other = make_event(db, slug="other", owner=owner)  # another team
    item = make_item(db, other)
    stranger = make_person(db, other, "Stranger", "Danger")
    appear(db, other, item, stranger)
    release_agenda(db, other, owner)

    assert client.get(f"/events/other/speakers/{stranger.id}").status_code == 200
    assert client.get(f"/events/seminar/speakers/{stranger.id}").status_code == 404
    assert client.get(f"/events/seminar/speakers/{stranger.id}.ics").status_code == 404
    assert client.get(f"/events/other/speakers/{seminar.minister.id}").status_code == 404


@pytest.mark.parametrize(
    "path", ["speakers/0", "speakers/99999999999", "speakers/x", "nope/speakers"]
)
def test_nonsense_speaker_addresses_are_not_found(client, seminar, path):
    assert client.get(f"/events/seminar/{path}").status_code == 404


def test_speaker_calendar_holds_their_sessions(client, seminar):
    response = client.get(f"/events/seminar/speakers/{seminar.ambassador.id}.ics")

    calendar = Calendar.from_ical(response.content)
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert sorted(str(v["summary"]) for v in calendar.walk("VEVENT")) == [
        "Opening",
        "Panel on scams",
    ]


# Line-ups on the agenda and session pages -------------------------------------------------------


def test_agenda_shows_each_items_line_up_by_role(client, db, seminar):
    set_event(db, seminar.event, show_unconfirmed=True)

    soup = page(client.get("/events/seminar/agenda"))

    lineup = soup.select_one(f"#item-{seminar.panel.id} .agenda-lineup")
    assert names_in(lineup, "li") == [
        "Moderator: H.E. Mr. David Daly",
        "Panellists: Prof. Wisit Wisitsora-at, Mali Chaiyo (to be confirmed)",
    ]
    opening = soup.select_one(f"#item-{seminar.opening.id} .agenda-lineup")
    assert names_in(opening, ".lineup-name") == ["H.E. Mr. Russ Jalichandra", "H.E. Mr. David Daly"]
    assert soup.select_one("#speakers-link")["href"] == "/events/seminar/speakers"


def test_session_page_shows_the_full_line_up_with_links(client, seminar):
    soup = page(client.get(f"/events/seminar/sessions/{seminar.panel.id}"))

    people = soup.select("#session-lineup .lineup-person")
    assert [
        (
            p.select_one(".lineup-name").get_text(),
            p.select_one(".lineup-name")["href"],
            p.select_one(".lineup-role").get_text(),
            " / ".join(names_in(p, ".lineup-position, .lineup-organisation")),
        )
        for p in people
    ] == [
        (
            "H.E. Mr. David Daly",
            f"/events/seminar/speakers/{seminar.ambassador.id}",
            "Moderator",
            "Ambassador of the European Union to Thailand / Delegation of the European Union",
        ),
        (
            "Prof. Wisit Wisitsora-at",
            f"/events/seminar/speakers/{seminar.panellist.id}",
            "Panellist",
            "Ministry of DES",
        ),
    ]


def test_session_without_a_line_up_shows_none(client, db, seminar, owner):
    soup = page(client.get(f"/events/seminar/sessions/{seminar.opening.id}"))
    bare = make_item(db, seminar.event, "Coffee", at="15:00", kind=ItemKind.BREAK)
    release_agenda(db, seminar.event, owner)

    empty = page(client.get(f"/events/seminar/sessions/{bare.id}"))

    assert len(soup.select("#session-lineup li")) == 2
    assert empty.select_one("#session-lineup") is None


# Hostile text and private details ---------------------------------------------------------------


@pytest.fixture
def hostile(db, seminar):
    person = make_person(
        db,
        seminar.event,
        HOSTILE_NAME,
        HOSTILE_NAME,
        honorific=HOSTILE_NAME,
        position=HOSTILE_NAME,
        organisation=HOSTILE_NAME,
        country=HOSTILE_NAME,
        website='https://example.org/"><script>alert(3)</script>',
        bios={"en": f"{HOSTILE_NAME}\n\n[x](javascript:alert(4)) <script>alert(5)</script>"},
        thumbnail_id=make_photo(db).id,
    )
    appear(db, seminar.event, seminar.panel, person, AppearanceRole.PANELLIST)
    return person


@pytest.mark.parametrize(
    "path", ["speakers", "speakers/{id}", "agenda", "sessions/{panel}", "agenda?both=1"]
)
def test_hostile_names_and_bios_show_as_text(client, seminar, hostile, path):
    soup = page(client.get("/events/seminar/" + path.format(id=hostile.id, panel=seminar.panel.id)))

    main = soup.select_one("main")
    assert main.select("script") == []
    assert [img.get("onerror") for img in main.select("img")] == [None] * len(main.select("img"))
    assert all(img["src"].startswith("/media/") for img in main.select("img"))
    assert HOSTILE_NAME in main.get_text()
    assert [a["href"] for a in main.select("a") if "javascript" in a["href"]] == []


def test_hostile_bio_is_sanitised_markdown(client, hostile):
    soup = page(client.get(f"/events/seminar/speakers/{hostile.id}"))

    bio = soup.select_one("#speaker-bio")
    assert bio.select("a") == []
    assert "<script>alert(5)</script>" in bio.get_text()
    assert soup.select_one("#speaker-website")["href"] == (
        'https://example.org/"><script>alert(3)</script>'
    )


@pytest.mark.parametrize(
    "path",
    [
        "speakers", "speakers/{id}", "speakers/{id}.ics", "agenda", "agenda?both=1",
        "sessions/{panel}", "sessions/{panel}.ics", "agenda.ics", "agenda.csv", "schedule.xml",
        "schedule.json",
    ],
)  # fmt: skip
def test_email_and_phone_are_never_public(client, db, seminar, path):
    set_event(db, seminar.event, show_unconfirmed=True)
    for n, person in enumerate(seminar.people):
        person = db.get(Person, person.id)
        person.phone = f"+66 81 555 {n:04d}"
    db.commit()

    body = client.get(
        "/events/seminar/" + path.format(id=seminar.ambassador.id, panel=seminar.panel.id)
    ).text

    found = [
        value
        for person in seminar.people
        for value in (db.get(Person, person.id).email, db.get(Person, person.id).phone)
        if value in body
    ]
    assert found == []


# Names, caching and cost ------------------------------------------------------------------------


def test_family_first_names_and_display_names_are_written_by_name_for(client, db, seminar):
    person = make_person(
        db, seminar.event, "Mei", "Wang", name_order=NameOrder.FAMILY_FIRST, honorific="Dr."
    )
    shown = make_person(db, seminar.event, "Ignored", "Ignored", display_name="The Rapporteur")
    appear(db, seminar.event, seminar.panel, person, AppearanceRole.DISCUSSANT)
    appear(db, seminar.event, seminar.panel, shown, AppearanceRole.RAPPORTEUR)

    soup = page(client.get("/events/seminar/speakers"))

    assert names_in(soup, ".speaker-name")[-2:] == ["The Rapporteur", "Dr. Wang Mei"]


@pytest.mark.parametrize(
    ("path", "cached"),
    [
        ("/events/s/speakers", True),
        ("/events/s/speakers/12", True),
        ("/events/s/speakers/12.ics", True),
        ("/events/s/speakers/12/x", False),
        ("/events/s/speakers/x", False),
        ("/events/s/speakers.csv", False),
    ],
)
def test_speaker_pages_are_publicly_cacheable(path, cached):
    assert (CACHEABLE.match(path) is not None) == cached


def test_anonymous_cached_speaker_page_follows_a_change_of_person(client, db, seminar):
    path = f"/events/seminar/speakers/{seminar.minister.id}"
    client.get(path)
    person = db.get(Person, seminar.minister.id)
    person.position = "Minister of Foreign Affairs"
    events.touch(db.get(Event, seminar.event.id))
    db.commit()

    soup = page(client.get(path))

    assert soup.select_one("#speaker-position").get_text() == "Minister of Foreign Affairs"


def _grow(db, event, owner, items: list[AgendaItem], first: int, last: int) -> None:
    """People `first`..`last`-1, each with a photo, confirmed on one of the items."""
    for n in range(first, last):
        person = make_person(
            db, event, f"Given{n}", f"Family{n}", organisation=f"Org {n % 7}",
            thumbnail_id=make_photo(db).id, bios={"en": f"Bio {n}"},
        )  # fmt: skip
        appear(db, event, items[n % len(items)], person, AppearanceRole.PANELLIST, precedence=n)


@pytest.mark.parametrize(
    ("path", "order"),
    [
        ("speakers", LineupOrder.PROTOCOL),
        ("speakers", LineupOrder.ORGANISATION),
        ("agenda", LineupOrder.PROTOCOL),
        ("speakers/{first}", LineupOrder.PROTOCOL),
        ("sessions/{item}", LineupOrder.PROTOCOL),
    ],
)
def test_public_pages_with_line_ups_cost_the_same_for_5_or_100_people(
    client, db, owner, count_queries, path, order
):
    # Logged in, so the page is rendered by its route (not the public cache's copy).
    log_in(client, make_user(db))
    event = make_event(db, slug="growing", owner=owner, lineup_order=order)
    hall = make_room(db, event)
    items = [
        make_item(db, event, f"Item {n}", at=f"{8 + n // 4:02d}:{(n % 4) * 15:02d}", room=hall)
        for n in range(40)
    ]

    def measure() -> tuple[int, int]:
        first = db.scalar(select(Person).where(Person.given_name == "Given0"))
        url = "/events/growing/" + path.format(first=first.id, item=items[0].id)
        with count_queries() as counted:
            response = client.get(url)
        assert response.status_code == 200
        shown = page(response).select(".speaker-card, .lineup-name, .speaker-session")
        return len(counted), len(shown)

    release_agenda(db, event, owner)
    _grow(db, event, owner, items, 0, 5)
    five, shown_five = measure()
    _grow(db, event, owner, items, 5, 100)
    hundred, shown_hundred = measure()

    assert hundred == five
    assert shown_hundred > shown_five or path == "speakers/{first}"
