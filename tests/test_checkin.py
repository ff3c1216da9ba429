"""Check-in rules (eventapp/checkin.py): checking in once, a second time (the time and who),
undo, the counts, and the desk's search by name in either order, organisation or email."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from eventapp import checkin
from eventapp import registration as rules
from eventapp.models import ActivityLog, CheckIn, Registration, RegistrationStatus, Role
from tests.factories import add_member, make_event, make_user, open_registration, read, read_all


@pytest.fixture
def owner(db):
    return make_user(db, name="Olivia Owner")


@pytest.fixture
def registrar(db, event):
    user = make_user(db, name="Rita Registrar")
    add_member(db, event, user, Role.REGISTRAR)
    return user


@pytest.fixture
def event(db, owner):
    found = make_event(db, owner=owner, title="EU–Southeast Asia Digital Diplomacy Forum")
    open_registration(db, found)
    return found


def person(db, event, given: str, family: str, **fields) -> Registration:
    """Registered through the rules, committed."""
    email = fields.pop("email", f"{given}.{family}@example.org".lower())
    details = rules.AttendeeDetails(email=email, given_name=given, family_name=family, **fields)
    found = rules.register(db, event, details)
    db.commit()
    return found


def check_ins(db) -> list[tuple[int, int | None]]:
    rows = read_all(db, select(CheckIn).order_by(CheckIn.id))
    return [(row.registration_id, row.user_id) for row in rows]


def actions(db) -> list[tuple[str, int | None]]:
    rows = read_all(
        db,
        select(ActivityLog).where(ActivityLog.action.like("checkin.%")).order_by(ActivityLog.id),
    )
    return [(row.action, row.object_id) for row in rows]


def test_checking_in_makes_one_check_in_by_the_registrar_and_logs_it(db, event, registrar):
    anna = person(db, event, "Anna", "Lind")
    before = datetime.now(UTC)

    result = checkin.check_in(db, event, anna, actor=registrar)
    db.commit()

    assert (result.is_new, result.by.id, result.registration.id) == (True, registrar.id, anna.id)
    assert before <= result.check_in.checked_in_at <= datetime.now(UTC)
    assert check_ins(db) == [(anna.id, registrar.id)]
    assert actions(db) == [("checkin.create", anna.id)]


def test_a_second_check_in_says_when_and_by_whom_and_changes_nothing(db, event, registrar, owner):
    anna = person(db, event, "Anna", "Lind")
    first = checkin.check_in(db, event, anna, actor=registrar)
    db.commit()

    again = checkin.check_in(db, event, anna, actor=owner)
    db.commit()

    assert (again.is_new, again.by.id) == (False, registrar.id)
    assert again.check_in.checked_in_at == first.check_in.checked_in_at
    assert check_ins(db) == [(anna.id, registrar.id)]
    assert actions(db) == [("checkin.create", anna.id)]


def test_undo_takes_the_check_in_back_and_one_may_check_in_again(db, event, registrar):
    anna = person(db, event, "Anna", "Lind")
    checkin.check_in(db, event, anna, actor=registrar)
    db.commit()

    removed = checkin.undo(db, event, anna, actor=registrar)
    db.commit()
    removed_again = checkin.undo(db, event, anna, actor=registrar)
    db.commit()

    assert removed is not None
    assert removed_again is None
    assert check_ins(db) == []
    again = checkin.check_in(db, event, anna, actor=registrar)
    db.commit()
    assert again.is_new is True
    assert actions(db) == [
        ("checkin.create", anna.id),
        ("checkin.undo", anna.id),
        ("checkin.create", anna.id),
    ]


@pytest.mark.parametrize(
    "status", [RegistrationStatus.WAITLISTED, RegistrationStatus.PENDING, "cancelled"]
)
def test_only_a_confirmed_registration_can_be_checked_in(db, event, registrar, status):
    anna = person(db, event, "Anna", "Lind")
    anna.status = RegistrationStatus(status)
    db.commit()

    with pytest.raises(checkin.NotConfirmed) as refused:
        checkin.check_in(db, event, anna, actor=registrar)
    db.rollback()

    assert refused.value.status == status
    assert check_ins(db) == []


def test_a_waitlisted_registration_is_refused(db, event, registrar):
    open_registration(db, event, capacity=1)
    person(db, event, "Anna", "Lind")
    bo = person(db, event, "Bo", "Berg")

    with pytest.raises(checkin.NotConfirmed) as refused:
        checkin.check_in(db, event, bo, actor=registrar)
    db.rollback()

    assert (bo.status, refused.value.status) == ("waitlisted", RegistrationStatus.WAITLISTED)


def test_another_events_registration_is_refused(db, event, owner, registrar):
    other = make_event(db, owner=owner, title="Another forum")
    open_registration(db, other)
    theirs = person(db, other, "Anna", "Lind")

    with pytest.raises(checkin.OtherEvent):
        checkin.check_in(db, event, theirs, actor=registrar)
    with pytest.raises(checkin.OtherEvent):
        checkin.undo(db, event, theirs, actor=registrar)
    db.rollback()

    assert check_ins(db) == []


def test_counts_are_checked_in_of_the_confirmed(db, event, registrar):
    open_registration(db, event, capacity=3)
    anna, bo, _carl = (person(db, event, given, "Test") for given in ("Anna", "Bo", "Carl"))
    person(db, event, "Dora", "Waiting")  # waitlisted: not expected
    for each in (anna, bo):
        checkin.check_in(db, event, each, actor=registrar)
    db.commit()

    assert checkin.counts(db, event) == (2, 3)
    rules.cancel(db, event, bo)  # a cancelled check-in no longer counts; Dora is promoted
    db.commit()
    assert checkin.counts(db, event) == (1, 3)


def test_counts_of_an_event_without_registrations_are_zero(db, event):
    assert checkin.counts(db, event) == (0, 0)


# Search ----------------------------------------------------------------------------------------


def names(found: list[checkin.Found]) -> list[str]:
    return [rules.attendee_name(each.registration) for each in found]


@pytest.fixture
def crowd(db, event, owner):
    """Anna Lind twice (one waitlisted, registered first), and others; another event's Anna."""
    open_registration(db, event, capacity=4)
    person(db, event, "Anna", "Lindqvist", organisation="Swedish Embassy")
    people = [
        person(db, event, "Somchai", "Rattanakosin", organisation="Ministry of Foreign Affairs"),
        person(db, event, "Anna", "Lind", honorific="Dr.", organisation="EU Delegation"),
        person(db, event, "Lindsay", "Brown", email="l.brown@mfa.example.org"),
    ]
    waiting = person(db, event, "Anna", "Lind", email="anna.l@example.org")  # waitlisted
    other = make_event(db, owner=owner, title="Another forum")
    open_registration(db, other)
    person(db, other, "Anna", "Lind")
    return people, waiting


def test_search_finds_a_name_in_either_order_and_any_case(db, event, crowd):
    for text in ("anna lind", "Lind Anna", "LIND  anna"):
        assert names(checkin.search(db, event, text)) == [
            "Dr. Anna Lind",
            "Anna Lindqvist",
            "Anna Lind",
        ], text


def test_search_finds_organisation_and_email(db, event, crowd):
    assert names(checkin.search(db, event, "ministry foreign")) == ["Somchai Rattanakosin"]
    assert names(checkin.search(db, event, "mfa.example")) == ["Lindsay Brown"]
    assert names(checkin.search(db, event, "")) == []
    assert names(checkin.search(db, event, "100%")) == []


def test_search_puts_confirmed_first_and_holds_the_check_in(db, event, crowd, registrar):
    (_somchai, anna, _lindsay), waiting = crowd
    checkin.check_in(db, event, anna, actor=registrar)
    db.commit()

    found = checkin.search(db, event, "anna lind")

    assert [(each.registration.id, each.registration.status) for each in found] == [
        (anna.id, "confirmed"),
        (found[1].registration.id, "confirmed"),
        (waiting.id, "waitlisted"),
    ]
    assert (found[0].checked_in_at is not None, found[0].checked_in_by) == (True, "Rita Registrar")
    assert [(each.checked_in_at, each.checked_in_by) for each in found[1:]] == [(None, "")] * 2


def test_search_leaves_out_anonymised_registrations_and_keeps_to_its_limit(db, event, crowd):
    (_somchai, anna, _lindsay), _waiting = crowd
    anna.anonymised_at = datetime.now(UTC)
    db.commit()

    assert names(checkin.search(db, event, "anna")) == ["Anna Lindqvist", "Anna Lind"]
    assert len(checkin.search(db, event, "a", limit=2)) == 2


def test_search_is_one_query_however_many_are_checked_in(db, event, registrar, count_queries):
    for n in range(30):
        found = person(db, event, f"Anna{n:02d}", "Lind")
        if n % 2:
            checkin.check_in(db, event, found, actor=registrar)
    db.commit()

    with count_queries() as counted:
        found = checkin.search(db, event, "anna lind", limit=50)

    selects = [sql for sql in counted.statements if sql.lstrip().upper().startswith("SELECT")]
    assert (len(found), len(selects)) == (30, 1)  # SQLite's BEGIN aside
    assert sum(1 for each in found if each.checked_in_at) == 15
    assert read(db, select(func.count()).select_from(CheckIn)) == 15
