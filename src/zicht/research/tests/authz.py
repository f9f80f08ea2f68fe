"""Routes of joint research for the authorization matrix, and the objects they need.

On the hub every role that reads figures sees the studies and their releases; analysts and
coordinators draft studies and offer, start and withdraw runs. On a node the same readers see
the runs the hub offered the region; only the data steward decides. The research API is for
nodes only: it admits signed requests, never a session, so no persona gets in (anonymous
401, logged-in people 403).

The builders below make the objects through the services (and, for a release, through the
real protocol: shares, partial sums, aggregation); the view tests use them too.
"""

import itertools
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from zicht.core.authz import Route

VIEWERS = frozenset({"analist", "coordinator", "data_steward", "alleen_lezen"})
DRAFTERS = frozenset({"analist", "coordinator"})
DECIDERS = frozenset({"data_steward"})
REDIRECT = frozenset({302})
NOBODY: frozenset[str] = frozenset()

REGIONS = ("den-haag", "limburg", "midden-nederland", "noord-holland", "rotterdam")
_numbers = itertools.count(1)


def study_spec(**overrides: Any) -> Any:
    """A valid spec: signals of labour exploitation per sector, first half of 2026."""
    from zicht.research.dimensions import build_spec

    values: dict[str, Any] = {
        "study_id": f"arbeid-sector-{next(_numbers)}",
        "title": "Arbeidsuitbuiting per sector",
        "question": "Hoeveel signalen van arbeidsuitbuiting zijn er per sector?",
        "period_start": date(2026, 1, 1),
        "period_end": date(2026, 6, 30),
        "regions": REGIONS,
        "metric": "signals",
        "dimension_codes": ["sector"],
        "filters": {"form": ["arbeid"]},
        "min_cell": 10,
    }
    values.update(overrides)
    return build_spec(**values)


def make_study(**overrides: Any) -> Any:
    from zicht.research.services import hub

    return hub.save_study(acting_user=None, spec=study_spec(**overrides))


def offered_run(
    study: Any = None,
    *,
    approve: Sequence[str] = (),
    decline: Mapping[str, str] | None = None,
    columns: Sequence[str] = (),
) -> Any:
    """A run offered to the study's regions, with the given regions' decisions recorded."""
    from zicht.research.services import hub

    run = hub.offer_run(acting_user=None, study=study or make_study())
    for region in approve:
        hub.record_decision(
            region=region,
            run_id=run.run_id,
            decision="approved",
            reason="",
            digest=run.digest,
            region_column=region in columns,
        )
    for region, reason in (decline or {}).items():
        hub.record_decision(
            region=region,
            run_id=run.run_id,
            decision="declined",
            reason=reason,
            digest=run.digest,
            region_column=False,
        )
    run.refresh_from_db()
    return run


def released_run(
    tables: Mapping[str, Sequence[int]],
    *,
    study: Any = None,
    decline: Mapping[str, str] | None = None,
    columns: Sequence[str] = (),
) -> Any:
    """A released run over the regions of ``tables``, each with its own (secret) table.

    Goes through the hub's services and the real protocol: every participant shares its
    table, the hub closes the share phase, every participant sends its partial sum, and the
    hub aggregates, protects and releases. ``columns`` also send their protected own column.
    """
    from zicht.research import release
    from zicht.research.protocols import secure_aggregation as sa
    from zicht.research.services import hub
    from zicht.research.study import StudySpec

    run = offered_run(study, approve=sorted(tables), decline=decline, columns=columns)
    spec = StudySpec.from_dict(run.spec)
    run = hub.start_run(acting_user=None, run=run)
    sharing = sa.Run.from_dict(run.protocol)
    shares = {
        region: sa.make_shares(list(t), run=sharing, sender=region) for region, t in tables.items()
    }
    for region in sorted(tables):
        hub.report_shared(region=region, run_id=run.run_id, epoch=0)
    run.refresh_from_db()
    summing = sa.Run.from_dict(run.protocol)
    for region in sorted(tables):
        own = shares[region][region]
        received = [shares[sender][region] for sender in tables if sender != region]
        partial = sa.accumulate(own, received, run=summing)
        column = None
        if region in columns:
            column = release.protected_document(
                spec, release.protect_table(spec, list(tables[region]))
            )
        hub.receive_partial(
            region=region, run_id=run.run_id, message=partial.to_dict(), column=column
        )
    run.refresh_from_db()
    return run


def release_document(
    spec: Any, totals: Sequence[int], participants: Sequence[str]
) -> dict[str, Any]:
    """What the hub sends a node about a released run (access.release_document's form)."""
    from zicht.research import release
    from zicht.research.services.hub import REGION_NAMES

    left_out = {r: "afgewezen door de data steward" for r in spec.regions if r not in participants}
    released = release.build_release(
        spec, totals, participants=participants, left_out=left_out, region_names=REGION_NAMES
    )
    return {
        "table": released.table,
        "method": released.method,
        "participants": list(participants),
        "left_out": left_out,
        "epsilon": None,
        "released_at": "2026-07-15T10:00:00+02:00",
        "columns": {},
    }


def run_request(
    spec: Any = None, *, state: str = "awaiting", document: dict[str, Any] | None = None
) -> Any:
    """A run the hub offered this node's region, as the node stores it."""
    from zicht.research import access
    from zicht.research.services import node

    spec = spec or study_spec()
    item = {
        "run_id": f"{spec.study_id}.1",
        "study_id": spec.study_id,
        "spec": spec.to_dict(),
        "digest": spec.digest(),
        "state": state,
        "protocol": {},
        "decision": "pending",
        "release_digest": None if document is None else access.document_digest(document),
    }
    request = node.update_from_hub(item)
    assert request is not None
    if document is not None:
        # What the worker does after the run list: fetch the release it announced.
        node.store_release(request, document, item["release_digest"])
    return request


def released_request() -> Any:
    spec = study_spec()
    participants = ["den-haag", "midden-nederland", "noord-holland", "rotterdam"]
    totals = [40] * spec.cell_count()
    return run_request(
        spec, state="released", document=release_document(spec, totals, participants)
    )


def _study() -> dict[str, Any]:
    return {"study_id": make_study().study_id}


def _run() -> dict[str, Any]:
    return {"run_id": offered_run().run_id}


def _released() -> dict[str, Any]:
    cells = study_spec().cell_count()
    tables = {r: [12] * cells for r in ("den-haag", "midden-nederland", "rotterdam")}
    return {"run_id": released_run(tables).run_id}


def _request() -> dict[str, Any]:
    return {"run_id": run_request().run_id}


def _released_request() -> dict[str, Any]:
    return {"run_id": released_request().run_id}


def _post(name: str, allowed: frozenset[str], factory: Any, where: str, **data: Any) -> Route:
    return Route(
        name,
        allowed=allowed,
        where=where,
        method="post",
        kwargs_factory=factory,
        data=data,
        ok_status=REDIRECT,
    )


ROUTES = [
    # The app root is the landing page on both roles (see zicht.research.urls).
    Route("research:study-list", allowed=VIEWERS),
    Route("research:request-list", allowed=VIEWERS),
    # Hub.
    Route("research:study-create", allowed=DRAFTERS, where="hub"),
    Route("research:study-detail", allowed=VIEWERS, where="hub", kwargs_factory=_study),
    Route("research:study-edit", allowed=DRAFTERS, where="hub", kwargs_factory=_study),
    _post("research:run-offer", DRAFTERS, _study, "hub"),
    _post("research:run-start", DRAFTERS, _run, "hub"),
    _post("research:run-cancel", DRAFTERS, _run, "hub", reason="Vraag wordt herzien"),
    Route("research:release-detail", allowed=VIEWERS, where="hub", kwargs_factory=_released),
    Route("research:release-csv", allowed=VIEWERS, where="hub", kwargs_factory=_released),
    # Node.
    Route("research:request-detail", allowed=VIEWERS, where="node", kwargs_factory=_request),
    _post("research:request-decide", DECIDERS, _request, "node", decision="approve"),
    Route("research:request-csv", allowed=VIEWERS, where="node", kwargs_factory=_released_request),
]

ROUTES += [
    Route(
        f"api:research-{name}",
        allowed=NOBODY,
        where="hub",
        method=method,
        is_api=True,
        kwargs=kwargs,
    )
    for name, method, kwargs in (
        ("runs", "get", {}),
        ("release", "get", {"run_id": "arbeid-sector-1.1"}),
        ("decision", "post", {"run_id": "arbeid-sector-1.1"}),
        ("shared", "post", {"run_id": "arbeid-sector-1.1"}),
        ("withdraw", "post", {"run_id": "arbeid-sector-1.1"}),
        ("partial", "post", {"run_id": "arbeid-sector-1.1"}),
    )
]
