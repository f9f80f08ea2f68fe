"""The demo's ready study: its spec, who approves it in advance, and the launcher's set-up.

The launcher's set-up (:func:`zicht.devtools.demo.set_up_study`) runs ``zicht research``
commands against the demo's SQLite files. Here those files are small stand-ins with only the
columns the launcher reads (as in ``zicht/transport/tests/test_demo.py``), and the commands
are replaced by a fake that changes them the way the real command and worker would; the real
commands are exercised by ``test_command.py`` and the end-to-end tests.
"""

import json
import sqlite3
import threading
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from zicht.devtools import demo as launcher
from zicht.regions import REGION_CODES
from zicht.register.demo_data.generator import generate
from zicht.register.demo_data.writer import node_catalogue
from zicht.research import demo
from zicht.research.management.commands.research import read_spec_file
from zicht.research.study import quarters_between

NOVEMBER = date(2026, 11, 29)


# -- the study --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "start", "end"),
    [
        (NOVEMBER, date(2023, 10, 1), date(2026, 12, 31)),
        (date(2026, 1, 1), date(2022, 10, 1), date(2026, 3, 31)),
        (date(2026, 12, 31), date(2023, 10, 1), date(2026, 12, 31)),
        (date(2027, 6, 30), date(2024, 4, 1), date(2027, 6, 30)),
    ],
)
def test_the_period_is_whole_quarters_around_the_demo_register(
    today: date, start: date, end: date
) -> None:
    assert demo.period(today) == (start, end)


@pytest.mark.django_db
def test_every_demo_signal_falls_in_the_period() -> None:
    register = generate(
        region="midden-nederland",
        seed=1,
        signals=600,
        catalogue=node_catalogue("midden-nederland"),
        today=NOVEMBER,
    )
    start, end = demo.period(NOVEMBER)
    received = [signal.received_on for signal in register.signals]
    assert all(start <= day <= end for day in received)
    # The period is not much longer than the data: its first and last quarters have signals.
    quarters = {f"{day.year}-K{(day.month - 1) // 3 + 1}" for day in received}
    first, *_middle, last = quarters_between(start, end)
    assert {first, last} <= quarters


@pytest.mark.django_db
def test_the_study_file_is_the_study_the_issue_asks_for(tmp_path: Path) -> None:
    regions = list(REGION_CODES[:3])
    path = tmp_path / "study.json"
    path.write_text(json.dumps(demo.study_file(regions=regions, today=NOVEMBER)), "utf-8")

    spec = read_spec_file(path)  # what `zicht research offer --spec-file` accepts

    assert spec.study_id == demo.STUDY_ID
    assert spec.title == "Arbeidsuitbuiting per sector en kwartaal, alle regio's"
    assert spec.metric == "signals"
    assert [d.code for d in spec.dimensions] == ["sector", "quarter"]
    assert dict(spec.filters) == {"form": ("arbeid",)}
    assert spec.regions == tuple(sorted(regions))
    assert (spec.period_start, spec.period_end) == demo.period(NOVEMBER)
    assert spec.dimensions[1].codes == quarters_between(spec.period_start, spec.period_end)
    assert spec.min_cell == 10
    assert spec.epsilon is None
    assert not spec.region_columns


def test_every_region_but_the_last_approves_in_advance() -> None:
    everyone = list(REGION_CODES)
    assert demo.plan(asked=everyone, network=everyone) == (everyone[:-1], "limburg")
    three = everyone[:3]
    assert demo.plan(asked=three, network=three) == (three[:2], "midden-nederland")
    # A study offered to more regions than run now: only the running ones, the last left.
    assert demo.plan(asked=everyone, network=three) == (three[:2], "midden-nederland")
    # And one offered to fewer: the regions it asks.
    assert demo.plan(asked=three, network=everyone) == (three[:2], "midden-nederland")
    # Below three regions the run could never start: nobody approves.
    assert demo.plan(asked=everyone, network=everyone[:2]) == ([], None)


# -- the demo's databases, as the launcher reads them ----------------------------------------


def _execute(path: Path, statements: list[str], *params: tuple[Any, ...]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path)) as conn, conn:
        for statement in statements:
            conn.execute(statement)
        for row in params:
            conn.execute(row[0], row[1:])


HUB_TABLES = [
    "CREATE TABLE research_study (id INTEGER PRIMARY KEY, study_id TEXT)",
    "CREATE TABLE research_studyrun "
    "(id INTEGER PRIMARY KEY, run_id TEXT, study_id INTEGER, number INTEGER, state TEXT)",
    "CREATE TABLE research_invitation (run_id INTEGER, region TEXT, decision TEXT)",
]
NODE_TABLES = ["CREATE TABLE research_runrequest (run_id TEXT, decision TEXT, hub_state TEXT)"]


def test_the_latest_run_and_what_a_node_knows_of_it(tmp_path: Path) -> None:
    hub_db = tmp_path / "hub.sqlite3"
    _execute(hub_db, HUB_TABLES)
    assert not demo.study_exists(hub_db)
    assert demo.latest_run(hub_db) is None
    _execute(
        hub_db,
        [],
        ("INSERT INTO research_study VALUES (1, ?)", demo.STUDY_ID),
        ("INSERT INTO research_study VALUES (2, ?)", "another"),
        ("INSERT INTO research_studyrun VALUES (1, ?, 1, 1, 'cancelled')", f"{demo.STUDY_ID}.1"),
        ("INSERT INTO research_studyrun VALUES (2, ?, 1, 2, 'awaiting')", f"{demo.STUDY_ID}.2"),
        ("INSERT INTO research_studyrun VALUES (3, 'another.1', 2, 1, 'awaiting')",),
        ("INSERT INTO research_invitation VALUES (1, 'limburg', 'declined')",),
        ("INSERT INTO research_invitation VALUES (2, 'limburg', 'pending')",),
        ("INSERT INTO research_invitation VALUES (2, 'rotterdam', 'approved')",),
        ("INSERT INTO research_invitation VALUES (3, 'den-haag', 'approved')",),
    )
    assert demo.study_exists(hub_db)
    assert demo.latest_run(hub_db) == demo.HubRun(
        f"{demo.STUDY_ID}.2", "awaiting", {"limburg": "pending", "rotterdam": "approved"}
    )

    node_db = tmp_path / "node.sqlite3"
    assert demo.node_request(node_db, "x.1") is None  # no database yet
    _execute(node_db, ["CREATE TABLE other (x)"])
    assert demo.node_request(node_db, "x.1") is None  # not migrated yet
    _execute(
        node_db,
        NODE_TABLES,
        ("INSERT INTO research_runrequest VALUES ('x.1', 'pending', 'awaiting')",),
    )
    assert demo.node_request(node_db, "x.1") == demo.NodeRequest("pending", "awaiting")
    assert demo.node_request(node_db, "x.2") is None


# -- the launcher's set-up --------------------------------------------------------------------


class FakeNetwork:
    """The demo's databases and a stand-in for ``run_command`` that changes them."""

    def __init__(self, root: Path, nodes: int) -> None:
        self.root = root
        self.instances = launcher.network(nodes, 18500)
        self.commands: list[tuple[str, list[str]]] = []
        self.fetched: set[str] = set()  # regions whose worker fetched the run
        _execute(self.db("hub"), HUB_TABLES)
        for inst in self.instances[1:]:
            _execute(self.db(inst.name), NODE_TABLES)

    def db(self, name: str) -> Path:
        return self.root / name / "db.sqlite3"

    def run_command(self, instance: launcher.Instance, args: list[str], **kwargs: Any) -> str:
        assert kwargs["detached"] is True
        self.commands.append((instance.name, args))
        if args[:2] == ["research", "offer"]:
            statements: list[tuple[Any, ...]] = []
            if "--spec-file" in args:
                spec = json.loads(Path(args[args.index("--spec-file") + 1]).read_text("utf-8"))
                regions = spec["regions"]
                statements.append(("INSERT INTO research_study VALUES (1, ?)", spec["study_id"]))
            else:  # --study: a new run of the study the hub has, for the whole network
                regions = [inst.region.code for inst in self.instances if inst.region]
            run_id = f"{demo.STUDY_ID}.1"
            _execute(
                self.db("hub"),
                [],
                *statements,
                ("INSERT INTO research_studyrun VALUES (1, ?, 1, 1, 'awaiting')", run_id),
                *[
                    ("INSERT INTO research_invitation VALUES (1, ?, 'pending')", region)
                    for region in regions
                ],
            )
            # The nodes' workers fetch the new run.
            for inst in self.instances[1:]:
                if inst.region and inst.region.code in self.fetched:
                    self.fetch(inst.region.code, run_id)
            return run_id + "\n"
        if args[:2] == ["research", "decide"]:
            assert args[3] == "--approve"
            _execute(
                self.db(instance.name),
                [],
                ("UPDATE research_runrequest SET decision = 'approved' WHERE run_id = ?", args[2]),
            )
            return "goedgekeurd\n"
        raise AssertionError(args)

    def fetch(self, region: str, run_id: str) -> None:
        _execute(
            self.db(f"node-{region}"),
            [],
            ("INSERT INTO research_runrequest VALUES (?, 'pending', 'awaiting')", run_id),
        )

    def relay(self, run_id: str) -> None:
        """The workers pass every node's decision to the hub."""
        for inst in self.instances[1:]:
            request = demo.node_request(self.db(inst.name), run_id)
            if request is not None and inst.region is not None:
                _execute(
                    self.db("hub"),
                    [],
                    (
                        "UPDATE research_invitation SET decision = ? WHERE region = ?",
                        request.decision,
                        inst.region.code,
                    ),
                )


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeNetwork:
    network = FakeNetwork(tmp_path, nodes=4)
    monkeypatch.setattr(launcher, "run_command", network.run_command)
    return network


def _set_up(fake: FakeNetwork, **kwargs: Any) -> str:
    return launcher.set_up_study(
        fake.instances,
        var_dir=fake.root,
        hub_port=18500,
        stop=threading.Event(),
        today=NOVEMBER,
        **kwargs,
    )


def test_the_launcher_offers_the_study_once_and_approves_all_but_the_last(
    fake: FakeNetwork,
) -> None:
    regions = [inst.region.code for inst in fake.instances[1:] if inst.region]
    fake.fetched = set(regions)

    line = _set_up(fake)

    run_id = f"{demo.STUDY_ID}.1"
    assert fake.commands[0] == (
        "hub",
        ["research", "offer", "--spec-file", str(fake.root / launcher.STUDY_FILE),
         "--as", "liec"],
    )  # fmt: skip
    assert sorted(fake.commands[1:]) == [
        (f"node-{region}", launcher.approve_args(run_id)) for region in sorted(regions[:3])
    ]
    assert launcher.approve_args(run_id) == [
        "research", "decide", run_id, "--approve", "--reason", demo.APPROVAL_REASON,
        "--as", "steward",
    ]  # fmt: skip
    assert json.loads((fake.root / launcher.STUDY_FILE).read_text("utf-8"))["regions"] == regions
    assert demo.node_request(fake.db("node-noord-holland"), run_id) == demo.NodeRequest(
        "pending", "awaiting"
    )
    assert line.startswith(f"Ready study {run_id}: offered; 3 regions approved it in advance")
    assert line.endswith("The last approval is for the steward of Noord-Holland.")

    # A warm restart: the study is there and the three decisions were given, reported or not.
    fake.commands.clear()
    assert _set_up(fake) == ""
    fake.relay(run_id)
    assert _set_up(fake) == ""
    assert fake.commands == []


def test_the_launcher_waits_for_each_node_to_fetch_the_run(fake: FakeNetwork) -> None:
    fake.fetched = {"noord-nederland"}  # the other workers have not fetched it yet
    with pytest.raises(launcher.DemoError, match="node-oost-nederland did not fetch"):
        _set_up(fake, timeout=0)
    assert [name for name, _args in fake.commands] == ["hub", "node-noord-nederland"]

    # Once they have, a later start approves the rest without offering again.
    fake.commands.clear()
    for region in ("oost-nederland", "midden-nederland"):
        fake.fetch(region, f"{demo.STUDY_ID}.1")
    assert ": 2 more regions approved it in advance" in _set_up(fake, timeout=0)
    assert sorted(name for name, _args in fake.commands) == [
        "node-midden-nederland",
        "node-oost-nederland",
    ]


def test_a_study_saved_without_a_run_is_offered_by_its_id(fake: FakeNetwork) -> None:
    _execute(fake.db("hub"), [], ("INSERT INTO research_study VALUES (1, ?)", demo.STUDY_ID))
    fake.fetched = {"noord-nederland", "oost-nederland", "midden-nederland"}
    assert "offered; 3 regions approved it" in _set_up(fake)
    assert fake.commands[0] == (
        "hub",
        ["research", "offer", "--study", demo.STUDY_ID, "--as", "liec"],
    )


def test_a_stopped_demo_stops_waiting(fake: FakeNetwork) -> None:
    stop = threading.Event()
    stop.set()
    line = launcher.set_up_study(
        fake.instances, var_dir=fake.root, hub_port=18500, stop=stop, today=NOVEMBER
    )
    assert line == ""
    assert fake.commands == []


def test_nothing_is_set_up_with_fewer_than_three_nodes(tmp_path: Path) -> None:
    instances = launcher.network(2, 18500)
    assert (
        launcher.set_up_study(
            instances, var_dir=tmp_path, hub_port=18500, stop=threading.Event(), today=NOVEMBER
        )
        == ""
    )
    [line] = launcher.study_instructions(instances, None)
    assert "at least 3 regions" in line


def test_the_start_up_table_says_what_is_left_to_do() -> None:
    instances = launcher.network(3, 8000)
    text = "\n".join(launcher.study_instructions(instances, None))
    assert demo.TITLE in text
    assert "offered to 3 regions; the data stewards of 2 approve it" in text
    assert "The last approval, Midden-Nederland's, is yours" in text
    assert "1. http://localhost:8003/onderzoek/  log in as steward" in text
    assert (
        '2. http://localhost:8000/onderzoek/  log in as liec, open the study, "Uitvoeren"' in text
    )

    run_id = f"{demo.STUDY_ID}.1"
    decided = demo.HubRun(
        run_id,
        "awaiting",
        {
            "noord-nederland": "approved",
            "oost-nederland": "approved",
            "midden-nederland": "approved",
        },
    )
    text = "\n".join(launcher.study_instructions(instances, decided))
    assert "Midden-Nederland has decided already" in text
    assert "log in as steward" not in text

    released = demo.HubRun(run_id, "released", decided.decisions)
    text = "\n".join(launcher.study_instructions(instances, released))
    assert f"http://localhost:8000/onderzoek/uitvoering/{run_id}/resultaat/" in text

    running = demo.HubRun(run_id, "summing", decided.decisions)
    assert "running" in "\n".join(launcher.study_instructions(instances, running))
    failed = demo.HubRun(run_id, "failed", decided.decisions)
    assert "ended without a result (failed)" in "\n".join(
        launcher.study_instructions(instances, failed)
    )
