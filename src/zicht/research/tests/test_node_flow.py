"""A node's side of a run through its transport-cycle step, against the hub's services.

The node under test is this process (midden-nederland); the hub is reached through a fake
client that calls the hub's services in the same database, and the two other regions are
played by the pure protocol library. What is checked: the steward's decision reaches the hub,
the node shares only after approval and only once per epoch (N1), its partial sum is made once
(N2) from every share, its share material is deleted afterwards (N5), the budget is charged
before sharing and a refusal withdraws the node (N6), and the release equals the plaintext sum.
"""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from zicht.audit.models import AuditEntry
from zicht.cases.models import Notification
from zicht.research import access, local
from zicht.research.dimensions import build_spec
from zicht.research.errors import ConflictError, ResearchError, StateError
from zicht.research.models import (
    BudgetCharge,
    Decision,
    LocalDecision,
    ReceivedShare,
    Release,
    RunRequest,
    RunState,
    SentPartial,
    ShareSet,
    StudyRun,
)
from zicht.research.protocols import secure_aggregation as sa
from zicht.research.protocols.messages import ShareMessage
from zicht.research.services import hub as hub_services
from zicht.research.services import node as node_services
from zicht.research.study import StudySpec
from zicht.research.sync import sync_step
from zicht.transport import services as transport_services
from zicht.transport.client import API_ROOT, HubRejectedError
from zicht.transport.models import OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db

ME = "midden-nederland"
OTHERS = ["limburg", "noord-nederland"]


class FakeHub:
    """Routes the node's signed calls to the hub's services (as zicht.research.api does)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def call(
        self, method: str, path: str, payload: dict[str, Any] | None = None, *, api: str = ""
    ) -> Any:
        assert api == API_ROOT  # the research API is mounted beside the transport's
        self.calls.append(f"{method} {path}")
        parts = path.strip("/").split("/")
        try:
            if path == "/research/runs":
                hub_services.advance_deadlines()
                return {"runs": access.runs_for_region(ME)}
            run_id, action = parts[2], parts[3]
            if action == "release":
                return {"run_id": run_id, "release": access.release_for_region(ME, run_id)}
            assert payload is not None
            if action == "decision":
                hub_services.record_decision(region=ME, run_id=run_id, **payload)
            elif action == "shared":
                hub_services.report_shared(region=ME, run_id=run_id, epoch=payload["epoch"])
            elif action == "partial":
                hub_services.receive_partial(region=ME, run_id=run_id, **payload)
            elif action == "withdraw":
                hub_services.drop_from_run(region=ME, run_id=run_id, reason=payload["reason"])
            return {"state": "ok"}
        except ResearchError as exc:
            raise HubRejectedError(exc.status, str(exc)) from exc


DELIVERED: list[dict[str, Any]] = []


def flush() -> None:
    """What the transport worker does with queued messages: the hub now holds them.

    The payloads are kept in ``DELIVERED``, standing in for the other regions' inboxes.
    """
    queued = list(OutboxMessage.objects.filter(status=OutboxStatus.QUEUED))
    DELIVERED.extend(m.payload for m in queued)
    transport_services.mark_sent(message_ids=[m.message_id for m in queued])


def spec(**overrides: Any) -> StudySpec:
    options: dict[str, Any] = {
        "study_id": "node-flow",
        "title": "Signalen per sector",
        "question": "Welke sectoren?",
        "period_start": date(2025, 1, 1),
        "period_end": date(2025, 12, 31),
        "regions": [ME, *OTHERS],
        "metric": "signals",
        "dimension_codes": ["quarter"],
        "filters": {},
        "min_cell": 3,
    }
    options.update(overrides)
    return build_spec(**options)


def offer(study_spec: StudySpec) -> StudyRun:
    study = hub_services.save_study(acting_user=None, spec=study_spec)
    return hub_services.offer_run(acting_user=None, study=study)


@pytest.fixture
def steward(make_user: Any) -> Any:
    DELIVERED.clear()
    return make_user("data_steward")


def approve_here(hub: FakeHub, run: StudyRun, steward: Any, **kwargs: Any) -> RunRequest:
    sync_step(hub, flush)  # type: ignore[arg-type]
    request = RunRequest.objects.get(run_id=run.run_id)
    assert request.decision == LocalDecision.PENDING
    node_services.decide(acting_user=steward, request=request, approve=True, reason="", **kwargs)
    sync_step(hub, flush)  # type: ignore[arg-type]
    return RunRequest.objects.get(run_id=run.run_id)


def others_approve_and_start(run: StudyRun) -> None:
    for region in OTHERS:
        hub_services.record_decision(
            region=region,
            run_id=run.run_id,
            decision=Decision.APPROVED,
            reason="",
            digest=run.digest,
            region_column=False,
        )
    hub_services.start_run(acting_user=None, run=run)


def others_share(run: StudyRun, tables: dict[str, list[int]]) -> dict[str, Any]:
    """The other regions share: their shares for this node arrive through the handler."""
    run.refresh_from_db()
    announced = sa.Run.from_dict(run.protocol)
    kept: dict[str, Any] = {}
    for sender in OTHERS:
        shares = sa.make_shares(tables[sender], run=announced, sender=sender)
        node_services.store_received_share(
            sender=sender, payload=shares[ME].to_dict(), received=timezone.now()
        )
        kept[sender] = shares
        hub_services.report_shared(region=sender, run_id=run.run_id, epoch=announced.epoch)
    return kept


def test_a_whole_run_from_this_node(steward: Any) -> None:
    study_spec = spec()
    hub = FakeHub()
    run = offer(study_spec)
    request = approve_here(hub, run, steward)
    assert request.decision_reported
    # The steward was told that a run waits for a decision.
    assert Notification.objects.filter(recipient=steward, kind="onderzoek").count() == 1
    assert run.invitations.get(region=ME).decision == Decision.APPROVED
    others_approve_and_start(run)
    sync_step(hub, flush)  # type: ignore[arg-type]  # this node shares and reports
    share_set = ShareSet.objects.get(run_id=run.run_id)
    assert share_set.reported
    assert OutboxMessage.objects.filter(kind="secagg.share").count() == 2
    tables = {r: [11 * (i + 1)] * study_spec.cell_count() for i, r in enumerate(OTHERS)}
    kept = others_share(run, tables)
    run.refresh_from_db()
    assert run.state == RunState.SUMMING
    sync_step(hub, flush)  # type: ignore[arg-type]  # this node sends its partial sum
    assert SentPartial.objects.get(run_id=run.run_id).acknowledged
    assert not ReceivedShare.objects.exists()  # N5
    assert ShareSet.objects.get(run_id=run.run_id).own_share == {}
    # The other regions add what they hold, including this node's shares to them.
    run.refresh_from_db()
    announced = sa.Run.from_dict(run.protocol)
    mine = [ShareMessage.from_dict(p) for p in DELIVERED if p.get("sender") == ME]
    for region in OTHERS:
        held = [kept[s][region] for s in OTHERS if s != region]
        held += [m for m in mine if m.recipient == region]
        partial = sa.accumulate(kept[region][region], held, run=announced)
        hub_services.receive_partial(
            region=region, run_id=run.run_id, message=partial.to_dict(), column=None
        )
    run.refresh_from_db()
    assert run.state == RunState.RELEASED
    cells = {
        tuple(key): value
        for key, value in Release.objects.get(run=run).table["entries"]
        if None not in key
    }
    own = local.local_table(study_spec)
    expected = [a + b + c for a, b, c in zip(own, *tables.values(), strict=True)]
    assert [cells[c] for c in study_spec.cells()] == expected
    sync_step(hub, flush)  # type: ignore[arg-type]  # the node learns the release
    assert RunRequest.objects.get(run_id=run.run_id).release == access.release_document(
        Release.objects.get(run=run)
    )
    assert AuditEntry.objects.filter(
        object_type="research.runrequest", detail__event="release_received"
    ).exists()
    # ... and that its result was released.
    told = Notification.objects.filter(recipient=steward, kind="onderzoek").order_by("id")
    assert told.count() == 2
    assert "Resultaat vrijgegeven" in told.last().message  # type: ignore[union-attr]
    fetched = hub.calls.count(f"GET /research/runs/{run.run_id}/release")
    sync_step(hub, flush)  # type: ignore[arg-type]
    assert fetched == 1  # once: later polls carry only the release's digest
    assert hub.calls.count(f"GET /research/runs/{run.run_id}/release") == 1


def test_the_node_shares_once_per_epoch_and_sums_once(steward: Any) -> None:
    hub = FakeHub()
    run = offer(spec())
    approve_here(hub, run, steward)
    others_approve_and_start(run)
    request = RunRequest.objects.get(run_id=run.run_id)
    sync_step(hub, flush)  # type: ignore[arg-type]
    request.refresh_from_db()
    first = ShareSet.objects.get(run_id=run.run_id)
    assert node_services.make_shares(request) == first  # the stored sharing, not a new one
    assert OutboxMessage.objects.filter(kind="secagg.share").count() == 2


def test_a_declined_run_shares_nothing(steward: Any) -> None:
    hub = FakeHub()
    run = offer(spec())
    sync_step(hub, flush)  # type: ignore[arg-type]
    request = RunRequest.objects.get(run_id=run.run_id)
    with pytest.raises(ResearchError, match="reden"):
        node_services.decide(acting_user=steward, request=request, approve=False, reason=" ")
    node_services.decide(
        acting_user=steward, request=request, approve=False, reason="Geen grondslag"
    )
    sync_step(hub, flush)  # type: ignore[arg-type]
    invitation = run.invitations.get(region=ME)
    assert (invitation.decision, invitation.reason) == (Decision.DECLINED, "Geen grondslag")
    for region in OTHERS:
        hub_services.record_decision(
            region=region,
            run_id=run.run_id,
            decision=Decision.APPROVED,
            reason="",
            digest=run.digest,
            region_column=False,
        )
    with pytest.raises(StateError):
        hub_services.start_run(acting_user=None, run=run)  # two approvals are not enough
    sync_step(hub, flush)  # type: ignore[arg-type]
    assert not ShareSet.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_budget_is_charged_before_sharing_and_refusal_withdraws(
    steward: Any, settings: Any
) -> None:
    settings.ZICHT_DP_YEARLY_EPSILON = Decimal("1")
    hub = FakeHub()
    run = offer(spec(epsilon=Decimal("0.6"), study_id="dp-a"))
    approve_here(hub, run, steward)
    others_approve_and_start(run)
    sync_step(hub, flush)  # type: ignore[arg-type]
    assert BudgetCharge.objects.get(run_id=run.run_id).epsilon == Decimal("0.6")
    # A second DP study this year would exceed the budget: the node does not take part.
    second = offer(spec(epsilon=Decimal("0.6"), study_id="dp-b"))
    approve_here(hub, second, steward)
    for region in ["limburg", "noord-nederland"]:
        hub_services.record_decision(
            region=region,
            run_id=second.run_id,
            decision=Decision.APPROVED,
            reason="",
            digest=second.digest,
            region_column=False,
        )
    hub_services.start_run(acting_user=None, run=second)
    sync_step(hub, flush)  # type: ignore[arg-type]
    request = RunRequest.objects.get(run_id=second.run_id)
    assert "privacybudget" in request.refusal
    assert not ShareSet.objects.filter(run_id=second.run_id).exists()
    assert BudgetCharge.objects.filter(run_id=second.run_id).count() == 0
    second.refresh_from_db()
    # Only two regions remain: the run fails rather than exposing a region.
    assert second.state == RunState.FAILED
    assert not Release.objects.filter(run=second).exists()


def test_a_share_that_conflicts_with_an_earlier_one_is_refused() -> None:
    announced = sa.start_run(run_id="x.1", participants=[ME, *OTHERS], cells=3)
    one = sa.make_shares([1, 2, 3], run=announced, sender="limburg")[ME]
    two = sa.make_shares([1, 2, 3], run=announced, sender="limburg")[ME]
    node_services.store_received_share(
        sender="limburg", payload=one.to_dict(), received=timezone.now()
    )
    node_services.store_received_share(
        sender="limburg", payload=one.to_dict(), received=timezone.now()
    )  # identical: ignored
    with pytest.raises(ConflictError):
        node_services.store_received_share(
            sender="limburg", payload=two.to_dict(), received=timezone.now()
        )
    with pytest.raises(ResearchError, match="andere node"):
        node_services.store_received_share(
            sender="noord-nederland", payload=one.to_dict(), received=timezone.now()
        )
    assert ReceivedShare.objects.count() == 1


def test_the_node_refuses_an_announcement_with_another_field(steward: Any) -> None:
    run = offer(spec())
    item = access.runs_for_region(ME)[0]
    item["protocol"] = dict(
        sa.start_run(run_id=run.run_id, participants=[ME, *OTHERS], cells=4).to_dict(),
        modulus=101,
    )
    assert node_services.update_from_hub(item) is None
    assert not RunRequest.objects.exists()


def test_local_table_is_what_the_node_would_share() -> None:
    study_spec = spec()
    assert len(local.local_table(study_spec)) == study_spec.cell_count()
