"""BENCH ui-latency: response times of the register's busiest pages at 100,000 signals.

Builds a node database (Midden-Nederland) with ``zicht generate_demo_data`` once and keeps it
under ``var/bench/ui-latency-<key>/``, where the key is a hash of the code that shapes the
database (migrations, catalogue and reference data, the register's services and the demo-data
generator) and of the size, so a changed generator or schema builds afresh. Each run copies
that database to a temporary directory, serves the copy with gunicorn (2 workers x 4 threads,
loopback only, ``ZICHT_DEPLOYMENT=demo`` with ``ZICHT_REQUIRE_2FA=false``), logs in the demo
analyst once per client, and lets concurrent clients (threads with http.client) call:

- the signal list, without and with filters (status + form, and a text query);
- entity search (``/register/betrokkenen/?q=…``) on names and identifiers from the database;
- duplicate suggestions: the htmx partial with person + date of birth and with a company
  name (misspelled, as at intake), and ``POST /api/v1/entities/suggestions``.

Each endpoint gets at most ``REQUESTS`` requests or ``SECONDS`` seconds after a short warm-up.
Prints p50/p95 per endpoint and, last, ``BENCH ui-latency: p95_ms=… clients=… signals=…``
where p95_ms is the worst endpoint's p95 (the goal is ≤ 150 ms for every one of them).

Clients send their next request as soon as the last one is answered, with no time to read
the page: four of them keep a 2-core box busy (some 60 requests a second), more load than a
region's analysts clicking every few seconds would make. On the 2-core reference box the
clients share the cores with the server, so more of them measure queueing rather than pages.

``BACKEND=postgresql`` does the same on PostgreSQL, as in production: the server of
``DATABASE_URL`` (when that is a PostgreSQL URL), else the throwaway cluster of
``zicht.devtools.pgcluster`` (started when needed, stopped again if started here). The built
register is kept there as database ``zicht_bench_ui_<key>`` and each run serves a copy
(``CREATE DATABASE … TEMPLATE``).

Knobs: ``SIGNALS`` (default 100000), ``CLIENTS`` (4), ``REQUESTS`` (300 per endpoint),
``SECONDS`` (20 per endpoint), ``BACKEND`` (``sqlite`` or ``postgresql``), ``BENCH_PORT``
(18100), ``BENCH_KEEP`` (set: keep the SQLite copy).
"""

import hashlib
import http.client
import json
import os
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "zicht"
REGION = "midden-nederland"
INSTANCE = f"node-{REGION}"
SEED = 1
DEMO_PASSWORD = "zicht-demo-2026"  # noqa: S105 - the demo login of setup_instance --demo
BUILD_TIMEOUT = 3600
GOAL_MS = 150.0


def cache_key(signals: int) -> str:
    digest = hashlib.sha256(f"ui-latency:{signals}:{SEED}".encode())
    files = sorted(PACKAGE.glob("*/migrations/*.py")) + sorted(PACKAGE.glob("*/data/*"))
    files += sorted((PACKAGE / "register" / "demo_data").glob("*.py"))
    files += [PACKAGE / "register" / name for name in ("services.py", "bulk.py", "schema.py")]
    files += [PACKAGE / "accounts" / "management" / "commands" / "setup_instance.py"]
    for path in files:
        if path.is_file():
            digest.update(str(path.relative_to(PACKAGE)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def node_env(var_dir: Path, database_url: str | None = None) -> dict[str, str]:
    """A node's environment; its database is SQLite under ``var_dir`` unless a URL is given."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ZICHT_SECRET_KEY")}
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(
        DJANGO_SETTINGS_MODULE="zicht.settings",
        ZICHT_DEPLOYMENT="demo",
        ZICHT_ROLE="node",
        ZICHT_REGION=REGION,
        ZICHT_VAR_DIR=str(var_dir),
        ZICHT_SECRET_KEY_FILE=str(var_dir / "secret_key"),
        ZICHT_REQUIRE_2FA="false",
    )
    return env


def build(cache: Path, signals: int, database_url: str | None = None) -> None:
    """Migrate, set up the demo users and generate the register into ``cache``.

    With ``database_url`` the register goes into that (empty) database and ``cache`` keeps
    the secret key and the build log.
    """
    tmp = cache.with_name(cache.name + ".building")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    (tmp / "secret_key").write_text("bench-" + "k" * 60 + "\n")
    env = node_env(tmp, database_url)
    started = time.monotonic()
    with (tmp / "build.log").open("w") as log:
        for args in (
            ["migrate", "--noinput"],
            ["setup_instance", "--demo"],
            ["generate_demo_data", "--signals", str(signals), "--seed", str(SEED)],
        ):
            print(f"bench_ui_latency: zicht {' '.join(args)}", flush=True)
            subprocess.run(
                [sys.executable, "-m", "zicht.manage", *args],
                env=env, stdout=log, stderr=subprocess.STDOUT, check=True,
                timeout=BUILD_TIMEOUT,
            )  # fmt: skip
    print(f"bench_ui_latency: built in {time.monotonic() - started:.0f}s", flush=True)
    shutil.rmtree(cache, ignore_errors=True)
    tmp.rename(cache)


def copy_database(cache: Path, work: Path) -> None:
    """Work on a copy: the server writes sessions and audit entries."""
    (work / INSTANCE).mkdir(parents=True)
    shutil.copy(cache / "secret_key", work / "secret_key")
    source = sqlite3.connect(cache / INSTANCE / "db.sqlite3")
    target = sqlite3.connect(work / INSTANCE / "db.sqlite3")
    with target:
        source.backup(target)
    source.close()
    target.close()


@dataclass
class Samples:
    """Names and identifiers from the database, for realistic queries."""

    persons: list[tuple[str, str, str]] = field(default_factory=list)  # first, last, birth
    companies: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)


def samples(db: Any, rng: random.Random) -> Samples:
    """Samples through a DB-API connection (sqlite3 or psycopg; the SQL suits both)."""

    def rows(sql: str) -> list[Any]:
        cursor = db.cursor()
        cursor.execute(sql)
        return list(cursor.fetchall())

    found = Samples()
    for (props,) in rows(
        "SELECT properties FROM register_entity WHERE kind='person' ORDER BY random() LIMIT 200"
    ):
        p = json.loads(props) if isinstance(props, str) else props  # jsonb arrives decoded
        found.persons.append((p.get("first_names", ""), p.get("last_name", ""), p["birth_date"]))
    found.companies = [
        name
        for (name,) in rows(
            "SELECT label FROM register_entity WHERE kind='company' ORDER BY random() LIMIT 100"
        )
    ]
    found.identifiers = [
        value
        for (value,) in rows(
            "SELECT value FROM register_entityidentifier WHERE scheme IN ('iban','phone','kvk') "
            "ORDER BY random() LIMIT 100"
        )
    ]
    found.words = [last.split()[-1] for _first, last, _born in found.persons if last]
    rng.shuffle(found.words)
    return found


def typo(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(2, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


class Client:
    """One logged-in analyst on one keep-alive connection."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def _cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        all_headers = {"Cookie": self._cookie_header(), **(headers or {})}
        try:
            self.conn.request(method, path, body=body, headers=all_headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            # The server closed the keep-alive connection: reconnect once.
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.conn.request(method, path, body=body, headers=all_headers)
            response = self.conn.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, data

    def csrf(self) -> str:
        return next((v for k, v in self.cookies.items() if k.endswith("_csrf")), "")

    def login(self, username: str, password: str) -> None:
        self.request("GET", "/accounts/login/")
        body = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": self.csrf()}
        ).encode()
        status, _data = self.request(
            "POST",
            "/accounts/login/",
            body,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 302 or not any(k.endswith("_session") for k in self.cookies):
            raise RuntimeError(f"login as {username} failed (HTTP {status})")


@dataclass(frozen=True)
class Endpoint:
    name: str
    # (method, path, body, headers) for the n-th request of a client.
    make: Callable[[random.Random], tuple[str, str, bytes | None, dict[str, str]]]


def endpoints(found: Samples) -> list[Endpoint]:
    def get(path: str) -> tuple[str, str, bytes | None, dict[str, str]]:
        return "GET", path, None, {}

    def page(rng: random.Random) -> str:
        return rng.choice(("", "", "", "&pagina=2", "&pagina=5"))

    def person_suggestion(rng: random.Random) -> tuple[str, str, bytes | None, dict[str, str]]:
        first, last, born = rng.choice(found.persons)
        query = {
            "prefix": "entities-0",
            "entities-0-kind": "person",
            "entities-0-person__first_names": first,
            "entities-0-person__last_name": typo(rng, last),
            "entities-0-person__birth_date": born,
        }
        return get("/register/signalen/dubbelen/?" + urllib.parse.urlencode(query))

    def company_suggestion(rng: random.Random) -> tuple[str, str, bytes | None, dict[str, str]]:
        name = rng.choice(found.companies)
        query = {
            "prefix": "entities-0",
            "entities-0-kind": "company",
            "entities-0-company__name": typo(rng, name),
        }
        return get("/register/signalen/dubbelen/?" + urllib.parse.urlencode(query))

    def api_suggestion(rng: random.Random) -> tuple[str, str, bytes | None, dict[str, str]]:
        if rng.random() < 0.5:
            first, last, born = rng.choice(found.persons)
            payload = {
                "role": "slachtoffer",
                "kind": "person",
                "properties": {"first_names": first, "last_name": last, "birth_date": born},
            }
        else:
            payload = {
                "role": "werkgever",
                "kind": "company",
                "properties": {"name": typo(rng, rng.choice(found.companies))},
            }
        return (
            "POST",
            "/api/v1/entities/suggestions",
            json.dumps(payload).encode(),
            {"Content-Type": "application/json"},
        )

    return [
        Endpoint("signals", lambda rng: get("/register/signalen/?" + page(rng)[1:])),
        Endpoint(
            "signals-filtered",
            lambda rng: get(
                "/register/signalen/?status="
                + rng.choice(("monitoring", "in_weging", "gesloten", "afgewezen"))
                + "&vorm="
                + rng.choice(("arbeid", "seksueel", "crimineel", "benadeling"))
                + page(rng)
            ),
        ),
        Endpoint(
            "signals-search",
            lambda rng: get(
                "/register/signalen/?q="
                + urllib.parse.quote(
                    rng.choice(("Utrecht", "Amersfoort", "Almere", "MN-", "Zeist"))
                )
            ),
        ),
        Endpoint(
            "entity-search",
            lambda rng: get(
                "/register/betrokkenen/?q="
                + urllib.parse.quote(
                    rng.choice(found.words)
                    if rng.random() < 0.6
                    else rng.choice(found.companies).split()[0]
                    if rng.random() < 0.5
                    else rng.choice(found.identifiers)
                )
            ),
        ),
        Endpoint("duplicates-person", person_suggestion),
        Endpoint("duplicates-company", company_suggestion),
        Endpoint("api-suggestions", api_suggestion),
    ]


def measure(
    clients: list[Client], endpoint: Endpoint, *, requests: int, seconds: float
) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    remaining = [requests]
    deadline = time.monotonic() + seconds

    def work(client: Client, number: int) -> None:
        nonlocal errors
        rng = random.Random(f"{endpoint.name}:{number}")
        # Warm-up: templates, caches and connections, not measured.
        for _ in range(3):
            method, path, body, headers = endpoint.make(rng)
            if method == "POST":
                headers = {**headers, "X-CSRFToken": client.csrf()}
            client.request(method, path, body, headers)
        while time.monotonic() < deadline:
            with lock:
                if remaining[0] <= 0:
                    return
                remaining[0] -= 1
            method, path, body, headers = endpoint.make(rng)
            if method == "POST":
                headers = {**headers, "X-CSRFToken": client.csrf()}
            started = time.perf_counter()
            status, _data = client.request(method, path, body, headers)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if status == 200:
                    latencies.append(elapsed)
                else:
                    errors += 1

    threads = [threading.Thread(target=work, args=(client, n)) for n, client in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors


def percentile(values: list[float], p: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def wait_healthy(port: int, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"no 200 from /health on port {port} within {timeout:.0f}s")


def build_or_explain(cache: Path, signals: int, database_url: str | None = None) -> None:
    """:func:`build`, or a RuntimeError with the end of the build log."""
    try:
        build(cache, signals, database_url)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        build_log = cache.with_name(cache.name + ".building") / "build.log"
        tail = build_log.read_text(errors="replace")[-3000:] if build_log.exists() else ""
        raise RuntimeError(f"build failed: {exc}\n{tail}") from exc


def migrate(env: dict[str, str]) -> None:
    # A database built before a later migration still serves: bring the copy up to date.
    subprocess.run(
        [sys.executable, "-m", "zicht.manage", "migrate", "--noinput"],
        env=env, stdout=subprocess.DEVNULL, check=True, timeout=BUILD_TIMEOUT,
    )  # fmt: skip


@contextmanager
def sqlite_copy(signals: int, work: Path) -> Iterator[tuple[dict[str, str], Samples]]:
    """The cached SQLite register copied into ``work``: the server's environment, samples."""
    cache = ROOT / "var" / "bench" / f"ui-latency-{cache_key(signals)}"
    if not (cache / INSTANCE / "db.sqlite3").exists():
        print(f"bench_ui_latency: building a {signals}-signal node database in {cache}", flush=True)
        build_or_explain(cache, signals)
    else:
        print(f"bench_ui_latency: reusing {cache}", flush=True)
    copy_database(cache, work)
    env = node_env(work)
    migrate(env)
    db = sqlite3.connect(work / INSTANCE / "db.sqlite3")
    try:
        found = samples(db, random.Random(SEED))
    finally:
        db.close()
    yield env, found


@contextmanager
def postgres_copy(signals: int, work: Path) -> Iterator[tuple[dict[str, str], Samples]]:
    """The same on PostgreSQL: the register kept as a database, served from a copy of it."""
    import psycopg
    from bench_import import _with_database, postgres_server

    server, started_here = postgres_server()
    if server is None:
        raise RuntimeError("no PostgreSQL server (set DATABASE_URL or install postgresql-15)")
    key = cache_key(signals)
    cached, copy = f"zicht_bench_ui_{key}", f"zicht_bench_ui_work_{os.getpid()}"
    # The directory holds the secret key and marks a complete build: a database without it
    # was left half-built and is made again.
    cache = ROOT / "var" / "bench" / f"ui-latency-pg-{key}"
    maintenance = _with_database(server, "postgres")

    def admin(*statements: str) -> None:
        with psycopg.connect(maintenance, autocommit=True) as connection:
            for statement in statements:
                connection.execute(statement)

    try:
        if not (cache / "secret_key").exists():
            print(f"bench_ui_latency: building a {signals}-signal node database {cached}")
            admin(f'DROP DATABASE IF EXISTS "{cached}" WITH (FORCE)', f'CREATE DATABASE "{cached}"')
            build_or_explain(cache, signals, _with_database(server, cached))
        else:
            print(f"bench_ui_latency: reusing database {cached}", flush=True)
        admin(
            f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)',
            f'CREATE DATABASE "{copy}" TEMPLATE "{cached}"',
        )
        try:
            shutil.copy(cache / "secret_key", work / "secret_key")
            env = node_env(work, _with_database(server, copy))
            migrate(env)
            # The copy has the template's planner statistics: the build ended with ANALYZE.
            with psycopg.connect(_with_database(server, copy)) as db:
                found = samples(db, random.Random(SEED))
            yield env, found
        finally:
            admin(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
    finally:
        if started_here:
            from zicht.devtools import pgcluster

            pgcluster.stop()


def main() -> int:
    signals = int(os.environ.get("SIGNALS", "100000"))
    n_clients = int(os.environ.get("CLIENTS", "4"))
    requests = int(os.environ.get("REQUESTS", "300"))
    seconds = float(os.environ.get("SECONDS", "20"))
    port = int(os.environ.get("BENCH_PORT", "18100"))
    backend = os.environ.get("BACKEND", "sqlite")
    prepare = {"sqlite": sqlite_copy, "postgresql": postgres_copy}.get(backend)
    if prepare is None:
        print(f"bench_ui_latency: BACKEND must be sqlite or postgresql, not {backend!r}")
        return 2

    work = Path(tempfile.mkdtemp(prefix="zicht-bench-ui-"))
    worst: float | None = None
    total = 0
    try:
        with prepare(signals, work) as (env, found):
            with (work / "server.log").open("wb") as log:
                server = subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "zicht.wsgi:application",
                     "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4"],
                    env=env, stdin=subprocess.DEVNULL, stdout=log,
                    stderr=subprocess.STDOUT, start_new_session=True,
                )  # fmt: skip
            try:
                wait_healthy(port, server)
                worst, total = run_clients(port, n_clients, found, requests, seconds)
            finally:
                stop_server(server)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, RuntimeError) as exc:
        print(f"bench_ui_latency: {exc}", file=sys.stderr)
        log_path = work / "server.log"
        if log_path.exists():
            print(log_path.read_text(errors="replace")[-3000:], file=sys.stderr)
        return 1
    finally:
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
    if worst is None:
        return 1
    print(
        f"BENCH ui-latency: p95_ms={worst:.1f} clients={n_clients} signals={signals} "
        f"requests={total} backend={backend}"
    )
    return 0


def run_clients(
    port: int, n_clients: int, found: Samples, requests: int, seconds: float
) -> tuple[float | None, int]:
    """Log the clients in and measure every endpoint: worst p95 (None on errors), count."""
    clients = [Client(port) for _ in range(n_clients)]
    for client in clients:
        client.login("analist", DEMO_PASSWORD)
    worst = 0.0
    total = 0
    for endpoint in endpoints(found):
        latencies, errors = measure(clients, endpoint, requests=requests, seconds=seconds)
        if errors or not latencies:
            print(f"bench_ui_latency: {endpoint.name}: {errors} non-200 responses")
            return None, total
        p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
        worst = max(worst, p95)
        total += len(latencies)
        flag = "" if p95 <= GOAL_MS else f"  (goal {GOAL_MS:.0f} ms)"
        print(
            f"  {endpoint.name:<20} n={len(latencies):<5} p50_ms={p50:7.1f} "
            f"p95_ms={p95:7.1f} max_ms={max(latencies):7.1f}{flag}",
            flush=True,
        )
    return worst, total


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


if __name__ == "__main__":
    sys.exit(main())
