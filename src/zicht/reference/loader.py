"""Loading the municipality and region files of ``data/`` into the database.

This is the only write path for reference data. It takes the model classes as arguments
instead of importing them, so a data migration can pass its historical models
(``apps.get_model``) and keep working after the models change.

The files are validated completely before anything is written: a truncated or edited file
raises :class:`ReferenceDataError` and leaves the database as it was. Loading is idempotent
(update-or-create by code) and runs in one transaction.
"""

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import models, transaction

from zicht.regions import REGIONS, RegionInfo

DATA_DIR = Path(__file__).resolve().parent / "data"
MUNICIPALITIES_CSV = "gemeenten.csv"
MUNICIPALITIES_GEOJSON = "gemeenten.geojson"
REGIONS_GEOJSON = "riec_regions.geojson"

# The totals of the 2024 files (see data/SOURCES.md). A yearly update changes them on purpose.
EXPECTED_MUNICIPALITIES = 342
EXPECTED_POPULATION = 17_942_942

CSV_COLUMNS = ("code", "name", "province", "riec_region", "population", "lat", "lon")


class ReferenceDataError(ValueError):
    """The reference data files are missing, malformed or do not add up."""


@dataclass(frozen=True)
class MunicipalityRow:
    code: str
    name: str
    province: str
    region: RegionInfo
    population: int
    lat: float
    lon: float
    boundary: dict[str, Any]


@dataclass(frozen=True)
class ReferenceData:
    """The parsed and validated content of the data files."""

    municipalities: list[MunicipalityRow]
    region_boundaries: dict[str, dict[str, Any]]  # region code -> GeoJSON geometry
    # What the outline file says about each region: (municipalities, population).
    region_totals: dict[str, tuple[int, int]] = field(default_factory=dict)

    def population_of(self, region_code: str) -> int:
        return sum(m.population for m in self.municipalities if m.region.code == region_code)


@dataclass
class LoadResult:
    regions_created: int = 0
    regions_updated: int = 0
    municipalities_created: int = 0
    municipalities_updated: int = 0
    # Codes in the database that the files no longer contain (e.g. after a merger). They are
    # kept, because organisations may still refer to them; an operator decides what to do.
    stale_municipalities: list[str] = field(default_factory=list)

    @property
    def regions(self) -> int:
        return self.regions_created + self.regions_updated

    @property
    def municipalities(self) -> int:
        return self.municipalities_created + self.municipalities_updated


def _read_json(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, json.JSONDecodeError) as exc:
        raise ReferenceDataError(f"{path.name}: cannot be read: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        raise ReferenceDataError(f"{path.name}: not a GeoJSON FeatureCollection")
    return data


def _geometry(feature: Any, source: str) -> dict[str, Any]:
    geometry = feature.get("geometry") if isinstance(feature, dict) else None
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise ReferenceDataError(f"{source}: feature without a (Multi)Polygon geometry")
    return geometry


def _region_for(source_name: str, where: str) -> RegionInfo:
    for region in REGIONS:
        if region.source_name == source_name:
            return region
    raise ReferenceDataError(f"{where}: unknown region {source_name!r}")


def read_reference_data(data_dir: Path = DATA_DIR) -> ReferenceData:
    """Parse and validate the three data files; raises ReferenceDataError on any problem."""
    boundaries: dict[str, dict[str, Any]] = {}
    for feature in _read_json(data_dir / MUNICIPALITIES_GEOJSON)["features"]:
        code = str(feature.get("properties", {}).get("code", ""))
        boundaries[code] = _geometry(feature, f"{MUNICIPALITIES_GEOJSON} {code}")

    rows: list[MunicipalityRow] = []
    csv_path = data_dir / MUNICIPALITIES_CSV
    try:
        with csv_path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            if tuple(reader.fieldnames or ()) != CSV_COLUMNS:
                raise ReferenceDataError(
                    f"{MUNICIPALITIES_CSV}: expected columns {', '.join(CSV_COLUMNS)}, "
                    f"got {', '.join(reader.fieldnames or ())}"
                )
            for line, record in enumerate(reader, start=2):
                where = f"{MUNICIPALITIES_CSV} line {line}"
                code = record["code"]
                if code not in boundaries:
                    raise ReferenceDataError(f"{where}: {code} has no boundary in the GeoJSON")
                try:
                    population = int(record["population"])
                    lat, lon = float(record["lat"]), float(record["lon"])
                except (TypeError, ValueError) as exc:
                    raise ReferenceDataError(f"{where}: {exc}") from exc
                rows.append(
                    MunicipalityRow(
                        code=code,
                        name=record["name"],
                        province=record["province"],
                        region=_region_for(record["riec_region"], where),
                        population=population,
                        lat=lat,
                        lon=lon,
                        boundary=boundaries[code],
                    )
                )
    except OSError as exc:
        raise ReferenceDataError(f"{MUNICIPALITIES_CSV}: cannot be read: {exc}") from exc

    region_boundaries: dict[str, dict[str, Any]] = {}
    region_totals: dict[str, tuple[int, int]] = {}
    for feature in _read_json(data_dir / REGIONS_GEOJSON)["features"]:
        properties = feature.get("properties", {})
        source_name = str(properties.get("riec_region", ""))
        region = _region_for(source_name, REGIONS_GEOJSON)
        region_boundaries[region.code] = _geometry(feature, f"{REGIONS_GEOJSON} {source_name}")
        try:
            region_totals[region.code] = (
                int(properties["municipalities"]),
                int(properties["population"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ReferenceDataError(f"{REGIONS_GEOJSON} {source_name}: bad totals") from exc

    data = ReferenceData(
        municipalities=rows, region_boundaries=region_boundaries, region_totals=region_totals
    )
    _validate(data)
    return data


def _validate(data: ReferenceData) -> None:
    codes = [m.code for m in data.municipalities]
    if len(codes) != len(set(codes)):
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        raise ReferenceDataError(f"duplicate municipality codes: {', '.join(duplicates)}")
    if len(codes) != EXPECTED_MUNICIPALITIES:
        raise ReferenceDataError(
            f"expected {EXPECTED_MUNICIPALITIES} municipalities, found {len(codes)}"
        )
    total = sum(m.population for m in data.municipalities)
    if total != EXPECTED_POPULATION:
        raise ReferenceDataError(
            f"expected a total population of {EXPECTED_POPULATION:,}, found {total:,}"
        )
    used = {m.region.code for m in data.municipalities}
    for region in REGIONS:
        if region.code not in used:
            raise ReferenceDataError(f"region {region.name} has no municipalities")
    for region in REGIONS:
        if region.code not in data.region_boundaries:
            raise ReferenceDataError(f"region {region.name} has no outline in {REGIONS_GEOJSON}")
    for region in REGIONS:
        # The outline file was derived from the same municipalities; if its totals differ,
        # one of the two files was changed without the other.
        counted = (
            sum(1 for m in data.municipalities if m.region.code == region.code),
            data.population_of(region.code),
        )
        if data.region_totals.get(region.code) != counted:
            raise ReferenceDataError(
                f"region {region.name}: {REGIONS_GEOJSON} says (municipalities, population) = "
                f"{data.region_totals.get(region.code)}, {MUNICIPALITIES_CSV} gives {counted}"
            )


def load_reference_data(
    *,
    region_model: type[models.Model],
    municipality_model: type[models.Model],
    data_dir: Path = DATA_DIR,
) -> LoadResult:
    """Upsert all regions and municipalities from the files in ``data_dir``.

    Pass ``Region`` and ``Municipality`` (or their historical versions in a migration).
    """
    data = read_reference_data(data_dir)
    result = LoadResult()
    regions = region_model._default_manager
    municipalities = municipality_model._default_manager
    with transaction.atomic():
        region_objects: dict[str, models.Model] = {}
        for position, info in enumerate(REGIONS, start=1):
            obj, created = regions.update_or_create(
                code=info.code,
                defaults={
                    "name": info.name,
                    "source_name": info.source_name,
                    "position": position,
                    "population": data.population_of(info.code),
                    "boundary": data.region_boundaries[info.code],
                },
            )
            region_objects[info.code] = obj
            if created:
                result.regions_created += 1
            else:
                result.regions_updated += 1

        for row in data.municipalities:
            _, created = municipalities.update_or_create(
                code=row.code,
                defaults={
                    "name": row.name,
                    "province": row.province,
                    "region": region_objects[row.region.code],
                    "population": row.population,
                    "lat": row.lat,
                    "lon": row.lon,
                    "boundary": row.boundary,
                },
            )
            if created:
                result.municipalities_created += 1
            else:
                result.municipalities_updated += 1

        known = {row.code for row in data.municipalities}
        result.stale_municipalities = sorted(
            code for code in municipalities.values_list("code", flat=True) if code not in known
        )
    return result
