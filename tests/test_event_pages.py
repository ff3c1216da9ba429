"""Organisers' event pages: their list of events, creating and editing an event, its status,
who may do what, and bad input."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from eventapp.models import ActivityLog, Event, EventStatus, Membership, Role
from tests.factories import add_host, add_member, log_in, make_event, make_user, page, submit


def event_form(**overrides) -> dict:
    data = {
        "title": "EU–ASEAN Forum on Cyber Resilience",
        "slug": "",
        "description": "Two days of *frank* exchange.",
        "timezone": "Asia/Bangkok",
        "start_date": "2030-03-10",
        "start_time": "09:00",
        "end_date": "2030-03-11",
        "end_time": "16:30",
        "venue_name": "Queen Sirikit National Convention Center",
        "venue_address": "60 Ratchadaphisek Road, Bangkok 10110",
        "languages": ["en", "th"],
        "default_language": "en",
        "visibility": "listed",
    }
    data.update(overrides)
    return data


def edit_form(event: Event, **overrides) -> dict:
    return event_form(version=str(event.version), **overrides)


def error_beside(soup, field: str) -> str:
    """The message beside a field, checking it is tied to the field for assistive technology."""
    message = soup.select_one(f"#error-{field}")
    assert message is not None, f"no error beside {field}"
    control = soup.select_one(f"#input-{field}")
    if control is not None:
        assert control["aria-invalid"] == "true"
        assert f"error-{field}" in control["aria-describedby"].split()
    return message.get_text(strip=True)


def row(db, event: Event) -> dict:
    """The event as stored now. The read is committed at once: SQLite has one writer, and the
    app's next request must not wait for this session."""
    values = (
        db.execute(
            select(
                Event.title,
                Event.slug,
                Event.starts_at,
                Event.timezone,
                Event.version,
                Event.description,
                Event.status,
            ).where(Event.id == event.id)
        )
        .one()
        ._asdict()
    )
    db.commit()
    return values


def slugs(db) -> list[str]:
    found = sorted(db.scalars(select(Event.slug)))
    db.commit()
    return found


@pytest.fixture
def owner(db):
    return make_user(db, name="Olivia Owner")


@pytest.fixture
def event(db, owner):
    return make_event(db, title="Seminar on Online Scams", owner=owner)


# The list of events --------------------------------------------------------------------------


def test_manage_home_lists_only_the_users_events_with_their_status(client, db, owner):
    mine = make_event(db, title="Mine", owner=owner, status=EventStatus.DRAFT)
    make_event(db, title="Someone else's")
    log_in(client, owner)

    response = client.get("/manage/")

    items = page(response).select("#my-events li.manage-event")
    assert [(i.select_one("h2").get_text(strip=True), i.select_one("[data-status]")["data-status"])
            for i in items] == [("Mine", "draft")]  # fmt: skip
    assert items[0].select_one("h2 a")["href"] == f"/manage/events/{mine.id}/"


def test_manage_home_shows_admins_every_event(client, db, owner):
    make_event(db, title="First", owner=owner)
    make_event(db, title="Second")
    admin = make_user(db, is_admin=True)
    log_in(client, admin)

    response = client.get("/manage/")

    titles = [h.get_text(strip=True) for h in page(response).select("#my-events h2")]
    assert sorted(titles) == ["First", "Second"]


def test_manage_home_asks_anonymous_visitors_to_log_in(client):
    response = client.get("/manage/")

    assert (response.status_code, response.headers["location"]) == (303, "/login?next=/manage/")


def test_manage_home_query_count_does_not_grow_with_events(client, db, owner, count_queries):
    make_event(db, owner=owner)
    log_in(client, owner)
    with count_queries() as one:
        assert client.get("/manage/").status_code == 200
    for _ in range(49):
        make_event(db, owner=owner)

    with count_queries() as fifty:
        response = client.get("/manage/")

    assert len(page(response).select("#my-events li.manage-event")) == 50
    assert len(fifty) == len(one)


# Creating an event ---------------------------------------------------------------------------


def test_any_logged_in_user_creates_an_event_and_becomes_its_owner(client, db):
    user = make_user(db)
    log_in(client, user)

    response = submit(client, "/manage/events/new", event_form())

    event = db.scalar(select(Event).where(Event.title == "EU–ASEAN Forum on Cyber Resilience"))
    assert response.status_code == 303
    assert response.headers["location"] == f"/manage/events/{event.id}/?done=created"
    role = db.scalar(
        select(Membership.role).where(
            Membership.event_id == event.id, Membership.user_id == user.id
        )
    )
    assert role == Role.OWNER
    assert (event.status, event.slug, event.languages) == (
        "draft",
        "eu-asean-forum-on-cyber-resilience",
        "en,th",
    )
    # 09:00 in Bangkok (UTC+7) is 02:00 UTC.
    assert event.starts_at == datetime(2030, 3, 10, 2, 0, tzinfo=UTC)
    assert event.ends_at == datetime(2030, 3, 11, 9, 30, tzinfo=UTC)


def test_new_event_form_is_a_plain_form_enhanced_with_htmx(client, db):
    log_in(client, make_user(db))

    response = client.get("/manage/events/new")

    form = page(response).select_one("form#event-form")
    assert (form["method"], form["action"], form["hx-post"], form["hx-target"]) == (
        "post",
        "/manage/events/new",
        "/manage/events/new",
        "this",
    )
    assert page(response).select_one("#input-timezone option[selected]")["value"] == "Asia/Bangkok"


def test_creating_with_htmx_tells_the_browser_where_to_go(client, db):
    log_in(client, make_user(db))

    response = submit(client, "/manage/events/new", event_form(), headers={"HX-Request": "true"})

    event = db.scalar(select(Event))
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/manage/events/{event.id}/?done=created"


def test_slug_is_made_readable_from_thai_and_accented_titles(client, db):
    log_in(client, make_user(db))

    submit(client, "/manage/events/new", event_form(title="สัมมนา ไทย–อียู 2030"))
    submit(client, "/manage/events/new", event_form(title="Séminaire à Bangkok"))

    assert slugs(db) == ["seminaire-a-bangkok", "สัมมนา-ไทย-อียู-2030"]


def test_a_title_already_used_gets_a_numbered_slug(client, db, event):
    log_in(client, make_user(db))

    submit(client, "/manage/events/new", event_form(title=event.title))
    submit(client, "/manage/events/new", event_form(title=event.title))

    assert slugs(db) == sorted([event.slug, "seminar-on-online-scams", "seminar-on-online-scams-2"])


def test_an_entered_slug_is_normalised(client, db):
    log_in(client, make_user(db))

    submit(client, "/manage/events/new", event_form(slug="Bangkok Forum 2030"))

    assert slugs(db) == ["bangkok-forum-2030"]


def test_languages_are_stored_with_the_main_language_first(client, db):
    log_in(client, make_user(db))

    submit(
        client,
        "/manage/events/new",
        event_form(languages=["en", "th", "fr"], default_language="th"),
    )

    assert db.scalar(select(Event.languages)) == "th,en,fr"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "This field is required."),
        ({"title": "   "}, "title", "This field is required."),
        ({"title": "x" * 201}, "title", "Use at most 200 characters."),
        ({"slug": "s" * 101}, "slug", "Use at most 100 characters."),
        ({"slug": "!!!"}, "slug", "Use letters or numbers (hyphens between words)."),
        ({"venue_name": "v" * 201}, "venue_name", "Use at most 200 characters."),
        ({"venue_address": "a" * 501}, "venue_address", "Use at most 500 characters."),
        ({"description": "d" * 20_001}, "description", "Use at most 20000 characters."),
        ({"title": "Nul\x00byte"}, "title", "This field contains a character that is not allowed."),
        (
            {"timezone": "Mars/Olympus_Mons"},
            "timezone",
            "Choose a timezone from the list, such as Asia/Bangkok.",
        ),
        ({"start_date": ""}, "start_date", "This field is required."),
        ({"start_time": "25:99"}, "start_time", "This value is not valid."),
        ({"end_date": "2030-03-09"}, "end_date", "The end must be after the start."),
        ({"languages": []}, "languages", "Choose at least one language."),
        ({"languages": ["en", "xx"]}, "languages", "Choose languages from the list."),
        (
            {"languages": ["en"], "default_language": "th"},
            "default_language",
            "Choose one of the languages ticked above.",
        ),
        (
            # Clocks in Berlin jump from 02:00 to 03:00 on 31 March 2030.
            {"timezone": "Europe/Berlin", "start_date": "2030-03-31", "start_time": "02:30"},
            "start_time",
            "This time does not exist in this timezone (the clocks change). Choose another.",
        ),
    ],
)
def test_creating_with_bad_input_answers_422_beside_the_field_and_saves_nothing(
    client, db, overrides, field, message
):
    log_in(client, make_user(db))

    response = submit(client, "/manage/events/new", event_form(**overrides))

    assert response.status_code == 422
    assert error_beside(page(response), field) == message
    assert db.scalar(select(Event.id)) is None


def test_description_length_counts_a_browsers_crlf_newline_once(client, db):
    log_in(client, make_user(db))

    response = submit(client, "/manage/events/new", event_form(description="a\r\n" * 6_000))

    assert response.status_code == 303
    assert db.scalar(select(Event.description)) == "a\n" * 6_000


def test_a_taken_slug_answers_422_beside_the_slug(client, db, event):
    log_in(client, make_user(db))

    response = submit(client, "/manage/events/new", event_form(slug=event.slug))

    assert response.status_code == 422
    assert error_beside(page(response), "slug") == (
        "Another event already uses this web address. Choose a different one."
    )
    assert db.scalar(select(Event.id).where(Event.id != event.id)) is None


def test_invalid_form_keeps_what_was_typed(client, db):
    log_in(client, make_user(db))

    response = submit(client, "/manage/events/new", event_form(title="", venue_name="<b>Hall</b>"))

    soup = page(response)
    assert soup.select_one("#input-venue_name")["value"] == "<b>Hall</b>"
    assert [c["value"] for c in soup.select("input[name=languages][checked]")] == ["en", "th"]


def test_invalid_form_with_htmx_answers_the_form_alone(client, db):
    log_in(client, make_user(db))

    plain = submit(client, "/manage/events/new", event_form(title=""))
    enhanced = submit(
        client, "/manage/events/new", event_form(title=""), headers={"HX-Request": "true"}
    )

    assert (plain.status_code, enhanced.status_code) == (422, 422)
    assert page(plain).select_one("html") is not None
    assert page(enhanced).select_one("h1") is None
    assert page(enhanced).select_one("form#event-form") is not None
    assert page(enhanced).select_one("body > header") is None
    assert error_beside(page(enhanced), "title") == "This field is required."


# Editing -------------------------------------------------------------------------------------


def test_edit_form_shows_times_in_the_events_timezone(client, db, owner):
    event = make_event(
        db,
        owner=owner,
        timezone="Europe/Brussels",
        starts_at=datetime(2030, 7, 1, 7, 0, tzinfo=UTC),
    )
    log_in(client, owner)

    soup = page(client.get(f"/manage/events/{event.id}/edit"))

    assert soup.select_one("#input-start_date")["value"] == "2030-07-01"
    assert soup.select_one("#input-start_time")["value"] == "09:00"  # CEST, UTC+2
    assert soup.select_one("input[name=version]")["value"] == "1"


def test_owner_saves_an_edit_and_the_version_goes_up(client, db, owner, event):
    log_in(client, owner)

    response = submit(
        client, f"/manage/events/{event.id}/edit", edit_form(event, title="Renamed seminar")
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"/manage/events/{event.id}/?done=saved"
    saved = row(db, event)
    assert (saved["title"], saved["version"]) == ("Renamed seminar", 2)


def test_editing_with_htmx_tells_the_browser_where_to_go(client, db, owner, event):
    log_in(client, owner)

    response = submit(
        client,
        f"/manage/events/{event.id}/edit",
        edit_form(event, title="Renamed"),
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/manage/events/{event.id}/?done=saved"


def test_organiser_may_edit(client, db, event):
    organiser = make_user(db)
    add_member(db, event, organiser, Role.ORGANISER)
    log_in(client, organiser)

    response = submit(client, f"/manage/events/{event.id}/edit", edit_form(event, title="New"))

    assert (response.status_code, row(db, event)["title"]) == (303, "New")


@pytest.mark.parametrize("role", [Role.REGISTRAR, Role.RAPPORTEUR, Role.VIEWER])
def test_narrow_roles_see_the_overview_but_may_not_edit(client, db, event, role):
    member = make_user(db)
    add_member(db, event, member, role)
    log_in(client, member)

    overview = client.get(f"/manage/events/{event.id}/")
    form = client.get(f"/manage/events/{event.id}/edit")
    save = submit(client, f"/manage/events/{event.id}/edit", edit_form(event, title="Nope"))
    publish = submit(client, f"/manage/events/{event.id}/publish", {})

    assert page(overview).select_one("#fact-title").get_text() == "Seminar on Online Scams"
    assert page(overview).select_one("#status") is None
    assert (form.status_code, save.status_code, publish.status_code) == (403, 403, 403)
    assert row(db, event)["title"] == "Seminar on Online Scams"


def test_non_members_get_404_everywhere(client, db, event):
    log_in(client, make_user(db))

    paths = ["/", "/edit", "/hosts", "/activity", "/cancel"]
    statuses = [client.get(f"/manage/events/{event.id}{path}").status_code for path in paths]
    save = submit(client, f"/manage/events/{event.id}/edit", edit_form(event, title="Nope"))

    assert statuses == [404] * len(paths)
    assert save.status_code == 404
    assert row(db, event)["title"] == "Seminar on Online Scams"


@pytest.mark.parametrize(
    "path",
    [
        "/manage/events/abc/",
        "/manage/events/0/",
        "/manage/events/-1/edit",
        "/manage/events/99999999999999999999/",
        "/manage/events/2147483648/activity",
        "/manage/events/1/hosts/x/edit",
        "/manage/events/1.5/hosts",
    ],
)
def test_malformed_ids_answer_404(client, db, owner, event, path):
    log_in(client, owner)

    response = client.get(path)

    assert response.status_code == 404
    assert page(response).select_one("#error-title").get_text() == "Page not found"


def test_edit_with_a_taken_slug_answers_422_and_changes_nothing(client, db, owner, event):
    other = make_event(db, slug="taken-slug")
    log_in(client, owner)
    before = row(db, event)

    response = submit(
        client,
        f"/manage/events/{event.id}/edit",
        edit_form(event, title="Changed", slug=other.slug),
    )

    assert response.status_code == 422
    assert error_beside(page(response), "slug").startswith("Another event already uses")
    assert row(db, event) == before


def test_edit_with_end_before_start_answers_422_and_changes_nothing(client, db, owner, event):
    log_in(client, owner)
    before = row(db, event)

    response = submit(
        client,
        f"/manage/events/{event.id}/edit",
        edit_form(event, start_date="2030-05-02", end_date="2030-05-01"),
    )

    assert response.status_code == 422
    assert error_beside(page(response), "end_date") == "The end must be after the start."
    assert row(db, event) == before


def test_a_stale_save_is_refused_with_their_version_beside_yours(client, db, owner, event):
    organiser = make_user(db)
    add_member(db, event, organiser, Role.ORGANISER)
    log_in(client, owner)
    opened = edit_form(event)  # both open the form at version 1
    submit(client, f"/manage/events/{event.id}/edit", {**opened, "title": "Their title"})

    response = submit(
        client,
        f"/manage/events/{event.id}/edit",
        {**opened, "title": "My title", "venue_name": "My venue"},
    )

    soup = page(response)
    assert response.status_code == 409
    assert soup.select_one("#conflict-heading").get_text() == (
        "Someone else saved this event while you were editing"
    )
    theirs = soup.select_one("#their-version #conflict-title .theirs .conflict-value")
    yours = soup.select_one("#their-version #conflict-title .yours .conflict-value")
    assert (theirs.get_text(), yours.get_text()) == ("Their title", "My title")
    assert soup.select_one("#input-title")["value"] == "My title"
    assert soup.select_one("input[name=version]")["value"] == "2"
    assert row(db, event)["title"] == "Their title"


def test_saving_again_after_a_conflict_replaces_their_version(client, db, owner, event):
    log_in(client, owner)
    opened = edit_form(event)
    submit(client, f"/manage/events/{event.id}/edit", {**opened, "title": "Their title"})
    conflict = submit(client, f"/manage/events/{event.id}/edit", {**opened, "title": "Mine"})
    version = page(conflict).select_one("input[name=version]")["value"]

    response = submit(
        client, f"/manage/events/{event.id}/edit", {**opened, "title": "Mine", "version": version}
    )

    assert response.status_code == 303
    assert (row(db, event)["title"], row(db, event)["version"]) == ("Mine", 3)


def test_a_stale_save_with_htmx_answers_the_form_with_the_conflict(client, db, owner, event):
    log_in(client, owner)
    opened = edit_form(event)
    submit(client, f"/manage/events/{event.id}/edit", {**opened, "title": "Their title"})

    response = submit(
        client,
        f"/manage/events/{event.id}/edit",
        {**opened, "title": "Mine"},
        headers={"HX-Request": "true"},
    )

    soup = page(response)
    assert response.status_code == 409
    assert soup.select_one("h1") is None
    assert soup.select_one("form#event-form #conflict") is not None


def test_a_save_without_a_version_is_refused(client, db, owner, event):
    log_in(client, owner)
    data = edit_form(event, title="Changed")
    del data["version"]

    response = submit(client, f"/manage/events/{event.id}/edit", data)

    assert response.status_code == 422
    assert page(response).select_one("#form-error").get_text() == (
        "The form was incomplete. Reload the page and try again."
    )
    assert row(db, event)["title"] == "Seminar on Online Scams"


def test_saving_without_changes_keeps_the_version(client, db, owner):
    event = make_event(db, owner=owner, starts_at=datetime(2030, 5, 1, 2, 0, tzinfo=UTC))
    log_in(client, owner)
    form = page(client.get(f"/manage/events/{event.id}/edit"))
    data = {
        field["name"]: field.get("value", "")
        for field in form.select("#event-form input[name]")
        if field.get("type") not in ("checkbox", "radio")
    }
    data["description"] = form.select_one("#input-description").get_text()
    data["venue_address"] = form.select_one("#input-venue_address").get_text()
    data["timezone"] = form.select_one("#input-timezone option[selected]")["value"]
    data["default_language"] = form.select_one("#input-default_language option[selected]")["value"]
    data["languages"] = [c["value"] for c in form.select("input[name=languages][checked]")]
    data["visibility"] = form.select_one("input[name=visibility][checked]")["value"]

    response = submit(client, f"/manage/events/{event.id}/edit", data)

    assert response.headers["location"] == f"/manage/events/{event.id}/?done=unchanged"
    assert row(db, event)["version"] == 1


# Status --------------------------------------------------------------------------------------


def test_publish_unpublish_and_cancel_with_their_buttons(client, db, owner):
    event = make_event(db, owner=owner, status=EventStatus.DRAFT)
    add_host(db, event, "Ministry of Foreign Affairs")
    log_in(client, owner)
    path = f"/manage/events/{event.id}"

    buttons = [
        b.get_text(strip=True) for b in page(client.get(f"{path}/")).select("#status button")
    ]
    published = submit(client, f"{path}/publish", {})
    status_after_publish = row(db, event)["status"]
    unpublished = submit(client, f"{path}/unpublish", {})
    status_after_unpublish = row(db, event)["status"]
    submit(client, f"{path}/publish", {})
    confirm = page(client.get(f"{path}/cancel"))
    cancelled = submit(client, f"{path}/cancel", {})

    assert buttons == ["Publish"]
    assert published.headers["location"] == f"{path}/?done=published"
    assert (status_after_publish, status_after_unpublish) == ("published", "draft")
    assert confirm.select_one("#confirm-cancel form")["action"] == f"{path}/cancel"
    assert (unpublished.status_code, cancelled.status_code) == (303, 303)
    assert row(db, event)["status"] == "cancelled"


def test_publishing_needs_a_co_host(client, db, owner):
    event = make_event(db, owner=owner, status=EventStatus.DRAFT)
    log_in(client, owner)

    response = submit(client, f"/manage/events/{event.id}/publish", {})

    assert response.status_code == 422
    assert page(response).select_one("#problem").get_text() == (
        "Add at least one co-host before publishing the event."
    )
    assert row(db, event)["status"] == "draft"


def test_cancelling_a_draft_is_refused_with_409(client, db, owner):
    event = make_event(db, owner=owner, status=EventStatus.DRAFT)
    log_in(client, owner)

    response = submit(client, f"/manage/events/{event.id}/cancel", {})

    assert response.status_code == 409
    assert row(db, event)["status"] == "draft"
    assert db.scalar(select(ActivityLog.id).where(ActivityLog.action == "event.cancel")) is None


def test_a_status_change_does_not_make_an_open_edit_form_stale(client, db, owner, event):
    add_host(db, event, "Ministry")
    log_in(client, owner)
    opened = edit_form(event)
    submit(client, f"/manage/events/{event.id}/unpublish", {})

    response = submit(client, f"/manage/events/{event.id}/edit", {**opened, "title": "Still fine"})

    assert response.status_code == 303
    assert row(db, event)["title"] == "Still fine"


def test_overview_shows_the_event_in_its_timezone(client, db, owner):
    event = make_event(
        db,
        owner=owner,
        starts_at=datetime(2030, 8, 8, 2, 0, tzinfo=UTC),
        venue_name="Ministry of Foreign Affairs",
        timezone="Asia/Bangkok",
    )
    log_in(client, owner)

    soup = page(client.get(f"/manage/events/{event.id}/"))

    assert soup.select_one("#fact-when .tz-label").get_text() == "Asia/Bangkok (UTC+07:00)"
    assert [t["datetime"] for t in soup.select("#fact-when time")] == [
        "2030-08-08T09:00:00+07:00",
        "2030-08-08T17:00:00+07:00",
    ]
    assert soup.select_one("#fact-when .when-date").get_text() == "Thursday, August 8, 2030"
    assert [a.get_text() for a in soup.select("nav.event-nav a")] == [
        "Overview",
        "Edit",
        "Agenda",
        "People",
        "Registrations",
        "Check-in",
        "Notes",
        "Co-hosts",
        "Team",
        "Activity",
    ]
    assert soup.select_one("nav.event-nav a[aria-current=page]").get_text() == "Overview"
