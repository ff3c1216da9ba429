"""The public registration page (routes/register.py): what it shows, the answer after posting it
(confirmed, waiting list, awaiting approval), second registrations, bad and hostile input, the
honeypot, rate limits, invitations, colleagues, and "lost your link?"."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from eventapp import registration as rules
from eventapp.models import (
    ActivityLog,
    MailMessage,
    ParticipantList,
    Question,
    QuestionKind,
    RateLimitHit,
    Registration,
    RegistrationInvite,
    RegistrationMode,
)
from tests.factories import (
    form_data,
    fragment,
    make_event,
    make_registration,
    make_user,
    open_registration,
    page,
    read,
    read_all,
    text_of,
)

STARTS = datetime(2031, 3, 10, 2, 0, tzinfo=UTC)  # Monday 10 March 2031, 09:00 in Bangkok
HX = {"HX-Request": "true"}
ANNA = {
    "honorific": "Dr.",
    "given_name": "Anna",
    "family_name": "Lind",
    "email": "anna@example.org",
    "organisation": "EU Delegation",
    "position": "Counsellor",
    "country": "SE",
    "privacy": "accept",
}


@pytest.fixture
def owner(db):
    return make_user(db, name="Olivia Owner")


@pytest.fixture
def event(db, owner):
    return make_event(
        db,
        owner=owner,
        slug="digital-forum",
        title="EU–Southeast Asia Digital Diplomacy Forum",
        starts_at=STARTS,
        venue_name="Centara Grand",
    )


def form_on(client, path: str = "/events/digital-forum/register") -> dict:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return form_data(page(response), "#register-form")


def register(client, fields: dict | None = None, *, headers=None, **more):
    """Fill in the form as shown (Anna's details unless told otherwise) and post it."""
    data = form_on(client)
    data.update(ANNA if fields is None else fields)
    data.update(more)
    return client.post("/events/digital-forum/register", data=data, headers=headers)


def registrations(db) -> list[tuple[str, str]]:
    rows = read_all(db, select(Registration).order_by(Registration.id))
    return [(row.email, str(row.status)) for row in rows]


def mails(db) -> list[tuple[str, str]]:
    rows = read_all(db, select(MailMessage).order_by(MailMessage.id))
    return [(row.to_address, row.subject) for row in rows]


def hits(db) -> int:
    return read(db, select(func.count()).select_from(RateLimitHit))


# The page --------------------------------------------------------------------------------------


def test_the_page_shows_the_event_places_left_and_the_form(db, client, event):
    open_registration(db, event, capacity=3)
    make_registration(db, event, 1)

    response = client.get("/events/digital-forum/register")

    soup = page(response)
    assert response.status_code == 200
    assert soup.select_one("#places").get_text(strip=True) == "2 places left"
    assert [label.get_text(" ", strip=True) for label in soup.select("#about-you label")] == [
        "Title", "Given name *", "Family name *", "Email *", "Organisation", "Position",
        "Country",
    ]  # fmt: skip
    assert soup.select_one("#input-privacy")["required"] == ""
    assert soup.select_one("#register-button").get_text(strip=True) == "Register"


def test_a_full_event_with_a_waiting_list_offers_it(db, client, event):
    open_registration(db, event, capacity=1)
    make_registration(db, event, 1)

    soup = page(client.get("/events/digital-forum/register"))

    assert soup.select_one("#places").get_text(strip=True) == "Full: you can join the waiting list"
    assert soup.select_one("#register-button").get_text(strip=True) == "Join the waiting list"


def test_the_honeypot_is_hidden_and_out_of_the_way(db, client, event):
    open_registration(db, event)

    soup = page(client.get("/events/digital-forum/register"))
    trap = soup.select_one("#input-website")

    assert soup.select_one("label[for=input-website]").get_text(strip=True) == "Leave this empty"
    assert (trap["tabindex"], trap["autocomplete"]) == ("-1", "off")
    assert trap.find_parent("div")["class"] == ["field", "honeypot"]


def test_a_draft_or_unknown_event_has_no_registration_page(db, client, owner):
    draft = make_event(db, owner=owner, slug="draft-one", status="draft")
    open_registration(db, draft)

    assert client.get("/events/draft-one/register").status_code == 404
    assert client.get("/events/nothing-here/register").status_code == 404


def test_custom_questions_privacy_and_the_participant_list_are_on_the_form(db, client, event):
    open_registration(
        db,
        event,
        privacy={"en": "We keep your details for **one year**.", "th": "ไทย"},
        participant_list=ParticipantList.PUBLIC,
    )
    db.add(
        Question(event_id=event.id, kind=QuestionKind.SHORT_TEXT, labels={"en": "Dietary needs"})
    )
    db.commit()

    soup = page(client.get("/events/digital-forum/register"))

    assert soup.select_one("#privacy-statement strong").get_text() == "one year"
    assert soup.select_one("#questions label").get_text(strip=True) == "Dietary needs"
    assert soup.select_one("#input-in_participant_list")["value"] == "yes"


def test_without_a_participant_list_there_is_no_opt_in(db, client, event):
    open_registration(db, event)

    soup = page(client.get("/events/digital-forum/register"))

    assert soup.select_one("#input-in_participant_list") is None


# Registering -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "before", "status", "title", "message"),
    [
        ({"capacity": 2}, 0, "confirmed", "You are registered",
         "Your place is confirmed. We have sent you a mail with your personal link, your ticket "
         "and the event for your calendar."),
        ({"capacity": 1}, 2, "waitlisted", "You are on the waiting list",
         "The event is full, so you are on the waiting list, number 2. If a place becomes free, "
         "it goes to the first in line and we write to you at once."),
        ({"mode": RegistrationMode.MODERATED}, 0, "pending", "Your registration awaits approval",
         "The organisers approve each registration. We have sent you a mail with your personal "
         "link, and will write again when they have decided."),
    ],
    ids=["confirmed", "waitlisted", "pending"],
)  # fmt: skip
def test_the_result_page_says_where_the_registration_stands(
    db, client, event, settings, before, status, title, message
):
    open_registration(db, event, **settings)
    for n in range(before):
        make_registration(db, event, n)

    response = register(client)
    result = client.get(response.headers["location"])

    soup = page(result)
    anna = read(db, select(Registration).where(Registration.email == "anna@example.org"))
    assert response.status_code == 303
    assert response.headers["location"] == f"/registrations/{rules.link_token(anna)}/registered"
    assert (anna.status, anna.given_name, anna.country) == (status, "Anna", "SE")
    assert soup.select_one("#result-title").get_text(strip=True) == title
    assert " ".join(soup.select_one("#result-status").get_text().split()) == message
    assert soup.select_one("#personal-link")["href"] == f"/registrations/{rules.link_token(anna)}"
    assert (result.headers["cache-control"], result.headers["referrer-policy"]) == (
        "no-store",
        "same-origin",
    )
    assert read(db, select(ActivityLog.action).where(ActivityLog.object_id == anna.id)) == (
        "registration.create"
    )


def test_with_htmx_success_sends_the_browser_to_the_result(db, client, event):
    open_registration(db, event)

    response = register(client, headers=HX)

    anna = read(db, select(Registration).where(Registration.email == "anna@example.org"))
    assert response.status_code == 204
    assert response.headers["hx-redirect"] == f"/registrations/{rules.link_token(anna)}/registered"


def test_missing_fields_are_named_beside_them(db, client, event):
    open_registration(db, event)

    response = register(client, {"email": "not an address"})

    soup = page(response)
    assert response.status_code == 422
    assert {
        name: soup.select_one(f"#error-{name}").get_text()
        for name in ("given_name", "family_name", "email", "privacy")
    } == {
        "given_name": "This field is required.",
        "family_name": "This field is required.",
        "email": "Enter an email address, like name@example.org.",
        "privacy": "Accept the privacy statement to register.",
    }
    assert soup.select_one("#input-email")["aria-describedby"].split() == [
        "error-email",
        "help-email",
    ]
    assert soup.select_one("#input-email")["value"] == "not an address"
    assert registrations(db) == []


def test_with_htmx_an_invalid_form_comes_back_as_its_block(db, client, event):
    open_registration(db, event)

    response = register(client, {**ANNA, "given_name": ""}, headers=HX)

    soup = fragment(response)
    assert response.status_code == 422
    assert [section["id"] for section in soup.find_all("section", recursive=False)] == ["register"]
    assert soup.select_one("#input-given_name")["aria-invalid"] == "true"


def test_a_name_of_ten_thousand_characters_is_refused(db, client, event):
    open_registration(db, event)

    response = register(client, {**ANNA, "given_name": "A" * 10_000})

    assert response.status_code == 422
    assert page(response).select_one("#error-given_name").get_text() == (
        "Use at most 100 characters."
    )
    assert registrations(db) == []


def test_line_breaks_in_names_are_folded_and_never_reach_a_mail_header(db, client, event):
    open_registration(db, event)

    register(
        client, {**ANNA, "given_name": "Anna\r\nBcc: victim@example.org", "family_name": "L\nind"}
    )

    anna = read(db, select(Registration).where(Registration.email == "anna@example.org"))
    message = read(db, select(MailMessage))
    assert (anna.given_name, anna.family_name) == ("Anna Bcc: victim@example.org", "L ind")
    assert message.subject == "Your place at EU–Southeast Asia Digital Diplomacy Forum is confirmed"
    assert message.to_address == "anna@example.org"


def test_fields_the_form_does_not_offer_are_ignored(db, client, event, owner):
    open_registration(db, event, mode=RegistrationMode.MODERATED)
    other = make_event(db, owner=owner)

    response = register(
        client,
        {**ANNA, "status": "confirmed", "event_id": str(other.id), "group_lead_id": "1",
         "in_participant_list": "yes", "version": "9"},
    )  # fmt: skip

    anna = read(db, select(Registration))
    assert response.status_code == 303
    assert (anna.status, anna.event_id, anna.group_lead_id, anna.in_participant_list) == (
        "pending",
        event.id,
        None,
        False,  # the event has no participant list
    )
    assert anna.version == 1


def test_script_in_a_name_shows_as_text_on_the_pages_and_in_the_mail(db, client, event):
    open_registration(db, event)

    response = register(client, {**ANNA, "given_name": "<script>alert(1)</script>"})
    link = page(client.get(response.headers["location"])).select_one("#personal-link")["href"]
    own = page(client.get(link))

    message = read(db, select(MailMessage))
    assert own.select_one("#shown-name").get_text() == "Dr. <script>alert(1)</script> Lind"
    assert own.select("main script") == []
    assert message.body_text.splitlines()[0] == "Hello Dr. <script>alert(1)</script> Lind,"
    assert "<script>" not in message.body_html
    assert "Dr. &lt;script&gt;alert(1)&lt;/script&gt; Lind" in message.body_html


def test_a_custom_answer_is_kept(db, client, event):
    open_registration(db, event)
    question = Question(
        event_id=event.id,
        kind=QuestionKind.SINGLE_CHOICE,
        labels={"en": "Which panel interests you most?"},
        choices=[{"id": "c1", "labels": {"en": "Scams"}}, {"id": "c2", "labels": {"en": "AI"}}],
        is_required=True,
    )
    db.add(question)
    db.commit()

    missing = register(client)
    response = register(client, **{f"q{question.id}": "c2"})

    assert page(missing).select_one(f"#error-q{question.id}").get_text() == (
        "This field is required."
    )
    assert response.status_code == 303
    assert read(db, select(Registration.answers)) == {str(question.id): "c2"}


# Refusals --------------------------------------------------------------------------------------


def test_after_the_closing_time_registering_is_refused_with_the_time(db, client, event):
    closed = datetime(2024, 3, 1, 10, 30, tzinfo=UTC)  # 17:30 in Bangkok
    open_registration(db, event)
    data = form_on(client)
    open_registration(db, event, closes_at=closed)
    data.update(ANNA)

    response = client.post("/events/digital-forum/register", data=data)
    shown = page(client.get("/events/digital-forum/register"))

    soup = page(response)
    assert response.status_code == 409
    assert soup.select_one("#register-closed").get_text() == (
        "Registration closed on Mar 1, 2024, 5:30:00\u202fPM Asia/Bangkok (UTC+07:00)."
    )
    assert shown.select_one("#register-closed").get_text() == (
        soup.select_one("#register-closed").get_text()
    )
    assert shown.select_one("#register-form") is None
    assert registrations(db) == []


def test_before_the_opening_time_the_page_says_when_it_opens(db, client, event):
    open_registration(db, event, opens_at=datetime.now(UTC) + timedelta(days=2))

    soup = page(client.get("/events/digital-forum/register"))

    assert soup.select_one("#register-closed").get_text().startswith("Registration opens on ")
    assert soup.select_one("#register-form") is None


def test_an_event_never_opened_takes_no_registrations(db, client, event):
    soup = page(client.get("/events/digital-forum/register"))

    assert soup.select_one("#register-closed").get_text() == (
        "Registration for this event is not open."
    )


def test_full_without_a_waiting_list_says_so(db, client, event):
    open_registration(db, event, capacity=1, has_waitlist=False)
    data = form_on(client)
    make_registration(db, event, 1)
    data.update(ANNA)

    response = client.post("/events/digital-forum/register", data=data)

    shown = page(client.get("/events/digital-forum/register"))

    assert response.status_code == 409
    assert page(response).select_one("#register-full").get_text() == (
        "The event is full and has no waiting list, so no more registrations can be taken."
    )
    assert (shown.select_one("#places").get_text(), shown.select_one("#register-form")) == (
        "Full",
        None,
    )
    assert registrations(db) == [("attendee1@example.org", "confirmed")]


# Registering twice -----------------------------------------------------------------------------


@pytest.mark.parametrize("again", ["anna@example.org", "  ANNA@Example.ORG "])
def test_registering_again_answers_alike_and_sends_the_link_again(db, client, event, again):
    open_registration(db, event)
    register(client)

    response = register(client, {**ANNA, "email": again, "given_name": "Someone"})

    assert response.status_code == 200
    assert text_of(response, "#register-outcome") == (
        "You are already registered; we have sent your link again. Look for a mail from us, "
        "and check your spam folder if it does not arrive in a few minutes."
    )
    assert registrations(db) == [("anna@example.org", "confirmed")]
    assert mails(db) == [
        (
            "anna@example.org",
            "Your place at EU–Southeast Asia Digital Diplomacy Forum is confirmed",
        ),
        ("anna@example.org", "Your personal link for EU–Southeast Asia Digital Diplomacy Forum"),
    ]


# The honeypot and the rate limits --------------------------------------------------------------


def test_a_filled_honeypot_is_answered_as_fine_and_registers_nothing(db, client, event):
    open_registration(db, event)

    response = register(client, website="http://spam.example")
    answer = client.get(response.headers["location"])

    assert response.status_code == 303
    assert text_of(answer, "#sent-message") == (
        "We have sent a mail with your personal link. Check your spam folder if it does not "
        "arrive in a few minutes."
    )
    assert (registrations(db), mails(db)) == ([], [])


def test_too_many_attempts_from_one_address_are_refused_for_a_while(
    db, client, event, settings_env
):
    settings_env(registration_limit_per_ip="3")
    open_registration(db, event)
    answers = [
        register(client, {**ANNA, "email": f"person{n}@example.org"}).status_code for n in range(4)
    ]

    response = register(client, {**ANNA, "email": "late@example.org"})

    assert answers == [303, 303, 303, 429]
    assert response.status_code == 429
    assert page(response).select_one("#input-email")["value"] == "late@example.org"
    assert response.headers["retry-after"] == "600"
    assert text_of(response, "#register-problem") == (
        "Too many attempts in a short time. Wait 10 minutes and try again."
    )
    assert len(registrations(db)) == 3


def test_too_many_attempts_for_one_email_are_refused(db, client, event, settings_env):
    settings_env(registration_limit_per_ip="100", registration_limit_per_email="2")
    open_registration(db, event)
    answers = [register(client, {**ANNA, "given_name": ""}).status_code for _n in range(3)]

    other = register(client, {**ANNA, "email": "bo@example.org"})

    assert answers == [422, 422, 429]
    assert other.status_code == 303


def test_with_htmx_the_limit_comes_back_in_the_block(db, client, event, settings_env):
    settings_env(registration_limit_per_ip="1")
    open_registration(db, event)
    register(client)

    response = register(client, headers=HX)

    assert response.status_code == 429
    assert fragment(response).select_one("#register-problem") is not None


# Invitations and colleagues --------------------------------------------------------------------


def test_an_invitation_only_event_asks_for_the_code(db, client, event):
    open_registration(db, event, mode=RegistrationMode.INVITATION)
    db.add(RegistrationInvite(event_id=event.id, code="ASEAN25", max_uses=1))
    db.commit()

    wrong = register(client, {**ANNA, "invite_code": "NOPE"})
    right = register(client, {**ANNA, "invite_code": "asean25 "})
    used_up = register(client, {**ANNA, "email": "bo@example.org", "invite_code": "ASEAN25"})

    assert wrong.status_code == 422
    assert page(wrong).select_one("#error-invite_code").get_text() == (
        "This invitation is not valid for this event, or has been used up. "
        "Check the code in your invitation."
    )
    assert right.status_code == 303
    assert used_up.status_code == 422
    assert registrations(db) == [("anna@example.org", "confirmed")]


def test_a_personal_invitation_link_fills_in_the_code_unseen(db, client, event):
    open_registration(db, event, mode=RegistrationMode.INVITATION)
    invite = RegistrationInvite(event_id=event.id, link_nonce="n" * 43, max_uses=1)
    token = rules.invite_token(invite)
    invite.token_hash = rules.security.token_hash(token)
    db.add(invite)
    db.commit()

    data = form_on(client, f"/events/digital-forum/register?invite={token}")
    shown = page(client.get(f"/events/digital-forum/register?invite={token}"))
    data.update(ANNA)
    response = client.post("/events/digital-forum/register", data=data)

    assert shown.select_one("input[name=invite_code]")["type"] == "hidden"
    assert data["invite_code"] == token
    assert response.status_code == 303
    assert read(db, select(Registration.invite_id)) == invite.id


def test_colleagues_are_registered_with_the_lead_each_with_their_own_link(db, client, event):
    open_registration(db, event, capacity=2, group_max=3)

    response = register(
        client,
        {**ANNA, "colleague1_given_name": "Bo", "colleague1_family_name": "Berg",
         "colleague1_email": "bo@example.org", "colleague2_given_name": "Cy",
         "colleague2_family_name": "Chan", "colleague2_email": "cy@example.org",
         "colleague2_organisation": "ASEAN Secretariat"},
    )  # fmt: skip
    result = page(client.get(response.headers["location"]))

    rows = read_all(db, select(Registration).order_by(Registration.id))
    assert [(r.email, r.status, r.organisation) for r in rows] == [
        ("anna@example.org", "confirmed", "EU Delegation"),
        ("bo@example.org", "confirmed", "EU Delegation"),
        ("cy@example.org", "waitlisted", "ASEAN Secretariat"),
    ]
    assert [r.group_lead_id for r in rows] == [None, rows[0].id, rows[0].id]
    assert [li.get_text(" ", strip=True) for li in result.select("#result-group li")] == [
        "Bo Berg : Confirmed",
        "Cy Chan : On the waiting list",
    ]
    assert sorted(to for to, _subject in mails(db)) == [
        "anna@example.org", "bo@example.org", "cy@example.org"
    ]  # fmt: skip


def test_a_colleague_needs_their_own_address(db, client, event):
    open_registration(db, event, group_max=2)

    response = register(
        client,
        {**ANNA, "colleague1_given_name": "Bo", "colleague1_family_name": "Berg",
         "colleague1_email": "ANNA@example.org"},
    )  # fmt: skip

    assert response.status_code == 422
    assert page(response).select_one("#error-colleague1_email").get_text() == (
        "Each person needs their own email address."
    )


# "Lost your link?" -----------------------------------------------------------------------------


def lost_link(client, email: str, headers=None):
    response = client.get("/events/digital-forum/register/lost-link")
    data = form_data(page(response), "#lost-link-form")
    data["email"] = email
    return client.post("/events/digital-forum/register/lost-link", data=data, headers=headers)


def test_lost_link_answers_alike_whether_or_not_the_address_is_registered(db, client, event):
    open_registration(db, event)
    make_registration(db, event, "anna")
    before = len(mails(db))

    known = lost_link(client, " AttendeeAnna@example.org")
    unknown = lost_link(client, "nobody@example.org")

    assert (known.status_code, unknown.status_code) == (303, 303)
    assert known.headers["location"] == unknown.headers["location"]
    assert text_of(client.get(known.headers["location"]), "#lost-link-sent") == (
        "If this address is registered for this event, we have sent its personal link. "
        "Check your spam folder if it does not arrive in a few minutes."
    )
    assert mails(db)[before:] == [
        (
            "attendeeanna@example.org",
            "Your personal link for EU–Southeast Asia Digital Diplomacy Forum",
        )
    ]


def test_lost_link_wants_an_address_and_has_the_same_limits(db, client, event, settings_env):
    settings_env(registration_limit_per_ip="2")
    open_registration(db, event)

    bad = lost_link(client, "nope")
    fine = lost_link(client, "someone@example.org")
    over = lost_link(client, "someone@example.org", headers=HX)

    assert bad.status_code == 422
    assert page(bad).select_one("#error-email").get_text() == (
        "Enter an email address, like name@example.org."
    )
    assert fine.status_code == 303
    assert over.status_code == 429
    assert over.headers["retry-after"] == "600"
    assert fragment(over).select_one("#lost-link-problem").get_text() == (
        "Too many attempts in a short time. Wait 10 minutes and try again."
    )
    assert hits(db) == 3  # two by address, one by email (the malformed one counts no email)


def test_a_cancelled_registration_has_no_link_to_send(db, client, event):
    open_registration(db, event)
    anna = make_registration(db, event, "anna")
    rules.cancel(db, event, anna)
    db.commit()
    before = len(mails(db))

    response = lost_link(client, "attendeeanna@example.org")

    assert response.status_code == 303
    assert len(mails(db)) == before


def test_the_rules_still_refuse_what_the_page_would_let_through(db, event):
    """The pages check lengths first; the rules hold the line for every caller."""
    open_registration(db, event)

    with pytest.raises(rules.TooLong) as refused:
        rules.register(
            db, event, rules.AttendeeDetails(email="a@example.org", family_name="x" * 101)
        )

    assert (refused.value.field, refused.value.limit) == ("family_name", 100)
    assert read(db, select(func.count()).select_from(Registration)) == 0


def test_the_event_page_links_the_form_only_while_registration_is_enabled(client, db, event):
    before = page(client.get(f"/events/{event.slug}")).select_one("#register-link")
    open_registration(db, event)

    after = page(client.get(f"/events/{event.slug}")).select_one("#register-link")

    assert before is None
    assert after["href"] == f"/events/{event.slug}/register"
