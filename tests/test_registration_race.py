"""Many people rushing the last places, against real servers: `eventapp serve` processes over the
test database, each registration from a thread of its own with its own HTTP connection, all
released together by a barrier (issue 5: "two requests can never take the last place").

- With the lock (four worker processes), exactly `capacity` registrations are confirmed, the rest
  are on the waiting list in the order their places were decided, the counter equals the rows,
  and everyone got exactly one mail.
- Every confirmed attendee cancelling at the same instant frees every place exactly once: the
  first in line get them, each mailed once, and the counter stays equal to the rows.
- The control serves the same requests from one process with the place lock switched off
  (registration.LOCKING = False): on PostgreSQL the event is then overbooked, which shows the
  race the lock prevents is real. (SQLite's write transaction, BEGIN IMMEDIATE, serialises the
  writers anyway, so there the control cannot oversell and is skipped.)
"""

import threading
from collections import Counter

import httpx
import pytest
from sqlalchemy import delete, select

from eventapp import registration as rules
from eventapp.models import MailMessage, Registration, RegistrationSettings
from tests.factories import (
    make_event,
    make_registration,
    make_user,
    open_registration,
    page,
    read,
    read_all,
)

PEOPLE = 32
CAPACITY = 5
UNLOCKED = "import eventapp.registration as rules\nrules.LOCKING = False"
NO_LIMITS = {
    "EVENTAPP_REGISTRATION_LIMIT_PER_IP": "100000",
    "EVENTAPP_REGISTRATION_LIMIT_PER_EMAIL": "100000",
}


def at_once(server: str, requests: list[tuple[str, str, dict]]) -> list[httpx.Response]:
    """Each (form page, action, fields) posted by its own client (own cookie, CSRF token from
    the form page, and connection, all fetched beforehand), all at the same instant."""
    clients = [httpx.Client(base_url=server, timeout=60) for _ in requests]
    tokens = []
    for client, (form_page, _action, _fields) in zip(clients, requests, strict=True):
        field = page(client.get(form_page)).select_one("input[name=csrf_token]")
        tokens.append(field["value"])
    barrier = threading.Barrier(len(requests))
    answers: list[httpx.Response | None] = [None] * len(requests)
    failures: list[BaseException] = []

    def run(n: int) -> None:
        _form_page, action, fields = requests[n]
        try:
            barrier.wait(timeout=60)
            answers[n] = clients[n].post(action, data={"csrf_token": tokens[n], **fields})
        except BaseException as exc:  # reported in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for client in clients:
        client.close()
    assert failures == []
    return answers  # type: ignore[return-value]


def rush(server: str, slug: str, people: int, *, first: int = 0) -> list[httpx.Response]:
    """`people` registrations sent at the same instant, each a different person."""
    form = f"/events/{slug}/register"
    return at_once(
        server,
        [
            (
                form,
                form,
                {
                    "given_name": f"Rusher{n}",
                    "family_name": "Race",
                    "email": f"rusher{n}@example.org",
                    "privacy": "accept",
                },
            )
            for n in range(first, first + people)
        ],
    )


def outcome(db, event) -> tuple[int, int, int]:
    """(confirmed rows, waitlisted rows, the settings' confirmed counter), read afresh."""
    rows = read_all(db, select(Registration.status).where(Registration.event_id == event.id))
    counter = read(
        db,
        select(RegistrationSettings.confirmed).where(RegistrationSettings.event_id == event.id),
    )
    return rows.count("confirmed"), rows.count("waitlisted"), counter


@pytest.fixture
def event(db):
    event = make_event(db, owner=make_user(db), title="Forum with five seats")
    open_registration(db, event, capacity=CAPACITY, has_waitlist=True)
    return event


def test_a_rush_on_four_workers_confirms_exactly_the_capacity_and_queues_the_rest(
    db, event, spawn_server
):
    server = spawn_server(workers=4, env=NO_LIMITS)

    answers = rush(server, event.slug, PEOPLE)

    assert [answer.status_code for answer in answers] == [303] * PEOPLE
    assert outcome(db, event) == (CAPACITY, PEOPLE - CAPACITY, CAPACITY)
    mailed = read_all(db, select(MailMessage.to_address).where(MailMessage.event_id == event.id))
    assert sorted(Counter(mailed).values()) == [1] * PEOPLE
    # Places are decided one at a time under the lock, so every confirmed registration was
    # written before every waitlisted one: the waiting list is in the order of decisions.
    by_id = read_all(
        db,
        select(Registration.status)
        .where(Registration.event_id == event.id)
        .order_by(Registration.id),
    )
    assert by_id == ["confirmed"] * CAPACITY + ["waitlisted"] * (PEOPLE - CAPACITY)


def test_control_without_the_lock_overbooks_on_postgresql(db, event, spawn_server, database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite's BEGIN IMMEDIATE serialises the writers; the race needs PostgreSQL")
    server = spawn_server(workers=1, env=NO_LIMITS, preamble=UNLOCKED)

    for attempt in range(5):  # a race: usually the first rush shows it
        rush(server, event.slug, PEOPLE, first=attempt * PEOPLE)
        confirmed_rows, _waiting, _counter = outcome(db, event)
        if confirmed_rows > CAPACITY:
            break

    assert confirmed_rows > CAPACITY


def test_cancellations_at_the_same_instant_promote_each_in_line_once(db, event, spawn_server):
    confirmed = [make_registration(db, event, f"holder{n}") for n in range(CAPACITY)]
    waiting = [make_registration(db, event, f"waiting{n}") for n in range(CAPACITY + 3)]
    server = spawn_server(workers=4, env=NO_LIMITS)
    db.execute(delete(MailMessage))
    db.commit()

    answers = at_once(
        server,
        [
            (f"{link}/cancel", f"{link}/cancel", {})
            for link in (f"/registrations/{rules.link_token(r)}" for r in confirmed)
        ],
    )

    assert [answer.status_code for answer in answers] == [303] * CAPACITY
    statuses = read_all(
        db,
        select(Registration.status)
        .where(Registration.id.in_([r.id for r in waiting]))
        .order_by(Registration.id),
    )
    assert statuses == ["confirmed"] * CAPACITY + ["waitlisted"] * 3
    assert outcome(db, event) == (CAPACITY, 3, CAPACITY)
    mailed = Counter(
        read_all(db, select(MailMessage.to_address).where(MailMessage.event_id == event.id))
    )
    promoted = {f"attendeewaiting{n}@example.org" for n in range(CAPACITY)}
    cancelled = {f"attendeeholder{n}@example.org" for n in range(CAPACITY)}
    assert mailed == Counter({address: 1 for address in promoted | cancelled})
