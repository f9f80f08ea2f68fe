"""The categories of a study's breakdowns, from the catalogues, and the checked construction of
a :class:`~zicht.research.study.StudySpec`.

Runs on the hub, which holds no personal data but has every catalogue: the catalogue tables
(forms, sectors, route steps, indicators) and the cases catalogue (intervention types) are
loaded by data migrations (``catalogue.0002``, ``cases.0003``) in both roles, because all apps
are installed in both. Should the intervention types ever be missing on an instance, they are
read from the versioned data file, so a study drafted there has the same categories.

Categories are explicit in the spec so that the steward approves, and every node computes,
exactly the same table, whatever catalogue version a node runs:

- **Catalogue dimensions** (form, sector, route step, indicator, intervention type): every entry
  of the catalogue in its published order, retired entries included (signals and cases keep
  pointing at them, and a study may cover a past period), then ``_onbekend``. Labels are the
  Dutch names (``name_nl``), not the drafter's UI language: the label is part of the digest.
- **Quarter**: ``2025-K1`` … for every quarter that overlaps the period; a quarter at the edge
  counts only the days inside the period. No ``_onbekend``: the dates counted are never empty.
- **Age band**: :data:`zicht.research.study.AGE_BANDS` (age at the start of the period), then
  ``_onbekend`` for persons without a birth date.

A filter on a dimension that is also a breakdown restricts that breakdown's categories to the
filter's codes (in catalogue order), so the table has no cells that are zero by construction.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from zicht.catalogue.models import ExploitationForm, Indicator, RouteStep, Sector
from zicht.regions import REGION_CODES
from zicht.research.study import (
    AGE_BANDS,
    COMPATIBLE,
    DIMENSIONS,
    MAX_DIMENSIONS,
    METRICS,
    UNKNOWN,
    UNKNOWN_LABELS,
    Category,
    Dimension,
    SpecError,
    StudySpec,
    quarters_between,
)

RETIRED_SUFFIX = " (niet meer in gebruik)"


def _label(name: str, is_active: bool) -> str:
    return name if is_active else f"{name}{RETIRED_SUFFIX}"


def _from_catalogue(rows: Iterable[tuple[str, str, bool]]) -> list[Category]:
    return [Category(code, _label(name.strip(), active)) for code, name, active in rows]


def _rows(queryset: QuerySet[Model], name_field: str) -> list[tuple[str, str, bool]]:
    return [
        (str(code), str(name), bool(active))
        for code, name, active in queryset.values_list("code", name_field, "is_active")
    ]


def _intervention_types() -> list[tuple[str, str, bool]]:
    from zicht.cases.models import InterventionType

    rows = _rows(InterventionType.objects.order_by("order", "code"), "name_nl")
    if rows:
        return rows
    # Not loaded on this instance: the versioned file is the same source the loader uses.
    from zicht.cases.loader import read_intervention_types

    items = read_intervention_types().items
    return [(str(i["code"]), str(i["name_nl"]), True) for i in items]


def categories_for(
    dimension_code: str, period_start: date, period_end: date
) -> tuple[Category, ...]:
    """The categories of a breakdown for a study over ``period_start`` to ``period_end``."""
    if dimension_code not in DIMENSIONS:
        raise SpecError(_("Onbekende uitsplitsing ‘%(code)s’.") % {"code": dimension_code})
    if period_end < period_start:
        raise SpecError(_("Het einde van de periode ligt voor het begin."))
    categories: list[Category]
    if dimension_code == "quarter":
        return tuple(Category(code, code) for code in quarters_between(period_start, period_end))
    if dimension_code == "age_band":
        categories = [Category(band.code, band.label) for band in AGE_BANDS]
    elif dimension_code == "form":
        categories = _from_catalogue(_rows(ExploitationForm.objects.all(), "name_nl"))
    elif dimension_code == "sector":
        categories = _from_catalogue(_rows(Sector.objects.all(), "name_nl"))
    elif dimension_code == "route_step":
        categories = _from_catalogue(_rows(RouteStep.objects.all(), "name_nl"))
    elif dimension_code == "indicator":
        categories = [
            Category(code, _label(f"{code} {label.strip()}", active))
            for code, label, active in Indicator.objects.values_list(
                "code", "label_nl", "is_active"
            )
        ]
    else:  # intervention_type
        categories = _from_catalogue(_intervention_types())
    categories.append(Category(UNKNOWN, UNKNOWN_LABELS[dimension_code]))
    return tuple(categories)


def _epsilon(value: Decimal | int | float | str | None) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise SpecError(_("Epsilon moet een getal zijn."))
    try:
        # str() of a float is its shortest representation: 0.1 stays 0.1, not 0.1000…0555.
        return Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation as exc:
        raise SpecError(_("Epsilon moet een getal zijn.")) from exc


def build_spec(
    *,
    study_id: str,
    title: str,
    question: str,
    period_start: date,
    period_end: date,
    regions: Sequence[str],
    metric: str,
    dimension_codes: Sequence[str],
    filters: Mapping[str, Sequence[str]],
    min_cell: int = 10,
    epsilon: Decimal | int | float | str | None = None,
    region_columns: bool = False,
) -> StudySpec:
    """A complete, checked spec from a draft's choices; :class:`SpecError` (Dutch) otherwise.

    Titles and questions are stripped, regions and filter codes sorted and de-duplicated; the
    categories come from :func:`categories_for`. The spec's own checks (cell count, k, epsilon,
    at least three regions…) run last, in :class:`~zicht.research.study.StudySpec`.
    """
    if metric not in METRICS:
        raise SpecError(_("Onbekende maat ‘%(code)s’.") % {"code": metric})
    codes = list(dimension_codes)
    if not 1 <= len(codes) <= MAX_DIMENSIONS:
        raise SpecError(_("Kies één tot %(n)d uitsplitsingen.") % {"n": MAX_DIMENSIONS})
    if len(set(codes)) != len(codes):
        raise SpecError(_("Een uitsplitsing komt twee keer voor."))
    for code in [*codes, *filters]:
        if code not in DIMENSIONS:
            raise SpecError(_("Onbekende uitsplitsing ‘%(code)s’.") % {"code": code})
        if code not in COMPATIBLE[metric]:
            raise SpecError(
                _("‘%(dimension)s’ past niet bij de maat ‘%(metric)s’.")
                % {"dimension": DIMENSIONS[code], "metric": METRICS[metric]}
            )
    for day in (period_start, period_end):
        if not isinstance(day, date) or isinstance(day, datetime):
            raise SpecError(_("Begin en einde van de periode moeten datums zijn."))
    if period_end < period_start:
        raise SpecError(_("Het einde van de periode ligt voor het begin."))
    if isinstance(regions, str):
        raise SpecError(_("Geef de regio's als lijst van regiocodes."))
    unknown_regions = sorted(set(regions) - set(REGION_CODES))
    if unknown_regions:
        raise SpecError(
            _("Onbekende regio('s): %(codes)s.") % {"codes": ", ".join(unknown_regions)}
        )

    available = {
        code: categories_for(code, period_start, period_end) for code in {*codes, *filters}
    }
    checked_filters: list[tuple[str, tuple[str, ...]]] = []
    for code in sorted(filters):
        label = DIMENSIONS[code]
        if isinstance(filters[code], str):
            raise SpecError(
                _("Geef het filter op ‘%(dimension)s’ als lijst van codes.") % {"dimension": label}
            )
        allowed = sorted(set(filters[code]))
        if not allowed:
            raise SpecError(
                _("Het filter op ‘%(dimension)s’ noemt geen categorie.") % {"dimension": label}
            )
        known = {category.code for category in available[code]}
        strangers = [value for value in allowed if value not in known]
        if strangers:
            raise SpecError(
                _("‘%(codes)s’ is geen categorie van ‘%(dimension)s’.")
                % {"codes": "’, ‘".join(strangers), "dimension": label}
            )
        checked_filters.append((code, tuple(allowed)))

    allowed_by_filter = dict(checked_filters)
    dimensions = []
    for code in codes:
        categories = available[code]
        if code in allowed_by_filter:
            keep = set(allowed_by_filter[code])
            categories = tuple(c for c in categories if c.code in keep)
        dimensions.append(Dimension(code, categories))

    return StudySpec(
        study_id=study_id,
        title=title.strip() if isinstance(title, str) else title,
        question=question.strip() if isinstance(question, str) else question,
        period_start=period_start,
        period_end=period_end,
        regions=tuple(sorted(set(regions))),
        metric=metric,
        dimensions=tuple(dimensions),
        filters=tuple(checked_filters),
        min_cell=min_cell,
        epsilon=_epsilon(epsilon),
        region_columns=region_columns,
    )


def filter_labels(spec: StudySpec) -> dict[str, dict[str, str]]:
    """Labels of the filter categories, for :func:`zicht.research.study.describe`.

    The spec carries labels only for its breakdowns; a filter on another dimension names codes,
    which this looks up in the local catalogue.
    """
    breakdown = {d.code for d in spec.dimensions}
    return {
        code: {c.code: c.label for c in categories_for(code, spec.period_start, spec.period_end)}
        for code, _codes in spec.filters
        if code not in breakdown
    }
