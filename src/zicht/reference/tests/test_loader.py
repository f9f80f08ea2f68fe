"""The loader: the data migration has run, re-runs change nothing, bad files are refused."""

import csv
import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Sum

from zicht.reference.loader import (
    DATA_DIR,
    EXPECTED_MUNICIPALITIES,
    EXPECTED_POPULATION,
    ReferenceDataError,
    load_reference_data,
    read_reference_data,
)
from zicht.reference.models import Municipality, Region
from zicht.regions import REGIONS


def _load(data_dir: Path = DATA_DIR):
    return load_reference_data(
        region_model=Region, municipality_model=Municipality, data_dir=data_dir
    )


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    for name in ("gemeenten.csv", "gemeenten.geojson", "riec_regions.geojson"):
        shutil.copyfile(DATA_DIR / name, tmp_path / name)
        (tmp_path / name).chmod(0o644)
    return tmp_path


def _rewrite_csv(data_dir: Path, change) -> None:
    path = data_dir / "gemeenten.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    fieldnames = list(rows[0])
    rows = change(rows)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fieldnames)
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.django_db
def test_data_migration_loaded_everything():
    assert Municipality.objects.count() == EXPECTED_MUNICIPALITIES == 342
    assert Municipality.objects.aggregate(total=Sum("population"))["total"] == 17_942_942
    assert list(Region.objects.values_list("code", flat=True)) == [r.code for r in REGIONS]
    assert Region.objects.aggregate(total=Sum("population"))["total"] == EXPECTED_POPULATION


@pytest.mark.django_db
def test_source_names_are_mapped_to_region_codes():
    amsterdam = Region.objects.get(code="amsterdam-amstelland")
    assert amsterdam.name == "Amsterdam-Amstelland"
    assert amsterdam.source_name == "Amsterdam"
    assert amsterdam.municipalities.count() == 6
    assert Municipality.objects.get(code="GM0363").region == amsterdam  # Amsterdam


@pytest.mark.django_db
def test_municipality_fields():
    groningen = Municipality.objects.get(code="GM0014")
    assert groningen.name == "Groningen"
    assert groningen.province == "Groningen"
    assert groningen.region.code == "noord-nederland"
    assert groningen.population == 243_768
    assert (groningen.lat, groningen.lon) == (53.21866, 6.62077)
    assert groningen.boundary is not None
    assert groningen.boundary["type"] in ("Polygon", "MultiPolygon")
    assert str(groningen) == "Groningen (GM0014)"


@pytest.mark.django_db
def test_every_region_has_an_outline_and_its_totals():
    for region in Region.objects.all():
        assert region.boundary is not None
        assert region.boundary["type"] in ("Polygon", "MultiPolygon")
        total = region.municipalities.aggregate(total=Sum("population"))["total"]
        assert region.population == total


@pytest.mark.django_db
def test_rerun_is_idempotent():
    before = list(Municipality.objects.order_by("code").values())
    result = _load()
    assert (result.regions_created, result.regions_updated) == (0, 10)
    assert (result.municipalities_created, result.municipalities_updated) == (0, 342)
    assert result.stale_municipalities == []
    assert list(Municipality.objects.order_by("code").values()) == before
    assert Region.objects.count() == 10


@pytest.mark.django_db
def test_load_into_empty_tables():
    Municipality.objects.all().delete()
    Region.objects.all().delete()
    result = _load()
    assert (result.regions_created, result.municipalities_created) == (10, 342)
    assert Municipality.objects.count() == 342


@pytest.mark.django_db
def test_restores_edited_rows():
    Municipality.objects.filter(code="GM0014").update(name="Stad", population=1)
    _load()
    groningen = Municipality.objects.get(code="GM0014")
    assert (groningen.name, groningen.population) == ("Groningen", 243_768)


@pytest.mark.django_db
def test_reports_municipalities_missing_from_the_files():
    region = Region.objects.get(code="limburg")
    Municipality.objects.create(
        code="GM9999",
        name="Opgeheven",
        province="Limburg",
        region=region,
        population=1,
        lat=51.0,
        lon=6.0,
    )
    result = _load()
    assert result.stale_municipalities == ["GM9999"]
    assert Municipality.objects.filter(code="GM9999").exists()


def test_reads_the_bundled_files():
    data = read_reference_data()
    assert len(data.municipalities) == 342
    assert {m.region.code for m in data.municipalities} == {r.code for r in REGIONS}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda rows: rows[:-1], "expected 342 municipalities, found 341"),
        (lambda rows: [*rows, rows[0]], "duplicate municipality codes: GM0014"),
        (
            lambda rows: [{**r, "population": "1"} if r["code"] == "GM0014" else r for r in rows],
            "expected a total population",
        ),
        (
            lambda rows: [
                {**r, "riec_region": "Atlantis"} if r["code"] == "GM0014" else r for r in rows
            ],
            "unknown region 'Atlantis'",
        ),
        (
            lambda rows: [{**r, "lat": "noord"} if r["code"] == "GM0014" else r for r in rows],
            "line 2",
        ),
        (
            lambda rows: [{**r, "code": "GM9999"} if r["code"] == "GM0014" else r for r in rows],
            "GM9999 has no boundary",
        ),
    ],
)
def test_refuses_bad_csv(data_copy, change, message):
    _rewrite_csv(data_copy, change)
    with pytest.raises(ReferenceDataError, match=message):
        read_reference_data(data_copy)


def test_refuses_a_region_without_municipalities(data_copy):
    # Move all of Limburg to Oost-Brabant: counts and population still add up nationally.
    _rewrite_csv(
        data_copy,
        lambda rows: [
            {**r, "riec_region": "Oost-Brabant"} if r["riec_region"] == "Limburg" else r
            for r in rows
        ],
    )
    with pytest.raises(ReferenceDataError, match="region Limburg has no municipalities"):
        read_reference_data(data_copy)


def test_refuses_a_region_moved_without_updating_the_outlines(data_copy):
    _rewrite_csv(
        data_copy,
        lambda rows: [
            {**r, "riec_region": "Oost-Brabant"} if r["code"] == "GM0935" else r  # Maastricht
            for r in rows
        ],
    )
    with pytest.raises(ReferenceDataError, match=r"riec_regions\.geojson says"):
        read_reference_data(data_copy)


def test_refuses_a_missing_region_outline(data_copy):
    path = data_copy / "riec_regions.geojson"
    collection = json.loads(path.read_text(encoding="utf-8"))
    collection["features"] = [
        f for f in collection["features"] if f["properties"]["riec_region"] != "Limburg"
    ]
    path.write_text(json.dumps(collection), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="region Limburg has no outline"):
        read_reference_data(data_copy)


def test_refuses_a_missing_file(data_copy):
    (data_copy / "gemeenten.geojson").unlink()
    with pytest.raises(ReferenceDataError, match=r"gemeenten\.geojson: cannot be read"):
        read_reference_data(data_copy)


@pytest.mark.django_db
def test_bad_files_leave_the_database_alone(data_copy):
    Municipality.objects.filter(code="GM0014").update(name="Stad")
    _rewrite_csv(data_copy, lambda rows: rows[:-1])
    with pytest.raises(ReferenceDataError):
        _load(data_copy)
    assert Municipality.objects.get(code="GM0014").name == "Stad"
    assert Municipality.objects.count() == 342


@pytest.mark.django_db
def test_management_command_prints_counts():
    out = StringIO()
    call_command("load_reference_data", stdout=out)
    text = out.getvalue()
    assert "regions: 10 (0 new, 10 updated)" in text
    assert "municipalities: 342 (0 new, 342 updated)" in text
