"""Print the agenda's speed figures, each beside a reference measured in the same run.

Builds a large event in a temporary SQLite database (3 days, 6 rooms, 300 items, released;
400 people on their line-ups), then reports:

1. requests per second of the cached public agenda page (`eventapp serve`, one worker) against
   a bare Starlette app serving the same bytes (bench/bare_app.py), wrk pinned to core 1 and
   the servers to core 0, targets alternating each round (goal: a ratio of at least 0.5);
2. the median time to render the agenda page uncached (through the whole app in-process,
   the cache bypassed; goal: under 25 ms) and to build schedule.xml (goal: under 50 ms),
   each beside the median time of the app answering /healthz in-process, as a yardstick;
3. for comparison, what DESIGN.md measured for pretalx 2026.2 on these machines (one worker):
   its no-JavaScript schedule page of 120 talks at about 2.3 requests per second, its Frab XML
   at about 1.1.

A measuring script, not a test: no thresholds. Needs wrk (Debian: apt-get install -y wrk).

    python bench/agenda.py                         # full run, about 2 minutes
    python bench/agenda.py --duration 2 --rounds 1 --samples 10 --json
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serve_figures import (
    BARE_APP,
    HOST,
    BenchError,
    Server,
    free_port,
    http_get,
    run_wrk,
)

SLUG = "bench-agenda"
DAYS, ROOMS, ITEMS, PEOPLE = 3, 6, 300, 400
PRETALX = {"schedule page, 120 talks": 2.3, "Frab XML": 1.1}  # requests/s, DESIGN.md


def build_event(data_dir: Path) -> None:
    """The large event, in the SQLite database of `data_dir`, released once."""
    for name in [name for name in os.environ if name.startswith("EVENTAPP_")]:
        del os.environ[name]  # SQLite in the temp dir, nothing inherited
    data_dir.mkdir(parents=True)
    os.environ["EVENTAPP_DATA_DIR"] = str(data_dir)
    from eventapp import agenda, db
    from eventapp.config import get_settings
    from eventapp.models import Event, EventStatus, ItemKind, Team, User

    db.upgrade(get_settings().resolved_database_url())
    kinds = [k for k in ItemKind if k not in agenda.PAUSE_KINDS]
    with db.transaction() as session:
        actor = User(email="bench@example.org", password_hash="!")  # noqa: S106  (no login)
        session.add(actor)
        first = datetime(2030, 3, 4, 1, 0, tzinfo=UTC)  # 08:00 in Bangkok
        team = Team(name="Benchmark organisers")
        session.add(team)
        session.flush()
        event = Event(
            team_id=team.id,
            slug=SLUG,
            title="Benchmark Forum on Digital Cooperation",
            starts_at=first,
            ends_at=first + timedelta(days=DAYS - 1, hours=10),
            timezone="Asia/Bangkok",
            languages="en,th",
            status=EventStatus.PUBLISHED,
        )
        session.add(event)
        session.flush()
        rooms = [
            agenda.add_room(session, event, actor=actor, name=f"Room {n + 1}") for n in range(ROOMS)
        ]
        per_day = ITEMS // DAYS
        items = []
        for day in range(DAYS):
            start = first + timedelta(days=day)
            for n in range(per_day):
                if n == 0:  # a plenary opening spanning every room
                    room, slot = None, 0
                else:
                    room, slot = rooms[(n - 1) % ROOMS], 1 + (n - 1) // ROOMS
                begins = start + timedelta(minutes=40 * slot)
                details = agenda.ItemDetails(
                    kind=kinds[n % len(kinds)],
                    starts_at=begins,
                    ends_at=begins + timedelta(minutes=35),
                    room_id=room.id if room else None,
                    titles={
                        "en": f"Session {day + 1}.{n + 1}: cooperation against online scams",
                        "th": f"ช่วงที่ {day + 1}.{n + 1}: ความร่วมมือต่อต้านการหลอกลวงออนไลน์",
                    },
                    descriptions={"en": "A *panel* on policy and practice.\n\n- one\n- two"},
                    track=f"Track {n % 3 + 1}",
                )
                items.append(agenda.add_item(session, event, actor=actor, details=details))
        agenda.release(session, event, actor=actor, comment="Benchmark programme")
        _line_ups(session, event, actor, items)


def _line_ups(session, event, actor, items) -> None:
    """400 people, each on one to three items, confirmed (the line-ups are live, not released)."""
    from eventapp import people
    from eventapp.models import AppearanceStatus

    book = [
        people.add_person(
            session,
            event,
            actor=actor,
            details=people.PersonDetails(
                honorific=("H.E.", "Dr.", "Ms.", "Mr.")[n % 4],
                given_name=f"Given{n}",
                family_name=f"Family{n}",
                position="Director of cooperation",
                organisation=f"Organisation {n % 40}",
                email=f"person{n}@bench.example.org",
            ),
        )
        for n in range(PEOPLE)
    ]
    for n, item in enumerate(items):
        for k in range(1 + n % 3):
            person = book[(n * 3 + k) % PEOPLE]
            people.add_appearance(
                session, event, item, person, actor=actor, role="speaker",
                status=AppearanceStatus.CONFIRMED,
            )  # fmt: skip


def medians_in_process(samples: int) -> dict[str, float]:
    """Median milliseconds: the agenda page uncached, schedule.xml built, /healthz answered."""
    from fastapi.testclient import TestClient

    from eventapp import agenda, db
    from eventapp.app import create_app
    from eventapp.events import event_by_slug
    from eventapp.exports import frab
    from eventapp.public_lineup import public_lineups

    client = TestClient(create_app())
    uncached = f"/events/{SLUG}/agenda?bench=uncached"  # a query string the cache passes by
    timings: dict[str, list[float]] = {
        "agenda page uncached": [],
        "schedule.xml": [],
        "healthz": [],
    }
    with db.new_session() as session:
        event = event_by_slug(session, SLUG)
        programme = agenda.published_programme(session, event)
        item_ids = [item.id for item in programme.items]
    for _ in range(3):  # warm up
        client.get(uncached)
        client.get("/healthz")
    for _ in range(samples):
        began = time.perf_counter()
        response = client.get(uncached)
        timings["agenda page uncached"].append(time.perf_counter() - began)
        if response.status_code != 200:
            raise BenchError(f"GET {uncached} answered {response.status_code}")
        began = time.perf_counter()
        with db.new_session() as session:  # as the route: the live line-ups, then the document
            lineups = public_lineups(session, event, item_ids)
        document = frab.schedule(
            programme,
            base_url="https://events.example.org",
            event_url=f"https://events.example.org/events/{SLUG}",
            session_url=lambda item: f"https://events.example.org/events/{SLUG}/sessions/{item.id}",
            lineups=lineups,
            speaker_url=lambda person_id: (
                f"https://events.example.org/events/{SLUG}/speakers/{person_id}"
            ),
        )
        frab.schedule_xml(document, url=f"https://events.example.org/events/{SLUG}/schedule.xml")
        timings["schedule.xml"].append(time.perf_counter() - began)
        began = time.perf_counter()
        client.get("/healthz")
        timings["healthz"].append(time.perf_counter() - began)
    return {name: statistics.median(values) * 1000 for name, values in timings.items()}


def requests_per_second(args, tmp: Path, data_dir: Path) -> dict:
    affinity = os.sched_getaffinity(0)
    pinned = shutil.which("taskset") is not None and {0, 1} <= affinity
    server_prefix = ["taskset", "-c", "0"] if pinned else []
    load_prefix = ["taskset", "-c", "1"] if pinned else []
    body_file = tmp / "agenda.html"
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVENTAPP_")}
    env.update(EVENTAPP_DATA_DIR=str(data_dir), BENCH_BODY_FILE=str(body_file))
    path = f"/events/{SLUG}/agenda"
    servers: list[Server] = []

    def start(name: str, argv: list[str]) -> Server:
        port = free_port()
        server = Server(
            name=name,
            argv=[*server_prefix, *argv, "--host", HOST, "--port", str(port)],
            env=env,
            log_path=tmp / f"{name}.log",
            port=port,
        )
        servers.append(server)
        server.start()
        server.wait_ready()
        return server

    try:
        app = start("eventapp", [sys.executable, "-m", "eventapp", "serve"])
        status, _headers, body = http_get(app.port, path)
        if status != 200:
            raise BenchError(f"GET {path} answered {status}")
        body_file.write_bytes(body)
        bare = start("bare", [sys.executable, str(BARE_APP)])
        rounds: dict[str, list[float]] = {"eventapp": [], "bare": []}
        for target in (app, bare):
            run_wrk(load_prefix, args, target.port, path, args.warmup)
        for i in range(args.rounds):
            order = (app, bare) if i % 2 == 0 else (bare, app)
            for target in order:
                result = run_wrk(load_prefix, args, target.port, path, args.duration)
                if result.non_2xx or result.socket_errors:
                    raise BenchError(f"{target.name}: {result.non_2xx} non-2xx answers")
                rounds[target.name].append(result.rps)
        return {
            "pinned": pinned,
            "page_bytes": len(body),
            "rounds": rounds,
            "eventapp_rps": statistics.median(rounds["eventapp"]),
            "bare_rps": statistics.median(rounds["bare"]),
        }
    finally:
        for server in servers:
            server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install -y wrk)", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="eventapp-bench-agenda-"))
    try:
        data_dir = tmp / "data"
        build_event(data_dir)
        medians = medians_in_process(args.samples)
        serving = requests_per_second(args, tmp, data_dir)
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    ratio = serving["eventapp_rps"] / serving["bare_rps"]
    report = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}",
        "event": f"{DAYS} days, {ROOMS} rooms, {ITEMS} items, {PEOPLE} people",
        "cached_agenda_rps": round(serving["eventapp_rps"], 1),
        "bare_starlette_rps": round(serving["bare_rps"], 1),
        "ratio_cached_to_bare": round(ratio, 3),
        "page_bytes": serving["page_bytes"],
        "median_ms": {name: round(ms, 2) for name, ms in medians.items()},
        "rounds": serving["rounds"],
        "pinned": serving["pinned"],
        "pretalx_rps_design_md": PRETALX,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"agenda benchmark on {report['machine']}; event: {report['event']}")
    print(f"  page: {report['page_bytes']:,} bytes; wrk pinned: {report['pinned']}")
    print(
        f"  cached agenda page  {report['cached_agenda_rps']:>9,.1f} req/s"
        f"   bare Starlette, same bytes {report['bare_starlette_rps']:>9,.1f} req/s"
        f"   ratio {report['ratio_cached_to_bare']:.3f} (goal >= 0.5)"
    )
    m = report["median_ms"]
    print(
        f"  median agenda page uncached {m['agenda page uncached']:.1f} ms (goal < 25);"
        f" schedule.xml built {m['schedule.xml']:.1f} ms (goal < 50);"
        f" /healthz in-process {m['healthz']:.2f} ms"
    )
    print(
        "  pretalx 2026.2 (DESIGN.md, one worker): schedule page of 120 talks about 2.3 req/s,"
        " Frab XML about 1.1 req/s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
