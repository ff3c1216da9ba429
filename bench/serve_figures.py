"""Print eventapp's serving figures, each beside a bare Starlette reference from the same run.

1. Start-up time of `eventapp serve` to the first 200 on /healthz (median of --starts).
2. Resident memory (VmRSS, children included) of one idle worker after a few requests.
3. Requests per second of the demo event page, and of /healthz, measured with wrk pinned to
   core 1 while the server is pinned to core 0, against a bare Starlette app (bench/bare_app.py)
   serving the same bytes under uvicorn with the same settings; targets alternate each round
   and medians are reported.

A measuring script, not a test: it has no thresholds. Needs wrk (Debian: apt-get install -y wrk).

    python bench/serve_figures.py                  # full run (about 3 minutes)
    python bench/serve_figures.py --duration 2 --rounds 1 --starts 2 --json
"""

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path

HOST = "127.0.0.1"
SLUG = "eu-thailand-online-scams-2025"
EVENT_PATH = f"/events/{SLUG}"
HEALTH_PATH = "/healthz"
BARE_APP = Path(__file__).resolve().parent / "bare_app.py"
POLL_INTERVAL = 0.010
START_TIMEOUT = 60.0
FEW_REQUESTS = 10  # of each path, before the idle RSS reading
SETTLE = 0.5  # seconds of idleness before the RSS reading


class BenchError(Exception):
    pass


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    port: int = 0
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    _log: object = field(default=None, repr=False)

    def start(self) -> None:
        self._log = self.log_path.open("ab")
        self.started_at = time.perf_counter()
        self.proc = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=self.log_path.parent,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stop() reaches every child
        )

    def wait_ready(self) -> float:
        """Poll /healthz every 10 ms; return seconds from spawn to the first 200."""
        deadline = self.started_at + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.name} exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                status, _, _ = http_get(self.port, HEALTH_PATH, timeout=1.0)
            except OSError:
                status = 0
            if status == 200:
                return time.perf_counter() - self.started_at
            if time.perf_counter() > deadline:
                raise BenchError(f"{self.name} not ready after {START_TIMEOUT} s:\n{self.tail()}")
            time.sleep(POLL_INTERVAL)

    def tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
                try:
                    os.killpg(proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    proc.wait(timeout=wait)
                    # the leader is gone; make sure nothing else in its group lingers
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    break
                except subprocess.TimeoutExpired:
                    continue
                break
        if self._log is not None:
            self._log.close()
            self._log = None


def http_get(port: int, path: str, timeout: float = 10.0) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def process_tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return pids


def rss_kib(pid: int) -> tuple[int, int]:
    """VmRSS of pid and all its descendants, in KiB; and how many processes that is."""
    total, count = 0, 0
    for p in process_tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
                    count += 1
        except OSError:
            continue
    return total, count


# --------------------------------------------------------------------------- wrk


@dataclass
class WrkResult:
    rps: float
    requests: int
    non_2xx: int
    socket_errors: int
    latency_avg: str


def run_wrk(prefix: list[str], args, port: int, path: str, seconds: float) -> WrkResult:
    cmd = [
        *prefix,
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds:g}s",
        f"http://{HOST}:{port}{path}",
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=False)
    if out.returncode != 0:
        raise BenchError(f"{' '.join(cmd)} failed:\n{out.stdout}{out.stderr}")
    text = out.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    total = re.search(r"(\d+) requests in", text)
    if not rps or not total:
        raise BenchError(f"cannot read wrk output:\n{text}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    latency = re.search(r"Latency\s+(\S+)", text)
    return WrkResult(
        rps=float(rps.group(1)),
        requests=int(total.group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(g) for g in errors.groups()) if errors else 0,
        latency_avg=latency.group(1) if latency else "?",
    )


# --------------------------------------------------------------------------- the run


def clean_env(data_dir: Path, body_file: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVENTAPP_")}
    env["EVENTAPP_DATA_DIR"] = str(data_dir)  # SQLite in the temp dir, nothing else inherited
    env["BENCH_BODY_FILE"] = str(body_file)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def run(args) -> dict:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise BenchError(
            "wrk is not installed. On Debian/Ubuntu: sudo apt-get install -y wrk "
            "(as root: apt-get update && apt-get install -y wrk), then run this again."
        )
    affinity = os.sched_getaffinity(0)
    pinned = shutil.which("taskset") is not None and {0, 1} <= affinity
    server_prefix = ["taskset", "-c", "0"] if pinned else []
    load_prefix = ["taskset", "-c", "1"] if pinned else []
    notes: list[str] = []
    if not pinned:
        notes.append(
            "not pinned: needs taskset (util-linux) and cores 0 and 1; server and wrk share CPUs"
        )

    servers: list[Server] = []
    tmp = Path(tempfile.mkdtemp(prefix="eventapp-bench-"))
    try:
        data_dir, body_file = tmp / "data", tmp / "event-page.html"
        env = clean_env(data_dir, body_file)
        demo = subprocess.run(
            [sys.executable, "-m", "eventapp", "demo"],
            env=env,
            cwd=tmp,
            capture_output=True,
            text=True,
            check=False,
        )
        if demo.returncode != 0:
            raise BenchError(f"`eventapp demo` failed:\n{demo.stdout}{demo.stderr}")

        def make(name: str) -> Server:
            if name == "eventapp":
                app_argv = [sys.executable, "-m", "eventapp", "serve"]
            else:
                app_argv = [sys.executable, str(BARE_APP)]
            port = free_port()
            server = Server(
                name=name,
                argv=[*server_prefix, *app_argv, "--host", HOST, "--port", str(port)],
                env=env,
                log_path=tmp / f"{name}.log",
                port=port,
            )
            servers.append(server)
            return server

        def started(name: str) -> tuple[Server, float]:
            server = make(name)
            server.start()
            return server, server.wait_ready()

        def stopped(server: Server) -> None:
            server.stop()
            servers.remove(server)

        # Prepare: one unmeasured start of eventapp (compiles bytecode, warms the page cache)
        # fetches the page whose bytes the bare app will serve.
        server, _ = started("eventapp")
        status, headers, body = http_get(server.port, EVENT_PATH)
        if status != 200:
            raise BenchError(f"GET {EVENT_PATH} answered {status}; did `eventapp demo` run?")
        _, _, body_again = http_get(server.port, EVENT_PATH)
        body_file.write_bytes(body)
        stopped(server)
        if body != body_again:
            notes.append(
                "the event page differs between requests (e.g. a per-visitor CSRF token); "
                "the bare app serves one fetched copy"
            )
        if "set-cookie" in headers:
            notes.append("eventapp sets a cookie on the anonymous page; wrk sends none back")
        server, _ = started("bare")  # unmeasured warm start of the reference too
        stopped(server)

        # 1 and 2: start-up time and idle RSS, alternating which app goes first.
        startup: dict[str, list[float]] = {"eventapp": [], "bare": []}
        idle_rss: dict[str, list[int]] = {"eventapp": [], "bare": []}
        procs_counted: dict[str, int] = {}
        for i in range(args.starts):
            for name in ("eventapp", "bare") if i % 2 == 0 else ("bare", "eventapp"):
                server, seconds = started(name)
                startup[name].append(seconds)
                for _ in range(FEW_REQUESTS):
                    for path in (EVENT_PATH, HEALTH_PATH):
                        status, _, _ = http_get(server.port, path)
                        if status != 200:
                            raise BenchError(f"{name} answered {status} to {path}")
                time.sleep(SETTLE)
                kib, count = rss_kib(server.proc.pid)
                idle_rss[name].append(kib)
                procs_counted[name] = count
                stopped(server)

        # 3: requests per second, both servers up, targets alternating every round.
        app, _ = started("eventapp")
        bare, _ = started("bare")
        _, _, bare_body = http_get(bare.port, EVENT_PATH)
        if bare_body != body:
            raise BenchError("the bare app does not serve the fetched bytes")
        targets = [
            ("event", app, EVENT_PATH),
            ("event", bare, EVENT_PATH),
            ("healthz", app, HEALTH_PATH),
            ("healthz", bare, HEALTH_PATH),
        ]
        for _, server, path in targets:  # warm-up, not counted
            run_wrk(load_prefix, args, server.port, path, args.warmup)
        rps: dict[tuple[str, str], list[WrkResult]] = {}
        load_before = os.getloadavg()
        for r in range(args.rounds):
            order = targets if r % 2 == 0 else [targets[i] for i in (1, 0, 3, 2)]
            for row, server, path in order:
                result = run_wrk(load_prefix, args, server.port, path, args.duration)
                rps.setdefault((row, server.name), []).append(result)
        load_after = os.getloadavg()
        time.sleep(SETTLE)
        rss_after_load = {s.name: rss_kib(s.proc.pid)[0] for s in (app, bare)}
    finally:
        for server in list(servers):
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    def rps_row(row: str, path: str) -> dict:
        out: dict = {"path": path}
        for name in ("eventapp", "bare"):
            results = rps[(row, name)]
            out[name] = {
                "median_rps": statistics.median(r.rps for r in results),
                "rounds_rps": [r.rps for r in results],
                "non_2xx": sum(r.non_2xx for r in results),
                "socket_errors": sum(r.socket_errors for r in results),
                "latency_avg": [r.latency_avg for r in results],
            }
        out["ratio"] = ratio(out["eventapp"]["median_rps"], out["bare"]["median_rps"])
        out["rounds_ratio"] = [
            ratio(a, b)
            for a, b in zip(out["eventapp"]["rounds_rps"], out["bare"]["rounds_rps"], strict=True)
        ]
        return out

    for row in ("event", "healthz"):
        for name in ("eventapp", "bare"):
            bad = sum(r.non_2xx + r.socket_errors for r in rps[(row, name)])
            if bad:
                notes.append(f"{name} {row}: {bad} non-2xx answers or socket errors under load")

    med = statistics.median
    return {
        "environment": {
            "python": platform.python_version(),
            "uvicorn": metadata.version("uvicorn"),
            "starlette": metadata.version("starlette"),
            "fastapi": metadata.version("fastapi"),
            "loop": "uvloop" if find_spec("uvloop") else "asyncio",
            "http": "httptools" if find_spec("httptools") else "h11",
            "cpus": sorted(affinity),
            "pinned": pinned,
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in load_after],
            "page_bytes": len(body),
        },
        "settings": {
            "starts": args.starts,
            "rounds": args.rounds,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "threads": args.threads,
            "connections": args.connections,
            "wrk": f"{' '.join(load_prefix)} wrk -t{args.threads} -c{args.connections} "
            f"-d{args.duration:g}s".strip(),
        },
        "startup_s": {
            "eventapp": med(startup["eventapp"]),
            "bare": med(startup["bare"]),
            "ratio": ratio(med(startup["eventapp"]), med(startup["bare"])),
            "all": startup,
        },
        "idle_rss_kib": {
            "eventapp": med(idle_rss["eventapp"]),
            "bare": med(idle_rss["bare"]),
            "ratio": ratio(med(idle_rss["eventapp"]), med(idle_rss["bare"])),
            "processes": procs_counted,
            "all": idle_rss,
        },
        "rps": {"event": rps_row("event", EVENT_PATH), "healthz": rps_row("healthz", HEALTH_PATH)},
        "rss_after_load_kib": rss_after_load,
        "notes": notes,
    }


# --------------------------------------------------------------------------- output


def fmt_ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3g}"


def print_report(fig: dict) -> None:
    env, st = fig["environment"], fig["settings"]
    print("eventapp serving figures (each beside a bare Starlette reference, same run)")
    print(
        f"  python {env['python']}, uvicorn {env['uvicorn']} ({env['loop']}, {env['http']}), "
        f"starlette {env['starlette']}, fastapi {env['fastapi']}; one worker each"
    )
    pin = "server on core 0, wrk on core 1" if env["pinned"] else "NOT pinned"
    print(f"  cpus {env['cpus']}, {pin}; load average before/after rps: ", end="")
    print(f"{env['loadavg_before'][0]} / {env['loadavg_after'][0]}")
    print()
    s = fig["startup_s"]
    print(f"1. Start-up to first 200 on /healthz (median of {st['starts']} starts)")
    print(f"   eventapp serve   {s['eventapp']:8.3f} s")
    print(f"   bare Starlette   {s['bare']:8.3f} s")
    print(f"   ratio            {fmt_ratio(s['ratio']):>8}  (eventapp / bare)")
    print()
    m = fig["idle_rss_kib"]
    procs = m["processes"]
    print(f"2. Idle worker RSS after {2 * FEW_REQUESTS} requests (median of {st['starts']})")
    print(f"   eventapp serve   {m['eventapp'] / 1024:8.1f} MiB  ({procs['eventapp']} process)")
    print(f"   bare Starlette   {m['bare'] / 1024:8.1f} MiB  ({procs['bare']} process)")
    print(f"   ratio            {fmt_ratio(m['ratio']):>8}  (eventapp / bare)")
    print()
    print(
        f"3. Requests per second: `{st['wrk']} URL`, {st['rounds']} alternating round(s) "
        f"after a {st['warmup_s']:g} s warm-up; medians"
    )
    print(f"   {'path':<48} {'eventapp':>10} {'bare':>10} {'ratio':>8}   per-round ratios")
    for row in fig["rps"].values():
        path = row["path"]
        if path == EVENT_PATH:
            path += f" ({env['page_bytes']} B)"
        rounds = ", ".join(fmt_ratio(x) for x in row["rounds_ratio"])
        print(
            f"   {path:<48} {row['eventapp']['median_rps']:>10.1f} "
            f"{row['bare']['median_rps']:>10.1f} {fmt_ratio(row['ratio']):>8}   {rounds}"
        )
    after = fig["rss_after_load_kib"]
    print(
        f"   (RSS after the load: eventapp {after['eventapp'] / 1024:.1f} MiB, "
        f"bare {after['bare'] / 1024:.1f} MiB)"
    )
    for note in fig["notes"]:
        print(f"   note: {note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Start-up time, idle memory and requests/s of `eventapp serve`, "
        "each beside a bare Starlette app measured in the same run."
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating wrk rounds")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of wrk warm-up")
    parser.add_argument("--starts", type=int, default=5, help="starts for figures 1 and 2")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a report")
    args = parser.parse_args(argv)
    if min(args.duration, args.warmup) <= 0 or min(args.rounds, args.starts) < 1:
        parser.error("durations must be positive and counts at least 1")
    if args.connections < args.threads:
        parser.error("--connections must be at least --threads")

    # Turn SIGTERM into SystemExit, and make sure SIGINT raises KeyboardInterrupt even when
    # started in the background, so the finally block stops servers and removes temp dirs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        figures = run(args)
    except BenchError as exc:
        print(f"serve_figures: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("serve_figures: interrupted; servers stopped, temp files removed", file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print_report(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
