"""Start a demo network on this machine: one hub and up to ten regional nodes.

Run as ``python -m zicht.devtools.demo --nodes N`` (``make demo``). Every instance gets its
own SQLite database under ``var/<instance>/``. Preparing an instance (migrate, then
``setup_instance --demo``) is skipped when ``var/<instance>/ready.stamp`` holds the current
fingerprint, so a second start only has to boot the servers. Each instance is served by its
own gunicorn process. Once the servers answer, every node that is not yet enrolled at the
hub gets an enrollment code, enrolls and is approved (automatically: the demo only), and
each node gets a ``zicht transport_worker`` next to its server. Ctrl-C or SIGTERM stops
them all.
"""

import argparse
import hashlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import zicht
from zicht.regions import REGIONS, RegionInfo
from zicht.transport.demo import APPROVE, ENROLL, enrollment_step

# Bump when what setup_instance creates changes in a way the fingerprint cannot see.
SETUP_VERSION = 2
# Synthetic signals for the whole country; each node generates its population share.
DEMO_NATIONAL_SIGNALS = 3000
DEMO_SEED = 1
PREPARE_JOBS = 2  # instances prepared at once; migrate is CPU-bound and these are 2-core boxes
HEALTH_TIMEOUT_SECONDS = 120.0
STOP_GRACE_SECONDS = 10.0
WORKER_INTERVAL_SECONDS = "2"  # how often each node's transport worker polls the hub
PACKAGE_DIR = Path(zicht.__file__).resolve().parent
DEFAULT_VAR_DIR = PACKAGE_DIR.parent.parent / "var"


class DemoError(Exception):
    """Something the user has to fix; the message says what."""


class _Stop(BaseException):
    """Raised by the signal handler; a BaseException, like KeyboardInterrupt, so nothing eats it."""


@dataclass(frozen=True)
class Instance:
    name: str  # "hub" or "node-<region>", the same name the settings use
    role: str
    region: RegionInfo | None
    port: int

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}/"

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/health"


def network(nodes: int, base_port: int) -> list[Instance]:
    hub = Instance("hub", "hub", None, base_port)
    return [hub] + [
        Instance(f"node-{r.code}", "node", r, base_port + r.port_offset) for r in REGIONS[:nodes]
    ]


def fingerprint() -> str:
    """What a prepared database depends on: migrations, data files, setup code, version."""
    digest = hashlib.sha256(f"{zicht.__version__}:{SETUP_VERSION}".encode())
    files = sorted(PACKAGE_DIR.glob("*/migrations/*.py")) + sorted(PACKAGE_DIR.glob("*/data/*"))
    files += sorted(PACKAGE_DIR.glob("register/demo_data/*.py"))
    files += [
        PACKAGE_DIR / "register" / "management" / "commands" / "generate_demo_data.py",
        PACKAGE_DIR / "cases" / "demo_data.py",
        PACKAGE_DIR / "accounts" / "demo.py",
        PACKAGE_DIR / "accounts" / "management" / "commands" / "setup_instance.py",
    ]
    for path in files:
        if path.is_file():
            digest.update(str(path.relative_to(PACKAGE_DIR)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_secret_key(var_dir: Path) -> Path:
    """Generate the demo's secret key once; every instance reads it from this file."""
    path = var_dir / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(secrets.token_urlsafe(50) + "\n")
    return path


def instance_env(instance: Instance, *, var_dir: Path, hub_port: int) -> dict[str, str]:
    env = dict(os.environ)
    # The demo is self-contained: a DATABASE_URL or key meant for something else must not leak in.
    for name in ("DATABASE_URL", "ZICHT_SECRET_KEY", "ZICHT_REGION", "ZICHT_ALLOWED_HOSTS"):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="zicht.settings",
        ZICHT_DEPLOYMENT="demo",
        ZICHT_ROLE=instance.role,
        ZICHT_VAR_DIR=str(var_dir),
        ZICHT_SECRET_KEY_FILE=str(var_dir / "secret_key"),
        ZICHT_REQUIRE_2FA="false",
        ZICHT_HUB_URL=f"http://127.0.0.1:{hub_port}",
    )
    if instance.region is not None:
        env["ZICHT_REGION"] = instance.region.code
    return env


def tail(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "    (no log)"
    return "\n".join("    " + line for line in text.splitlines()[-lines:])


def check_ports_free(instances: Sequence[Instance]) -> None:
    for inst in instances:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            # Same option gunicorn sets, so a port in TIME_WAIT does not count as taken.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", inst.port))
            except OSError as exc:
                raise DemoError(
                    f"port {inst.port} (for {inst.name}) is already in use: {exc.strerror}. "
                    "Stop what is listening there (an earlier `make demo`?) and try again."
                ) from exc


def setup_steps(instance: Instance, inst_dir: Path) -> list[list[str]]:
    """The commands that prepare an instance: schema, users, and on nodes a synthetic register."""
    steps = [["migrate", "--noinput"], ["setup_instance", "--demo"]]
    if instance.region is not None:
        steps += [
            [
                "generate_demo_data",
                "--national", str(DEMO_NATIONAL_SIGNALS),
                "--seed", str(DEMO_SEED),
                "--ground-truth", str(inst_dir / "ground-truth.json"),
            ],
            ["generate_demo_cases", "--seed", str(DEMO_SEED)],
        ]  # fmt: skip
    return steps


def prepare(instance: Instance, *, var_dir: Path, hub_port: int, stamp_value: str) -> bool:
    """Migrate and set up one instance unless its stamp is current; True if work was done."""
    inst_dir = var_dir / instance.name
    inst_dir.mkdir(parents=True, exist_ok=True)
    stamp = inst_dir / "ready.stamp"
    database = inst_dir / "db.sqlite3"
    if stamp.exists() and database.exists() and stamp.read_text().strip() == stamp_value:
        return False
    stamp.unlink(missing_ok=True)
    env = instance_env(instance, var_dir=var_dir, hub_port=hub_port)
    log_path = inst_dir / "setup.log"
    with log_path.open("w", encoding="utf-8") as log:
        for args in setup_steps(instance, inst_dir):
            command = [sys.executable, "-m", "zicht.manage", *args]
            log.write(f"$ zicht {' '.join(args)}\n")
            log.flush()
            result = subprocess.run(
                command,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
            )
            if result.returncode != 0:
                raise DemoError(
                    f"`zicht {' '.join(args)}` failed for {instance.name} "
                    f"(exit {result.returncode}); last lines of {log_path}:\n{tail(log_path)}"
                )
    stamp.write_text(stamp_value + "\n")
    return True


def start_server(instance: Instance, *, var_dir: Path, hub_port: int) -> subprocess.Popen[bytes]:
    inst_dir = var_dir / instance.name
    command = [
        sys.executable, "-m", "gunicorn", "zicht.wsgi:application",
        "--bind", f"127.0.0.1:{instance.port}",
        "--workers", "1", "--threads", "4",
        "--access-logfile", str(inst_dir / "access.log"),
    ]  # fmt: skip
    with (inst_dir / "server.log").open("wb") as log:
        return subprocess.Popen(
            command,
            env=instance_env(instance, var_dir=var_dir, hub_port=hub_port),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Own session: Ctrl-C reaches only this launcher, which then stops the servers in order.
            start_new_session=True,
        )


def is_healthy(instance: Instance) -> bool:
    try:
        with urllib.request.urlopen(instance.health_url, timeout=2) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def wait_healthy(
    servers: dict[Instance, subprocess.Popen[bytes]], *, var_dir: Path, timeout: float
) -> None:
    pending = set(servers)
    deadline = time.monotonic() + timeout
    while pending:
        for inst in sorted(pending, key=lambda i: i.port):
            if servers[inst].poll() is not None:
                log = var_dir / inst.name / "server.log"
                raise DemoError(
                    f"{inst.name} (port {inst.port}) exited with code {servers[inst].returncode} "
                    f"before answering /health; last lines of {log}:\n{tail(log)}"
                )
            if is_healthy(inst):
                pending.discard(inst)
        if not pending:
            return
        if time.monotonic() > deadline:
            details = "\n".join(
                f"{inst.name} ({inst.health_url}); last lines of "
                f"{var_dir / inst.name / 'server.log'}:\n{tail(var_dir / inst.name / 'server.log')}"
                for inst in sorted(pending, key=lambda i: i.port)
            )
            raise DemoError(f"no 200 from /health within {timeout:.0f} s:\n{details}")
        time.sleep(0.2)


def stop_all(servers: dict[Instance, subprocess.Popen[bytes]]) -> None:
    running = [p for p in servers.values() if p.poll() is None]
    for proc in running:
        proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for proc in running:
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_command(instance: Instance, args: list[str], *, var_dir: Path, hub_port: int) -> str:
    """Run ``zicht <args>`` for an instance; its stdout, or DemoError with the output."""
    log_path = var_dir / instance.name / "transport.log"
    result = subprocess.run(
        [sys.executable, "-m", "zicht.manage", *args],
        env=instance_env(instance, var_dir=var_dir, hub_port=hub_port),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    with log_path.open("a", encoding="utf-8") as log:
        log.write(f"$ zicht {' '.join(args[:1])} ...\n{result.stdout}{result.stderr}")
    if result.returncode != 0:
        raise DemoError(
            f"`zicht {args[0]}` failed for {instance.name} (exit {result.returncode}):\n"
            f"{result.stdout}{result.stderr}"
        )
    return result.stdout


def enroll_nodes(instances: Sequence[Instance], *, var_dir: Path, hub_port: int) -> int:
    """Enroll and approve the nodes the hub does not trust yet; how many were enrolled.

    Approval is automatic here because this is the demo: in production the hub's beheerder
    approves after comparing key fingerprints with the node's beheerder.
    """
    hub = next(inst for inst in instances if inst.role == "hub")
    nodes = {inst.region.code: inst for inst in instances if inst.region is not None}
    steps = {
        region: enrollment_step(
            hub_db=var_dir / hub.name / "db.sqlite3",
            node_db=var_dir / inst.name / "db.sqlite3",
            region=region,
        )
        for region, inst in nodes.items()
    }
    to_enroll = [region for region, step in steps.items() if step == ENROLL]
    to_approve = [region for region, step in steps.items() if step in (ENROLL, APPROVE)]
    if not to_approve:
        return 0
    if to_enroll:
        print(f"Enrolling {len(to_enroll)} nodes at the hub ...", flush=True)
        output = run_command(
            hub,
            ["create_enrollment_code", "-v", "0", *_region_args(to_enroll)],
            var_dir=var_dir,
            hub_port=hub_port,
        )
        codes = dict(line.split() for line in output.splitlines() if line.strip())
        hub_url = f"http://127.0.0.1:{hub_port}"

        def _enroll(region: str) -> str:
            args = ["enroll", "--hub", hub_url, "--code", codes[region], "--timeout", "0"]
            # --force: a node whose hub database was reset enrolls again with new keys.
            return run_command(
                nodes[region], [*args, "--force"], var_dir=var_dir, hub_port=hub_port
            )

        with ThreadPoolExecutor(max_workers=PREPARE_JOBS) as pool:
            list(pool.map(_enroll, to_enroll))
    run_command(
        hub, ["approve_node", *_region_args(to_approve)], var_dir=var_dir, hub_port=hub_port
    )
    return len(to_enroll)


def _region_args(regions: Sequence[str]) -> list[str]:
    return [arg for region in regions for arg in ("--region", region)]


def start_worker(instance: Instance, *, var_dir: Path, hub_port: int) -> subprocess.Popen[bytes]:
    with (var_dir / instance.name / "worker.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "zicht.manage", "transport_worker",
             "--interval", WORKER_INTERVAL_SECONDS],
            env=instance_env(instance, var_dir=var_dir, hub_port=hub_port),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def print_table(
    instances: Sequence[Instance], *, elapsed: float, prepared: int, var_dir: Path
) -> None:
    from zicht.accounts.demo import DEMO_PASSWORD, demo_users

    width = max(len(inst.name) for inst in instances) + 2
    print(
        f"\nZicht demo network: {len(instances)} processes up in {elapsed:.1f} s "
        f"({prepared} prepared, {len(instances) - prepared} reused)\n"
    )
    for inst in instances:
        label = "hub (LIEC)" if inst.region is None else f"RIEC {inst.region.name}"
        print(f"  {inst.name:<{width}}{inst.url:<26}{label}")
    for role, where in (("hub", "the hub"), ("node", "every node")):
        if not any(inst.role == role for inst in instances):
            continue
        print(f"\nLogins on {where}:")
        for username, description in demo_users(role):
            print(f"  {username:<14}{description}")
    print(f"\nPassword for every demo login: {DEMO_PASSWORD}   (two-factor login is off)")
    print(f"Logs in {var_dir}/<instance>/server.log. Stop with Ctrl-C.\n", flush=True)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    raise _Stop(signum)


def run(nodes: int, *, var_dir: Path, base_port: int) -> int:
    started = time.monotonic()
    instances = network(nodes, base_port)
    servers: dict[Instance, subprocess.Popen[bytes]] = {}
    workers: dict[Instance, subprocess.Popen[bytes]] = {}
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _on_signal)
    try:
        check_ports_free(instances)
        var_dir.mkdir(parents=True, exist_ok=True)
        ensure_secret_key(var_dir)
        stamp_value = fingerprint()

        def _prepare(inst: Instance) -> bool:
            return prepare(inst, var_dir=var_dir, hub_port=base_port, stamp_value=stamp_value)

        print(f"Preparing {len(instances)} instances under {var_dir} ...", flush=True)
        pool = ThreadPoolExecutor(max_workers=PREPARE_JOBS)
        try:
            prepared = sum(pool.map(_prepare, instances))
        finally:
            # After Ctrl-C or a failure, do not start preparing the instances still queued.
            pool.shutdown(wait=True, cancel_futures=True)
        for inst in instances:
            servers[inst] = start_server(inst, var_dir=var_dir, hub_port=base_port)
        wait_healthy(servers, var_dir=var_dir, timeout=HEALTH_TIMEOUT_SECONDS)
        enrolled = enroll_nodes(instances, var_dir=var_dir, hub_port=base_port)
        for inst in instances:
            if inst.role == "node":
                workers[inst] = start_worker(inst, var_dir=var_dir, hub_port=base_port)
        elapsed = time.monotonic() - started
        print_table(instances, elapsed=elapsed, prepared=prepared, var_dir=var_dir)
        if workers:
            print(
                f"Network: {len(workers)} nodes enrolled at the hub ({enrolled} just now), "
                "each with a transport worker (var/<instance>/worker.log).\n"
                f"Their status: http://localhost:{base_port}/netwerk/ on the hub.\n",
                flush=True,
            )
        while True:
            for inst, proc in [*servers.items(), *workers.items()]:
                if proc.poll() is not None:
                    kind = "worker" if workers.get(inst) is proc else "server"
                    log = var_dir / inst.name / f"{kind}.log"
                    raise DemoError(
                        f"{inst.name} ({kind}) stopped unexpectedly (exit {proc.returncode}); "
                        f"last lines of {log}:\n{tail(log)}"
                    )
            time.sleep(0.5)
    except _Stop:
        print("\nStopping the demo network ...", flush=True)
        return 0
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        # Workers first: they talk to the hub, which should still be there to answer.
        stop_all(workers)
        stop_all(servers)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--nodes", type=int, default=len(REGIONS), help="number of nodes (0-10)")
    parser.add_argument("--base-port", type=int, default=8000, help="hub port; node n at +n")
    args = parser.parse_args(argv)
    if not 0 <= args.nodes <= len(REGIONS):
        parser.error(f"--nodes must be between 0 and {len(REGIONS)}")
    var_dir = Path(os.environ.get("ZICHT_VAR_DIR") or DEFAULT_VAR_DIR).resolve()
    try:
        return run(args.nodes, var_dir=var_dir, base_port=args.base_port)
    except DemoError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
