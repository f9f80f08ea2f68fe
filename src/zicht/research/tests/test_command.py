"""``zicht research``: offer, start, decide and status through the services, as named users.

The command is the write path of the pages without the pages: each change is audited in the
name of the ``--as`` user, who needs the permission the page would ask for, and the status
shows what a run is doing but never a share, a partial sum or a region's table.
"""

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from zicht.audit.models import AuditEntry
from zicht.regions import REGION_CODES
from zicht.research.models import (
    Decision,
    Invitation,
    LocalDecision,
    RunRequest,
    RunState,
    ShareSet,
    Study,
    StudyRun,
)
from zicht.research.protocols import secure_aggregation as sa
from zicht.research.services import hub as hub_services
from zicht.research.services import node as node_services
from zicht.research.tests.authz import offered_run, released_run, run_request, study_spec

pytestmark = pytest.mark.django_db

ME = "midden-nederland"


def research(*args: str) -> str:
    out = StringIO()
    call_command("research", *args, stdout=out)
    return out.getvalue()


def spec_file(tmp_path: Path, **overrides: Any) -> str:
    data: dict[str, Any] = {
        "study_id": "arbeid-cli",
        "title": "Arbeidsuitbuiting per kwartaal",
        "question": "Hoeveel signalen van arbeidsuitbuiting per kwartaal?",
        "period_start": "2026-01-01",
        "period_end": "2026-06-30",
        "regions": ["den-haag", "limburg", "rotterdam"],
        "metric": "signals",
        "dimensions": ["quarter"],
        "filters": {"form": ["arbeid"]},
        "min_cell": 5,
    }
    data.update(overrides)
    path = tmp_path / "study.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def audited_by(username: str, object_type: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(actor_username=username, object_type=object_type))


# -- hub ----------------------------------------------------------------------------------------


@pytest.mark.usefixtures("as_hub")
def test_offer_creates_the_study_and_offers_its_first_run(tmp_path: Path, make_user: Any) -> None:
    drafter = make_user("analist")
    output = research("offer", "--spec-file", spec_file(tmp_path), "--as", drafter.username)
    assert output.splitlines() == ["arbeid-cli.1"]
    run = StudyRun.objects.get(run_id="arbeid-cli.1")
    assert run.state == RunState.AWAITING
    assert run.spec["filters"] == [{"dimension": "form", "codes": ["arbeid"]}]
    assert run.spec["min_cell"] == 5
    assert sorted(run.invitations.values_list("region", flat=True)) == [
        "den-haag",
        "limburg",
        "rotterdam",
    ]
    assert run.created_by == drafter
    assert audited_by(drafter.username, "research.study")
    assert audited_by(drafter.username, "research.studyrun")


@pytest.mark.usefixtures("as_hub")
def test_offer_all_regions_and_again_after_a_cancelled_run(tmp_path: Path, make_user: Any) -> None:
    drafter = make_user("coordinator")
    research("offer", "--spec-file", spec_file(tmp_path, regions="all"), "--as", drafter.username)
    first = StudyRun.objects.get(run_id="arbeid-cli.1")
    assert first.invitations.count() == len(REGION_CODES)
    with pytest.raises(CommandError, match="loopt al een uitvoering"):
        research("offer", "--study", "arbeid-cli", "--as", drafter.username)
    hub_services.cancel_run(acting_user=drafter, run=first, reason="Vraag aangescherpt")
    assert research("offer", "--study", "arbeid-cli", "--as", drafter.username).strip() == (
        "arbeid-cli.2"
    )
    with pytest.raises(CommandError, match="geen onderzoek met code"):
        research("offer", "--study", "bestaat-niet", "--as", drafter.username)
    with pytest.raises(CommandError, match="bestaat al een onderzoek"):
        research("offer", "--spec-file", spec_file(tmp_path), "--as", drafter.username)


@pytest.mark.usefixtures("as_hub")
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"metric": "kinderen"}, "Onbekende maat"),
        ({"period_start": "1 januari"}, "geen datum"),
        ({"period_end": 20260630}, "datum als tekst"),
        ({"regions": ["den-haag", "limburg"]}, "minstens 3 regio"),
        ({"regions": "den-haag"}, "lijst van codes"),
        ({"filters": ["form"]}, "filters moet een object"),
        ({"owner": "liec"}, "onbekend: owner"),
        ({"title": None}, "titel"),
    ],
)
def test_offer_refuses_a_bad_study_file(
    tmp_path: Path, make_user: Any, overrides: dict[str, Any], message: str
) -> None:
    drafter = make_user("analist")
    with pytest.raises(CommandError, match=message):
        research("offer", "--spec-file", spec_file(tmp_path, **overrides), "--as", drafter.username)
    assert not Study.objects.exists()


@pytest.mark.usefixtures("as_hub")
def test_offer_refuses_missing_keys_and_unreadable_files(tmp_path: Path, make_user: Any) -> None:
    drafter = make_user("analist")
    path = tmp_path / "kapot.json"
    path.write_text('{"study_id": "x"', encoding="utf-8")
    with pytest.raises(CommandError, match="geen geldige JSON"):
        research("offer", "--spec-file", str(path), "--as", drafter.username)
    path.write_text('{"study_id": "x"}', encoding="utf-8")
    with pytest.raises(CommandError, match="ontbrekend: dimensions, metric"):
        research("offer", "--spec-file", str(path), "--as", drafter.username)
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(CommandError, match="JSON-object"):
        research("offer", "--spec-file", str(path), "--as", drafter.username)
    with pytest.raises(CommandError, match="kan niet worden gelezen"):
        research("offer", "--spec-file", str(tmp_path / "weg.json"), "--as", drafter.username)


@pytest.mark.usefixtures("as_hub")
def test_only_active_drafters_may_offer_or_start(tmp_path: Path, make_user: Any) -> None:
    reader = make_user("alleen_lezen")
    with pytest.raises(CommandError, match=r"research\.draft_study"):
        research("offer", "--spec-file", spec_file(tmp_path), "--as", reader.username)
    gone = make_user("analist", is_active=False)
    with pytest.raises(CommandError, match="geen actieve gebruiker"):
        research("offer", "--spec-file", spec_file(tmp_path), "--as", gone.username)
    with pytest.raises(CommandError, match="geen actieve gebruiker"):
        research("start", "x.1", "--as", "niemand")
    assert not Study.objects.exists()


@pytest.mark.usefixtures("as_hub")
def test_start_needs_three_approvals_and_is_audited(make_user: Any) -> None:
    drafter = make_user("analist")
    run = offered_run(approve=["den-haag", "limburg"], decline={"rotterdam": "Geen capaciteit"})
    with pytest.raises(CommandError, match="minstens 3"):
        research("start", run.run_id, "--as", drafter.username)
    hub_services.record_decision(
        region="noord-holland",
        run_id=run.run_id,
        decision=Decision.APPROVED,
        reason="",
        digest=run.digest,
        region_column=False,
    )
    output = research("start", run.run_id, "--as", drafter.username)
    assert output.strip() == (
        f"{run.run_id} gestart met 3 regio's: den-haag, limburg, noord-holland"
    )
    run.refresh_from_db()
    assert run.state == RunState.SHARING
    events = [e.detail.get("event") for e in audited_by(drafter.username, "research.studyrun")]
    assert "started" in events
    with pytest.raises(CommandError, match="niet bekend op de hub"):
        research("start", "bestaat-niet.1", "--as", drafter.username)


@pytest.mark.usefixtures("as_hub")
def test_status_on_the_hub_shows_decisions_events_and_the_release() -> None:
    tables = {"den-haag": [20, 30], "limburg": [21, 31], "rotterdam": [22, 32]}
    spec = study_spec(regions=[*tables, "noord-holland"], dimension_codes=["quarter"])
    run = released_run(
        tables,
        study=hub_services.save_study(acting_user=None, spec=spec),
        decline={"noord-holland": "Geen grondslag"},
    )
    status = json.loads(research("status", run.run_id))
    assert status["role"] == "hub"
    assert status["state"] == "released"
    assert status["participants"] == sorted(tables)
    assert status["decisions"]["noord-holland"]["decision"] == "declined"
    assert status["decisions"]["noord-holland"]["reason"] == "Geen grondslag"
    assert [e["event"] for e in status["events"]][-1] == "released"
    cells = {
        tuple(key): value for key, value in status["release"]["table"]["entries"] if None not in key
    }
    assert cells == {("2026-K1",): 63, ("2026-K2",): 93}
    assert status["release"]["left_out"] == {"noord-holland": "afgewezen door de data steward"}


def test_hub_commands_refuse_to_run_on_a_node(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="alleen voor de hub"):
        research("offer", "--spec-file", spec_file(tmp_path), "--as", "liec")
    with pytest.raises(CommandError, match="alleen voor de hub"):
        research("start", "x.1", "--as", "liec")


# -- node ---------------------------------------------------------------------------------------


def node_request(regions: tuple[str, ...] = (ME, "limburg", "rotterdam")) -> RunRequest:
    request: RunRequest = run_request(study_spec(regions=regions))
    return request


def test_the_steward_approves_and_the_decision_waits_for_the_worker(make_user: Any) -> None:
    steward = make_user("data_steward")
    request = node_request()
    output = research("decide", request.run_id, "--approve", "--as", steward.username)
    assert output.startswith(f"{request.run_id} goedgekeurd")
    request.refresh_from_db()
    assert request.decision == LocalDecision.APPROVED
    assert request.decided_by == steward
    assert not request.decision_reported  # the worker relays it
    [entry] = audited_by(steward.username, "research.runrequest")
    assert entry.detail["decision"] == "approved"
    with pytest.raises(CommandError, match="al besloten"):
        research("decide", request.run_id, "--decline", "--reason", "x", "--as", steward.username)


def test_declining_needs_a_reason(make_user: Any) -> None:
    steward = make_user("data_steward")
    request = node_request()
    with pytest.raises(CommandError, match="reden"):
        research("decide", request.run_id, "--decline", "--as", steward.username)
    research(
        "decide",
        request.run_id,
        "--decline",
        "--reason",
        "Geen grondslag",
        "--as",
        steward.username,
    )
    request.refresh_from_db()
    assert (request.decision, request.reason) == (LocalDecision.DECLINED, "Geen grondslag")


def test_only_the_data_steward_decides_and_only_known_runs(make_user: Any) -> None:
    analyst = make_user("analist")
    steward = make_user("data_steward")
    request = node_request()
    with pytest.raises(CommandError, match=r"research\.decide_run"):
        research("decide", request.run_id, "--approve", "--as", analyst.username)
    with pytest.raises(CommandError, match="niet bekend op deze node"):
        research("decide", "onbekend.1", "--approve", "--as", steward.username)
    with pytest.raises(CommandError, match="eigen kolom"):
        research("decide", request.run_id, "--approve", "--region-column", "--as", steward.username)
    request.refresh_from_db()
    assert request.decision == LocalDecision.PENDING
    assert not Invitation.objects.exists()  # nothing reached the hub's tables on a node


def test_decide_refuses_to_run_on_the_hub(settings: Any) -> None:
    settings.ZICHT_ROLE = "hub"
    with pytest.raises(CommandError, match="alleen voor een node"):
        research("decide", "x.1", "--approve", "--as", "steward")


def test_status_on_a_node_shows_the_sharing_but_never_a_share(make_user: Any) -> None:
    steward = make_user("data_steward")
    spec = study_spec(regions=(ME, "limburg", "rotterdam"), dimension_codes=["quarter"])
    request: RunRequest = run_request(spec)
    research("decide", request.run_id, "--approve", "--as", steward.username)
    announced = sa.start_run(
        run_id=request.run_id, participants=[ME, "limburg", "rotterdam"], cells=spec.cell_count()
    )
    item = {
        "run_id": request.run_id,
        "study_id": spec.study_id,
        "spec": spec.to_dict(),
        "digest": spec.digest(),
        "state": "sharing",
        "protocol": announced.to_dict(),
        "decision": "approved",
        "release_digest": None,
    }
    request = node_services.update_from_hub(item)  # type: ignore[assignment]
    node_services.make_shares(request)
    own = ShareSet.objects.get(run_id=request.run_id).own_share
    text = research("status", request.run_id)
    status = json.loads(text)
    assert status["role"] == "node"
    assert status["region"] == ME
    assert status["hub_state"] == "sharing"
    assert status["decided_by"] == steward.username
    assert status["sharings"] == [
        {"epoch": 0, "shares_sent": 2, "reported": False, "own_share_held": True}
    ]
    assert status["received_shares"] == 0
    assert status["partial_sum"] is None
    for value in own["vector"]:
        assert str(value) not in text
    with pytest.raises(CommandError, match="niet bekend op deze node"):
        research("status", "onbekend.1")


@pytest.mark.usefixtures("as_hub")
def test_the_example_study_files_in_the_help_and_the_docs_are_valid(tmp_path: Path) -> None:
    from zicht.research.management.commands import research as command

    doc = command.__doc__ or ""
    start = doc.index('{"study_id"')
    in_help = doc[start : doc.index("}\n", start) + 1]
    operations = (Path(__file__).resolve().parents[4] / "docs" / "operations.md").read_text()
    in_docs = operations.split("```json\n", 1)[1].split("```", 1)[0]
    for number, example in enumerate((in_help, in_docs)):
        path = tmp_path / f"example{number}.json"
        path.write_text(example, encoding="utf-8")
        spec = command.read_spec_file(path)
        assert spec.regions == tuple(sorted(REGION_CODES))
        assert [d.code for d in spec.dimensions] == ["sector", "quarter"]
