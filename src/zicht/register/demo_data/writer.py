"""Writing a generated demo register into a node's database, through the register's services.

Signals and the entities linked to them go in through ``services.bulk_register_signals``
(which merges mentions that share an identifier, within the batch and with the register);
entities that only take part in relations through ``services.create_entity``; relations
through ``services.relate_entities`` and the lifecycle through ``services.transition_signal``.
Nothing here writes a model directly, so the audit trail is the one any other channel makes.

Idempotent: signals carry an external reference derived from seed, region and index, so a
second run with the same seed finds them registered and adds nothing; shared entities without
an identifier are looked up by their exact data before they are created.
"""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from zicht.accounts import services as account_services
from zicht.accounts.models import Organisation
from zicht.catalogue.models import Indicator, RouteStep, Sector
from zicht.core import dbstats
from zicht.reference.models import Municipality
from zicht.register import schema, services
from zicht.register.demo_data.generator import (
    GENERATOR_VERSION,
    Catalogue,
    generate,
    reference_prefix,
)
from zicht.register.demo_data.model import (
    DemoRegister,
    EntitySpec,
    IndicatorInfo,
    MunicipalityInfo,
    SignalSpec,
)
from zicht.register.models import Entity, EntityRelation, Signal, SignalEntity

SOURCE = "demo-data"
# Signals per bulk_register_signals call: one transaction each, so memory stays bounded and
# progress can be reported; shared entities are looked up again before every batch.
BATCH_SIZE = 5000
# Ids per IN (...) query, below SQLite's limit on bound parameters.
QUERY_CHUNK = 500
# Service calls per outer transaction for relations and status changes.
OUTER_CHUNK = 1000

Report = Callable[[str], None]


def node_catalogue(region: str) -> Catalogue:
    """The municipalities of ``region`` and the active catalogue entries of this node."""
    municipalities = [
        MunicipalityInfo(code, name, population)
        for code, name, population in Municipality.objects.filter(region__code=region)
        .order_by("code")
        .values_list("code", "name", "population")
    ]
    indicators = [
        IndicatorInfo(i.code, frozenset(f.code for f in i.forms.all()))
        for i in Indicator.objects.filter(is_active=True).prefetch_related("forms").order_by("code")
    ]
    return Catalogue(
        municipalities=municipalities,
        indicators=indicators,
        sectors=frozenset(Sector.objects.filter(is_active=True).values_list("code", flat=True)),
        route_steps=frozenset(RouteStep.objects.values_list("code", flat=True)),
    )


@dataclass
class WriteResult:
    signals_created: int = 0
    signals_skipped: int = 0
    entities_created: int = 0
    relations: int = 0
    transitions: int = 0
    organisations_created: int = 0
    # Entity key → id in this database (for the ground truth).
    entity_ids: dict[str, int] = field(default_factory=dict)


def _cleaned(spec: EntitySpec) -> dict[str, Any]:
    return schema.clean_properties(spec.kind, spec.properties)


def _find_by_data(spec: EntitySpec) -> int | None:
    """An existing, unmerged entity with exactly this data, or None."""
    cleaned = _cleaned(spec)
    label = schema.label_of(spec.kind, cleaned)[:300]
    for entity_id, properties in Entity.objects.filter(
        kind=spec.kind, label=label, merged_into__isnull=True
    ).values_list("pk", "properties"):
        if properties == cleaned:
            return int(entity_id)
    return None


def _find_by_identifier(spec: EntitySpec) -> int | None:
    for scheme, value in schema.identifiers_of(spec.kind, _cleaned(spec)):
        found = (
            Entity.objects.filter(
                kind=spec.kind,
                merged_into__isnull=True,
                identifiers__scheme=scheme,
                identifiers__value=value,
            )
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        if found is not None:
            return int(found)
    return None


def _find_existing(spec: EntitySpec) -> int | None:
    return _find_by_identifier(spec) or _find_by_data(spec)


def _organisations(register: DemoRegister, result: WriteResult) -> dict[str, Organisation]:
    found: dict[str, Organisation] = {}
    codes = {o.municipality_code for o in register.organisations if o.municipality_code}
    municipalities = {m.code: m for m in Municipality.objects.filter(code__in=codes)}
    for spec in register.organisations:
        organisation = Organisation.objects.filter(name=spec.name).first()
        if organisation is None:
            fields: dict[str, Any] = {}
            if spec.municipality_code:
                fields["municipality"] = municipalities[spec.municipality_code]
            organisation = account_services.create_organisation(
                acting_user=None, name=spec.name, type=spec.type, **fields
            )
            result.organisations_created += 1
        found[spec.key] = organisation
    return found


def _shared_keys(register: DemoRegister) -> set[str]:
    """Entities that more than one signal names, or that a relation names without a signal."""
    uses: dict[str, int] = {}
    for signal in register.signals:
        for key, _role in signal.links:
            uses[key] = uses.get(key, 0) + 1
    shared = {key for key, count in uses.items() if count > 1}
    for relation in register.relations:
        shared.update(k for k in (relation.source, relation.target) if k not in uses)
    return shared


def _signal_input(
    spec: SignalSpec,
    register: DemoRegister,
    organisations: dict[str, Organisation],
    known: dict[str, int],
) -> services.SignalInput:
    entities = []
    for key, role in spec.links:
        if key in known:
            entities.append(services.EntityInput(role=role, existing_id=known[key]))
        else:
            entity = register.entities[key]
            entities.append(
                services.EntityInput(role=role, kind=entity.kind, properties=entity.properties)
            )
    return services.SignalInput(
        received_on=spec.received_on,
        reporting_organisation=organisations[spec.organisation],
        reporter_role=spec.reporter_role,
        municipality_code=spec.municipality_code,
        sector_code=spec.sector_code,
        route_step_code=spec.route_step_code,
        form_codes=list(spec.form_codes),
        observations=dict(spec.observations),
        description=spec.description,
        confidentiality=spec.confidentiality,
        external_reference=spec.external_reference,
        entities=entities,
    )


def _chunks(values: list[SignalSpec], size: int) -> Iterable[list[SignalSpec]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _labels(register: DemoRegister, keys: Iterable[str]) -> dict[str, str]:
    return {
        key: schema.label_of(register.entities[key].kind, _cleaned(register.entities[key]))[:300]
        for key in keys
    }


def _signal_ids(created: list[int]) -> dict[str, int]:
    """External reference → id of the signals a batch created (by primary key: indexed)."""
    found: dict[str, int] = {}
    for start in range(0, len(created), QUERY_CHUNK):
        found.update(
            Signal.objects.filter(pk__in=created[start : start + QUERY_CHUNK]).values_list(
                "external_reference", "pk"
            )
        )
    return found


def _map_linked(
    register: DemoRegister, batch: list[SignalSpec], signal_ids: dict[str, int], ids: dict[str, int]
) -> None:
    """Learn which entity each key became, from the links the batch wrote."""
    wanted = {key for s in batch for key, _role in s.links if key not in ids}
    labels = _labels(register, wanted)
    batch_ids = [
        signal_ids[s.external_reference] for s in batch if s.external_reference in signal_ids
    ]
    found: dict[tuple[int, str, str], int] = {}
    for start in range(0, len(batch_ids), QUERY_CHUNK):
        rows = SignalEntity.objects.filter(
            signal_id__in=batch_ids[start : start + QUERY_CHUNK]
        ).values_list("signal_id", "role", "entity_id", "entity__label")
        found.update(
            ((signal_id, role, label), entity_id) for signal_id, role, entity_id, label in rows
        )
    for spec in batch:
        signal_id = signal_ids.get(spec.external_reference)
        for key, role in spec.links:
            if key in ids or signal_id is None:
                continue
            entity_id = found.get((signal_id, role, labels[key]))
            if entity_id is not None:
                ids[key] = entity_id


def write(
    register: DemoRegister,
    *,
    report: Report | None = None,
    batch_size: int = BATCH_SIZE,
) -> WriteResult:
    """Store ``register``; signals already registered (same external reference) are skipped."""
    say = report or (lambda message: None)
    result = WriteResult()
    organisations = _organisations(register, result)
    prefix = reference_prefix(register.seed, register.region)
    registered = set(
        Signal.objects.filter(external_reference__startswith=prefix).values_list(
            "external_reference", flat=True
        )
    )
    new = [s for s in register.signals if s.external_reference not in registered]
    result.signals_skipped = len(register.signals) - len(new)
    shared = _shared_keys(register)
    ids: dict[str, int] = {}

    # Entities of earlier runs that this run names again keep their identity.
    for key in sorted(shared):
        existing = _find_existing(register.entities[key])
        if existing is not None:
            ids[key] = existing

    signal_ids: dict[str, int] = {}
    for number, batch in enumerate(_chunks(new, batch_size), start=1):
        items = [_signal_input(s, register, organisations, ids) for s in batch]
        bulk = services.bulk_register_signals(acting_user=None, items=items, source=SOURCE)
        result.signals_created += bulk.created
        result.entities_created += bulk.entities_created
        signal_ids.update(_signal_ids(bulk.signal_ids))
        _map_linked(register, batch, signal_ids, ids)
        # Mentions of a shared entity in this batch became one entity; the next batches must
        # link that one instead of making another (persons have no identifier to match on).
        say(f"  signals: {result.signals_created}/{len(new)} (batch {number})")

    # Entities that only relations name (a director, the owner of a house) and that are not
    # there yet.
    for key in sorted(shared):
        if key not in ids:
            entity = services.create_entity(
                acting_user=None,
                kind=register.entities[key].kind,
                properties=register.entities[key].properties,
            )
            ids[key] = entity.pk
            result.entities_created += 1
    result.entity_ids = ids

    new_references = {s.external_reference for s in new}
    result.relations = _relate(register, ids, new_references)
    say(f"  relations: {result.relations}")
    result.transitions = _lifecycle(new, signal_ids, say)
    say(f"  status changes: {result.transitions}")
    return result


def _relate(register: DemoRegister, ids: dict[str, int], new_references: set[str]) -> int:
    wanted = sorted(
        {
            (ids[r.source], ids[r.target], r.type)
            for r in register.relations
            if r.source in ids and r.target in ids and ids[r.source] != ids[r.target]
        }
    )
    # Relations of an earlier run are there already; count only what this run adds.
    sources = sorted({s for s, _t, _type in wanted})
    existing: set[tuple[int, int, str]] = set()
    for start in range(0, len(sources), QUERY_CHUNK):
        existing.update(
            EntityRelation.objects.filter(
                source_id__in=sources[start : start + QUERY_CHUNK]
            ).values_list("source_id", "target_id", "type")
        )
    wanted = [w for w in wanted if w not in existing]
    if not wanted:
        return 0
    # Until services.py has the bulk helper (see docs/demo-data.md), one audited call each.
    return services.bulk_relate_entities(acting_user=None, relations=wanted, source=SOURCE)


def _lifecycle(new: list[SignalSpec], signal_ids: dict[str, int], say: Report) -> int:
    by_reference = {s.external_reference: s for s in new if s.lifecycle}
    wanted = sorted(signal_ids[r] for r in by_reference if r in signal_ids)
    todo: list[Signal] = []
    for start in range(0, len(wanted), QUERY_CHUNK):
        todo.extend(
            Signal.objects.filter(pk__in=wanted[start : start + QUERY_CHUNK]).order_by("pk")
        )
    changes = {
        signal.pk: [
            services.StatusChangeInput(to_status=step.to_status, reason=step.reason)
            for step in by_reference[signal.external_reference].lifecycle
        ]
        for signal in todo
    }
    return services.bulk_transition_signals(acting_user=None, changes=changes, source=SOURCE)


def ground_truth(register: DemoRegister, result: WriteResult) -> dict[str, Any]:
    """What was planted across regions, and where it ended up in this database."""
    return {
        "generator_version": GENERATOR_VERSION,
        "seed": register.seed,
        "region": register.region,
        "signals": len(register.signals),
        "overlaps": [
            {
                "id": o.id,
                "kind": o.kind,
                "role": o.role,
                "form": o.form,
                "regions": list(o.regions),
                "variants": {
                    v.region: {"variation": v.variation, "properties": v.properties}
                    for v in o.variants
                },
                "here": {
                    "signals": register.planted.get(o.id, []),
                    "entity_id": result.entity_ids.get(f"overlap:{o.id}"),
                },
            }
            for o in register.overlaps
        ],
    }


def write_ground_truth(path: Path, truth: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def build_and_write(
    *,
    region: str,
    seed: int,
    signals: int,
    today: date,
    report: Report | None = None,
) -> tuple[DemoRegister, WriteResult]:
    register = generate(
        region=region, seed=seed, signals=signals, catalogue=node_catalogue(region), today=today
    )
    result = write(register, report=report)
    dbstats.refresh()  # the planner needs statistics for the word-index joins (dbstats)
    return register, result
