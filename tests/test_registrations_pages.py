"""The organisers' registrations: the list (counts, search, filters by status and answer, pages,
a constant number of queries), approve, reject and cancel one (plain and htmx) or many at once,
one registration's page (edit with a stale version, erase after a confirmation), adding
someone by hand; who may, and another event's registration."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from eventapp import questions as question_rules
from eventapp import registration as rules
from eventapp.models import (
    ActivityLog,
    CheckIn,
    MailMessage,
    Registration,
    RegistrationMode,
    RegistrationStatus,
    Role,
)
from tests.factories import (
    add_member,
    form_data,
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

STARTS = datetime(2030, 8, 8, 2, 0, tzinfo=UTC)
HTMX = {"HX-Request": "true"}


@pytest.fixture
def owner(db):
    return make_user(db, name="Olivia Owner")


@pytest.fixture
def event(db, owner):
    found = make_event(db, title="EU–Southeast Asia Digital Diplomacy Forum", owner=owner)
    open_registration(db, found)
    return found


@pytest.fixture
def base(event) -> str:
    return f"/manage/events/{event.id}/registrations"


def add_question(db, event, owner, kind: str, label: str, choices=()):
    question = question_rules.add_question(
        db,
        event,
        actor=owner,
        kind=kind,
        labels={"en": label},
        choices=[{"en": choice} for choice in choices],
    )
    db.commit()
    return question


def register(db, event, n, **fields) -> Registration:
    """Registered through the rules (as `make_registration`), any field given."""
    fields.setdefault("given_name", f"Given{n}")
    fields.setdefault("family_name", "Family")
    found = rules.register(
        db, event, rules.AttendeeDetails(email=f"attendee{n}@example.org", **fields)
    )
    db.commit()
    return found


def row_texts(soup) -> list[dict[str, str]]:
    """The list's rows: name, organisation, email and status as a reader sees them."""
    return [
        {
            name: " ".join(row.select_one(f".registration-{name}").get_text(" ").split())
            for name in ("name", "organisation", "email", "status")
        }
        for row in soup.select("#registrations tbody tr")
    ]


def names(response) -> list[str]:
    return [row["name"] for row in row_texts(page(response))]


def status_of(db, registration: Registration) -> str:
    return str(read(db, select(Registration.status).where(Registration.id == registration.id)))


def count(db, model, *where) -> int:
    return read(db, select(func.count()).select_from(model).where(*where))


def moderated(db, event, **fields) -> None:
    open_registration(db, event, mode=RegistrationMode.MODERATED, **fields)


# The list ------------------------------------------------------------------------------------


def test_the_list_shows_each_registration_with_status_position_and_check_in(
    client, db, owner, event, base
):
    open_registration(db, event, capacity=1)
    anna = register(db, event, "anna", given_name="Anna", family_name="Lind", organisation="EEAS")
    register(db, event, "somchai", given_name="สมชาย", family_name="ใจดี", organisation="MFA")
    register(db, event, "mali", given_name="Mali", family_name="Chaiyo", organisation="NCSA")
    db.add(CheckIn(event_id=event.id, registration_id=anna.id))
    db.commit()
    log_in(client, owner)

    response = client.get(base)

    soup = page(response)
    assert response.status_code == 200
    assert row_texts(soup) == [
        {
            "name": "Mali Chaiyo",
            "organisation": "NCSA",
            "email": "attendeemali@example.org",
            "status": "Waiting list No. 2",
        },
        {
            "name": "สมชาย ใจดี",
            "organisation": "MFA",
            "email": "attendeesomchai@example.org",
            "status": "Waiting list No. 1",
        },
        {
            "name": "Anna Lind",
            "organisation": "EEAS",
            "email": "attendeeanna@example.org",
            "status": "Confirmed",
        },
    ]
    checked = [
        " ".join(cell.get_text(" ").split())
        for cell in soup.select("#registrations .registration-checkin")
    ]
    assert [text != "No" for text in checked] == [False, False, True]
    tabs = {a["id"]: a.select_one(".count").get_text() for a in soup.select("#status-tabs a")}
    assert tabs == {
        "status-all": "3",
        "status-confirmed": "1",
        "status-waitlisted": "2",
        "status-pending": "0",
        "status-rejected": "0",
        "status-cancelled": "0",
    }
    assert soup.select_one("#registrations-count").get_text(strip=True) == "Showing 1–3 of 3"
    assert soup.select_one("#places").get_text(strip=True) == "1 confirmed of 1 places; 0 left."
    current = soup.select_one(".registration-nav [aria-current=page]")
    assert current["id"] == "registration-tab-registrations"


def test_search_finds_by_name_email_or_organisation_ignoring_case(client, db, owner, event, base):
    register(db, event, "anna", given_name="Anna", family_name="Lind", organisation="EEAS")
    register(db, event, "russ", given_name="Russ", family_name="Jalichandra", organisation="MFA")
    register(db, event, "under_score", given_name="Per%cent", family_name="X", organisation="")
    log_in(client, owner)

    found = {
        q: names(client.get(base, params={"q": q}))
        for q in ["anna lind", "JALI", "attendeeanna@", "mfa", "%", "_", "nobody"]
    }

    assert found == {
        "anna lind": ["Anna Lind"],
        "JALI": ["Russ Jalichandra"],
        "attendeeanna@": ["Anna Lind"],
        "mfa": ["Russ Jalichandra"],
        "%": ["Per%cent X"],
        "_": ["Per%cent X"],
        "nobody": [],
    }


def test_filters_by_status_and_by_answer_of_each_kind(client, db, owner, event, base):
    diet = add_question(db, event, owner, "single_choice", "Diet", ["Any", "Vegetarian"])
    panels = add_question(db, event, owner, "multiple_choice", "Panels", ["Scams", "Cyber"])
    visa = add_question(db, event, owner, "checkbox", "Visa letter")
    press = add_question(db, event, owner, "yes_no", "Press")
    d, p, v, y = (str(q.id) for q in (diet, panels, visa, press))
    register(db, event, 1, answers={d: "c2", p: ["c1", "c2"], v: True, y: "yes"})
    register(db, event, 2, answers={d: "c1", p: ["c2"], v: False, y: "no"})
    third = register(db, event, 3, answers={})
    log_in(client, owner)
    submit(client, f"{base}/{third.id}/cancel", {})

    def shown(**params) -> list[str]:
        return names(client.get(base, params=params))

    assert shown(answer=f"{d}:c2") == ["Given1 Family"]
    assert shown(answer=f"{p}:c1") == ["Given1 Family"]
    assert shown(answer=f"{p}:c2") == ["Given2 Family", "Given1 Family"]
    assert shown(answer=f"{v}:yes") == ["Given1 Family"]
    assert shown(answer=f"{v}:no") == ["Given3 Family", "Given2 Family"]
    assert shown(answer=f"{y}:no") == ["Given2 Family"]
    assert shown(status="cancelled") == ["Given3 Family"]
    assert shown(status="confirmed", answer=f"{v}:no") == ["Given2 Family"]
    assert shown(answer="999:c1") == ["Given3 Family", "Given2 Family", "Given1 Family"]
    options = [
        option["value"]
        for option in page(client.get(base)).select("#input-answer option")
        if option["value"]
    ]
    assert options == [f"{d}:c1", f"{d}:c2", f"{p}:c1", f"{p}:c2", f"{v}:yes", f"{v}:no",
                       f"{y}:yes", f"{y}:no"]  # fmt: skip


def test_the_list_has_50_a_page_with_page_links_keeping_the_filters(client, db, owner, event, base):
    for n in range(53):
        register(db, event, f"{n:02d}", organisation="MFA" if n % 2 else "EEAS")
    log_in(client, owner)

    first = page(client.get(base))
    second = page(client.get(base, params={"page": "2"}))
    beyond = page(client.get(base, params={"page": "99"}))
    filtered = page(client.get(base, params={"q": "mfa"}))

    assert len(first.select("#registrations tbody tr")) == 50
    assert [row["name"] for row in row_texts(second)] == [
        "Given02 Family",
        "Given01 Family",
        "Given00 Family",
    ]
    assert second.select_one("#registrations-count").get_text(strip=True) == "Showing 51–53 of 53"
    assert [row["name"] for row in row_texts(beyond)] == [row["name"] for row in row_texts(second)]
    links = [a["href"] for a in first.select("#pagination a")]
    assert links == [f"{base}?page=2", f"{base}?page=2"]  # "2" and "Next page"
    assert filtered.select_one("#registrations-count").get_text(strip=True) == "Showing 1–26 of 26"
    assert filtered.select_one("#pagination") is None


def test_an_htmx_search_answers_with_the_list_only(client, db, owner, event, base):
    register(db, event, "anna", given_name="Anna", family_name="Lind")
    register(db, event, "russ", given_name="Russ", family_name="Jalichandra")
    log_in(client, owner)

    response = client.get(base, params={"q": "russ"}, headers=HTMX)

    soup = fragment(response)
    assert soup.select_one("#registrations-list") is not None
    assert soup.select_one("h1") is None
    assert [row["name"] for row in row_texts(soup)] == ["Russ Jalichandra"]


def test_the_list_makes_the_same_number_of_queries_for_1_and_50_registrations(
    client, db, owner, event, base, count_queries
):
    diet = add_question(db, event, owner, "single_choice", "Diet", ["Any", "Vegetarian"])
    open_registration(db, event, capacity=20)

    def add(start: int, number: int) -> None:
        for n in range(start, start + number):
            found = register(db, event, n, answers={str(diet.id): "c1"})
            if n % 3 == 0:
                db.add(CheckIn(event_id=event.id, registration_id=found.id))
                db.commit()

    add(0, 1)
    log_in(client, owner)
    with count_queries() as one:
        assert client.get(base).status_code == 200
    add(1, 49)

    with count_queries() as fifty:
        response = client.get(base, params={"answer": f"{diet.id}:c1"})

    soup = page(response)
    assert len(soup.select("#registrations tbody tr")) == 50
    assert len(soup.select("#registrations .waitlist-position")) == 30
    assert len(fifty) == len(one)


# Who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.REGISTRAR, Role.VIEWER])
def test_registrars_and_viewers_read_the_list_but_cannot_act_or_export(
    client, db, event, base, role
):
    moderated(db, event)
    pending = register(db, event, 1)
    member = make_user(db)
    add_member(db, event, member, role)
    log_in(client, member)
    one = f"{base}/{pending.id}"

    listed = client.get(base)
    statuses = {
        "approve": submit(client, f"{one}/approve", {}).status_code,
        "reject": submit(client, f"{one}/reject", {}).status_code,
        "cancel": submit(client, f"{one}/cancel", {}).status_code,
        "bulk": submit(
            client, f"{base}/decide", {"decision": "approve", "ids": [pending.id]}
        ).status_code,
        "edit": submit(client, one, {"email": "x@example.org", "version": "1"}).status_code,
        "add form": client.get(f"{base}/new").status_code,
        "add": submit(client, f"{base}/new", {"email": "x@example.org"}).status_code,
        "erase form": client.get(f"{one}/erase").status_code,
        "erase": submit(client, f"{one}/erase", {}).status_code,
        "csv": client.get(f"/manage/events/{pending.event_id}/registrations.csv").status_code,
        "xlsx": client.get(f"/manage/events/{pending.event_id}/registrations.xlsx").status_code,
    }

    assert listed.status_code == 200
    assert names(listed) == ["Given1 Family"]
    soup = page(listed)
    assert soup.select("#registrations form") == []
    assert soup.select_one("#bulk-form") is None
    assert soup.select_one("#registrations-csv-link") is None
    assert client.get(one).status_code == 200
    assert page(client.get(one)).select_one("#registration-form") is None
    assert set(statuses.values()) == {403}
    assert status_of(db, pending) == "pending"
    assert count(db, Registration) == 1


def test_people_outside_the_team_get_404(client, db, event, base):
    found = register(db, event, 1)
    log_in(client, make_user(db))

    statuses = [
        client.get(base).status_code,
        client.get(f"{base}/{found.id}").status_code,
        submit(client, f"{base}/{found.id}/cancel", {}).status_code,
    ]

    assert statuses == [404, 404, 404]
    assert status_of(db, found) == "confirmed"


def test_another_events_registration_answers_404_everywhere(client, db, owner, event, base):
    elsewhere = make_event(db, owner=owner)
    open_registration(db, elsewhere)
    theirs = register(db, elsewhere, 1)
    log_in(client, owner)
    one = f"{base}/{theirs.id}"

    statuses = {
        "page": client.get(one).status_code,
        "cancel": submit(client, f"{one}/cancel", {}).status_code,
        "approve": submit(client, f"{one}/approve", {}).status_code,
        "edit": submit(client, one, {"email": "x@example.org", "version": "1"}).status_code,
        "erase form": client.get(f"{one}/erase").status_code,
        "erase": submit(client, f"{one}/erase", {}).status_code,
    }

    assert set(statuses.values()) == {404}
    assert status_of(db, theirs) == "confirmed"


# Approve, reject, cancel ---------------------------------------------------------------------


def test_approving_without_htmx_redirects_to_the_list_with_its_filters(
    client, db, owner, event, base
):
    moderated(db, event)
    pending = register(db, event, 1)
    log_in(client, owner)
    listed = page(client.get(base, params={"status": "pending", "q": "given"}))

    response = submit(
        client,
        f"{base}/{pending.id}/approve",
        form_data(listed, f"#registration-{pending.id} form"),
    )

    assert response.status_code == 303
    assert response.headers["location"] == (
        f"{base}?q=given&status=pending&done=approved#registrations-list"
    )
    assert status_of(db, pending) == "confirmed"
    subjects = [m.subject for m in read_all(db, select(MailMessage).order_by(MailMessage.id))]
    assert subjects[-1] == f"Your place at {event.title} is confirmed"
    assert count(db, ActivityLog, ActivityLog.action == "registration.decide") == 1
    shown = page(client.get(response.headers["location"]))
    assert shown.select_one("#message").get_text(strip=True) == (
        "Registration approved; the attendee is told by mail."
    )


def test_rejecting_with_htmx_answers_with_the_changed_row(client, db, owner, event, base):
    moderated(db, event)
    pending = register(db, event, 1)
    log_in(client, owner)

    response = submit(client, f"{base}/{pending.id}/reject", {}, headers=HTMX)

    soup = fragment(response)
    assert response.status_code == 200
    rows = soup.select("tr")
    assert [row["id"] for row in rows] == [f"registration-{pending.id}"]
    assert rows[0]["data-status"] == "rejected"
    assert soup.select_one(".registration-status").get_text(strip=True) == "Rejected"
    assert soup.select(f"#approve-{pending.id}, #reject-{pending.id}, #cancel-{pending.id}") == []
    assert soup.select_one(f"#row-message-{pending.id}").get_text(strip=True) == (
        "Registration rejected; the attendee is told by mail."
    )
    assert status_of(db, pending) == "rejected"


def test_cancelling_with_and_without_htmx_frees_the_place_for_the_waiting_list(
    client, db, owner, event, base
):
    open_registration(db, event, capacity=1)
    first = register(db, event, 1)
    waiting = register(db, event, 2)
    log_in(client, owner)

    plain = submit(client, f"{base}/{first.id}/cancel", {})
    again = submit(client, f"{base}/{waiting.id}/cancel", {}, headers=HTMX)

    assert plain.status_code == 303
    assert (status_of(db, first), status_of(db, waiting)) == ("cancelled", "cancelled")
    assert fragment(again).select_one("tr")["data-status"] == "cancelled"
    promoted = read(
        db,
        select(func.count())
        .select_from(ActivityLog)
        .where(ActivityLog.action == "registration.promote"),
    )
    assert promoted == 1


def test_approving_when_full_without_a_waiting_list_says_so_and_changes_nothing(
    client, db, owner, event, base
):
    moderated(db, event, capacity=1, has_waitlist=False)
    first, second = register(db, event, 1), register(db, event, 2)
    log_in(client, owner)
    submit(client, f"{base}/{first.id}/approve", {})

    plain = submit(client, f"{base}/{second.id}/approve", {})
    htmx = submit(client, f"{base}/{second.id}/approve", {}, headers=HTMX)

    assert plain.status_code == 409
    assert (
        page(plain)
        .select_one("#problem")
        .get_text(strip=True)
        .startswith("No place is left and the waiting list is off")
    )
    assert htmx.status_code == 409
    assert fragment(htmx).select_one(f"#row-problem-{second.id}") is not None
    assert status_of(db, second) == "pending"


# Many at once --------------------------------------------------------------------------------


def test_bulk_approval_decides_the_ticked_pending_ones_only(client, db, owner, event, base):
    moderated(db, event)
    one, two, three = (register(db, event, n) for n in (1, 2, 3))
    log_in(client, owner)
    listed = page(client.get(base))
    data = form_data(listed, "#bulk-form")
    data.update(ids=[str(one.id), str(three.id)], decision="approve")

    response = submit(client, f"{base}/decide", data)

    assert response.status_code == 303
    assert response.headers["location"] == f"{base}?done=decided#registrations-list"
    assert [status_of(db, r) for r in (one, two, three)] == ["confirmed", "pending", "confirmed"]
    assert count(db, MailMessage) == 5  # three "awaits approval", two "confirmed"


def test_bulk_rejection_through_htmx_answers_with_the_list(client, db, owner, event, base):
    moderated(db, event)
    one, two = register(db, event, 1), register(db, event, 2)
    log_in(client, owner)

    response = submit(
        client,
        f"{base}/decide",
        {"decision": "reject", "ids": [str(one.id), str(two.id)], "back": "status=pending"},
        headers=HTMX,
    )

    soup = fragment(response)
    assert response.status_code == 200
    assert soup.select_one("#message").get_text(strip=True) == (
        "Decisions saved; each attendee is told by mail."
    )
    assert row_texts(soup) == []  # the list was filtered to those awaiting approval
    assert [status_of(db, r) for r in (one, two)] == ["rejected", "rejected"]


def test_bulk_approval_beyond_the_places_left_approves_nobody(client, db, owner, event, base):
    moderated(db, event, capacity=2, has_waitlist=False)
    people = [register(db, event, n) for n in (1, 2, 3)]
    log_in(client, owner)

    response = submit(
        client,
        f"{base}/decide",
        {"decision": "approve", "ids": [str(r.id) for r in people]},
    )

    assert response.status_code == 409
    assert (
        page(response)
        .select_one("#problem")
        .get_text(strip=True)
        .startswith("Not enough places left for everyone ticked")
    )
    assert [status_of(db, r) for r in people] == ["pending"] * 3


def test_bulk_decision_ignores_another_events_ids(client, db, owner, event, base):
    moderated(db, event)
    elsewhere = make_event(db, owner=owner)
    open_registration(db, elsewhere, mode=RegistrationMode.MODERATED)
    theirs = register(db, elsewhere, 1)
    log_in(client, owner)

    response = submit(client, f"{base}/decide", {"decision": "approve", "ids": [str(theirs.id)]})

    assert response.headers["location"] == f"{base}?done=none#registrations-list"
    assert status_of(db, theirs) == "pending"


# One registration: edit, erase -----------------------------------------------------------------


def test_the_registration_page_shows_details_and_answers(client, db, owner, event, base):
    diet = add_question(db, event, owner, "single_choice", "Diet", ["Any", "Vegetarian"])
    found = register(
        db, event, 1, honorific="Dr.", organisation="EEAS", country="SE",
        answers={str(diet.id): "c2"},
    )  # fmt: skip
    log_in(client, owner)

    soup = page(client.get(f"{base}/{found.id}"))

    assert soup.select_one("#registration-name").get_text(strip=True) == "Dr. Given1 Family"
    assert soup.select_one("#registration-country").get_text(strip=True) == "Sweden"
    assert soup.select_one(f"#answer-{diet.id}").get_text(strip=True) == "Vegetarian"
    form = form_data(soup, "#registration-form")
    assert (form["email"], form["country"], form[f"q{diet.id}"], form["version"]) == (
        "attendee1@example.org",
        "SE",
        "c2",
        "1",
    )


def test_editing_saves_the_details_and_mails_the_attendee(client, db, owner, event, base):
    diet = add_question(db, event, owner, "single_choice", "Diet", ["Any", "Vegetarian"])
    found = register(db, event, 1)
    log_in(client, owner)
    data = form_data(page(client.get(f"{base}/{found.id}")), "#registration-form")
    data.update({"organisation": "Ministry of Foreign Affairs", f"q{diet.id}": "c1"})

    response = submit(client, f"{base}/{found.id}", data)

    assert response.status_code == 303
    assert response.headers["location"] == f"{base}/{found.id}?done=saved"
    saved = read(db, select(Registration).where(Registration.id == found.id))
    assert (saved.organisation, saved.answers, saved.version) == (
        "Ministry of Foreign Affairs",
        {str(diet.id): "c1"},
        2,
    )
    last = read(db, select(MailMessage).order_by(MailMessage.id.desc()).limit(1))
    assert last.subject == f"Your registration for {event.title} was changed"


def test_an_edit_with_a_stale_version_shows_both_versions_and_saves_nothing(
    client, db, owner, event, base
):
    found = register(db, event, 1, organisation="EEAS")
    log_in(client, owner)
    data = form_data(page(client.get(f"{base}/{found.id}")), "#registration-form")
    theirs = dict(data, organisation="European External Action Service")
    assert submit(client, f"{base}/{found.id}", theirs).status_code == 303
    mine = dict(data, organisation="EU Delegation to Thailand")

    response = submit(client, f"{base}/{found.id}", mine)

    soup = page(response)
    assert response.status_code == 409
    conflict = soup.select_one("#conflict-organisation")
    assert [p.get_text(strip=True) for p in conflict.select(".conflict-value")] == [
        "European External Action Service",
        "EU Delegation to Thailand",
    ]
    assert form_data(soup, "#registration-form")["version"] == "2"
    saved = read(db, select(Registration.organisation).where(Registration.id == found.id))
    assert saved == "European External Action Service"
    again = submit(client, f"{base}/{found.id}", form_data(soup, "#registration-form"))
    assert again.status_code == 303
    saved = read(db, select(Registration.organisation).where(Registration.id == found.id))
    assert saved == "EU Delegation to Thailand"


def test_an_invalid_edit_comes_back_with_messages_beside_the_fields(client, db, owner, event, base):
    found = register(db, event, 1)
    log_in(client, owner)
    data = form_data(page(client.get(f"{base}/{found.id}")), "#registration-form")
    data.update(email="not an address", given_name="x" * 101)

    plain = submit(client, f"{base}/{found.id}", data)
    htmx = submit(client, f"{base}/{found.id}", data, headers=HTMX)

    soup = page(plain)
    assert plain.status_code == 422
    for name in ("email", "given_name"):
        control = soup.select_one(f"#input-{name}")
        assert control["aria-invalid"] == "true"
        assert f"error-{name}" in control["aria-describedby"].split()
    assert htmx.status_code == 422
    assert [form["id"] for form in fragment(htmx).select("form")] == ["registration-form"]
    assert read(db, select(Registration.version).where(Registration.id == found.id)) == 1


def test_erasing_asks_first_then_erases_and_frees_the_place(client, db, owner, event, base):
    open_registration(db, event, capacity=1)
    found = register(db, event, 1)
    waiting = register(db, event, 2)
    log_in(client, owner)

    asked = page(client.get(f"{base}/{found.id}/erase"))
    status_before = status_of(db, found)
    response = submit(client, f"{base}/{found.id}/erase", form_data(asked, "#erase-confirm form"))

    assert asked.select_one("#erase-confirmed") is not None
    assert status_before == "confirmed"
    assert response.status_code == 303
    assert response.headers["location"] == f"{base}?done=erased#registrations-list"
    erased = read(db, select(Registration).where(Registration.id == found.id))
    assert (str(erased.status), erased.given_name, erased.anonymised_at is not None) == (
        "cancelled",
        "",
        True,
    )
    assert status_of(db, waiting) == "confirmed"
    listed = row_texts(page(client.get(base)))
    assert listed[-1]["name"] == "(erased)"


# Adding someone by hand ------------------------------------------------------------------------


def test_adding_someone_registers_them_even_when_registration_is_closed(
    client, db, owner, event, base
):
    open_registration(db, event, is_enabled=False)
    visa = add_question(db, event, owner, "checkbox", "Visa letter")
    log_in(client, owner)
    data = form_data(page(client.get(f"{base}/new")), "#registration-form")
    data.update(
        given_name="Anna", family_name="Lind", email=" Anna@Example.ORG ",
        organisation="EEAS", country="SE", language="th", **{f"q{visa.id}": "on"},
    )  # fmt: skip

    response = submit(client, f"{base}/new", data)

    added = read(db, select(Registration))
    assert response.status_code == 303
    assert response.headers["location"] == f"{base}/{added.id}?done=added"
    assert (added.email, str(added.status), added.language, added.answers) == (
        "anna@example.org",
        "confirmed",
        "th",
        {str(visa.id): True},
    )
    entry = read(db, select(ActivityLog).where(ActivityLog.action == "registration.create"))
    assert entry.user_id == owner.id


def test_adding_an_email_already_registered_points_to_that_registration(
    client, db, owner, event, base
):
    existing = register(db, event, 1)
    log_in(client, owner)

    response = submit(client, f"{base}/new", {"given_name": "A", "email": "ATTENDEE1@example.org"})

    soup = page(response)
    assert response.status_code == 422
    assert soup.select_one("#error-email").get_text(strip=True) == (
        "This email is already registered for this event."
    )
    assert soup.select_one("#duplicate-link")["href"] == f"{base}/{existing.id}"
    assert count(db, Registration) == 1


def test_adding_when_full_without_a_waiting_list_says_so(client, db, owner, event, base):
    open_registration(db, event, capacity=1, has_waitlist=False)
    register(db, event, 1)
    log_in(client, owner)

    response = submit(client, f"{base}/new", {"given_name": "A", "email": "a@example.org"})

    assert response.status_code == 409
    assert (
        page(response)
        .select_one("#form-problem")
        .get_text(strip=True)
        .startswith("No place is left")
    )
    assert count(db, Registration) == 1


def test_extra_fields_cannot_set_the_status_or_event(client, db, owner, event, base):
    moderated(db, event)
    elsewhere = make_event(db, owner=owner)
    log_in(client, owner)

    submit(
        client,
        f"{base}/new",
        {"given_name": "A", "email": "a@example.org", "status": "rejected",
         "event_id": str(elsewhere.id)},
    )  # fmt: skip

    added = read(db, select(Registration))
    assert (added.event_id, str(added.status)) == (event.id, str(RegistrationStatus.CONFIRMED))


def test_deciding_what_someone_else_already_decided_changes_nothing_and_says_so(
    client, db, owner, event, base
):
    moderated(db, event)
    pending = register(db, event, 1)
    log_in(client, owner)
    submit(client, f"{base}/{pending.id}/reject", {})

    response = submit(client, f"{base}/{pending.id}/approve", {}, headers=HTMX)

    assert fragment(response).select_one(f"#row-message-{pending.id}").get_text(strip=True) == (
        "Nothing was changed: someone else had already decided or cancelled it."
    )
    assert status_of(db, pending) == "rejected"


def test_approving_when_full_puts_them_on_the_waiting_list_and_says_so(
    client, db, owner, event, base
):
    moderated(db, event, capacity=1)
    first, second = register(db, event, 1), register(db, event, 2)
    log_in(client, owner)
    submit(client, f"{base}/{first.id}/approve", {})

    response = submit(client, f"{base}/{second.id}/approve", {})

    assert response.headers["location"] == (f"{base}?done=approved-waitlisted#registrations-list")
    assert status_of(db, second) == "waitlisted"
