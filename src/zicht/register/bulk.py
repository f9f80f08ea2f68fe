"""Checking a batch of signals before it is stored in one go: the read-only half of a bulk import.

:func:`plan_batch` applies the rules of :func:`services.resolve_signal_input` to every item,
but loads the reference data (municipalities, catalogues, existing entities) once per batch
instead of once per signal and cleans each distinct entity once. It collects every problem
of every item, decides which items are already registered, and which entities in the batch
are one and the same. :func:`services.bulk_register_signals` writes the resulting plan.

Which entities are one and the same (documented for users in docs/import-template.md):

1. the same kind and a shared identifier (KvK, vestigingsnummer, BSN, BAG-id, postcode and
   house number, kenteken, phone, e-mail, IBAN) make one entity, within the batch and with
   the register: an existing entity with that identifier is linked instead of a new one
   created (the oldest when there are several; a merged entity counts as the one it was
   merged into). Within the batch the first mention's values win and later mentions only
   fill in what is missing; an existing entity is not changed;
2. without identifiers, mentions with exactly the same data within the batch are one entity
   (a person only when a date of birth is given: two "Ana"s are not one person). These are
   never matched with the register: that is the analyst's call in the duplicate check.
"""

import gc
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any, TypeVar

from django.utils import timezone
from django.utils.translation import gettext as _

from zicht.catalogue.models import ExploitationForm, Indicator, RouteStep, Sector
from zicht.core.instance import own_region
from zicht.reference.models import Municipality
from zicht.register import matching, schema
from zicht.register.errors import BulkValidationError, RegisterValidationError
from zicht.register.models import (
    Confidentiality,
    Entity,
    EntityIdentifier,
    Observation,
    ReporterRole,
    Signal,
    SignalRole,
)
from zicht.register.services import SignalInput

# Values per IN (...) query: below SQLite's 999 bound parameters, with room for the others.
QUERY_CHUNK = 500
# Above this many values, one pass over all rows of the kind beats hundreds of IN (...)
# queries, whose parameter handling dominates a large import.
SCAN_ABOVE = 5000
# How often the progress callback hears from the check loop.
PROGRESS_EVERY = 1000
# Column sizes of Signal that resolve_signal_input leaves to the database; a bulk batch must
# not fail on them half-way through writing, so they are checked up front.
MAX_EXTERNAL_REFERENCE = 100
MAX_PURPOSE = 200
MAX_LEGAL_GROUND = 200

# Django's Choices.values builds a new list on every access; these are read per item.
OBSERVATIONS = frozenset(Observation.values)
REPORTER_ROLES = frozenset(ReporterRole.values)
CONFIDENTIALITIES = frozenset(Confidentiality.values)
SIGNAL_ROLES = frozenset(SignalRole.values)

Progress = Callable[[int, int], None]
T = TypeVar("T")


@dataclass
class PlannedEntity:
    kind: str
    properties: dict[str, Any]
    identifiers: list[tuple[str, str]]
    # Set when the entity is already in the register: it is linked, not created.
    existing_id: int | None = None


@dataclass
class PlannedSignal:
    index: int
    data: SignalInput
    municipality_id: int
    sector_id: int | None
    route_step_id: int | None
    form_ids: list[int]
    observations: list[tuple[int, str]]
    # (role, index into BatchPlan.entities) and (role, id of an entity chosen by the caller).
    new_links: list[tuple[str, int]] = field(default_factory=list)
    existing_links: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class BatchPlan:
    signals: list[PlannedSignal]
    # Indexes of items whose organisation already registered their external reference.
    skipped: list[int]
    entities: list[PlannedEntity]
    total: int


def chunks(values: Iterable[T], size: int = QUERY_CHUNK) -> Iterable[list[T]]:
    batch: list[T] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class _Catalogues:
    """The reference data a signal points at, loaded once per batch.

    Mirrors the queries of resolve_signal_input: only active sectors; every route step,
    form and indicator.
    """

    def __init__(self) -> None:
        region = own_region()
        self.region_code = region.code
        self.region_name = region.name
        self.today = timezone.localdate()
        self.municipalities: dict[str, tuple[int, str, str]] = {
            code: (pk, name, region_code)
            for pk, code, name, region_code in Municipality.objects.values_list(
                "pk", "code", "name", "region__code"
            )
        }
        self.sectors = dict(Sector.objects.filter(is_active=True).values_list("code", "pk"))
        self.route_steps = dict(RouteStep.objects.values_list("code", "pk"))
        self.forms = dict(ExploitationForm.objects.values_list("code", "pk"))
        self.indicators = dict(Indicator.objects.values_list("code", "pk"))


class EntityCleaner:
    """schema.clean_properties with a memory, for batches where values repeat.

    A company named on 500 rows is cleaned once; so is a birth date or a first name shared
    by many persons: each property value is cleaned by schema.clean_properties itself (one
    property at a time), only the rule "at least one of these must be filled"
    (schema.REQUIRED) is applied here. tests/test_bulk.py checks with random input that the
    result and the errors are exactly those of schema.clean_properties.
    """

    def __init__(self) -> None:
        self._entities: dict[Hashable, dict[str, Any] | RegisterValidationError] = {}
        self._values: dict[Hashable, dict[str, Any] | RegisterValidationError] = {}
        self._props: dict[str, tuple[schema.Prop, ...]] = {}

    def clean(self, kind: str, properties: dict[str, Any]) -> dict[str, Any]:
        try:
            # Insertion order is part of the key: an importer builds every row's properties
            # in the same order; another order only costs a cache miss.
            key: Hashable = (kind, tuple(properties.items()))
            hash(key)
        except TypeError:  # unhashable values (lists): no memory, no shortcuts
            return schema.clean_properties(kind, properties)
        cached = self._entities.get(key)
        if cached is None:
            try:
                cached = self._clean(kind, properties)
            except RegisterValidationError as exc:
                cached = exc
            self._entities[key] = cached
        if isinstance(cached, RegisterValidationError):
            raise cached
        return cached

    def _clean(self, kind: str, properties: dict[str, Any]) -> dict[str, Any]:
        if kind not in schema.KINDS:
            return schema.clean_properties(kind, properties)
        props = self._props.get(kind)
        if props is None:
            props = self._props[kind] = schema.props_of(kind)
        errors: dict[str, list[str]] = {}
        values: dict[str, Any] = {}
        for name, value in properties.items():
            value_key = (kind, name, value)
            result = self._values.get(value_key)
            if result is None:
                try:
                    result = schema.clean_properties(kind, {name: value}, partial=True)
                except RegisterValidationError as exc:
                    result = exc
                self._values[value_key] = result
            if isinstance(result, RegisterValidationError):
                for field_name, messages in result.errors.items():
                    errors.setdefault(field_name, []).extend(messages)
            else:
                values.update(result)
        cleaned = {p.name: values[p.name] for p in props if p.name in values}
        for group in schema.REQUIRED[kind]:
            if not any(cleaned.get(n) for n in group) and not any(n in errors for n in group):
                labels = [str(p.label) for p in props if p.name in group]
                errors.setdefault(group[0], []).append(
                    _("Vul %(fields)s in.") % {"fields": _(" of ").join(labels)}
                )
        if errors:
            raise RegisterValidationError(errors)
        return cleaned


class _Identity:
    """Union-find over entity mentions: mentions that share an identity key are one entity."""

    def __init__(self) -> None:
        self.parent: list[int] = []
        self.owner: dict[Hashable, int] = {}

    def find(self, node: int) -> int:
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:
            self.parent[node], node = root, self.parent[node]
        return root

    def add(self, keys: list[Hashable]) -> int:
        node = len(self.parent)
        self.parent.append(node)
        for key in keys:
            other = self.owner.setdefault(key, node)
            if other != node:
                a, b = self.find(other), self.find(node)
                if a != b:
                    # The earlier mention stays the root, so its values win.
                    self.parent[max(a, b)] = min(a, b)
        return node


@cache
def _scheme_properties(kind: str) -> frozenset[str]:
    # Every kind's scheme properties, BSN included: a superset is enough for skipping.
    return frozenset(p.name for p in schema.KINDS[kind] if p.scheme)


def identifiers_of(kind: str, cleaned: dict[str, Any]) -> list[tuple[str, str]]:
    """schema.identifiers_of, skipped where it would find nothing (most persons).

    Identifiers come from properties with a scheme, and for addresses from postcode and
    house number; an entity with neither has none. Checked against schema.identifiers_of
    in tests/test_bulk.py.
    """
    if kind != "address" and not _scheme_properties(kind).intersection(cleaned):
        return []
    return schema.identifiers_of(kind, cleaned)


def _identity_keys(kind: str, cleaned: dict[str, Any]) -> list[Hashable] | None:
    """The keys under which mentions are one entity; None: this mention stands alone."""
    identifiers = identifiers_of(kind, cleaned)
    if identifiers:
        return [(kind, "id", scheme, value) for scheme, value in identifiers]
    if kind == "person" and not cleaned.get("birth_date"):
        return None
    # clean_properties lists the properties in the schema's order, so this is canonical.
    return [(kind, "data", tuple(cleaned.items()))]


def existing_references(items: list[SignalInput]) -> set[tuple[int, str]]:
    """(organisation id, external reference) pairs of ``items`` that are already registered."""
    wanted: dict[int, set[str]] = {}
    for item in items:
        if item.external_reference and item.reporting_organisation.pk is not None:
            wanted.setdefault(item.reporting_organisation.pk, set()).add(item.external_reference)
    found: set[tuple[int, str]] = set()
    for organisation_id, references in wanted.items():
        signals = Signal.objects.filter(reporting_organisation_id=organisation_id)
        if len(references) > SCAN_ABOVE:
            found.update(
                (organisation_id, reference)
                for reference in signals.exclude(external_reference="")
                .values_list("external_reference", flat=True)
                .iterator(chunk_size=QUERY_CHUNK * 10)
                if reference in references
            )
            continue
        for batch in chunks(sorted(references)):
            found.update(
                (organisation_id, reference)
                for reference in signals.filter(external_reference__in=batch).values_list(
                    "external_reference", flat=True
                )
            )
    return found


def _active_entity_ids(ids: set[int]) -> set[int]:
    active: set[int] = set()
    for batch in chunks(sorted(ids)):
        active.update(
            Entity.objects.filter(pk__in=batch, merged_into__isnull=True).values_list(
                "pk", flat=True
            )
        )
    return active


def _final_entities(ids: set[int]) -> dict[int, tuple[int, str]]:
    """Entity id → (id it is merged into at the end of the chain, or itself; kind)."""
    rows: dict[int, tuple[int | None, str]] = {}
    pending = set(ids)
    while pending:
        for batch in chunks(sorted(pending)):
            for pk, merged_into, kind in Entity.objects.filter(pk__in=batch).values_list(
                "pk", "merged_into_id", "kind"
            ):
                rows[pk] = (merged_into, kind)
        pending = {m for m, _kind in rows.values() if m is not None and m not in rows}
    result: dict[int, tuple[int, str]] = {}
    for pk in ids:
        current, seen = pk, set()
        while rows[current][0] is not None and current not in seen:
            seen.add(current)
            current = rows[current][0]  # type: ignore[assignment]
        result[pk] = (current, rows[current][1])
    return result


def _match_register(entities: list[PlannedEntity]) -> None:
    """Point new entities at existing ones that share an identifier (rule 1 above)."""
    by_scheme: dict[str, set[str]] = {}
    for entity in entities:
        for scheme, value in entity.identifiers:
            by_scheme.setdefault(scheme, set()).add(value)
    holders: dict[tuple[str, str], set[int]] = {}
    for scheme, values in by_scheme.items():
        identifiers = EntityIdentifier.objects.filter(scheme=scheme)
        if len(values) > SCAN_ABOVE:
            rows = identifiers.values_list("value", "entity_id").iterator(
                chunk_size=QUERY_CHUNK * 10
            )
            for value, entity_id in rows:
                if value in values:
                    holders.setdefault((scheme, value), set()).add(entity_id)
            continue
        for batch in chunks(sorted(values)):
            for value, entity_id in identifiers.filter(value__in=batch).values_list(
                "value", "entity_id"
            ):
                holders.setdefault((scheme, value), set()).add(entity_id)
    if not holders:
        return
    final = _final_entities({pk for ids in holders.values() for pk in ids})
    for entity in entities:
        candidates = {
            final[pk][0]
            for identifier in entity.identifiers
            for pk in holders.get(identifier, ())
            if final[pk][1] == entity.kind
        }
        if candidates:
            entity.existing_id = min(candidates)


def _check_signal(
    data: SignalInput, cat: "_Catalogues", errors: dict[str, list[str]]
) -> PlannedSignal | None:
    """resolve_signal_input's rules for the signal itself (entities are checked by the caller).

    The messages are the same, so the equivalence test can compare the two.
    """

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    municipality = cat.municipalities.get(data.municipality_code)
    if municipality is None:
        add("municipality", _("Onbekende gemeentecode ‘%(c)s’.") % {"c": data.municipality_code})
    elif municipality[2] != cat.region_code and not data.out_of_region:
        add(
            "municipality",
            _("%(m)s ligt niet in regio %(r)s. Vink ‘buiten de eigen regio’ aan als dat klopt.")
            % {"m": municipality[1], "r": cat.region_name},
        )
    sector_id = None
    if data.sector_code:
        sector_id = cat.sectors.get(data.sector_code)
        if sector_id is None:
            add("sector", _("Onbekende sector ‘%(c)s’.") % {"c": data.sector_code})
    route_step_id = None
    if data.route_step_code:
        route_step_id = cat.route_steps.get(data.route_step_code)
        if route_step_id is None:
            add("route_step", _("Onbekende stap ‘%(c)s’.") % {"c": data.route_step_code})
    form_ids = sorted({cat.forms[c] for c in data.form_codes if c in cat.forms})
    unknown_forms = set(data.form_codes) - set(cat.forms)
    if unknown_forms:
        add("forms", _("Onbekende vorm(en): %(c)s.") % {"c": ", ".join(sorted(unknown_forms))})
    observations = []
    for code, value in data.observations.items():
        if code not in cat.indicators:
            add("observations", _("Onbekende indicator ‘%(c)s’.") % {"c": code})
        elif value not in OBSERVATIONS:
            add(
                "observations",
                _("Ongeldige waarneming ‘%(v)s’ bij %(c)s.") % {"v": value, "c": code},
            )
        else:
            observations.append((cat.indicators[code], value))
    if data.reporter_role not in REPORTER_ROLES:
        add("reporter_role", _("Kies de rol van de melder."))
    if data.confidentiality not in CONFIDENTIALITIES:
        add(
            "confidentiality",
            _("Onbekende vertrouwelijkheid ‘%(v)s’.") % {"v": data.confidentiality},
        )
    if data.received_on > cat.today:
        add("received_on", _("De datum van ontvangst ligt in de toekomst."))
    if not data.purpose.strip():
        add("purpose", _("Vul het doel in."))
    if not data.legal_ground.strip():
        add("legal_ground", _("Vul de grondslag in."))
    if municipality is None:
        return None
    return PlannedSignal(
        index=-1,
        data=data,
        municipality_id=municipality[0],
        sector_id=sector_id,
        route_step_id=route_step_id,
        form_ids=form_ids,
        observations=observations,
    )


def _check_sizes(data: SignalInput, errors: dict[str, list[str]]) -> None:
    limits = (
        ("external_reference", data.external_reference, MAX_EXTERNAL_REFERENCE),
        ("purpose", data.purpose, MAX_PURPOSE),
        ("legal_ground", data.legal_ground, MAX_LEGAL_GROUND),
    )
    for name, value, limit in limits:
        if len(value) > limit:
            errors.setdefault(name, []).append(
                _("Te lang (hoogstens %(n)d tekens).") % {"n": limit}
            )
    if data.reporting_organisation.pk is None:
        errors.setdefault("reporting_organisation", []).append(_("Onbekende organisatie."))


def plan_batch(items: list[SignalInput], *, progress: Progress | None = None) -> BatchPlan:
    """Check every item; raise BulkValidationError with every problem, or return the plan."""
    cat = _Catalogues()
    cleaner = EntityCleaner()
    identity = _Identity()
    known = existing_references(items)
    wanted_existing = {e.existing_id for i in items for e in i.entities if e.existing_id}
    active_existing = _active_entity_ids(wanted_existing) if wanted_existing else set()

    first_seen: dict[tuple[int, str], list[int]] = {}
    skipped: list[int] = []
    planned: list[PlannedSignal] = []
    mentions: list[tuple[str, dict[str, Any]]] = []  # (kind, cleaned) per mention node
    identity_keys: dict[int, list[Hashable] | None] = {}
    errors: dict[int, dict[str, list[str]]] = {}
    total = len(items)
    for index, data in enumerate(items):
        if progress is not None and index % PROGRESS_EVERY == 0:
            progress(index, total)
        org_id = data.reporting_organisation.pk
        if data.external_reference and org_id is not None:
            key = (org_id, data.external_reference)
            if key in known:
                # Already registered: re-sending is safe, as with register_signal.
                skipped.append(index)
                continue
            first_seen.setdefault(key, []).append(index)
        item_errors: dict[str, list[str]] = {}
        signal = _check_signal(data, cat, item_errors)
        _check_sizes(data, item_errors)
        for position, entity in enumerate(data.entities):
            if entity.role not in SIGNAL_ROLES:
                item_errors.setdefault(f"entities.{position}", []).append(
                    _("Onbekende rol ‘%(r)s’.") % {"r": entity.role}
                )
            if entity.existing_id is None:
                try:
                    cleaned = cleaner.clean(entity.kind, entity.properties)
                except RegisterValidationError as exc:
                    for name, messages in exc.errors.items():
                        item_errors.setdefault(f"entities.{position}.{name}", []).extend(messages)
                    continue
                if signal is not None:
                    # The cleaner hands out one dict per distinct input, so its id is a key.
                    # Every dict memoised here stays alive in `mentions`, so ids are unique.
                    memo = id(cleaned)
                    if memo not in identity_keys:
                        identity_keys[memo] = _identity_keys(entity.kind, cleaned)
                    keys = identity_keys[memo]
                    node = identity.add(keys if keys is not None else [("alone", len(mentions))])
                    mentions.append((entity.kind, cleaned))
                    signal.new_links.append((entity.role, node))
            elif entity.existing_id not in active_existing:
                item_errors.setdefault(f"entities.{position}", []).append(
                    _("De gekozen betrokkene bestaat niet (meer).")
                )
            elif signal is not None:
                signal.existing_links.append((entity.role, entity.existing_id))
        if item_errors:
            errors[index] = item_errors
        elif signal is not None:
            signal.index = index
            planned.append(signal)
    for (_org, reference), indexes in first_seen.items():
        if len(indexes) > 1:
            for index in indexes:
                errors.setdefault(index, {}).setdefault("external_reference", []).append(
                    _("Het externe kenmerk ‘%(ref)s’ komt meer dan eens voor in deze levering.")
                    % {"ref": reference}
                )
    if progress is not None:
        progress(total, total)
    if errors:
        raise BulkValidationError(dict(sorted(errors.items())))

    entities, node_to_entity = _merge_mentions(identity, mentions)
    for signal in planned:
        signal.new_links = [(role, node_to_entity[node]) for role, node in signal.new_links]
    _match_register(entities)
    return BatchPlan(signals=planned, skipped=skipped, entities=entities, total=total)


class DerivedFields:
    """What services._apply_properties derives from an entity's properties, for many at once.

    The same label, name key, blocking prefixes and date of birth (tests/test_bulk.py
    compares the two), with the name normalisation done once per distinct name.
    """

    def __init__(self) -> None:
        self._names: dict[tuple[str, bool], tuple[str, str]] = {}

    def __call__(self, kind: str, cleaned: dict[str, Any]) -> tuple[str, str, str, date | None]:
        name = schema.matching_name(kind, cleaned)
        key, prefixes = "", ""
        if name:
            company = kind == "company"
            found = self._names.get((name, company))
            if found is None:
                found = self._names[(name, company)] = (
                    matching.name_key(name, company=company)[:300],
                    " ".join(matching.name_prefixes(name, company=company))[:300],
                )
            key, prefixes = found
        label = schema.label_of(kind, cleaned)[:300]
        return label, key, prefixes, schema.birth_date_of(kind, cleaned)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Keep the cyclic garbage collector out of a large batch.

    A 100,000-row import holds millions of small objects; each full collection walks them
    all and together they cost about as much as the checking itself. The batch makes no
    reference cycles worth collecting, so collection waits until it is done.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _merge_mentions(
    identity: _Identity, mentions: list[tuple[str, dict[str, Any]]]
) -> tuple[list[PlannedEntity], list[int]]:
    """One PlannedEntity per group of mentions; mention node → index in the returned list."""
    root_to_entity: dict[int, int] = {}
    entities: list[PlannedEntity] = []
    node_to_entity: list[int] = []
    for node, (kind, cleaned) in enumerate(mentions):
        root = identity.find(node)
        position = root_to_entity.get(root)
        if position is None:
            position = root_to_entity[root] = len(entities)
            entities.append(PlannedEntity(kind=kind, properties=dict(cleaned), identifiers=[]))
        else:
            merged = entities[position].properties
            for name, value in cleaned.items():
                merged.setdefault(name, value)
        node_to_entity.append(position)
    for entity in entities:
        entity.identifiers = identifiers_of(entity.kind, entity.properties)
    return entities, node_to_entity
