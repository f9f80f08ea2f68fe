"""Loading the case catalogues of ``data/`` (case types, intervention types) into the database.

The only write path for these catalogues; the same rules as :mod:`zicht.catalogue.loader`:
both files are parsed and cross-checked before anything is written (a bad file raises
:class:`CaseCatalogueError` and changes nothing), loading is idempotent and matched by code,
and entries that leave the files are marked inactive, never deleted, because cases point at
them. Models are looked up through an app registry so the data migration can use historical
models.

``case_types.json`` has a ``shared`` block (status types, roles, result types, standard tasks)
that every case type gets, plus per type ``extra_roles``, ``extra_tasks`` and
``extra_result_types``. The status types must be exactly the lifecycle phases of
:class:`zicht.cases.models.CasePhase`, in order: the state machine is code, the file only
names the phases and sets their norms.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.db import models, transaction
from django.utils import timezone

DATA_DIR = Path(__file__).resolve().parent / "data"
FILES = {"case_types": "case_types.json", "intervention_types": "intervention_types.json"}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# Kept here as plain values so this module imports without the app registry.
PHASES = (
    "intake",
    "weging",
    "analyse",
    "integraal_overleg",
    "plan_van_aanpak",
    "uitvoering",
    "monitoring",
    "evaluatie",
    "afgesloten",
)
ROLE_KINDS = ("partner", "subject")
PARTNER_GENERIC_ROLES = ("initiator", "behandelaar", "adviseur", "belanghebbende")
ARCHIVE_ACTIONS = ("vernietigen", "blijvend_bewaren")
CATEGORIES = ("bestuurlijk", "strafrechtelijk", "fiscaal", "arbeidsinspectie", "zorg")
CONFIDENTIALITY = (
    "openbaar",
    "beperkt_openbaar",
    "intern",
    "zaakvertrouwelijk",
    "vertrouwelijk",
    "confidentieel",
    "geheim",
    "zeer_geheim",
)
ORGANISATION_TYPES = (
    "riec",
    "liec",
    "gemeente",
    "provincie",
    "politie",
    "om",
    "belastingdienst",
    "fiod",
    "douane",
    "nla",
    "kmar",
    "ind",
    "uwv",
    "zorg",
)


class CaseCatalogueError(ValueError):
    """A case catalogue file is missing, malformed or refers to something that does not exist."""


class AppRegistry(Protocol):
    def get_model(self, app_label: str, model_name: str) -> type[models.Model]: ...


@dataclass(frozen=True)
class ParsedFile:
    name: str
    version: str
    sha256: str
    items: list[dict[str, Any]]


@dataclass
class LoadResult:
    created: dict[str, int] = field(default_factory=dict)
    retired: dict[str, list[str]] = field(default_factory=dict)
    new_versions: list[str] = field(default_factory=list)


# --- Reading and validating ------------------------------------------------------------------


def _text(item: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = item.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise CaseCatalogueError(f"{where}: {key} must be text")
    value = value.strip()
    if required and not value:
        raise CaseCatalogueError(f"{where}: {key} is missing")
    return value


def _days(item: dict[str, Any], key: str, where: str) -> int | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3650:
        raise CaseCatalogueError(f"{where}: {key} must be a number of days from 0 to 3650")
    return int(value)


def _code(item: dict[str, Any], where: str) -> str:
    code = _text(item, "code", where)
    if not SLUG.match(code):
        raise CaseCatalogueError(f"{where}: code {code!r} has the wrong shape")
    return code


def _choice(item: dict[str, Any], key: str, where: str, allowed: tuple[str, ...]) -> str:
    value = _text(item, key, where)
    if value not in allowed:
        raise CaseCatalogueError(f"{where}: {key} {value!r} is not one of {', '.join(allowed)}")
    return value


def _list(item: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    value = item.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise CaseCatalogueError(f"{where}: {key} must be a list of objects")
    return value


def _read(name: str, data_dir: Path) -> tuple[str, str, dict[str, Any]]:
    file_name = FILES[name]
    try:
        raw = (data_dir / file_name).read_bytes()
    except OSError as exc:
        raise CaseCatalogueError(f"{file_name}: cannot be read: {exc}") from exc
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CaseCatalogueError(f"{file_name}: not valid JSON: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        raise CaseCatalogueError(f"{file_name}: expected an object with an 'items' list")
    if document.get("catalogue") != name:
        raise CaseCatalogueError(f"{file_name}: 'catalogue' must be {name!r}")
    version = document.get("version")
    if not isinstance(version, str) or not version.strip():
        raise CaseCatalogueError(f"{file_name}: 'version' is missing")
    return version.strip(), hashlib.sha256(raw).hexdigest(), document


def _unique(codes: list[str], where: str) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise CaseCatalogueError(f"{where}: code {code!r} occurs twice")
        seen.add(code)


def _roles(raw: list[dict[str, Any]], where: str) -> list[dict[str, Any]]:
    roles = []
    for n, item in enumerate(raw, start=1):
        at = f"{where} role {n}"
        kind = _choice(item, "kind", at, ROLE_KINDS)
        generic = _text(item, "generic", at)
        if kind == "partner" and generic not in PARTNER_GENERIC_ROLES:
            raise CaseCatalogueError(
                f"{at}: a partner role must be one of {', '.join(PARTNER_GENERIC_ROLES)}"
            )
        roles.append(
            {
                "code": _code(item, at),
                "kind": kind,
                "generic": generic,
                "name_nl": _text(item, "name_nl", at),
                "name_en": _text(item, "name_en", at, required=False),
            }
        )
    return roles


def _results(raw: list[dict[str, Any]], where: str) -> list[dict[str, Any]]:
    results = []
    for n, item in enumerate(raw, start=1):
        at = f"{where} result type {n}"
        years = item.get("retention_years")
        if isinstance(years, bool) or not isinstance(years, int) or not 0 < years <= 100:
            raise CaseCatalogueError(f"{at}: retention_years must be a number from 1 to 100")
        results.append(
            {
                "code": _code(item, at),
                "name_nl": _text(item, "name_nl", at),
                "name_en": _text(item, "name_en", at, required=False),
                "description_nl": _text(item, "description_nl", at, required=False),
                "archive_action": _choice(item, "archive_action", at, ARCHIVE_ACTIONS),
                "retention_years": years,
            }
        )
    return results


def _tasks(raw: list[dict[str, Any]], where: str) -> list[dict[str, Any]]:
    tasks = []
    for n, item in enumerate(raw, start=1):
        at = f"{where} task {n}"
        phase = _choice(item, "phase", at, PHASES[:-1])
        tasks.append(
            {
                "code": _code(item, at),
                "phase": phase,
                "title_nl": _text(item, "title_nl", at),
                "title_en": _text(item, "title_en", at, required=False),
                "due_days": _days(item, "due_days", at),
            }
        )
    return tasks


def read_case_types(data_dir: Path = DATA_DIR) -> ParsedFile:
    version, sha, document = _read("case_types", data_dir)
    file_name = FILES["case_types"]
    shared = document.get("shared")
    if not isinstance(shared, dict):
        raise CaseCatalogueError(f"{file_name}: 'shared' is missing")
    statuses = []
    for n, item in enumerate(_list(shared, "status_types", file_name), start=1):
        at = f"{file_name} status type {n}"
        statuses.append(
            {
                "phase": _text(item, "phase", at),
                "name_nl": _text(item, "name_nl", at),
                "name_en": _text(item, "name_en", at, required=False),
                "description_nl": _text(item, "description_nl", at, required=False),
                "target_days": _days(item, "target_days", at),
            }
        )
    if tuple(s["phase"] for s in statuses) != PHASES:
        raise CaseCatalogueError(
            f"{file_name}: status_types must be the lifecycle phases in order: {', '.join(PHASES)}"
        )
    shared_roles = _roles(_list(shared, "roles", file_name), f"{file_name} shared")
    shared_results = _results(_list(shared, "result_types", file_name), f"{file_name} shared")
    shared_tasks = _tasks(_list(shared, "tasks", file_name), f"{file_name} shared")
    items = []
    for n, item in enumerate(document["items"], start=1):
        if not isinstance(item, dict):
            raise CaseCatalogueError(f"{file_name} item {n}: not an object")
        at = f"{file_name} item {n}"
        roles = shared_roles + _roles(_list(item, "extra_roles", at), at)
        results = shared_results + _results(_list(item, "extra_result_types", at), at)
        tasks = shared_tasks + _tasks(_list(item, "extra_tasks", at), at)
        for kind, codes in (
            ("role", [r["code"] for r in roles]),
            ("result type", [r["code"] for r in results]),
            ("task", [t["code"] for t in tasks]),
        ):
            _unique(codes, f"{at} ({kind}s)")
        if not any(r["kind"] == "partner" for r in roles) or not any(
            r["kind"] == "subject" for r in roles
        ):
            raise CaseCatalogueError(f"{at}: needs at least one partner and one subject role")
        if not results:
            raise CaseCatalogueError(f"{at}: needs at least one result type")
        items.append(
            {
                "code": _code(item, at),
                "name_nl": _text(item, "name_nl", at),
                "name_en": _text(item, "name_en", at, required=False),
                "description_nl": _text(item, "description_nl", at, required=False),
                "description_en": _text(item, "description_en", at, required=False),
                "form": _text(item, "form", at, required=False),
                "articles": _text(item, "articles", at, required=False),
                "default_confidentiality": _choice(
                    {"c": item.get("default_confidentiality", "vertrouwelijk")},
                    "c",
                    f"{at} default_confidentiality",
                    CONFIDENTIALITY,
                ),
                "order": n,
                "status_types": statuses,
                "roles": roles,
                "result_types": results,
                "tasks": tasks,
            }
        )
    _unique([str(i["code"]) for i in items], file_name)
    return ParsedFile("case_types", version, sha, items)


def read_intervention_types(data_dir: Path = DATA_DIR) -> ParsedFile:
    version, sha, document = _read("intervention_types", data_dir)
    file_name = FILES["intervention_types"]
    items = []
    for n, item in enumerate(document["items"], start=1):
        if not isinstance(item, dict):
            raise CaseCatalogueError(f"{file_name} item {n}: not an object")
        at = f"{file_name} item {n}"
        types = [
            t.strip()
            for t in _text(item, "organisation_types", at, required=False).split(";")
            if t.strip()
        ]
        unknown = sorted(set(types) - set(ORGANISATION_TYPES))
        if unknown:
            raise CaseCatalogueError(f"{at}: unknown organisation type(s) {', '.join(unknown)}")
        is_decision = item.get("is_decision", False)
        if not isinstance(is_decision, bool):
            raise CaseCatalogueError(f"{at}: is_decision must be true or false")
        items.append(
            {
                "code": _code(item, at),
                "category": _choice(item, "category", at, CATEGORIES),
                "name_nl": _text(item, "name_nl", at),
                "name_en": _text(item, "name_en", at, required=False),
                "description_nl": _text(item, "description_nl", at, required=False),
                "legal_basis": _text(item, "legal_basis", at, required=False),
                "organisation_types": ";".join(types),
                "is_decision": is_decision,
                "order": n,
            }
        )
    _unique([str(i["code"]) for i in items], file_name)
    return ParsedFile("intervention_types", version, sha, items)


# --- Writing ---------------------------------------------------------------------------------


def _sync(
    manager: Any, key: dict[str, Any], values: dict[str, Any], existing: dict[Any, Any]
) -> tuple[Any, bool]:
    """Create or update one row, writing only changed fields; returns (row, created)."""
    lookup = tuple(key.values())
    row = existing.get(lookup)
    if row is None:
        return manager.create(**key, **values), True
    dirty = [k for k, v in values.items() if getattr(row, k) != v]
    for k in dirty:
        setattr(row, k, values[k])
    if dirty:
        row.save(update_fields=dirty)
    return row, False


def _retire(manager: Any, keep: list[int]) -> list[str]:
    stale = manager.filter(is_active=True).exclude(pk__in=keep)
    labels = sorted(str(row) for row in stale)
    stale.update(is_active=False)
    return labels


def _write_case_types(apps: AppRegistry, parsed: ParsedFile, result: LoadResult) -> None:
    form_model: Any = apps.get_model("catalogue", "ExploitationForm")
    forms = {f.code: f for f in form_model._default_manager.all()}
    case_types: Any = apps.get_model("cases", "CaseType")._default_manager
    # Per-type rows: items key -> (manager, the field that identifies a row within its type).
    children: dict[str, tuple[Any, str]] = {
        "status_types": (apps.get_model("cases", "CaseStatusType")._default_manager, "phase"),
        "roles": (apps.get_model("cases", "CaseRoleType")._default_manager, "code"),
        "result_types": (apps.get_model("cases", "CaseResultType")._default_manager, "code"),
        "tasks": (apps.get_model("cases", "CaseTaskTemplate")._default_manager, "code"),
    }
    existing_types = {(t.code,): t for t in case_types.all()}
    kept_types: list[int] = []
    created = 0
    kept_children: dict[str, list[int]] = {name: [] for name in children}
    for item in parsed.items:
        if item["form"] and item["form"] not in forms:
            raise CaseCatalogueError(f"case type {item['code']}: unknown form {item['form']!r}")
        case_type, new = _sync(
            case_types,
            {"code": item["code"]},
            {
                "name_nl": item["name_nl"],
                "name_en": item["name_en"],
                "description_nl": item["description_nl"],
                "description_en": item["description_en"],
                "exploitation_form": forms.get(item["form"]),
                "articles": item["articles"],
                "default_confidentiality": item["default_confidentiality"],
                "version": parsed.version,
                "order": item["order"],
                "is_active": True,
            },
            existing_types,
        )
        created += new
        kept_types.append(case_type.pk)
        for name, (manager, key_field) in children.items():
            existing = {
                (case_type, getattr(r, key_field)): r for r in manager.filter(case_type=case_type)
            }
            for order, child in enumerate(item[name], start=1):
                values = {k: v for k, v in child.items() if k != key_field}
                values.update(order=order, is_active=True)
                row, _new = _sync(
                    manager,
                    {"case_type": case_type, key_field: child[key_field]},
                    values,
                    existing,
                )
                kept_children[name].append(row.pk)
    result.created["case_types"] = created
    result.retired["case_types"] = _retire(case_types, kept_types)
    for name, (manager, _key) in children.items():
        retired = _retire(manager, kept_children[name])
        if retired:
            result.retired[name] = retired


def _write_intervention_types(apps: AppRegistry, parsed: ParsedFile, result: LoadResult) -> None:
    manager: Any = apps.get_model("cases", "InterventionType")._default_manager
    existing = {(t.code,): t for t in manager.all()}
    kept = []
    created = 0
    for item in parsed.items:
        values = {k: v for k, v in item.items() if k != "code"}
        values.update(version=parsed.version, is_active=True)
        row, new = _sync(manager, {"code": item["code"]}, values, existing)
        created += new
        kept.append(row.pk)
    result.created["intervention_types"] = created
    result.retired["intervention_types"] = _retire(manager, kept)


def load_case_catalogues(
    *, apps: AppRegistry | None = None, data_dir: Path = DATA_DIR
) -> LoadResult:
    """Upsert the case types and intervention types from ``data_dir`` (all or nothing)."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    parsed = [read_case_types(data_dir), read_intervention_types(data_dir)]
    result = LoadResult()
    versions: Any = apps.get_model("cases", "CaseCatalogueVersion")._default_manager
    now = timezone.now()
    with transaction.atomic():
        _write_case_types(apps, parsed[0], result)
        _write_intervention_types(apps, parsed[1], result)
        for catalogue in parsed:
            current = versions.filter(name=catalogue.name).first()
            if current is not None and current.sha256 == catalogue.sha256:
                continue
            versions.update_or_create(
                name=catalogue.name,
                defaults={
                    "version": catalogue.version,
                    "file_name": FILES[catalogue.name],
                    "sha256": catalogue.sha256,
                    "loaded_at": now,
                },
            )
            result.new_versions.append(catalogue.name)
    return result
