"""Site administration: the mail outbox and accounts, for site administrators only."""

import pytest
from sqlalchemy import select

from eventapp import mail, team
from eventapp.models import ActivityLog, MailMessage, MailStatus, Role, User
from tests.factories import log_in, make_event, make_user, page, post_form

HTMX = {"HX-Request": "true"}


@pytest.fixture
def admin(db):
    return make_user(db, "admin@example.org", name="Ada Admin", is_admin=True)


@pytest.fixture
def admin_client(client, admin):
    log_in(client, admin)
    return client


def queue_mail(db, count: int, *, owner=None) -> list[MailMessage]:
    owner = owner or make_user(db, name="Owner")
    event = make_event(db, owner=owner)
    for number in range(count):
        team.invite(
            db,
            event,
            email=f"guest{number}-{event.id}@example.org",
            role=Role.VIEWER,
            invited_by=owner,
        )
    db.commit()
    messages = list(db.scalars(select(MailMessage).order_by(MailMessage.id)).all())
    db.commit()
    return messages


def fail(db, *, permanent: bool, error: str) -> MailMessage:
    [message] = mail.claim_due(db, limit=1)
    mail.mark_failed(db, message, error, permanent=permanent)
    db.commit()
    db.refresh(message)
    db.commit()
    return message


def table(soup, table_id: str, columns: list[str]) -> list[dict[str, str]]:
    return [
        {column: row.select_one(f".{column}").get_text(strip=True) for column in columns}
        for row in soup.select(f"#{table_id} tbody tr")
    ]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/admin/"),
        ("get", "/admin/outbox"),
        ("get", "/admin/users"),
        ("post", "/admin/outbox/1/retry"),
        ("post", "/admin/users/1/active"),
        ("post", "/admin/users/1/admin"),
    ],
)
def test_administration_is_refused_to_people_who_are_not_site_administrators(
    client, db, method, path
):
    owner = make_user(db)
    make_event(db, owner=owner)
    log_in(client, owner)

    response = client.get(path) if method == "get" else post_form(client, path, {})

    assert response.status_code == 403


def test_administration_sends_anonymous_visitors_to_log_in(client):
    response = client.get("/admin/outbox")

    assert (response.status_code, response.headers["location"]) == (
        303,
        "/login?next=/admin/outbox",
    )


def test_without_smtp_the_outbox_lists_waiting_and_failed_mail_with_attempts_and_error(
    admin_client, db
):
    first, second = queue_mail(db, 2)
    failed = fail(db, permanent=True, error="SMTP 550: no such mailbox")
    waiting = second if failed.id == first.id else first

    response = admin_client.get("/admin/outbox")

    soup = page(response)
    listed = table(
        soup,
        "messages",
        ["message-to", "message-status", "message-attempts", "message-error"],
    )
    assert response.status_code == 200
    assert soup.select_one("#smtp-missing") is not None
    assert sorted(listed, key=lambda row: row["message-status"]) == [
        {
            "message-to": failed.to_address,
            "message-status": "failed",
            "message-attempts": "1",
            "message-error": "SMTP 550: no such mailbox",
        },
        {
            "message-to": waiting.to_address,
            "message-status": "queued",
            "message-attempts": "0",
            "message-error": "",
        },
    ]


def test_sent_mail_is_not_in_the_waiting_list_but_in_the_sent_one(admin_client, db):
    queue_mail(db, 1)
    [message] = mail.claim_due(db, limit=1)
    mail.mark_sent(db, message)
    db.commit()

    waiting = page(admin_client.get("/admin/outbox"))
    sent = page(admin_client.get("/admin/outbox?view=sent"))

    assert waiting.select("#messages tbody tr") == []
    assert [row["id"] for row in sent.select("#messages tbody tr")] == [f"message-{message.id}"]


def test_outbox_is_paginated_fifty_to_a_page(admin_client, db):
    queue_mail(db, 51)

    first = page(admin_client.get("/admin/outbox"))
    second = page(admin_client.get(first.select_one("a[rel=next]")["href"]))

    assert len(first.select("#messages tbody tr")) == 50
    assert len(second.select("#messages tbody tr")) == 1
    assert first.select_one("#outbox-total").get_text() == "51 messages"
    assert second.select_one("a[rel=next]") is None


def test_retry_now_makes_a_failed_message_due_again(admin_client, db, admin):
    queue_mail(db, 1)
    failed = fail(db, permanent=True, error="SMTP 550: no such mailbox")

    response = post_form(
        admin_client,
        f"/admin/outbox/{failed.id}/retry",
        {"next": "/admin/outbox?view=failed"},
        token_from="/admin/outbox",
    )

    db.refresh(failed)
    entry = db.scalar(select(ActivityLog).where(ActivityLog.action == "mail.retry"))
    db.commit()
    assert (response.status_code, response.headers["location"]) == (
        303,
        "/admin/outbox?view=failed",
    )
    assert failed.status == MailStatus.QUEUED
    assert [(m.id, m.attempts) for m in mail.claim_due(db, limit=5)] == [(failed.id, 2)]
    assert (entry.user_id, entry.object_id) == (admin.id, failed.id)


def test_retry_now_through_htmx_comes_back_as_the_outbox_block(admin_client, db):
    queue_mail(db, 1)
    failed = fail(db, permanent=True, error="SMTP 550: no such mailbox")

    response = post_form(
        admin_client,
        f"/admin/outbox/{failed.id}/retry",
        {"next": "/admin/outbox"},
        token_from="/admin/outbox",
        headers=HTMX,
    )
    followed = admin_client.get(response.headers["location"], headers=HTMX)

    soup = page(followed)
    assert response.status_code == 303
    assert [el.get("id") for el in soup.select("body > *")] == ["outbox"]
    assert table(soup, "messages", ["message-status"]) == [{"message-status": "queued"}]


def test_retry_now_refuses_a_message_already_sent(admin_client, db):
    queue_mail(db, 1)
    [message] = mail.claim_due(db, limit=1)
    mail.mark_sent(db, message)
    db.commit()

    response = post_form(
        admin_client, f"/admin/outbox/{message.id}/retry", token_from="/admin/outbox"
    )

    assert response.status_code == 409


def test_users_list_shows_status_and_admin_rights(admin_client, db, admin):
    make_user(db, "someone@example.org", name="Somchai")

    soup = page(admin_client.get("/admin/users"))

    assert table(soup, "accounts", ["user-email", "user-status", "user-admin"]) == [
        {"user-email": "admin@example.org", "user-status": "Active", "user-admin": "Yes"},
        {"user-email": "someone@example.org", "user-status": "Active", "user-admin": "No"},
    ]


def test_disabling_an_account_ends_its_sessions_at_once(admin_client, other_client, db, admin):
    person = make_user(db, "someone@example.org")
    log_in(other_client, person)
    before = other_client.get("/manage/")

    response = post_form(
        admin_client,
        f"/admin/users/{person.id}/active",
        {"is_active": "0"},
        token_from="/admin/users",
    )
    after = other_client.get("/manage/")

    db.refresh(person)
    db.commit()
    assert (before.status_code, response.status_code) == (200, 303)
    assert (after.status_code, after.headers["location"]) == (303, "/login?next=/manage/")
    assert person.is_active is False


def test_enabling_an_account_lets_it_log_in_again(admin_client, other_client, db):
    person = make_user(db, "someone@example.org")
    post_form(admin_client, f"/admin/users/{person.id}/active", {"is_active": "0"}, token_from="/")

    post_form(admin_client, f"/admin/users/{person.id}/active", {"is_active": "1"}, token_from="/")
    log_in(other_client, person)

    assert other_client.get("/manage/").status_code == 200


def test_making_and_revoking_an_administrator(admin_client, other_client, db, admin):
    person = make_user(db, "someone@example.org")
    log_in(other_client, person)

    post_form(admin_client, f"/admin/users/{person.id}/admin", {"is_admin": "1"}, token_from="/")
    as_admin = other_client.get("/admin/")
    post_form(admin_client, f"/admin/users/{person.id}/admin", {"is_admin": "0"}, token_from="/")
    revoked = other_client.get("/admin/")

    actions = db.scalars(select(ActivityLog.action).where(ActivityLog.object_id == person.id)).all()
    db.commit()
    assert (as_admin.status_code, revoked.status_code) == (200, 403)
    assert actions == ["user.make_admin", "user.revoke_admin"]


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        ("admin", {"is_admin": "0"}, "You cannot change your own administrator rights."),
        ("active", {"is_active": "0"}, "You cannot disable your own account."),
    ],
)
def test_administrators_cannot_demote_or_disable_themselves(
    admin_client, db, admin, path, data, message
):
    response = post_form(admin_client, f"/admin/users/{admin.id}/{path}", data, token_from="/")

    db.refresh(admin)
    db.commit()
    soup = page(response)
    assert response.status_code == 422
    assert soup.select_one("#users-error").get_text() == message
    assert (admin.is_admin, admin.is_active) == (True, True)
    assert soup.select_one(f"#user-{admin.id} form") is None


def test_outbox_and_users_make_the_same_number_of_queries_for_1_and_50_rows(
    admin_client, db, admin, count_queries
):
    def measure(path: str) -> int:
        with count_queries() as counted:
            assert admin_client.get(path).status_code == 200
        return len(counted)

    queue_mail(db, 1, owner=admin)  # with the administrator: one account so far
    one = (measure("/admin/outbox"), measure("/admin/users"))
    queue_mail(db, 49, owner=admin)
    for number in range(49):
        db.add(User(email=f"user{number}@example.org", password_hash="-"))
    db.commit()
    fifty = (measure("/admin/outbox"), measure("/admin/users"))

    assert one == fifty


def test_administration_home_counts_mail_by_status_and_accounts(admin_client, db):
    queue_mail(db, 3)
    fail(db, permanent=True, error="SMTP 550: no such mailbox")

    soup = page(admin_client.get("/admin/"))

    counts = {
        status: soup.select_one(f"#count-{status}").get_text()
        for status in ("queued", "sending", "failed", "sent")
    }
    assert counts == {"queued": "2", "sending": "0", "failed": "1", "sent": "0"}
    assert soup.select_one("#user-count").get_text() == "2 accounts"
    assert soup.select_one("#smtp-missing") is not None
