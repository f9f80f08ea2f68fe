"""The hub's write path for joint research: studies, runs, decisions, shares, partial sums.

Every change runs in a transaction with its audit entry and, for runs, an append-only
:class:`~zicht.research.models.RunEvent`. The hub follows the rules of
``docs/protocols/secure-aggregation.md``: it stores from the protocol only the run state and
checked partial sums (H1), releases nothing from a run that is not aggregated (H2), and
deletes the partial sums as soon as the run is aggregated or failed (H3).

Nodes talk to these functions through the signed API (:mod:`zicht.research.api`); people
through the views. Deadlines are enforced by :func:`advance_deadlines`, which the API calls
on every poll, so a silent region cannot stall a run.
"""

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from zicht.audit.models import AuditAction
from zicht.audit.services import record
from zicht.regions import REGIONS
from zicht.research import release, workflow
from zicht.research.errors import ConflictError, ResearchError, StateError
from zicht.research.models import (
    Decision,
    Invitation,
    PartialSumRecord,
    RegionColumn,
    Release,
    RunEvent,
    RunState,
    Study,
    StudyRun,
)
from zicht.research.protocols import secure_aggregation as sa
from zicht.research.protocols.errors import (
    MessageRejectedError,
    ProtocolError,
    RunFailedError,
    SharingIncompleteError,
)
from zicht.research.protocols.field import MIN_PARTICIPANTS
from zicht.research.protocols.messages import PartialSum
from zicht.research.study import StudySpec
from zicht.transport.services import node_actor

# How long a phase may take before the hub acts: a region that has not shared is dropped
# (restart), a missing partial sum fails the run. Generous: nodes poll every few seconds.
SHARE_TIMEOUT = timedelta(minutes=10)
SUM_TIMEOUT = timedelta(minutes=10)

REGION_NAMES = {r.code: r.name for r in REGIONS}


def _event(run: StudyRun, event: str, **detail: Any) -> None:
    RunEvent.objects.create(run=run, at=timezone.now(), event=event, state=run.state, detail=detail)


def _move(run: StudyRun, to: str) -> None:
    if not workflow.can_move(run.state, to):
        raise StateError(
            f"Dit onderzoek staat op '{RunState(run.state).label}' en kan niet naar "
            f"'{RunState(to).label}'."
        )
    run.state = to


def _locked_run(run_id: str) -> StudyRun:
    run = StudyRun.objects.select_for_update().filter(run_id=run_id).first()
    if run is None:
        raise ResearchError("Dit onderzoek is niet bekend bij de hub.", status=404)
    return run


def spec_of(run: StudyRun) -> StudySpec:
    return StudySpec.from_dict(run.spec)


# -- studies and runs, by people on the hub -------------------------------------------------


def save_study(*, acting_user: Any, spec: StudySpec, study: Study | None = None) -> Study:
    """Create a study from a validated spec, or replace the spec of a draft.

    Runs keep their own frozen copy, so editing a study never changes what a steward approved.
    """
    now = timezone.now()
    with transaction.atomic():
        if study is None:
            if Study.objects.filter(study_id=spec.study_id).exists():
                raise ConflictError("Er bestaat al een onderzoek met deze code.")
            study = Study.objects.create(
                study_id=spec.study_id,
                title=spec.title,
                question=spec.question,
                spec=spec.to_dict(),
                created_by=acting_user,
                created_at=now,
                updated_at=now,
            )
            action = AuditAction.CREATE
        else:
            if spec.study_id != study.study_id:
                raise ResearchError("De code van een onderzoek verandert niet.")
            study.title, study.question, study.spec = spec.title, spec.question, spec.to_dict()
            study.updated_at = now
            study.save(update_fields=["title", "question", "spec", "updated_at"])
            action = AuditAction.UPDATE
        record(action=action, actor=acting_user, obj=study, detail={"digest": spec.digest()})
    return study


def offer_run(*, acting_user: Any, study: Study) -> StudyRun:
    """Freeze the study's spec into a new run and ask every listed region's steward."""
    spec = StudySpec.from_dict(study.spec)
    now = timezone.now()
    with transaction.atomic():
        Study.objects.select_for_update().get(pk=study.pk)
        if study.runs.filter(state__in=[RunState.AWAITING, *workflow.IN_PROGRESS]).exists():
            raise StateError("Er loopt al een uitvoering van dit onderzoek.")
        number = study.runs.count() + 1
        run = StudyRun.objects.create(
            run_id=f"{study.study_id}.{number}",
            study=study,
            number=number,
            spec=spec.to_dict(),
            digest=spec.digest(),
            created_by=acting_user,
            created_at=now,
            updated_at=now,
        )
        Invitation.objects.bulk_create(Invitation(run=run, region=r) for r in spec.regions)
        _event(run, "offered", regions=list(spec.regions), digest=run.digest)
        record(
            action=AuditAction.CREATE,
            actor=acting_user,
            obj=run,
            detail={"regions": list(spec.regions), "digest": run.digest},
        )
    return run


def start_run(*, acting_user: Any, run: StudyRun) -> StudyRun:
    """Start secure aggregation over the regions that approved (at least three)."""
    with transaction.atomic():
        run = _locked_run(run.run_id)
        _move(run, RunState.SHARING)
        approved = sorted(
            run.invitations.filter(decision=Decision.APPROVED).values_list("region", flat=True)
        )
        if len(approved) < MIN_PARTICIPANTS:
            raise StateError(
                f"Er zijn {len(approved)} goedkeuringen; een gezamenlijk onderzoek heeft er "
                f"minstens {MIN_PARTICIPANTS} nodig, anders verraadt de som de cijfers van "
                "een regio."
            )
        spec = spec_of(run)
        protocol_run = sa.start_run(
            run_id=run.run_id, participants=approved, cells=spec.cell_count()
        )
        run.protocol = protocol_run.to_dict()
        run.shared = []
        run.phase_deadline = timezone.now() + SHARE_TIMEOUT
        run.updated_at = timezone.now()
        run.save()
        _event(run, "started", participants=approved, epoch=0)
        record(
            action=AuditAction.UPDATE,
            actor=acting_user,
            obj=run,
            detail={"event": "started", "participants": approved},
        )
    return run


def cancel_run(*, acting_user: Any, run: StudyRun, reason: str) -> StudyRun:
    reason = reason.strip()
    if not reason:
        raise ResearchError("Geef een reden om deze uitvoering in te trekken.")
    with transaction.atomic():
        run = _locked_run(run.run_id)
        _move(run, RunState.CANCELLED)
        run.failure = reason
        run.phase_deadline = None
        run.updated_at = timezone.now()
        run.save()
        PartialSumRecord.objects.filter(run=run).delete()
        _event(run, "cancelled", reason=reason)
        record(
            action=AuditAction.UPDATE,
            actor=acting_user,
            obj=run,
            detail={"event": "cancelled", "reason": reason},
        )
    return run


# -- what nodes report through the signed API -----------------------------------------------


def record_decision(
    *, region: str, run_id: str, decision: str, reason: str, digest: str, region_column: bool
) -> Invitation:
    """A steward's decision, relayed by its node. Repeating the same decision is harmless."""
    if decision not in (Decision.APPROVED, Decision.DECLINED):
        raise ResearchError("Een besluit is 'approved' of 'declined'.")
    with transaction.atomic():
        run = _locked_run(run_id)
        invitation = run.invitations.filter(region=region).first()
        if invitation is None:
            raise ResearchError("Deze regio is niet gevraagd voor dit onderzoek.", status=403)
        if digest != run.digest:
            raise ConflictError(
                "Het besluit hoort bij een andere versie van de vraag dan de hub heeft."
            )
        if decision == Decision.DECLINED:
            region_column = False
        if invitation.decision != Decision.PENDING:
            same = (invitation.decision, invitation.region_column) == (decision, region_column)
            if same and invitation.reason == reason:
                return invitation
            raise ConflictError("Deze regio heeft al een ander besluit over dit onderzoek gegeven.")
        if run.state != RunState.AWAITING:
            raise StateError(
                "Dit onderzoek is al gestart of beëindigd; het besluit telt niet meer."
            )
        if region_column and not spec_of(run).region_columns:
            raise ResearchError("Dit onderzoek vraagt geen eigen kolom per regio.")
        invitation.decision = decision
        invitation.reason = reason[:2000]
        invitation.region_column = region_column
        invitation.decided_at = timezone.now()
        invitation.save()
        _event(run, "decision", region=region, decision=decision, region_column=region_column)
        record(
            action=AuditAction.UPDATE,
            username=node_actor(region),
            obj=invitation,
            detail={"run": run.run_id, "decision": decision, "region_column": region_column},
        )
    return invitation


def report_shared(*, region: str, run_id: str, epoch: int) -> StudyRun:
    """A participant has handed all its shares for ``epoch`` to the transport."""
    with transaction.atomic():
        run = _locked_run(run_id)
        if run.state != RunState.SHARING or run.epoch != epoch:
            # A late report for an old epoch or a closed phase changes nothing.
            return run
        if region not in run.participants:
            raise ResearchError("Deze regio doet niet mee aan deze ronde.", status=403)
        if region in run.shared:
            return run
        run.shared = sorted({*run.shared, region})
        _event(run, "shared", region=region, epoch=epoch)
        protocol_run = sa.Run.from_dict(run.protocol)
        try:
            closed = sa.close_share_phase(protocol_run, shared=run.shared)
        except SharingIncompleteError:
            run.updated_at = timezone.now()
            run.save()
            return run
        _move(run, RunState.SUMMING)
        run.protocol = closed.to_dict()
        run.phase_deadline = timezone.now() + SUM_TIMEOUT
        run.updated_at = timezone.now()
        run.save()
        _event(run, "share_phase_closed", epoch=epoch)
    return run


def receive_partial(
    *, region: str, run_id: str, message: dict[str, Any], column: dict[str, Any] | None
) -> StudyRun:
    """Check and keep one partial sum (H1); aggregate and release when all are in."""
    with transaction.atomic():
        run = _locked_run(run_id)
        try:
            partial = PartialSum.from_dict(message)
        except (ProtocolError, ValueError, TypeError) as exc:
            raise ResearchError(f"Deze deelsom is niet geldig: {exc}") from exc
        if partial.sender != region:
            raise ResearchError("Een node stuurt alleen zijn eigen deelsom.", status=403)
        existing = PartialSumRecord.objects.filter(
            run=run, epoch=partial.epoch, sender=region
        ).first()
        if existing is not None:
            if existing.message == partial.to_dict():
                return run
            raise ConflictError("Deze regio heeft al een andere deelsom gestuurd.")
        if run.state == RunState.RELEASED and run.epoch == partial.epoch:
            return run  # the hub used it already; the node missed the acknowledgement
        if run.state != RunState.SUMMING:
            raise StateError("Deze uitvoering verwacht geen deelsommen (meer).")
        protocol_run = sa.Run.from_dict(run.protocol)
        try:
            sa.check_partial_sum(protocol_run, partial)
        except MessageRejectedError as exc:
            raise ResearchError(f"Deze deelsom hoort niet bij deze ronde: {exc}") from exc
        PartialSumRecord.objects.create(
            run=run,
            epoch=partial.epoch,
            sender=region,
            message=partial.to_dict(),
            received_at=timezone.now(),
        )
        if column is not None:
            _keep_column(run, region, column)
        _event(run, "partial_sum", region=region, epoch=partial.epoch)
        if PartialSumRecord.objects.filter(run=run, epoch=partial.epoch).count() == len(
            run.participants
        ):
            _finish(run, protocol_run)
    return run


def _keep_column(run: StudyRun, region: str, column: dict[str, Any]) -> None:
    """Keep a region's own column, which its node protected before sending."""
    invitation = run.invitations.get(region=region)
    if not invitation.region_column:
        raise ResearchError(
            "De data steward van deze regio heeft het vrijgeven van de eigen kolom niet "
            "goedgekeurd.",
            status=403,
        )
    problem = release.check_document(spec_of(run), column)
    if problem:
        raise ResearchError(f"De eigen kolom past niet bij dit onderzoek: {problem}")
    RegionColumn.objects.create(run=run, region=region, table=column, received_at=timezone.now())


def _left_out(run: StudyRun) -> dict[str, str]:
    left: dict[str, str] = {}
    participants = set(run.participants)
    for invitation in run.invitations.all():
        if invitation.region in participants:
            continue
        if invitation.decision == Decision.DECLINED:
            left[invitation.region] = "afgewezen door de data steward"
        elif invitation.decision == Decision.PENDING:
            left[invitation.region] = "geen besluit voor de start"
        else:
            left[invitation.region] = "viel uit tijdens het delen"
    return left


def _finish(run: StudyRun, protocol_run: sa.Run) -> None:
    partials = [PartialSum.from_dict(p.message) for p in run.partials.filter(epoch=run.epoch)]
    try:
        aggregate = sa.aggregate(protocol_run, partials)
    except RunFailedError as exc:
        _fail(run, protocol_run, f"De som kon niet worden berekend ({exc.code}).")
        return
    spec = spec_of(run)
    left_out = _left_out(run)
    released = release.build_release(
        spec,
        aggregate.totals,
        participants=run.participants,
        left_out=left_out,
        region_names=REGION_NAMES,
    )
    del aggregate  # the exact totals are not kept anywhere
    if released.unprotected:
        _fail(
            run,
            protocol_run,
            "De uitkomst kon niet veilig worden gepubliceerd: een kleine waarde zou "
            "herleidbaar blijven. Kies minder of grovere uitsplitsingen.",
        )
        return
    PartialSumRecord.objects.filter(run=run).delete()  # H3
    _move(run, RunState.RELEASED)
    run.protocol = sa.transition(protocol_run, sa.Phase.AGGREGATED).to_dict()
    run.phase_deadline = None
    run.updated_at = timezone.now()
    run.save()
    result = Release.objects.create(
        run=run,
        table=released.table,
        method=released.method,
        participants=run.participants,
        left_out=left_out,
        epsilon=spec.epsilon,
        suppressed=released.suppressed,
        released_at=timezone.now(),
    )
    _publish_columns(run)
    _event(run, "released", suppressed=released.suppressed)
    record(
        action=AuditAction.EXPORT,
        username="hub",
        obj=result,
        detail={"run": run.run_id, "participants": run.participants},
    )


def _publish_columns(run: StudyRun) -> None:
    """Publish approved region columns unless that would expose a region that did not.

    The total minus the published columns is the sum of the other participants; that sum
    must still cover at least two regions, or it *is* one region's table.
    """
    columns = list(run.columns.all())
    if not columns:
        return
    hidden = len(run.participants) - len(columns)
    if hidden >= 2 or hidden == 0:
        RegionColumn.objects.filter(run=run).update(published=True)
        _event(run, "columns_published", regions=sorted(c.region for c in columns))
    else:
        _event(run, "columns_withheld", regions=sorted(c.region for c in columns))


def _fail(run: StudyRun, protocol_run: sa.Run | None, reason: str) -> None:
    PartialSumRecord.objects.filter(run=run).delete()  # H3
    RegionColumn.objects.filter(run=run).delete()
    _move(run, RunState.FAILED)
    if protocol_run is not None and protocol_run.phase in (sa.Phase.SHARE, sa.Phase.PARTIAL_SUM):
        run.protocol = sa.fail(protocol_run).to_dict()
    run.failure = reason
    run.phase_deadline = None
    run.updated_at = timezone.now()
    run.save()
    _event(run, "failed", reason=reason)
    record(
        action=AuditAction.UPDATE,
        username="hub",
        obj=run,
        outcome="failure",
        detail={"event": "failed", "reason": reason},
    )


def advance_deadlines() -> list[str]:
    """Act on runs whose phase deadline passed; returns the run ids that changed."""
    changed = []
    now = timezone.now()
    due = StudyRun.objects.filter(
        state__in=workflow.IN_PROGRESS, phase_deadline__lt=now
    ).values_list("run_id", flat=True)
    for run_id in list(due):
        with transaction.atomic():
            run = _locked_run(run_id)
            if run.state not in workflow.IN_PROGRESS or not run.phase_deadline:
                continue
            if run.phase_deadline >= now:
                continue
            protocol_run = sa.Run.from_dict(run.protocol)
            if run.state == RunState.SUMMING:
                _fail(run, protocol_run, "Niet alle deelsommen kwamen op tijd binnen.")
            else:
                _restart(run, protocol_run, sorted(set(run.participants) - set(run.shared)))
            changed.append(run_id)
    return changed


def _restart(run: StudyRun, protocol_run: sa.Run, missing: list[str]) -> None:
    """The next epoch without ``missing``, or a failed run if fewer than three remain."""
    try:
        restarted = sa.restart_without(protocol_run, missing)
    except RunFailedError:
        _fail(
            run,
            protocol_run,
            "Te weinig regio's deelden hun cijfers op tijd; er wordt niets gepubliceerd.",
        )
        return
    _move(run, RunState.SHARING)
    run.protocol = restarted.to_dict()
    run.shared = []
    run.phase_deadline = timezone.now() + SHARE_TIMEOUT
    run.updated_at = timezone.now()
    run.save()
    _event(run, "restarted", dropped=missing, epoch=restarted.epoch)


def drop_from_run(*, region: str, run_id: str, reason: str) -> StudyRun:
    """A participant says it cannot take part (budget refused): restart without it now."""
    with transaction.atomic():
        run = _locked_run(run_id)
        if run.state != RunState.SHARING or region not in run.participants:
            return run
        _event(run, "withdrawn", region=region, reason=reason[:500])
        _restart(run, sa.Run.from_dict(run.protocol), [region])
    return run
