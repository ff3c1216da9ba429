"""Print the outcome report's speed figures, each beside a reference measured in the same run.

Builds a large event in a temporary SQLite database (2 days, 2 rooms, 40 substantive items,
released; 120 people on line-ups of two to four; a foreword and conclusions), and for every item
a rapporteur's note written, submitted, approved and published through eventapp.notes: three
paragraphs of Markdown summary, four key points, three recommendations, two action items. Then,
through the whole app in-process (fastapi's TestClient, no server), reports (issue 6):

1. the median (and minimum) milliseconds of the public report page (`/events/{slug}/report`),
   its Markdown (`report.md`) and the summaries page (`summaries`), each beside the agenda page
   of the same event rendered uncached (the public cache bypassed by a query string it passes
   by) timed in the same loop, with the ratio; the report's addresses are rendered uncached
   the same way (the public cache serves them to visitors like the agenda's);
2. the same for the report's PDF (`report.pdf`, WeasyPrint: a title page, contents and the
   summaries, dozens of pages) beside the agenda's PDF (`agenda.pdf`, its days and line-ups,
   uncached the same way), in a loop of their own, with each PDF's page count (pypdf);
3. the SQL statements each of those requests runs with 10 published summaries and with 40
   (they should be the same: the report reads its summaries in one query);
4. /healthz answered in the pages' loop, as a yardstick for the app's own overhead.

Each sample times every target of its loop once, in turn, so noise on a shared machine hits
them all. A measuring script, not a test: no thresholds.

    python bench/report.py                                 # about a minute and a half
    python bench/report.py --samples 3 --pdf-samples 1     # quick check
    python bench/report.py --json
"""

import argparse
import io
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SLUG = "bench-report"
DAYS, ROOMS, ITEMS, PEOPLE = 2, 2, 40, 120
FEWER = 10  # summaries published when the queries are first counted
PAGES = {  # label: path, each timed --samples times
    "report page": f"/events/{SLUG}/report?bench=uncached",
    "report.md": f"/events/{SLUG}/report.md?bench=uncached",
    "summaries page": f"/events/{SLUG}/summaries?bench=uncached",
    "agenda page uncached": f"/events/{SLUG}/agenda?bench=uncached",  # the cache passes it by
    "healthz": "/healthz",
}
PDFS = {  # timed --pdf-samples times
    "report.pdf": f"/events/{SLUG}/report.pdf?bench=uncached",
    "agenda.pdf uncached": f"/events/{SLUG}/agenda.pdf?bench=uncached",
}
RATIOS = (  # (target, its reference)
    ("report page", "agenda page uncached"),
    ("report.md", "agenda page uncached"),
    ("summaries page", "agenda page uncached"),
    ("report.pdf", "agenda.pdf uncached"),
)


class BenchError(Exception):
    pass


def build_event(data_dir: Path) -> dict:
    """The event, released, with its notes written and approved (none published yet); returns
    what publishing them needs."""
    for name in [name for name in os.environ if name.startswith("EVENTAPP_")]:
        del os.environ[name]  # SQLite in the temp dir, nothing inherited
    data_dir.mkdir(parents=True)
    os.environ["EVENTAPP_DATA_DIR"] = str(data_dir)
    from eventapp import agenda, db
    from eventapp.config import get_settings
    from eventapp.models import Event, EventStatus, ItemKind, Team, User

    db.upgrade(get_settings().resolved_database_url())
    kinds = [k for k in ItemKind if k not in agenda.PAUSE_KINDS and k != ItemKind.OTHER]
    with db.transaction() as session:
        actor = User(email="bench@example.org", password_hash="!")  # noqa: S106  (no login)
        session.add(actor)
        team = Team(name="Benchmark organisers")
        session.add(team)
        session.flush()
        first = datetime(2030, 3, 4, 1, 0, tzinfo=UTC)  # 08:00 in Bangkok
        event = Event(
            team_id=team.id,
            slug=SLUG,
            title="Benchmark Forum on Digital Cooperation",
            starts_at=first,
            ends_at=first + timedelta(days=DAYS - 1, hours=10),
            timezone="Asia/Bangkok",
            languages="en,th",
            status=EventStatus.PUBLISHED,
            report_foreword=_paragraphs("The forum met to take stock", 2),
            report_conclusions=_paragraphs("The co-hosts conclude", 2),
        )
        session.add(event)
        session.flush()
        rooms = [
            agenda.add_room(session, event, actor=actor, name=f"Room {n + 1}") for n in range(ROOMS)
        ]
        per_day = ITEMS // DAYS
        items = []
        for day in range(DAYS):
            for n in range(per_day):
                begins = first + timedelta(days=day, minutes=40 * (n // ROOMS))
                details = agenda.ItemDetails(
                    kind=kinds[n % len(kinds)],
                    starts_at=begins,
                    ends_at=begins + timedelta(minutes=35),
                    room_id=rooms[n % ROOMS].id,
                    titles={
                        "en": f"Session {day + 1}.{n + 1}: cooperation against online scams",
                        "th": f"ช่วงที่ {day + 1}.{n + 1}: ความร่วมมือต่อต้านการหลอกลวงออนไลน์",
                    },
                    descriptions={"en": "A *panel* on policy and practice.\n\n- one\n- two"},
                )
                items.append(agenda.add_item(session, event, actor=actor, details=details))
        agenda.release(session, event, actor=actor, comment="Benchmark programme")
        _line_ups(session, event, actor, items)
        note_ids = [_approved_note(session, event, item, actor, n) for n, item in enumerate(items)]
        return {"event_id": event.id, "actor_id": actor.id, "note_ids": note_ids}


def _paragraphs(opening: str, count: int) -> str:
    sentence = (
        "{opening} on cross-border cooperation against online scams, with **law enforcement**,"
        " regulators and platforms comparing what worked in {n} jurisdictions and where"
        " [mutual legal assistance](https://example.org/mla) still takes months."
    )
    return "\n\n".join(
        " ".join([sentence.format(opening=opening, n=n + 3)] * 3) for n in range(count)
    )


def _line_ups(session, event, actor, items) -> None:
    """Each item's line-up: two to four of the PEOPLE (moderator, panellists, discussant),
    confirmed."""
    from eventapp import people
    from eventapp.models import AppearanceRole, AppearanceStatus

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
                organisation=f"Organisation {n % 20}",
                email=f"person{n}@bench.example.org",
            ),
        )
        for n in range(PEOPLE)
    ]
    roles = (AppearanceRole.MODERATOR, AppearanceRole.PANELLIST, AppearanceRole.PANELLIST,
             AppearanceRole.DISCUSSANT)  # fmt: skip
    for n, item in enumerate(items):
        for k in range(2 + n % 3):
            people.add_appearance(
                session, event, item, book[(n * 3 + k) % PEOPLE], actor=actor, role=roles[k],
                status=AppearanceStatus.CONFIRMED,
            )  # fmt: skip


def _approved_note(session, event, item, actor, n: int) -> int:
    """The item's note through the rules: saved, submitted, approved (published later)."""
    from eventapp import notes

    note = notes.note_for(session, event, item)
    sections = {
        "summary": _paragraphs(f"Session {n + 1} opened", 3),
        "key_points": "\n".join(
            f"- Point {k + 1}: victims report *late*, and funds move within hours."
            for k in range(4)
        ),
        "recommendations": "\n".join(
            f"- Recommendation {k + 1}: share **indicators** between banks and platforms."
            for k in range(3)
        ),
        "quotes": "",
    }
    action_items = [
        {"what": f"Draft a referral template (session {n + 1})", "who": "Secretariat",
         "by": "2030-04-01"},
        {"what": "Convene the working group on platform takedowns", "who": "Co-hosts",
         "by": "2030-05-15"},
    ]  # fmt: skip
    notes.save(
        session, event, note, actor=actor, sections=sections, action_items=action_items,
        expected_version=note.version,
    )  # fmt: skip
    notes.submit(session, event, note, actor=actor)
    notes.approve(session, event, note, actor=actor)
    return note.id


def publish(setup: dict, note_ids: list[int]) -> None:
    from eventapp import db, notes
    from eventapp.models import Event, Note, User

    with db.transaction() as session:
        event = session.get(Event, setup["event_id"])
        actor = session.get(User, setup["actor_id"])
        for note_id in note_ids:
            notes.publish(session, event, session.get(Note, note_id), actor=actor)


@contextmanager
def counted_statements():
    """Every SQL statement the app's engine runs inside the block (as tests/conftest.py
    count_queries)."""
    import sqlalchemy as sa

    from eventapp.db import get_engine

    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = get_engine()
    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


def _get(client, path: str):
    response = client.get(path)
    if response.status_code != 200:
        raise BenchError(f"GET {path} answered {response.status_code}")
    return response


def query_counts(client) -> dict[str, int]:
    """SQL statements per request of every page and PDF."""
    counts = {}
    for label, path in (PAGES | PDFS).items():
        with counted_statements() as statements:
            _get(client, path)
        counts[label] = len(statements)
    return counts


def timings(client, paths: dict[str, str], samples: int, bodies: dict[str, bytes]) -> dict:
    """Median and minimum milliseconds of each of `paths`, each sample timing every one in
    turn (the query counts came first: every path has been answered once already); the
    last body of each goes in `bodies`."""
    seconds: dict[str, list[float]] = {label: [] for label in paths}
    for _ in range(samples):
        for label, path in paths.items():
            began = time.perf_counter()
            response = _get(client, path)
            seconds[label].append(time.perf_counter() - began)
            bodies[label] = response.content
    return {
        label: {
            "median_ms": statistics.median(values) * 1000,
            "min_ms": min(values) * 1000,
            "bytes": len(bodies[label]),
        }
        for label, values in seconds.items()
    }


def pdf_pages(bodies: dict[str, bytes]) -> dict[str, int | None]:
    """Each PDF's page count (None without pypdf, the test extra)."""
    try:
        import pypdf
    except ImportError:
        return dict.fromkeys(PDFS)
    return {label: len(pypdf.PdfReader(io.BytesIO(bodies[label])).pages) for label in PDFS}


def measure(args: argparse.Namespace, data_dir: Path) -> dict:
    from fastapi.testclient import TestClient

    from eventapp.app import create_app

    started = time.perf_counter()
    setup = build_event(data_dir)
    built = time.perf_counter() - started
    client = TestClient(create_app())
    publish(setup, setup["note_ids"][:FEWER])
    fewer = query_counts(client)
    publish(setup, setup["note_ids"][FEWER:])
    more = query_counts(client)
    bodies: dict[str, bytes] = {}
    timed = timings(client, PAGES, args.samples, bodies)
    timed |= timings(client, PDFS, args.pdf_samples, bodies)
    return {
        "build_seconds": built,
        "queries": {label: {FEWER: fewer[label], ITEMS: more[label]} for label in fewer},
        "timings": timed,
        "pdf_pages": pdf_pages(bodies),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20, help="timed runs of each page")
    parser.add_argument("--pdf-samples", type=int, default=3, help="timed runs of each PDF")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="eventapp-bench-report-"))
    try:
        found = measure(args, tmp / "data")
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    timed = found["timings"]
    report = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}",
        "python": platform.python_version(),
        "event": f"{DAYS} days, {ROOMS} rooms, {ITEMS} items with published notes, "
        f"{PEOPLE} people on their line-ups",
        "samples": args.samples,
        "pdf_samples": args.pdf_samples,
        "build_seconds": round(found["build_seconds"], 1),
        "timings": {
            label: {name: round(value, 2) for name, value in values.items()}
            for label, values in timed.items()
        },
        "ratios": {
            f"{label} / {reference}": round(
                timed[label]["median_ms"] / timed[reference]["median_ms"], 2
            )
            for label, reference in RATIOS
        },
        "queries": found["queries"],
        "pdf_pages": found["pdf_pages"],
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    _print(report)
    return 0


def _print(report: dict) -> None:
    print(f"report benchmark on {report['machine']}; Python {report['python']}")
    print(
        f"  event: {report['event']} (built in {report['build_seconds']} s);"
        f" medians of {report['samples']} samples, {report['pdf_samples']} of each PDF"
    )
    timed, queries = report["timings"], report["queries"]
    print(
        f"  {'':15} {'median ms':>9} {'min ms':>8} {'KB':>5}   {'reference':20} {'median ms':>9}"
        f" {'ratio':>6}   SQL with {FEWER} / {ITEMS} summaries"
    )
    for label, reference in RATIOS:
        mine, theirs = timed[label], timed[reference]
        print(
            f"  {label:15} {mine['median_ms']:9.1f} {mine['min_ms']:8.1f}"
            f" {mine['bytes'] / 1024:5.0f}   {reference:20} {theirs['median_ms']:9.1f}"
            f" {report['ratios'][f'{label} / {reference}']:6.2f}"
            f"   {queries[label][FEWER]:>7} / {queries[label][ITEMS]}"
        )
    pages = report["pdf_pages"]
    print(
        f"  PDF pages: report {pages['report.pdf']}, agenda {pages['agenda.pdf uncached']};"
        f" SQL: agenda page {queries['agenda page uncached'][ITEMS]},"
        f" agenda.pdf {queries['agenda.pdf uncached'][ITEMS]};"
        f" /healthz in-process {timed['healthz']['median_ms']:.2f} ms"
    )


if __name__ == "__main__":
    sys.exit(main())
