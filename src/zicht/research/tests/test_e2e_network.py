"""A joint study end to end: the hub and four nodes as real processes, on SQLite or PostgreSQL.

The module-scoped fixture prepares one database per instance (SQLite files, or databases on
the suite's PostgreSQL server), starts the hub's web server, gives the hub a drafter and
every node a data steward and a small synthetic register (``zicht generate_demo_data``), and
enrolls the nodes through the real commands. The nodes need no web server: their transport
workers carry everything (ADR 0010).

Everything a person does goes through ``zicht research`` (offer, decide, start, status);
the tests read the instances' databases directly to wait for progress and to check what is
left. A region's own table is computed on its node with ``zicht.research.local.local_table``,
so the release can be compared with the plaintext sum without any table leaving its node
other than as shares.

Why four nodes: a run needs at least three participants (``MIN_PARTICIPANTS``), so "two
approve, one declines" cannot start; the first test shows the hub refusing it, and the run
going ahead once a third region approves.

Dropouts are made deterministic by driving one node's worker one cycle at a time
(``transport_worker --once``) and stopping it at the chosen step; the passing of a phase
deadline is simulated by moving ``phase_deadline`` of the run into the past in the hub's
database, as the in-process tests do, instead of waiting ten minutes.
"""

import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from zicht.research.protocols.field import MODULUS
from zicht.research.release import protect_table, protected_document
from zicht.research.study import StudySpec
from zicht.transport.tests.network import (
    Databases,
    Instance,
    create_instances,
    enroll_nodes,
    wait_until,
)

pytestmark = pytest.mark.multiprocess

A, B, C, D = "noord-nederland", "oost-nederland", "midden-nederland", "limburg"
DRAFTER = "onderzoeker"
STEWARD = "steward"
FAST_WORKER = ("--interval", "0.2", "--max-backoff", "1")
RUN_TIMEOUT = 120.0  # generous: four workers and the hub share two cores in CI
SIGNALS_PER_NODE = 40

DRAFTER_SCRIPT = (
    "from zicht.accounts import services\n"
    f"services.create_user(acting_user=None, username={DRAFTER!r}, "
    f"email='{DRAFTER}@liec.example', organisation=None, roles=['analist'])\n"
)
STEWARD_SCRIPT = (
    "from zicht.accounts import services\n"
    f"services.create_user(acting_user=None, username={STEWARD!r}, "
    f"email='{STEWARD}@riec.example', organisation=None, roles=['data_steward'])\n"
)
# The region's own table for the run's frozen spec, computed where it lives: on its node.
LOCAL_TABLE_SCRIPT = (
    "import json\n"
    "from zicht.research import local\n"
    "from zicht.research.models import RunRequest\n"
    "from zicht.research.study import StudySpec\n"
    "spec = StudySpec.from_dict(RunRequest.objects.get(run_id={run_id!r}).spec)\n"
    "print('TABLE', json.dumps(local.local_table(spec)))\n"
)


@dataclass
class Network:
    hub: Instance
    nodes: dict[str, Instance]
    root: Path


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    root = tmp_path_factory.mktemp("research-network")
    databases = Databases(root, os.environ.get("DATABASE_URL"))
    started: list[Instance] = []
    try:
        hub, nodes = create_instances(root, databases, [A, B, C, D])
        started.extend([*nodes.values(), hub])
        net = Network(hub, nodes, root)
        hub.start_server()

        def seed(seed: int, node: Instance) -> None:
            node.zicht("shell", "-c", STEWARD_SCRIPT)
            node.zicht(
                "generate_demo_data", "--signals", str(SIGNALS_PER_NODE), "--seed", str(seed)
            )

        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(seed, range(1, 5), nodes.values()))
        hub.zicht("shell", "-c", DRAFTER_SCRIPT)
        hub.wait_healthy()
        enroll_nodes(hub, list(nodes.values()), jobs=2)
        yield net
    finally:
        for inst in started:
            inst.stop_worker()
            inst.stop_server()
        databases.drop_all()


# -- helpers ------------------------------------------------------------------------------------


def _json(value: Any) -> Any:
    """A JSON column as read through DB-API: text on SQLite, already parsed on PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else value


def offer(net: Network, study_id: str, regions: Sequence[str]) -> str:
    today = date.today()
    study = {
        "study_id": study_id,
        "title": "Signalen per kwartaal",
        "question": "Hoeveel signalen kwamen er per kwartaal binnen?",
        "period_start": date(today.year - 2, 1, 1).isoformat(),
        "period_end": date(today.year, 12, 31).isoformat(),
        "regions": sorted(regions),
        "metric": "signals",
        "dimensions": ["quarter"],
        "min_cell": 3,
    }
    path = net.root / f"{study_id}.json"
    path.write_text(json.dumps(study), encoding="utf-8")
    output = net.hub.zicht("research", "offer", "--spec-file", str(path), "--as", DRAFTER)
    return output.stdout.strip().splitlines()[-1]


def decide(nodes: Sequence[Instance], run_id: str, decisions: dict[str, Sequence[str]]) -> None:
    """Each named node's steward decides through the command, in parallel."""
    by_region = {node.region: node for node in nodes}
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(
            pool.map(
                lambda item: by_region[item[0]].zicht(
                    "research", "decide", run_id, *item[1], "--as", STEWARD
                ),
                decisions.items(),
            )
        )


def hub_run(hub: Instance, run_id: str) -> dict[str, Any]:
    [(state, shared, protocol, spec, failure)] = hub.query(
        "SELECT state, shared, protocol, spec, failure FROM research_studyrun WHERE run_id = %s",
        (run_id,),
    )
    return {
        "state": state,
        "shared": _json(shared),
        "protocol": _json(protocol),
        "spec": _json(spec),
        "failure": failure,
    }


def hub_decisions(hub: Instance, run_id: str) -> dict[str, str]:
    rows = hub.query(
        "SELECT i.region, i.decision FROM research_invitation i "
        "JOIN research_studyrun r ON r.id = i.run_id WHERE r.run_id = %s",
        (run_id,),
    )
    return dict(rows)


def partials_at_hub(hub: Instance, run_id: str) -> int:
    return int(
        hub.scalar(
            "SELECT COUNT(*) FROM research_partialsumrecord p "
            "JOIN research_studyrun r ON r.id = p.run_id WHERE r.run_id = %s",
            (run_id,),
        )
    )


def knows_run(node: Instance, run_id: str) -> bool:
    return bool(
        node.scalar("SELECT COUNT(*) FROM research_runrequest WHERE run_id = %s", (run_id,))
    )


def knows_release(node: Instance, run_id: str) -> bool:
    return bool(
        node.scalar(
            "SELECT COUNT(*) FROM research_runrequest WHERE run_id = %s AND release IS NOT NULL",
            (run_id,),
        )
    )


def heard(node: Instance, run_id: str, state: str) -> bool:
    """Whether ``node`` last heard from the hub that the run is in ``state``."""
    sql = "SELECT hub_state FROM research_runrequest WHERE run_id = %s"
    return bool(node.scalar(sql, (run_id,)) == state)


def wait_for_state(hub: Instance, run_id: str, state: str) -> dict[str, Any]:
    def reached() -> dict[str, Any] | None:
        run = hub_run(hub, run_id)
        if run["state"] in ("failed", "cancelled") and state != run["state"]:
            raise AssertionError(f"run {run_id} ended as {run['state']}: {run['failure']}")
        return run if run["state"] == state else None

    return wait_until(reached, timeout=RUN_TIMEOUT, what=f"run {run_id} to be {state}")


def expire_phase(hub: Instance, run_id: str) -> None:
    """The phase deadline passes: the hub acts on it when a node next lists its runs."""
    hub.query(
        "UPDATE research_studyrun SET phase_deadline = %s WHERE run_id = %s",
        ("2000-01-01 00:00:00", run_id),
    )


def share_material(node: Instance, run_id: str) -> tuple[int, list[Any]]:
    """(received shares held, own shares held per epoch) of ``run_id`` on ``node``."""
    received = node.scalar(
        "SELECT COUNT(*) FROM research_receivedshare WHERE run_id = %s", (run_id,)
    )
    own = node.query("SELECT own_share FROM research_shareset WHERE run_id = %s", (run_id,))
    return int(received), [_json(value) for (value,) in own]


def forgot(node: Instance, run_id: str) -> bool:
    received, own = share_material(node, run_id)
    return received == 0 and all(value == {} for value in own)


def local_tables(nodes: Sequence[Instance], run_id: str) -> dict[str, list[int]]:
    def table(node: Instance) -> list[int]:
        output = node.zicht("shell", "-c", LOCAL_TABLE_SCRIPT.format(run_id=run_id)).stdout
        [line] = [line for line in output.splitlines() if line.startswith("TABLE ")]
        return list(json.loads(line.removeprefix("TABLE ")))

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip([n.region or "" for n in nodes], pool.map(table, nodes), strict=True))


def expected_release(spec: StudySpec, tables: dict[str, list[int]]) -> dict[str, Any]:
    """The protected plaintext sum: what the hub must publish, computed without the protocol."""
    total = [sum(column) for column in zip(*tables.values(), strict=True)]
    document = protected_document(spec, protect_table(spec, total))
    return json.loads(json.dumps(document))


def hub_database_text(hub: Instance) -> tuple[str, str]:
    """(every table of the hub, its research tables) as text, JSON values in JSON form."""
    if hub.databases.is_postgres:
        names = [n for (n,) in hub.query(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )]  # fmt: skip
    else:
        names = [n for (n,) in hub.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )]  # fmt: skip
    everything: list[str] = []
    research: list[str] = []
    for name in sorted(names):
        for row in hub.query(f'SELECT * FROM "{name}"'):  # noqa: S608 - names from the schema
            for value in row:
                if isinstance(value, dict | list):
                    text = json.dumps(value)
                elif isinstance(value, bytes | memoryview):
                    text = bytes(value).decode("utf-8", errors="replace")
                else:
                    text = str(value)
                everything.append(text)
                if name.startswith("research_"):
                    research.append(text)
    return "\n".join(everything), "\n".join(research)


def assert_hub_holds_no_table(hub: Instance, tables: dict[str, list[int]]) -> None:
    everything, research = hub_database_text(hub)
    squeezed = re.sub(r"\s+", "", everything)
    for region, table in tables.items():
        # The scan means something only for a table that is not all zeros.
        assert sum(1 for value in table if value) >= 3, (region, table)
        as_list = json.dumps(table)
        consecutive = ",".join(str(value) for value in table)
        assert as_list not in everything, f"{region}'s table is in the hub's database"
        found = re.search(rf"(?<![\d.]){re.escape(consecutive)}(?![\d.])", squeezed)
        assert found is None, f"{region}'s figures are in the hub's database in a row"
    # Partial sums are vectors of field elements, uniform in [0, 2^61): a stored one would
    # show as numbers of 13 digits or more. The modulus itself is part of the run state.
    field_elements = set(re.findall(r"(?<!\d)\d{13,}(?!\d)", research)) - {str(MODULUS)}
    assert not field_elements, f"field elements in the hub's research tables: {field_elements}"


def workers(nodes: Sequence[Instance]) -> Callable[[], None]:
    """Start the nodes' workers (fast polling); returns the function that stops them."""
    for node in nodes:
        node.start_worker(*FAST_WORKER, wait=False)
    for node in nodes:
        node.wait_worker_started()

    def stop() -> None:
        for node in nodes:
            assert node.stop_worker() == 0  # SIGTERM: a clean stop

    return stop


def once(node: Instance) -> dict[str, Any]:
    """One worker cycle of ``node``: the worker runs this far and no further."""
    return json.loads(node.zicht("transport_worker", "--once").stdout)


# -- the journey ------------------------------------------------------------------------------


def test_approved_regions_release_their_sum_and_the_hub_learns_no_table(network: Network) -> None:
    hub, nodes = network.hub, network.nodes
    a, b, c, d = (nodes[r] for r in (A, B, C, D))
    run_id = offer(network, "e2e-signalen", [A, B, C, D])
    stop = workers([a, b, c, d])
    try:
        for node in (a, b, c, d):
            wait_until(partial(knows_run, node, run_id), timeout=RUN_TIMEOUT, what="the offer")
        decide(
            [a, b, d],
            run_id,
            {A: ["--approve"], B: ["--approve"], D: ["--decline", "--reason", "Geen grondslag"]},
        )
        wanted = {A: "approved", B: "approved", C: "pending", D: "declined"}
        wait_until(
            lambda: hub_decisions(hub, run_id) == wanted, timeout=RUN_TIMEOUT, what="decisions"
        )
        # Two approvals: the sum would give each of the two the other's table.
        refused = hub.zicht("research", "start", run_id, "--as", DRAFTER, check=False)
        assert refused.returncode != 0
        assert "minstens 3" in refused.stderr
        decide([c], run_id, {C: ["--approve"]})
        wanted[C] = "approved"
        wait_until(
            lambda: hub_decisions(hub, run_id) == wanted, timeout=RUN_TIMEOUT, what="C's approval"
        )
        started = hub.zicht("research", "start", run_id, "--as", DRAFTER).stdout
        assert started.strip() == f"{run_id} gestart met 3 regio's: {C}, {A}, {B}"
        wait_for_state(hub, run_id, "released")
        for node in (a, b, c, d):
            wait_until(
                partial(knows_release, node, run_id),
                timeout=RUN_TIMEOUT,
                what=f"{node.name} to learn the release",
            )
    finally:
        stop()

    status = json.loads(hub.zicht("research", "status", run_id).stdout)
    assert status["state"] == "released"
    assert status["participants"] == sorted([A, B, C])
    release = status["release"]
    assert release["participants"] == sorted([A, B, C])
    assert release["left_out"] == {D: "afgewezen door de data steward"}

    # The release is the protected plaintext sum of the three approving regions' tables.
    tables = local_tables([a, b, c], run_id)
    spec = StudySpec.from_dict(hub_run(hub, run_id)["spec"])
    assert release["table"] == expected_release(spec, tables)
    published = {tuple(key): value for key, value in release["table"]["entries"] if None not in key}
    total = [sum(column) for column in zip(*tables.values(), strict=True)]
    exact = [
        (value, expected)
        for cell, expected in zip(spec.cells(), total, strict=True)
        if isinstance(value := published[cell], int)
    ]
    assert exact
    assert all(value == expected for value, expected in exact)
    assert any(value > 0 for value, _ in exact)

    # The region that declined shared nothing; nobody holds share material any more.
    assert d.scalar("SELECT COUNT(*) FROM transport_outboxmessage WHERE kind = 'secagg.share'") == 0
    assert d.scalar("SELECT COUNT(*) FROM research_shareset") == 0
    assert d.scalar("SELECT decision FROM research_runrequest WHERE run_id = %s", (run_id,)) == (
        "declined"
    )
    for node in (a, b, c):
        sent = node.scalar(
            "SELECT COUNT(*) FROM transport_outboxmessage "
            "WHERE kind = 'secagg.share' AND idempotency_key LIKE %s",
            (f"secagg.share:{run_id}:%",),
        )
        assert sent == 2  # one share for each other participant
        assert share_material(node, run_id) == (0, [{}])
        assert node.scalar(
            "SELECT acknowledged FROM research_sentpartial WHERE run_id = %s", (run_id,)
        )

    # The hub kept no partial sum and holds no region's table, in any form.
    assert partials_at_hub(hub, run_id) == 0
    assert_hub_holds_no_table(hub, tables)


def test_a_region_that_stops_after_sharing_fails_the_run_with_nothing_released(
    network: Network,
) -> None:
    hub, nodes = network.hub, network.nodes
    a, b, c = (nodes[r] for r in (A, B, C))
    run_id = offer(network, "e2e-uitval-na-delen", [A, B, C])
    stop = workers([a, b])
    try:
        once(c)  # C's worker learns the run
        assert knows_run(c, run_id)
        wait_until(lambda: knows_run(a, run_id) and knows_run(b, run_id), timeout=RUN_TIMEOUT,
                   what="the offer")  # fmt: skip
        decide([a, b, c], run_id, {A: ["--approve"], B: ["--approve"], C: ["--approve"]})
        once(c)  # relays C's approval
        wanted = {A: "approved", B: "approved", C: "approved"}
        wait_until(
            lambda: hub_decisions(hub, run_id) == wanted, timeout=RUN_TIMEOUT, what="decisions"
        )
        hub.zicht("research", "start", run_id, "--as", DRAFTER)
        once(c)  # C shares, reports it to the hub, and then its worker is gone
        assert C in hub_run(hub, run_id)["shared"]
        # A and B share too, receive C's shares and hand in their partial sums; C's never comes.
        wait_until(
            lambda: partials_at_hub(hub, run_id) == 2, timeout=RUN_TIMEOUT, what="two partials"
        )
        assert hub_run(hub, run_id)["state"] == "summing"
        expire_phase(hub, run_id)
        failed = wait_for_state(hub, run_id, "failed")
        for node in (a, b):
            wait_until(
                partial(heard, node, run_id, "failed"),
                timeout=RUN_TIMEOUT,
                what=f"{node.name} to learn the failure",
            )
    finally:
        stop()

    assert "deelsommen" in failed["failure"]
    status = json.loads(hub.zicht("research", "status", run_id).stdout)
    assert status["release"] is None
    assert status["events"][-1]["event"] == "failed"
    assert partials_at_hub(hub, run_id) == 0  # H3: the two partial sums are gone too
    assert not hub.scalar(
        "SELECT COUNT(*) FROM research_release r JOIN research_studyrun s ON s.id = r.run_id "
        "WHERE s.run_id = %s",
        (run_id,),
    )
    for node in (a, b):
        assert forgot(node, run_id)
    # C was down with its own share; when it comes back it learns the failure and forgets.
    _received, own = share_material(c, run_id)
    assert own
    assert own[0] != {}
    once(c)
    assert forgot(c, run_id)
    assert not c.scalar("SELECT COUNT(*) FROM research_sentpartial WHERE run_id = %s", (run_id,))


def test_a_region_that_stops_before_sharing_is_left_out_after_a_restart(
    network: Network,
) -> None:
    hub, nodes = network.hub, network.nodes
    a, b, c, d = (nodes[r] for r in (A, B, C, D))
    run_id = offer(network, "e2e-uitval-voor-delen", [A, B, C, D])
    stop = workers([a, b, c])
    try:
        once(d)
        wait_until(
            lambda: all(knows_run(n, run_id) for n in (a, b, c, d)),
            timeout=RUN_TIMEOUT,
            what="the offer",
        )
        decide(
            [a, b, c, d],
            run_id,
            {A: ["--approve"], B: ["--approve"], C: ["--approve"], D: ["--approve"]},
        )
        once(d)  # relays D's approval; then D's worker stops before the run starts
        wanted = dict.fromkeys([A, B, C, D], "approved")
        wait_until(
            lambda: hub_decisions(hub, run_id) == wanted, timeout=RUN_TIMEOUT, what="decisions"
        )
        hub.zicht("research", "start", run_id, "--as", DRAFTER)
        wait_until(
            lambda: sorted(hub_run(hub, run_id)["shared"]) == sorted([A, B, C]),
            timeout=RUN_TIMEOUT,
            what="A, B and C to share",
        )
        expire_phase(hub, run_id)  # D never shares: the hub restarts without it
        released = wait_for_state(hub, run_id, "released")
        for node in (a, b, c):
            wait_until(partial(forgot, node, run_id), timeout=RUN_TIMEOUT, what="forgetting")
    finally:
        stop()

    assert released["protocol"]["epoch"] == 1
    assert released["protocol"]["participants"] == sorted([A, B, C])
    status = json.loads(hub.zicht("research", "status", run_id).stdout)
    assert "restarted" in [event["event"] for event in status["events"]]
    assert status["release"]["left_out"] == {D: "viel uit tijdens het delen"}
    tables = local_tables([a, b, c], run_id)
    spec = StudySpec.from_dict(released["spec"])
    assert status["release"]["table"] == expected_release(spec, tables)
    # D shared nothing in any epoch; when it comes back it learns the release and keeps no
    # share the others had sent it for the abandoned epoch.
    assert d.scalar("SELECT COUNT(*) FROM transport_outboxmessage WHERE kind = 'secagg.share'") == 0
    once(d)
    assert knows_release(d, run_id)
    assert forgot(d, run_id)
    assert d.scalar("SELECT COUNT(*) FROM research_shareset WHERE run_id = %s", (run_id,)) == 0
    assert partials_at_hub(hub, run_id) == 0
    assert_hub_holds_no_table(hub, tables)
