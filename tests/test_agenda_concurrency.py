"""Two organisers editing the agenda at the same instant, against real servers: two `eventapp
serve` processes over one database, each organiser's requests from a thread of their own, all
released together by a barrier.

- Moves of *different* items never refuse each other: both land, and when they put the items
  in one room at one time, the clash is reported (a warning, not a refusal).
- Saves of the *same* item from the same version: exactly one lands; the other is refused with
  409 and shown the winner's values. No round loses an update.
"""

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

import httpx

from eventapp.models import AgendaItem, ItemKind, Role
from tests.factories import add_member, log_in, make_event, make_item, make_room, make_user, page

STARTS = datetime(2031, 3, 10, 2, 0, tzinfo=UTC)  # 09:00 in Bangkok
DAY = "2031-03-10"
ROUNDS = 6


def together(*calls: Callable[[], httpx.Response]) -> list[httpx.Response]:
    """Run each call in its own thread, all starting at the same moment; their answers in order."""
    barrier = threading.Barrier(len(calls))
    answers: list[httpx.Response | None] = [None] * len(calls)
    failures: list[BaseException] = []

    def run(index: int, call: Callable[[], httpx.Response]) -> None:
        try:
            barrier.wait(timeout=30)
            answers[index] = call()
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    return answers  # type: ignore[return-value]


def organiser_at(server: str, user) -> tuple[httpx.Client, str]:
    """A logged-in client of `server` and a CSRF token for its posts."""
    client = httpx.Client(base_url=server, timeout=30)
    log_in(client, user)
    token = page(client.get("/manage/")).select_one("input[name=csrf_token]")["value"]
    return client, token


def stored(db, item_id: int) -> tuple[datetime, int | None, str, int]:
    """The item as saved now; the read ends at once (SQLite: the servers need the lock)."""
    db.expire_all()
    item = db.get(AgendaItem, item_id)
    found = item.starts_at.astimezone(UTC), item.room_id, item.titles["en"], item.version
    db.rollback()
    return found


def test_moves_of_different_items_into_one_room_and_time_both_land_and_clash(db, spawn_server):
    owner, organiser = make_user(db, name="Owner at the MFA"), make_user(db, name="EU organiser")
    event = make_event(db, starts_at=STARTS, owner=owner)
    add_member(db, event, organiser, Role.ORGANISER)
    hall, annex = make_room(db, event, "Main hall"), make_room(db, event, "Annex")
    panel = make_item(db, event, "Panel on scam centres", at="09:00", room=hall)
    talk = make_item(db, event, "Talk on victim support", at="10:00", room=annex)
    (first, first_token), (second, second_token) = (
        organiser_at(spawn_server(), owner),
        organiser_at(spawn_server(), organiser),
    )
    path = f"/manage/events/{event.id}/agenda/items/{{}}/move"

    def move(client, token, item_id, version, at, room):
        form = {"start_date": DAY, "start_time": at, "room": room, "version": version}
        return client.post(path.format(item_id), data={**form, "csrf_token": token})

    statuses = []
    for round_ in range(ROUNDS):
        at, room = f"{11 + round_:02d}:00", str(hall.id if round_ % 2 else annex.id)
        answers = together(
            partial(move, first, first_token, panel.id, 1 + round_, at, room),
            partial(move, second, second_token, talk.id, 1 + round_, at, room),
        )
        statuses.append([answer.status_code for answer in answers])

    assert statuses == [[303, 303]] * ROUNDS
    last_at = STARTS + timedelta(hours=2 + ROUNDS - 1)
    assert stored(db, panel.id) == (last_at, hall.id, "Panel on scam centres", 1 + ROUNDS)
    assert stored(db, talk.id) == (last_at, hall.id, "Talk on victim support", 1 + ROUNDS)
    clashes = page(first.get(f"/manage/events/{event.id}/agenda?day={DAY}")).select("#clashes li")
    assert [
        (clash["data-kind"], sorted(int(link["data-item"]) for link in clash.select("a")))
        for clash in clashes
    ] == [("room", sorted([panel.id, talk.id]))]


def test_saves_of_one_item_from_one_version_land_once_and_refuse_the_other(db, spawn_server):
    owner, organiser = make_user(db, name="Owner at the MFA"), make_user(db, name="EU organiser")
    event = make_event(db, starts_at=STARTS, owner=owner, languages="en")
    add_member(db, event, organiser, Role.ORGANISER)
    item = make_item(db, event, "Opening remarks", at="09:00", kind=ItemKind.OPENING_REMARKS)
    (first, first_token), (second, second_token) = (
        organiser_at(spawn_server(), owner),
        organiser_at(spawn_server(), organiser),
    )
    path = f"/manage/events/{event.id}/agenda/items/{item.id}/edit"

    def save(client, token, title, version):
        form = {
            "kind": "opening_remarks",
            "start_date": DAY,
            "start_time": "09:00",
            "end_time": "09:30",
            "title_en": title,
            "version": str(version),
        }
        return client.post(path, data={**form, "csrf_token": token})

    outcomes = []
    for round_ in range(ROUNDS):
        version = 1 + round_
        mine, theirs = f"Welcome, round {round_} (MFA)", f"Welcome, round {round_} (EU)"
        answers = together(
            partial(save, first, first_token, mine, version),
            partial(save, second, second_token, theirs, version),
        )
        _at, _room, saved_title, saved_version = stored(db, item.id)
        refused = [answer for answer in answers if answer.status_code == 409]
        shown = [
            page(answer).select_one("#conflict-title_en .theirs .conflict-value").get_text()
            for answer in refused
        ]
        outcomes.append(
            (
                sorted(answer.status_code for answer in answers),
                saved_title in (mine, theirs),
                shown == [saved_title],
                saved_version,
            )
        )

    # Each round: one save lands, the other is refused and shown exactly what landed.
    assert outcomes == [([303, 409], True, True, 2 + round_) for round_ in range(ROUNDS)]
