"""Categories from the catalogues, and building a checked spec from a draft (on the hub)."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from zicht.cases.loader import read_intervention_types
from zicht.cases.models import InterventionType
from zicht.catalogue.models import ExploitationForm, Indicator, RouteStep, Sector
from zicht.research.dimensions import RETIRED_SUFFIX, build_spec, categories_for, filter_labels
from zicht.research.study import AGE_BAND_CODES, UNKNOWN, SpecError, StudySpec, describe

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("as_hub")]

YEAR = (date(2025, 1, 1), date(2025, 12, 31))
REGIONS = ["rotterdam", "den-haag", "limburg"]


def draft(**overrides: Any) -> StudySpec:
    options: dict[str, Any] = {
        "study_id": "arbeid-sector-kwartaal",
        "title": "Arbeidsuitbuiting per sector en kwartaal, alle regio's",
        "question": "In welke sectoren en kwartalen komen signalen van arbeidsuitbuiting binnen?",
        "period_start": YEAR[0],
        "period_end": YEAR[1],
        "regions": REGIONS,
        "metric": "signals",
        "dimension_codes": ["sector", "quarter"],
        "filters": {"form": ["arbeid"]},
    }
    options.update(overrides)
    return build_spec(**options)


def codes(categories: tuple[Any, ...]) -> list[str]:
    return [c.code for c in categories]


def test_the_hub_has_every_catalogue_loaded(settings: Any) -> None:
    # All apps are installed in both roles, so the data migrations load the catalogues on the
    # hub too; the categories of a study come from there.
    assert settings.ZICHT_ROLE == "hub"
    for model in (ExploitationForm, Sector, RouteStep, Indicator, InterventionType):
        assert model.objects.exists(), model.__name__


@pytest.mark.parametrize(
    ("dimension", "model"),
    [
        ("form", ExploitationForm),
        ("sector", Sector),
        ("route_step", RouteStep),
        ("indicator", Indicator),
        ("intervention_type", InterventionType),
    ],
)
def test_catalogue_dimensions_list_every_entry_in_order_then_unknown(dimension, model) -> None:
    categories = categories_for(dimension, *YEAR)
    expected = list(model.objects.values_list("code", flat=True))
    assert codes(categories) == [*expected, UNKNOWN]
    assert all(c.label for c in categories)


def test_labels_are_dutch_whatever_the_ui_language() -> None:
    from django.utils import translation

    with translation.override("en"):
        labels = {c.code: c.label for c in categories_for("form", *YEAR)}
        indicators = {c.code: c.label for c in categories_for("indicator", *YEAR)}
    assert labels["arbeid"] == "Arbeidsuitbuiting"
    assert indicators["G01"].startswith("G01 Werkgever")


def test_retired_entries_stay_with_a_note() -> None:
    Sector.objects.filter(code="havens").update(is_active=False)
    labels = {c.code: c.label for c in categories_for("sector", *YEAR)}
    assert labels["havens"].endswith(RETIRED_SUFFIX)
    assert not labels["bouw"].endswith(RETIRED_SUFFIX)


def test_intervention_types_come_from_the_data_file_when_not_loaded() -> None:
    loaded = categories_for("intervention_type", *YEAR)
    InterventionType.objects.all().delete()
    from_file = categories_for("intervention_type", *YEAR)
    assert from_file == loaded
    assert codes(from_file)[:-1] == [i["code"] for i in read_intervention_types().items]


def test_quarters_cover_the_period_without_unknown() -> None:
    categories = categories_for("quarter", date(2024, 11, 15), date(2025, 5, 1))
    assert codes(categories) == ["2024-K4", "2025-K1", "2025-K2"]
    assert categories[0].label == "2024-K4"


def test_age_bands() -> None:
    categories = categories_for("age_band", *YEAR)
    assert codes(categories) == [*AGE_BAND_CODES, UNKNOWN]
    assert codes(categories) == ["<18", "18-22", "23-29", "30-49", "50+", UNKNOWN]


def test_unknown_dimension_or_empty_period() -> None:
    with pytest.raises(SpecError, match="Onbekende uitsplitsing"):
        categories_for("gemeente", *YEAR)
    with pytest.raises(SpecError, match="einde van de periode"):
        categories_for("quarter", YEAR[1], YEAR[0])


# --- build_spec --------------------------------------------------------------------------------


def test_the_demo_study() -> None:
    spec = draft()
    assert spec.regions == ("den-haag", "limburg", "rotterdam")
    assert [d.code for d in spec.dimensions] == ["sector", "quarter"]
    assert codes(spec.dimensions[0].categories) == [
        *Sector.objects.values_list("code", flat=True),
        UNKNOWN,
    ]
    assert codes(spec.dimensions[1].categories) == ["2025-K1", "2025-K2", "2025-K3", "2025-K4"]
    assert spec.filters == (("form", ("arbeid",)),)
    assert spec.min_cell == 10
    assert spec.epsilon is None
    assert spec.region_columns is False
    assert StudySpec.from_dict(spec.to_dict()) == spec
    text = "\n".join(describe(spec, labels=filter_labels(spec)))
    assert "alleen signalen met uitbuitingsvorm Arbeidsuitbuiting" in text


def test_a_filter_on_a_breakdown_restricts_its_categories() -> None:
    spec = draft(
        dimension_codes=["form", "quarter"],
        filters={"form": ["seksueel", "arbeid", "arbeid"], "quarter": ["2025-K2"]},
    )
    # Catalogue order, not the order of the filter.
    assert codes(spec.dimensions[0].categories) == ["seksueel", "arbeid"]
    assert codes(spec.dimensions[1].categories) == ["2025-K2"]
    assert spec.filters == (("form", ("arbeid", "seksueel")), ("quarter", ("2025-K2",)))
    assert spec.cell_count() == 2


def test_text_is_stripped_and_epsilon_converted() -> None:
    spec = draft(title="  Titel  ", question="\nVraag?\n", epsilon=0.1, min_cell=5)
    assert spec.title == "Titel"
    assert spec.question == "Vraag?"
    assert spec.epsilon == Decimal("0.1")
    assert draft(epsilon="0,25").epsilon == Decimal("0.25")
    assert draft(epsilon=2).epsilon == Decimal(2)
    assert draft(epsilon="").epsilon is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"metric": "personen"}, "Onbekende maat"),
        ({"dimension_codes": ["gemeente"]}, "Onbekende uitsplitsing"),
        ({"dimension_codes": []}, "Kies één tot 3 uitsplitsingen"),
        ({"dimension_codes": ["sector", "quarter", "form", "route_step"]}, "Kies één tot 3"),
        ({"dimension_codes": ["sector", "sector"]}, "twee keer"),
        ({"dimension_codes": ["age_band"]}, "past niet bij de maat ‘Signalen’"),
        ({"filters": {"intervention_type": ["inspectie"]}}, "past niet bij de maat"),
        ({"filters": {"gemeente": ["GM0344"]}}, "Onbekende uitsplitsing"),
        ({"filters": {"form": ["slavernij"]}}, "‘slavernij’ is geen categorie van"),
        ({"filters": {"quarter": ["2026-K1"]}}, "geen categorie van ‘Kwartaal’"),
        ({"filters": {"form": []}}, "noemt geen categorie"),
        ({"period_end": date(2024, 12, 31)}, "einde van de periode ligt voor het begin"),
        ({"regions": ["rotterdam", "den-haag", "atlantis"]}, "Onbekende regio"),
        ({"regions": ["rotterdam", "den-haag"]}, "minstens 3 regio"),
        ({"regions": "rotterdam"}, "als lijst van regiocodes"),
        ({"filters": {"form": "arbeid"}}, "als lijst van codes"),
        ({"period_start": None}, "moeten datums zijn"),
        ({"epsilon": "nan"}, "Epsilon moet een decimaal getal zijn"),
        ({"epsilon": [1]}, "Epsilon moet een getal zijn"),
        ({"min_cell": 2}, "celgrootte"),
        ({"epsilon": "veel"}, "Epsilon moet een getal zijn"),
        ({"epsilon": 0}, "Epsilon moet groter dan 0"),
        ({"epsilon": 11}, "hoogstens 10"),
        ({"title": "   "}, "titel ontbreekt"),
        ({"study_id": "met spatie"}, "onderzoekscode"),
        (
            {
                "dimension_codes": ["indicator", "sector", "quarter"],
                "filters": {},
                "period_start": date(2015, 1, 1),
            },
            "cellen; het maximum is 10000",
        ),
    ],
)
def test_build_spec_refuses(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecError, match=message):
        draft(**overrides)


def test_every_metric_with_every_compatible_dimension_builds() -> None:
    from zicht.research.study import COMPATIBLE

    for metric, dimensions in COMPATIBLE.items():
        for code in dimensions:
            spec = draft(metric=metric, dimension_codes=[code], filters={})
            assert spec.cell_count() == len(categories_for(code, *YEAR))
