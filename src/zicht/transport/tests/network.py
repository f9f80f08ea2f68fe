"""A hub and nodes as real processes on loopback ports, for the multi-process tests.

Each instance has its own database: a SQLite file under the test's temporary directory, or,
when the suite runs against PostgreSQL (``DATABASE_URL``), its own database on that server,
created from a migrated template database and dropped afterwards. Web servers are gunicorn
(as in the demo); management commands and workers run as ``python -m zicht.manage``.

The test process reads and writes the instances' databases directly through DB-API
connections (never through Django's, which points at the suite's own test database).
"""

import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

HEALTH_TIMEOUT = 45.0
COMMAND_TIMEOUT = 120.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(predicate: Callable[[], Any], *, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


class Databases:
    """Creates one database per instance, SQLite or PostgreSQL like the suite itself."""

    def __init__(self, root: Path, server_url: str | None) -> None:
        self.root = root
        self.server_url = server_url if server_url and server_url.startswith("postgres") else None
        self.prefix = f"zicht_mp_{secrets.token_hex(4)}"
        self._server_db = urlsplit(self.server_url).path.lstrip("/") if self.server_url else ""
        self.created: list[str] = []

    @property
    def is_postgres(self) -> bool:
        return self.server_url is not None

    def url(self, name: str) -> str:
        if self.server_url is None:
            return f"sqlite:///{self.root / name / 'db.sqlite3'}"
        return _with_database(self.server_url, self._db_name(name))

    def _admin(self) -> Any:
        import psycopg

        # The suite's database may not exist yet (pytest-django creates test_<name>);
        # the server's maintenance database always does.
        try:
            return psycopg.connect(
                _with_database(self.server_url, self._server_db), autocommit=True
            )
        except psycopg.OperationalError:
            return psycopg.connect(_with_database(self.server_url, "postgres"), autocommit=True)

    def create_empty(self, name: str) -> str:
        if self.server_url is None:
            (self.root / name).mkdir(parents=True, exist_ok=True)
        else:
            with self._admin() as conn:
                conn.execute(f'CREATE DATABASE "{self._db_name(name)}"')
            self.created.append(self._db_name(name))
        return self.url(name)

    def copy(self, template: str, name: str) -> str:
        if self.server_url is None:
            (self.root / name).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.root / template / "db.sqlite3", self.root / name / "db.sqlite3")
        else:
            with self._admin() as conn:
                conn.execute(
                    f'CREATE DATABASE "{self._db_name(name)}" TEMPLATE "{self._db_name(template)}"'
                )
            self.created.append(self._db_name(name))
        return self.url(name)

    def _db_name(self, name: str) -> str:
        return f"{self.prefix}_{name.replace('-', '_')}"

    def connect(self, name: str) -> Any:
        if self.server_url is None:
            return sqlite3.connect(self.root / name / "db.sqlite3", timeout=30)
        import psycopg

        return psycopg.connect(self.url(name))

    def drop_all(self) -> None:
        if self.server_url is None:
            return
        with self._admin() as conn:
            for db in reversed(self.created):
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        self.created.clear()


def _with_database(url: str | None, database: str) -> str:
    assert url is not None
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


@dataclass
class Instance:
    name: str  # "hub" or "node-<region>"
    role: str
    region: str | None
    port: int
    database_url: str
    var_dir: Path
    databases: Databases
    hub_url: str = ""
    server: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(50))
    _worker_log_offset: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ZICHT_", "DJANGO_"))}
        env.update(
            DJANGO_SETTINGS_MODULE="zicht.settings",
            ZICHT_DEPLOYMENT="test",
            ZICHT_ROLE=self.role,
            ZICHT_VAR_DIR=str(self.var_dir),
            ZICHT_SECRET_KEY=self.secret_key,
            DATABASE_URL=self.database_url,
            PYTHONUNBUFFERED="1",
        )
        if self.region:
            env["ZICHT_REGION"] = self.region
        if self.hub_url:
            env["ZICHT_HUB_URL"] = self.hub_url
        return env

    def log(self, kind: str) -> Path:
        return self.var_dir / f"{self.name}.{kind}.log"

    def zicht(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "zicht.manage", *args],
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"zicht {' '.join(args)} on {self.name} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result

    # --- processes ------------------------------------------------------------------------

    def start_server(self) -> None:
        assert self.server is None or self.server.poll() is not None
        command = [
            sys.executable, "-m", "gunicorn", "zicht.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--threads", "4",
            "--graceful-timeout", "2",
        ]  # fmt: skip
        with self.log("server").open("ab") as log:
            # Own process group, so a SIGKILL reaches gunicorn's worker as well.
            self.server = subprocess.Popen(
                command, env=self.env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    def wait_healthy(self) -> None:
        def healthy() -> bool:
            if self.server is not None and self.server.poll() is not None:
                raise AssertionError(f"{self.name} exited:\n{self.log('server').read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:  # noqa: S310
                    return bool(response.status == 200)
            except (urllib.error.URLError, OSError):
                return False

        wait_until(healthy, timeout=HEALTH_TIMEOUT, what=f"{self.name} /health")

    def stop_server(self) -> None:
        _stop(self.server)
        self.server = None

    def kill_server(self) -> None:
        """SIGKILL the whole server (master and workers): no chance to finish anything."""
        assert self.server is not None
        os.killpg(self.server.pid, signal.SIGKILL)
        self.server.wait(timeout=10)
        self.server = None

    def start_worker(self, *extra: str, wait: bool = True, command: Sequence[str] = ()) -> None:
        """Start the worker and by default wait until it runs (signal handlers installed).

        ``command`` replaces ``python -m zicht.manage transport_worker`` (a benchmark runs the
        worker from its own script, with its own message kinds registered); ``extra`` follows.
        """
        assert self.worker is None or self.worker.poll() is not None
        argv = [*(command or (sys.executable, "-m", "zicht.manage", "transport_worker")), *extra]
        log_path = self.log("worker")
        self._worker_log_offset = log_path.stat().st_size if log_path.exists() else 0
        with log_path.open("ab") as log:
            self.worker = subprocess.Popen(
                argv, env=self.env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        if wait:
            self.wait_worker_started()

    def wait_worker_started(self) -> None:
        log_path = self.log("worker")

        def started() -> bool:
            if self.worker is not None and self.worker.poll() is not None:
                raise AssertionError(f"{self.name} worker exited:\n{log_path.read_text()}")
            with log_path.open("rb") as log:
                log.seek(self._worker_log_offset)
                return b"transport worker started" in log.read()

        wait_until(started, timeout=HEALTH_TIMEOUT, what=f"{self.name} worker to start")

    def stop_worker(self) -> int | None:
        """SIGTERM the worker; its exit code (0 when it stopped cleanly)."""
        code = _stop(self.worker)
        self.worker = None
        return code

    # --- database -------------------------------------------------------------------------

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        conn = self.databases.connect(self.name)
        try:
            cursor = conn.cursor()
            cursor.execute(self._sql(sql), params)
            rows = list(cursor.fetchall()) if cursor.description else []
            conn.commit()
            return rows
        finally:
            conn.close()

    def scalar(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        rows = self.query(sql, params)
        return rows[0][0] if rows else None

    def _sql(self, sql: str) -> str:
        return sql if self.databases.is_postgres else sql.replace("%s", "?")

    def copy_rows(self, table: str, where: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
        conn = self.databases.connect(self.name)
        try:
            cursor = conn.cursor()
            cursor.execute(self._sql(f"SELECT * FROM {table} WHERE {where}"), params)  # noqa: S608
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            conn.close()

    def insert_rows(self, table: str, rows: list[dict[str, Any]]) -> None:
        conn = self.databases.connect(self.name)
        try:
            cursor = conn.cursor()
            for row in rows:
                names = ", ".join(row)
                marks = ", ".join(["%s"] * len(row))
                values = tuple(bytes(v) if isinstance(v, memoryview) else v for v in row.values())
                cursor.execute(self._sql(f"INSERT INTO {table} ({names}) VALUES ({marks})"), values)  # noqa: S608
            conn.commit()
        finally:
            conn.close()


def _stop(process: subprocess.Popen[bytes] | None, grace: float = 10.0) -> int | None:
    if process is None or process.poll() is not None:
        return None if process is None else process.returncode
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return None


def create_instances(
    root: Path, databases: Databases, regions: Sequence[str]
) -> tuple[Instance, dict[str, Instance]]:
    """A hub and a node per region, each with its own copy of one freshly migrated database.

    Migrations are the same in both roles: they run once, on a template, which is copied.
    Nothing is started; every instance gets a free port for its web server.
    """
    hub_port = free_port()
    hub_url = f"http://127.0.0.1:{hub_port}"

    def instance(name: str, role: str, region: str | None, port: int) -> Instance:
        return Instance(
            name,
            role,
            region,
            port,
            databases.url(name),
            root,
            databases,
            hub_url=hub_url if role == "node" else "",
        )

    template = instance("template", "hub", None, 0)
    template.database_url = databases.create_empty("template")
    template.zicht("migrate", "--noinput", "-v", "0")
    hub = instance("hub", "hub", None, hub_port)
    databases.copy("template", "hub")
    nodes = {}
    for region in regions:
        nodes[region] = instance(f"node-{region}", "node", region, free_port())
        databases.copy("template", f"node-{region}")
    return hub, nodes


def enroll_nodes(hub: Instance, nodes: Sequence[Instance], *, jobs: int = 4) -> None:
    """Enroll ``nodes`` at the running ``hub`` with the real commands and approve them there.

    A node learns that it was approved (and becomes active) in its first worker cycle; its
    own web server need not run.
    """
    regions = [node.region or "" for node in nodes]
    lines = hub.zicht(
        "create_enrollment_code", *[arg for region in regions for arg in ("--region", region)]
    ).stdout.splitlines()
    codes = dict(line.split() for line in lines)

    def enroll(node: Instance) -> None:
        code = codes[node.region or ""]
        node.zicht("enroll", "--hub", node.hub_url, "--code", code, "--timeout", "0")

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(enroll, nodes))
    hub.zicht("approve_node", *[arg for region in regions for arg in ("--region", region)])
