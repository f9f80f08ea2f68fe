"""The hub's side of a run, with the nodes played by the pure protocol library.

Each test drives :mod:`zicht.research.services.hub` the way the signed API does, and checks
the rules of docs/protocols/secure-aggregation.md: the released total equals the plaintext
sum, declined and silent regions contribute nothing, a dropout restarts or fails the run,
nothing is released from a failed run, and the hub keeps no partial sum afterwards.
"""

import json
import random
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from zicht.audit.models import AuditEntry
from zicht.research.dimensions import build_spec
from zicht.research.errors import ConflictError, ResearchError, StateError
from zicht.research.models import (
    Decision,
    PartialSumRecord,
    RegionColumn,
    Release,
    RunEvent,
    RunState,
    StudyRun,
)
from zicht.research.protocols import secure_aggregation as sa
from zicht.research.protocols.field import DEFAULT_FIELD
from zicht.research.release import protect_table, protected_document
from zicht.research.services import hub as services
from zicht.research.study import StudySpec

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("as_hub")]

REGIONS = ["limburg", "midden-nederland", "noord-nederland", "oost-brabant", "rotterdam"]


def make_spec(**overrides: Any) -> StudySpec:
    options: dict[str, Any] = {
        "study_id": "arbeid-2025",
        "title": "Signalen per kwartaal",
        "question": "Hoeveel signalen per kwartaal?",
        "period_start": date(2025, 1, 1),
        "period_end": date(2025, 12, 31),
        "regions": REGIONS,
        "metric": "signals",
        "dimension_codes": ["quarter"],
        "filters": {},
        "min_cell": 3,
    }
    options.update(overrides)
    return build_spec(**options)


def offered(spec: StudySpec | None = None) -> StudyRun:
    study = services.save_study(acting_user=None, spec=spec or make_spec())
    return services.offer_run(acting_user=None, study=study)


def decide(run: StudyRun, region: str, decision: str, **kwargs: Any) -> None:
    services.record_decision(
        region=region,
        run_id=run.run_id,
        decision=decision,
        reason=kwargs.get("reason", ""),
        digest=run.digest,
        region_column=kwargs.get("region_column", False),
    )


def protocol_run(run: StudyRun) -> sa.Run:
    run.refresh_from_db()
    return sa.Run.from_dict(run.protocol)


def share_all(run: StudyRun, tables: dict[str, list[int]]) -> dict[str, dict[str, Any]]:
    """Every participant shares; returns what each participant received (recipient -> shares)."""
    announced = protocol_run(run)
    received: dict[str, dict[str, Any]] = {p: {} for p in announced.participants}
    for sender in announced.participants:
        for recipient, share in sa.make_shares(
            tables[sender], run=announced, sender=sender
        ).items():
            received[recipient][sender] = share
        services.report_shared(region=sender, run_id=run.run_id, epoch=announced.epoch)
    return received


def partial_of(run: StudyRun, region: str, received: dict[str, dict[str, Any]]) -> Any:
    announced = protocol_run(run)
    own = received[region][region]
    others = [s for sender, s in received[region].items() if sender != region]
    return sa.accumulate(own, others, run=announced)


def hub_database_text() -> str:
    """Everything the research tables of the hub hold, as one string."""
    parts: list[str] = []
    for model in (StudyRun, PartialSumRecord, Release, RunEvent, RegionColumn):
        parts.extend(json.dumps(row, default=str) for row in model.objects.values())
    return "\n".join(parts)


def test_release_is_the_plaintext_sum_of_the_approved_regions() -> None:
    run = offered()
    for region in REGIONS[:3]:
        decide(run, region, Decision.APPROVED)
    decide(run, REGIONS[3], Decision.DECLINED, reason="Geen capaciteit")
    # REGIONS[4] stays silent.
    services.start_run(acting_user=None, run=run)
    announced = protocol_run(run)
    assert announced.participants == tuple(REGIONS[:3])
    rng = random.Random(7)
    tables = {r: [rng.randrange(20, 400) for _ in range(announced.cells)] for r in REGIONS[:3]}
    received = share_all(run, tables)
    run.refresh_from_db()
    assert run.state == RunState.SUMMING
    for region in REGIONS[:3]:
        services.receive_partial(
            region=region,
            run_id=run.run_id,
            message=partial_of(run, region, received).to_dict(),
            column=None,
        )
    run.refresh_from_db()
    assert run.state == RunState.RELEASED
    result = Release.objects.get(run=run)
    cells = {tuple(key): value for key, value in result.table["entries"] if None not in key}
    spec = StudySpec.from_dict(run.spec)
    expected = [sum(col) for col in zip(*tables.values(), strict=True)]
    assert [cells[cell] for cell in spec.cells()] == expected
    assert result.participants == REGIONS[:3]
    assert result.left_out == {
        REGIONS[3]: "afgewezen door de data steward",
        REGIONS[4]: "geen besluit voor de start",
    }
    assert any("secure aggregation" in line for line in result.method)
    # H3: no partial sum survives the release, and no region's table is in the hub's tables.
    assert not PartialSumRecord.objects.exists()
    text = hub_database_text()
    for table in tables.values():
        assert json.dumps(table) not in text
        assert json.dumps(table)[1:-1] not in text
    assert AuditEntry.objects.filter(object_type="research.release", action="export").exists()


def test_fewer_than_three_approvals_cannot_start() -> None:
    run = offered()
    decide(run, REGIONS[0], Decision.APPROVED)
    decide(run, REGIONS[1], Decision.APPROVED)
    with pytest.raises(StateError, match="minstens 3"):
        services.start_run(acting_user=None, run=run)
    run.refresh_from_db()
    assert run.state == RunState.AWAITING


def test_a_decision_binds_to_the_digest_and_cannot_change() -> None:
    run = offered()
    with pytest.raises(ConflictError):
        services.record_decision(
            region=REGIONS[0],
            run_id=run.run_id,
            decision=Decision.APPROVED,
            reason="",
            digest="0" * 64,
            region_column=False,
        )
    decide(run, REGIONS[0], Decision.APPROVED)
    decide(run, REGIONS[0], Decision.APPROVED)  # a repeat is harmless
    with pytest.raises(ConflictError):
        decide(run, REGIONS[0], Decision.DECLINED, reason="toch niet")
    with pytest.raises(ResearchError):
        decide(run, "den-haag", Decision.APPROVED)  # not invited


def test_a_region_that_does_not_share_is_dropped_and_the_run_restarts() -> None:
    run = offered()
    for region in REGIONS[:4]:
        decide(run, region, Decision.APPROVED)
    services.start_run(acting_user=None, run=run)
    for region in REGIONS[:3]:
        services.report_shared(region=region, run_id=run.run_id, epoch=0)
    StudyRun.objects.filter(pk=run.pk).update(phase_deadline=timezone.now() - timedelta(1))
    assert services.advance_deadlines() == [run.run_id]
    announced = protocol_run(run)
    assert announced.epoch == 1
    assert announced.participants == tuple(REGIONS[:3])
    assert run.shared == []
    # A late report for the old epoch changes nothing.
    services.report_shared(region=REGIONS[3], run_id=run.run_id, epoch=0)
    run.refresh_from_db()
    assert run.state == RunState.SHARING
    assert run.shared == []
    tables = {r: [50] * announced.cells for r in REGIONS[:3]}
    received = share_all(run, tables)
    for region in REGIONS[:3]:
        services.receive_partial(
            region=region,
            run_id=run.run_id,
            message=partial_of(run, region, received).to_dict(),
            column=None,
        )
    result = Release.objects.get(run=run)
    assert result.left_out == {
        REGIONS[3]: "viel uit tijdens het delen",
        REGIONS[4]: "geen besluit voor de start",
    }


def test_restart_below_three_participants_fails_without_release() -> None:
    run = offered()
    for region in REGIONS[:3]:
        decide(run, region, Decision.APPROVED)
    services.start_run(acting_user=None, run=run)
    services.report_shared(region=REGIONS[0], run_id=run.run_id, epoch=0)
    StudyRun.objects.filter(pk=run.pk).update(phase_deadline=timezone.now() - timedelta(1))
    services.advance_deadlines()
    run.refresh_from_db()
    assert run.state == RunState.FAILED
    assert not Release.objects.exists()


def test_a_missing_partial_sum_fails_the_run_and_forgets_the_others() -> None:
    run = offered()
    for region in REGIONS[:3]:
        decide(run, region, Decision.APPROVED)
    services.start_run(acting_user=None, run=run)
    announced = protocol_run(run)
    received = share_all(run, {r: [30] * announced.cells for r in REGIONS[:3]})
    for region in REGIONS[:2]:
        services.receive_partial(
            region=region,
            run_id=run.run_id,
            message=partial_of(run, region, received).to_dict(),
            column=None,
        )
    assert PartialSumRecord.objects.count() == 2
    late = partial_of(run, REGIONS[2], received).to_dict()
    StudyRun.objects.filter(pk=run.pk).update(phase_deadline=timezone.now() - timedelta(1))
    services.advance_deadlines()
    run.refresh_from_db()
    assert run.state == RunState.FAILED
    assert not PartialSumRecord.objects.exists()  # H3
    assert not Release.objects.exists()  # H2
    with pytest.raises(StateError):
        services.receive_partial(region=REGIONS[2], run_id=run.run_id, message=late, column=None)


def test_duplicate_partial_counts_once_and_a_different_one_is_refused() -> None:
    run = offered()
    for region in REGIONS[:3]:
        decide(run, region, Decision.APPROVED)
    services.start_run(acting_user=None, run=run)
    announced = protocol_run(run)
    received = share_all(run, {r: [40] * announced.cells for r in REGIONS[:3]})
    first = partial_of(run, REGIONS[0], received).to_dict()
    services.receive_partial(region=REGIONS[0], run_id=run.run_id, message=first, column=None)
    services.receive_partial(region=REGIONS[0], run_id=run.run_id, message=first, column=None)
    assert PartialSumRecord.objects.count() == 1
    altered = dict(
        first, vector=[(first["vector"][0] + 1) % DEFAULT_FIELD.modulus, *first["vector"][1:]]
    )
    altered["id"] = first["id"]
    with pytest.raises((ConflictError, ResearchError)):
        services.receive_partial(region=REGIONS[0], run_id=run.run_id, message=altered, column=None)
    with pytest.raises(ResearchError):
        # A node cannot hand in another node's partial sum.
        services.receive_partial(
            region=REGIONS[1],
            run_id=run.run_id,
            message=partial_of(run, REGIONS[2], received).to_dict(),
            column=None,
        )


def test_region_columns_are_published_only_when_no_single_region_is_exposed() -> None:
    spec = make_spec(region_columns=True)
    run = offered(spec)
    decide(run, REGIONS[0], Decision.APPROVED, region_column=True)
    decide(run, REGIONS[1], Decision.APPROVED, region_column=True)
    decide(run, REGIONS[2], Decision.APPROVED)
    services.start_run(acting_user=None, run=run)
    announced = protocol_run(run)
    tables = {r: [25 + i] * announced.cells for i, r in enumerate(REGIONS[:3])}
    received = share_all(run, tables)
    for region in REGIONS[:3]:
        column = None
        if region != REGIONS[2]:
            column = protected_document(spec, protect_table(spec, tables[region]))
        services.receive_partial(
            region=region,
            run_id=run.run_id,
            message=partial_of(run, region, received).to_dict(),
            column=column,
        )
    run.refresh_from_db()
    assert run.state == RunState.RELEASED
    # Two of three columns public would make the third region's table total - the two.
    assert RegionColumn.objects.filter(run=run).count() == 2
    assert not RegionColumn.objects.filter(published=True).exists()
    assert run.events.filter(event="columns_withheld").exists()


def test_a_column_without_the_stewards_approval_is_refused() -> None:
    spec = make_spec(region_columns=True)
    run = offered(spec)
    for region in REGIONS[:3]:
        decide(run, region, Decision.APPROVED)
    services.start_run(acting_user=None, run=run)
    announced = protocol_run(run)
    received = share_all(run, {r: [25] * announced.cells for r in REGIONS[:3]})
    with pytest.raises(ResearchError, match="niet goedgekeurd"):
        services.receive_partial(
            region=REGIONS[0],
            run_id=run.run_id,
            message=partial_of(run, REGIONS[0], received).to_dict(),
            column=protected_document(spec, protect_table(spec, [25] * announced.cells)),
        )
    assert not PartialSumRecord.objects.exists()  # all or nothing


def test_small_totals_are_suppressed_in_the_release() -> None:
    spec = make_spec(min_cell=10)
    run = offered(spec)
    for region in REGIONS[:3]:
        decide(run, region, Decision.APPROVED)
    services.start_run(acting_user=None, run=run)
    announced = protocol_run(run)
    tables = {r: [1] + [40] * (announced.cells - 1) for r in REGIONS[:3]}
    received = share_all(run, tables)
    for region in REGIONS[:3]:
        services.receive_partial(
            region=region,
            run_id=run.run_id,
            message=partial_of(run, region, received).to_dict(),
            column=None,
        )
    result = Release.objects.get(run=run)
    values = [value for _, value in result.table["entries"]]
    assert all(isinstance(v, str) or v == 0 or v >= 10 for v in values)
    assert result.suppressed >= 2  # the small cell and a complement


def test_the_run_history_is_append_only() -> None:
    run = offered()
    event = run.events.get()
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        RunEvent.objects.filter(run=run).delete()


def test_the_database_refuses_to_rewrite_run_history() -> None:
    from django.db import DatabaseError, connection, transaction

    run = offered()
    event = run.events.get()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE research_runevent SET event = 'x' WHERE id = %s", [event.pk])
