"""The figures of the regional dashboard: aggregate counts over the register.

Every function is a read-only query of a :class:`Filters` value and returns plain data
without personal data. Each is one GROUP BY in the database (the indicator pairs are a
self-join of the observations), so the cost does not grow with Python loops over signals;
only the short result rows are touched in Python.

:func:`dashboard` computes all of them at once and caches the result under the filters and
:func:`register_version`, a cheap fingerprint of the register that changes whenever a signal
is added, changed or removed, so a new signal is never hidden behind a cached figure.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.filebased import FileBasedCache
from django.db import connection
from django.db.models import Count, Max, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from zicht.accounts.models import OrganisationType
from zicht.catalogue.models import ExploitationForm, Indicator, RouteStep, Sector
from zicht.reference.models import Municipality
from zicht.register.models import IndicatorObservation, Observation, Signal

PER_INHABITANTS = 100_000
TOP_PAIRS = 10
CACHE_SECONDS = 24 * 60 * 60
NONE_KEY = "-"


@dataclass(frozen=True)
class Filters:
    """What the dashboard shows; all empty means the whole register."""

    date_from: date | None = None
    date_to: date | None = None
    form: str = ""  # ExploitationForm code
    sector: str = ""  # Sector code
    municipality: str = ""  # CBS code, e.g. "GM0344"

    @property
    def is_empty(self) -> bool:
        return self == Filters()

    def as_query(self) -> dict[str, str]:
        """The URL parameters for these filters (the dashboard's shareable address)."""
        values = {
            "van": self.date_from.isoformat() if self.date_from else "",
            "tot": self.date_to.isoformat() if self.date_to else "",
            "vorm": self.form,
            "sector": self.sector,
            "gemeente": self.municipality,
        }
        return {key: value for key, value in values.items() if value}


@dataclass(frozen=True)
class Row:
    """One line of a figure: a category, its count and, where known, the rate per 100,000."""

    key: str
    label: str
    count: int
    rate: float | None = None
    population: int | None = None


@dataclass(frozen=True)
class Pair:
    first: str  # indicator codes, first < second
    second: str
    label: str
    count: int


@dataclass(frozen=True)
class Figures:
    filters: Filters
    version: str
    total: int
    by_form: list[Row]
    by_sector: list[Row]
    by_municipality: list[Row]
    by_month: list[Row]
    by_quarter: list[Row]
    by_indicator: list[Row]
    indicator_pairs: list[Pair]
    by_route_step: list[Row]
    by_partner_type: list[Row]
    extra: dict[str, Any] = field(default_factory=dict)


def signals(filters: Filters) -> QuerySet[Signal]:
    qs = Signal.objects.all()
    if filters.date_from:
        qs = qs.filter(received_on__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(received_on__lte=filters.date_to)
    if filters.form:
        # A signal names a form at most once (unique through table): no duplicate rows.
        qs = qs.filter(forms__code=filters.form)
    if filters.sector:
        qs = qs.filter(sector__code=filters.sector)
    if filters.municipality:
        qs = qs.filter(municipality__code=filters.municipality)
    return qs.order_by()


def _observed(filters: Filters) -> QuerySet[IndicatorObservation]:
    qs = IndicatorObservation.objects.filter(observation=Observation.OBSERVED)
    if not filters.is_empty:
        qs = qs.filter(signal__in=signals(filters).values("pk"))
    return qs.order_by()


def register_version() -> str:
    """A fingerprint of the register that changes whenever the figures can change.

    The number of signals, the highest signal id and the highest observation id: index-only
    lookups, about 2 ms at 100,000 signals (``MAX(updated_at)`` would scan the table, 25 ms
    on every request). The register creates signals (new ids), deletes them (count drops)
    and changes their status (not used by these figures); it has no service that edits the
    fields counted here. A service that does must be reflected here, for example by adding
    ``MAX(updated_at)`` once ``Signal.updated_at`` has an index.
    """
    signal_stats = Signal.objects.order_by().aggregate(n=Count("id"), last=Max("id"))
    last_observation = IndicatorObservation.objects.order_by().aggregate(m=Max("id"))["m"]
    return f"{signal_stats['n']}:{signal_stats['last'] or 0}:{last_observation or 0}"


def total(filters: Filters) -> int:
    return signals(filters).count()


def _rate(count: int, population: int | None) -> float | None:
    if not population:
        return None
    return round(count * PER_INHABITANTS / population, 1)


def by_form(filters: Filters) -> list[Row]:
    """Signals per suspected form; a signal with two forms counts for both."""
    through = Signal.forms.through.objects.order_by()
    if not filters.is_empty:
        through = through.filter(signal__in=signals(filters).values("pk"))
    counts = {
        row["exploitationform_id"]: row["n"]
        for row in through.values("exploitationform_id").annotate(n=Count("id"))
    }
    return [
        Row(form.code, form.name, counts.get(form.pk, 0))
        for form in ExploitationForm.objects.all()
        if form.is_active or counts.get(form.pk)
    ]


def _grouped(filters: Filters, column: str) -> dict[Any, int]:
    rows = signals(filters).values_list(column).annotate(n=Count("id")).values_list(column, "n")
    return dict(rows)


def by_sector(filters: Filters) -> list[Row]:
    counts = _grouped(filters, "sector_id")
    rows = [
        Row(sector.code, sector.name, counts.get(sector.pk, 0))
        for sector in Sector.objects.all()
        if sector.is_active or counts.get(sector.pk)
    ]
    if counts.get(None):
        rows.append(Row(NONE_KEY, _("geen sector opgegeven"), counts[None]))
    return rows


def by_route_step(filters: Filters) -> list[Row]:
    counts = _grouped(filters, "route_step_id")
    rows = [
        Row(step.code, step.name, counts.get(step.pk, 0))
        for step in RouteStep.objects.all()
        if step.is_active or counts.get(step.pk)
    ]
    if counts.get(None):
        rows.append(Row(NONE_KEY, _("geen stap opgegeven"), counts[None]))
    return rows


def by_partner_type(filters: Filters) -> list[Row]:
    """Signals per type of the reporting organisation (gemeente, politie, …)."""
    counts = _grouped(filters, "reporting_organisation__type")
    return [
        Row(str(value), str(label), counts[value])
        for value, label in OrganisationType.choices
        if counts.get(value)
    ]


def by_municipality(filters: Filters) -> list[Row]:
    """Every municipality of the region (zeros too), then others that have signals.

    The rate is per 100,000 inhabitants of the reference population.
    """
    counts = _grouped(filters, "municipality_id")
    region = getattr(settings, "ZICHT_REGION", None)
    municipalities = Municipality.objects.defer("boundary").order_by("name")
    own = list(municipalities.filter(region__code=region)) if region else []
    own_ids = {m.pk for m in own}
    others = [m for m in municipalities.filter(pk__in=list(counts)) if m.pk not in own_ids]
    rows = []
    for municipality in own:
        count = counts.get(municipality.pk, 0)
        rows.append(
            Row(
                municipality.code,
                municipality.name,
                count,
                _rate(count, municipality.population),
                municipality.population,
            )
        )
    for municipality in others:
        count = counts[municipality.pk]
        rows.append(
            Row(
                municipality.code,
                _("%(name)s (buiten de regio)") % {"name": municipality.name},
                count,
                _rate(count, municipality.population),
                municipality.population,
            )
        )
    return rows


def _months_between(first: date, last: date) -> Iterable[date]:
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield date(year, month, 1)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _month_start(value: date) -> date:
    return date(value.year, value.month, 1)


def by_month(filters: Filters) -> list[Row]:
    """Signals per month of receipt, without gaps between the first and the last month.

    Grouped by day in the database (indexed, at most a few thousand days) and summed into
    months here: truncating dates is a Python function per row on SQLite, ten times slower.
    """
    rows = (
        signals(filters)
        .values_list("received_on")
        .annotate(n=Count("id"))
        .values_list("received_on", "n")
    )
    counts: dict[date, int] = {}
    for day, n in rows:
        month = _month_start(day)
        counts[month] = counts.get(month, 0) + n
    if not counts:
        return []
    first = min(counts)
    last = max(counts)
    if filters.date_from:
        first = min(first, _month_start(filters.date_from))
    if filters.date_to:
        last = max(last, _month_start(filters.date_to))
    return [
        Row(month.strftime("%Y-%m"), month.strftime("%Y-%m"), counts.get(month, 0))
        for month in _months_between(first, last)
    ]


def by_quarter(months: list[Row]) -> list[Row]:
    """Sums the monthly rows into quarters (the months are already complete and in order)."""
    totals: dict[str, int] = {}
    for row in months:
        year, month = row.key.split("-")
        key = f"{year}-K{(int(month) - 1) // 3 + 1}"
        totals[key] = totals.get(key, 0) + row.count
    return [Row(key, key, n) for key, n in totals.items()]


def by_indicator(filters: Filters) -> list[Row]:
    """How often each indicator was observed, most frequent first (observed only)."""
    counts = (
        _observed(filters)
        .values_list("indicator_id")
        .annotate(n=Count("id"))
        .values_list("indicator_id", "n")
    )
    indicators = Indicator.objects.in_bulk([pk for pk, _n in counts])
    rows = [
        Row(indicators[pk].code, f"{indicators[pk].code} {indicators[pk].label}", n)
        for pk, n in counts
    ]
    return sorted(rows, key=lambda r: (-r.count, r.key))


def indicator_pairs(filters: Filters, *, limit: int = TOP_PAIRS) -> list[Pair]:
    """The most frequent pairs of indicators observed in the same signal (stapeling).

    A self-join of the observed rows on ``signal_id``, each pair once (lower id first). It
    is written in SQL because the ORM can only join the observations to each other through
    the signal table, which made the query three times slower at 100,000 signals. The
    filters are the ORM's own subquery, with its parameters.
    """
    table = connection.ops.quote_name(IndicatorObservation._meta.db_table)
    params: list[Any] = [Observation.OBSERVED, Observation.OBSERVED]
    selection = ""
    if not filters.is_empty:
        sub_sql, sub_params = signals(filters).values("pk").query.sql_with_params()
        selection = f" AND a.signal_id IN ({sub_sql})"
        params += list(sub_params)
    params.append(limit)
    sql = (
        f"SELECT a.indicator_id, b.indicator_id, COUNT(*) AS n FROM {table} a "  # noqa: S608
        f"JOIN {table} b ON b.signal_id = a.signal_id AND b.indicator_id > a.indicator_id "
        f"WHERE a.observation = %s AND b.observation = %s{selection} "
        "GROUP BY a.indicator_id, b.indicator_id "
        "ORDER BY n DESC, a.indicator_id, b.indicator_id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        pairs = [(int(a), int(b), int(n)) for a, b, n in cursor.fetchall()]
    indicators = Indicator.objects.in_bulk({pk for a, b, _n in pairs for pk in (a, b)})
    result = []
    for a, b, n in pairs:
        first, second = sorted((indicators[a].code, indicators[b].code))
        result.append(Pair(first, second, f"{first} + {second}", n))
    return result


def compute(filters: Filters, *, version: str = "") -> Figures:
    months = by_month(filters)
    return Figures(
        filters=filters,
        version=version,
        total=total(filters),
        by_form=by_form(filters),
        by_sector=by_sector(filters),
        by_municipality=by_municipality(filters),
        by_month=months,
        by_quarter=by_quarter(months),
        by_indicator=by_indicator(filters),
        indicator_pairs=indicator_pairs(filters),
        by_route_step=by_route_step(filters),
        by_partner_type=by_partner_type(filters),
    )


def to_json(found: Figures) -> dict[str, Any]:
    """The figures as JSON-ready data (a final report keeps them; see :func:`from_json`)."""
    data: dict[str, Any] = json.loads(json.dumps(asdict(found), default=str))
    return data


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def from_json(data: dict[str, Any]) -> Figures:
    """The figures written by :func:`to_json`."""
    chosen = data["filters"]

    def rows(name: str) -> list[Row]:
        return [Row(**row) for row in data[name]]

    return Figures(
        filters=Filters(
            date_from=_date(chosen["date_from"]),
            date_to=_date(chosen["date_to"]),
            form=chosen["form"],
            sector=chosen["sector"],
            municipality=chosen["municipality"],
        ),
        version=data["version"],
        total=data["total"],
        by_form=rows("by_form"),
        by_sector=rows("by_sector"),
        by_municipality=rows("by_municipality"),
        by_month=rows("by_month"),
        by_quarter=rows("by_quarter"),
        by_indicator=rows("by_indicator"),
        indicator_pairs=[Pair(**pair) for pair in data["indicator_pairs"]],
        by_route_step=rows("by_route_step"),
        by_partner_type=rows("by_partner_type"),
        extra=data.get("extra", {}),
    )


def cache_key(filters: Filters, version: str) -> str:
    # Labels are translated, so the language is part of the key.
    material = json.dumps(
        [asdict(filters), version, get_language() or "", settings.ZICHT_INSTANCE],
        default=str,
        sort_keys=True,
    )
    return "insight:figures:" + hashlib.sha256(material.encode()).hexdigest()


_FILE_CACHE: dict[str, BaseCache] = {}


def figures_cache() -> BaseCache:
    """A cache shared by every worker process of this instance.

    A ``CACHES["insight"]`` setting wins. Otherwise the figures go to files under the
    instance's var directory: gunicorn's workers then compute each view once per register
    version instead of once per process. They are aggregates, stored beside the database.
    """
    if "insight" in settings.CACHES:
        return caches["insight"]
    location = str(Path(settings.ZICHT_VAR_DIR) / settings.ZICHT_INSTANCE / "cache" / "insight")
    if location not in _FILE_CACHE:
        _FILE_CACHE[location] = FileBasedCache(location, {"TIMEOUT": CACHE_SECONDS})
    return _FILE_CACHE[location]


def dashboard(filters: Filters) -> Figures:
    """All figures for ``filters``, from the cache while the register has not changed."""
    version = register_version()
    key = cache_key(filters, version)
    store = figures_cache()
    found = store.get(key)
    if isinstance(found, Figures):
        return found
    figures = compute(filters, version=version)
    store.set(key, figures, CACHE_SECONDS)
    return figures
