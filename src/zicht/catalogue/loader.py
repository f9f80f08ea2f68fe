"""Loading the catalogue files of ``data/`` into the database.

This is the only write path for catalogues. It looks the models up through an app registry
passed in (``apps`` of a data migration, or Django's global registry), so the data migration
works with historical models and keeps working after the models change.

Every file is parsed and cross-checked before anything is written (unknown portfolio, form or
group, duplicate code, missing version...): a bad file raises :class:`CatalogueError` and leaves
the database as it was. Loading runs in one transaction and is idempotent: rows are matched by
code and only changed fields are written. Entries that are in the database but no longer in the
files are marked inactive, never deleted, because signals refer to them.

File formats: JSON ``{"catalogue": NAME, "version": V, "items": [...]}``, and for the indicators
a CSV whose first line is ``# catalogue: indicators; version: V`` (the rest is the column layout
of the shared indicatoren.csv plus a ``portfolio`` column).
"""

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from django.db import models, transaction
from django.utils import timezone

DATA_DIR = Path(__file__).resolve().parent / "data"

# Catalogue name -> file, in load order (later ones refer to earlier ones).
FILES: dict[str, str] = {
    "portfolios": "portfolios.json",
    "exploitation_forms": "exploitation_forms.json",
    "offence_codes": "offence_codes.json",
    "indicator_groups": "indicator_groups.json",
    "indicators": "indicators.csv",
    "sectors": "sectors.json",
    "route_steps": "route_steps.json",
}
INDICATOR_COLUMNS = ("id", "group", "forms", "label_nl", "label_en", "source", "portfolio")
# In the `forms` column: every form of the indicator's portfolio whose `in_all` is true.
ALL_FORMS = "all"
CSV_HEADER = re.compile(r"^#\s*catalogue:\s*(?P<name>[\w-]+)\s*;\s*version:\s*(?P<version>\S+)\s*$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
OFFENCE_CODE = re.compile(r"^[0-9a-z]+(?:-[0-9a-z]+)*$")
INDICATOR_CODE = re.compile(r"^[A-Z]{1,3}[0-9]{2,3}$")
# Only settings of this shape may be named by a data file, so a catalogue cannot make the
# application read (and the UI show) an arbitrary setting such as SECRET_KEY.
IN_FORCE_SETTING = re.compile(r"^ZICHT_OFFENCE_[A-Z0-9_]+_IN_FORCE$")


class CatalogueError(ValueError):
    """A catalogue file is missing, malformed or refers to something that does not exist."""


class AppRegistry(Protocol):
    def get_model(self, app_label: str, model_name: str) -> type[models.Model]: ...


@dataclass(frozen=True)
class CatalogueFile:
    name: str
    file_name: str
    version: str
    sha256: str
    # One dict per entry, with the model's field names (foreign keys still as codes).
    items: list[dict[str, Any]]


@dataclass
class CatalogueResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Codes marked inactive by this load because the file no longer has them.
    retired: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class LoadResult:
    catalogues: dict[str, CatalogueResult] = field(default_factory=dict)
    # Catalogue names whose file content (sha256) differs from what was loaded before.
    new_versions: list[str] = field(default_factory=list)


# --- Reading and validating ------------------------------------------------------------------


def _text(item: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = item.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise CatalogueError(f"{where}: {key} must be text")
    value = value.strip()
    if required and not value:
        raise CatalogueError(f"{where}: {key} is missing")
    return value


def _int(item: dict[str, Any], key: str, where: str, default: int) -> int:
    value = item.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 32768:
        raise CatalogueError(f"{where}: {key} must be a whole number from 0 to 32767")
    return int(value)


def _date(item: dict[str, Any], key: str, where: str) -> date | None:
    value = item.get(key)
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise CatalogueError(f"{where}: {key} {value!r} is not a date (YYYY-MM-DD)") from exc


def _code(item: dict[str, Any], where: str, pattern: re.Pattern[str] = SLUG) -> str:
    code = _text(item, "code", where)
    if not pattern.match(code):
        raise CatalogueError(f"{where}: code {code!r} has the wrong shape")
    return code


def _read_bytes(data_dir: Path, file_name: str) -> bytes:
    try:
        return (data_dir / file_name).read_bytes()
    except OSError as exc:
        raise CatalogueError(f"{file_name}: cannot be read: {exc}") from exc


def _read_json(name: str, data_dir: Path) -> tuple[str, str, list[dict[str, Any]]]:
    file_name = FILES[name]
    raw = _read_bytes(data_dir, file_name)
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogueError(f"{file_name}: not valid JSON: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        raise CatalogueError(f"{file_name}: expected an object with an 'items' list")
    if document.get("catalogue") != name:
        raise CatalogueError(f"{file_name}: 'catalogue' must be {name!r}")
    version = document.get("version")
    if not isinstance(version, str) or not version.strip():
        raise CatalogueError(f"{file_name}: 'version' is missing")
    items = document["items"]
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise CatalogueError(f"{file_name} item {number}: not an object")
    return version.strip(), hashlib.sha256(raw).hexdigest(), items


def _read_indicator_csv(data_dir: Path) -> tuple[str, str, list[tuple[int, dict[str, str]]]]:
    file_name = FILES["indicators"]
    raw = _read_bytes(data_dir, file_name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogueError(f"{file_name}: not UTF-8: {exc}") from exc
    first, _, rest = text.partition("\n")
    match = CSV_HEADER.match(first.strip())
    if not match or match["name"] != "indicators":
        raise CatalogueError(
            f"{file_name}: the first line must be '# catalogue: indicators; version: ...'"
        )
    reader = csv.DictReader(io.StringIO(rest))
    if tuple(reader.fieldnames or ()) != INDICATOR_COLUMNS:
        raise CatalogueError(
            f"{file_name}: expected columns {', '.join(INDICATOR_COLUMNS)}, "
            f"got {', '.join(reader.fieldnames or ())}"
        )
    # Line numbers as an editor shows them: the comment and the header come first.
    rows = [(line, record) for line, record in enumerate(reader, start=3)]
    return match["version"], hashlib.sha256(raw).hexdigest(), rows


def _unique(items: Iterable[dict[str, Any]], file_name: str) -> None:
    seen: set[str] = set()
    for item in items:
        if item["code"] in seen:
            raise CatalogueError(f"{file_name}: code {item['code']!r} occurs twice")
        seen.add(item["code"])


def read_catalogues(data_dir: Path = DATA_DIR) -> dict[str, CatalogueFile]:
    """Parse and cross-check every catalogue file; raises CatalogueError on any problem."""
    result: dict[str, CatalogueFile] = {}

    def add(name: str, version: str, sha256: str, items: list[dict[str, Any]]) -> None:
        _unique(items, FILES[name])
        result[name] = CatalogueFile(name, FILES[name], version, sha256, items)

    version, sha, raw_items = _read_json("portfolios", data_dir)
    items: list[dict[str, Any]] = []
    for n, item in enumerate(raw_items, start=1):
        where = f"{FILES['portfolios']} item {n}"
        items.append(
            {
                "code": _code(item, where),
                "name_nl": _text(item, "name_nl", where),
                "name_en": _text(item, "name_en", where, required=False),
                "order": _int(item, "order", where, n),
            }
        )
    add("portfolios", version, sha, items)
    portfolios = {i["code"] for i in items}

    def portfolio_of(item: dict[str, Any], where: str) -> str:
        code = _text(item, "portfolio", where)
        if code not in portfolios:
            raise CatalogueError(f"{where}: unknown portfolio {code!r}")
        return code

    version, sha, raw_items = _read_json("exploitation_forms", data_dir)
    items = []
    for n, item in enumerate(raw_items, start=1):
        where = f"{FILES['exploitation_forms']} item {n}"
        in_all = item.get("in_all", True)
        if not isinstance(in_all, bool):
            raise CatalogueError(f"{where}: in_all must be true or false")
        items.append(
            {
                "code": _code(item, where),
                "portfolio": portfolio_of(item, where),
                "name_nl": _text(item, "name_nl", where),
                "name_en": _text(item, "name_en", where, required=False),
                "description_nl": _text(item, "description_nl", where, required=False),
                "description_en": _text(item, "description_en", where, required=False),
                "order": _int(item, "order", where, n),
                "in_all": in_all,
            }
        )
    if any(i["code"] == ALL_FORMS for i in items):
        raise CatalogueError(f"{FILES['exploitation_forms']}: {ALL_FORMS!r} is reserved")
    add("exploitation_forms", version, sha, items)
    forms = {i["code"]: i for i in items}

    version, sha, raw_items = _read_json("offence_codes", data_dir)
    items = []
    for n, item in enumerate(raw_items, start=1):
        where = f"{FILES['offence_codes']} item {n}"
        form = _text(item, "form", where, required=False)
        if form and form not in forms:
            raise CatalogueError(f"{where}: unknown form {form!r}")
        setting = _text(item, "in_force_setting", where, required=False)
        if setting and not IN_FORCE_SETTING.match(setting):
            raise CatalogueError(
                f"{where}: in_force_setting must look like ZICHT_OFFENCE_..._IN_FORCE"
            )
        valid_from, valid_to = _date(item, "valid_from", where), _date(item, "valid_to", where)
        if valid_from and valid_to and valid_to < valid_from:
            raise CatalogueError(f"{where}: valid_to lies before valid_from")
        items.append(
            {
                "code": _code(item, where, OFFENCE_CODE),
                "article": _text(item, "article", where),
                "name_nl": _text(item, "name_nl", where),
                "name_en": _text(item, "name_en", where, required=False),
                "form": form or None,
                "valid_from": valid_from,
                "valid_to": valid_to,
                "in_force_setting": setting,
                "order": _int(item, "order", where, n),
            }
        )
    add("offence_codes", version, sha, items)

    version, sha, raw_items = _read_json("indicator_groups", data_dir)
    items = []
    for n, item in enumerate(raw_items, start=1):
        where = f"{FILES['indicator_groups']} item {n}"
        items.append(
            {
                "code": _code(item, where),
                "name_nl": _text(item, "name_nl", where),
                "name_en": _text(item, "name_en", where, required=False),
                "order": _int(item, "order", where, n),
            }
        )
    add("indicator_groups", version, sha, items)
    groups = {i["code"] for i in items}

    version, sha, rows = _read_indicator_csv(data_dir)
    items = []
    for n, (line, record) in enumerate(rows, start=1):
        where = f"{FILES['indicators']} line {line}"
        portfolio = portfolio_of(record, where)
        group = _text(record, "group", where)
        if group not in groups:
            raise CatalogueError(f"{where}: unknown group {group!r}")
        form_codes = [
            c.strip() for c in _text(record, "forms", where, required=False).split(";") if c.strip()
        ]
        expanded: list[str] = []
        for code in form_codes:
            if code == ALL_FORMS:
                expanded += [
                    f["code"] for f in forms.values() if f["portfolio"] == portfolio and f["in_all"]
                ]
            elif code in forms and forms[code]["portfolio"] == portfolio:
                expanded.append(code)
            else:
                raise CatalogueError(f"{where}: unknown form {code!r} for portfolio {portfolio}")
        sources = [s.strip() for s in _text(record, "source", where).split(";") if s.strip()]
        items.append(
            {
                "code": _code({"code": record["id"]}, where, INDICATOR_CODE),
                "group": group,
                "label_nl": _text(record, "label_nl", where),
                "label_en": _text(record, "label_en", where, required=False),
                "portfolio": portfolio,
                "sources": ";".join(sources),
                "order": n,
                "forms": sorted(set(expanded)),
            }
        )
    add("indicators", version, sha, items)

    version, sha, raw_items = _read_json("sectors", data_dir)
    items = []
    for n, item in enumerate(raw_items, start=1):
        where = f"{FILES['sectors']} item {n}"
        items.append(
            {
                "code": _code(item, where),
                "portfolio": portfolio_of(item, where),
                "name_nl": _text(item, "name_nl", where),
                "name_en": _text(item, "name_en", where, required=False),
                "order": _int(item, "order", where, n),
            }
        )
    add("sectors", version, sha, items)

    version, sha, raw_items = _read_json("route_steps", data_dir)
    items = []
    for n, item in enumerate(raw_items, start=1):
        where = f"{FILES['route_steps']} item {n}"
        items.append(
            {
                "code": _code(item, where),
                "name_nl": _text(item, "name_nl", where),
                "name_en": _text(item, "name_en", where, required=False),
                "description_nl": _text(item, "description_nl", where, required=False),
                "description_en": _text(item, "description_en", where, required=False),
                "order": _int(item, "order", where, n),
            }
        )
    add("route_steps", version, sha, items)
    return result


# --- Writing ---------------------------------------------------------------------------------

# Catalogue name -> model name in the "catalogue" app.
MODELS = {
    "portfolios": "Portfolio",
    "exploitation_forms": "ExploitationForm",
    "offence_codes": "OffenceCode",
    "indicator_groups": "IndicatorGroup",
    "indicators": "Indicator",
    "sectors": "Sector",
    "route_steps": "RouteStep",
}
# Fields that hold a code in the parsed items and a foreign key on the model.
FOREIGN_KEYS = {"portfolio": "portfolios", "form": "exploitation_forms"}


def _upsert(
    model: type[models.Model],
    items: list[dict[str, Any]],
    refs: dict[str, dict[str, models.Model]],
) -> tuple[CatalogueResult, dict[str, models.Model]]:
    result = CatalogueResult()
    manager = model._default_manager
    existing: dict[str, Any] = {row.code: row for row in manager.all()}  # type: ignore[attr-defined]
    by_code: dict[str, models.Model] = {}
    for item in items:
        values: dict[str, Any] = {"is_active": True}
        form_codes: list[str] | None = None
        for key, value in item.items():
            if key == "code":
                continue
            if key == "forms":
                form_codes = value
            elif key in FOREIGN_KEYS:
                values[key] = refs[FOREIGN_KEYS[key]][value] if value is not None else None
            else:
                values[key] = value
        # Any: the class may be a historical model, which has no static type.
        obj: Any = existing.get(item["code"])
        if obj is None:
            obj = manager.create(code=item["code"], **values)
            result.created += 1
            changed = True
        else:
            dirty = [k for k, v in values.items() if getattr(obj, k) != v]
            for key in dirty:
                setattr(obj, key, values[key])
            if dirty:
                obj.save(update_fields=dirty)
            changed = bool(dirty)
        if form_codes is not None:
            wanted = [refs["exploitation_forms"][c] for c in form_codes]
            related = obj.forms
            if {f.pk for f in related.all()} != {f.pk for f in wanted}:
                related.set(wanted)
                changed = True
        if existing.get(item["code"]) is not None:
            if changed:
                result.updated += 1
            else:
                result.unchanged += 1
        by_code[item["code"]] = obj
    retired = manager.filter(is_active=True).exclude(code__in=list(by_code))
    result.retired = sorted(retired.values_list("code", flat=True))
    retired.update(is_active=False)
    # Only the entries of the current files are offered as references to later catalogues: a
    # file must not point at something that the same release has retired.
    return result, by_code


def load_catalogues(*, apps: AppRegistry | None = None, data_dir: Path = DATA_DIR) -> LoadResult:
    """Upsert every catalogue from the files in ``data_dir``.

    Pass the ``apps`` of a data migration to use historical models; by default Django's
    global app registry is used.
    """
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    data = read_catalogues(data_dir)
    result = LoadResult()
    refs: dict[str, dict[str, models.Model]] = {}
    version_model = apps.get_model("catalogue", "CatalogueVersion")
    versions = version_model._default_manager
    now = timezone.now()
    with transaction.atomic():
        for name, model_name in MODELS.items():
            model = apps.get_model("catalogue", model_name)
            result.catalogues[name], refs[name] = _upsert(model, data[name].items, refs)
        for name, catalogue in data.items():
            current: Any = versions.filter(name=name).first()
            if current is not None and current.sha256 == catalogue.sha256:
                continue
            versions.update_or_create(
                name=name,
                defaults={
                    "version": catalogue.version,
                    "file_name": catalogue.file_name,
                    "sha256": catalogue.sha256,
                    "loaded_at": now,
                },
            )
            result.new_versions.append(name)
    return result
