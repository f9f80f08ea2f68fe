"""A throwaway PostgreSQL cluster for the test suite, under ``var/pgtest`` on port 54329.

``python -m zicht.devtools.pgcluster start|stop|url``. ``start`` creates the cluster the
first time (initdb, trust authentication on the loopback only, durability switched off
because nothing here needs to survive a crash), starts it, creates the ``zicht`` database
and prints its ``DATABASE_URL`` on stdout. ``stop`` stops it; ``make clean`` deletes it.

PostgreSQL refuses to run as root, so as root every server command runs as the ``postgres``
user through ``runuser`` and the cluster directory belongs to that user. When that user
cannot reach ``var/`` (a checkout under ``/root``, say), the cluster lives under /tmp instead.
"""

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import zicht

PORT = 54329
DATABASE = "zicht"
SUPERUSER = "postgres"
PACKAGE_DIR = Path(zicht.__file__).resolve().parent
DEFAULT_VAR_DIR = PACKAGE_DIR.parent.parent / "var"
SOCKET_PATH_MAX = 100  # sun_path is 108 bytes on Linux, including ".s.PGSQL.54329"


class ClusterError(Exception):
    """The cluster cannot be created, started or stopped; the message says why."""


def _is_root() -> bool:
    return os.geteuid() == 0


def find_bindir() -> Path:
    """The newest /usr/lib/postgresql/<version>/bin, else wherever initdb is on PATH."""
    if env_bin := os.environ.get("PG_BINDIR"):
        return Path(env_bin)
    candidates = [
        p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb") if p.parent.is_dir()
    ]
    if candidates:
        return max(candidates, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    if initdb := shutil.which("initdb"):
        return Path(initdb).resolve().parent
    raise ClusterError(
        "PostgreSQL server binaries (initdb, pg_ctl) not found in /usr/lib/postgresql/*/bin "
        "or on PATH. Install them (Debian/Ubuntu: apt-get install postgresql-15), set "
        "PG_BINDIR, or give the tests an existing database with DATABASE_URL=postgresql://..."
    )


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", SUPERUSER, "--", *command] if _is_root() else command


def _postgres_can_write(path: Path) -> bool:
    probe = subprocess.run(
        ["runuser", "-u", SUPERUSER, "--", "test", "-w", str(path)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


def cluster_dir() -> Path:
    var_dir = Path(os.environ.get("ZICHT_VAR_DIR") or DEFAULT_VAR_DIR).resolve()
    preferred = var_dir / "pgtest"
    if not _is_root():
        return preferred
    preferred.mkdir(parents=True, exist_ok=True)
    shutil.chown(preferred, user=SUPERUSER, group=SUPERUSER)
    if _postgres_can_write(preferred):
        return preferred
    # One fixed fallback per checkout, so that start, url and stop agree.
    key = hashlib.sha256(str(preferred).encode()).hexdigest()[:12]
    fallback = Path(tempfile.gettempdir()) / f"zicht-pgtest-{key}"
    fallback.mkdir(mode=0o700, exist_ok=True)
    shutil.chown(fallback, user=SUPERUSER, group=SUPERUSER)
    return fallback


def url() -> str:
    return f"postgresql://{SUPERUSER}@127.0.0.1:{PORT}/{DATABASE}"


def _run(command: list[str], *, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False
    )


def _is_running(bindir: Path, root: Path) -> bool:
    data = root / "data"
    if not (data / "PG_VERSION").exists():
        return False
    status = _run(_as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "status"]), cwd=root)
    return status.returncode == 0


def start() -> str:
    bindir = find_bindir()
    root = cluster_dir()
    data, log = root / "data", root / "server.log"
    socket_dir = root / "socket"
    if not (data / "PG_VERSION").exists():
        if data.exists():
            shutil.rmtree(data)  # a half-made cluster from an interrupted initdb
        initdb = [
            str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER,
            "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync",
        ]  # fmt: skip
        result = _run(_as_server_user(initdb), cwd=root)
        if result.returncode != 0:
            raise ClusterError(f"initdb failed:\n{result.stdout}{result.stderr}")
        # initdb trusts local and host 127.0.0.1/::1 connections and listens nowhere else.
    if _is_running(bindir, root):
        return url()
    socket_dir.mkdir(exist_ok=True)
    if _is_root():
        shutil.chown(socket_dir, user=SUPERUSER, group=SUPERUSER)
    sockets = str(socket_dir) if len(str(socket_dir)) < SOCKET_PATH_MAX else ""
    options = (
        f"-p {PORT} -c listen_addresses=127.0.0.1 -c unix_socket_directories='{sockets}' "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100 "
        # As recommended for production on SSDs (docs/operations.md): with the default 4.0
        # the planner reads whole tables rather than a few thousand rows through an index.
        "-c random_page_cost=1.1"
    )
    pg_ctl = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options]
    result = _run(_as_server_user([*pg_ctl, "-w", "-t", "60", "start"]), cwd=root)
    if result.returncode != 0:
        log_tail = log.read_text(errors="replace").splitlines()[-15:] if log.exists() else []
        raise ClusterError(
            f"PostgreSQL did not start on port {PORT} (in use by another server?):\n"
            + result.stdout
            + result.stderr
            + "\n".join(log_tail)
        )
    _create_database(bindir, root)
    return url()


def _create_database(bindir: Path, root: Path) -> None:
    connection = ["-h", "127.0.0.1", "-p", str(PORT), "-U", SUPERUSER]
    created = _run([str(bindir / "createdb"), *connection, DATABASE], cwd=root)
    if created.returncode != 0 and "already exists" not in created.stderr:
        raise ClusterError(f"createdb {DATABASE} failed:\n{created.stderr}")


def stop() -> bool:
    """Stop the cluster if it runs; True if it did."""
    bindir = find_bindir()
    root = cluster_dir()
    if not _is_running(bindir, root):
        return False
    pg_ctl = [str(bindir / "pg_ctl"), "-D", str(root / "data"), "-m", "fast", "-w", "stop"]
    result = _run(_as_server_user(pg_ctl), cwd=root)
    if result.returncode != 0:
        raise ClusterError(f"pg_ctl stop failed:\n{result.stdout}{result.stderr}")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Throwaway PostgreSQL cluster for the tests.")
    parser.add_argument("action", choices=["start", "stop", "url"])
    args = parser.parse_args(argv)
    try:
        if args.action == "start":
            print(start())
        elif args.action == "stop":
            if stop():
                print(f"PostgreSQL on port {PORT} stopped", file=sys.stderr)
        else:
            print(url())
    except ClusterError as exc:
        print(f"pgcluster: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
