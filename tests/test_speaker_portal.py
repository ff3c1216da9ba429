"""A speaker's own page by the secret link: what it shows, confirming and declining, correcting
the profile and the photo, who may (only the link's holder, with the CSRF token), and the
invitation mail that carries the link."""

import io
from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup
from PIL import Image
from sqlalchemy import select, update

from eventapp import mail, people
from eventapp.models import (
    ActivityLog,
    Appearance,
    AppearanceRole,
    AppearanceStatus,
    MailMessage,
    Person,
    Upload,
)
from tests.factories import (
    form_data,
    fragment,
    log_in,
    make_event,
    make_item,
    make_room,
    make_user,
    page,
    post_form,
    read,
    read_all,
)

STARTS = datetime(2031, 3, 10, 2, 0, tzinfo=UTC)  # Monday 10 March 2031, 09:00 in Bangkok
HX = {"HX-Request": "true"}

MINISTER = {
    "honorific": "H.E. Mr.",
    "given_name": "Russ",
    "family_name": "Jalichandra",
    "post_nominals": "PhD",
    "position": "Vice Minister for Foreign Affairs",
    "organisation": "Ministry of Foreign Affairs of Thailand",
    "email": "russ@example.org",
}


@pytest.fixture
def owner(db):
    return make_user(db, name="Somchai Owner")


@pytest.fixture
def event(db, owner):
    return make_event(
        db,
        title="Seminar on Online Scams",
        starts_at=STARTS,
        days=2,
        owner=owner,
        venue_name="Centara Grand",
        venue_address="999/99 Rama 1 Road, Bangkok",
    )


def invite(db, event, owner, items, *, roles=None, **fields):
    """A person on `items` (panellist unless `roles` says otherwise), invited; (person, speaker,
    token, appearances)."""
    details = people.PersonDetails(**{**MINISTER, **fields})
    person = people.add_person(db, event, actor=owner, details=details)
    appearances = [
        people.add_appearance(
            db, event, item, person, actor=owner, role=(roles or {}).get(item.id, "panellist")
        )
        for item in items
    ]
    speaker = people.invite(db, event, person, actor=owner)
    db.commit()
    return person, speaker, people.link_token(speaker), appearances


@pytest.fixture
def invited(db, event, owner):
    hall = make_room(db, event, "Main hall")
    keynote = make_item(db, event, "Opening keynote", at="09:00", minutes=30, room=hall)
    panel = make_item(db, event, "Panel on scam centres", at="14:00", minutes=90, day=1)
    return invite(db, event, owner, [panel, keynote], roles={keynote.id: "keynote"})


def path(token: str) -> str:
    return f"/speaker/{token}"


def status_of(db, appearance) -> str:
    return read(db, select(Appearance.status).where(Appearance.id == appearance.id))


def submit(client, token: str, action: str, data: dict, **kwargs):
    """Post a form of the speaker's page, with the CSRF token the page gave."""
    return post_form(client, path(token) + action, data, token_from=path(token), **kwargs)


def texts(soup, selector: str, separator: str = " ") -> list[str]:
    return [" ".join(tag.get_text(separator).split()) for tag in soup.select(selector)]


def error_beside(soup, field: str) -> str:
    message = soup.select_one(f"#error-{field}")
    assert message is not None, f"no error beside {field}"
    control = soup.select_one(f"#input-{field}")
    assert control["aria-invalid"] == "true"
    assert f"error-{field}" in control["aria-describedby"].split()
    return message.get_text(strip=True)


def png(width: int = 300, height: int = 200) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(out, "PNG")
    return out.getvalue()


# The page -----------------------------------------------------------------------------------


def test_the_page_shows_the_event_and_the_sessions_with_local_times_room_role_and_status(
    client, invited
):
    _person, _speaker, token, _appearances = invited

    response = client.get(path(token))

    soup = page(response)
    assert response.status_code == 200
    assert soup.select_one("#portal-title").get_text(strip=True) == "Seminar on Online Scams"
    assert "H.E. Mr. Russ Jalichandra" in soup.select_one("#portal-greeting").get_text()
    assert texts(soup, "#event-where") == ["Centara Grand 999/99 Rama 1 Road, Bangkok"]
    assert "March 10, 2031" in soup.select_one("#event-when").get_text()
    assert texts(soup, "#sessions-timezone") == ["Times in Asia/Bangkok (UTC+07:00)"]
    assert texts(soup, ".speaker-session .session-title") == [
        "Opening keynote",
        "Panel on scam centres",
    ]
    assert texts(soup, ".session-when") == [
        "Monday, March 10, 2031, 09:00–09:30",
        "Tuesday, March 11, 2031, 14:00–15:30",
    ]
    assert texts(soup, ".session-room") == ["Main hall", "Plenary (all rooms)"]
    assert texts(soup, ".session-role") == ["Keynote speaker", "Panellist"]
    assert texts(soup, ".session-status") == ["Awaiting your answer", "Awaiting your answer"]


def test_the_page_is_never_cached_indexed_or_referred(client, invited):
    _person, _speaker, token, _appearances = invited

    response = client.get(path(token))

    soup = page(response)
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-robots-tag"] == "noindex, nofollow"
    assert soup.select_one("meta[name=robots]")["content"] == "noindex, nofollow"
    assert soup.select_one("meta[name=referrer]")["content"] == "same-origin"


def test_the_page_sends_no_referrer_header_and_others_keep_the_app_wide_one(client, invited):
    response = client.get(path(invited[2]))
    elsewhere = client.get("/")

    assert response.headers.get_list("referrer-policy") == ["same-origin"]
    assert elsewhere.headers.get_list("referrer-policy") == ["strict-origin-when-cross-origin"]


def test_a_link_with_one_changed_character_answers_404(client, invited):
    token = invited[2]
    changed = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]

    answers = [
        client.get(path(changed)).status_code,
        client.get(path(token[:-1])).status_code,
        client.get(path(token + "x")).status_code,
        client.get(path("short")).status_code,
        client.get(path(token)).status_code,
    ]

    assert answers == [404, 404, 404, 404, 200]


def test_a_revoked_link_answers_404_and_a_new_invitation_gives_a_working_one(
    client, db, event, owner, invited
):
    person, speaker, token, _appearances = invited
    people.revoke_link(db, event, speaker, actor=owner)
    db.commit()

    revoked = client.get(path(token))
    again = people.invite(db, event, person, actor=owner)
    db.commit()
    new_token = people.link_token(again)

    assert revoked.status_code == 404
    assert new_token != token
    assert client.get(path(new_token)).status_code == 200
    assert client.get(path(token)).status_code == 404


def test_names_and_texts_with_markup_show_as_text(client, db, event, owner):
    item = make_item(db, event, '"><img src=x onerror=alert(1)>')
    _person, _speaker, token, _appearances = invite(
        db,
        event,
        owner,
        [item],
        given_name="<script>alert(1)</script>",
        position='"><img src=x onerror=alert(2)>',
    )

    soup = page(client.get(path(token)))

    assert soup.select("main script, main img") == []
    assert "<script>alert(1)</script>" in soup.select_one("#portal-greeting").get_text()
    assert soup.select_one("#input-position")["value"] == '"><img src=x onerror=alert(2)>'
    assert texts(soup, ".session-title") == ['"><img src=x onerror=alert(1)>']


def test_the_page_reads_the_same_number_of_queries_for_one_session_or_twenty(
    client, db, event, owner, count_queries
):
    one = make_item(db, event, "Only item")
    token_one = invite(db, event, owner, [one], email="one@example.org")[2]
    times = [f"{8 + n // 4:02d}:{n % 4 * 15:02d}" for n in range(20)]
    many = [make_item(db, event, f"Item {n}", at=at) for n, at in enumerate(times)]
    token_many = invite(db, event, owner, many, email="many@example.org")[2]
    client.get(path(token_one))  # the first request warms up the app

    with count_queries() as for_one:
        first = client.get(path(token_one))
    with count_queries() as for_twenty:
        second = client.get(path(token_many))

    assert (first.status_code, second.status_code) == (200, 200)
    assert len(page(second).select(".speaker-session")) == 20
    assert len(for_twenty) == len(for_one)


# Confirming and declining ------------------------------------------------------------------------


def test_confirming_without_htmx_saves_and_goes_back_to_the_page_with_a_notice(client, db, invited):
    _person, _speaker, token, (panel, _keynote) = invited

    response = submit(client, token, f"/appearances/{panel.id}", {"answer": "confirm"})

    assert response.status_code == 303
    assert response.headers["location"] == f"{path(token)}?done=confirmed#appearance-{panel.id}"
    assert status_of(db, panel) == AppearanceStatus.CONFIRMED
    after = page(client.get(response.headers["location"]))
    assert after.select_one("#sessions-message").get_text(strip=True) == (
        "Thank you: your participation is confirmed."
    )
    shown = after.select_one(f"#appearance-{panel.id}")
    assert shown.select_one(".session-status").get_text(strip=True) == "Confirmed"
    assert shown.select_one(f"#confirm-{panel.id}") is None
    assert shown.select_one(f"#decline-{panel.id}") is not None
    [logged] = read_all(db, select(ActivityLog).where(ActivityLog.action == "appearance.update"))
    assert (logged.user_id, logged.changes) == (None, {"status": ["invited", "confirmed"]})


def test_declining_with_htmx_answers_the_sessions_block_only(client, db, invited):
    _person, _speaker, token, (panel, keynote) = invited

    response = submit(
        client, token, f"/appearances/{keynote.id}", {"answer": "decline"}, headers=HX
    )

    soup = fragment(response)
    assert response.status_code == 200
    assert [tag["id"] for tag in soup.find_all(recursive=False)] == ["sessions"]
    assert soup.select_one("#sessions-message").get_text(strip=True) == (
        "Your answer is saved: you declined. You can still confirm later."
    )
    assert texts(soup, f"#appearance-{keynote.id} .session-status") == ["Declined"]
    assert status_of(db, keynote) == AppearanceStatus.DECLINED
    assert status_of(db, panel) == AppearanceStatus.INVITED


def test_a_declined_appearance_can_still_be_confirmed(client, db, invited):
    _person, _speaker, token, (panel, _keynote) = invited
    submit(client, token, f"/appearances/{panel.id}", {"answer": "decline"})

    shown = page(client.get(path(token))).select_one(f"#appearance-{panel.id}")
    response = submit(client, token, f"/appearances/{panel.id}", {"answer": "confirm"})

    assert shown.select_one(f"#confirm-{panel.id}") is not None
    assert response.status_code == 303
    assert status_of(db, panel) == AppearanceStatus.CONFIRMED


def test_a_withdrawn_appearance_is_shown_but_cannot_be_answered(client, db, event, owner, invited):
    _person, _speaker, token, (panel, _keynote) = invited
    people.update_appearance(db, event, panel, actor=owner, status=AppearanceStatus.WITHDRAWN)
    db.commit()

    shown = page(client.get(path(token))).select_one(f"#appearance-{panel.id}")
    plain = submit(client, token, f"/appearances/{panel.id}", {"answer": "confirm"})
    enhanced = submit(client, token, f"/appearances/{panel.id}", {"answer": "confirm"}, headers=HX)

    assert texts(shown, ".session-status") == ["Withdrawn by the organisers"]
    assert shown.select("form") == []
    assert plain.status_code == 409
    assert page(plain).select_one("#sessions-problem") is not None
    assert enhanced.status_code == 409
    assert [tag["id"] for tag in fragment(enhanced).find_all(recursive=False)] == ["sessions"]
    assert status_of(db, panel) == AppearanceStatus.WITHDRAWN


def test_another_speakers_appearance_answers_404_and_changes_nothing(
    client, db, event, owner, invited
):
    _person, _speaker, token, _appearances = invited
    item = make_item(db, event, "Closing remarks", at="16:00")
    other = invite(db, event, owner, [item], email="other@example.org", given_name="Other")[3][0]
    elsewhere_event = make_event(db, owner=owner)
    elsewhere = invite(db, elsewhere_event, owner, [make_item(db, elsewhere_event, "Elsewhere")])[
        3
    ][0]

    answers = [
        submit(client, token, f"/appearances/{other.id}", {"answer": "confirm"}).status_code,
        submit(client, token, f"/appearances/{elsewhere.id}", {"answer": "confirm"}).status_code,
        submit(client, token, "/appearances/999999", {"answer": "confirm"}).status_code,
        submit(client, token, "/appearances/abc", {"answer": "confirm"}).status_code,
    ]

    assert answers == [404, 404, 404, 404]
    assert (status_of(db, other), status_of(db, elsewhere)) == ("invited", "invited")


def test_an_unknown_answer_is_refused(client, db, invited):
    _person, _speaker, token, (panel, _keynote) = invited

    response = submit(client, token, f"/appearances/{panel.id}", {"answer": "withdraw"})

    assert response.status_code == 422
    assert status_of(db, panel) == AppearanceStatus.INVITED


def test_posts_without_the_csrf_token_are_refused(client, db, invited):
    person, _speaker, token, (panel, _keynote) = invited
    client.get(path(token))

    answer = client.post(path(token) + f"/appearances/{panel.id}", data={"answer": "confirm"})
    profile = client.post(
        path(token) + "/profile", data={"position": "Changed", "version": str(person.version)}
    )
    photo = client.post(path(token) + "/photo", files={"photo": ("me.png", png(), "image/png")})

    assert [answer.status_code, profile.status_code, photo.status_code] == [403, 403, 403]
    assert status_of(db, panel) == AppearanceStatus.INVITED
    assert read(db, select(Person.position).where(Person.id == person.id)) == MINISTER["position"]


def test_the_forms_carry_the_csrf_token(client, invited):
    soup = page(client.get(path(invited[2])))

    forms = soup.select("main form[method=post]")
    assert len(forms) == 4  # two answers, the profile, the photo
    assert all(form.select_one("input[name=csrf_token]")["value"] for form in forms)


# The profile ------------------------------------------------------------------------------------


def test_saving_the_profile_without_htmx_saves_and_logs_what_changed(client, db, invited):
    person, _speaker, token, _appearances = invited
    data = form_data(page(client.get(path(token))), "#profile-form")
    data.update(position="Minister of Foreign Affairs", bio_en="Career **diplomat**.")

    response = submit(client, token, "/profile", data)

    assert response.status_code == 303
    assert response.headers["location"] == f"{path(token)}?done=profile#profile"
    saved = read(db, select(Person).where(Person.id == person.id))
    assert (saved.position, saved.organisation, saved.bios) == (
        "Minister of Foreign Affairs",
        MINISTER["organisation"],
        {"en": "Career **diplomat**."},
    )
    [logged] = read_all(db, select(ActivityLog).where(ActivityLog.action == "person.self_update"))
    assert logged.user_id is None
    assert logged.changes["position"] == [MINISTER["position"], "Minister of Foreign Affairs"]
    assert sorted(logged.changes) == ["bios", "position"]


def test_saving_the_profile_with_htmx_answers_the_profile_block_with_the_new_version(
    client, db, invited
):
    person, _speaker, token, _appearances = invited
    data = form_data(page(client.get(path(token))), "#profile-form")
    data.update(organisation="MFA Thailand")

    response = submit(client, token, "/profile", data, headers=HX)

    soup = fragment(response)
    assert response.status_code == 200
    assert [tag["id"] for tag in soup.find_all(recursive=False)] == ["profile"]
    assert soup.select_one("#profile-message").get_text(strip=True) == (
        "Your profile is saved. The organisers have been told what changed."
    )
    assert soup.select_one("#input-organisation")["value"] == "MFA Thailand"
    version = read(db, select(Person.version).where(Person.id == person.id))
    assert soup.select_one("#profile-form input[name=version]")["value"] == str(version)


def test_saving_an_unchanged_profile_says_so(client, invited):
    token = invited[2]
    data = form_data(page(client.get(path(token))), "#profile-form")

    response = submit(client, token, "/profile", data)

    assert response.headers["location"] == f"{path(token)}?done=unchanged#profile"


@pytest.mark.parametrize("headers", [{}, HX], ids=["plain", "htmx"])
def test_a_too_long_profile_is_refused_with_the_message_beside_the_field(
    client, db, invited, headers
):
    person, _speaker, token, _appearances = invited
    data = form_data(page(client.get(path(token))), "#profile-form")
    data.update(position="x" * 301, bio_th="ก" * (people.BIO_MAX + 1))

    response = submit(client, token, "/profile", data, headers=headers)

    soup = page(response) if not headers else fragment(response)
    assert response.status_code == 422
    assert error_beside(soup, "position") == "Use at most 300 characters."
    assert error_beside(soup, "bio_th") == f"Use at most {people.BIO_MAX} characters."
    assert soup.select_one("#input-position")["value"] == "x" * 301
    assert read(db, select(Person.position).where(Person.id == person.id)) == MINISTER["position"]


def test_a_profile_saved_from_an_old_version_is_refused_and_shows_the_saved_values(
    client, db, event, owner, invited
):
    person, _speaker, token, _appearances = invited
    data = form_data(page(client.get(path(token))), "#profile-form")
    theirs = people.details_of(person)
    theirs.position = "Deputy Prime Minister"
    people.update_person(
        db, event, person, actor=owner, details=theirs, expected_version=person.version
    )
    db.commit()
    data.update(position="Minister of Foreign Affairs")

    response = submit(client, token, "/profile", data, headers=HX)

    soup = fragment(response)
    assert response.status_code == 409
    assert texts(soup, "#conflict-position .theirs .conflict-value") == ["Deputy Prime Minister"]
    assert texts(soup, "#conflict-position .yours .conflict-value") == [
        "Minister of Foreign Affairs"
    ]
    assert soup.select_one("#input-position")["value"] == "Minister of Foreign Affairs"
    saved = read(db, select(Person).where(Person.id == person.id))
    assert saved.position == "Deputy Prime Minister"
    assert soup.select_one("#profile-form input[name=version]")["value"] == str(saved.version)

    again = submit(client, token, "/profile", form_data(soup, "#profile-form"))

    assert again.status_code == 303
    assert read(db, select(Person.position).where(Person.id == person.id)) == (
        "Minister of Foreign Affairs"
    )


def test_previewing_a_bio_shows_it_sanitised_and_saves_nothing(client, db, invited):
    person, _speaker, token, _appearances = invited
    data = form_data(page(client.get(path(token))), "#profile-form")
    data.update(
        bio_en="A **career** diplomat.<script>alert(1)</script>[x](javascript:alert(2))",
        preview="1",
    )

    plain = submit(client, token, "/profile", data)
    enhanced = submit(client, token, "/profile", data, headers=HX)

    preview = page(plain).select_one("#preview-en")
    assert plain.status_code == 200
    assert preview.select_one("strong").get_text() == "career"
    assert preview.select("script") == []
    assert [a.get("href") for a in preview.select("a")] in ([], [None])
    assert fragment(enhanced).select_one("#preview-en strong").get_text() == "career"
    assert page(plain).select_one("#input-bio_en").get_text() == data["bio_en"]
    assert read(db, select(Person.bios).where(Person.id == person.id)) == {}


# The photo --------------------------------------------------------------------------------------


def test_uploading_a_photo_stores_it_and_a_square_thumbnail(client, db, invited):
    person, _speaker, token, _appearances = invited

    response = submit(client, token, "/photo", {}, files={"photo": ("me.png", png(), "image/png")})

    assert response.status_code == 303
    assert response.headers["location"] == f"{path(token)}?done=photo#photo"
    saved = read(db, select(Person).where(Person.id == person.id))
    photo = read(db, select(Upload).where(Upload.id == saved.photo_id))
    thumbnail = read(db, select(Upload).where(Upload.id == saved.thumbnail_id))
    assert (photo.width, photo.height) == (300, 200)
    assert thumbnail.width == thumbnail.height == 200
    shown = page(client.get(response.headers["location"]))
    assert shown.select_one("#current-photo")["src"] == f"/media/{thumbnail.key}"
    assert shown.select_one("#photo-message").get_text(strip=True) == "Your photo is saved."
    logged = read(db, select(ActivityLog.action).where(ActivityLog.action == "person.photo"))
    assert logged == "person.photo"


def test_uploading_a_photo_with_htmx_reloads_the_whole_page(client, invited):
    token = invited[2]

    response = submit(
        client, token, "/photo", {}, files={"photo": ("me.png", png(), "image/png")}, headers=HX
    )

    assert (response.status_code, response.headers["hx-redirect"]) == (
        204,
        f"{path(token)}?done=photo#photo",
    )


@pytest.mark.parametrize("headers", [{}, HX], ids=["plain", "htmx"])
def test_an_svg_named_png_is_refused_beside_the_field(client, db, invited, headers):
    person, _speaker, token, _appearances = invited
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'

    response = submit(
        client, token, "/photo", {}, files={"photo": ("me.png", svg, "image/png")}, headers=headers
    )

    soup = page(response) if not headers else fragment(response)
    assert response.status_code == 422
    assert error_beside(soup, "photo").startswith("SVG and other markup files are not accepted.")
    if headers:
        assert [tag["id"] for tag in soup.find_all(recursive=False)] == ["photo"]
    assert read(db, select(Person.photo_id).where(Person.id == person.id)) is None


def test_a_photo_form_without_a_file_asks_for_one(client, invited):
    response = submit(client, invited[2], "/photo", {})

    assert response.status_code == 422
    assert error_beside(page(response), "photo") == "Choose a file to upload."


# The organisers' view of it ---------------------------------------------------------------------


def test_the_activity_log_names_the_speakers_own_correction(client, db, owner, event, invited):
    _person, _speaker, token, _appearances = invited
    data = form_data(page(client.get(path(token))), "#profile-form")
    submit(client, token, "/profile", {**data, "position": "Minister"})
    log_in(client, owner)

    soup = page(client.get(f"/manage/events/{event.id}/activity"))

    entry = soup.select_one("[data-action='person.self_update']")
    assert entry.select_one(".activity-what").get_text(strip=True) == (
        "The speaker corrected their profile through their own page"
    )
    change = entry.select_one("[data-field=position]")
    assert change.select_one(".old").get_text() == MINISTER["position"]
    assert change.select_one(".new").get_text() == "Minister"
    invited_entry = soup.select_one("[data-action='speaker.invite'] .activity-what")
    assert invited_entry.get_text(strip=True) == "Invited a speaker"


# The invitation mail ----------------------------------------------------------------------------


def invitation(db, speaker_email: str = MINISTER["email"]) -> MailMessage:
    return read(
        db,
        select(MailMessage)
        .where(MailMessage.to_address == speaker_email)
        .order_by(MailMessage.id.desc())
        .limit(1),
    )


def test_the_invitation_has_the_agenda_name_the_sessions_in_local_time_and_the_link(
    client, db, invited
):
    _person, speaker, token, _appearances = invited

    message = invitation(db)

    html = BeautifulSoup(message.body_html, "lxml")
    link = people.link_url(speaker)
    assert link == f"http://testserver/speaker/{token}"
    assert message.subject == "Invitation to speak at Seminar on Online Scams"
    assert html.select_one("#greeting").get_text() == "Dear H.E. Mr. Russ Jalichandra,"
    assert html.select_one("#speaker-link")["href"] == link
    assert html.select_one("#sessions-heading").get_text() == (
        "Your sessions (times in Asia/Bangkok (UTC+07:00)):"
    )
    assert texts(html, "#sessions .session", "") == [
        "Monday, March 10, 2031, 09:00–09:30: Opening keynote (Keynote speaker; "
        "Awaiting your answer)",
        "Tuesday, March 11, 2031, 14:00–15:30: Panel on scam centres (Panellist; "
        "Awaiting your answer)",
    ]
    lines = message.body_text.splitlines()
    assert "Dear H.E. Mr. Russ Jalichandra," in lines
    assert link in lines
    assert (
        "- Monday, March 10, 2031, 09:00–09:30: Opening keynote (Keynote speaker; "
        "Awaiting your answer)"
    ) in lines
    assert "PhD" not in message.body_text  # the agenda name has no post-nominals
    assert client.get(link.removeprefix("http://testserver")).status_code == 200


def test_the_invitation_is_written_in_the_events_language(db, owner):
    event = make_event(db, starts_at=STARTS, languages="th,en", owner=owner)
    item = make_item(db, event, titles={"th": "ปาฐกถาพิเศษ", "en": "Keynote"})

    invite(db, event, owner, [item])

    html = BeautifulSoup(invitation(db).body_html, "lxml")
    assert html.select_one("html")["lang"] == "th"
    assert html.select_one("#sessions .session-title").get_text() == "ปาฐกถาพิเศษ"
    assert "มีนาคม" in html.select_one("#sessions .session-when").get_text()  # March, in Thai


def test_markup_in_names_and_titles_stays_text_in_the_html_mail(db, event, owner):
    item = make_item(db, event, '"><img src=x onerror=alert(1)>')

    invite(db, event, owner, [item], given_name="<script>alert(1)</script>")

    message = invitation(db)
    html = BeautifulSoup(message.body_html, "lxml")
    assert html.select("script, img") == []
    assert "<script>alert(1)</script>" in html.select_one("#greeting").get_text()
    assert texts(html, ".session-title") == ['"><img src=x onerror=alert(1)>']
    assert "<script>alert(1)</script>" in message.body_text  # plain text is not HTML


def test_line_breaks_in_a_title_or_name_never_reach_a_mail_header(db, owner):
    event = make_event(db, title="Seminar\r\nBcc: victim@example.org", owner=owner)
    item = make_item(db, event, "Keynote")

    invite(db, event, owner, [item], given_name="Russ\r\nBcc: victim@example.org")

    message = invitation(db)
    built = mail.build(message, sender="eventapp@example.org")
    assert message.subject == "Invitation to speak at Seminar Bcc: victim@example.org"
    assert built["Bcc"] is None
    assert all("\n" not in str(value) and "\r" not in str(value) for value in built.values())
    assert built["To"] == MINISTER["email"]


def test_the_invitation_lists_no_withdrawn_session(db, event, owner):
    kept = make_item(db, event, "Kept")
    dropped = make_item(db, event, "Dropped", at="11:00")
    person, _speaker, _token, (_kept, dropped_appearance) = invite(
        db, event, owner, [kept, dropped]
    )
    db.execute(
        update(Appearance)
        .where(Appearance.id == dropped_appearance.id)
        .values(status=AppearanceStatus.WITHDRAWN)
    )
    db.commit()

    people.invite(db, event, person, actor=owner)  # sent again
    db.commit()

    html = BeautifulSoup(invitation(db).body_html, "lxml")
    assert texts(html, ".session-title") == ["Kept"]


def test_roles_are_named_in_the_mail(db, event, owner):
    item = make_item(db, event, "Panel")

    invite(db, event, owner, [item], roles={item.id: AppearanceRole.MODERATOR})

    html = BeautifulSoup(invitation(db).body_html, "lxml")
    assert texts(html, ".session-role") == ["Moderator"]
