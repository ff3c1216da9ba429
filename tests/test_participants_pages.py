"""The participant list (routes/public_participants.py): who is on it (confirmed, opted in, not
anonymised), what it shows (never an email), who sees it as the organisers chose (public,
attendees through their personal link, or no one), its pages, and that it is never served
stale from the public page cache."""

import secrets
from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from eventapp import public_cache
from eventapp import registration as rules
from eventapp.models import (
    EventStatus,
    ParticipantList,
    Registration,
    RegistrationStatus,
)
from tests.factories import make_event, make_user, open_registration, page, text_of
from tests.test_checkin import person as registered

PRIVATE = {"cache-control": "no-store", "referrer-policy": "same-origin"}


@pytest.fixture
def owner(db):
    return make_user(db, name="Olivia Owner")


@pytest.fixture
def event(db, owner):
    found = make_event(db, owner=owner, title="EU–Southeast Asia Digital Diplomacy Forum")
    open_registration(db, found, participant_list=ParticipantList.PUBLIC)
    return found


def person(db, event, given: str, family: str, **fields) -> Registration:
    """Registered through the rules, in the list unless told."""
    fields.setdefault("in_participant_list", True)
    return registered(db, event, given, family, **fields)


def many(db, event, number: int, *, start: int = 0) -> None:
    """`number` confirmed, listed registrations, written straight to the table (quick)."""
    for n in range(start, start + number):
        nonce = secrets.token_urlsafe(32)
        db.add(
            Registration(
                event_id=event.id,
                status=RegistrationStatus.CONFIRMED,
                given_name=f"Guest{n:03d}",
                family_name="Many",
                email=f"guest{n}@example.org",
                organisation=f"Organisation {n}",
                country="SE",
                in_participant_list=True,
                link_nonce=nonce,
                token_hash=secrets.token_hex(32),
                ticket_hash=secrets.token_hex(32),
                privacy_accepted_at=datetime.now(UTC),
            )
        )
    db.commit()


def set_list(db, event, choice: ParticipantList) -> None:
    open_registration(db, event, participant_list=choice)


def rows(response) -> list[list[str]]:
    return [
        [" ".join(cell.get_text(" ").split()) for cell in row.select("td")]
        for row in page(response).select("#participants tbody tr")
    ]


def link_of(found: Registration) -> str:
    return f"/registrations/{rules.link_token(found)}/participants"


@pytest.fixture
def crowd(db, event, owner):
    """Listed: Dr. Anna Lind, Bo Berg, Chai Wong; not listed: a quiet one, a waitlisted, a
    pending, a cancelled and an anonymised one, and someone of another event."""
    listed = [
        person(db, event, "Chai", "Wong", organisation="ASEAN Secretariat", country="ID"),
        person(
            db,
            event,
            "Anna",
            "Lind",
            honorific="Dr.",
            position="Counsellor",
            organisation="EU Delegation",
            country="SE",
        ),
        person(db, event, "Bo", "berg", position="Attaché", country="TH"),
    ]
    person(db, event, "Quiet", "Aaberg", in_participant_list=False)
    gone = person(db, event, "Gone", "Aalto")
    rules.cancel(db, event, gone)
    anonymised = person(db, event, "Hidden", "Aaron")
    anonymised.anonymised_at = datetime.now(UTC)
    db.commit()
    open_registration(db, event, capacity=4)
    person(db, event, "Waiting", "Abel")  # waitlisted
    db.execute(
        update(Registration)
        .where(Registration.email == "waiting.abel@example.org")
        .values(status=RegistrationStatus.PENDING)
    )
    person(db, event, "Wait", "Abbott")  # waitlisted
    other = make_event(db, owner=owner, title="Another forum")
    open_registration(db, other, participant_list=ParticipantList.PUBLIC)
    person(db, other, "Other", "Aardvark")
    return listed


def test_the_public_list_shows_the_confirmed_who_opted_in_by_family_name(client, event, crowd):
    response = client.get(f"/events/{event.slug}/participants")

    assert response.status_code == 200
    assert [th.get_text(strip=True) for th in page(response).select("#participants thead th")] == [
        "Name",
        "Position",
        "Organisation",
        "Country",
    ]
    assert rows(response) == [
        ["Bo berg", "Attaché", "", "Thailand"],
        ["Dr. Anna Lind", "Counsellor", "EU Delegation", "Sweden"],
        ["Chai Wong", "", "ASEAN Secretariat", "Indonesia"],
    ]
    assert text_of(response, "#participants-count") == "3 participants"
    shown = text_of(response)
    assert [email for email in ("bo.berg@example.org", "@example.org") if email in shown] == []


def test_country_names_follow_the_reader_s_language(client, event, crowd):
    client.cookies.set("eventapp_lang", "th")

    response = client.get(f"/events/{event.slug}/participants")

    assert [row[3] for row in rows(response)] == ["ไทย", "สวีเดน", "อินโดนีเซีย"]


def test_names_are_shown_as_text(client, db, event):
    person(db, event, "<script>alert(1)</script>", "Lind", email="x@example.org")

    response = client.get(f"/events/{event.slug}/participants")

    assert rows(response)[0][0] == "<script>alert(1)</script> Lind"
    assert page(response).select("main script") == []


def test_an_opt_out_shows_at_once_the_list_is_never_cached(client, db, event, crowd):
    anna = crowd[1]
    assert public_cache.CACHEABLE.match(f"/events/{event.slug}/participants") is None
    first = client.get(f"/events/{event.slug}/participants")

    anna.in_participant_list = False
    db.commit()
    second = client.get(f"/events/{event.slug}/participants")

    assert [row[0] for row in rows(first)] == ["Bo berg", "Dr. Anna Lind", "Chai Wong"]
    assert [row[0] for row in rows(second)] == ["Bo berg", "Chai Wong"]


def test_an_empty_list_says_so(client, db, event):
    response = client.get(f"/events/{event.slug}/participants")

    assert (response.status_code, text_of(response, "#participants-empty")) == (
        200,
        "No one is listed yet.",
    )


# Who sees it ---------------------------------------------------------------------------------


def test_a_list_for_attendees_is_not_public_but_a_confirmed_attendee_sees_it(
    client, db, event, crowd
):
    set_list(db, event, ParticipantList.ATTENDEES)
    anna = crowd[1]

    public = client.get(f"/events/{event.slug}/participants")
    own = client.get(link_of(anna))

    assert public.status_code == 404
    assert own.status_code == 200
    assert {name: own.headers[name] for name in PRIVATE} == PRIVATE
    assert [row[0] for row in rows(own)] == ["Bo berg", "Dr. Anna Lind", "Chai Wong"]
    assert text_of(own, "#attendees-only") == (
        "Only registered participants can see this list. Please do not share it."
    )


def test_a_public_list_is_also_shown_through_the_personal_link(client, db, event, crowd):
    response = client.get(link_of(crowd[0]))

    assert response.status_code == 200
    assert len(rows(response)) == 3


@pytest.mark.parametrize(
    "status",
    [
        RegistrationStatus.WAITLISTED,
        RegistrationStatus.PENDING,
        RegistrationStatus.CANCELLED,
        RegistrationStatus.REJECTED,
    ],
)
def test_an_attendee_who_is_not_confirmed_does_not_see_it(client, db, event, crowd, status):
    set_list(db, event, ParticipantList.ATTENDEES)
    anna = crowd[1]
    anna.status = status
    db.commit()

    response = client.get(link_of(anna))

    assert response.status_code == 404
    assert response.headers["cache-control"] == "no-store"


def test_an_anonymised_attendee_does_not_see_it(client, db, event, crowd):
    set_list(db, event, ParticipantList.ATTENDEES)
    anna = crowd[1]
    anna.anonymised_at = datetime.now(UTC)
    db.commit()

    assert client.get(link_of(anna)).status_code == 404


def test_a_list_that_is_off_is_not_shown_to_anyone(client, db, event, crowd):
    set_list(db, event, ParticipantList.OFF)

    public = client.get(f"/events/{event.slug}/participants")
    own = client.get(link_of(crowd[1]))

    assert (public.status_code, own.status_code) == (404, 404)


def test_an_event_never_set_up_for_registration_has_no_list(client, db, owner):
    bare = make_event(db, owner=owner)

    assert client.get(f"/events/{bare.slug}/participants").status_code == 404


def test_an_unknown_or_altered_link_answers_404(client, event, crowd):
    token = rules.link_token(crowd[1])

    altered = client.get(f"/registrations/{token[:-1]}x/participants")
    short = client.get("/registrations/abc/participants")

    assert (altered.status_code, short.status_code) == (404, 404)
    assert altered.headers["referrer-policy"] == "same-origin"


def test_a_draft_events_list_is_for_its_team_only(client, db, event, crowd):
    event.status = EventStatus.DRAFT
    db.commit()

    assert client.get(f"/events/{event.slug}/participants").status_code == 404


# Pages --------------------------------------------------------------------------------------


def test_a_long_list_comes_in_pages_of_100(client, db, event):
    many(db, event, 101)
    path = f"/events/{event.slug}/participants"

    first = client.get(path)
    second = client.get(path, params={"page": "2"})
    statuses = [client.get(path, params={"page": p}).status_code for p in ("3", "0", "x", "-1")]

    assert (len(rows(first)), rows(first)[0][0], rows(first)[-1][0]) == (
        100,
        "Guest000 Many",
        "Guest099 Many",
    )
    assert rows(second) == [["Guest100 Many", "", "Organisation 100", "Sweden"]]
    assert page(first).select_one("a[rel=next]")["href"] == f"{path}?page=2"
    assert page(second).select_one("a[rel=prev]")["href"] == f"{path}?page=1"
    assert text_of(first, ".pagination [aria-current=page]") == "Page 1 of 2"
    assert text_of(second, "#participants-count") == "101 participants"
    assert statuses == [404] * 4


def test_the_list_query_count_holds_from_1_to_50(client, db, event, count_queries):
    many(db, event, 1)
    path = f"/events/{event.slug}/participants"
    with count_queries() as one:
        assert client.get(path).status_code == 200
    many(db, event, 49, start=1)

    with count_queries() as fifty:
        response = client.get(path)

    assert len(rows(response)) == 50
    assert len(fifty) == len(one)


def test_the_attendee_list_query_count_holds_from_1_to_50(client, db, event, count_queries):
    set_list(db, event, ParticipantList.ATTENDEES)
    holder = person(db, event, "Anna", "Lind")
    with count_queries() as one:
        assert client.get(link_of(holder)).status_code == 200
    many(db, event, 49)

    with count_queries() as fifty:
        response = client.get(link_of(holder))

    assert len(rows(response)) == 50
    assert len(fifty) == len(one)


@pytest.mark.parametrize(
    ("setting", "linked"), [("public", True), ("attendees", False), ("off", False)]
)
def test_the_event_page_links_the_list_only_when_it_is_public(client, db, setting, linked):
    event = make_event(db, owner=make_user(db))
    open_registration(db, event, participant_list=setting)

    link = page(client.get(f"/events/{event.slug}")).select_one("#participants-link")

    assert (link["href"] if link else None) == (
        f"/events/{event.slug}/participants" if linked else None
    )
