"""The hub's research API for nodes: signed requests (as the transport), signed answers.

A node asks which runs concern its region, relays its steward's decision, reports that its
shares are out, and hands in its partial sum. People use the hub's web pages instead.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from zicht.research import access
from zicht.research.errors import ResearchError
from zicht.research.services import hub as services
from zicht.transport.api import calling_node, signed_response
from zicht.transport.auth import NodeSignatureAuth


class RunOut(Schema):
    run_id: str
    study_id: str
    spec: dict[str, Any]
    digest: str
    state: str
    protocol: dict[str, Any]
    decision: str
    release_digest: str | None


class ReleaseOut(Schema):
    run_id: str
    release: dict[str, Any]


class RunsOut(Schema):
    runs: list[RunOut]


class DecisionIn(Schema):
    decision: str = Field(pattern="^(approved|declined)$")
    reason: str = Field(default="", max_length=2000)
    digest: str = Field(pattern="^[0-9a-f]{64}$")
    region_column: bool = False


class SharedIn(Schema):
    epoch: int = Field(ge=0)


class PartialIn(Schema):
    message: dict[str, Any]
    column: dict[str, Any] | None = None


class WithdrawIn(Schema):
    reason: str = Field(max_length=500)


class StateOut(Schema):
    run_id: str
    state: str


def _state(request: HttpRequest, run_id: str, state: str) -> HttpResponse:
    return signed_response(request, StateOut(run_id=run_id, state=state))


@contextmanager
def _refusals() -> Iterator[None]:
    """A refusal of the services becomes a problem+json answer with its status."""
    try:
        yield
    except ResearchError as exc:
        raise HttpError(exc.status, str(exc)) from exc


def build_router() -> Router:
    router = Router(tags=["research"], auth=NodeSignatureAuth())

    @router.get(
        "/runs",
        response=RunsOut,
        url_name="research-runs",
        summary="Runs of joint studies that concern the calling node's region",
    )
    def runs(request: HttpRequest) -> HttpResponse:
        node = calling_node(request)
        services.advance_deadlines()
        return signed_response(
            request, RunsOut(runs=[RunOut(**item) for item in access.runs_for_region(node.region)])
        )

    @router.get(
        "/runs/{run_id}/release",
        response=ReleaseOut,
        url_name="research-release",
        summary="The protected release of a run the calling node's region was asked to join",
    )
    def release(request: HttpRequest, run_id: str) -> HttpResponse:
        node = calling_node(request)
        document = access.release_for_region(node.region, run_id)
        if document is None:
            raise HttpError(404, "Deze uitvoering heeft (nog) geen vrijgegeven resultaat.")
        return signed_response(request, ReleaseOut(run_id=run_id, release=document))

    @router.post(
        "/runs/{run_id}/decision",
        response=StateOut,
        url_name="research-decision",
        summary="The region's data steward approved or declined this run",
    )
    def decision(request: HttpRequest, run_id: str, data: DecisionIn) -> HttpResponse:
        node = calling_node(request)
        with _refusals():
            services.record_decision(
                region=node.region,
                run_id=run_id,
                decision=data.decision,
                reason=data.reason,
                digest=data.digest,
                region_column=data.region_column,
            )
        return _state(request, run_id, "recorded")

    @router.post(
        "/runs/{run_id}/shared",
        response=StateOut,
        url_name="research-shared",
        summary="The calling node handed all its shares for this epoch to the transport",
    )
    def shared(request: HttpRequest, run_id: str, data: SharedIn) -> HttpResponse:
        node = calling_node(request)
        with _refusals():
            run = services.report_shared(region=node.region, run_id=run_id, epoch=data.epoch)
        return _state(request, run_id, run.state)

    @router.post(
        "/runs/{run_id}/withdraw",
        response=StateOut,
        url_name="research-withdraw",
        summary="The calling node cannot take part after all (its privacy budget refused)",
    )
    def withdraw(request: HttpRequest, run_id: str, data: WithdrawIn) -> HttpResponse:
        node = calling_node(request)
        with _refusals():
            run = services.drop_from_run(region=node.region, run_id=run_id, reason=data.reason)
        return _state(request, run_id, run.state)

    @router.post(
        "/runs/{run_id}/partial",
        response=StateOut,
        url_name="research-partial",
        summary="The calling node's partial sum (and, if approved, its protected own column)",
    )
    def partial(request: HttpRequest, run_id: str, data: PartialIn) -> HttpResponse:
        node = calling_node(request)
        with _refusals():
            run = services.receive_partial(
                region=node.region, run_id=run_id, message=data.message, column=data.column
            )
        return _state(request, run_id, run.state)

    return router
