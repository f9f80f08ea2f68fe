"""The whole journey of a joint study in Chromium: draft, decide, run, release, read.

The hub and four regional nodes run as real processes (the multi-process harness of
``zicht/transport/tests/network.py``, as in ``test_e2e_network.py``), each with its web
server, the demo logins (``zicht setup_instance --demo``) and, on the nodes, a small synthetic
register (``zicht generate_demo_data``) and a fast transport worker. Two-factor login is off,
as in the demo.

People do everything through the pages: the hub's analyst (``liec``) drafts a study with the
form and offers it; on each node the data steward opens the request and approves or declines;
the analyst presses "Uitvoeren" and reads the release. Why four nodes: a run needs at least
three approvals (``MIN_PARTICIPANTS``), so the journey "approvals and one decline" needs
three approving regions and a fourth that declines.

The test waits for the workers by reading the instances' databases (a run fetched, decisions
relayed, the run released), never by sleeping.
"""

import csv
import io
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from zicht.accounts.demo import DEMO_PASSWORD
from zicht.regions import region_by_code
from zicht.research.demo import period
from zicht.transport.tests.network import (
    Databases,
    Instance,
    create_instances,
    enroll_nodes,
    wait_until,
)

pytestmark = [pytest.mark.browser, pytest.mark.multiprocess]

A, B, C, D = "noord-nederland", "oost-nederland", "midden-nederland", "limburg"
APPROVING, DECLINING = (A, B, C), D
DECLINE_REASON = "Geen grondslag in ons convenant voor dit onderzoek."
TITLE = "Arbeidsuitbuiting per sector"
FAST_WORKER = ("--interval", "0.2", "--max-backoff", "1")
SIGNALS_PER_NODE = 60  # about a third labour exploitation: enough for cells of k = 3
TIMEOUT = 120.0  # generous: five servers, four workers and Chromium share two cores in CI


@dataclass
class DemoInstance(Instance):
    """An instance with two-factor login off, as in the demo."""

    @property
    def env(self) -> dict[str, str]:
        return {**super().env, "ZICHT_REQUIRE_2FA": "false"}


def _as_demo(instance: Instance) -> DemoInstance:
    return DemoInstance(**{f.name: getattr(instance, f.name) for f in fields(instance)})


@dataclass
class Network:
    hub: DemoInstance
    nodes: dict[str, DemoInstance]


@pytest.fixture
def network(tmp_path: Path) -> Iterator[Network]:
    databases = Databases(tmp_path, os.environ.get("DATABASE_URL"))
    instances: list[DemoInstance] = []
    try:
        plain_hub, plain_nodes = create_instances(tmp_path, databases, [A, B, C, D])
        hub = _as_demo(plain_hub)
        nodes = {region: _as_demo(node) for region, node in plain_nodes.items()}
        instances = [hub, *nodes.values()]
        for instance in instances:
            instance.start_server()

        def seed(instance: DemoInstance) -> None:
            instance.zicht("setup_instance", "--demo")
            if instance.region is not None:
                seed = str(list(nodes).index(instance.region) + 1)
                instance.zicht(
                    "generate_demo_data", "--signals", str(SIGNALS_PER_NODE), "--seed", seed
                )

        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(seed, instances))
        for instance in instances:
            instance.wait_healthy()
        enroll_nodes(hub, list(nodes.values()), jobs=2)
        for node in nodes.values():
            node.start_worker(*FAST_WORKER, wait=False)
        for node in nodes.values():
            node.wait_worker_started()
        yield Network(hub, nodes)
    finally:
        for instance in reversed(instances):
            instance.stop_worker()
            instance.stop_server()
        databases.drop_all()


# -- waiting for the workers, in the instances' databases -------------------------------------


def _latest_run(hub: Instance) -> str | None:
    value = hub.scalar("SELECT run_id FROM research_studyrun ORDER BY id DESC LIMIT 1")
    return None if value is None else str(value)


def _knows_run(node: Instance, run_id: str) -> bool:
    sql = "SELECT COUNT(*) FROM research_runrequest WHERE run_id = %s"
    return bool(node.scalar(sql, (run_id,)))


def _decisions(hub: Instance, run_id: str) -> dict[str, str]:
    rows = hub.query(
        "SELECT i.region, i.decision FROM research_invitation i "
        "JOIN research_studyrun r ON r.id = i.run_id WHERE r.run_id = %s",
        (run_id,),
    )
    return {str(region): str(decision) for region, decision in rows}


def _state(hub: Instance, run_id: str) -> str:
    state = hub.scalar("SELECT state FROM research_studyrun WHERE run_id = %s", (run_id,))
    failure = hub.scalar("SELECT failure FROM research_studyrun WHERE run_id = %s", (run_id,))
    if state in ("failed", "cancelled"):
        raise AssertionError(f"run {run_id} ended as {state}: {failure}")
    return str(state)


# -- the people -------------------------------------------------------------------------------


def _login(chromium: Any, instance: Instance, username: str) -> Any:
    """A page of a fresh browser context, logged in on ``instance`` as ``username``."""
    context = chromium.new_context(base_url=instance.url, locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Volgende").click()
    page.get_by_role("navigation", name="Hoofdmenu").wait_for()
    return page


def _draft_and_offer(page: Any, regions: list[str]) -> None:
    start, end = period(date.today())
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Onderzoek").click()
    page.get_by_role("link", name="Nieuw onderzoek").click()
    form = page.get_by_test_id("study-form")
    form.get_by_label("Titel").fill(TITLE)
    form.get_by_label("Onderzoeksvraag").fill(
        "In welke sectoren kwamen signalen van arbeidsuitbuiting binnen?"
    )
    form.get_by_label("Periode van").fill(start.isoformat())
    form.get_by_label("Periode tot en met").fill(end.isoformat())
    region_choices = page.locator("#id_regions")
    for checkbox in region_choices.get_by_role("checkbox").all():
        checkbox.uncheck()
    for region in regions:
        region_choices.get_by_label(region_by_code(region).name, exact=True).check()
    form.get_by_label("Wat wordt geteld").select_option(label="Signalen")
    form.get_by_label("Eerste uitsplitsing (de rijen van de tabel)").select_option(label="Sector")
    page.locator("#id_filter_form").get_by_label("Arbeidsuitbuiting", exact=True).check()
    form.get_by_label("Minimale celgrootte k").fill("3")
    form.get_by_role("button", name="Opslaan").click()

    page.get_by_role("heading", level=1, name=TITLE).wait_for()
    description = page.get_by_test_id("description").inner_text()
    assert "alleen signalen met uitbuitingsvorm Arbeidsuitbuiting" in description
    page.get_by_test_id("offer").click()
    expect(page.get_by_role("status")).to_contain_text("Uitvoering 1 is aangeboden")
    expect(page.get_by_test_id("run-1").get_by_test_id("run-state")).to_have_text(
        "wacht op besluiten"
    )


def _decide(page: Any, run_id: str, *, approve: bool, reason: str = "") -> None:
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Onderzoek").click()
    page.get_by_test_id(f"request-{run_id}").get_by_role("link", name=TITLE).click()
    # The steward sees the question and the region's own table before deciding.
    assert "Arbeidsuitbuiting" in page.get_by_test_id("description").inner_text()
    page.get_by_test_id("preview").wait_for()
    form = page.get_by_test_id("decision-form")
    form.get_by_label("Goedkeuren: mijn regio doet mee" if approve else "Afwijzen").check()
    if reason:
        form.get_by_label("Reden").fill(reason)
    form.get_by_role("button", name="Besluit vastleggen").click()
    expect(page.get_by_role("status")).to_contain_text(
        "U heeft deze uitvoering goedgekeurd" if approve else "U heeft deze uitvoering afgewezen"
    )
    expect(page.get_by_test_id("decision")).to_contain_text(
        "goedgekeurd" if approve else "afgewezen"
    )


def _table_figures(page: Any) -> dict[str, str]:
    """The released table as {row label: figure} (one breakdown: one column of counts)."""
    table = page.get_by_test_id("release-table")
    assert table.locator("thead th").all_inner_texts() == ["Sector", "Aantal"]
    figures = {}
    for row in table.locator("tbody tr").all():
        label = row.locator("th").inner_text().strip()
        [figure] = row.locator("td").all_inner_texts()
        figures[label] = figure.strip()
    return figures


def test_draft_decide_run_and_read_the_release(chromium: Any, network: Network) -> None:
    hub, nodes = network.hub, network.nodes

    analyst = _login(chromium, hub, "liec")
    _draft_and_offer(analyst, [A, B, C, D])
    run_id = wait_until(partial(_latest_run, hub), timeout=TIMEOUT, what="the offered run")

    for region in (*APPROVING, DECLINING):
        node = nodes[region]
        wait_until(
            partial(_knows_run, node, run_id), timeout=TIMEOUT, what=f"{node.name} to fetch it"
        )
        steward = _login(chromium, node, "steward")
        if region == DECLINING:
            _decide(steward, run_id, approve=False, reason=DECLINE_REASON)
        else:
            _decide(steward, run_id, approve=True)
        steward.context.close()

    wanted = {**dict.fromkeys(APPROVING, "approved"), DECLINING: "declined"}
    wait_until(
        lambda: _decisions(hub, run_id) == wanted, timeout=TIMEOUT, what="the decisions at the hub"
    )
    analyst.reload()
    run = analyst.get_by_test_id("run-1")
    declined = run.get_by_test_id(f"decision-{DECLINING}").inner_text()
    assert "afgewezen" in declined
    assert DECLINE_REASON in declined
    run.get_by_role("button", name="Uitvoeren").click()
    expect(analyst.get_by_role("status")).to_contain_text("Uitvoering 1 is gestart met 3 regio's")

    wait_until(lambda: _state(hub, run_id) == "released", timeout=TIMEOUT, what="the release")
    analyst.reload()
    analyst.get_by_test_id("run-1").get_by_role("link", name="Resultaat bekijken").click()
    analyst.get_by_role("heading", level=1, name=f"Resultaat: {TITLE} (uitvoering 1)").wait_for()

    # The table: every sector and the total, with figures (some cells reach k = 3).
    figures = _table_figures(analyst)
    assert figures["Land- en tuinbouw"]
    total = figures.pop("Totaal")
    assert total.isdigit()
    assert int(total) >= 3
    published = [int(text) for text in figures.values() if text.isdigit()]
    assert any(value >= 3 for value in published)
    assert all(value == 0 or value >= 3 for value in published)

    # The chart has bars and the map draws the ten regions, coloured by their part in the sum.
    assert analyst.get_by_test_id("chart").locator("svg rect.chart__bar").count() > 0
    regions = analyst.get_by_test_id("map").locator("svg path[data-region]")
    assert regions.count() == 10
    statuses = {
        path.get_attribute("data-region"): path.get_attribute("data-status")
        for path in regions.all()
    }
    assert {r for r, s in statuses.items() if s == "participated"} == set(APPROVING)
    assert {r for r, s in statuses.items() if s == "left_out"} == {DECLINING}

    # The method statement names the regions in the sum and the one that declined.
    method = analyst.get_by_test_id("method").inner_text()
    for region in APPROVING:
        assert region_by_code(region).name in method
    assert f"Niet in de som: {region_by_code(DECLINING).name}: afgewezen" in method
    assert analyst.get_by_test_id("participants").inner_text() == ", ".join(
        region_by_code(region).name for region in sorted(APPROVING)
    )
    assert analyst.get_by_test_id("left-out").inner_text() == (
        f"{region_by_code(DECLINING).name} (afgewezen door de data steward)"
    )

    # The CSV download holds the same figures as the table.
    with analyst.expect_download() as download_info:
        analyst.get_by_test_id("csv").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"zicht-onderzoek-{run_id}-")
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text("utf-8"))))
    assert rows[0] == ["Sector", "Aantal signalen"]
    assert dict(rows[1:]) == {**figures, "Totaal": total}
    analyst.context.close()
