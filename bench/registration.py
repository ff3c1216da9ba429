"""Print the registration rush figures, beside a plain page GET measured in the same run.

For each database (SQLite with one `eventapp serve` worker; PostgreSQL with four), a fresh
database holds one published event whose registration is open with a capacity of 500 and a
waiting list. Then:

1. the reference: 64 concurrent clients GET the event page (`/events/{slug}`) 2,000 times;
2. the rush: 64 concurrent clients (each with its own cookies and CSRF token, fetched
   beforehand) POST 2,000 registrations through the public form (`/events/{slug}/register`),
   each a different person;

and prints registrations per second, p50 and p99 latency, the confirmed count (it must be
exactly 500), the waiting-list count, errors (anything but the 303 to the result page, or a
transport error; it must be 0), and the ratio of registrations per second to GETs per second.
Both use the same client (httpx on asyncio, in this process), so the ratio compares the two
requests, not two load generators. The client runs pinned to core 1 and a one-worker server to
core 0 when `taskset` and two cores are there; the four PostgreSQL workers are not pinned.

The rate limits of public registration are raised for the run (the rush comes from one
address); everything else is as in production.

A measuring script, not a test: no thresholds.

    python bench/registration.py                       # both databases, about a minute
    python bench/registration.py --only sqlite --requests 400
    EVENTAPP_BENCH_POSTGRES_URL=postgresql://USER@HOST:5432/DB python bench/registration.py

PostgreSQL defaults to postgresql://postgres@127.0.0.1:5432/test and uses a schema of its own
(`bench_registration`, dropped and made again); without a server it is reported as skipped.
The export figures (10,000 registrations as XLSX) come from bench/registration_export.py.
"""

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serve_figures import HOST, BenchError, Server, free_port

SLUG = "bench-registration"
SCHEMA = "bench_registration"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
SECRET = "bench-secret-" + "x" * 40


def database_url(backend: str, tmp: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'eventapp.sqlite3'}"
    base = sa.make_url(os.environ.get("EVENTAPP_BENCH_POSTGRES_URL", DEFAULT_POSTGRES))
    base = base.set(drivername="postgresql+psycopg")
    engine = sa.create_engine(base, connect_args={"connect_timeout": 3})
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        connection.execute(sa.text(f'CREATE SCHEMA "{SCHEMA}"'))
    engine.dispose()
    url = base.update_query_dict({"options": f"-csearch_path={SCHEMA}"})
    return url.render_as_string(hide_password=False)


def server_env(url: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVENTAPP_")}
    env.update(
        EVENTAPP_DATABASE_URL=url,
        EVENTAPP_DATA_DIR=str(data_dir),
        EVENTAPP_SECRET_KEY=SECRET,
        EVENTAPP_BASE_URL=f"http://{HOST}",
        EVENTAPP_REGISTRATION_LIMIT_PER_IP="1000000",
        EVENTAPP_REGISTRATION_LIMIT_PER_EMAIL="1000000",
    )
    return env


def build_event(env: dict[str, str], capacity: int) -> None:
    """Migrate the database and add the event with its registration open (in this process)."""
    os.environ.update(env)
    from eventapp import db
    from eventapp.config import get_settings
    from eventapp.models import Event, EventStatus, RegistrationSettings, Team

    get_settings.cache_clear()
    db.reset_engine()
    db.upgrade(env["EVENTAPP_DATABASE_URL"])
    starts = datetime.now(UTC) + timedelta(days=30)
    with db.transaction() as session:
        team = Team(name="Benchmark organisers")
        session.add(team)
        session.flush()
        event = Event(
            team_id=team.id,
            slug=SLUG,
            title="Benchmark Forum on Digital Cooperation",
            starts_at=starts,
            ends_at=starts + timedelta(hours=8),
            timezone="Asia/Bangkok",
            languages="en,th",
            status=EventStatus.PUBLISHED,
        )
        session.add(event)
        session.flush()
        session.add(
            RegistrationSettings(
                event_id=event.id, is_enabled=True, capacity=capacity, has_waitlist=True
            )
        )
    db.reset_engine()


def count_statuses(env: dict[str, str]) -> dict[str, int]:
    engine = sa.create_engine(env["EVENTAPP_DATABASE_URL"])
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT status, count(*) FROM registration GROUP BY status")
        ).all()
    engine.dispose()
    return dict(rows)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def _load(base: str, clients: int, requests: int, make_request) -> dict:
    """`requests` calls of `make_request(client, n, context)` shared among `clients` concurrent
    clients; returns the rate, latencies and errors."""
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    pool = [httpx.AsyncClient(base_url=base, timeout=120, limits=limits) for _ in range(clients)]
    contexts = [await make_request.prepare(client) for client in pool]
    next_number = iter(range(requests))
    latencies: list[float] = []
    errors: list[str] = []

    async def work(index: int) -> None:
        for n in next_number:
            started = time.perf_counter()
            try:
                response = await make_request(pool[index], n, contexts[index])
                if response.status_code != make_request.expected:
                    errors.append(f"{response.status_code}")
            except httpx.HTTPError as exc:
                errors.append(type(exc).__name__)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(work(i) for i in range(clients)))
    elapsed = time.perf_counter() - started
    for client in pool:
        await client.aclose()
    return {
        "rate": requests / elapsed,
        "seconds": elapsed,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
    }


class GetEventPage:
    expected = 200

    async def prepare(self, client: httpx.AsyncClient) -> None:
        return None

    async def __call__(self, client: httpx.AsyncClient, n: int, context: None) -> httpx.Response:
        return await client.get(f"/events/{SLUG}")


class Register:
    expected = 303

    async def prepare(self, client: httpx.AsyncClient) -> str:
        from bs4 import BeautifulSoup

        response = await client.get(f"/events/{SLUG}/register")
        field = BeautifulSoup(response.text, "html.parser").select_one("input[name=csrf_token]")
        if field is None:
            raise BenchError(f"no registration form ({response.status_code})")
        return field["value"]

    async def __call__(self, client: httpx.AsyncClient, n: int, token: str) -> httpx.Response:
        return await client.post(
            f"/events/{SLUG}/register",
            data={
                "csrf_token": token,
                "given_name": f"Attendee{n}",
                "family_name": "Benchmark",
                "email": f"attendee{n}@bench.example.org",
                "organisation": "Ministry of Benchmarks",
                "privacy": "accept",
            },
        )


def run_backend(backend: str, args, tmp: Path) -> dict:
    workers = 1 if backend == "sqlite" else 4
    data_dir = tmp / backend
    data_dir.mkdir()
    try:
        url = database_url(backend, data_dir)
    except sa.exc.OperationalError as exc:
        return {"backend": backend, "skipped": f"no PostgreSQL: {exc.orig}"}
    env = server_env(url, data_dir)
    build_event(env, args.capacity)
    two_cores = shutil.which("taskset") is not None and {0, 1} <= os.sched_getaffinity(0)
    pin_server = two_cores and workers == 1
    port = free_port()
    server = Server(
        name=f"eventapp-{backend}",
        argv=[
            *(["taskset", "-c", "0"] if pin_server else []),
            sys.executable,
            "-m",
            "eventapp",
            "serve",
            "--host",
            HOST,
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        log_path=tmp / f"{backend}.log",
        port=port,
    )
    server.start()
    try:
        server.wait_ready()
        base = f"http://{HOST}:{port}"
        asyncio.run(_load(base, args.clients, min(200, args.requests), GetEventPage()))  # warm
        reference = asyncio.run(_load(base, args.clients, args.requests, GetEventPage()))
        rush = asyncio.run(_load(base, args.clients, args.requests, Register()))
    finally:
        server.stop()
    statuses = count_statuses(env)
    return {
        "backend": backend,
        "workers": workers,
        "server_pinned": pin_server,
        "get_event_page": reference,
        "registrations": rush,
        "confirmed": statuses.get("confirmed", 0),
        "waitlisted": statuses.get("waitlisted", 0),
        "ratio": rush["rate"] / reference["rate"],
    }


def print_report(results: list[dict], args) -> None:
    print(
        f"Registration rush: {args.requests} registrations from {args.clients} concurrent "
        f"clients, capacity {args.capacity} (waiting list on)"
    )
    for row in results:
        if "skipped" in row:
            print(f"\n{row['backend']}: skipped ({row['skipped']})")
            continue
        rush, reference = row["registrations"], row["get_event_page"]
        print(
            f"\n{row['backend']}, {row['workers']} worker(s)"
            f"{', server pinned to core 0' if row['server_pinned'] else ''}"
        )
        print(
            f"  registrations/s   {rush['rate']:8.1f}   (p50 {rush['p50_ms']:.0f} ms, "
            f"p99 {rush['p99_ms']:.0f} ms)"
        )
        print(
            f"  GET event page/s  {reference['rate']:8.1f}   (p50 {reference['p50_ms']:.0f} ms, "
            f"p99 {reference['p99_ms']:.0f} ms)"
        )
        print(f"  ratio             {row['ratio']:8.3f}   registrations/s over GETs/s")
        print(f"  confirmed         {row['confirmed']:8d}   (must be {args.capacity})")
        print(f"  waiting list      {row['waitlisted']:8d}")
        print(f"  errors            {rush['errors']:8d}   {' '.join(rush['error_kinds'])}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--capacity", type=int, default=500)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if shutil.which("taskset") is not None and {0, 1} <= os.sched_getaffinity(0):
        os.sched_setaffinity(0, {1})  # the load generator on core 1
    backends = [args.only] if args.only else ["sqlite", "postgresql"]
    with tempfile.TemporaryDirectory(prefix="bench-registration-") as name:
        results = [run_backend(backend, args, Path(name)) for backend in backends]
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_report(results, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
