"""Invitations for invitation-only events (eventapp/registration_invites.py and its page): shared
codes, personal links mailed in the event's language, revoking, and who may."""

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from eventapp import registration, registration_invites
from eventapp.models import (
    ActivityLog,
    MailMessage,
    RegistrationInvite,
    RegistrationMode,
    Role,
)
from tests.factories import (
    add_member,
    attendee,
    fragment,
    log_in,
    make_event,
    make_user,
    open_registration,
    page,
    read,
    read_all,
    submit,
)

HTMX = {"HX-Request": "true"}


@pytest.fixture
def owner(db):
    return make_user(db, name="Olivia Owner")


@pytest.fixture
def event(db, owner):
    return make_event(
        db, owner=owner, title="EU–Southeast Asia Digital Diplomacy Forum", languages="en,th"
    )


def invitations_url(event) -> str:
    return f"/manage/events/{event.id}/registration/invitations"


def all_invites(db) -> list[RegistrationInvite]:
    return read_all(db, select(RegistrationInvite).order_by(RegistrationInvite.id))


# Rules -----------------------------------------------------------------------------------------


def test_a_shared_code_is_upper_cased_and_found_in_any_case(db, event, owner):
    made = registration_invites.create_code(
        db, event, actor=owner, code=" eu-partners ", max_uses=2, note="For the partners"
    )
    db.commit()

    found = registration.find_invite(db, event, "Eu-Partners")

    assert (made.code, found.id, found.max_uses, found.note) == (
        "EU-PARTNERS",
        made.id,
        2,
        "For the partners",
    )


@pytest.mark.parametrize("code", ["abc", "x" * 41, "EU PARTNERS!", "ÉCOLE", "<script>"])
def test_a_code_that_is_not_letters_digits_or_hyphens_is_refused(db, event, owner, code):
    with pytest.raises(registration_invites.InvalidCode):
        registration_invites.create_code(db, event, actor=owner, code=code)


def test_a_code_is_unique_per_event_only(db, event, owner):
    other = make_event(db, owner=owner)
    registration_invites.create_code(db, event, actor=owner, code="PARTNERS")
    registration_invites.create_code(db, other, actor=owner, code="PARTNERS")
    db.commit()

    with pytest.raises(registration_invites.CodeTaken):
        registration_invites.create_code(db, event, actor=owner, code="partners")


def test_each_person_gets_a_one_use_link_by_mail(db, event, owner):
    made = registration_invites.invite_people(
        db, event, actor=owner, emails=["Anna@Example.org ", "anna@example.org", "ben@example.org"]
    )
    db.commit()

    assert [(i.email, i.max_uses, i.uses, i.code) for i in made] == [
        ("anna@example.org", 1, 0, None),
        ("ben@example.org", 1, 0, None),
    ]
    mails = read_all(db, select(MailMessage).order_by(MailMessage.id))
    assert [(m.to_address, m.subject) for m in mails] == [
        (
            "anna@example.org",
            "Invitation to register for EU–Southeast Asia Digital Diplomacy Forum",
        ),
        ("ben@example.org", "Invitation to register for EU–Southeast Asia Digital Diplomacy Forum"),
    ]
    link = BeautifulSoup(mails[0].body_html, "html.parser").select_one("#register-link")["href"]
    token = link.split("?invite=")[1]
    assert link == f"http://testserver/events/{event.slug}/register?invite={token}"
    assert link in mails[0].body_text.splitlines()
    assert registration.find_invite(db, event, token).id == made[0].id
    assert made[0].token_hash == registration_invites.security.token_hash(token)


def test_the_invitation_mail_is_in_the_language_asked_for(db, event, owner):
    registration_invites.invite_people(
        db, event, actor=owner, emails=["anna@example.org"], language="th"
    )
    db.commit()

    mail = read(db, select(MailMessage))
    assert BeautifulSoup(mail.body_html, "html.parser").html["lang"] == "th"
    assert mail.body_text.splitlines()[-1] == "ส่งโดย eventapp ที่ http://testserver"


def test_a_personal_link_works_once_and_a_revoked_code_not_at_all(db, event, owner):
    open_registration(db, event, mode=RegistrationMode.INVITATION)
    (personal,) = registration_invites.invite_people(
        db, event, actor=owner, emails=["anna@example.org"]
    )
    code = registration_invites.create_code(db, event, actor=owner, code="PARTNERS")
    db.commit()
    registration.register(db, event, attendee(1), invite=personal)
    db.commit()

    with pytest.raises(registration.InvitationNeeded):
        registration.register(db, event, attendee(2), invite=personal)
    db.rollback()
    registration_invites.revoke(db, event, code, actor=owner)
    db.commit()
    with pytest.raises(registration.InvitationNeeded):
        registration.register(db, event, attendee(3), invite=code)
    db.rollback()

    invite_actions = ActivityLog.action.like("registration_invite.%")
    logged = read_all(db, select(ActivityLog.action).where(invite_actions).order_by("id"))
    assert logged == [
        "registration_invite.person",
        "registration_invite.code",
        "registration_invite.revoke",
    ]


def test_email_lines_are_read_and_bad_ones_named(db):
    found, refused = registration_invites.parse_emails(
        "anna@example.org\r\n\r\n <ben@example.org>; carol@example.org\nnot an address\nx@y"
    )

    assert found == ["anna@example.org", "ben@example.org", "carol@example.org"]
    assert refused == ["not an address", "x@y"]


def test_another_events_invitation_is_not_found(db, event, owner):
    other = make_event(db, owner=owner)
    theirs = registration_invites.create_code(db, other, actor=owner, code="THEIRS")
    db.commit()

    assert registration_invites.invite_in(db, event, theirs.id) is None
    assert registration.find_invite(db, event, "THEIRS") is None


# The page --------------------------------------------------------------------------------------


def rows(response, soup=None) -> list[dict[str, str]]:
    soup = soup or page(response)
    return [
        {
            "who": row.select_one(".invite-who").get_text(strip=True),
            "uses": row.select_one(".invite-uses").get_text(strip=True),
            "status": row.select_one(".invite-status").get_text(strip=True),
        }
        for row in soup.select("#invite-list tbody tr")
    ]


def test_an_organiser_creates_a_code_and_sees_it_listed(client, db, event):
    organiser = make_user(db)
    add_member(db, event, organiser, Role.ORGANISER)
    log_in(client, organiser)

    response = submit(
        client, invitations_url(event) + "/code", {"code": "eu-partners", "max_uses": "25"}
    )

    assert response.status_code == 303
    assert response.headers["location"] == invitations_url(event) + "?done=code-created"
    listing = client.get(response.headers["location"])
    assert rows(listing) == [{"who": "EU-PARTNERS", "uses": "0 / 25", "status": "Usable"}]
    assert page(listing).select_one("#message").get_text() == "Invitation code created."


def test_creating_a_code_with_htmx_answers_the_panel(client, db, owner, event):
    log_in(client, owner)

    response = submit(client, invitations_url(event) + "/code", {"code": "VIP1"}, headers=HTMX)

    assert response.status_code == 200
    soup = fragment(response)
    assert soup.find("html") is None
    assert rows(response, soup) == [{"who": "VIP1", "uses": "0 (no limit)", "status": "Usable"}]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"code": ""}, "code", "This field is required."),
        ({"code": "ab"}, "code", "Use 4 to 40 letters, digits or hyphens."),
        ({"code": "TAKEN"}, "code", "This event already has this code. Choose another."),
        ({"code": "GOOD", "max_uses": "0"}, "max_uses",
         "Enter a number from 1 to 100000, or leave it empty."),
    ],
)  # fmt: skip
def test_a_bad_code_is_refused_beside_the_field(client, db, owner, event, data, field, message):
    registration_invites.create_code(db, event, actor=owner, code="TAKEN")
    db.commit()
    log_in(client, owner)

    for headers in (None, HTMX):
        response = submit(client, invitations_url(event) + "/code", data, headers=headers)

        assert response.status_code == 422
        soup = fragment(response) if headers else page(response)
        assert soup.select_one(f"#code-error-{field}").get_text() == message
        assert soup.select_one(f"#code-input-{field}")["aria-invalid"] == "true"
    assert len(all_invites(db)) == 1


def test_inviting_people_mails_each_and_lists_them(client, db, owner, event):
    log_in(client, owner)

    response = submit(
        client,
        invitations_url(event) + "/people",
        {"emails": "anna@example.org\r\nben@example.org\r\n", "language": "th"},
    )

    assert response.status_code == 303
    listing = client.get(response.headers["location"])
    assert rows(listing) == [
        {"who": "ben@example.org", "uses": "0 / 1", "status": "Usable"},
        {"who": "anna@example.org", "uses": "0 / 1", "status": "Usable"},
    ]
    assert sorted(read_all(db, select(MailMessage.to_address))) == [
        "anna@example.org",
        "ben@example.org",
    ]


def test_invalid_email_lines_are_named_and_nobody_is_invited(client, db, owner, event):
    log_in(client, owner)

    response = submit(
        client,
        invitations_url(event) + "/people",
        {"emails": "anna@example.org\nnot-an-address\n<script>x</script>"},
    )

    assert response.status_code == 422
    soup = page(response)
    assert soup.select_one("#people-error-emails").get_text() == (
        "These lines are not email addresses: not-an-address; <script>x</script>. "
        "Correct or remove them."
    )
    assert soup.select_one("#people-input-emails").get_text() == (
        "anna@example.org\nnot-an-address\n<script>x</script>"
    )
    assert (all_invites(db), read_all(db, select(MailMessage.id))) == ([], [])


def test_revoking_stops_the_invitation(client, db, owner, event):
    code = registration_invites.create_code(db, event, actor=owner, code="PARTNERS")
    db.commit()
    log_in(client, owner)

    plain = submit(client, f"{invitations_url(event)}/{code.id}/revoke")
    htmx = submit(client, f"{invitations_url(event)}/{code.id}/revoke", headers=HTMX)

    assert plain.status_code == 303
    assert rows(htmx, fragment(htmx)) == [
        {"who": "PARTNERS", "uses": "0 (no limit)", "status": "Revoked"}
    ]
    assert read(db, select(RegistrationInvite.is_revoked)) is True


def test_another_events_invitation_answers_404(client, db, owner, event):
    other = make_event(db, owner=owner)
    theirs = registration_invites.create_code(db, other, actor=owner, code="THEIRS")
    db.commit()
    log_in(client, owner)

    response = submit(client, f"{invitations_url(event)}/{theirs.id}/revoke")

    assert response.status_code == 404
    assert read(db, select(RegistrationInvite.is_revoked)) is False


def test_a_registrar_cannot_invite(client, db, event):
    registrar = make_user(db)
    add_member(db, event, registrar, Role.REGISTRAR)
    log_in(client, registrar)

    shown = client.get(invitations_url(event))
    response = submit(client, invitations_url(event) + "/code", {"code": "MINE"})

    assert (shown.status_code, response.status_code) == (403, 403)
    assert all_invites(db) == []


def test_the_page_says_when_the_event_is_not_invitation_only(client, db, owner, event):
    open_registration(db, event, mode=RegistrationMode.OPEN)
    log_in(client, owner)

    before = page(client.get(invitations_url(event))).select_one("#mode-note")
    open_registration(db, event, mode=RegistrationMode.INVITATION)
    after = page(client.get(invitations_url(event))).select_one("#mode-note")

    assert (before is not None, after) == (True, None)


def test_the_invitations_page_query_count_does_not_grow(client, db, owner, event, count_queries):
    registration_invites.create_code(db, event, actor=owner, code="CODE-0")
    db.commit()
    log_in(client, owner)
    with count_queries() as one:
        client.get(invitations_url(event))
    for n in range(1, 25):
        registration_invites.create_code(db, event, actor=owner, code=f"CODE-{n}")
    registration_invites.invite_people(
        db, event, actor=owner, emails=[f"person{n}@example.org" for n in range(25)]
    )
    db.commit()

    with count_queries() as fifty:
        response = client.get(invitations_url(event))

    assert len(rows(response)) == 50
    assert len(fifty) == len(one)
