"""The hub's research API through real signed requests (an in-process hub, enrolled peers)."""

from typing import Any

import pytest

from zicht.research import access
from zicht.research.models import Decision
from zicht.research.services import hub as services
from zicht.research.tests.authz import offered_run, released_run, study_spec
from zicht.transport.client import API_ROOT, HubRejectedError
from zicht.transport.tests.conftest import as_hub_process, enroll_peer, hub_adapter

__all__ = ["enroll_peer", "hub_adapter"]  # fixtures, imported for this module

pytestmark = pytest.mark.django_db


def _runs(peer: Any) -> list[dict[str, Any]]:
    return list(peer.client.call("GET", "/research/runs", api=API_ROOT)["runs"])


def test_a_node_sees_only_its_own_invitations_and_decides_with_the_digest(
    enroll_peer: Any,
) -> None:
    limburg, outsider = enroll_peer("limburg"), enroll_peer("zeeland-west-brabant")
    with as_hub_process():
        run = offered_run()
    listed = _runs(limburg)
    assert [item["run_id"] for item in listed] == [run.run_id]
    assert listed[0]["decision"] == Decision.PENDING
    assert listed[0]["release_digest"] is None
    assert _runs(outsider) == []
    path = f"/research/runs/{run.run_id}/decision"
    with pytest.raises(HubRejectedError) as refused:
        limburg.client.call(
            "POST", path, {"decision": "approved", "digest": "0" * 64}, api=API_ROOT
        )
    assert refused.value.status == 409
    answer = {"decision": "approved", "digest": run.digest, "reason": ""}
    assert limburg.client.call("POST", path, answer, api=API_ROOT)["state"] == "recorded"
    assert limburg.client.call("POST", path, answer, api=API_ROOT)["state"] == "recorded"
    with pytest.raises(HubRejectedError) as refused:
        outsider.client.call("POST", path, answer, api=API_ROOT)
    assert refused.value.status == 403
    run.refresh_from_db()
    assert run.invitations.get(region="limburg").decision == Decision.APPROVED


def test_a_release_is_fetched_by_invited_regions_only(enroll_peer: Any) -> None:
    rotterdam, outsider = enroll_peer("rotterdam"), enroll_peer("zeeland-west-brabant")
    cells = study_spec().cell_count()
    with as_hub_process():
        run = released_run({r: [20] * cells for r in ("den-haag", "limburg", "rotterdam")})
        services.advance_deadlines()
    listed = {item["run_id"]: item for item in _runs(rotterdam)}
    document = rotterdam.client.call("GET", f"/research/runs/{run.run_id}/release", api=API_ROOT)[
        "release"
    ]
    assert access.document_digest(document) == listed[run.run_id]["release_digest"]
    with pytest.raises(HubRejectedError) as refused:
        outsider.client.call("GET", f"/research/runs/{run.run_id}/release", api=API_ROOT)
    assert refused.value.status == 404
