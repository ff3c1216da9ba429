"""Organisers' book of people: the list with its as-you-type search, adding and editing a person
(with the conflict panel on 409), the photo and its square thumbnail, the person's place on this
event's line-up and their invitation; the event's line-up settings and the team of a new event;
who may, and bad input."""

import io
from datetime import UTC, datetime

import pytest
from PIL import Image
from sqlalchemy import func, select

from eventapp import people, uploads
from eventapp.models import (
    ActivityLog,
    Event,
    LineupOrder,
    MailMessage,
    NameOrder,
    Person,
    Role,
    Speaker,
    Team,
    Upload,
)
from tests.factories import (
    add_member,
    form_data,
    fragment,
    log_in,
    make_event,
    make_user,
    page,
    read,
    read_all,
    submit,
)

STARTS = datetime(2030, 8, 8, 2, 0, tzinfo=UTC)
HTMX = {"HX-Request": "true"}
NASTY = '"><img src=x onerror=alert(1)><script>alert(2)</script>'


def make_person(db, event: Event, **fields) -> Person:
    """A person in the event's team's book."""
    fields.setdefault("given_name", "Russ")
    fields.setdefault("family_name", "Jalichandra")
    person = Person(team_id=event.team_id, **fields)
    db.add(person)
    db.commit()
    return person


def person_form(**overrides) -> dict:
    data = {
        "honorific": "H.E. Mr.",
        "given_name": "Russ",
        "family_name": "Jalichandra",
        "name_order": "given_first",
        "display_name": "",
        "post_nominals": "",
        "position": "Vice Minister for Foreign Affairs",
        "organisation": "Ministry of Foreign Affairs of Thailand",
        "country": "Thailand",
        "website": "https://www.mfa.go.th",
        "bio_en": "Career **diplomat**.",
        "bio_th": "นักการทูตอาชีพ",
        "email": "russ@example.org",
        "phone": "+66 2 203 5000",
    }
    data.update(overrides)
    return data


def stored(db, person_id: int) -> dict | None:
    row = db.execute(
        select(
            Person.honorific,
            Person.given_name,
            Person.family_name,
            Person.name_order,
            Person.position,
            Person.website,
            Person.bios,
            Person.email,
            Person.photo_id,
            Person.thumbnail_id,
            Person.version,
        ).where(Person.id == person_id)
    ).first()
    db.commit()
    return row._asdict() if row else None


def count(db, model) -> int:
    return read(db, select(func.count()).select_from(model))


def error_beside(soup, field: str) -> str:
    """The message beside a field, checking it is tied to the field for assistive technology."""
    message = soup.select_one(f"#error-{field}")
    assert message is not None, f"no error beside {field}"
    control = soup.select_one(f"#input-{field}")
    assert control["aria-invalid"] == "true"
    assert f"error-{field}" in control["aria-describedby"].split()
    return message.get_text(strip=True)


def png(size=(300, 200), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def row_texts(soup) -> list[list[str]]:
    return [
        [" ".join(cell.get_text(" ").split()) for cell in row.select("td")]
        for row in soup.select("#people tbody tr")
    ]


@pytest.fixture
def owner(db):
    return make_user(db, name="Olivia Owner")


@pytest.fixture
def event(db, owner):
    return make_event(db, title="Seminar on Online Scams", starts_at=STARTS, owner=owner)


@pytest.fixture
def base(event) -> str:
    return f"/manage/events/{event.id}/people"


@pytest.fixture
def mail_templates():
    """The speaker invitation mail is written by its own change; these tests need only that
    one exists."""
    from eventapp.templating import environment

    environment.get_template("mail/speaker_invitation.txt")
    environment.get_template("mail/speaker_invitation.html")


# Who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.REGISTRAR, Role.RAPPORTEUR, Role.VIEWER])
def test_narrow_roles_may_not_open_or_change_people(client, db, event, base, role):
    person = make_person(db, event, email="russ@example.org")
    member = make_user(db)
    add_member(db, event, member, role)
    log_in(client, member)
    one = f"{base}/{person.id}"

    statuses = {
        "book": client.get(base).status_code,
        "new": client.get(f"{base}/new").status_code,
        "person": client.get(one).status_code,
        "edit form": client.get(f"{one}/edit").status_code,
        "add": submit(client, f"{base}/new", person_form(email="x@example.org")).status_code,
        "edit": submit(client, f"{one}/edit", person_form(version="1")).status_code,
        "photo": submit(
            client, f"{one}/photo", {}, files={"photo": ("p.png", png(), "image/png")}
        ).status_code,
        "remove photo": submit(client, f"{one}/photo/remove", {}).status_code,
        "precedence": submit(client, f"{one}/precedence", {"precedence": "1"}).status_code,
        "invite": submit(client, f"{one}/invite", {}).status_code,
        "revoke": submit(client, f"{one}/revoke", {}).status_code,
    }

    assert set(statuses.values()) == {403}
    assert (count(db, Person), count(db, Speaker), count(db, Upload)) == (1, 0, 0)
    nav = [
        a.get_text(strip=True)
        for a in page(client.get(f"/manage/events/{event.id}/")).select(".event-nav a")
    ]
    assert "People" not in nav


def test_non_members_get_404_everywhere(client, db, event, base):
    person = make_person(db, event)
    log_in(client, make_user(db))

    paths = ["", "/new", f"/{person.id}", f"/{person.id}/edit"]
    statuses = [client.get(f"{base}{path}").status_code for path in paths]
    added = submit(client, f"{base}/new", person_form())

    assert statuses == [404] * len(paths)
    assert added.status_code == 404
    assert count(db, Person) == 1


def test_another_teams_person_answers_404(client, db, owner, event, base):
    elsewhere = make_event(db, starts_at=STARTS, owner=owner)  # a team of its own
    stranger = make_person(db, elsewhere, email="stranger@example.org")
    log_in(client, owner)
    one = f"{base}/{stranger.id}"

    statuses = [
        client.get(one).status_code,
        client.get(f"{one}/edit").status_code,
        submit(client, f"{one}/edit", person_form(version="1")).status_code,
        submit(client, f"{one}/photo", {}, files={"photo": ("p.png", png(), "")}).status_code,
        submit(client, f"{one}/photo/remove", {}).status_code,
        submit(client, f"{one}/precedence", {"precedence": "1"}).status_code,
        submit(client, f"{one}/invite", {}).status_code,
        submit(client, f"{one}/revoke", {}).status_code,
    ]

    assert statuses == [404] * 8
    assert stored(db, stranger.id)["version"] == 1
    assert count(db, Speaker) == 0 and count(db, MailMessage) == 0


def test_the_teams_events_share_one_book(client, db, owner, event):
    team = read(db, select(Team).where(Team.id == event.team_id))
    sibling = make_event(db, starts_at=STARTS, owner=owner, team=team)
    person = make_person(db, event, organisation="MFA")
    log_in(client, owner)

    soup = page(client.get(f"/manage/events/{sibling.id}/people"))
    opened = client.get(f"/manage/events/{sibling.id}/people/{person.id}")

    assert row_texts(soup)[0][0] == "Russ Jalichandra"
    assert page(opened).select_one("#person-name").get_text() == "Russ Jalichandra"


@pytest.mark.parametrize("path", ["/0", "/abc", "/99999999999", "/1/edit/x"])
def test_malformed_person_ids_answer_404(client, owner, base, path):
    log_in(client, owner)

    assert client.get(f"{base}{path}").status_code == 404


# The book ------------------------------------------------------------------------------------


def test_the_book_lists_names_positions_and_line_up_state(client, db, owner, event, base):
    ambassador = make_person(
        db, event, honorific="H.E. Mr.", given_name="David", family_name="Daly",
        post_nominals="CMG", position="Ambassador", organisation="EU Delegation",
    )  # fmt: skip
    professor = make_person(
        db, event, honorific="Prof.", given_name="Wisit", family_name="Wisitsora-at",
        position="Permanent Secretary", organisation="Ministry of Digital Economy and Society",
    )  # fmt: skip
    invited_at = datetime(2030, 7, 1, 3, 0, tzinfo=UTC)
    db.add(
        Speaker(
            event_id=event.id,
            person_id=ambassador.id,
            precedence=2,
            invited_at=invited_at,
            token_hash="h" * 64,
        )
    )
    db.commit()
    log_in(client, owner)

    soup = page(client.get(base))

    assert row_texts(soup) == [
        [
            "H.E. Mr. David Daly, CMG",
            "Ambassador, EU Delegation",
            "On the line-up, precedence 2",
            "Invited 7/1/30, 10:00 AM Link active",
        ],
        [
            "Prof. Wisit Wisitsora-at",
            "Permanent Secretary, Ministry of Digital Economy and Society",
            "Not on the line-up",
            "Not invited",
        ],
    ]
    assert soup.select_one(f"#person-{professor.id} a")["href"] == f"{base}/{professor.id}"
    assert soup.select_one(".event-nav a[aria-current=page]").get_text() == "People"
    assert soup.select_one("#people-count").get_text() == "2 people in your team's book."


def test_the_book_links_to_the_speakers_spreadsheets(client, owner, event, base):
    log_in(client, owner)

    links = page(client.get(base)).select("#speaker-downloads a")

    assert [(link.get_text(), link["href"]) for link in links] == [
        ("Spreadsheet (CSV)", f"/manage/events/{event.id}/speakers.csv"),
        ("Excel workbook (XLSX)", f"/manage/events/{event.id}/speakers.xlsx"),
    ]


def test_search_filters_the_list_plain_and_with_htmx(client, db, owner, event, base):
    make_person(db, event, given_name="Russ", family_name="Jalichandra", organisation="MFA")
    make_person(db, event, given_name="David", family_name="Daly", organisation="EU Delegation")
    log_in(client, owner)

    plain = page(client.get(base, params={"q": "eu deleg"}))
    enhanced = client.get(base, params={"q": "jALI"}, headers=HTMX)
    soup = fragment(enhanced)
    search = plain.select_one("#people-search input[name=q]")

    assert [row[0] for row in row_texts(plain)] == ["David Daly"]
    assert search["value"] == "eu deleg"
    assert search["hx-get"] == base
    assert search["hx-trigger"] == "input changed delay:250ms, search"
    assert search["hx-target"] == "#people-list"
    assert [row[0] for row in row_texts(soup)] == ["Russ Jalichandra"]
    assert soup.select_one("html") is None and soup.select_one("#people-search") is None
    assert soup.select_one("#people-count").get_text() == "1 person matches the search."
    assert enhanced.headers["Vary"] == "HX-Request"


@pytest.mark.parametrize("query", ["%_nobody", "no\x00body"])
def test_a_search_that_finds_nobody_says_so(client, db, owner, event, base, query):
    make_person(db, event)
    log_in(client, owner)

    soup = page(client.get(base, params={"q": query}))

    assert row_texts(soup) == []
    assert soup.select_one("#people-count").get_text() == "0 people match the search."
    assert soup.select_one("#people-empty") is None


def test_the_book_query_count_holds_from_1_to_50_people(
    client, db, owner, event, base, count_queries
):
    def add(number: int, start: int) -> None:
        for n in range(start, start + number):
            person = make_person(db, event, given_name=f"Person{n:02d}", family_name="Test")
            person.thumbnail_id = uploads.store_image(
                db, uploads.check_image(png(color=(n, 0, 0)))
            ).id
            db.add(Speaker(event_id=event.id, person_id=person.id, precedence=n))
            db.commit()

    add(1, 0)
    log_in(client, owner)
    with count_queries() as one:
        assert client.get(base).status_code == 200
    add(49, 1)

    with count_queries() as fifty:
        response = client.get(base)

    assert len(page(response).select("#people tbody tr")) == 50
    assert len(page(response).select("#people img.person-thumb")) == 50
    assert len(fifty) == len(one)


# Adding a person -----------------------------------------------------------------------------


def test_adding_a_person_saves_it_and_opens_their_page(client, db, owner, event, base):
    log_in(client, owner)

    response = submit(client, f"{base}/new", person_form(email="  Russ@Example.ORG "))

    person = read(db, select(Person))
    assert response.status_code == 303
    assert response.headers["location"] == f"{base}/{person.id}?done=added"
    saved = stored(db, person.id)
    assert (saved["honorific"], saved["position"], saved["email"], saved["bios"]) == (
        "H.E. Mr.",
        "Vice Minister for Foreign Affairs",
        "russ@example.org",
        {"en": "Career **diplomat**.", "th": "นักการทูตอาชีพ"},
    )
    soup = page(client.get(response.headers["location"]))
    assert soup.select_one("#person-name").get_text() == "H.E. Mr. Russ Jalichandra"
    assert soup.select_one("#message").get_text() == "Person added to your team's book."
    assert soup.select_one("#bio-en strong").get_text() == "diplomat"


def test_adding_with_htmx_tells_the_browser_where_to_go(client, db, owner, event, base):
    log_in(client, owner)

    response = submit(client, f"{base}/new", person_form(), headers=HTMX)

    person = read(db, select(Person))
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"{base}/{person.id}?done=added"


def test_the_add_form_is_a_plain_form_enhanced_with_htmx(client, owner, base):
    log_in(client, owner)

    soup = page(client.get(f"{base}/new"))
    form = soup.select_one("form#person-form")

    assert (form["method"], form["action"], form["hx-post"]) == (
        "post",
        f"{base}/new",
        f"{base}/new",
    )
    assert soup.select_one("#input-honorific")["list"] == "honorifics"
    assert [o["value"] for o in soup.select("datalist#honorifics option")] == list(
        people.HONORIFICS
    )
    assert [r["value"] for r in soup.select("input[name=name_order]")] == [
        "given_first",
        "family_first",
    ]
    assert soup.select_one("#input-name_order-given_first").has_attr("checked")
    assert [a["name"] for a in soup.select(".bios textarea")] == ["bio_en", "bio_th"]
    assert soup.select_one("#input-bio_th")["lang"] == "th"


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_a_person_without_any_name_answers_422_beside_the_name(client, db, owner, base, headers):
    log_in(client, owner)

    response = submit(
        client,
        f"{base}/new",
        person_form(honorific="Dr.", given_name=" ", family_name="", display_name=""),
        headers=headers,
    )

    soup = fragment(response) if headers else page(response)
    assert response.status_code == 422
    assert error_beside(soup, "given_name") == (
        "Enter a given name, a family name or a display name (or several)."
    )
    assert soup.select_one("#input-honorific")["value"] == "Dr."
    assert (soup.select_one("html") is None) == bool(headers)
    assert count(db, Person) == 0


@pytest.mark.parametrize(
    "website", ["javascript:alert(1)", "ftp://example.org/cv", "data:text/html,hi", "http://"]
)
def test_a_website_must_be_an_http_address(client, db, owner, base, website):
    log_in(client, owner)

    response = submit(client, f"{base}/new", person_form(website=website))

    assert response.status_code == 422
    assert error_beside(page(response), "website") == (
        "Enter a web address starting with https:// or http://."
    )
    assert count(db, Person) == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not an email", "Enter an email address such as name@example.org."),
        ("given_name", "x" * 101, "Use at most 100 characters."),
        ("bio_th", "ก" * 10_001, "Use at most 10000 characters."),
        ("name_order", "sideways", "Choose one of the options."),
    ],
)
def test_bad_fields_answer_422_beside_the_field(client, db, owner, base, field, value, message):
    log_in(client, owner)

    response = submit(client, f"{base}/new", person_form(**{field: value}))

    soup = page(response)
    assert response.status_code == 422
    if field == "name_order":
        assert soup.select_one("#error-name_order").get_text() == message
    else:
        assert error_beside(soup, field) == message
    assert count(db, Person) == 0


def test_the_same_email_is_matched_not_duplicated(client, db, owner, event, base):
    existing = make_person(db, event, email="russ@example.org")
    log_in(client, owner)

    response = submit(
        client, f"{base}/new", person_form(given_name="R.", email="  RUSS@example.org ")
    )

    soup = page(response)
    assert response.status_code == 422
    assert error_beside(soup, "email") == "Someone in your team's book already has this email."
    assert soup.select_one("#duplicate-link")["href"] == f"{base}/{existing.id}"
    assert soup.select_one("#duplicate-link").get_text() == "Open Russ Jalichandra"
    assert count(db, Person) == 1


def test_markup_in_names_and_bios_shows_as_text_everywhere(client, db, owner, event, base):
    log_in(client, owner)
    added = submit(
        client,
        f"{base}/new",
        person_form(given_name=NASTY, position=NASTY, bio_en=NASTY + "\n\n<b>bold</b>"),
    )
    person = read(db, select(Person))

    pages = {
        "book": page(client.get(base)),
        "search": fragment(client.get(base, params={"q": "script"}, headers=HTMX)),
        "person": page(client.get(added.headers["location"])),
        "edit": page(client.get(f"{base}/{person.id}/edit")),
        "preview": page(submit(client, f"{base}/new", person_form(bio_en=NASTY, preview="1"))),
    }

    for name, soup in pages.items():
        assert soup.select("main script, #people-list script") == [], name
        assert soup.select("main img[onerror], #people-list img[onerror]") == [], name
        assert soup.select("main b, #people-list b") == [], name
    assert NASTY in pages["book"].select_one(f"#person-{person.id} .person-name").get_text()
    assert NASTY in pages["person"].select_one("#person-name").get_text()
    assert NASTY in pages["person"].select_one("#bio-en").get_text()
    assert pages["edit"].select_one("#input-given_name")["value"] == NASTY
    assert NASTY in pages["preview"].select_one("#bio-preview-en").get_text()


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_the_bio_preview_renders_sanitised_markdown_and_saves_nothing(
    client, db, owner, base, headers
):
    log_in(client, owner)
    bio = "A *career* diplomat. [Profile](https://example.org) [x](javascript:alert(1))"

    response = submit(
        client, f"{base}/new", person_form(bio_en=bio, bio_th="", preview="1"), headers=headers
    )

    soup = fragment(response) if headers else page(response)
    preview = soup.select_one("#bio-preview-en")
    assert response.status_code == 200
    assert preview.select_one("em").get_text() == "career"
    # The javascript: link is not made a link at all.
    assert [a["href"] for a in preview.select("a")] == ["https://example.org"]
    assert soup.select_one("#bio-preview-th").get_text(" ", strip=True) == "Preview (ไทย) Empty."
    assert soup.select_one("#input-bio_en").get_text() == bio
    assert count(db, Person) == 0


# Editing a person ----------------------------------------------------------------------------


def test_editing_saves_and_the_version_goes_up(client, db, owner, event, base):
    person = make_person(db, event, bios={"en": "Old.", "fr": "Ancien."})
    log_in(client, owner)
    path = f"{base}/{person.id}/edit"
    data = form_data(page(client.get(path)), "#person-form")

    response = submit(
        client,
        path,
        {**data, "honorific": "H.E. Mr.", "name_order": "family_first", "bio_en": "New."},
    )

    saved = stored(db, person.id)
    assert response.status_code == 303
    assert response.headers["location"] == f"{base}/{person.id}?done=saved"
    assert (saved["honorific"], saved["name_order"], saved["version"]) == (
        "H.E. Mr.",
        NameOrder.FAMILY_FIRST,
        2,
    )
    # A bio in a language this event does not use is kept.
    assert saved["bios"] == {"en": "New.", "fr": "Ancien."}
    assert page(client.get(f"{base}/{person.id}")).select_one("#person-name").get_text() == (
        "H.E. Mr. Jalichandra Russ"
    )
    log = read(db, select(ActivityLog.action).where(ActivityLog.object_type == "Person"))
    assert log == "person.update"


def test_saving_unchanged_keeps_the_version(client, db, owner, event, base):
    person = make_person(db, event, email="russ@example.org")
    log_in(client, owner)
    path = f"{base}/{person.id}/edit"

    response = submit(client, path, form_data(page(client.get(path)), "#person-form"))

    assert response.headers["location"] == f"{base}/{person.id}?done=unchanged"
    assert stored(db, person.id)["version"] == 1


def test_editing_with_htmx_tells_the_browser_where_to_go(client, db, owner, event, base):
    person = make_person(db, event)
    log_in(client, owner)
    path = f"{base}/{person.id}/edit"
    data = form_data(page(client.get(path)), "#person-form")

    response = submit(client, path, {**data, "position": "Minister"}, headers=HTMX)

    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"{base}/{person.id}?done=saved"


def test_a_stale_edit_shows_their_values_beside_yours(client, other_client, db, owner, event, base):
    person = make_person(db, event, position="Ambassador")
    log_in(client, owner)
    log_in(other_client, owner)
    path = f"{base}/{person.id}/edit"
    first = form_data(page(client.get(path)), "#person-form")
    second = form_data(page(other_client.get(path)), "#person-form")

    saved = submit(client, path, {**first, "position": "Their position", "country": "EU"})
    conflict = submit(other_client, path, {**second, "position": "My position"})

    soup = page(conflict)
    assert (saved.status_code, conflict.status_code) == (303, 409)
    pairs = {
        row["id"]: (
            row.select_one(".theirs .conflict-value").get_text(),
            row.select_one(".yours .conflict-value").get_text(),
        )
        for row in soup.select("#their-version .conflict-field")
    }
    assert pairs == {"conflict-position": ("Their position", "My position")}
    # Their change I did not touch is kept in the form; mine is on top.
    assert soup.select_one("#input-country")["value"] == "EU"
    assert soup.select_one("#input-position")["value"] == "My position"
    assert soup.select_one("#conflict a")["href"] == path
    assert stored(db, person.id)["version"] == 2

    again = submit(other_client, path, form_data(soup, "#person-form"))

    assert again.status_code == 303
    assert stored(db, person.id)["version"] == 3


def test_a_stale_edit_with_htmx_answers_the_form_with_the_conflict(client, db, owner, event, base):
    person = make_person(db, event)
    log_in(client, owner)
    path = f"{base}/{person.id}/edit"
    opened = form_data(page(client.get(path)), "#person-form")
    submit(client, path, {**opened, "position": "First"})

    response = submit(client, path, {**opened, "position": "Second"}, headers=HTMX)

    soup = fragment(response)
    assert response.status_code == 409
    assert soup.select_one("html") is None
    assert soup.select_one("form#person-form #conflict") is not None


def test_an_edit_without_a_version_is_refused(client, db, owner, event, base):
    person = make_person(db, event)
    log_in(client, owner)

    response = submit(client, f"{base}/{person.id}/edit", person_form())

    assert response.status_code == 422
    assert page(response).select_one("#form-error").get_text() == (
        "The form was incomplete. Reload the page and try again."
    )
    assert stored(db, person.id)["version"] == 1


def test_changing_to_another_persons_email_is_refused(client, db, owner, event, base):
    other = make_person(db, event, given_name="Anna", email="anna@example.org")
    person = make_person(db, event, email="russ@example.org")
    log_in(client, owner)
    path = f"{base}/{person.id}/edit"
    data = form_data(page(client.get(path)), "#person-form")

    response = submit(client, path, {**data, "email": "Anna@Example.org"})

    soup = page(response)
    assert response.status_code == 422
    assert soup.select_one("#duplicate-link")["href"] == f"{base}/{other.id}"
    assert stored(db, person.id)["email"] == "russ@example.org"


# The photo -----------------------------------------------------------------------------------


def test_a_square_thumbnail_is_cut_from_the_middle():
    image = uploads.check_image(png(size=(600, 300)))

    thumbnail = uploads.square_thumbnail(image)

    decoded = Image.open(io.BytesIO(thumbnail.data))
    assert (thumbnail.width, thumbnail.height, thumbnail.content_type) == (256, 256, "image/png")
    assert (decoded.format, decoded.size) == ("PNG", (256, 256))
    small = uploads.square_thumbnail(uploads.check_image(png(size=(80, 120))))
    assert (small.width, small.height) == (80, 80)


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_uploading_a_photo_stores_it_with_its_thumbnail(client, db, owner, event, base, headers):
    person = make_person(db, event)
    log_in(client, owner)

    response = submit(
        client,
        f"{base}/{person.id}/photo",
        {},
        files={"photo": ("me.png", png(size=(800, 400)), "image/png")},
        headers=headers,
    )

    saved = stored(db, person.id)
    thumbnail = read(db, select(Upload).where(Upload.id == saved["thumbnail_id"]))
    photo = read(db, select(Upload).where(Upload.id == saved["photo_id"]))
    assert (photo.width, photo.height) == (800, 400)
    assert (thumbnail.width, thumbnail.height) == (256, 256)
    if headers:
        soup = fragment(response)
        assert response.status_code == 200
        assert soup.select_one("html") is None
        assert soup.select_one("#photo-message").get_text() == "Photo saved."
    else:
        assert response.status_code == 303
        assert response.headers["location"] == f"{base}/{person.id}?done=photo#photo-panel"
        soup = page(client.get(f"{base}/{person.id}"))
    img = soup.select_one("#current-photo img")
    assert img["src"] == f"/media/{thumbnail.key}"
    served = client.get(img["src"])
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert Image.open(io.BytesIO(served.content)).size == (256, 256)
    listed = page(client.get(base)).select_one(f"#person-{person.id} img.person-thumb")
    assert listed["src"] == f"/media/{thumbnail.key}"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "SVG and other markup files are not accepted. Upload a JPEG, PNG or WebP image.",
        ),
        (
            "photo.png",
            b"<!doctype html><html><script>alert(1)</script></html>",
            "SVG and other markup files are not accepted. Upload a JPEG, PNG or WebP image.",
        ),
        ("photo.png", b"GIF89a not really", "Upload a JPEG, PNG or WebP image."),
        ("empty.png", b"", "Choose a file to upload."),
    ],
)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_a_file_that_is_not_a_photo_is_refused_beside_the_field(
    client, db, owner, event, base, name, data, message, headers
):
    person = make_person(db, event)
    log_in(client, owner)

    response = submit(
        client,
        f"{base}/{person.id}/photo",
        {},
        files={"photo": (name, data, "image/png")},
        headers=headers,
    )

    soup = fragment(response) if headers else page(response)
    assert response.status_code == 422
    assert error_beside(soup, "photo") == message
    assert (soup.select_one("html") is None) == bool(headers)
    assert stored(db, person.id)["photo_id"] is None
    assert count(db, Upload) == 0


def test_a_photo_over_the_limit_is_refused_before_it_is_read(client, db, owner, event, base):
    person = make_person(db, event)
    log_in(client, owner)

    response = submit(
        client,
        f"{base}/{person.id}/photo",
        {},
        files={"photo": ("huge.png", b"\0" * (50 * 1024 * 1024), "image/png")},
    )

    assert response.status_code == 413
    assert stored(db, person.id)["photo_id"] is None


def test_removing_the_photo(client, db, owner, event, base):
    person = make_person(db, event)
    log_in(client, owner)
    submit(client, f"{base}/{person.id}/photo", {}, files={"photo": ("p.png", png(), "")})

    response = submit(client, f"{base}/{person.id}/photo/remove", {})

    saved = stored(db, person.id)
    assert response.headers["location"] == f"{base}/{person.id}?done=photo-removed#photo-panel"
    assert (saved["photo_id"], saved["thumbnail_id"]) == (None, None)
    soup = page(client.get(f"{base}/{person.id}"))
    assert soup.select_one("#current-photo") is None
    assert soup.select_one("#remove-photo") is None


# This event's line-up: precedence and the invitation ------------------------------------------


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_setting_precedence_puts_the_person_on_the_line_up(client, db, owner, event, base, headers):
    person = make_person(db, event)
    log_in(client, owner)
    before = page(client.get(f"{base}/{person.id}"))

    response = submit(
        client, f"{base}/{person.id}/precedence", {"precedence": "3"}, headers=headers
    )

    speaker = read(db, select(Speaker).where(Speaker.person_id == person.id))
    assert (speaker.event_id, speaker.precedence) == (event.id, 3)
    assert before.select_one("#input-precedence")["value"] == "100"
    if headers:
        soup = fragment(response)
        assert soup.select_one("#lineup-panel") is not None and soup.select_one("html") is None
        assert soup.select_one("#lineup-message").get_text() == "Precedence saved."
    else:
        assert response.headers["location"] == (f"{base}/{person.id}?done=precedence#lineup-panel")
        soup = page(client.get(f"{base}/{person.id}"))
    assert soup.select_one("#input-precedence")["value"] == "3"
    assert soup.select_one("#lineup-state").get_text() == "On this event's line-up."


@pytest.mark.parametrize("value", ["", "-1", "10000", "two"])
def test_a_bad_precedence_answers_422_beside_the_field(client, db, owner, event, base, value):
    person = make_person(db, event)
    log_in(client, owner)

    response = submit(client, f"{base}/{person.id}/precedence", {"precedence": value})

    assert response.status_code == 422
    assert error_beside(page(response), "precedence") in {
        "This field is required.",
        "Enter a number.",
        "Enter a whole number from 0 to 9999.",
    }
    assert count(db, Speaker) == 0


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_inviting_queues_mail_with_the_link_and_revoking_ends_it(
    client, db, owner, event, base, headers, mail_templates
):
    person = make_person(db, event, email="russ@example.org")
    log_in(client, owner)

    invited = submit(client, f"{base}/{person.id}/invite", {}, headers=headers)

    speaker = read(db, select(Speaker).where(Speaker.person_id == person.id))
    message = read(db, select(MailMessage))
    link = people.link_url(speaker)
    assert message.to_address == "russ@example.org"
    assert link in message.body_text
    assert speaker.invited_at is not None
    if headers:
        assert invited.status_code == 200
        soup = fragment(invited)
    else:
        assert invited.headers["location"] == f"{base}/{person.id}?done=invited#lineup-panel"
        soup = page(client.get(f"{base}/{person.id}"))
    assert soup.select_one("#link-state").get_text() == "Active: it opens their own page."
    assert soup.select_one("#invite").get_text() == "Send the invitation again"

    submit(client, f"{base}/{person.id}/invite", {}, headers=headers)  # resend
    revoked = submit(client, f"{base}/{person.id}/revoke", {}, headers=headers)

    assert count(db, MailMessage) == 2
    resent = read_all(db, select(MailMessage).order_by(MailMessage.id))[-1]
    assert link in resent.body_text  # the same link again
    assert people.speaker_by_token(db, link.rsplit("/", 1)[-1]) is None
    soup = fragment(revoked) if headers else page(client.get(f"{base}/{person.id}"))
    assert soup.select_one("#link-state").get_text() == "Revoked: it no longer works."
    assert soup.select_one("#revoke") is None
    listed = page(client.get(base)).select_one(f"#person-{person.id} .person-invitation")
    assert "Link revoked" in listed.get_text()


def test_inviting_someone_without_email_says_what_is_missing(client, db, owner, event, base):
    person = make_person(db, event, email="")
    log_in(client, owner)

    response = submit(client, f"{base}/{person.id}/invite", {})

    assert response.status_code == 422
    assert page(response).select_one("#problem").get_text() == (
        "Add an email address to this person before inviting them."
    )
    assert (count(db, MailMessage), count(db, Speaker)) == (0, 0)


# The event's line-up settings ----------------------------------------------------------------


def edit_data(client, event) -> dict:
    return form_data(page(client.get(f"/manage/events/{event.id}/edit")), "#event-form")


def settings(db, event) -> tuple:
    row = db.execute(
        select(Event.lineup_order, Event.show_unconfirmed, Event.reminder_days, Event.version)
        .where(Event.id == event.id)
    ).one()  # fmt: skip
    db.commit()
    return tuple(row)


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_the_event_form_saves_the_line_up_settings(client, db, owner, event, headers):
    log_in(client, owner)
    data = edit_data(client, event)

    response = submit(
        client,
        f"/manage/events/{event.id}/edit",
        {**data, "lineup_order": "family_name", "show_unconfirmed": "on", "reminder_days": "0"},
        headers=headers,
    )

    assert response.status_code == (204 if headers else 303)
    assert settings(db, event) == (LineupOrder.FAMILY_NAME, True, 0, 2)
    soup = page(client.get(f"/manage/events/{event.id}/edit"))
    assert soup.select_one("#input-lineup_order option[selected]")["value"] == "family_name"
    assert soup.select_one("#input-show_unconfirmed").has_attr("checked")
    assert soup.select_one("#input-reminder_days")["value"] == "0"
    changes = read(db, select(ActivityLog.changes).where(ActivityLog.action == "event.edit"))
    assert changes == {
        "lineup_order": ["protocol", "family_name"],
        "show_unconfirmed": [False, True],
        "reminder_days": [7, 0],
    }
    log = page(client.get(f"/manage/events/{event.id}/activity"))
    shown = [
        (
            c.select_one("dt").get_text(),
            c.select_one(".old").get_text(),
            c.select_one(".new").get_text(),
        )
        for c in log.select(".activity-changes .change")
    ]
    assert shown == [
        ("Order of the line-up", "Protocol precedence", "Family name"),
        ("Show people not yet confirmed", "No", "Yes"),
        ("Remind invited speakers after (days)", "7", "0"),
    ]


def test_line_up_and_other_changes_together_raise_the_version_once(client, db, owner, event):
    log_in(client, owner)
    data = edit_data(client, event)

    submit(
        client, f"/manage/events/{event.id}/edit", {**data, "title": "New", "reminder_days": "3"}
    )

    assert settings(db, event) == (LineupOrder.PROTOCOL, False, 3, 2)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("reminder_days", "-1", "Enter a number of days from 0 to 60 (0: never remind)."),
        ("reminder_days", "many", "Enter a number of days from 0 to 60 (0: never remind)."),
        ("reminder_days", "", "This field is required."),
        ("lineup_order", "random", "Choose one of the options."),
    ],
)
def test_bad_line_up_settings_answer_422_beside_the_field(
    client, db, owner, event, field, value, message
):
    log_in(client, owner)
    data = edit_data(client, event)

    response = submit(client, f"/manage/events/{event.id}/edit", {**data, field: value})

    assert response.status_code == 422
    assert error_beside(page(response), field) == message
    assert settings(db, event) == (LineupOrder.PROTOCOL, False, 7, 1)


def test_a_form_without_the_line_up_fieldset_leaves_the_settings_alone(client, db, owner, event):
    with db.begin_nested():
        db.get(Event, event.id).show_unconfirmed = True
    db.commit()
    log_in(client, owner)
    data = {k: v for k, v in edit_data(client, event).items() if k not in (
        "lineup_order", "show_unconfirmed", "reminder_days")}  # fmt: skip

    response = submit(client, f"/manage/events/{event.id}/edit", {**data, "title": "Renamed"})

    assert response.status_code == 303
    assert settings(db, event)[:3] == (LineupOrder.PROTOCOL, True, 7)


def new_event_data(soup, **overrides) -> dict:
    data = form_data(soup, "#event-form")
    data.update(title="Forum", start_date="2030-08-08", start_time="09:00")
    data.update(end_date="2030-08-08", end_time="17:00", **overrides)
    return data


def test_a_new_event_joins_the_team_chosen_when_there_are_two(client, db, owner, event):
    second_team = Team(name="EU Delegation events")
    db.add(second_team)
    db.commit()
    other = make_event(db, starts_at=STARTS, owner=owner, team=second_team)
    log_in(client, owner)
    new_form = page(client.get("/manage/events/new"))
    data = new_event_data(new_form, team=str(event.team_id))

    response = submit(client, "/manage/events/new", data)

    created = read(db, select(Event).where(Event.title == "Forum"))
    assert response.status_code == 303
    assert created.team_id == event.team_id
    assert [o.get_text() for o in new_form.select("#input-team option")] == [
        "EU Delegation events",
        "Organisers",
    ]
    assert new_form.select_one("#input-team option[selected]")["value"] == str(other.team_id)


def test_a_team_not_of_the_user_is_refused(client, db, owner, event):
    make_event(db, starts_at=STARTS, owner=owner)  # a second team
    stranger_team = Team(name="Someone else's")
    db.add(stranger_team)
    db.commit()
    log_in(client, owner)
    data = new_event_data(page(client.get("/manage/events/new")), team=str(stranger_team.id))

    response = submit(client, "/manage/events/new", data)

    assert response.status_code == 422
    assert error_beside(page(response), "team") == "Choose a team from the list."
    assert read(db, select(func.count()).select_from(Event).where(Event.title == "Forum")) == 0


def test_with_one_team_the_new_event_form_asks_nothing(client, db, owner, event):
    log_in(client, owner)

    soup = page(client.get("/manage/events/new"))
    submit(client, "/manage/events/new", new_event_data(soup))

    assert soup.select_one("#input-team") is None
    assert read(db, select(Event.team_id).where(Event.title == "Forum")) == event.team_id
