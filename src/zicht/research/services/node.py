"""A node's write path for joint research: requests, the steward's decision, shares, sums.

The node keeps the rules of ``docs/protocols/secure-aggregation.md``:

- **N1** it stores its sharing for an epoch before it queues the shares, and never makes a
  second sharing for the same epoch (:func:`make_shares`);
- **N2** it makes at most one partial sum per run (unique ``SentPartial.run_id``);
- **N3** a partial sum only from a ``partial_sum`` announcement (``accumulate`` checks);
- **N4** it accepts only runs in its own field (``Run.from_dict(..., field=DEFAULT_FIELD)``);
- **N5** it deletes share material once its partial sum is acknowledged or the run ended;
- **N6** for a DP run it charges its privacy budget before it sends any share.

Its table leaves the node only as shares, which are uniformly random on their own, and the
partial sum, which mixes every participant's shares. The own column goes to the hub only if
the steward approved that separate output, and only after small-cell suppression.
"""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from zicht.accounts.access import users_with_permission
from zicht.audit.models import AuditAction
from zicht.audit.services import record
from zicht.research import access, local, release
from zicht.research.budget import node_ledger
from zicht.research.errors import ConflictError, ResearchError, StateError
from zicht.research.models import (
    LocalDecision,
    ReceivedShare,
    RunRequest,
    SentPartial,
    ShareSet,
)
from zicht.research.protocols import secure_aggregation as sa
from zicht.research.protocols.errors import BudgetError, ProtocolError
from zicht.research.protocols.messages import PartialSum, ShareMessage
from zicht.research.study import SpecError, StudySpec
from zicht.transport.models import OutboxMessage, OutboxStatus
from zicht.transport.services import send_message

SHARE_KIND = "secagg.share"
ENDED_STATES = ("released", "failed", "cancelled")


def me() -> str:
    region = settings.ZICHT_REGION
    if not region:
        raise ResearchError("Alleen een node doet mee aan onderzoek.")
    return str(region)


def spec_of(request: RunRequest) -> StudySpec:
    return StudySpec.from_dict(request.spec)


def announced_run(request: RunRequest) -> sa.Run | None:
    """The hub's current announcement, checked against this node's own field (N4)."""
    if not request.protocol:
        return None
    return sa.Run.from_dict(request.protocol)


# -- what the hub says ------------------------------------------------------------------------


def update_from_hub(item: dict[str, Any]) -> RunRequest | None:
    """Store or refresh one run the hub lists for this region; None if it is not acceptable."""
    known = RunRequest.objects.filter(run_id=str(item.get("run_id", ""))).first()
    if (
        known is not None
        and known.digest == item.get("digest")
        and known.hub_state == item.get("state")
        and known.protocol == (item.get("protocol") or {})
    ):
        # Nothing new (the common case on every poll): no parsing, no write.
        return known
    try:
        spec = StudySpec.from_dict(item["spec"])
        run_id = str(item["run_id"])
        digest = str(item["digest"])
        state = str(item["state"])
        protocol = item.get("protocol") or {}
        if protocol:
            sa.Run.from_dict(protocol)  # N4: refuse another field before storing anything
    except (KeyError, TypeError, SpecError, ProtocolError) as exc:
        record(
            action=AuditAction.UPDATE,
            username="hub",
            object_type="research.runrequest",
            object_id=str(item.get("run_id", ""))[:64],
            outcome="failure",
            detail={"event": "refused_announcement", "reason": str(exc)[:300]},
        )
        return None
    if digest != spec.digest():
        return None
    now = timezone.now()
    with transaction.atomic():
        request = RunRequest.objects.select_for_update().filter(run_id=run_id).first()
        if request is None:
            request = RunRequest.objects.create(
                run_id=run_id,
                study_id=spec.study_id,
                spec=spec.to_dict(),
                digest=digest,
                hub_state=state,
                protocol=protocol,
                created_at=now,
                updated_at=now,
            )
            record(
                action=AuditAction.CREATE,
                username="hub",
                obj=request,
                detail={"run": run_id, "digest": digest},
            )
            _notify(
                users_with_permission("research.decide_run"),
                f"Nieuw verzoek voor gezamenlijk onderzoek: ‘{spec.title}’. De data steward "
                "beslist onder Onderzoek.",
            )
        elif request.digest != digest:
            # The hub may not change a question after it was asked; keep what was approved.
            return request
        elif (request.hub_state, request.protocol) != (state, protocol):
            request.hub_state = state
            request.protocol = protocol
            request.updated_at = now
            request.save(update_fields=["hub_state", "protocol", "updated_at"])
        if state in ENDED_STATES:
            forget(request.run_id)
    return request


def needs_release(request: RunRequest, digest: object) -> bool:
    """Whether the hub lists a release for this run that the node does not hold yet."""
    if not isinstance(digest, str) or request.hub_state != "released":
        return False
    return request.release is None or access.document_digest(request.release) != digest


def store_release(request: RunRequest, document: dict[str, Any], digest: str) -> None:
    """Keep the release the hub published, if it is the one the run list announced."""
    if access.document_digest(document) != digest:
        raise ResearchError("Het opgehaalde resultaat hoort niet bij deze uitvoering.")
    with transaction.atomic():
        RunRequest.objects.filter(pk=request.pk).update(release=document, updated_at=timezone.now())
        record(
            action=AuditAction.UPDATE,
            username="hub",
            obj=request,
            detail={"event": "release_received", "digest": digest},
        )
        # Participants are told; so is a region that was asked, whether or not it took part.
        _notify(
            users_with_permission("research.decide_run", "research.draft_study"),
            f"Resultaat vrijgegeven van gezamenlijk onderzoek ‘{spec_of(request).title}’ "
            "(zie Onderzoek).",
        )
    request.release = document


def _notify(recipients: Any, message: str) -> None:
    # The node's notification centre (zicht.cases.notifications): the menu badge, and the
    # daily digest for who wants mail. No immediate mail: this runs in the transport worker,
    # which does no e-mail (its stdout is its report, and a slow mail server would stall it).
    from zicht.cases.models import NotificationKind
    from zicht.cases.notifications import notify

    notify(
        recipients=list(recipients), kind=NotificationKind.RESEARCH, message=message, email=False
    )


# -- the data steward -------------------------------------------------------------------------


def decide(
    *,
    acting_user: Any,
    request: RunRequest,
    approve: bool,
    reason: str,
    region_column: bool = False,
) -> RunRequest:
    """The steward's decision on one run; given once, then relayed to the hub by the worker."""
    reason = reason.strip()
    if not approve and not reason:
        raise ResearchError("Geef een reden als u het onderzoek afwijst.")
    with transaction.atomic():
        request = RunRequest.objects.select_for_update().get(pk=request.pk)
        if request.decision != LocalDecision.PENDING:
            raise ConflictError("Over deze uitvoering is al besloten.")
        if request.hub_state != "awaiting":
            raise StateError("Deze uitvoering is al gestart of beëindigd; besluiten kan niet meer.")
        spec = spec_of(request)
        if region_column and not (approve and spec.region_columns):
            raise ResearchError(
                "Een eigen kolom vrijgeven kan alleen bij goedkeuring, en alleen als het "
                "onderzoek erom vraagt."
            )
        request.decision = LocalDecision.APPROVED if approve else LocalDecision.DECLINED
        request.reason = reason[:2000]
        request.region_column = region_column
        request.decided_by = acting_user
        request.decided_at = timezone.now()
        request.updated_at = timezone.now()
        request.save()
        record(
            action=AuditAction.UPDATE,
            actor=acting_user,
            obj=request,
            detail={
                "event": "decision",
                "decision": request.decision,
                "digest": request.digest,
                "region_column": region_column,
            },
        )
    return request


def decision_reported(request: RunRequest) -> None:
    RunRequest.objects.filter(pk=request.pk).update(decision_reported=True)


# -- sharing ----------------------------------------------------------------------------------


def make_shares(request: RunRequest) -> ShareSet | None:
    """Compute the table, charge the budget, split it and queue the shares (N1, N6).

    Returns the stored sharing (also when it existed already), or None when this node does
    not take part after all (budget refused); ``request.refusal`` then says why.
    """
    run = announced_run(request)
    region = me()
    if run is None or run.phase is not sa.Phase.SHARE or region not in run.participants:
        return None
    if request.decision != LocalDecision.APPROVED:
        return None
    existing = ShareSet.objects.filter(run_id=run.run_id, epoch=run.epoch).first()
    if existing is not None:
        return existing
    spec = spec_of(request)
    if spec.epsilon is not None:
        try:
            node_ledger().charge(run_id=run.run_id, epsilon=spec.epsilon, on=timezone.localdate())
        except BudgetError as exc:
            _refuse(
                request, f"Het privacybudget van dit jaar laat deze uitvoering niet toe ({exc})."
            )
            return None
    with transaction.atomic():
        table = local.local_table(spec)
        shares = sa.make_shares(table, run=run, sender=region)
        del table
        own = shares.pop(region)
        try:
            with transaction.atomic():
                share_set = ShareSet.objects.create(
                    run_id=run.run_id,
                    epoch=run.epoch,
                    own_share=own.to_dict(),
                    created_at=timezone.now(),
                )
        except IntegrityError:
            # Another worker shared this epoch first; never send a second sharing (N1).
            return ShareSet.objects.get(run_id=run.run_id, epoch=run.epoch)
        message_ids: list[str] = []
        for recipient, share in sorted(shares.items()):
            rows = send_message(
                recipients=[recipient],
                kind=SHARE_KIND,
                payload=share.to_dict(),
                idempotency_key=share.message_id,
            )
            message_ids.extend(str(row.message_id) for row in rows)
        share_set.message_ids = message_ids
        share_set.save(update_fields=["message_ids"])
        record(
            action=AuditAction.EXPORT,
            username="zicht",
            obj=request,
            detail={
                "event": "shares_sent",
                "epoch": run.epoch,
                "recipients": sorted(shares),
                "cells": run.cells,
            },
        )
    return share_set


def _refuse(request: RunRequest, why: str) -> None:
    RunRequest.objects.filter(pk=request.pk).update(refusal=why, updated_at=timezone.now())
    record(
        action=AuditAction.UPDATE,
        username="zicht",
        obj=request,
        outcome="failure",
        detail={"event": "not_taking_part", "reason": why[:300]},
    )
    request.refusal = why


def shares_out(share_set: ShareSet) -> bool:
    """Whether the hub holds every share this node queued for the epoch."""
    ids = share_set.message_ids
    sent = OutboxMessage.objects.filter(message_id__in=ids, status=OutboxStatus.SENT).count()
    return sent == len(ids)


def shares_reported(share_set: ShareSet) -> None:
    ShareSet.objects.filter(pk=share_set.pk).update(reported=True)


def store_received_share(*, sender: str, payload: dict[str, Any], received: datetime) -> None:
    """Keep a share another participant sent (the transport authenticated ``sender``).

    An identical copy is ignored; another share for the same slot is refused, so a second
    sharing can never be mixed in (N1 on the receiving side).
    """
    try:
        share = ShareMessage.from_dict(payload)
    except (ProtocolError, ValueError, TypeError) as exc:
        raise ResearchError(f"Ongeldig aandeel: {exc}") from exc
    if share.sender != sender:
        raise ResearchError("Het aandeel komt van een andere node dan de afzender.")
    if share.recipient != me():
        raise ResearchError("Dit aandeel is voor een andere node bestemd.")
    existing = ReceivedShare.objects.filter(
        run_id=share.run_id, epoch=share.epoch, sender=sender
    ).first()
    if existing is not None:
        if existing.message != share.to_dict():
            raise ConflictError("Van deze node is al een ander aandeel voor deze ronde ontvangen.")
        return
    if SentPartial.objects.filter(run_id=share.run_id).exists():
        return  # too late to matter: this node has summed already (N2)
    ReceivedShare.objects.create(
        run_id=share.run_id,
        epoch=share.epoch,
        sender=sender,
        message=share.to_dict(),
        received_at=received,
    )


# -- summing ----------------------------------------------------------------------------------


def make_partial(request: RunRequest) -> SentPartial | None:
    """This node's one partial sum for the run (N2, N3), once every share has arrived."""
    existing = SentPartial.objects.filter(run_id=request.run_id).first()
    if existing is not None:
        return existing
    run = announced_run(request)
    region = me()
    if run is None or run.phase is not sa.Phase.PARTIAL_SUM or region not in run.participants:
        return None
    share_set = ShareSet.objects.filter(run_id=run.run_id, epoch=run.epoch).first()
    if share_set is None:
        return None
    received = [
        ShareMessage.from_dict(row.message)
        for row in ReceivedShare.objects.filter(run_id=run.run_id, epoch=run.epoch)
    ]
    if {s.sender for s in received} != set(run.participants) - {region}:
        return None  # shares still on their way
    own = ShareMessage.from_dict(share_set.own_share)
    partial = sa.accumulate(own, received, run=run)
    column = None
    spec = spec_of(request)
    if request.region_column and spec.region_columns:
        column = protected_column(request)
    try:
        with transaction.atomic():
            sent = SentPartial.objects.create(
                run_id=run.run_id,
                epoch=run.epoch,
                message=partial.to_dict(),
                column=column,
                created_at=timezone.now(),
            )
            record(
                action=AuditAction.EXPORT,
                username="zicht",
                obj=request,
                detail={"event": "partial_sum", "epoch": run.epoch, "column": column is not None},
            )
    except IntegrityError:
        return SentPartial.objects.get(run_id=run.run_id)
    return sent


def partial_payload(sent: SentPartial) -> dict[str, Any]:
    payload: dict[str, Any] = {"message": sent.message, "column": None}
    if sent.column is not None:
        payload["column"] = sent.column
    PartialSum.from_dict(sent.message)  # never send something malformed
    return payload


def partial_acknowledged(sent: SentPartial) -> None:
    """The hub has the partial sum: forget the share material and the column (N5)."""
    with transaction.atomic():
        SentPartial.objects.filter(pk=sent.pk).update(acknowledged=True, message={}, column=None)
        forget(sent.run_id)


def forget(run_id: str) -> None:
    """Delete the secret material of a run (own and received shares); N5."""
    ShareSet.objects.filter(run_id=run_id).update(own_share={})
    ReceivedShare.objects.filter(run_id=run_id).delete()


def protected_column(request: RunRequest) -> dict[str, Any]:
    """The region's own column as the hub would publish it (for the steward's preview)."""
    spec = spec_of(request)
    return release.protected_document(spec, release.protect_table(spec, local.local_table(spec)))
