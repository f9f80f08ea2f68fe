"""The specification of a joint study: what every region counts and how the total is protected.

A :class:`StudySpec` is drafted on the hub (:func:`zicht.research.dimensions.build_spec` fills
in the categories from the catalogues), travels to every participating node as the plain dict
of :meth:`StudySpec.to_dict`, is shown to the node's data steward in plain Dutch
(:func:`describe`) and, once approved, is what the node computes
(:func:`zicht.research.local.local_table`). The steward's approval binds to
:meth:`StudySpec.digest`, the SHA-256 of the canonical JSON of the spec, so the hub cannot
change a category, a filter or the protection after the approval without it showing.

Pure Python, no Django: the spec is checked the same way on the hub and on the node, and the
checks can be tested without a database. :meth:`StudySpec.from_dict` is strict (exact keys,
exact types, known codes, canonical form) and raises :class:`SpecError` with a Dutch message.

**Counting rules** (implemented by :mod:`zicht.research.local`, stated here because they are
part of what the steward approves):

- Every counted record (a signal, case, person or intervention) has, per dimension, a set of
  values. A record without a value has the single value ``_onbekend``.
- A filter ``(dimension, codes)`` keeps a record only if at least one of its values is in
  ``codes``; if the dimension is also a breakdown, only those values are used in the breakdown.
- A value that is not a category of the spec (for example a sector added to a node's catalogue
  after the study was drafted) counts under ``_onbekend`` if the dimension has that category,
  and is left out otherwise.
- A record counts once in every cell that one of its values combinations falls in: a signal
  with two forms counts once under each form. So in a multi-valued dimension the cells can add
  up to more than the number of records (see :data:`SINGLE_VALUED`).
"""

import hashlib
import itertools
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Self

from zicht.regions import REGION_CODES, region_by_code
from zicht.research.protocols.field import MAX_CELLS, MIN_PARTICIPANTS
from zicht.research.protocols.messages import IDENTIFIER

SPEC_VERSION: Final = 1

METRICS: dict[str, str] = {
    "signals": "Signalen",
    "cases": "Casussen",
    "entities": "Personen",
    "interventions": "Interventies",
}

DIMENSIONS: dict[str, str] = {
    "form": "Uitbuitingsvorm",
    "sector": "Sector",
    "route_step": "Stap in de route",
    "quarter": "Kwartaal",
    "indicator": "Indicator",
    "intervention_type": "Interventie",
    "age_band": "Leeftijdsklasse",
}

COMPATIBLE: dict[str, frozenset[str]] = {
    # A signal has forms, a sector, a route step, observed indicators and a date of receipt.
    # It has no interventions (those belong to cases) and no single age (it can name several
    # persons; ages are counted with the "entities" metric).
    "signals": frozenset({"form", "sector", "route_step", "quarter", "indicator"}),
    # A case has the form of its case type, the sectors and route steps of its linked signals,
    # a start date and the interventions started in it. Indicators are left out: a case would
    # pool the observations of many signals, which describes the signals, not the case, and
    # makes every case count in dozens of cells (large DP sensitivity).
    "cases": frozenset({"form", "sector", "route_step", "quarter", "intervention_type"}),
    # A person is counted through the signals of the period they are linked to (their forms,
    # sectors, route steps, quarters) and by their own age. Indicators are left out for the
    # same reason as for cases, interventions because they belong to cases, not persons.
    "entities": frozenset({"form", "sector", "route_step", "quarter", "age_band"}),
    # An intervention has a type and a start date, and belongs to a case: the case type's form
    # and the sectors and route steps of the case's signals.
    "interventions": frozenset({"form", "sector", "route_step", "quarter", "intervention_type"}),
}

SINGLE_VALUED: dict[str, frozenset[str]] = {
    # Dimensions in which a record has exactly one value (so it counts in exactly one of its
    # categories). In every other compatible dimension a record may count in several cells:
    # this is what the DP sensitivity (zicht.research.release) must account for.
    "signals": frozenset({"sector", "route_step", "quarter"}),
    "cases": frozenset({"form", "quarter"}),
    "entities": frozenset({"age_band"}),
    "interventions": frozenset({"form", "quarter", "intervention_type"}),
}

MAX_DIMENSIONS: Final = 3
UNKNOWN: Final = "_onbekend"

UNKNOWN_LABELS: dict[str, str] = {
    # The "_onbekend" category holds records without a value and values that were not in the
    # catalogue when the study was drafted. A quarter is never missing, so it has none.
    "form": "Geen of onbekende vorm",
    "sector": "Geen of onbekende sector",
    "route_step": "Geen of onbekende stap",
    "indicator": "Geen indicator waargenomen of onbekend",
    "intervention_type": "Geen interventie of onbekend type",
    "age_band": "Geboortedatum onbekend",
}

MIN_CELL_RANGE: Final = (3, 1000)
MAX_EPSILON: Final = Decimal(10)
EPSILON_DECIMALS: Final = 6
MIN_YEAR: Final = 2000
MAX_YEAR: Final = 2099
MAX_TITLE: Final = 200
MAX_QUESTION: Final = 4000
MAX_LABEL: Final = 300

CATEGORY_CODE = re.compile(r"^[A-Za-z0-9_<>+.-]{1,64}$")
QUARTER_CODE = re.compile(r"^(?P<year>[0-9]{4})-K(?P<quarter>[1-4])$")
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
EPSILON_TEXT = re.compile(r"^[0-9]{1,2}(?:\.[0-9]{1,6})?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_EXCEPT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


class SpecError(ValueError):
    """A study specification is not valid; the message is Dutch and meant for the user."""


# --- Age bands ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgeBand:
    code: str
    label: str
    min_age: int | None  # inclusive; None: no lower bound (also persons born after the date)
    max_age: int | None  # inclusive; None: no upper bound


AGE_BANDS: tuple[AgeBand, ...] = (
    # Minors: trafficking of a minor needs no coercion (art. 273f lid 1 sub 2 Sr), and they
    # are the youth-care chain's concern.
    AgeBand("<18", "Jonger dan 18 jaar", None, 17),
    # Young adults up to their 23rd birthday: the age of extended youth care (Jeugdwet) and
    # the group most targeted by loverboys and criminal recruiters.
    AgeBand("18-22", "18 tot en met 22 jaar", 18, 22),
    AgeBand("23-29", "23 tot en met 29 jaar", 23, 29),
    AgeBand("30-49", "30 tot en met 49 jaar", 30, 49),
    AgeBand("50+", "50 jaar en ouder", 50, None),
)
AGE_BAND_CODES: Final = tuple(band.code for band in AGE_BANDS)


def years_before(on: date, years: int) -> date:
    """The same calendar day ``years`` earlier; 29 February becomes 28 February.

    ``birth <= years_before(on, n)`` exactly when the person is at least ``n`` on ``on``.
    """
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)


def age_on(birth: date, on: date) -> int:
    """Age in whole years on ``on`` (negative for a person born after ``on``)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def age_band_for(birth: date | None, on: date) -> str:
    """The age band code of a person born on ``birth``, on ``on`` (``_onbekend`` if unknown)."""
    if birth is None:
        return UNKNOWN
    age = age_on(birth, on)
    for band in AGE_BANDS:
        if band.max_age is None or age <= band.max_age:
            return band.code
    raise AssertionError("the last age band is open-ended")  # pragma: no cover


# --- Quarters ----------------------------------------------------------------------------------


def quarter_code(day: date) -> str:
    return f"{day.year}-K{(day.month - 1) // 3 + 1}"


def quarter_bounds(code: str) -> tuple[date, date]:
    """First and last day of a quarter code such as ``2025-K1``."""
    match = QUARTER_CODE.fullmatch(code)
    if match is None:
        raise SpecError(f"‘{code}’ is geen kwartaal (verwacht bijvoorbeeld 2025-K1).")
    year, quarter = int(match["year"]), int(match["quarter"])
    first = date(year, 3 * quarter - 2, 1)
    last = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return first, date.fromordinal(last.toordinal() - 1)


def quarters_between(start: date, end: date) -> tuple[str, ...]:
    """The quarter codes from the one containing ``start`` to the one containing ``end``."""
    codes = []
    year, quarter = start.year, (start.month - 1) // 3 + 1
    while (year, quarter) <= (end.year, (end.month - 1) // 3 + 1):
        codes.append(f"{year}-K{quarter}")
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return tuple(codes)


# --- The spec ----------------------------------------------------------------------------------


def _check_text(value: object, what: str, limit: int, *, multiline: bool = False) -> str:
    if not isinstance(value, str):
        raise SpecError(f"{what} moet tekst zijn.")
    if not value.strip():
        raise SpecError(f"{what} ontbreekt.")
    if value != value.strip():
        raise SpecError(f"{what} begint of eindigt met witruimte.")
    if len(value) > limit:
        raise SpecError(f"{what} is langer dan {limit} tekens.")
    control = _CONTROL_EXCEPT_NEWLINE if multiline else _CONTROL
    if control.search(value):
        raise SpecError(f"{what} bevat stuurtekens.")
    return value


def _check_category_code(value: object, where: str) -> str:
    if not isinstance(value, str) or not CATEGORY_CODE.fullmatch(value):
        raise SpecError(f"{where}: ‘{value}’ is geen geldige categoriecode.")
    return value


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Category:
    code: str
    label: str

    def __post_init__(self) -> None:
        _check_category_code(self.code, "Categorie")
        _check_text(self.label, f"Het label van categorie ‘{self.code}’", MAX_LABEL)


@dataclass(frozen=True)
class Dimension:
    """A breakdown: its code and its categories, explicit and in display order."""

    code: str
    categories: tuple[Category, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or self.code not in DIMENSIONS:
            raise SpecError(f"Onbekende uitsplitsing ‘{self.code}’.")
        if not isinstance(self.categories, tuple) or not all(
            isinstance(c, Category) for c in self.categories
        ):
            raise SpecError(f"De categorieën van ‘{self.label}’ moeten een reeks categorieën zijn.")
        if not self.categories:
            raise SpecError(f"De uitsplitsing ‘{self.label}’ heeft geen categorieën.")
        codes = self.codes
        if len(set(codes)) != len(codes):
            raise SpecError(f"De uitsplitsing ‘{self.label}’ noemt een categorie twee keer.")
        if UNKNOWN in codes:
            if self.code not in UNKNOWN_LABELS:
                raise SpecError(f"De uitsplitsing ‘{self.label}’ heeft geen categorie ‘onbekend’.")
            if codes[-1] != UNKNOWN:
                raise SpecError(f"In ‘{self.label}’ staat de categorie ‘onbekend’ niet achteraan.")
        known = [code for code in codes if code != UNKNOWN]
        if self.code == "quarter":
            for code in known:
                quarter_bounds(code)
            if known != sorted(known, key=quarter_bounds):
                raise SpecError("De kwartalen staan niet in volgorde van de tijd.")
        if self.code == "age_band":
            if not set(known) <= set(AGE_BAND_CODES):
                raise SpecError("Onbekende leeftijdsklasse in de uitsplitsing.")
            if known != [c for c in AGE_BAND_CODES if c in known]:
                raise SpecError("De leeftijdsklassen staan niet in volgorde.")

    @property
    def label(self) -> str:
        return DIMENSIONS.get(self.code, self.code)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(category.code for category in self.categories)

    def labels(self) -> dict[str, str]:
        return {category.code: category.label for category in self.categories}


def _canonical_epsilon(value: object) -> Decimal | None:
    if value is None:
        return None
    if not isinstance(value, Decimal) or not value.is_finite():
        raise SpecError("Epsilon moet een decimaal getal zijn.")
    if not Decimal(0) < value <= MAX_EPSILON:
        raise SpecError(f"Epsilon moet groter dan 0 en hoogstens {MAX_EPSILON} zijn.")
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -EPSILON_DECIMALS:
        raise SpecError(f"Epsilon heeft hoogstens {EPSILON_DECIMALS} cijfers achter de komma.")
    # One representation per value (1.50 and 1.5, 1E+1 and 10), so the digest is stable.
    return Decimal(format(normal, "f"))


def epsilon_text(value: Decimal) -> str:
    """Epsilon as in the wire form: plain decimal notation, no exponent, no trailing zeros."""
    return format(value.normalize(), "f")


@dataclass(frozen=True)
class StudySpec:
    """What every participating region counts and how the released total is protected.

    Constructing one checks everything that can be checked without the catalogues; the
    catalogue codes themselves are checked by :func:`zicht.research.dimensions.build_spec`.
    """

    study_id: str
    title: str
    question: str
    period_start: date  # inclusive
    period_end: date  # inclusive
    regions: tuple[str, ...]
    metric: str
    dimensions: tuple[Dimension, ...]
    filters: tuple[tuple[str, tuple[str, ...]], ...]
    min_cell: int = 10
    epsilon: Decimal | None = None
    region_columns: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.study_id, str) or not IDENTIFIER.fullmatch(self.study_id):
            raise SpecError(
                f"‘{self.study_id}’ is geen geldige onderzoekscode (letters, cijfers, . _ -)."
            )
        _check_text(self.title, "De titel", MAX_TITLE)
        _check_text(self.question, "De onderzoeksvraag", MAX_QUESTION, multiline=True)
        self._check_period()
        self._check_regions()
        if not isinstance(self.metric, str) or self.metric not in METRICS:
            raise SpecError(f"Onbekende maat ‘{self.metric}’.")
        self._check_dimensions()
        self._check_filters()
        if not _is_int(self.min_cell) or not (
            MIN_CELL_RANGE[0] <= self.min_cell <= MIN_CELL_RANGE[1]
        ):
            raise SpecError(
                f"De minimale celgrootte k moet een geheel getal van {MIN_CELL_RANGE[0]} tot en "
                f"met {MIN_CELL_RANGE[1]} zijn."
            )
        object.__setattr__(self, "epsilon", _canonical_epsilon(self.epsilon))
        if not isinstance(self.region_columns, bool):
            raise SpecError("‘Kolom per regio’ moet ja of nee zijn.")
        if self.cell_count() > MAX_CELLS:
            raise SpecError(
                f"De tabel heeft {self.cell_count()} cellen; het maximum is {MAX_CELLS}. "
                "Kies minder uitsplitsingen of filter op minder categorieën."
            )

    def _check_period(self) -> None:
        for value in (self.period_start, self.period_end):
            # datetime is a subclass of date; a moment is not a day.
            if not isinstance(value, date) or isinstance(value, datetime):
                raise SpecError("Begin en einde van de periode moeten datums zijn.")
            if not MIN_YEAR <= value.year <= MAX_YEAR:
                raise SpecError(f"De periode moet tussen {MIN_YEAR} en {MAX_YEAR} liggen.")
        if self.period_end < self.period_start:
            raise SpecError("Het einde van de periode ligt voor het begin.")

    def _check_regions(self) -> None:
        if not isinstance(self.regions, tuple) or not all(isinstance(r, str) for r in self.regions):
            raise SpecError("De regio's moeten een reeks regiocodes zijn.")
        unknown = sorted(set(self.regions) - set(REGION_CODES))
        if unknown:
            raise SpecError(f"Onbekende regio('s): {', '.join(unknown)}.")
        if list(self.regions) != sorted(set(self.regions)):
            raise SpecError("De regio's moeten gesorteerd zijn en elk één keer voorkomen.")
        if len(self.regions) < MIN_PARTICIPANTS:
            raise SpecError(f"Een onderzoek heeft minstens {MIN_PARTICIPANTS} regio's nodig.")

    def _check_dimensions(self) -> None:
        if not isinstance(self.dimensions, tuple) or not all(
            isinstance(d, Dimension) for d in self.dimensions
        ):
            raise SpecError("De uitsplitsingen moeten een reeks uitsplitsingen zijn.")
        if not 1 <= len(self.dimensions) <= MAX_DIMENSIONS:
            raise SpecError(f"Kies één tot {MAX_DIMENSIONS} uitsplitsingen.")
        codes = [d.code for d in self.dimensions]
        if len(set(codes)) != len(codes):
            raise SpecError("Een uitsplitsing komt twee keer voor.")
        for dimension in self.dimensions:
            self._check_compatible(dimension.code)
            if dimension.code == "quarter":
                allowed = set(quarters_between(self.period_start, self.period_end))
                outside = [c for c in dimension.codes if c not in allowed]
                if outside:
                    raise SpecError(f"Kwartaal {outside[0]} valt buiten de periode.")

    def _check_compatible(self, code: str) -> None:
        if code not in COMPATIBLE[self.metric]:
            raise SpecError(
                f"‘{DIMENSIONS.get(code, code)}’ past niet bij de maat ‘{METRICS[self.metric]}’."
            )

    def _check_filters(self) -> None:
        if not isinstance(self.filters, tuple):
            raise SpecError("De filters moeten een reeks zijn.")
        breakdown = {d.code: d for d in self.dimensions}
        seen: list[str] = []
        for entry in self.filters:
            if (
                not isinstance(entry, tuple)
                or len(entry) != 2
                or not isinstance(entry[1], tuple)
                or not isinstance(entry[0], str)
            ):
                raise SpecError("Een filter is een paar (uitsplitsing, codes).")
            code, allowed = entry
            if code not in DIMENSIONS:
                raise SpecError(f"Onbekend filter ‘{code}’.")
            self._check_compatible(code)
            label = DIMENSIONS[code]
            if not allowed:
                raise SpecError(f"Het filter op ‘{label}’ noemt geen categorie.")
            for value in allowed:
                _check_category_code(value, f"Filter op ‘{label}’")
            if list(allowed) != sorted(set(allowed)):
                raise SpecError(
                    f"De codes van het filter op ‘{label}’ moeten gesorteerd en uniek zijn."
                )
            if code == "quarter":
                period = set(quarters_between(self.period_start, self.period_end))
                if not set(allowed) <= period:
                    raise SpecError("Het filter op kwartaal noemt een kwartaal buiten de periode.")
            if code == "age_band" and not set(allowed) <= {*AGE_BAND_CODES, UNKNOWN}:
                raise SpecError("Het filter op leeftijdsklasse noemt een onbekende klasse.")
            if UNKNOWN in allowed and code not in UNKNOWN_LABELS:
                raise SpecError(f"‘{label}’ heeft geen categorie ‘onbekend’.")
            if code in breakdown and set(allowed) != set(breakdown[code].codes):
                # The breakdown of a filtered dimension shows exactly the allowed categories
                # (build_spec does this), so no cell is zero merely because of the filter.
                raise SpecError(
                    f"Het filter op ‘{label}’ moet dezelfde categorieën noemen als de uitsplitsing."
                )
            seen.append(code)
        if seen != sorted(set(seen)):
            raise SpecError("De filters moeten op uitsplitsing gesorteerd zijn, elk één keer.")

    # --- The table ---

    def cells(self) -> list[tuple[str, ...]]:
        """Every cell as a tuple of category codes, row-major in dimension order."""
        return list(itertools.product(*(d.codes for d in self.dimensions)))

    def cell_count(self) -> int:
        return math.prod(len(d.categories) for d in self.dimensions)

    def cell_labels(self) -> list[tuple[str, ...]]:
        """The labels of :meth:`cells`, in the same order."""
        return list(
            itertools.product(*(tuple(c.label for c in d.categories) for d in self.dimensions))
        )

    def filter_for(self, dimension_code: str) -> tuple[str, ...] | None:
        for code, allowed in self.filters:
            if code == dimension_code:
                return allowed
        return None

    def contribution_bound(self) -> int:
        """The most cells of one region's table a single record can add 1 to."""
        bound = 1
        for dimension in self.dimensions:
            if dimension.code not in SINGLE_VALUED[self.metric]:
                bound *= len(dimension.categories)
        return bound

    # --- Wire form ---

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": SPEC_VERSION,
            "study_id": self.study_id,
            "title": self.title,
            "question": self.question,
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "regions": list(self.regions),
            "metric": self.metric,
            "dimensions": [
                {
                    "code": d.code,
                    "categories": [{"code": c.code, "label": c.label} for c in d.categories],
                }
                for d in self.dimensions
            ],
            "filters": [{"dimension": code, "codes": list(codes)} for code, codes in self.filters],
            "min_cell": self.min_cell,
            "epsilon": None if self.epsilon is None else epsilon_text(self.epsilon),
            "region_columns": self.region_columns,
        }

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """The spec of a dict made by :meth:`to_dict` (after JSON); anything else is refused.

        Only the canonical form is accepted (``to_dict()`` of the result equals ``data``), so
        the digest of a received spec is the digest of exactly what was sent.
        """
        record = _mapping(data, _SPEC_KEYS, "Het onderzoek")
        if record["v"] != SPEC_VERSION or not _is_int(record["v"]):
            raise SpecError(f"Onbekende versie van de onderzoeksspecificatie: {record['v']!r}.")
        epsilon = record["epsilon"]
        if epsilon is not None and (
            not isinstance(epsilon, str) or not EPSILON_TEXT.fullmatch(epsilon)
        ):
            raise SpecError("Epsilon moet als decimaal getal in tekst zijn opgegeven, of leeg.")
        try:
            spec = cls(
                study_id=record["study_id"],
                title=record["title"],
                question=record["question"],
                period_start=_iso_date(record["period_start"]),
                period_end=_iso_date(record["period_end"]),
                regions=tuple(_string_list(record["regions"], "De regio's")),
                metric=record["metric"],
                dimensions=tuple(_dimension(item) for item in _list(record["dimensions"])),
                filters=tuple(_filter(item) for item in _list(record["filters"])),
                min_cell=record["min_cell"],
                epsilon=None if epsilon is None else Decimal(epsilon),
                region_columns=record["region_columns"],
            )
        except (TypeError, InvalidOperation) as exc:  # pragma: no cover - guarded above
            raise SpecError("De onderzoeksspecificatie is onleesbaar.") from exc
        if spec.to_dict() != data:
            raise SpecError("De onderzoeksspecificatie is niet in de vaste (canonieke) vorm.")
        return spec

    def canonical_json(self) -> bytes:
        # ASCII-only with sorted keys and no spaces: one byte string per spec, whatever the
        # platform or JSON library that later re-encodes it.
        return json.dumps(
            self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=True
        ).encode("ascii")

    def digest(self) -> str:
        """SHA-256 (hex) of the canonical JSON; a steward's approval binds to it."""
        return hashlib.sha256(self.canonical_json()).hexdigest()


_SPEC_KEYS = frozenset(
    {
        "v",
        "study_id",
        "title",
        "question",
        "period_start",
        "period_end",
        "regions",
        "metric",
        "dimensions",
        "filters",
        "min_cell",
        "epsilon",
        "region_columns",
    }
)


def _mapping(data: object, keys: frozenset[str], what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise SpecError(f"{what} moet een object zijn.")
    if set(data) != keys:
        missing = sorted(keys - set(data))
        extra = sorted(str(k) for k in set(data) - keys)
        details = []
        if missing:
            details.append(f"ontbreekt: {', '.join(missing)}")
        if extra:
            details.append(f"onbekend: {', '.join(extra)}")
        raise SpecError(f"{what} heeft niet de verwachte velden ({'; '.join(details)}).")
    return data


def _list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise SpecError("Een lijst verwacht.")
    return value


def _string_list(value: object, what: str) -> list[str]:
    items = _list(value)
    if not all(isinstance(item, str) for item in items):
        raise SpecError(f"{what} moeten tekst zijn.")
    return items


def _iso_date(value: object) -> date:
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        raise SpecError(f"‘{value}’ is geen datum (JJJJ-MM-DD).")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise SpecError(f"‘{value}’ is geen bestaande datum.") from exc


def _dimension(value: object) -> Dimension:
    record = _mapping(value, frozenset({"code", "categories"}), "Een uitsplitsing")
    categories = []
    for item in _list(record["categories"]):
        category = _mapping(item, frozenset({"code", "label"}), "Een categorie")
        categories.append(Category(code=category["code"], label=category["label"]))
    return Dimension(code=record["code"], categories=tuple(categories))


def _filter(value: object) -> tuple[str, tuple[str, ...]]:
    record = _mapping(value, frozenset({"dimension", "codes"}), "Een filter")
    if not isinstance(record["dimension"], str):
        raise SpecError("Een filter noemt een uitsplitsing.")
    return record["dimension"], tuple(_string_list(record["codes"], "De filtercodes"))


# --- For the data steward ----------------------------------------------------------------------

_MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def dutch_date(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


_COUNTED: dict[str, str] = {
    "signals": (
        "Geteld wordt het aantal signalen met een datum van ontvangst van {start} tot en met {end}."
    ),
    "cases": "Geteld wordt het aantal casussen met een startdatum van {start} tot en met {end}.",
    "entities": (
        "Geteld wordt het aantal verschillende personen (betrokkenen van de soort persoon) dat "
        "gekoppeld is aan een signaal met een datum van ontvangst van {start} tot en met {end}, "
        "in welke rol ook; samengevoegde dubbele personen tellen als één persoon. Iemand die in "
        "meer signalen voorkomt, telt per cel één keer."
    ),
    "interventions": (
        "Geteld wordt het aantal interventies in casussen dat gestart is van {start} tot en met "
        "{end}; geplande interventies die nog niet gestart zijn tellen niet mee."
    ),
}

_DERIVATION: dict[tuple[str, str], str] = {
    ("signals", "form"): (
        "Uitbuitingsvorm: de vermoedelijke vormen van het signaal. Een signaal met twee vormen "
        "telt één keer bij elke vorm."
    ),
    ("signals", "sector"): "Sector: de sector van het signaal.",
    ("signals", "route_step"): "Stap in de route: de routestap van het signaal.",
    ("signals", "quarter"): "Kwartaal: het kwartaal van de datum van ontvangst.",
    ("signals", "indicator"): (
        "Indicator: de indicatoren die bij het signaal als ‘waargenomen’ zijn vastgelegd; "
        "‘niet waargenomen’ en ‘onbekend’ tellen niet. Een signaal telt één keer bij elke "
        "waargenomen indicator."
    ),
    ("cases", "form"): "Uitbuitingsvorm: de vorm van het casustype.",
    ("cases", "sector"): (
        "Sector: de sectoren van de signalen die aan de casus gekoppeld zijn (ook signalen van "
        "voor de periode). Een casus met signalen uit twee sectoren telt één keer bij elke "
        "sector."
    ),
    ("cases", "route_step"): (
        "Stap in de route: de routestappen van de signalen die aan de casus gekoppeld zijn. Een "
        "casus telt één keer bij elke stap die in zijn signalen voorkomt."
    ),
    ("cases", "quarter"): "Kwartaal: het kwartaal van de startdatum van de casus.",
    ("cases", "intervention_type"): (
        "Interventie: de soorten interventies die in de casus gestart zijn, ook na de periode. "
        "Een casus met twee soorten telt één keer bij elke soort; een casus zonder gestarte "
        "interventie telt bij ‘geen interventie’."
    ),
    ("entities", "form"): (
        "Uitbuitingsvorm: de vormen van de signalen uit de periode waaraan de persoon gekoppeld "
        "is. Een persoon telt één keer bij elke vorm die in zijn signalen voorkomt."
    ),
    ("entities", "sector"): (
        "Sector: de sectoren van de signalen uit de periode waaraan de persoon gekoppeld is. "
        "Een persoon telt één keer bij elke sector die in zijn signalen voorkomt."
    ),
    ("entities", "route_step"): (
        "Stap in de route: de routestappen van de signalen uit de periode waaraan de persoon "
        "gekoppeld is; een persoon telt één keer bij elke stap."
    ),
    ("entities", "quarter"): (
        "Kwartaal: de kwartalen waarin de persoon in een signaal voorkomt (datum van "
        "ontvangst); een persoon telt één keer in elk van die kwartalen."
    ),
    ("entities", "age_band"): (
        "Leeftijdsklasse: de leeftijd op {start}, het begin van de periode, berekend uit de "
        "geboortedatum; zonder geboortedatum telt de persoon bij ‘geboortedatum onbekend’."
    ),
    ("interventions", "form"): "Uitbuitingsvorm: de vorm van het casustype van de casus.",
    ("interventions", "sector"): (
        "Sector: de sectoren van de signalen die aan de casus gekoppeld zijn. Een interventie "
        "in een casus met signalen uit twee sectoren telt één keer bij elke sector."
    ),
    ("interventions", "route_step"): (
        "Stap in de route: de routestappen van de signalen die aan de casus gekoppeld zijn; een "
        "interventie telt één keer bij elke stap."
    ),
    ("interventions", "quarter"): "Kwartaal: het kwartaal van de startdatum van de interventie.",
    ("interventions", "intervention_type"): "Interventie: het type van de interventie.",
}

_RECORDS: dict[str, str] = {
    "signals": "signalen",
    "cases": "casussen",
    "entities": "personen",
    "interventions": "interventies",
}


def _code_label(dimension: str, code: str, labels: Mapping[str, Mapping[str, str]]) -> str:
    if code == UNKNOWN:
        return UNKNOWN_LABELS.get(dimension, "onbekend")
    if dimension == "age_band":
        return next((b.label for b in AGE_BANDS if b.code == code), code)
    return labels.get(dimension, {}).get(code, code)


def describe(
    spec: StudySpec, *, labels: Mapping[str, Mapping[str, str]] | None = None
) -> list[str]:
    """The exact query and its protection in plain Dutch, one sentence per line.

    For the data steward who approves or declines. ``labels`` (dimension code -> category code
    -> label) names the categories of filters on dimensions that are not in the breakdown,
    whose labels the spec does not carry; without it those show as codes.
    """
    names: dict[str, dict[str, str]] = {d.code: d.labels() for d in spec.dimensions}
    for code, mapping in (labels or {}).items():
        names.setdefault(code, dict(mapping))
    start, end = dutch_date(spec.period_start), dutch_date(spec.period_end)
    records = _RECORDS[spec.metric]
    lines = [
        f"Onderzoek ‘{spec.title}’ (kenmerk {spec.study_id}).",
        f"Onderzoeksvraag: {' '.join(spec.question.split())}",
        _COUNTED[spec.metric].format(start=start, end=end),
    ]
    parts = [f"{d.label.lower()} ({len(d.categories)} categorieën)" for d in spec.dimensions]
    lines.append(f"De tabel is uitgesplitst naar {_join(parts)}: samen {spec.cell_count()} cellen.")
    for dimension in spec.dimensions:
        lines.append(_DERIVATION[(spec.metric, dimension.code)].format(start=start))
    multi = [d for d in spec.dimensions if d.code not in SINGLE_VALUED[spec.metric]]
    if multi:
        lines.append(
            f"Omdat {records} in {_join([d.label.lower() for d in multi])} in meer dan één "
            f"categorie kunnen vallen, kan de som van de cellen groter zijn dan het aantal "
            f"{records}."
        )
    with_unknown = [d for d in spec.dimensions if UNKNOWN in d.codes]
    if with_unknown:
        lines.append(
            "De categorie ‘onbekend’ bevat "
            f"{records} zonder waarde en waarden die bij het opstellen van het onderzoek nog "
            "niet in de catalogus stonden."
        )
    for code, allowed in spec.filters:
        shown = [_code_label(code, value, names) for value in allowed]
        lines.append(
            f"Filter: alleen {records} met {DIMENSIONS[code].lower()} "
            f"{_join(shown, 'of')}; bij meer waarden telt een record mee als ten minste één "
            "daarvan in deze lijst staat."
        )
    if not spec.filters:
        lines.append("Er zijn geen filters: alle " + records + " in de periode tellen mee.")
    regions = [region_by_code(code).name for code in spec.regions]
    lines.append(f"Gevraagde regio's: {_join(regions)}.")
    lines.append(
        "Uw regio berekent de tabel zelf. Via secure aggregation (beveiligd optellen) ziet de "
        "hub van het LIEC alleen de som over de deelnemende regio's, nooit de tabel van één "
        "regio; persoonsgegevens verlaten de regio niet. Er zijn minstens "
        f"{MIN_PARTICIPANTS} deelnemende regio's nodig; een regio die niet instemt, telt niet "
        "mee en dat staat bij het resultaat."
    )
    if spec.epsilon is None:
        lines.append("Er wordt geen ruis toegevoegd (geen differential privacy).")
    else:
        eps = epsilon_text(spec.epsilon).replace(".", ",")
        lines.append(
            f"Differential privacy met epsilon {eps}: op elke cel van de som wordt willekeurige "
            "ruis gezet, zodat uit het resultaat niet is af te leiden of één bepaald record "
            "meetelt. Hoe kleiner epsilon, hoe meer ruis en hoe sterker de bescherming. Deze "
            f"epsilon ({eps}) gaat af van het jaarlijkse privacybudget van uw regio."
        )
    lines.append(
        f"Minimale celgrootte k = {spec.min_cell}: aantallen van 1 tot en met "
        f"{spec.min_cell - 1} worden in het vrijgegeven resultaat onderdrukt, en zo nodig "
        "andere cellen, zodat een onderdrukt aantal niet uit de totalen terug te rekenen is."
    )
    if spec.region_columns:
        lines.append(
            "Het onderzoek vraagt ook om een aparte kolom met de cijfers van de eigen regio. Die "
            "wordt alleen vrijgegeven als de data steward van die regio daar apart mee instemt; "
            "deze goedkeuring geldt daar niet voor."
        )
    else:
        lines.append("Er wordt geen kolom met de cijfers van een afzonderlijke regio vrijgegeven.")
    return lines


def _join(items: Sequence[str], word: str = "en") -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"
