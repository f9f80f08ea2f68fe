"""JSON API for the catalogues: ``build_router()``, mounted by :mod:`zicht.core.api`.

Read-only, active entries only (retired ones stay in the database for old signals but are not
offered for new ones). Texts come in Dutch and English; codes are the stable keys.
"""

from datetime import date
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from zicht.catalogue.models import ExploitationForm, Indicator, OffenceCode, RouteStep, Sector
from zicht.catalogue.offences import effective_valid_from, is_in_force, is_pending


class OffenceCodeOut(Schema):
    code: str
    article: str
    name_nl: str
    name_en: str
    # After applying the in-force setting; null means no lower bound, or pending.
    valid_from: date | None
    valid_to: date | None
    pending: bool
    in_force_today: bool


class FormOut(Schema):
    code: str
    portfolio: str
    name_nl: str
    name_en: str
    description_nl: str
    order: int
    offence_codes: list[OffenceCodeOut]


class IndicatorOut(Schema):
    code: str
    group: str
    label_nl: str
    label_en: str
    forms: list[str]
    portfolio: str
    sources: list[str]


class SectorOut(Schema):
    code: str
    name_nl: str
    name_en: str
    portfolio: str
    order: int


class RouteStepOut(Schema):
    code: str
    name_nl: str
    name_en: str
    order: int


def _offence(offence: OffenceCode, today: date) -> dict[str, Any]:
    return {
        "code": offence.code,
        "article": offence.article,
        "name_nl": offence.name_nl,
        "name_en": offence.name_en,
        "valid_from": effective_valid_from(offence),
        "valid_to": offence.valid_to,
        "pending": is_pending(offence),
        "in_force_today": is_in_force(offence, today),
    }


def build_router() -> Router:
    # A fresh router per call: a router can be attached to only one NinjaAPI, and the hub and
    # node APIs are both built in one process (tests, OpenAPI export).
    router = Router(tags=["catalogue"])

    @router.get(
        "/forms",
        response=list[FormOut],
        url_name="catalogue-form-list",
        summary="Forms of exploitation, with their offence codes",
    )
    def list_forms(request: HttpRequest, portfolio: str | None = None) -> list[dict[str, Any]]:
        today = timezone.localdate()
        forms = (
            ExploitationForm.objects.filter(is_active=True)
            .select_related("portfolio")
            .prefetch_related(
                Prefetch(
                    "offence_codes",
                    queryset=OffenceCode.objects.filter(is_active=True).order_by("order", "code"),
                )
            )
            .order_by("portfolio__order", "order", "code")
        )
        if portfolio:
            forms = forms.filter(portfolio__code=portfolio)
        return [
            {
                "code": form.code,
                "portfolio": form.portfolio.code,
                "name_nl": form.name_nl,
                "name_en": form.name_en,
                "description_nl": form.description_nl,
                "order": form.order,
                "offence_codes": [_offence(o, today) for o in form.offence_codes.all()],
            }
            for form in forms
        ]

    @router.get(
        "/indicators",
        response=list[IndicatorOut],
        url_name="catalogue-indicator-list",
        summary="Indicators, optionally filtered by form, group or portfolio",
    )
    def list_indicators(
        request: HttpRequest,
        form: str | None = None,
        group: str | None = None,
        portfolio: str | None = None,
    ) -> list[dict[str, Any]]:
        indicators = (
            Indicator.objects.filter(is_active=True)
            .select_related("portfolio")
            .prefetch_related(
                Prefetch("forms", queryset=ExploitationForm.objects.order_by("order", "code"))
            )
            .order_by("order", "code")
        )
        if form:
            indicators = indicators.filter(forms__code=form)
        if group:
            indicators = indicators.filter(group=group)
        if portfolio:
            indicators = indicators.filter(portfolio__code=portfolio)
        return [
            {
                "code": i.code,
                "group": i.group,
                "label_nl": i.label_nl,
                "label_en": i.label_en,
                "forms": [f.code for f in i.forms.all()],
                "portfolio": i.portfolio.code,
                "sources": i.source_keys,
            }
            for i in indicators
        ]

    @router.get(
        "/sectors",
        response=list[SectorOut],
        url_name="catalogue-sector-list",
        summary="Sectors at risk",
    )
    def list_sectors(request: HttpRequest, portfolio: str | None = None) -> list[dict[str, Any]]:
        sectors = (
            Sector.objects.filter(is_active=True)
            .select_related("portfolio")
            .order_by("portfolio__order", "order", "code")
        )
        if portfolio:
            sectors = sectors.filter(portfolio__code=portfolio)
        return [
            {
                "code": s.code,
                "name_nl": s.name_nl,
                "name_en": s.name_en,
                "portfolio": s.portfolio.code,
                "order": s.order,
            }
            for s in sectors
        ]

    @router.get(
        "/route-steps",
        response=list[RouteStepOut],
        url_name="catalogue-route-step-list",
        summary="Route steps of the VNG/CCV barrier model",
    )
    def list_route_steps(request: HttpRequest) -> QuerySet[RouteStep]:
        return RouteStep.objects.filter(is_active=True).order_by("order", "code")

    return router
