"""The study specification: wire form, strictness, digest, cells and the steward's text.

Pure tests (no database): the spec module has no Django imports.
"""

import copy
import dataclasses
import json
import string
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zicht.regions import REGION_CODES
from zicht.research.protocols.field import MAX_CELLS
from zicht.research.study import (
    AGE_BAND_CODES,
    AGE_BANDS,
    COMPATIBLE,
    DIMENSIONS,
    MAX_DIMENSIONS,
    METRICS,
    SINGLE_VALUED,
    UNKNOWN,
    UNKNOWN_LABELS,
    Category,
    Dimension,
    SpecError,
    StudySpec,
    age_band_for,
    age_on,
    describe,
    quarter_bounds,
    quarters_between,
    years_before,
)

REGIONS = ("den-haag", "limburg", "midden-nederland", "rotterdam")
FORM = Dimension(
    "form",
    (
        Category("seksueel", "Seksuele uitbuiting"),
        Category("arbeid", "Arbeidsuitbuiting"),
        Category(UNKNOWN, UNKNOWN_LABELS["form"]),
    ),
)
QUARTER = Dimension(
    "quarter", tuple(Category(q, q) for q in quarters_between(date(2025, 1, 1), date(2025, 12, 31)))
)
SECTOR = Dimension(
    "sector",
    (Category("bouw", "Bouw"), Category("horeca", "Horeca"), Category(UNKNOWN, "Onbekend")),
)


def make_spec(**overrides: Any) -> StudySpec:
    values: dict[str, Any] = {
        "study_id": "studie-2025-1",
        "title": "Arbeidsuitbuiting per sector en kwartaal",
        "question": "Hoe verdelen signalen van arbeidsuitbuiting zich over sectoren?",
        "period_start": date(2025, 1, 1),
        "period_end": date(2025, 12, 31),
        "regions": REGIONS,
        "metric": "signals",
        "dimensions": (SECTOR, QUARTER),
        "filters": (("form", ("arbeid",)),),
        "min_cell": 10,
        "epsilon": None,
        "region_columns": False,
    }
    values.update(overrides)
    return StudySpec(**values)


def wire(spec: StudySpec) -> dict[str, Any]:
    """What a node receives: the dict after a JSON round trip."""
    data: dict[str, Any] = json.loads(json.dumps(spec.to_dict()))
    return data


# --- Wire form and digest ----------------------------------------------------------------------


def test_the_wire_form_is_plain_json_and_round_trips():
    spec = make_spec(epsilon=Decimal("0.5"), region_columns=True)
    data = wire(spec)
    assert data["v"] == 1
    assert data["epsilon"] == "0.5"
    assert data["period_start"] == "2025-01-01"
    assert data["dimensions"][0]["categories"][0] == {"code": "bouw", "label": "Bouw"}
    assert data["filters"] == [{"dimension": "form", "codes": ["arbeid"]}]
    assert StudySpec.from_dict(data) == spec
    assert StudySpec.from_dict(data).digest() == spec.digest()


def test_the_digest_is_the_sha256_of_canonical_json():
    import hashlib

    spec = make_spec()
    canonical = json.dumps(spec.to_dict(), sort_keys=True, separators=(",", ":")).encode()
    assert spec.digest() == hashlib.sha256(canonical).hexdigest()
    assert len(spec.digest()) == 64


def test_epsilon_has_one_representation():
    a = make_spec(epsilon=Decimal("1.50"))
    b = make_spec(epsilon=Decimal("1.5"))
    c = make_spec(epsilon=Decimal("1E+1"))
    assert a == b
    assert a.digest() == b.digest()
    assert a.to_dict()["epsilon"] == "1.5"
    assert c.to_dict()["epsilon"] == "10"


OTHER_VALUES: dict[str, Any] = {
    "study_id": "studie-2025-2",
    "title": "Een andere titel",
    "question": "Een andere vraag?",
    "period_start": date(2025, 1, 2),
    "period_end": date(2025, 12, 30),
    "regions": ("den-haag", "limburg", "rotterdam"),
    "metric": "entities",
    "dimensions": (QUARTER, SECTOR),
    "filters": (("form", ("arbeid", "seksueel")),),
    "min_cell": 11,
    "epsilon": Decimal("1"),
    "region_columns": True,
}


@pytest.mark.parametrize("field", sorted(OTHER_VALUES))
def test_the_digest_changes_when_any_field_changes(field):
    assert set(OTHER_VALUES) == {f.name for f in dataclasses.fields(StudySpec)}
    base = make_spec()
    changed = dataclasses.replace(base, **{field: OTHER_VALUES[field]})
    assert changed != base
    assert changed.digest() != base.digest()


def test_the_digest_changes_with_a_category_label_or_order():
    relabelled = Dimension("sector", (Category("bouw", "Bouwnijverheid"), *SECTOR.categories[1:]))
    reordered = Dimension(
        "sector", (SECTOR.categories[1], SECTOR.categories[0], SECTOR.categories[2])
    )
    base = make_spec()
    for dimension in (relabelled, reordered):
        assert make_spec(dimensions=(dimension, QUARTER)).digest() != base.digest()


# --- Strict parsing ----------------------------------------------------------------------------


def _set(path: tuple[Any, ...], value: Any):
    def change(data: dict[str, Any]) -> None:
        target: Any = data
        for step in path[:-1]:
            target = target[step]
        if value is _DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value

    return change


_DELETE = object()

REJECTED = {
    "extra key": _set(("extra",), 1),
    "missing key": _set(("min_cell",), _DELETE),
    "other version": _set(("v",), 2),
    "version as bool": _set(("v",), True),
    "study id with a colon": _set(("study_id",), "studie:1"),
    "study id with a newline": _set(("study_id",), "studie-1\n"),
    "category code with a newline": _set(("dimensions", 0, "categories", 0, "code"), "bouw\n"),
    "quarter with a newline": _set(("dimensions", 1, "categories", 0, "code"), "2025-K1\n"),
    "date with a newline": _set(("period_start",), "2025-01-01\n"),
    "epsilon with a newline": _set(("epsilon",), "1\n"),
    "empty title": _set(("title",), ""),
    "title with spaces around": _set(("title",), " Titel "),
    "title with a newline": _set(("title",), "Titel\nmet regel"),
    "question as a number": _set(("question",), 42),
    "date without dashes": _set(("period_start",), "20250101"),
    "date with a time": _set(("period_start",), "2025-01-01T00:00:00"),
    "impossible date": _set(("period_end",), "2025-02-30"),
    "end before start": _set(("period_end",), "2024-12-31"),
    "year out of range": _set(("period_end",), "2199-12-31"),
    "unknown region": _set(("regions",), ["den-haag", "limburg", "utopia"]),
    "unsorted regions": _set(("regions",), ["rotterdam", "den-haag", "limburg"]),
    "duplicate regions": _set(("regions",), ["den-haag", "den-haag", "limburg", "rotterdam"]),
    "two regions": _set(("regions",), ["den-haag", "limburg"]),
    "regions as text": _set(("regions",), "den-haag"),
    "unknown metric": _set(("metric",), "personen"),
    "no dimensions": _set(("dimensions",), []),
    "unknown dimension": _set(("dimensions", 0, "code"), "gemeente"),
    "incompatible dimension": _set(("dimensions", 0, "code"), "age_band"),
    "dimension with extra key": _set(("dimensions", 0, "extra"), 1),
    "dimension without categories": _set(("dimensions", 0, "categories"), []),
    "duplicate category": _set(
        ("dimensions", 0, "categories", 1), {"code": "bouw", "label": "Bouw"}
    ),
    "unknown not last": _set(
        ("dimensions", 0, "categories", 0), {"code": UNKNOWN, "label": "Onbekend"}
    ),
    "category code with a space": _set(
        ("dimensions", 0, "categories", 0), {"code": "de bouw", "label": "Bouw"}
    ),
    "empty label": _set(("dimensions", 0, "categories", 0, "label"), ""),
    "quarter outside the period": _set(
        ("dimensions", 1, "categories", 0), {"code": "2024-K4", "label": "2024-K4"}
    ),
    "quarters out of order": _set(
        ("dimensions", 1, "categories"),
        [{"code": "2025-K2", "label": "2025-K2"}, {"code": "2025-K1", "label": "2025-K1"}],
    ),
    "unknown in quarters": _set(
        ("dimensions", 1, "categories", 3), {"code": UNKNOWN, "label": "Onbekend"}
    ),
    "filter on unknown dimension": _set(("filters", 0, "dimension"), "gemeente"),
    "filter on incompatible dimension": _set(("filters", 0, "dimension"), "intervention_type"),
    "filter without codes": _set(("filters", 0, "codes"), []),
    "filter codes unsorted": _set(("filters", 0, "codes"), ["seksueel", "arbeid"]),
    "filter codes duplicated": _set(("filters", 0, "codes"), ["arbeid", "arbeid"]),
    "filter as a pair": _set(("filters", 0), ["form", ["arbeid"]]),
    "filter other than breakdown": _set(
        ("filters",),
        [{"dimension": "form", "codes": ["arbeid"]}, {"dimension": "sector", "codes": ["bouw"]}],
    ),
    "filters unsorted": _set(
        ("filters",),
        [
            {"dimension": "quarter", "codes": ["2025-K1"]},
            {"dimension": "form", "codes": ["arbeid"]},
        ],
    ),
    "k of 2": _set(("min_cell",), 2),
    "k as text": _set(("min_cell",), "10"),
    "k as bool": _set(("min_cell",), True),
    "k as float": _set(("min_cell",), 10.0),
    "epsilon as float": _set(("epsilon",), 0.5),
    "epsilon zero": _set(("epsilon",), "0"),
    "epsilon above ten": _set(("epsilon",), "10.5"),
    "epsilon not canonical": _set(("epsilon",), "1.50"),
    "epsilon with exponent": _set(("epsilon",), "1E+1"),
    "epsilon with seven decimals": _set(("epsilon",), "0.0000001"),
    "epsilon negative": _set(("epsilon",), "-1"),
    "region columns as text": _set(("region_columns",), "ja"),
    "region columns as number": _set(("region_columns",), 1),
}


@pytest.mark.parametrize("change", REJECTED.values(), ids=REJECTED.keys())
def test_from_dict_refuses(change):
    data = wire(make_spec())
    change(data)
    with pytest.raises(SpecError) as caught:
        StudySpec.from_dict(data)
    assert isinstance(caught.value, ValueError)
    assert str(caught.value)  # a message for the user


@pytest.mark.parametrize("data", [None, [], "{}", 42])
def test_from_dict_refuses_what_is_not_an_object(data):
    with pytest.raises(SpecError, match="moet een object zijn"):
        StudySpec.from_dict(data)


def test_messages_are_dutch():
    data = wire(make_spec())
    data["metric"] = "personen"
    with pytest.raises(SpecError, match="Onbekende maat ‘personen’"):
        StudySpec.from_dict(data)
    with pytest.raises(SpecError, match="past niet bij de maat ‘Signalen’"):
        make_spec(dimensions=(Dimension("age_band", (Category("<18", "Jonger dan 18 jaar"),)),))


def test_age_bands_must_be_known_and_in_order():
    with pytest.raises(SpecError):
        Dimension("age_band", (Category("18-25", "18 tot 25"),))
    with pytest.raises(SpecError):
        Dimension("age_band", (Category("50+", "50+"), Category("<18", "<18")))
    Dimension("age_band", (Category("<18", "<18"), Category(UNKNOWN, "Onbekend")))


def test_datetimes_are_not_dates():
    with pytest.raises(SpecError):
        make_spec(period_start=datetime(2025, 1, 1))


def test_more_than_three_dimensions_are_refused():
    dims = (
        SECTOR,
        QUARTER,
        FORM,
        Dimension("indicator", (Category("G01", "G01"),)),
    )
    with pytest.raises(SpecError, match="één tot 3"):
        make_spec(dimensions=dims, filters=())
    assert MAX_DIMENSIONS == 3


def test_too_many_cells_are_refused():
    def wide(code: str, n: int) -> Dimension:
        return Dimension(code, tuple(Category(f"c{i}", f"C{i}") for i in range(n)))

    ok = make_spec(dimensions=(wide("form", 100), wide("indicator", 100)), filters=())
    assert ok.cell_count() == MAX_CELLS
    with pytest.raises(SpecError, match="10000"):
        make_spec(
            dimensions=(wide("form", 22), wide("indicator", 22), wide("sector", 22)),
            filters=(),
        )


# --- Cells -------------------------------------------------------------------------------------


def test_cells_are_row_major_in_dimension_order():
    spec = make_spec(dimensions=(FORM, SECTOR), filters=())
    cells = spec.cells()
    assert cells[:4] == [
        ("seksueel", "bouw"),
        ("seksueel", "horeca"),
        ("seksueel", UNKNOWN),
        ("arbeid", "bouw"),
    ]
    assert len(cells) == spec.cell_count() == 9
    assert spec.cell_labels()[3] == ("Arbeidsuitbuiting", "Bouw")


def test_contribution_bound_counts_only_multi_valued_dimensions():
    spec = make_spec(dimensions=(FORM, SECTOR, QUARTER), filters=())
    assert spec.contribution_bound() == 3  # forms multi-valued; sector and quarter one each
    assert SINGLE_VALUED["signals"] == {"sector", "route_step", "quarter"}
    for metric, single in SINGLE_VALUED.items():
        assert single <= COMPATIBLE[metric]


# --- Quarters and ages -------------------------------------------------------------------------


def test_quarters_cover_the_period():
    assert quarters_between(date(2024, 11, 15), date(2025, 4, 1)) == (
        "2024-K4",
        "2025-K1",
        "2025-K2",
    )
    assert quarter_bounds("2024-K1") == (date(2024, 1, 1), date(2024, 3, 31))
    assert quarter_bounds("2024-K4") == (date(2024, 10, 1), date(2024, 12, 31))
    with pytest.raises(SpecError):
        quarter_bounds("2024-Q1")


@given(
    birth=st.dates(date(1900, 1, 1), date(2099, 12, 31)),
    on=st.dates(date(2000, 1, 1), date(2099, 12, 31)),
    n=st.integers(0, 100),
)
def test_years_before_is_the_age_threshold(birth, on, n):
    assert (birth <= years_before(on, n)) == (age_on(birth, on) >= n)


def test_age_bands():
    on = date(2025, 1, 1)
    assert age_band_for(None, on) == UNKNOWN
    assert age_band_for(date(2007, 1, 2), on) == "<18"  # 17, birthday tomorrow
    assert age_band_for(date(2007, 1, 1), on) == "18-22"
    assert age_band_for(date(2002, 1, 2), on) == "18-22"
    assert age_band_for(date(2002, 1, 1), on) == "23-29"
    assert age_band_for(date(1975, 1, 1), on) == "50+"
    assert age_band_for(date(2026, 1, 1), on) == "<18"  # born after the date
    assert [b.code for b in AGE_BANDS] == list(AGE_BAND_CODES)
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18


# --- For the steward ---------------------------------------------------------------------------


def test_describe_states_query_and_protection():
    spec = make_spec(dimensions=(FORM, QUARTER), filters=(), epsilon=Decimal("0.5"), min_cell=15)
    text = "\n".join(describe(spec))
    assert (
        "signalen met een datum van ontvangst van 1 januari 2025 tot en met 31 december 2025"
        in text
    )
    assert "uitbuitingsvorm (3 categorieën) en kwartaal (4 categorieën): samen 12 cellen" in text
    assert "Een signaal met twee vormen telt één keer bij elke vorm." in text
    assert "som van de cellen groter" in text
    assert "k = 15" in text
    assert "1 tot en met 14" in text
    assert "epsilon 0,5" in text
    assert "privacybudget" in text
    assert "secure aggregation" in text
    assert "nooit de tabel van één regio" in text
    assert "Den Haag, Limburg, Midden-Nederland en Rotterdam" in text
    assert "geen kolom" in text
    assert "geen filters" in text


def test_describe_without_dp_and_with_region_column_and_filters():
    spec = make_spec(region_columns=True)
    lines = describe(spec, labels={"form": {"arbeid": "Arbeidsuitbuiting"}})
    text = "\n".join(lines)
    assert "geen ruis" in text
    assert "aparte kolom" in text
    assert "alleen signalen met uitbuitingsvorm Arbeidsuitbuiting" in text
    assert "ten minste één" in text
    # Without labels the code shows.
    assert "uitbuitingsvorm arbeid" in "\n".join(describe(spec))
    assert all(line.strip() == line and line for line in lines)


@pytest.mark.parametrize("metric", sorted(METRICS))
def test_describe_explains_every_compatible_dimension(metric):
    for code in sorted(COMPATIBLE[metric]):
        categories: tuple[Category, ...]
        if code == "quarter":
            categories = QUARTER.categories
        elif code == "age_band":
            categories = (Category("<18", "Jonger dan 18 jaar"),)
        else:
            categories = (Category("x", "X"),)
        spec = make_spec(metric=metric, dimensions=(Dimension(code, categories),), filters=())
        lines = describe(spec)
        assert any(line.startswith(DIMENSIONS[code]) for line in lines), (metric, code)


# --- Properties over random specs ----------------------------------------------------------------

_LABEL = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Zs")) | st.just(" "),
        min_size=1,
        max_size=20,
    )
    .map(str.strip)
    .filter(bool)
)
_CODE = st.text(alphabet=string.ascii_lowercase + string.digits + "-", min_size=1, max_size=12)


@st.composite
def categories(draw: Any, code: str, start: date, end: date) -> tuple[Category, ...]:
    if code == "quarter":
        quarters = quarters_between(start, end)
        chosen = draw(st.lists(st.sampled_from(quarters), min_size=1, unique=True))
        return tuple(Category(q, q) for q in quarters if q in chosen)
    if code == "age_band":
        chosen = draw(st.lists(st.sampled_from(AGE_BAND_CODES), min_size=1, unique=True))
        bands = [Category(b.code, b.label) for b in AGE_BANDS if b.code in chosen]
    else:
        codes = draw(st.lists(_CODE, min_size=1, max_size=15, unique=True))
        bands = [Category(c, draw(_LABEL)) for c in codes]
    if draw(st.booleans()):
        bands.append(Category(UNKNOWN, UNKNOWN_LABELS[code]))
    return tuple(bands)


@st.composite
def specs(draw: Any) -> StudySpec:
    metric = draw(st.sampled_from(sorted(METRICS)))
    start = draw(st.dates(date(2000, 1, 1), date(2096, 12, 31)))
    end = start + timedelta(days=draw(st.integers(0, 900)))
    compatible = sorted(COMPATIBLE[metric])
    codes = draw(st.lists(st.sampled_from(compatible), min_size=1, max_size=3, unique=True))
    dimensions = tuple(Dimension(c, draw(categories(c, start, end))) for c in codes)
    filters = []
    for code in draw(st.lists(st.sampled_from(compatible), max_size=2, unique=True)):
        in_breakdown = next((d for d in dimensions if d.code == code), None)
        if in_breakdown is not None:
            allowed = in_breakdown.codes
        else:
            allowed = tuple(c.code for c in draw(categories(code, start, end)))
        filters.append((code, tuple(sorted(set(allowed)))))
    return StudySpec(
        study_id=draw(st.from_regex(r"\A[a-z0-9][a-z0-9.-]{0,20}\Z")),
        title=draw(_LABEL),
        question=draw(_LABEL),
        period_start=start,
        period_end=end,
        regions=tuple(
            sorted(draw(st.lists(st.sampled_from(REGION_CODES), min_size=3, unique=True)))
        ),
        metric=metric,
        dimensions=dimensions,
        filters=tuple(sorted(filters)),
        min_cell=draw(st.integers(3, 1000)),
        epsilon=draw(
            st.none() | st.decimals(min_value=Decimal("0.000001"), max_value=10, places=6)
        ),
        region_columns=draw(st.booleans()),
    )


@settings(max_examples=200)
@given(spec=specs())
def test_from_dict_inverts_to_dict(spec):
    data = wire(spec)
    again = StudySpec.from_dict(data)
    assert again == spec
    assert again.digest() == spec.digest()
    assert again.to_dict() == data
    assert len(spec.cells()) == spec.cell_count()
    assert describe(spec)


@settings(max_examples=100)
@given(a=specs(), b=specs())
def test_the_digest_identifies_the_spec(a, b):
    assert (a.digest() == b.digest()) == (a == b)


@given(spec=specs(), data=st.data())
def test_any_change_to_the_wire_form_is_refused_or_changes_the_digest(spec, data):
    wire_form = wire(spec)
    mutated = copy.deepcopy(wire_form)
    key = data.draw(st.sampled_from(sorted(k for k in mutated if k != "v")))
    value = mutated[key]
    if isinstance(value, bool):
        mutated[key] = not value
    elif isinstance(value, int):
        mutated[key] = value + 1
    elif isinstance(value, str):
        mutated[key] = value + "x"
    elif value is None:
        mutated[key] = "1"
    else:
        mutated[key] = value[:-1] if value else ["x"]
    try:
        changed = StudySpec.from_dict(mutated)
    except SpecError:
        return
    assert changed.digest() != spec.digest()
