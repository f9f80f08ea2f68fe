"""Read-only pages for the catalogues. Every logged-in role may read them, on hub and node.

Catalogues hold no personal data, so reads are not audited. Only active entries are listed:
retired ones exist for old signals, not for new classification.
"""

from django import forms
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from zicht.catalogue.models import (
    CatalogueVersion,
    ExploitationForm,
    Indicator,
    IndicatorGroup,
    OffenceCode,
    Portfolio,
    RouteStep,
    Sector,
)
from zicht.catalogue.offences import effective_valid_from, is_in_force, is_pending

# Dutch display names of the catalogue files, for the versions table.
CATALOGUE_NAMES = {
    "portfolios": _("Portefeuilles"),
    "exploitation_forms": _("Uitbuitingsvormen"),
    "offence_codes": _("Delictscodes"),
    "indicator_groups": _("Indicatorgroepen"),
    "indicators": _("Indicatoren"),
    "sectors": _("Sectoren"),
    "route_steps": _("Routestappen"),
}


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    active = Q(is_active=True)
    portfolios = (
        Portfolio.objects.filter(is_active=True)
        .annotate(
            form_count=Count("forms", filter=Q(forms__is_active=True), distinct=True),
            indicator_count=Count(
                "indicators", filter=Q(indicators__is_active=True), distinct=True
            ),
            sector_count=Count("sectors", filter=Q(sectors__is_active=True), distinct=True),
        )
        .order_by("order", "code")
    )
    versions = [
        {"entry": v, "label": CATALOGUE_NAMES.get(v.name, v.name)}
        for v in CatalogueVersion.objects.order_by("name")
    ]
    return render(
        request,
        "catalogue/index.html",
        {
            "portfolios": portfolios,
            "versions": versions,
            "offence_count": OffenceCode.objects.filter(active).count(),
            "route_step_count": RouteStep.objects.filter(active).count(),
        },
    )


@require_GET
def form_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    exploitation_forms = (
        ExploitationForm.objects.filter(is_active=True)
        .select_related("portfolio")
        .annotate(indicator_count=Count("indicators", filter=Q(indicators__is_active=True)))
        .order_by("portfolio__order", "order", "code")
    )
    offences = [
        {
            "offence": offence,
            "valid_from": effective_valid_from(offence),
            "pending": is_pending(offence),
            "in_force": is_in_force(offence, today),
        }
        for offence in OffenceCode.objects.filter(is_active=True).select_related("form")
    ]
    return render(
        request,
        "catalogue/form_list.html",
        {"forms": exploitation_forms, "offences": offences, "today": today},
    )


class IndicatorFilter(forms.Form):
    form = forms.ChoiceField(label=_("Uitbuitingsvorm"), required=False)
    group = forms.ChoiceField(label=_("Groep"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        everything = [("", _("Alle"))]
        self.fields["form"].choices = everything + [  # type: ignore[attr-defined]
            (f.code, f.name) for f in ExploitationForm.objects.filter(is_active=True)
        ]
        self.fields["group"].choices = everything + [  # type: ignore[attr-defined]
            (g.code, g.name) for g in IndicatorGroup.objects.filter(is_active=True)
        ]


@require_GET
def indicator_list(request: HttpRequest) -> HttpResponse:
    filter_form = IndicatorFilter(request.GET or None)
    indicators = Indicator.objects.filter(is_active=True).prefetch_related(
        Prefetch("forms", queryset=ExploitationForm.objects.order_by("order", "code"))
    )
    if filter_form.is_valid():
        if code := filter_form.cleaned_data["form"]:
            indicators = indicators.filter(forms__code=code)
        if group := filter_form.cleaned_data["group"]:
            indicators = indicators.filter(group=group)
    elif filter_form.is_bound:
        # An unknown filter value (an old bookmark) shows nothing rather than everything.
        indicators = indicators.none()
    groups = {g.code: g for g in IndicatorGroup.objects.all()}
    rows = [{"indicator": i, "group": groups.get(i.group)} for i in indicators.order_by("order")]
    return render(
        request,
        "catalogue/indicator_list.html",
        {"filter_form": filter_form, "rows": rows},
    )


@require_GET
def sector_list(request: HttpRequest) -> HttpResponse:
    sectors = (
        Sector.objects.filter(is_active=True)
        .select_related("portfolio")
        .order_by("portfolio__order", "order", "code")
    )
    return render(request, "catalogue/sector_list.html", {"sectors": sectors})


@require_GET
def route_step_list(request: HttpRequest) -> HttpResponse:
    steps = RouteStep.objects.filter(is_active=True).order_by("order", "code")
    return render(request, "catalogue/route_step_list.html", {"steps": steps})
