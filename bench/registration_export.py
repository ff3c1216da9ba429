"""Print the time and the peak memory of exporting 10,000 registrations as XLSX (issue 5).

Builds an event with 10,000 registrations (bulk insert; three custom questions answered, some on
the waiting list, some checked in) in a temporary SQLite database, or in PostgreSQL when
EVENTAPP_BENCH_POSTGRES_URL is set (a schema of its own, dropped afterwards), then measures,
each in a fresh Python process so that one measurement's memory does not colour the next:

1. the XLSX export as the route makes it (`manage_registrations.export_xlsx`: rows read in
   chunks, openpyxl's write-only workbook into a temporary file);
2. the CSV export of the same rows (`csv_chunks` over the same query), as a reference in the
   same run: the ratio XLSX / CSV is the figure to compare between machines;
3. for contrast, the XLSX built the simple way: every row in a list, the workbook in memory
   (`tables.xlsx_bytes`), which is what streaming avoids;
4. the XLSX through the whole app in-process (`GET /manage/events/{id}/registrations.xlsx`
   with a logged-in owner's session cookie);
5. the organisers' list page in-process, five ways (the first page, a search, an answer
   filter, a status filter, page 150), to show it stays fast at this size.

For each: median seconds of `--runs` runs; the peak of Python allocations (tracemalloc, in a
separate run after an untraced one, since tracing slows the code and first-use caches are not
the export's); and the process's maximum resident size (ru_maxrss) with its growth during the
first run. The app's imports set a high-water mark of about 150 MB first, so a growth of 0
means the export stayed under it: the traced peak is the figure that shows what streaming
saves. A measuring script, not a test: no thresholds.

    python bench/registration_export.py                  # about a minute
    python bench/registration_export.py --rows 2000 --runs 1 --json
    EVENTAPP_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test \\
        python bench/registration_export.py
"""

import argparse
import json
import os
import platform
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SLUG = "bench-registrations"
MEASURES = ("xlsx", "csv", "xlsx-in-memory", "route", "list")
LIST_PAGES = ("", "?q=lind", "?answer={diet}:c2", "?status=waitlisted", "?page=150")


def _environment(data_dir: Path, database_url: str | None) -> None:
    for name in [name for name in os.environ if name.startswith("EVENTAPP_")]:
        if name != "EVENTAPP_BENCH_POSTGRES_URL":
            del os.environ[name]  # nothing inherited
    os.environ["EVENTAPP_DATA_DIR"] = str(data_dir)
    os.environ["EVENTAPP_SECRET_KEY"] = "bench-secret-" + "x" * 32
    if database_url:
        os.environ["EVENTAPP_DATABASE_URL"] = database_url


def _postgres_url(schema: str) -> str:
    import sqlalchemy as sa

    url = sa.make_url(os.environ["EVENTAPP_BENCH_POSTGRES_URL"]).set(
        drivername="postgresql+psycopg"
    )
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def _drop_schema(schema: str) -> None:
    import sqlalchemy as sa

    url = sa.make_url(os.environ["EVENTAPP_BENCH_POSTGRES_URL"]).set(
        drivername="postgresql+psycopg"
    )
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def build(rows: int) -> dict:
    """The event and its registrations; returns the ids the measurements need."""
    from sqlalchemy import insert

    from eventapp import auth, db, questions, security
    from eventapp.config import get_settings
    from eventapp.models import (
        CheckIn,
        Event,
        EventStatus,
        Membership,
        Registration,
        RegistrationSettings,
        RegistrationStatus,
        Role,
        Team,
    )

    db.upgrade(get_settings().resolved_database_url())
    with db.transaction() as session:
        owner = auth.create_user(session, "bench@example.org", "bench passphrase 42", name="Bench")
        team = Team(name="Benchmark organisers")
        session.add(team)
        session.flush()
        first = datetime(2030, 3, 4, 1, 0, tzinfo=UTC)
        event = Event(
            team_id=team.id,
            slug=SLUG,
            title="Benchmark Forum on Digital Cooperation",
            starts_at=first,
            ends_at=first + timedelta(hours=9),
            timezone="Asia/Bangkok",
            languages="en,th",
            status=EventStatus.PUBLISHED,
        )
        session.add(event)
        session.flush()
        session.add(Membership(event_id=event.id, user_id=owner.id, role=Role.OWNER))
        capacity = rows * 8 // 10
        session.add(
            RegistrationSettings(
                event_id=event.id, is_enabled=True, capacity=capacity, confirmed=capacity
            )
        )
        diet = questions.add_question(
            session, event, actor=owner, kind="single_choice",
            labels={"en": "Dietary needs", "th": "อาหาร"},
            choices=[{"en": "None", "th": "ไม่มี"}, {"en": "Vegetarian", "th": "มังสวิรัติ"},
                     {"en": "Halal", "th": "ฮาลาล"}],
        )  # fmt: skip
        panels = questions.add_question(
            session, event, actor=owner, kind="multiple_choice",
            labels={"en": "Which panels interest you most?"},
            choices=[{"en": "Online scams"}, {"en": "Cyber capacity"}, {"en": "Digital trade"}],
        )  # fmt: skip
        notes = questions.add_question(
            session, event, actor=owner, kind="long_text", labels={"en": "Anything else?"}
        )
        now = datetime.now(UTC)
        batch = []
        for n in range(rows):
            status = RegistrationStatus.CONFIRMED if n < capacity else RegistrationStatus.WAITLISTED
            thai = n % 4 == 0
            batch.append(
                {
                    "event_id": event.id,
                    "status": status,
                    "honorific": "ดร." if thai else "Dr.",
                    "given_name": f"สมชาย{n}" if thai else f"Anna{n}",
                    "family_name": "ใจดี" if thai else "Lind",
                    "email": f"attendee{n}@example.org",
                    "organisation": "กระทรวงการต่างประเทศ"
                    if thai
                    else "European External Action Service",
                    "position": "Director",
                    "country": "TH" if thai else "SE",
                    "answers": {
                        str(diet.id): f"c{n % 3 + 1}",
                        str(panels.id): ["c1", "c3"] if n % 2 else ["c2"],
                        str(notes.id): "Arriving the evening before; =SUM(A1) please." * (n % 3),
                    },
                    "language": "th" if thai else "en",
                    "in_participant_list": n % 5 == 0,
                    "link_nonce": f"nonce-{n}",
                    "token_hash": security.token_hash(f"link-{n}-{secrets.token_hex(4)}"),
                    "ticket_hash": security.token_hash(f"ticket-{n}-{secrets.token_hex(4)}"),
                    "privacy_accepted_at": now,
                    "created_at": now - timedelta(minutes=rows - n),
                    "updated_at": now,
                }
            )
            if len(batch) == 1000:
                session.execute(insert(Registration), batch)
                batch = []
        if batch:
            session.execute(insert(Registration), batch)
        session.flush()
        ids = session.scalars(
            Registration.__table__.select()
            .with_only_columns(Registration.id)
            .where(Registration.event_id == event.id)
            .order_by(Registration.id)
            .limit(rows // 3)
        ).all()
        session.execute(
            insert(CheckIn),
            [{"event_id": event.id, "registration_id": rid, "checked_in_at": now} for rid in ids],
        )
        cookie = auth.start_session(session, owner)
        return {"event_id": event.id, "cookie": cookie}


# One measurement, in a process of its own --------------------------------------------------------


def _xlsx(event_id: int) -> int:
    from eventapp.routes.manage_registrations import export_xlsx

    path = export_xlsx(event_id)
    size = path.stat().st_size
    path.unlink()
    return size


def _csv(event_id: int) -> int:
    from eventapp.exports.registrations import csv_chunks
    from eventapp.routes.manage_registrations import Filters, _export_rows

    size = 0
    with tempfile.TemporaryFile() as out:
        for chunk in csv_chunks(_export_rows(event_id, Filters())):
            out.write(chunk)
            size += len(chunk)
    return size


def _xlsx_in_memory(event_id: int) -> int:
    from eventapp.exports.tables import xlsx_bytes
    from eventapp.routes.manage_registrations import Filters, _export_rows

    return len(xlsx_bytes(list(_export_rows(event_id, Filters())), title="Registrations"))


def _client(cookie: str):
    from fastapi.testclient import TestClient

    from eventapp.app import create_app

    client = TestClient(create_app(), base_url="http://testserver")
    client.cookies.set("eventapp_session", cookie)
    return client


def _get(client, path: str) -> int:
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return len(response.content)


def _route(event_id: int, cookie: str):
    client = _client(cookie)
    return lambda: _get(client, f"/manage/events/{event_id}/registrations.xlsx")


def _list_pages(event_id: int, cookie: str):
    """The list page five ways (first page, a search, an answer filter, a status, far in)."""
    from eventapp import db, questions
    from eventapp.models import Event

    with db.new_session() as session:
        diet = questions.for_event(session, session.get(Event, event_id))[0].id
    client = _client(cookie)
    base = f"/manage/events/{event_id}/registrations"
    paths = [base + tail.format(diet=diet) for tail in LIST_PAGES]
    return lambda: sum(_get(client, path) for path in paths)


def measure(kind: str, event_id: int, cookie: str, runs: int, trace: bool) -> dict:
    """Run `kind` `runs` times (the modules it needs imported first); the growth of the
    maximum resident size is that of the first run, whose peak the others only repeat."""
    import openpyxl  # noqa: F401  (imported on the first spreadsheet otherwise)

    import eventapp.routes.manage_registrations  # noqa: F401

    if kind == "route":
        work = _route(event_id, cookie)
    elif kind == "list":
        work = _list_pages(event_id, cookie)
    else:
        export = {"xlsx": _xlsx, "csv": _csv, "xlsx-in-memory": _xlsx_in_memory}[kind]

        def work() -> int:
            return export(event_id)

    if trace:
        work()  # once untraced: the caches it fills (CLDR names, compiled SQL) stay
        tracemalloc.start()
        work()
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return {"tracemalloc_peak_mb": peak / 2**20}
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    seconds = []
    for n in range(runs):
        started = time.perf_counter()
        size = work()
        seconds.append(time.perf_counter() - started)
        if n == 0:
            after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": statistics.median(seconds),
        "seconds_min": min(seconds),
        "maxrss_growth_mb": (after - before) / 1024,
        "maxrss_mb": after / 1024,
        "bytes": size,
    }


def _child(args: argparse.Namespace) -> None:
    _environment(Path(args.data_dir), args.database_url or None)
    result = measure(args.measure, args.event_id, args.cookie, args.runs, args.trace)
    print(json.dumps(result))


def _run_child(kind: str, setup: dict, args, *, trace: bool) -> dict:
    command = [
        sys.executable, __file__, "--measure", kind, "--event-id", str(setup["event_id"]),
        "--cookie", setup["cookie"], "--runs", str(args.runs), "--data-dir", setup["data_dir"],
        "--database-url", setup["database_url"] or "",
    ]  # fmt: skip
    if trace:
        command.append("--trace")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each (median)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--measure", choices=MEASURES, help=argparse.SUPPRESS)
    parser.add_argument("--event-id", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--cookie", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        _child(args)
        return

    data_dir = Path(tempfile.mkdtemp(prefix="eventapp-bench-registrations-"))
    schema = f"bench_registrations_{os.getpid()}"
    postgres = bool(os.environ.get("EVENTAPP_BENCH_POSTGRES_URL"))
    try:
        database_url = _postgres_url(schema) if postgres else ""
        _environment(data_dir, database_url or None)
        started = time.perf_counter()
        setup = build(args.rows)
        built = time.perf_counter() - started
        setup.update(data_dir=str(data_dir), database_url=database_url)
        results = {}
        for kind in MEASURES:
            results[kind] = _run_child(kind, setup, args, trace=False)
            results[kind].update(_run_child(kind, setup, args, trace=True))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        if postgres:
            _drop_schema(schema)
    report = {
        "database": "postgresql" if postgres else "sqlite",
        "rows": args.rows,
        "runs": args.runs,
        "python": platform.python_version(),
        "build_seconds": built,
        "results": results,
        "ratios": {
            "xlsx_vs_csv_time": results["xlsx"]["seconds"] / results["csv"]["seconds"],
            "in_memory_vs_streamed_peak": results["xlsx-in-memory"]["tracemalloc_peak_mb"]
            / results["xlsx"]["tracemalloc_peak_mb"],
            "route_vs_function_time": results["route"]["seconds"] / results["xlsx"]["seconds"],
        },
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(
        f"{args.rows:,} registrations on {report['database']} "
        f"(built in {built:.1f} s; Python {report['python']}; median of {args.runs} runs)"
    )
    print(
        f"{'':24} {'seconds':>8} {'traced peak MB':>15} {'max RSS MB':>11} {'growth':>7} {'KB':>6}"
    )
    labels = {
        "xlsx": "XLSX, streamed",
        "csv": "CSV, streamed (ref.)",
        "xlsx-in-memory": "XLSX, all in memory",
        "route": "XLSX through the route",
        "list": f"list page x{len(LIST_PAGES)}",
    }
    for kind in MEASURES:
        found = results[kind]
        print(
            f"{labels[kind]:24} {found['seconds']:8.2f} {found['tracemalloc_peak_mb']:15.1f} "
            f"{found['maxrss_mb']:11.1f} {found['maxrss_growth_mb']:7.1f} "
            f"{found['bytes'] / 1024:6.0f}"
        )
    ratios = report["ratios"]
    print(f"XLSX / CSV time: {ratios['xlsx_vs_csv_time']:.2f}")
    print(f"peak memory, in memory / streamed: {ratios['in_memory_vs_streamed_peak']:.1f}")
    print(f"route / export function time: {ratios['route_vs_function_time']:.2f}")
    each = results["list"]["seconds"] / len(LIST_PAGES) * 1000
    print(f"list page of 50 (first, search, answer, status, page 150), each: {each:.0f} ms")


if __name__ == "__main__":
    main()
