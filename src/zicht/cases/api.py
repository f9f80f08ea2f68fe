"""The cases JSON API (node only): cases visible to the caller, one case, its ZGW export."""

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from zicht.accounts.models import User
from zicht.cases import access, export
from zicht.cases.models import Case, CasePhase

MAX_LIMIT = 200


class PartnerOut(Schema):
    organisation: str
    role: str = Field(description="ZGW generic role: initiator, behandelaar, adviseur, …")


class CaseOut(Schema):
    id: int
    reference: str
    title: str
    case_type: str
    status: str = Field(description="phase: " + ", ".join(CasePhase.values))
    confidentiality: str
    started_on: date
    closed_on: date | None
    result: str | None = Field(description="result type code once the case is closed")
    partners: list[PartnerOut]


class CasePage(Schema):
    items: list[CaseOut]
    next_cursor: int | None = Field(description="pass as `before` for the next page")


class CaseFilter(Schema):
    status: str = ""
    before: int | None = Field(None, description="cursor: cases with an id below this one")
    limit: int = 50


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise HttpError(401, "Log in om deze gegevens te gebruiken.")
    return request.user


def _out(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "reference": case.reference,
        "title": case.title,
        "case_type": case.case_type.code,
        "status": case.status,
        "confidentiality": case.confidentiality,
        "started_on": case.started_on,
        "closed_on": case.closed_on,
        "result": case.result_type.code if case.result_type else None,
        "partners": [
            {"organisation": p.organisation.name, "role": p.role_type.generic}
            for p in case.participants.all()
            if p.ended_at is None
        ],
    }


def build_router() -> Router:
    router = Router(tags=["cases"])

    @router.get("/cases", response=CasePage, summary="Cases visible to you, newest first")
    def list_cases(request: HttpRequest, filters: Query[CaseFilter]) -> dict[str, Any]:
        user = _user(request)
        if not user.has_perm("cases.view_case"):
            raise HttpError(403, "U heeft geen toegang tot casussen.")
        if not 1 <= filters.limit <= MAX_LIMIT:
            raise HttpError(422, f"limit moet tussen 1 en {MAX_LIMIT} liggen.")
        cases = access.cases_visible_to(user).select_related("case_type", "result_type")
        if filters.status:
            cases = cases.filter(status=filters.status)
        if filters.before is not None:
            cases = cases.filter(id__lt=filters.before)
        items = list(
            cases.prefetch_related(
                "participants__organisation", "participants__role_type"
            ).order_by("-id")[: filters.limit]
        )
        return {
            "items": [_out(c) for c in items],
            "next_cursor": items[-1].pk if len(items) == filters.limit else None,
        }

    @router.get("/cases/{case_id}", response=CaseOut, summary="One case (audited)")
    def get_case(request: HttpRequest, case_id: int) -> dict[str, Any]:
        return _out(access.get_case_for(_user(request), case_id))

    @router.get(
        "/cases/{case_id}/zgw",
        response=dict[str, Any],
        summary="The case in the shape of the ZGW Zaken API (audited export)",
    )
    def export_case(request: HttpRequest, case_id: int) -> dict[str, Any]:
        user = _user(request)
        if not user.has_perm("cases.export_case"):
            raise HttpError(403, "U mag geen casussen exporteren.")
        case = access.get_case_for(user, case_id, audit=False)
        return export.export_json(acting_user=user, case=case)

    return router
