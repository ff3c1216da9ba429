"""The team page and the invitation link, through HTTP: who may do what, forms with and
without htmx, and the accept page in each of its states."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from eventapp import team
from eventapp.models import ActivityLog, Invitation, MailMessage, Membership, Role, User, utcnow
from tests.conftest import BASE_URL
from tests.factories import add_member, log_in, make_event, make_user, page, post_form

HTMX = {"HX-Request": "true"}


@pytest.fixture
def owner(db):
    return make_user(db, "owner@example.org", name="Olivia Owner")


@pytest.fixture
def event(db, owner):
    return make_event(db, owner=owner, title="EU–Thailand Seminar")


def team_url(event) -> str:
    return f"/manage/events/{event.id}/team"


def rows(soup, table_id: str) -> list[list[str]]:
    table = soup.select_one(f"#{table_id}")
    return [
        [cell.get_text(" ", strip=True) for cell in row.select("td")[:3]]
        for row in table.select("tbody tr")
    ]


def invite(client, event, email: str, role: str = "organiser", headers=None):
    return post_form(
        client,
        f"{team_url(event)}/invitations",
        {"email": email, "role": role},
        token_from=team_url(event),
        headers=headers,
    )


def link_from_last_mail(db) -> str:
    message = db.scalar(select(MailMessage).order_by(MailMessage.id.desc()))
    db.commit()
    [link] = [line for line in message.body_text.splitlines() if "/invitations/" in line]
    return link


def path_of(link: str) -> str:
    assert link.startswith(BASE_URL + "/invitations/")
    return link[len(BASE_URL) :]


# The team page ---------------------------------------------------------------------------------


def test_team_page_lists_members_with_roles_and_open_invitations(client, db, event, owner):
    add_member(db, event, make_user(db, "reg@example.org", name="Rin Registrar"), Role.REGISTRAR)
    team.invite(db, event, email="guest@example.org", role=Role.RAPPORTEUR, invited_by=owner)
    db.commit()
    log_in(client, owner)

    response = client.get(team_url(event))

    soup = page(response)
    assert response.status_code == 200
    assert rows(soup, "members") == [
        ["Olivia Owner", "owner@example.org", "Owner"],
        ["Rin Registrar", "reg@example.org", "Registrar"],
    ]
    assert [r[:2] for r in rows(soup, "invitations")] == [["guest@example.org", "Rapporteur"]]


def test_members_who_are_not_owners_see_the_team_but_cannot_change_it(client, db, event):
    organiser = make_user(db)
    add_member(db, event, organiser, Role.ORGANISER)
    log_in(client, organiser)

    shown = client.get(team_url(event))
    invited = invite(client, event, "guest@example.org")

    soup = page(shown)
    assert shown.status_code == 200
    assert (soup.select_one("#invite-form"), soup.select_one("#invitations")) == (None, None)
    assert invited.status_code == 403
    assert db.scalar(select(Invitation)) is None


def test_people_outside_the_team_get_404_for_the_page_and_its_actions(client, db, event):
    outsider = make_user(db)
    log_in(client, outsider)

    shown = client.get(team_url(event))
    invited = invite(client, event, "guest@example.org")

    assert (shown.status_code, invited.status_code) == (404, 404)


def test_inviting_queues_a_mail_whose_link_uses_the_base_url_not_the_host_header(
    client, db, event, owner
):
    log_in(client, owner)

    response = invite(client, event, "Guest@Example.org", headers={"Host": "evil.example"})

    invitation = db.scalar(select(Invitation))
    db.commit()
    assert response.status_code == 303
    assert response.headers["location"] == f"{team_url(event)}?done=invite"
    assert (invitation.email, invitation.role) == ("guest@example.org", Role.ORGANISER)
    assert link_from_last_mail(db).startswith("http://testserver/invitations/")


def test_after_inviting_the_team_page_confirms_and_lists_the_invitation(client, db, event, owner):
    log_in(client, owner)
    invite(client, event, "guest@example.org", role="viewer")

    response = client.get(f"{team_url(event)}?done=invite")

    soup = page(response)
    assert soup.select_one("#team-done").get_text() == "The invitation is on its way."
    assert [r[:2] for r in rows(soup, "invitations")] == [["guest@example.org", "Viewer"]]


@pytest.mark.parametrize(
    ("email", "role", "field", "message"),
    [
        ("not an address", "viewer", "email", "Enter an email address, like name@example.org."),
        ("", "viewer", "email", "This field is required."),
        ("guest@example.org", "emperor", "role", "Choose one of the options."),
        (
            "guest\x00@example.org",
            "viewer",
            "email",
            "This field contains a character that is not allowed.",
        ),
        ("a" * 250 + "@example.org", "viewer", "email", "Use at most 254 characters."),
        ("owner@example.org", "viewer", "email", None),
    ],
)
def test_bad_invitations_come_back_with_422_and_the_message_beside_the_field(
    client, db, event, owner, email, role, field, message
):
    log_in(client, owner)

    response = invite(client, event, email, role=role)

    soup = page(response)
    entry = soup.select_one(f"#input-{field}")
    assert response.status_code == 422
    assert entry["aria-invalid"] == "true"
    assert entry["aria-describedby"].split()[0] == f"error-{field}"
    if message:
        assert soup.select_one(f"#error-{field}").get_text() == message
    assert soup.select_one("html") is not None
    assert db.scalar(select(Invitation)) is None


def test_a_bad_invitation_through_htmx_answers_with_the_team_block_only(client, db, event, owner):
    log_in(client, owner)

    response = invite(client, event, "not an address", headers=HTMX)

    soup = page(response)
    assert response.status_code == 422
    assert soup.select_one("html > body > *").get("id") == "team"
    assert soup.select("header, footer, title") == []
    assert soup.select_one("#error-email").get_text() == (
        "Enter an email address, like name@example.org."
    )
    assert response.headers["vary"] == "HX-Request"


def test_an_htmx_invitation_redirects_to_the_team_block(client, db, event, owner):
    log_in(client, owner)

    response = invite(client, event, "guest@example.org", headers=HTMX)
    followed = client.get(response.headers["location"], headers=HTMX)

    soup = page(followed)
    assert response.status_code == 303
    assert followed.status_code == 200
    assert [el.get("id") for el in soup.select("body > *")] == ["team"]
    assert [r[0] for r in rows(soup, "invitations")] == ["guest@example.org"]


def test_resending_kills_the_old_link_and_the_new_one_works(client, db, event, owner):
    log_in(client, owner)
    invite(client, event, "guest@example.org")
    old_link = link_from_last_mail(db)
    invitation = db.scalar(select(Invitation))
    db.commit()

    response = post_form(
        client,
        f"{team_url(event)}/invitations/{invitation.id}/resend",
        token_from=team_url(event),
    )
    new_link = link_from_last_mail(db)
    client.cookies.clear()

    assert response.status_code == 303
    assert new_link != old_link
    assert client.get(path_of(old_link)).status_code == 404
    assert client.get(path_of(new_link)).status_code == 200


def test_revoking_kills_the_link_and_removes_it_from_the_list(client, db, event, owner):
    log_in(client, owner)
    invite(client, event, "guest@example.org")
    link = link_from_last_mail(db)
    invitation = db.scalar(select(Invitation))
    db.commit()

    response = post_form(
        client,
        f"{team_url(event)}/invitations/{invitation.id}/revoke",
        token_from=team_url(event),
    )
    listed = page(client.get(team_url(event)))

    assert response.status_code == 303
    assert listed.select_one("#no-invitations") is not None
    client.cookies.clear()
    assert client.get(path_of(link)).status_code == 404


def test_owner_changes_a_members_role(client, db, event, owner):
    member = make_user(db, name="Mai")
    membership = add_member(db, event, member, Role.VIEWER)
    log_in(client, owner)

    response = post_form(
        client,
        f"{team_url(event)}/members/{membership.id}/role",
        {"role": "registrar"},
        token_from=team_url(event),
    )

    db.refresh(membership)
    db.commit()
    assert response.status_code == 303
    assert membership.role == Role.REGISTRAR


def test_the_last_owner_cannot_be_demoted_or_removed_and_is_told_why(client, db, event, owner):
    membership = db.scalar(select(Membership))
    db.commit()
    log_in(client, owner)

    demoted = post_form(
        client,
        f"{team_url(event)}/members/{membership.id}/role",
        {"role": "viewer"},
        token_from=team_url(event),
    )
    removed = post_form(
        client, f"{team_url(event)}/members/{membership.id}/remove", token_from=team_url(event)
    )

    message = "An event needs at least one owner: make someone else an owner first."
    assert (demoted.status_code, removed.status_code) == (422, 422)
    assert page(demoted).select_one("#team-error").get_text() == message
    assert page(removed).select_one("#team-error").get_text() == message
    db.refresh(membership)
    assert membership.role == Role.OWNER


def test_non_owners_get_403_on_every_team_action(client, db, event, owner):
    organiser = make_user(db)
    add_member(db, event, organiser, Role.ORGANISER)
    owner_membership = team.membership_of(db, event, owner)
    invitation, _token = team.invite(
        db, event, email="guest@example.org", role=Role.VIEWER, invited_by=owner
    )
    db.commit()
    log_in(client, organiser)
    base = team_url(event)

    statuses = [
        post_form(client, path, data, token_from=base).status_code
        for path, data in [
            (f"{base}/invitations", {"email": "x@example.org", "role": "owner"}),
            (f"{base}/invitations/{invitation.id}/resend", {}),
            (f"{base}/invitations/{invitation.id}/revoke", {}),
            (f"{base}/members/{owner_membership.id}/role", {"role": "viewer"}),
            (f"{base}/members/{owner_membership.id}/remove", {}),
        ]
    ]

    assert statuses == [403, 403, 403, 403, 403]
    assert db.scalar(select(ActivityLog.action).where(ActivityLog.user_id == organiser.id)) is None


def test_another_events_members_and_invitations_answer_404(client, db, event, owner):
    second_event = make_event(db, owner=owner)
    other_member = make_user(db)
    other_membership = add_member(db, second_event, other_member, Role.VIEWER)
    other_invitation, _token = team.invite(
        db, second_event, email="guest@example.org", role=Role.VIEWER, invited_by=owner
    )
    db.commit()
    log_in(client, owner)
    base = team_url(event)  # the owner's first event, with the second event's ids

    statuses = [
        post_form(client, path, data, token_from=base).status_code
        for path, data in [
            (f"{base}/invitations/{other_invitation.id}/resend", {}),
            (f"{base}/invitations/{other_invitation.id}/revoke", {}),
            (f"{base}/members/{other_membership.id}/role", {"role": "owner"}),
            (f"{base}/members/{other_membership.id}/remove", {}),
        ]
    ]

    assert statuses == [404, 404, 404, 404]
    db.refresh(other_membership)
    assert other_membership.role == Role.VIEWER


def test_a_removed_member_loses_access_on_their_next_request(
    client, other_client, db, event, owner
):
    member = make_user(db)
    membership = add_member(db, event, member, Role.ORGANISER)
    log_in(other_client, member)
    before = other_client.get(team_url(event))
    log_in(client, owner)

    removed = post_form(
        client, f"{team_url(event)}/members/{membership.id}/remove", token_from=team_url(event)
    )
    after = other_client.get(team_url(event))

    assert (before.status_code, removed.status_code) == (200, 303)
    assert after.status_code == 404


def test_a_demoted_owner_loses_owner_actions_on_their_next_request(
    client, other_client, db, event, owner
):
    second_owner = make_user(db)
    membership = add_member(db, event, second_owner, Role.OWNER)
    log_in(other_client, second_owner)
    log_in(client, owner)

    post_form(
        client,
        f"{team_url(event)}/members/{membership.id}/role",
        {"role": "viewer"},
        token_from=team_url(event),
    )
    attempt = invite(other_client, event, "guest@example.org")

    assert attempt.status_code == 403


def test_team_page_makes_the_same_number_of_queries_for_1_and_50_members(
    client, db, event, owner, count_queries
):
    log_in(client, owner)

    def measure() -> int:
        with count_queries() as counted:
            assert client.get(team_url(event)).status_code == 200
        return len(counted)

    with_one = measure()
    for number in range(49):
        user = User(email=f"member{number}@example.org", name=f"M {number}", password_hash="-")
        db.add(user)
        db.flush()
        db.add(Membership(event_id=event.id, user_id=user.id, role=Role.VIEWER))
        db.add(
            Invitation(
                event_id=event.id,
                email=f"invited{number}@example.org",
                role=Role.VIEWER,
                token_hash=f"{number:064d}",
                invited_by_id=owner.id,
                expires_at=utcnow() + timedelta(days=1),
            )
        )
    db.commit()
    with_fifty = measure()

    assert with_one == with_fifty


# Accepting an invitation -----------------------------------------------------------------------


def invitation_link(db, event, owner, email="guest@example.org", role=Role.ORGANISER) -> str:
    _invitation, token = team.invite(db, event, email=email, role=role, invited_by=owner)
    db.commit()
    return f"/invitations/{token}"


def test_a_new_person_creates_an_account_on_the_invitation_page_and_is_logged_in(
    client, db, event, owner
):
    path = invitation_link(db, event, owner)

    shown = client.get(path)
    response = post_form(client, path, {"name": "Guest Person", "password": "long enough pass"})
    team_page = client.get(team_url(event))

    guest = db.scalar(select(User).where(User.email == "guest@example.org"))
    assert shown.status_code == 200
    assert [f["name"] for f in page(shown).select("#accept-form input:not([type=hidden])")] == [
        "name",
        "password",
    ]
    assert (response.status_code, response.headers["location"]) == (
        303,
        f"/manage/events/{event.id}/",
    )
    assert team_page.status_code == 200
    assert guest.name == "Guest Person"
    assert team.membership_of(db, event, guest).role == Role.ORGANISER
    assert db.scalar(select(ActivityLog.action).where(ActivityLog.user_id == guest.id)) == (
        "team.accept"
    )


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "Use at least 8 characters."),
        ("password123", "This password is on a list of common passwords; choose another."),
    ],
)
def test_a_weak_password_on_the_invitation_page_is_refused_beside_the_field(
    client, db, event, owner, password, message
):
    path = invitation_link(db, event, owner)

    response = post_form(client, path, {"name": "Guest", "password": password})

    soup = page(response)
    assert response.status_code == 422
    assert soup.select_one("#error-password").get_text() == message
    assert soup.select_one("#input-name")["value"] == "Guest"
    assert db.scalar(select(User).where(User.email == "guest@example.org")) is None


def test_the_invitation_form_through_htmx_answers_with_its_block_then_redirects(
    client, db, event, owner
):
    path = invitation_link(db, event, owner)

    invalid = post_form(client, path, {"name": "", "password": "x"}, headers=HTMX)
    valid = post_form(client, path, {"name": "Guest", "password": "long enough pass"}, headers=HTMX)

    soup = page(invalid)
    assert invalid.status_code == 422
    assert [el.get("id") for el in soup.select("body > *")] == ["accept"]
    assert soup.select_one("#error-name").get_text() == "This field is required."
    assert (valid.status_code, valid.headers["hx-redirect"]) == (204, f"/manage/events/{event.id}/")


def test_an_existing_account_must_log_in_and_comes_back_to_accept(client, db, event, owner):
    guest = make_user(db, "guest@example.org")
    path = invitation_link(db, event, owner)

    shown = client.get(path)
    blind_post = post_form(client, path, {"name": "Mallory", "password": "another long one"})
    login = post_form(
        client, "/login", {"email": guest.email, "password": "a sturdy passphrase 42", "next": path}
    )
    back = client.get(login.headers["location"])
    accepted = post_form(client, path, token_from=path)

    assert page(shown).select_one("#log-in-link")["href"] == f"/login?next={path}"
    assert page(shown).select_one("#accept-form") is None
    assert (blind_post.status_code, blind_post.headers["location"]) == (303, f"/login?next={path}")
    assert (login.status_code, login.headers["location"]) == (303, path)
    assert page(back).select_one("#accept-form") is not None
    assert accepted.status_code == 303
    assert team.membership_of(db, event, guest).role == Role.ORGANISER


def test_someone_logged_in_as_another_account_cannot_accept(client, db, event, owner):
    stranger = make_user(db, "stranger@example.org")
    path = invitation_link(db, event, owner)
    log_in(client, stranger)

    shown = client.get(path)
    attempt = post_form(client, path, token_from=path)

    assert page(shown).select_one("#wrong-account") is not None
    assert attempt.status_code == 403
    assert team.membership_of(db, event, stranger) is None


def test_an_existing_member_accepting_gets_the_invited_role(client, db, event, owner):
    member = make_user(db, "guest@example.org")
    path = invitation_link(db, event, owner, role=Role.ORGANISER)
    add_member(db, event, member, Role.VIEWER)  # joined some other way meanwhile
    log_in(client, member)

    response = post_form(client, path, token_from=path)

    assert response.status_code == 303
    assert team.membership_of(db, event, member).role == Role.ORGANISER


@pytest.mark.parametrize("spoil", ["expired", "revoked", "used", "altered"])
def test_a_dead_invitation_link_answers_with_a_clear_404_page(client, db, event, owner, spoil):
    path = invitation_link(db, event, owner)
    if spoil == "expired":
        db.execute(update(Invitation).values(expires_at=utcnow() - timedelta(minutes=1)))
    elif spoil == "revoked":
        db.execute(update(Invitation).values(revoked_at=utcnow()))
    elif spoil == "used":
        db.execute(update(Invitation).values(accepted_at=utcnow()))
    else:
        path = path[:-2] + ("xx" if not path.endswith("xx") else "yy")
    db.commit()

    shown = client.get(path)
    posted = post_form(client, path, {"name": "Guest", "password": "long enough pass"})

    assert (shown.status_code, posted.status_code) == (404, 404)
    assert page(shown).select_one("#error-title").get_text() == (
        "This invitation link does not work"
    )
    assert db.scalar(select(User).where(User.email == "guest@example.org")) is None
