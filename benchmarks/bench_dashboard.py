"""BENCH dashboard: response time of the regional dashboard (``/inzicht/``) at 100,000 signals.

Reuses the node database of ``bench_ui_latency.py`` (built once with ``zicht
generate_demo_data`` and cached under ``var/bench/ui-latency-<key>/``; built here when
missing), works on a copy, serves it with gunicorn (2 workers x 4 threads, loopback only)
and logs in the demo analyst once per client.

Two phases:

1. cold: every filter combination of the mix is requested once, one after another, right
   after the start: the figures are computed from the register (the cost after a new signal
   arrives, since the cache is keyed on the register version);
2. warm: concurrent clients request the mix (at most ``REQUESTS`` requests or ``SECONDS``
   seconds) and p50/p95 are measured.

Prints per phase and, last, ``BENCH dashboard: p95_ms=… cold_max_ms=… signals=…`` where
p95_ms is the warm p95 (goal ≤ 300 ms).

Knobs: ``SIGNALS`` (default 100000), ``CLIENTS`` (8), ``REQUESTS`` (400), ``SECONDS`` (30),
``BENCH_PORT`` (18200), ``BENCH_KEEP`` (set: keep the copy), ``BENCH_DB`` (use this
``var/bench/ui-latency-*`` directory instead of the one matching the current code).
"""

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_ui_latency as ui

GOAL_MS = 300.0

# The views an analyst shares: everything, per form, per municipality, both, a period.
VIEWS = (
    "",
    "vorm=arbeid",
    "vorm=seksueel",
    "gemeente=GM0344",
    "vorm=arbeid&gemeente=GM0344",
    "vorm=arbeid&gemeente=GM0307",
    "van=2025-01-01&tot=2025-12-31",
    "sector=landbouw-tuinbouw&van=2025-01-01",
)


def _path(query: str) -> str:
    return "/inzicht/" + (f"?{query}" if query else "")


def main() -> int:
    signals = int(os.environ.get("SIGNALS", "100000"))
    n_clients = int(os.environ.get("CLIENTS", "8"))
    requests = int(os.environ.get("REQUESTS", "400"))
    seconds = float(os.environ.get("SECONDS", "30"))
    port = int(os.environ.get("BENCH_PORT", "18200"))
    cache = ui.ROOT / "var" / "bench" / f"ui-latency-{ui.cache_key(signals)}"
    if os.environ.get("BENCH_DB"):
        # An existing ui-latency directory, e.g. built before a change of the code that
        # shapes the database: the copy is migrated below.
        cache = Path(os.environ["BENCH_DB"]).resolve()
    if not (cache / ui.INSTANCE / "db.sqlite3").exists():
        print(f"bench_dashboard: building a {signals}-signal node database in {cache}", flush=True)
        try:
            ui.build(cache, signals)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            print(f"bench_dashboard: build failed: {exc}", file=sys.stderr)
            return 1
    else:
        print(f"bench_dashboard: reusing {cache}", flush=True)

    work = Path(tempfile.mkdtemp(prefix="zicht-bench-dashboard-"))
    server: subprocess.Popen[bytes] | None = None
    try:
        ui.copy_database(cache, work)
        env = ui.node_env(work)
        # A cache built before an app's migrations existed gets them here (cheap).
        subprocess.run(
            [sys.executable, "-m", "zicht.manage", "migrate", "--noinput"],
            env=env, stdout=subprocess.DEVNULL, check=True, timeout=600,
        )  # fmt: skip
        db = sqlite3.connect(work / ui.INSTANCE / "db.sqlite3")
        (counted,) = db.execute("SELECT count(*) FROM register_signal").fetchone()
        db.close()
        with (work / "server.log").open("wb") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "zicht.wsgi:application",
                 "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4",
                 "--timeout", "120"],
                env=env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        ui.wait_healthy(port, server)
        clients = [ui.Client(port) for _ in range(n_clients)]
        for client in clients:
            client.login("analist", ui.DEMO_PASSWORD)

        cold: list[float] = []
        for query in VIEWS:
            started = time.perf_counter()
            status, body = clients[0].request("GET", _path(query))
            elapsed = (time.perf_counter() - started) * 1000
            if status != 200 or b"<svg" not in body:
                print(f"bench_dashboard: {_path(query)} answered {status}", file=sys.stderr)
                return 1
            cold.append(elapsed)
            print(f"  cold {_path(query):<48} {elapsed:8.1f} ms", flush=True)

        endpoint = ui.Endpoint("dashboard", lambda rng: ("GET", _path(rng.choice(VIEWS)), None, {}))
        latencies, errors = ui.measure(clients, endpoint, requests=requests, seconds=seconds)
        if errors or not latencies:
            print(f"bench_dashboard: {errors} non-200 responses", file=sys.stderr)
            return 1
        p50, p95 = ui.percentile(latencies, 50), ui.percentile(latencies, 95)
        flag = "" if p95 <= GOAL_MS else f"  (goal {GOAL_MS:.0f} ms)"
        print(
            f"  warm dashboard n={len(latencies)} p50_ms={p50:.1f} p95_ms={p95:.1f} "
            f"max_ms={max(latencies):.1f}{flag}",
            flush=True,
        )
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"bench_dashboard: {exc}", file=sys.stderr)
        log_path = work / "server.log"
        if log_path.exists():
            print(log_path.read_text(errors="replace")[-3000:], file=sys.stderr)
        return 1
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
    print(
        f"BENCH dashboard: p95_ms={p95:.1f} p50_ms={p50:.1f} cold_max_ms={max(cold):.1f} "
        f"clients={n_clients} signals={counted} requests={len(latencies)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
