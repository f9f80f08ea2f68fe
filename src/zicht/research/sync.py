"""A node's exchange with the hub about joint research: one step of every transport cycle.

The node only calls out (ADR 0002). Each cycle it fetches the runs that concern its region,
relays decisions its steward took, shares its table when a run it approved starts, reports
the shares out once the hub holds them, and sends its partial sum when every share arrived.
Every step is repeatable: a crash or a lost answer means the same call again next cycle,
and both sides treat a repeat as harmless.
"""

import logging
from collections.abc import Callable

from zicht.research.models import LocalDecision, RunRequest, SentPartial
from zicht.research.services import node as services
from zicht.transport.client import API_ROOT, HubClient, HubRejectedError

logger = logging.getLogger(__name__)


def sync_step(client: HubClient, flush: Callable[[], None]) -> bool:
    """One round; True when something moved (the worker then cycles again at once)."""
    answer = client.call("GET", "/research/runs", api=API_ROOT)
    moved = False
    requests: list[RunRequest] = []
    for item in answer.get("runs", []):
        if not isinstance(item, dict):
            continue
        request = services.update_from_hub(item)
        if request is None:
            continue
        requests.append(request)
        digest = item.get("release_digest")
        if services.needs_release(request, digest):
            fetched = client.call("GET", f"/research/runs/{request.run_id}/release", api=API_ROOT)
            services.store_release(request, fetched["release"], str(digest))
            moved = True
    for request in requests:
        try:
            moved |= _advance(client, flush, request)
        except HubRejectedError as exc:
            # The hub refused (a late decision, a run that moved on): log it; the next poll
            # brings the run's new state.
            logger.warning("research: hub refused a step of run %s: %s", request.run_id, exc)
    return moved


def _advance(client: HubClient, flush: Callable[[], None], request: RunRequest) -> bool:
    if request.decision != LocalDecision.PENDING and not request.decision_reported:
        client.call(
            "POST",
            f"/research/runs/{request.run_id}/decision",
            {
                "decision": request.decision,
                "reason": request.reason,
                "digest": request.digest,
                "region_column": request.region_column,
            },
            api=API_ROOT,
        )
        services.decision_reported(request)
        return True
    if request.decision != LocalDecision.APPROVED:
        return False
    if request.hub_state == "sharing":
        return _share(client, flush, request)
    if request.hub_state == "summing":
        return _sum(client, request)
    return False


def _share(client: HubClient, flush: Callable[[], None], request: RunRequest) -> bool:
    run = services.announced_run(request)
    if run is None or services.me() not in run.participants:
        return False
    share_set = services.make_shares(request)
    if share_set is None:
        if request.refusal:
            client.call(
                "POST",
                f"/research/runs/{request.run_id}/withdraw",
                {"reason": request.refusal[:500]},
                api=API_ROOT,
            )
            return True
        return False
    if share_set.reported:
        return False
    if not services.shares_out(share_set):
        flush()
        if not services.shares_out(share_set):
            return False
    client.call(
        "POST",
        f"/research/runs/{request.run_id}/shared",
        {"epoch": share_set.epoch},
        api=API_ROOT,
    )
    services.shares_reported(share_set)
    return True


def _sum(client: HubClient, request: RunRequest) -> bool:
    sent = services.make_partial(request)
    if sent is None or sent.acknowledged:
        return False
    client.call(
        "POST",
        f"/research/runs/{request.run_id}/partial",
        services.partial_payload(sent),
        api=API_ROOT,
    )
    services.partial_acknowledged(SentPartial.objects.get(pk=sent.pk))
    return True
