"""Start a demo network on this machine: one hub and up to ten regional nodes.

Run as ``python -m zicht.devtools.demo --nodes N`` (``make demo``). Every instance gets its
own SQLite database under ``var/<instance>/``. Preparing an instance (migrate, then
``setup_instance --demo``) is skipped when ``var/<instance>/ready.stamp`` holds the current
fingerprint, so a second start only has to boot the servers. Each instance is served by its
own gunicorn process. Once the servers answer, every node that is not yet enrolled at the
hub gets an enrollment code, enrolls and is approved (automatically: the demo only), and
each node gets a ``zicht transport_worker`` next to its server. Ctrl-C or SIGTERM stops
them all.

With three nodes or more, the hub gets a ready joint study (:mod:`zicht.research.demo`): after
the start-up table is printed, a background thread offers it (once) and has the data steward
of every region but the last approve it as soon as that node's worker has fetched it. The
table says what is left to do: the last region's approval, then "Uitvoeren" on the hub.
"""

import argparse
import hashlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import FrameType

import zicht
from zicht.regions import REGIONS, RegionInfo, region_by_code
from zicht.research import demo as study
from zicht.research.protocols.field import MIN_PARTICIPANTS
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
# How long the ready study's set-up waits for every node's worker to fetch the offered run
# (ten workers and their first cycles on two cores), and how often it looks.
STUDY_TIMEOUT_SECONDS = 300.0
STUDY_POLL_SECONDS = 0.5
STUDY_FILE = "demo-study.json"  # under the var directory: the study as last offered
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


def run_command(
    instance: Instance, args: list[str], *, var_dir: Path, hub_port: int, detached: bool = False
) -> str:
    """Run ``zicht <args>`` for an instance; its stdout, or DemoError with the output.

    ``detached`` runs the command in its own session, so the Ctrl-C meant for the launcher
    does not cut it short: for the background thread, which finishes its command and stops.
    """
    log_path = var_dir / instance.name / "transport.log"
    result = subprocess.run(
        [sys.executable, "-m", "zicht.manage", *args],
        env=instance_env(instance, var_dir=var_dir, hub_port=hub_port),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
        start_new_session=detached,
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


# -- the ready study -------------------------------------------------------------------------


def _hub(instances: Sequence[Instance]) -> Instance:
    return next(inst for inst in instances if inst.role == "hub")


def _nodes(instances: Sequence[Instance]) -> dict[str, Instance]:
    """The nodes by region code, in network order."""
    return {inst.region.code: inst for inst in instances if inst.region is not None}


def offer_args(*, spec_file: Path, study_exists: bool) -> list[str]:
    """``zicht research offer`` for the ready study: from its file, or a run of the hub's study.

    The second happens only when an earlier start saved the study but was stopped before its
    run was offered.
    """
    source = ["--study", study.STUDY_ID] if study_exists else ["--spec-file", str(spec_file)]
    return ["research", "offer", *source, "--as", study.DRAFTER]


def approve_args(run_id: str) -> list[str]:
    """The data steward's approval of ``run_id`` on a node."""
    return [
        "research", "decide", run_id, "--approve",
        "--reason", study.APPROVAL_REASON, "--as", study.STEWARD,
    ]  # fmt: skip


def study_instructions(instances: Sequence[Instance], run: study.HubRun | None) -> list[str]:
    """What the start-up table says about the ready study, given its latest run on the hub."""
    nodes = _nodes(instances)
    if len(nodes) < MIN_PARTICIPANTS:
        return [
            f"No ready study: a joint study needs at least {MIN_PARTICIPANTS} regions "
            f"(--nodes {MIN_PARTICIPANTS} or more)."
        ]
    hub_url = f"{_hub(instances).url}onderzoek/"
    lines = [f'Ready study "{study.TITLE}" (k = {study.MIN_CELL}, no noise):']
    if run is not None and run.state == "released":
        return [
            *lines,
            f"  released; log in on the hub as {study.DRAFTER} for the result:",
            f"  {hub_url}uitvoering/{run.run_id}/resultaat/",
        ]
    if run is not None and run.state in ("sharing", "summing"):
        return [*lines, f"  running; the result appears on {hub_url} (log in as {study.DRAFTER})"]
    if run is not None and run.state != "awaiting":
        return [
            *lines,
            f"  ended without a result ({run.state}); to offer it again: {hub_url}",
            f'  as {study.DRAFTER}, open the study, "Aanbieden aan de regio\'s".',
        ]
    asked = list(run.decisions) if run is not None else list(nodes)
    ahead, last = study.plan(asked=asked, network=list(nodes))
    if last is None:
        return [*lines, f"  asks fewer than {MIN_PARTICIPANTS} of the regions running now."]
    name = region_by_code(last).name
    lines += [
        f"  offered to {len(ahead) + 1} regions; the data stewards of {len(ahead)} approve it in "
        "the background",
        f"  (within a minute or two). The last approval, {name}'s, is yours:",
    ]
    if run is not None and run.decisions.get(last) != "pending":
        lines.append(f"  1. {name} has decided already.")
    else:
        lines.append(
            f"  1. {nodes[last].url}onderzoek/  log in as {study.STEWARD}, open the study, "
            '"Goedkeuren"'
        )
    lines += [
        f'  2. {hub_url}  log in as {study.DRAFTER}, open the study, "Uitvoeren"',
        '  3. reload after a few seconds: "Resultaat bekijken" shows table, chart, map, method',
    ]
    return lines


def _wait_for_request(
    node_db: Path, run_id: str, *, stop: threading.Event, deadline: float
) -> study.NodeRequest | None:
    """The node's copy of the run once its worker fetched it; None if the demo stops first."""
    while not stop.is_set():
        request = study.node_request(node_db, run_id)
        if request is not None:
            return request
        if time.monotonic() > deadline:
            raise DemoError(f"{node_db.parent.name} did not fetch {run_id} from the hub in time")
        stop.wait(STUDY_POLL_SECONDS)
    return None


def set_up_study(
    instances: Sequence[Instance],
    *,
    var_dir: Path,
    hub_port: int,
    stop: threading.Event,
    today: date,
    timeout: float = STUDY_TIMEOUT_SECONDS,
) -> str:
    """Offer the ready study unless the hub has it; approve it in all regions but the last.

    Idempotent: the hub's latest run of the study and every node's decision are read first,
    and only what is missing is done. Returns a line for the console ("" when nothing was
    left to do); DemoError when a command fails or a node never fetches the run.
    """
    hub, nodes = _hub(instances), _nodes(instances)
    if len(nodes) < MIN_PARTICIPANTS or stop.is_set():
        return ""
    started = time.monotonic()
    hub_db = var_dir / hub.name / "db.sqlite3"
    run = study.latest_run(hub_db)
    offered = run is None
    if run is None:
        spec_file = var_dir / STUDY_FILE
        document = study.study_file(regions=list(nodes), today=today)
        spec_file.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", "utf-8")
        args = offer_args(spec_file=spec_file, study_exists=study.study_exists(hub_db))
        run_command(hub, args, var_dir=var_dir, hub_port=hub_port, detached=True)
        run = study.latest_run(hub_db)
        if run is None:
            raise DemoError(f"the hub has no run of {study.STUDY_ID} after offering it")
    if run.state != "awaiting":
        return ""
    ahead, last = study.plan(asked=run.decisions, network=list(nodes))
    pending = [region for region in ahead if run.decisions[region] == "pending"]
    deadline = started + timeout
    run_id = run.run_id

    def approve(region: str) -> bool:
        node_db = var_dir / nodes[region].name / "db.sqlite3"
        request = _wait_for_request(node_db, run_id, stop=stop, deadline=deadline)
        if request is None or request.decision != "pending" or request.hub_state != "awaiting":
            return False
        run_command(
            nodes[region], approve_args(run_id), var_dir=var_dir, hub_port=hub_port, detached=True
        )
        return True

    with ThreadPoolExecutor(max_workers=PREPARE_JOBS) as pool:
        approved = sum(pool.map(approve, pending))
    if stop.is_set() or not (offered or approved):
        return ""
    regions = "region" if approved == 1 else "regions"
    done = f"offered; {approved} {regions}" if offered else f"{approved} more {regions}"
    last_name = region_by_code(last).name if last else "?"
    return (
        f"Ready study {run_id}: {done} approved it in advance "
        f"({time.monotonic() - started:.0f} s). The last approval is for the steward of "
        f"{last_name}."
    )


def _set_up_study_in_background(
    instances: Sequence[Instance], *, var_dir: Path, hub_port: int, stop: threading.Event
) -> None:
    try:
        line = set_up_study(
            instances, var_dir=var_dir, hub_port=hub_port, stop=stop, today=date.today()
        )
    except (DemoError, OSError) as exc:
        print(f"demo: the ready study is not complete: {exc}", file=sys.stderr, flush=True)
        return
    if line:
        print(line, flush=True)


def print_table(
    instances: Sequence[Instance],
    *,
    elapsed: float,
    prepared: int,
    var_dir: Path,
    study_lines: Sequence[str] = (),
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
    if study_lines:
        print("\n" + "\n".join(study_lines) + "\n")
    print(f"Logs in {var_dir}/<instance>/server.log. Stop with Ctrl-C.\n", flush=True)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    raise _Stop(signum)


def run(nodes: int, *, var_dir: Path, base_port: int) -> int:
    started = time.monotonic()
    instances = network(nodes, base_port)
    servers: dict[Instance, subprocess.Popen[bytes]] = {}
    workers: dict[Instance, subprocess.Popen[bytes]] = {}
    stop_study = threading.Event()
    study_thread: threading.Thread | None = None
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
        hub_db = var_dir / _hub(instances).name / "db.sqlite3"
        study_lines = study_instructions(instances, study.latest_run(hub_db))
        print_table(
            instances,
            elapsed=elapsed,
            prepared=prepared,
            var_dir=var_dir,
            study_lines=study_lines,
        )
        if workers:
            print(
                f"Network: {len(workers)} nodes enrolled at the hub ({enrolled} just now), "
                "each with a transport worker (var/<instance>/worker.log).\n"
                f"Their status: http://localhost:{base_port}/netwerk/ on the hub.\n",
                flush=True,
            )
        study_thread = threading.Thread(
            target=_set_up_study_in_background,
            args=(instances,),
            kwargs={"var_dir": var_dir, "hub_port": base_port, "stop": stop_study},
            name="demo-study",
            daemon=True,
        )
        study_thread.start()
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
        stop_study.set()
        if study_thread is not None:
            # It stops at its next look, or after the command it is running (a second or two).
            study_thread.join(timeout=STOP_GRACE_SECONDS)
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
