"""BENCH aggregation: a joint study over ten nodes, secure against plaintext, on loopback.

Sets up a hub (gunicorn) and ten nodes (transport workers only; nodes need no web server) in
a temporary directory, each with its own SQLite database, with the real commands: migrate
once and copy, ``generate_demo_data`` gives every node its own synthetic register
(``SIGNALS`` signals, a different seed per region), ``enroll`` and ``approve_node``, and
``zicht research offer`` a study of signals by indicator (80 indicators) and quarter (25
quarters): a 2,000-cell table counted from each node's own register. Every steward approves
(``zicht research decide``) and the workers relay the decisions before anything is timed.

Two measurements, in the same run, with the same workers and the same poll interval (each
worker computes its table once when it starts, so that neither measurement pays for a cold
first query):

- ``plaintext_seconds`` (first): the ten tables sent in plaintext over the same transport.
  When the benchmark creates a trigger file, each node's worker computes its table in its
  next cycle and sends it as one transport message (kind ``bench.table``, end-to-end
  encrypted like any other) to a collector node, which adds them to its own table; timed
  from the trigger until the collector holds the sum of all ten. The ``bench.table`` kind and
  the cycle step that sends it exist only in this benchmark's worker processes: the workers
  run this script with ``--node-worker``, which registers them and then runs the real
  ``transport_worker`` command. Production code has no benchmark kind.
- ``seconds``: secure aggregation end to end, from the hub starting the run
  (``zicht research start``) to the release being stored, both read from the hub's run
  history (``RunEvent`` "started" and "released"): every node computes its table, shares it
  (nine encrypted shares through the hub), reports, receives the others' shares, sends its
  partial sum; the hub adds them, applies disclosure control and stores the release.

The plaintext round goes first because after a release every poll of the research API also
carries the release document, which would load the hub during the plaintext round only.

``ROUNDS`` rounds (default 3) each offer a new run of the study, have it approved, then
measure both; the summary gives the medians of ``seconds``, ``plaintext_seconds`` and of
the per-round ``ratio`` (``seconds / plaintext_seconds``): the plaintext time depends on
where two poll intervals happen to fall and varies more than the secure time. After each
round its run is aged past the 30 days in which the hub lists an ended run (with its release
document) in every poll of every node, so that each round meets the same hub, one without
recent releases (each recent release makes every poll, and so both measurements, slower).
The
benchmark checks that both ways give the same total (the release's published cells equal
the plaintext sum) and prints, per round, the phases of the secure run (from the hub's run
events) and the CPU used beyond idle polling. Goals (issue 6): ``seconds`` ≤ 5,
``ratio`` ≤ 3.

Environment: ``INTERVAL`` (seconds a worker waits after a quiet cycle, default 0.5, the same
for both measurements), ``ROUNDS`` (3), ``NODES`` (10), ``SIGNALS`` (per node, 300),
``BENCH_KEEP=1`` keeps the temporary directory (logs, databases) and prints its path.

Prints the interval, a line per round, then, last,
``BENCH aggregation: seconds=… plaintext_seconds=… ratio=… nodes=10 cells=2000``.
"""

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from zicht.regions import REGION_CODES
from zicht.transport.tests.network import (
    Databases,
    Instance,
    create_instances,
    enroll_nodes,
    wait_until,
)

KIND = "bench.table"
DRAFTER = "onderzoeker"
STEWARD = "steward"
INDICATORS = 80
QUARTERS = 25
TIMEOUT = 300.0
JOBS = 2  # commands run at once while setting up: the reference box has two cores

USER_SCRIPT = (
    "from zicht.accounts import services\n"
    "services.create_user(acting_user=None, username={username!r}, "
    "email='{username}@bench.example', organisation=None, roles=[{role!r}])\n"
)


# -- the worker processes -----------------------------------------------------------------------


def node_worker(argv: list[str]) -> None:
    """Run the real transport worker with the plaintext comparison registered (benchmark only).

    On the trigger file the node computes its table for the study and sends it to the
    collector as one ``bench.table`` message; the collector adds what it receives to its own
    table and writes the total, with the time it was complete, to ``plaintext.json``.
    """
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from zicht.research import local
    from zicht.research.study import StudySpec
    from zicht.transport import handlers, services, worker

    bench_dir = Path(os.environ["BENCH_DIR"])
    collector = os.environ["BENCH_COLLECTOR"]
    senders = int(os.environ["BENCH_SENDERS"])
    region = str(settings.ZICHT_REGION)
    rounds: dict[int, dict[str, Any]] = {}  # round -> own table, received tables, done

    def table() -> list[int]:
        spec = StudySpec.from_dict(json.loads((bench_dir / "spec.json").read_text()))
        return local.local_table(spec)

    def at(number: int) -> dict[str, Any]:
        return rounds.setdefault(number, {"own": None, "received": {}, "done": False})

    def complete(number: int) -> None:
        state = at(number)
        if state["done"] or state["own"] is None or len(state["received"]) < senders:
            return
        state["done"] = True
        received = state["received"]
        total = [sum(column) for column in zip(state["own"], *received.values(), strict=True)]
        result = {"completed_at": time.time(), "total": total, "senders": sorted(received)}
        partial = bench_dir / f"plaintext-{number}.json.part"
        partial.write_text(json.dumps(result))
        partial.replace(bench_dir / f"plaintext-{number}.json")

    @handlers.register(KIND)
    def receive(message: handlers.ReceivedMessage) -> None:
        number = int(message.payload["round"])
        at(number)["received"][message.sender] = list(message.payload["table"])
        complete(number)

    def step(client: Any, flush: Any) -> bool:
        number = 1 + sum(1 for state in rounds.values() if state.get("sent"))
        if not (bench_dir / f"go-{number}").exists():
            return False
        at(number)["sent"] = True
        if region == collector:
            at(number)["own"] = table()
            complete(number)
            return False
        services.send_message(
            recipients=[collector],
            kind=KIND,
            payload={"round": number, "table": table()},
            idempotency_key=f"{KIND}:{number}:{region}",
        )
        flush()
        return True

    worker.register_cycle_step("bench-plaintext", step)
    # Warm up once (query compilation, the database's pages), so that neither measurement
    # pays for a first query that the other does not.
    table()
    call_command("transport_worker", *argv)


# -- set-up ---------------------------------------------------------------------------------------


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def study_file(root: Path, hub: Instance, regions: list[str]) -> Path:
    """Signals by 80 indicators and 25 quarters (the last 25, up to this one): 2,000 cells."""
    codes = sorted(code for (code,) in hub.query("SELECT code FROM catalogue_indicator"))
    this_quarter = quarter_start(date.today())
    first = this_quarter
    for _ in range(QUARTERS - 1):
        first = quarter_start(first - timedelta(days=1))
    last = quarter_start(this_quarter + timedelta(days=100)) - timedelta(days=1)
    study = {
        "study_id": "bench-indicatoren",
        "title": "Signalen per indicator en kwartaal",
        "question": "Welke indicatoren worden per kwartaal waargenomen?",
        "period_start": first.isoformat(),
        "period_end": last.isoformat(),
        "regions": regions,
        "metric": "signals",
        "dimensions": ["indicator", "quarter"],
        "filters": {"indicator": codes[:INDICATORS]},
        "min_cell": 10,
    }
    path = root / "study.json"
    path.write_text(json.dumps(study), encoding="utf-8")
    return path


def parallel(function: Any, items: list[Any]) -> list[Any]:
    with ThreadPoolExecutor(max_workers=JOBS) as pool:
        return list(pool.map(function, items))


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def run_events(hub: Instance, run_id: str) -> list[tuple[str, datetime, dict[str, Any]]]:
    rows = hub.query(
        "SELECT e.event, e.at, e.detail FROM research_runevent e "
        "JOIN research_studyrun r ON r.id = e.run_id WHERE r.run_id = %s ORDER BY e.id",
        (run_id,),
    )
    return [(event, _moment(at), _json(detail)) for event, at, detail in rows]


def cpu_seconds(groups: list[int]) -> float:
    """CPU time (user + system) used so far by the processes in these process groups (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[2]) in groups:  # pgrp; utime and stime follow at 11 and 12
            total += int(fields[11]) + int(fields[12])
    return total / tick


class CpuMeter:
    """CPU used by the hub's server and by the nodes' workers above their idle polling.

    ``idle()`` measures the rate of a quiet period (the workers keep polling); ``stop()``
    reports what a measured period used beyond that rate, in CPU seconds.
    """

    def __init__(self, hub: Instance, nodes: list[Instance]) -> None:
        assert hub.server is not None
        self.groups = ([hub.server.pid], [n.worker.pid for n in nodes if n.worker is not None])
        self.rates = (0.0, 0.0)

    def _now(self) -> tuple[float, float, float]:
        return (cpu_seconds(self.groups[0]), cpu_seconds(self.groups[1]), time.monotonic())

    def idle(self, seconds: float) -> None:
        self.start()
        time.sleep(seconds)
        hub, nodes, now = self._now()
        elapsed = now - self.begin[2]
        self.rates = ((hub - self.begin[0]) / elapsed, (nodes - self.begin[1]) / elapsed)

    def start(self) -> None:
        self.begin = self._now()

    def idle_rates(self) -> str:
        return f"hub {self.rates[0]:.2f}, nodes {self.rates[1]:.2f}"

    def stop(self) -> str:
        hub, nodes, now = self._now()
        elapsed = now - self.begin[2]
        hub_busy = hub - self.begin[0] - self.rates[0] * elapsed
        nodes_busy = nodes - self.begin[1] - self.rates[1] * elapsed
        return f"hub {hub_busy:.2f}, nodes {nodes_busy:.2f}"


def run_state(hub: Instance, run_id: str) -> str:
    return str(hub.scalar("SELECT state FROM research_studyrun WHERE run_id = %s", (run_id,)))


def phases(events: list[tuple[str, datetime, dict[str, Any]]]) -> str:
    """Where the secure run spent its time, from the hub's run history."""
    at: dict[str, list[datetime]] = {}
    for event, moment, _detail in events:
        at.setdefault(event, []).append(moment)
    started, closed = at["started"][-1], at["share_phase_closed"][-1]
    partials, released = at["partial_sum"], at["released"][-1]

    def s(a: datetime, b: datetime) -> str:
        return f"{(b - a).total_seconds():.2f}"

    return (
        f"first_shared={s(started, min(at['shared']))} "
        f"share_phase_closed={s(started, closed)} "
        f"first_partial={s(started, min(partials))} "
        f"last_partial={s(started, max(partials))} "
        f"released={s(started, released)} "
        f"finish={s(max(partials), released)}"
    )


def check_same_total(hub: Instance, run_id: str, plaintext: list[int], spec: dict[str, Any]) -> int:
    """Published cells of the release that differ from the plaintext sum (must be 0)."""
    table = _json(
        hub.scalar(
            'SELECT l."table" FROM research_release l JOIN research_studyrun r '
            "ON r.id = l.run_id WHERE r.run_id = %s",
            (run_id,),
        )
    )
    dimensions = [[c["code"] for c in d["categories"]] for d in spec["dimensions"]]
    index = {}
    for i, first in enumerate(dimensions[0]):
        for j, second in enumerate(dimensions[1]):
            index[(first, second)] = i * len(dimensions[1]) + j
    wrong = 0
    published = 0
    for key, value in table["entries"]:
        if None in key or not isinstance(value, int):
            continue
        published += 1
        wrong += value != plaintext[index[tuple(key)]]
    if not published:
        return 1  # nothing to compare is a failed check, too
    return wrong


def approve_everywhere(hub: Instance, nodes: list[Instance], run_id: str) -> None:
    """Every steward approves the run; returns when the workers relayed every approval."""

    def known(node: Instance) -> bool:
        sql = "SELECT COUNT(*) FROM research_runrequest WHERE run_id = %s"
        return bool(node.scalar(sql, (run_id,)))

    def approved() -> bool:
        count = hub.scalar(
            "SELECT COUNT(*) FROM research_invitation i JOIN research_studyrun r "
            "ON r.id = i.run_id WHERE r.run_id = %s AND i.decision = 'approved'",
            (run_id,),
        )
        return bool(count == len(nodes))

    for node in nodes:
        wait_until(lambda n=node: known(n), timeout=TIMEOUT, what=f"{node.name}: the offer")
    parallel(lambda n: n.zicht("research", "decide", run_id, "--approve", "--as", STEWARD), nodes)
    wait_until(approved, timeout=TIMEOUT, what="every approval at the hub")


@dataclass
class Round:
    seconds: float
    plaintext_seconds: float
    phases: str
    secure_cpu: str
    plaintext_cpu: str

    @property
    def ratio(self) -> float:
        return self.seconds / self.plaintext_seconds


def measure_round(
    number: int,
    *,
    root: Path,
    hub: Instance,
    run_id: str,
    expected_senders: list[str],
    meter: "CpuMeter",
    interval: float,
) -> Round:
    """One plaintext round, then the secure run ``run_id`` (approved beforehand)."""
    # Plaintext first, so that the hub answers the workers' polls with the same runs as
    # during the secure run (after a release, every poll also carries its document).
    time.sleep(2 * interval)  # the workers are back in their quiet rhythm
    meter.start()
    triggered = time.time()
    (root / f"go-{number}").touch()
    result_path = root / f"plaintext-{number}.json"
    wait_until(result_path.exists, timeout=TIMEOUT, what="the collector's total")
    result = json.loads(result_path.read_text())
    plaintext_seconds = result["completed_at"] - triggered
    plaintext_cpu = meter.stop()
    if result["senders"] != expected_senders:
        raise RuntimeError(f"the collector heard from {result['senders']}")

    time.sleep(2 * interval)
    meter.start()
    hub.zicht("research", "start", run_id, "--as", DRAFTER)
    wait_until(
        lambda: run_state(hub, run_id) in ("released", "failed"),
        timeout=TIMEOUT,
        what="the release",
    )
    secure_cpu = meter.stop()
    if run_state(hub, run_id) != "released":
        raise RuntimeError(f"run {run_id} failed")
    events = run_events(hub, run_id)
    started = next(moment for event, moment, _ in events if event == "started")
    released = next(moment for event, moment, _ in events if event == "released")
    spec = _json(hub.scalar("SELECT spec FROM research_studyrun WHERE run_id = %s", (run_id,)))
    wrong = check_same_total(hub, run_id, result["total"], spec)
    if wrong:
        raise RuntimeError(f"{wrong} published cells differ from the plaintext sum")
    return Round(
        seconds=(released - started).total_seconds(),
        plaintext_seconds=plaintext_seconds,
        phases=phases(events),
        secure_cpu=secure_cpu,
        plaintext_cpu=plaintext_cpu,
    )


def main() -> int:
    if sys.argv[1:2] == ["--node-worker"]:
        node_worker(sys.argv[2:])
        return 0
    interval = float(os.environ.get("INTERVAL", "0.5"))
    count = int(os.environ.get("NODES", "10"))
    signals = int(os.environ.get("SIGNALS", "300"))
    rounds = int(os.environ.get("ROUNDS", "3"))
    regions = sorted(REGION_CODES)[:count]
    root = Path(tempfile.mkdtemp(prefix="zicht-bench-aggregation-"))
    databases = Databases(root, None)  # SQLite: light enough for ten nodes on two cores
    hub: Instance | None = None
    nodes: dict[str, Instance] = {}
    results: list[Round] = []
    try:
        hub, nodes = create_instances(root, databases, regions)
        hub.start_server()
        steward = USER_SCRIPT.format(username=STEWARD, role="data_steward")

        def seed(item: tuple[int, Instance]) -> None:
            number, node = item
            node.zicht("shell", "-c", steward)
            node.zicht("generate_demo_data", "--signals", str(signals), "--seed", str(number))

        parallel(seed, list(enumerate(nodes.values(), start=1)))
        hub.zicht("shell", "-c", USER_SCRIPT.format(username=DRAFTER, role="analist"))
        hub.wait_healthy()
        enroll_nodes(hub, list(nodes.values()), jobs=JOBS)
        path = study_file(root, hub, regions)
        offered = hub.zicht("research", "offer", "--spec-file", str(path), "--as", DRAFTER)
        run_id = offered.stdout.strip().splitlines()[-1]
        spec = _json(hub.scalar("SELECT spec FROM research_studyrun WHERE run_id = %s", (run_id,)))
        (root / "spec.json").write_text(json.dumps(spec))
        cells = 1
        for dimension in spec["dimensions"]:
            cells *= len(dimension["categories"])

        collector = regions[0]
        os.environ.update(
            BENCH_DIR=str(root), BENCH_COLLECTOR=collector, BENCH_SENDERS=str(count - 1)
        )
        command = (sys.executable, str(Path(__file__).resolve()), "--node-worker")
        worker_args = ("--interval", str(interval), "--max-backoff", "2")
        for node in nodes.values():
            node.start_worker(*worker_args, wait=False, command=command)
        for node in nodes.values():
            node.wait_worker_started()
        meter = CpuMeter(hub, list(nodes.values()))
        meter.idle(3.0)
        for number in range(1, rounds + 1):
            if number > 1:
                again = hub.zicht("research", "offer", "--study", spec["study_id"], "--as", DRAFTER)
                run_id = again.stdout.strip().splitlines()[-1]
            approve_everywhere(hub, list(nodes.values()), run_id)
            results.append(
                measure_round(
                    number,
                    root=root,
                    hub=hub,
                    run_id=run_id,
                    expected_senders=[r for r in regions if r != collector],
                    meter=meter,
                    interval=interval,
                )
            )
            # Nodes see an ended run in every poll for 30 days (with its release document);
            # age this one past that, so that every round meets a hub without recent releases.
            hub.query(
                "UPDATE research_studyrun SET updated_at = %s WHERE run_id = %s",
                ("2000-01-01 00:00:00", run_id),
            )
    except (RuntimeError, AssertionError) as exc:
        print(f"bench_aggregation: {exc} (logs in {root})", file=sys.stderr)
        os.environ["BENCH_KEEP"] = "1"
        return 1
    finally:
        for node in nodes.values():
            node.stop_worker()
        if hub is not None:
            hub.stop_server()
        if os.environ.get("BENCH_KEEP") == "1":
            print(f"bench_aggregation: kept {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)
    print(f"worker interval {interval:g} s; idle polling uses CPU seconds per second: "
          f"{meter.idle_rates()}")  # fmt: skip
    for number, result in enumerate(results, start=1):
        print(
            f"round {number}: seconds={result.seconds:.2f} "
            f"plaintext_seconds={result.plaintext_seconds:.2f} ratio={result.ratio:.2f}; "
            f"secure run, seconds after the start: {result.phases}; CPU seconds above idle: "
            f"secure {result.secure_cpu}, plaintext {result.plaintext_cpu}"
        )
    seconds = statistics.median(r.seconds for r in results)
    plaintext_seconds = statistics.median(r.plaintext_seconds for r in results)
    ratio = statistics.median(r.ratio for r in results)
    print(
        f"BENCH aggregation: seconds={seconds:.2f} plaintext_seconds={plaintext_seconds:.2f} "
        f"ratio={ratio:.2f} nodes={count} cells={cells}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
