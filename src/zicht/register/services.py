"""The write path of the regional register. Every function is atomic and audited.

Signals, entities, links, relations, merges and attachments change only here, so the audit
trail is complete whichever channel (web form, API, import, demo data) made the change.
"""

import hashlib
import logging
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import UploadedFile
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    IntegrityError,
    connection,
    connections,
    models,
    transaction,
)
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zicht.accounts.models import Organisation, User
from zicht.audit.models import AuditAction
from zicht.audit.services import record
from zicht.catalogue.models import ExploitationForm, Indicator, RouteStep, Sector
from zicht.core import dbstats
from zicht.core.instance import own_region
from zicht.reference.models import Municipality
from zicht.register import schema, workflow
from zicht.register.errors import (
    BulkValidationError,
    ImportValidationError,
    RegisterValidationError,
)
from zicht.register.models import (
    Attachment,
    Entity,
    EntityIdentifier,
    EntityMerge,
    EntityRelation,
    EntityToken,
    ImportJob,
    ImportStatus,
    IndicatorObservation,
    Observation,
    ReferenceCounter,
    Signal,
    SignalEntity,
    SignalRole,
    SignalStatus,
    SignalStatusChange,
)

DEFAULT_PURPOSE = "Aanpak mensenhandel door het RIEC-samenwerkingsverband"
DEFAULT_LEGAL_GROUND = "Wgs (Stb. 2024, 198) en Privacyprotocol RIECs-LIEC"
PROCESSING_ACTIVITY = "register-mensenhandel"
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


@dataclass
class EntityInput:
    """An entity to create and link, or an existing one (``existing_id``) to link."""

    role: str
    kind: str = ""
    properties: dict[str, Any] = field(default_factory=dict)
    existing_id: int | None = None


@dataclass
class SignalInput:
    received_on: date
    reporting_organisation: Organisation
    reporter_role: str
    municipality_code: str
    purpose: str = DEFAULT_PURPOSE
    legal_ground: str = DEFAULT_LEGAL_GROUND
    out_of_region: bool = False
    sector_code: str = ""
    route_step_code: str = ""
    form_codes: list[str] = field(default_factory=list)
    observations: dict[str, str] = field(default_factory=dict)  # indicator code → Observation
    description: str = ""
    confidentiality: str = "vertrouwelijk"
    external_reference: str = ""
    entities: list[EntityInput] = field(default_factory=list)


REGION_PREFIXES = {
    "noord-nederland": "NN",
    "oost-nederland": "ON",
    "midden-nederland": "MN",
    "noord-holland": "NH",
    "amsterdam-amstelland": "AA",
    "den-haag": "DH",
    "rotterdam": "RD",
    "zeeland-west-brabant": "ZWB",
    "oost-brabant": "OB",
    "limburg": "LB",
}


def _next_reference(received_on: date) -> str:
    year = timezone.localdate().year
    counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{REGION_PREFIXES[own_region().code]}-{year}-{counter.last:06d}"


@dataclass(frozen=True)
class ResolvedSignal:
    municipality: Municipality
    sector: Sector | None
    route_step: RouteStep | None
    forms: list[ExploitationForm]
    observations: list[tuple[Indicator, str]]


def resolve_signal_input(data: SignalInput) -> ResolvedSignal:
    """Check a signal's references and rules; raises RegisterValidationError with every problem."""
    from zicht.register.models import Confidentiality, ReporterRole

    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    municipality = (
        Municipality.objects.select_related("region").filter(code=data.municipality_code).first()
    )
    if municipality is None:
        add("municipality", _("Onbekende gemeentecode ‘%(c)s’.") % {"c": data.municipality_code})
    elif municipality.region.code != own_region().code and not data.out_of_region:
        add(
            "municipality",
            _("%(m)s ligt niet in regio %(r)s. Vink ‘buiten de eigen regio’ aan als dat klopt.")
            % {"m": municipality.name, "r": own_region().name},
        )
    sector = None
    if data.sector_code:
        sector = Sector.objects.filter(code=data.sector_code, is_active=True).first()
        if sector is None:
            add("sector", _("Onbekende sector ‘%(c)s’.") % {"c": data.sector_code})
    route_step = None
    if data.route_step_code:
        route_step = RouteStep.objects.filter(code=data.route_step_code).first()
        if route_step is None:
            add("route_step", _("Onbekende stap ‘%(c)s’.") % {"c": data.route_step_code})
    forms = list(ExploitationForm.objects.filter(code__in=data.form_codes))
    unknown_forms = set(data.form_codes) - {f.code for f in forms}
    if unknown_forms:
        add("forms", _("Onbekende vorm(en): %(c)s.") % {"c": ", ".join(sorted(unknown_forms))})
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=data.observations)}
    observations = []
    for code, value in data.observations.items():
        if code not in indicators:
            add("observations", _("Onbekende indicator ‘%(c)s’.") % {"c": code})
        elif value not in Observation.values:
            add(
                "observations",
                _("Ongeldige waarneming ‘%(v)s’ bij %(c)s.") % {"v": value, "c": code},
            )
        else:
            observations.append((indicators[code], value))
    if data.reporter_role not in ReporterRole.values:
        add("reporter_role", _("Kies de rol van de melder."))
    if data.confidentiality not in Confidentiality.values:
        add(
            "confidentiality",
            _("Onbekende vertrouwelijkheid ‘%(v)s’.") % {"v": data.confidentiality},
        )
    if data.received_on > timezone.localdate():
        add("received_on", _("De datum van ontvangst ligt in de toekomst."))
    if not data.purpose.strip():
        add("purpose", _("Vul het doel in."))
    if not data.legal_ground.strip():
        add("legal_ground", _("Vul de grondslag in."))
    for index, entity in enumerate(data.entities):
        if entity.role not in SignalRole.values:
            add(f"entities.{index}", _("Onbekende rol ‘%(r)s’.") % {"r": entity.role})
        if entity.existing_id is None:
            try:
                schema.clean_properties(entity.kind, entity.properties)
            except RegisterValidationError as exc:
                for name, messages in exc.errors.items():
                    for message in messages:
                        add(f"entities.{index}.{name}", message)
        elif not Entity.objects.filter(pk=entity.existing_id, merged_into__isnull=True).exists():
            add(f"entities.{index}", _("De gekozen betrokkene bestaat niet (meer)."))
    if errors or municipality is None:
        raise RegisterValidationError(errors)
    return ResolvedSignal(municipality, sector, route_step, forms, observations)


def find_existing(data: SignalInput) -> Signal | None:
    if not data.external_reference:
        return None
    return Signal.objects.filter(
        reporting_organisation=data.reporting_organisation,
        external_reference=data.external_reference,
    ).first()


def register_signal(
    *, acting_user: User | None, data: SignalInput, channel: str, audit: bool = True
) -> tuple[Signal, bool]:
    """Create a signal with its observations and entities. Returns (signal, created).

    A signal whose external reference this organisation already used is returned as it is:
    re-sending is safe. ``audit=False`` is for bulk imports, which write one entry a batch.
    """
    existing = find_existing(data)
    if existing is not None:
        return existing, False
    resolved = resolve_signal_input(data)
    with transaction.atomic():
        now = timezone.now()
        signal = Signal.objects.create(
            reference=_next_reference(data.received_on),
            external_reference=data.external_reference,
            received_on=data.received_on,
            reporting_organisation=data.reporting_organisation,
            reporter_role=data.reporter_role,
            submitted_by=acting_user,
            municipality=resolved.municipality,
            out_of_region=data.out_of_region,
            sector=resolved.sector,
            route_step=resolved.route_step,
            description=data.description,
            confidentiality=data.confidentiality,
            purpose=data.purpose,
            legal_ground=data.legal_ground,
            status_changed_at=now,
        )
        signal.forms.set(resolved.forms)
        IndicatorObservation.objects.bulk_create(
            IndicatorObservation(signal=signal, indicator=indicator, observation=value)
            for indicator, value in resolved.observations
        )
        SignalStatusChange.objects.create(
            signal=signal,
            from_status="",
            to_status=SignalStatus.RECEIVED,
            changed_by=acting_user,
            changed_at=now,
            reason=_("Geregistreerd via %(channel)s") % {"channel": channel},
        )
        for entity_input in data.entities:
            if entity_input.existing_id is not None:
                entity = Entity.objects.get(pk=entity_input.existing_id)
            else:
                entity = create_entity(
                    acting_user=acting_user,
                    kind=entity_input.kind,
                    properties=entity_input.properties,
                    audit=audit,
                )
            SignalEntity.objects.get_or_create(
                signal=signal,
                entity=entity,
                role=entity_input.role,
                defaults={"created_by": acting_user},
            )
        if audit:
            _audit(AuditAction.CREATE, acting_user, signal, channel=channel)
        return signal, True


def _audit(action: AuditAction, actor: User | None, obj: Any, **detail: Any) -> None:
    record(
        action=action,
        actor=actor,
        obj=obj,
        purpose=DEFAULT_PURPOSE,
        legal_ground=DEFAULT_LEGAL_GROUND,
        processing_activity=PROCESSING_ACTIVITY,
        detail=detail,
    )


def transition_signal(
    *, acting_user: User | None, signal: Signal, to_status: str, reason: str = ""
) -> Signal:
    with transaction.atomic():
        locked = Signal.objects.select_for_update().get(pk=signal.pk)
        workflow.check_transition(locked.status, to_status, reason)
        now = timezone.now()
        SignalStatusChange.objects.create(
            signal=locked,
            from_status=locked.status,
            to_status=to_status,
            reason=reason.strip(),
            changed_by=acting_user,
            changed_at=now,
        )
        before = locked.status
        locked.status = to_status
        locked.status_changed_at = now
        locked.save(update_fields=["status", "status_changed_at", "updated_at"])
        _audit(AuditAction.UPDATE, acting_user, locked, status={"from": before, "to": to_status})
        return locked


def set_legal_hold(*, acting_user: User | None, signal: Signal, hold: bool, reason: str) -> None:
    if not reason.strip():
        raise RegisterValidationError({"reason": [_("Geef een reden op.")]})
    with transaction.atomic():
        Signal.objects.filter(pk=signal.pk).update(legal_hold=hold)
        _audit(AuditAction.UPDATE, acting_user, signal, legal_hold=hold, reason=reason.strip())


def create_entity(
    *, acting_user: User | None, kind: str, properties: dict[str, Any], audit: bool = True
) -> Entity:
    cleaned = schema.clean_properties(kind, properties)
    with transaction.atomic():
        entity = Entity(kind=kind, created_by=acting_user)
        _apply_properties(entity, cleaned)
        entity.save()
        EntityIdentifier.objects.bulk_create(
            EntityIdentifier(entity=entity, scheme=scheme, value=value)
            for scheme, value in schema.identifiers_of(kind, cleaned)
        )
        _write_tokens(entity)
        if audit:
            _audit(AuditAction.CREATE, acting_user, entity)
        return entity


def _write_tokens(entity: Entity) -> None:
    from zicht.register import matching

    EntityToken.objects.bulk_create(
        EntityToken(entity=entity, token=token, kind=entity.kind)
        for token in matching.search_tokens(entity.label)
    )


def _apply_properties(entity: Entity, cleaned: dict[str, Any]) -> None:
    entity.properties = cleaned
    entity.label = schema.label_of(entity.kind, cleaned)[:300]
    name = schema.matching_name(entity.kind, cleaned)
    company = entity.kind == "company"
    from zicht.register import matching

    entity.name_key = matching.name_key(name, company=company)[:300] if name else ""
    entity.name_prefixes = (
        " ".join(matching.name_prefixes(name, company=company))[:300] if name else ""
    )
    entity.birth_date = schema.birth_date_of(entity.kind, cleaned)


def update_entity(
    *, acting_user: User | None, entity: Entity, properties: dict[str, Any]
) -> Entity:
    cleaned = schema.clean_properties(entity.kind, properties)
    with transaction.atomic():
        changed = sorted(
            k
            for k in set(cleaned) | set(entity.properties)
            if cleaned.get(k) != entity.properties.get(k)
        )
        if not changed:
            return entity
        _apply_properties(entity, cleaned)
        entity.save()
        EntityIdentifier.objects.filter(entity=entity).delete()
        EntityIdentifier.objects.bulk_create(
            EntityIdentifier(entity=entity, scheme=scheme, value=value)
            for scheme, value in schema.identifiers_of(entity.kind, cleaned)
        )
        EntityToken.objects.filter(entity=entity).delete()
        _write_tokens(entity)
        _audit(AuditAction.UPDATE, acting_user, entity, fields=changed)
        return entity


def link_entity(
    *, acting_user: User | None, signal: Signal, entity: Entity, role: str
) -> SignalEntity:
    if role not in SignalRole.values:
        raise RegisterValidationError({"role": [_("Onbekende rol.")]})
    if entity.merged_into_id is not None:
        raise RegisterValidationError(
            {"entity": [_("Deze betrokkene is samengevoegd met een andere.")]}
        )
    with transaction.atomic():
        link, created = SignalEntity.objects.get_or_create(
            signal=signal, entity=entity, role=role, defaults={"created_by": acting_user}
        )
        if created:
            _audit(
                AuditAction.UPDATE, acting_user, signal, linked={"entity": entity.pk, "role": role}
            )
        return link


def relate_entities(
    *, acting_user: User | None, source: Entity, target: Entity, type: str
) -> EntityRelation:
    from zicht.register.models import RelationType

    if type not in RelationType.values:
        raise RegisterValidationError({"type": [_("Onbekende relatie.")]})
    if source.pk == target.pk:
        raise RegisterValidationError(
            {"target": [_("Een betrokkene kan geen relatie met zichzelf hebben.")]}
        )
    if source.merged_into_id is not None or target.merged_into_id is not None:
        # As bulk_relate_entities and link_entity: a merged entity takes no new facts.
        raise RegisterValidationError(
            {"target": [_("Deze betrokkene is samengevoegd met een andere.")]}
        )
    with transaction.atomic():
        relation, created = EntityRelation.objects.get_or_create(
            source=source, target=target, type=type, defaults={"created_by": acting_user}
        )
        if created:
            _audit(
                AuditAction.UPDATE, acting_user, source, related={"target": target.pk, "type": type}
            )
        return relation


def merge_entities(
    *, acting_user: User | None, source: Entity, target: Entity, reason: str
) -> EntityMerge:
    """Fold ``source`` into ``target``: its links and relations move; it stays, marked merged."""
    if source.pk == target.pk or source.kind != target.kind:
        raise RegisterValidationError(
            {
                "target": [
                    _(
                        "Alleen twee verschillende betrokkenen van dezelfde soort zijn samen te "
                        "voegen."
                    )
                ]
            }
        )
    if source.merged_into_id or target.merged_into_id:
        raise RegisterValidationError({"target": [_("Een van beide is al samengevoegd.")]})
    with transaction.atomic():
        moved_links = []
        for link in SignalEntity.objects.filter(entity=source):
            if SignalEntity.objects.filter(
                signal_id=link.signal_id, entity=target, role=link.role
            ).exists():
                continue  # target already has this link; leave the source's copy in place
            SignalEntity.objects.filter(pk=link.pk).update(entity=target)
            moved_links.append(link.pk)
        moved_relations = []
        for relation in EntityRelation.objects.filter(
            source=source
        ) | EntityRelation.objects.filter(target=source):
            new_source = target if relation.source_id == source.pk else relation.source
            new_target = target if relation.target_id == source.pk else relation.target
            if (
                new_source.pk == new_target.pk
                or EntityRelation.objects.filter(
                    source=new_source, target=new_target, type=relation.type
                ).exists()
            ):
                continue
            side = "source" if relation.source_id == source.pk else "target"
            EntityRelation.objects.filter(pk=relation.pk).update(**{side: target})
            moved_relations.append([relation.pk, side])
        Entity.objects.filter(pk=source.pk).update(merged_into=target, updated_at=timezone.now())
        merge = EntityMerge.objects.create(
            source=source,
            target=target,
            moved_links=moved_links,
            moved_relations=moved_relations,
            reason=reason,
            merged_by=acting_user,
            merged_at=timezone.now(),
        )
        _audit(AuditAction.UPDATE, acting_user, source, merged_into=target.pk, merge=merge.pk)
        _audit(AuditAction.UPDATE, acting_user, target, merged_from=source.pk, merge=merge.pk)
        return merge


def unmerge_entities(*, acting_user: User | None, merge: EntityMerge) -> None:
    with transaction.atomic():
        merge = EntityMerge.objects.select_for_update().get(pk=merge.pk)
        if merge.unmerged_at is not None:
            raise RegisterValidationError({"": [_("Deze samenvoeging is al ongedaan gemaakt.")]})
        SignalEntity.objects.filter(pk__in=merge.moved_links).update(entity=merge.source)
        for relation_id, side in merge.moved_relations:
            EntityRelation.objects.filter(pk=relation_id).update(**{side: merge.source})
        Entity.objects.filter(pk=merge.source_id).update(
            merged_into=None, updated_at=timezone.now()
        )
        EntityMerge.objects.filter(pk=merge.pk).update(
            unmerged_by=acting_user, unmerged_at=timezone.now()
        )
        _audit(
            AuditAction.UPDATE,
            acting_user,
            merge.source,
            unmerged_from=merge.target_id,
            merge=merge.pk,
        )


def add_attachment(*, acting_user: User | None, signal: Signal, upload: UploadedFile) -> Attachment:
    if upload.size is None or upload.size > MAX_ATTACHMENT_BYTES:
        raise RegisterValidationError({"file": [_("Een bijlage mag hoogstens 20 MB zijn.")]})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        attachment = Attachment(
            signal=signal,
            original_name=(upload.name or "bijlage")[:255],
            content_type=(upload.content_type or "application/octet-stream")[:100],
            size=upload.size,
            sha256=digest.hexdigest(),
            uploaded_by=acting_user,
        )
        attachment.file.save(digest.hexdigest(), upload, save=False)
        try:
            attachment.save()
        except IntegrityError:
            attachment.file.delete(save=False)
            raise
        _audit(AuditAction.CREATE, acting_user, attachment, signal=signal.pk)
        return attachment


def audit_bulk_import(*, acting_user: User | None, signal_ids: Iterable[int], source: str) -> None:
    ids = list(signal_ids)
    record(
        action=AuditAction.CREATE,
        actor=acting_user,
        object_type="register.signal",
        object_id=f"import:{len(ids)}",
        purpose=DEFAULT_PURPOSE,
        legal_ground=DEFAULT_LEGAL_GROUND,
        processing_activity=PROCESSING_ACTIVITY,
        detail={
            "source": source,
            "first_id": min(ids) if ids else None,
            "last_id": max(ids) if ids else None,
            "count": len(ids),
        },
    )


# --- Bulk registration (imports, synthetic data) ---------------------------------------------

if TYPE_CHECKING:  # these modules import this one; at run time they are imported in functions
    from zicht.register.bulk import BatchPlan, PlannedEntity, PlannedSignal
    from zicht.register.importing import Lookups

logger = logging.getLogger(__name__)

SQLITE_CACHE_KIB = 128 * 1024
# Rows per INSERT round; memory stays flat whatever the size of the batch.
BULK_CHUNK = 5000


@dataclass(frozen=True)
class BulkResult:
    created: int
    # Items whose organisation had already registered their external reference.
    skipped: int
    signal_ids: list[int]
    entities_created: int
    # Entities already in the register that the batch linked to (same identifier).
    entities_reused: int


def bulk_register_signals(
    *, acting_user: User | None, items: list[SignalInput], source: str
) -> BulkResult:
    """Register many signals in one transaction, with one audit entry for the batch.

    Every item is checked first (the rules of :func:`resolve_signal_input`, see
    :mod:`zicht.register.bulk`); any problem raises BulkValidationError with the problems of
    every item and nothing is written. Items whose organisation already registered their
    external reference are skipped, so re-importing a file is safe; the same external
    reference twice within the batch is an error. ``source`` names the batch in the audit
    entry and in each signal's first history line.
    """
    from zicht.register import bulk

    with bulk.paused_gc():
        plan = bulk.plan_batch(items)
        return write_bulk_plan(acting_user=acting_user, plan=plan, source=source)


def write_bulk_plan(*, acting_user: User | None, plan: "BatchPlan", source: str) -> BulkResult:
    """Store a checked :class:`zicht.register.bulk.BatchPlan`: all or nothing, audited once."""
    from zicht.register import bulk

    with transaction.atomic():
        # Checked again inside the transaction: another import may have stored some of these
        # since the plan was made.
        registered = bulk.existing_references([s.data for s in plan.signals])
        signals = [
            s
            for s in plan.signals
            if not (
                s.data.external_reference
                and (s.data.reporting_organisation.pk, s.data.external_reference) in registered
            )
        ]
        skipped = len(plan.skipped) + len(plan.signals) - len(signals)
        if not signals:
            return BulkResult(0, skipped, [], 0, 0)
        now = timezone.now()
        with _large_sqlite_cache():
            return _write_plan(acting_user, plan, signals, skipped, source, now)


@contextmanager
def _large_sqlite_cache() -> Iterator[None]:
    # SQLite's default page cache (2 MB) is too small for the indexes a large batch inserts
    # into at random places (names, dates); pages would be written and read again.
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def _write_plan(
    acting_user: User | None,
    plan: "BatchPlan",
    signals: list["PlannedSignal"],
    skipped: int,
    source: str,
    now: datetime,
) -> BulkResult:
    # The reference counter is written first: from here on this transaction holds
    # SQLite's write lock, which _reserve_ids relies on.
    references = _reserve_references(len(signals))
    signal_ids = _reserve_ids(Signal, len(signals))
    _insert_signals(acting_user, signals, signal_ids, references, source, now)
    entity_ids, created, reused = _insert_entities(acting_user, plan.entities, signals, now)
    links = sorted(
        {
            (signal_id, entity_id, role)
            for signal, signal_id in zip(signals, signal_ids, strict=True)
            for role, entity_id in (
                *((role, entity_ids[i]) for role, i in signal.new_links),
                *signal.existing_links,
            )
        }
    )
    user_id = acting_user.pk if acting_user else None
    _fast_insert(
        SignalEntity,
        ["signal_id", "entity_id", "role", "created_by_id"],
        ((s, e, r, user_id) for s, e, r in links),
        now=now,
    )
    audit_bulk_import(acting_user=acting_user, signal_ids=signal_ids, source=source)
    return BulkResult(len(signal_ids), skipped, signal_ids, created, reused)


def _reserve_references(count: int) -> list[str]:
    # One counter update for the whole batch; the row lock keeps numbers unique.
    year = timezone.localdate().year
    counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(year=year)
    first = counter.last + 1
    counter.last += count
    counter.save(update_fields=["last"])
    prefix = REGION_PREFIXES[own_region().code]
    return [f"{prefix}-{year}-{n:06d}" for n in range(first, first + count)]


def _reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Primary keys for ``count`` new rows, so that rows pointing at them can be built at once.

    PostgreSQL hands them out from the table's sequence. SQLite has no sequence to draw from,
    but the caller holds its write lock, so nobody else inserts until we commit; ids continue
    after both the highest id and sqlite_sequence (AUTOINCREMENT), so an id of a row that
    retention deleted is never used again (tombstones refer to it).
    """
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor != "sqlite":
            raise NotImplementedError(f"bulk registration on {connection.vendor}")
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - a model's table name
        top = int(cursor.fetchone()[0])
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        top = max(top, int(row[0]) if row else 0)
        return list(range(top + 1, top + 1 + count))


_CONVERTED_FIELDS = (models.DateField, models.JSONField)  # DateTimeField is a DateField


def _fast_insert(
    model: type[models.Model], names: list[str], rows: Iterable[tuple[Any, ...]], *, now: datetime
) -> None:
    """Insert plain tuples of the fields ``names`` (attnames), bypassing model instances.

    bulk_create spends most of a 100,000-signal import building model instances and SQL; this
    path sends the values straight to the driver (COPY on PostgreSQL, executemany on SQLite).
    Every other column gets the field's default (``now`` for auto_now fields), so a field
    added to a model later is filled as the ORM would fill it; a new required field without
    a default raises here instead of half-way through an import.
    """
    # The wrapper itself, not the proxy: the proxy looks the connection up on every access.
    db = connections[DEFAULT_DB_ALIAS]
    meta = model._meta
    by_name = {f.attname: f for f in meta.concrete_fields}
    fields = [by_name[name] for name in names]
    extra: list[tuple[models.Field[Any, Any], Any]] = []
    for f in meta.concrete_fields:
        if f.attname in names or f.primary_key:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value: Any = now
        elif f.has_default():
            value = f.get_default()
        elif f.null:
            value = None
        else:
            raise RuntimeError(f"{meta.label}.{f.name} needs a value in a bulk insert")
        extra.append((f, f.get_db_prep_save(value, db)))
    convert = [(i, f) for i, f in enumerate(fields) if isinstance(f, _CONVERTED_FIELDS)]
    extra_values = tuple(value for _f, value in extra)
    columns = [f.column for f in fields] + [f.column for f, _value in extra]
    quote = db.ops.quote_name
    table = quote(meta.db_table)
    column_list = ", ".join(quote(c) for c in columns)

    # Dates repeat a lot (one "now", a few hundred days): convert each distinct value once.
    memo: dict[tuple[int, Any], Any] = {}

    def db_value(i: int, f: "models.Field[Any, Any]", value: Any) -> Any:
        if isinstance(value, dict | list):
            return f.get_db_prep_save(value, db)
        key = (i, value)
        if key not in memo:
            memo[key] = f.get_db_prep_save(value, db)
        return memo[key]

    def prepared(batch: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        if not convert:
            return [row + extra_values for row in batch]
        result = []
        for row in batch:
            values = list(row)
            for i, f in convert:
                values[i] = db_value(i, f, values[i])
            result.append(tuple(values) + extra_values)
        return result

    from zicht.register import bulk

    with db.cursor() as cursor:
        for batch in bulk.chunks(rows, BULK_CHUNK):
            if db.vendor == "postgresql":
                # COPY is several times faster than INSERT for many rows.
                with cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                    for row in prepared(batch):
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})",  # noqa: S608 - names from the model
                    prepared(batch),
                )


def _insert_signals(
    acting_user: User | None,
    signals: list["PlannedSignal"],
    signal_ids: list[int],
    references: list[str],
    source: str,
    now: datetime,
) -> None:
    user_id = acting_user.pk if acting_user else None
    pairs = list(zip(signals, signal_ids, strict=True))
    _fast_insert(
        Signal,
        [
            "id",
            "reference",
            "external_reference",
            "received_on",
            "reporting_organisation_id",
            "reporter_role",
            "submitted_by_id",
            "municipality_id",
            "out_of_region",
            "sector_id",
            "route_step_id",
            "description",
            "confidentiality",
            "purpose",
            "legal_ground",
            "status",
            "status_changed_at",
        ],
        (
            (
                signal_id,
                reference,
                s.data.external_reference,
                s.data.received_on,
                s.data.reporting_organisation.pk,
                s.data.reporter_role,
                user_id,
                s.municipality_id,
                s.data.out_of_region,
                s.sector_id,
                s.route_step_id,
                s.data.description,
                s.data.confidentiality,
                s.data.purpose,
                s.data.legal_ground,
                SignalStatus.RECEIVED.value,
                now,
            )
            for (s, signal_id), reference in zip(pairs, references, strict=True)
        ),
        now=now,
    )
    form_link = Signal.forms.through
    _fast_insert(
        form_link,
        ["signal_id", "exploitationform_id"],
        ((signal_id, form_id) for s, signal_id in pairs for form_id in s.form_ids),
        now=now,
    )
    _fast_insert(
        IndicatorObservation,
        ["signal_id", "indicator_id", "observation"],
        ((signal_id, i, value) for s, signal_id in pairs for i, value in s.observations),
        now=now,
    )
    reason = _("Geregistreerd via %(channel)s") % {"channel": source}
    _fast_insert(
        SignalStatusChange,
        ["signal_id", "from_status", "to_status", "reason", "changed_by_id", "changed_at"],
        (
            (signal_id, "", SignalStatus.RECEIVED.value, reason, user_id, now)
            for signal_id in signal_ids
        ),
        now=now,
    )


def _insert_entities(
    acting_user: User | None,
    planned: list["PlannedEntity"],
    signals: list["PlannedSignal"],
    now: datetime,
) -> tuple[dict[int, int], int, int]:
    """Create the planned entities that the signals use; planned index → entity id."""
    from zicht.register import bulk

    used = sorted({i for s in signals for _role, i in s.new_links})
    entity_ids: dict[int, int] = {}
    new: list[int] = []
    for i in used:
        existing_id = planned[i].existing_id
        if existing_id is not None:
            entity_ids[i] = existing_id
        else:
            new.append(i)
    ids = _reserve_ids(Entity, len(new)) if new else []
    entity_ids.update(zip(new, ids, strict=True))
    user_id = acting_user.pk if acting_user else None

    derived = bulk.DerivedFields()
    labels: dict[int, tuple[str, str]] = {}

    def rows() -> Iterable[tuple[Any, ...]]:
        for i, pk in zip(new, ids, strict=True):
            entity = planned[i]
            label, name_key, name_prefixes, birth_date = derived(entity.kind, entity.properties)
            labels[pk] = (entity.kind, label)
            yield (
                pk,
                entity.kind,
                label,
                entity.properties,
                name_key,
                name_prefixes,
                birth_date,
                user_id,
            )

    _fast_insert(
        Entity,
        [
            "id",
            "kind",
            "label",
            "properties",
            "name_key",
            "name_prefixes",
            "birth_date",
            "created_by_id",
        ],
        rows(),
        now=now,
    )
    _fast_insert(
        EntityIdentifier,
        ["entity_id", "scheme", "value"],
        (
            (pk, scheme, value)
            for i, pk in zip(new, ids, strict=True)
            for scheme, value in planned[i].identifiers
        ),
        now=now,
    )
    from zicht.register import matching

    _fast_insert(
        EntityToken,
        ["entity_id", "token", "kind"],
        (
            (pk, token, kind)
            for pk, (kind, label) in labels.items()
            for token in matching.search_tokens(label)
        ),
        now=now,
    )
    return entity_ids, len(new), len(used) - len(new)


# --- Importing files (zicht import_signals, the upload page) ---------------------------------

# Rows with errors kept in an import's report; a file that is wrong throughout says so after
# these, the count says how many more.
MAX_STORED_ERRORS = 1000
MAX_IMPORT_BYTES = 200 * 1024 * 1024

ImportProgress = Callable[[str, int, int], None]  # (ImportStatus value, done, total)


@dataclass(frozen=True)
class ImportOutcome:
    rows: int
    # With dry_run: what would be created and linked.
    created: int
    skipped: int
    entities_created: int
    entities_reused: int
    dry_run: bool
    signal_ids: list[int]


def import_lookups(default_organisation: Organisation | None) -> "Lookups":
    from zicht.register.importing import Lookups

    organisations = {o.name.lower(): o for o in Organisation.objects.filter(is_active=True)}
    by_name: dict[str, str | None] = {}
    for code, name in Municipality.objects.values_list("code", "name"):
        key = name.lower()
        # A name that two municipalities share is ambiguous; the CBS code still works.
        by_name[key] = None if key in by_name else code
    return Lookups(
        organisations=organisations,
        municipality_codes={k: v for k, v in by_name.items() if v is not None},
        default_organisation=default_organisation,
    )


def import_signals_file(
    *,
    acting_user: User | None,
    content: bytes,
    filename: str,
    default_organisation: Organisation | None = None,
    dry_run: bool = False,
    progress: ImportProgress | None = None,
) -> ImportOutcome:
    """Import a CSV or XLSX file of signals: every row or none (one transaction, one audit entry).

    Raises ImportValidationError with the problems of every bad row (row numbers as a
    spreadsheet shows them). ``dry_run`` checks everything and writes nothing.
    """
    from zicht.register import bulk

    with bulk.paused_gc():
        return _import_signals_file(
            acting_user=acting_user,
            content=content,
            filename=filename,
            default_organisation=default_organisation,
            dry_run=dry_run,
            progress=progress,
        )


def _import_signals_file(
    *,
    acting_user: User | None,
    content: bytes,
    filename: str,
    default_organisation: Organisation | None,
    dry_run: bool,
    progress: ImportProgress | None,
) -> ImportOutcome:
    from zicht.register import bulk, importing

    def report(phase: str) -> Callable[[int, int], None] | None:
        if progress is None:
            return None
        return lambda done, total: progress(phase, done, total)

    sheet = importing.read_sheet(content, filename)
    if not sheet.rows:
        raise ImportValidationError({1: [_("Het bestand bevat geen rijen met signalen.")]})
    parsed = importing.parse_rows(
        sheet, import_lookups(default_organisation), progress=report(ImportStatus.READING)
    )
    del sheet  # every cell of the file as text: the largest object of a large import
    errors = {row: list(messages) for row, messages in parsed.errors.items()}
    plan = None
    try:
        plan = bulk.plan_batch(parsed.items, progress=report(ImportStatus.CHECKING))
    except BulkValidationError as exc:
        for index, item_errors in exc.errors.items():
            errors.setdefault(parsed.rows[index], []).extend(
                importing.service_messages(item_errors, parsed.items[index], parsed.slots[index])
            )
    if errors or plan is None:
        raise ImportValidationError(errors)
    if dry_run:
        reused = sum(1 for e in plan.entities if e.existing_id is not None)
        return ImportOutcome(
            rows=parsed.total_rows,
            created=len(plan.signals),
            skipped=len(plan.skipped),
            entities_created=len(plan.entities) - reused,
            entities_reused=reused,
            dry_run=True,
            signal_ids=[],
        )
    if progress is not None:
        progress(ImportStatus.WRITING, 0, len(plan.signals))
    # The file's hash names the batch without its name, which may hold personal data.
    source = f"import {hashlib.sha256(content).hexdigest()[:12]}"
    result = write_bulk_plan(acting_user=acting_user, plan=plan, source=source)
    return ImportOutcome(
        rows=parsed.total_rows,
        created=result.created,
        skipped=result.skipped,
        entities_created=result.entities_created,
        entities_reused=result.entities_reused,
        dry_run=False,
        signal_ids=result.signal_ids,
    )


def create_import_job(
    *,
    acting_user: User | None,
    upload: UploadedFile,
    organisation: Organisation | None,
    dry_run: bool,
) -> ImportJob:
    """Store an uploaded file privately and queue its import (run by run_import_job)."""
    if upload.size is None or upload.size > MAX_IMPORT_BYTES:
        raise RegisterValidationError(
            {"file": [_("Een importbestand mag hoogstens 200 MB zijn; splits het op.")]}
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        job = ImportJob(
            token=secrets.token_hex(16),
            original_name=(upload.name or "bestand")[:255],
            sha256=digest.hexdigest(),
            organisation=organisation,
            dry_run=dry_run,
            created_by=acting_user,
        )
        job.file.save(job.token, upload, save=False)
        try:
            job.save()
        except IntegrityError:
            job.file.delete(save=False)
            raise
        _audit(AuditAction.CREATE, acting_user, job, dry_run=dry_run, sha256=job.sha256)
        return job


def run_import_job(*, job_id: int) -> ImportJob:
    """Run a queued import to the end; the uploaded file is deleted whatever the outcome.

    Safe to call twice: only the call that moves the job out of the queue does the work.
    """
    if not ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.READING, updated_at=timezone.now()
    ):
        return ImportJob.objects.get(pk=job_id)
    job = ImportJob.objects.select_related("created_by", "organisation").get(pk=job_id)
    jobs = ImportJob.objects.filter(pk=job_id)

    last_phase, last_time = "", 0.0

    def progress(phase: str, done: int, total: int) -> None:
        # At most twice a second, and best effort: on SQLite another import's write
        # transaction holds the lock, and a progress bar is not worth failing an import for.
        nonlocal last_phase, last_time
        now = time.monotonic()
        if phase == last_phase and now - last_time < 0.5 and done < total:
            return
        last_phase, last_time = phase, now
        try:
            jobs.update(
                status=phase, processed_rows=done, total_rows=total, updated_at=timezone.now()
            )
        except DatabaseError:
            logger.warning("import job %s: progress not recorded", job_id, exc_info=True)

    try:
        with job.file.open("rb") as handle:
            content = handle.read()
        outcome = import_signals_file(
            acting_user=job.created_by,
            content=content,
            filename=job.original_name,
            default_organisation=job.organisation,
            dry_run=job.dry_run,
            progress=progress,
        )
    except ImportValidationError as exc:
        rows = list(exc.row_errors.items())
        jobs.update(
            status=ImportStatus.REJECTED,
            error_rows=len(rows),
            errors=[{"row": row, "messages": messages} for row, messages in rows][
                :MAX_STORED_ERRORS
            ],
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
    except Exception:
        # Whatever went wrong, the transaction rolled back: nothing is half-imported. The
        # details are for the log, not for the page.
        logger.exception("import job %s failed", job_id)
        jobs.update(
            status=ImportStatus.FAILED,
            message=_("Er ging iets onverwacht mis; er is niets geïmporteerd."),
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
    else:
        jobs.update(
            status=ImportStatus.CHECKED if outcome.dry_run else ImportStatus.DONE,
            total_rows=outcome.rows,
            processed_rows=outcome.rows,
            created_count=outcome.created,
            skipped_count=outcome.skipped,
            entities_created=outcome.entities_created,
            entities_reused=outcome.entities_reused,
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        if not outcome.dry_run and outcome.created >= dbstats.BULK_THRESHOLD:
            dbstats.refresh()
    finally:
        if job.file:
            job.file.delete(save=False)
        jobs.update(file="")
    return ImportJob.objects.get(pk=job_id)


# --- Retention (zicht apply_retention) -------------------------------------------------------


@dataclass(frozen=True)
class RetentionResult:
    # Empty when nothing had expired (and nothing was written).
    batch: str
    counts: dict[str, int]


def delete_expired_records(
    *, acting_user: User | None, now: datetime | None = None
) -> RetentionResult:
    """Delete what has outlived its retention period (zicht.register.retention).

    One transaction: a tombstone per deleted record (signal, attachment, entity, import
    report) and one audit entry for the batch. Attachment files are removed from storage
    once the deletion is committed.
    """
    from zicht.register import bulk, retention
    from zicht.register.models import EntityMerge, Tombstone

    now = now or timezone.now()
    batch = f"retentie-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
    deleted_by = acting_user.get_username() if acting_user is not None else "systeem"
    with transaction.atomic():
        plan = retention.plan(now)  # inside the transaction: what is counted is what goes
        if plan.is_empty:
            return RetentionResult(batch="", counts=plan.counts())
        periods = plan.periods
        tombstones: list[Tombstone] = []

        def tombstone(record_type: str, record_id: int, reference: str, reason: str) -> None:
            tombstones.append(
                Tombstone(
                    record_type=record_type,
                    record_id=str(record_id),
                    reference=reference,
                    reason=reason[:200],
                    batch=batch,
                    deleted_by=deleted_by,
                    deleted_at=now,
                )
            )

        files: list[str] = []
        for ids in bulk.chunks(plan.signal_ids):
            for pk, reference, status in Signal.objects.filter(pk__in=ids).values_list(
                "pk", "reference", "status"
            ):
                days = periods.signal[status].days
                tombstone(
                    "register.signal",
                    pk,
                    reference,
                    f"bewaartermijn ‘{status}’: {days} dagen na de laatste statuswijziging",
                )
        for ids in bulk.chunks(plan.attachments):
            for pk, name, reference in Attachment.objects.filter(pk__in=ids).values_list(
                "pk", "file", "signal__reference"
            ):
                files.append(name)
                tombstone(
                    "register.attachment", pk, reference, "bijlage van een verwijderd signaal"
                )
        if periods.entity_unlinked is not None:
            days = periods.entity_unlinked.days
            for pk in plan.entities:
                tombstone(
                    "register.entity",
                    pk,
                    "",
                    f"geen signaal meer; bewaartermijn {days} dagen na de laatste wijziging",
                )
        if periods.import_job is not None:
            days = periods.import_job.days
            for ids in bulk.chunks(plan.import_jobs):
                for pk, name in ImportJob.objects.filter(pk__in=ids).values_list("pk", "file"):
                    if name:
                        files.append(name)
                    tombstone("register.importjob", pk, "", f"importverslag ouder dan {days} dagen")
        Tombstone.objects.bulk_create(tombstones, batch_size=BULK_CHUNK)

        for ids in bulk.chunks(plan.signal_ids):
            Signal.objects.filter(pk__in=ids).delete()
        for ids in bulk.chunks(plan.entities):
            # The merge history goes with the entities it is about, and merged entities are
            # unhooked first because merged_into protects the entity they point at.
            EntityMerge.objects.filter(Q(source_id__in=ids) | Q(target_id__in=ids)).delete()
            Entity.objects.filter(pk__in=ids).update(merged_into=None)
        for ids in bulk.chunks(plan.entities):
            Entity.objects.filter(pk__in=ids).delete()
        for ids in bulk.chunks(plan.import_jobs):
            ImportJob.objects.filter(pk__in=ids).delete()

        counts = plan.counts()
        record(
            action=AuditAction.DELETE,
            actor=acting_user,
            object_type="register.retention",
            object_id=batch,
            purpose=_("Bewaartermijnen toepassen"),
            legal_ground=DEFAULT_LEGAL_GROUND,
            processing_activity=PROCESSING_ACTIVITY,
            detail={
                "counts": counts,
                "periods_days": {
                    "signal": {s: p.days for s, p in sorted(periods.signal.items())},
                    "entity_unlinked": periods.entity_unlinked.days
                    if periods.entity_unlinked
                    else None,
                    "import_job": periods.import_job.days if periods.import_job else None,
                },
            },
        )
        transaction.on_commit(lambda: _delete_files(files))
        return RetentionResult(batch=batch, counts=counts)


def _delete_files(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            # The rows are gone already; a file left behind is logged for the operator.
            logger.exception("retention could not delete file %s", name)


# --- Bulk relations and status changes (demo data) -------------------------------------


@dataclass(frozen=True)
class StatusChangeInput:
    to_status: str
    reason: str = ""


def bulk_relate_entities(
    *, acting_user: User | None, relations: Iterable[tuple[int, int, str]], source: str
) -> int:
    """Create many relations (source id, target id, type) in one transaction, audited once.

    Relations that already exist are left alone, so re-running is safe. Every relation is
    checked first (known type, two different, unmerged entities); a problem raises
    RegisterValidationError and nothing is written. Returns the number created.
    """
    from zicht.register import bulk
    from zicht.register.models import RelationType

    wanted = sorted(set(relations))
    errors: dict[str, list[str]] = {}
    for source_id, target_id, type in wanted:
        if type not in RelationType.values:
            errors.setdefault("type", []).append(_("Onbekende relatie ‘%(t)s’.") % {"t": type})
        if source_id == target_id:
            errors.setdefault("target", []).append(
                _("Een betrokkene kan geen relatie met zichzelf hebben.")
            )
    ids = {pk for s, t, _type in wanted for pk in (s, t)}
    active: set[int] = set()
    for batch in bulk.chunks(sorted(ids)):
        active.update(
            Entity.objects.filter(pk__in=batch, merged_into__isnull=True).values_list(
                "pk", flat=True
            )
        )
    if ids - active:
        errors.setdefault("entity", []).append(_("De gekozen betrokkene bestaat niet (meer)."))
    if errors:
        raise RegisterValidationError(errors)
    with transaction.atomic():
        existing: set[tuple[int, int, str]] = set()
        for batch in bulk.chunks(sorted(ids)):
            existing.update(
                EntityRelation.objects.filter(source_id__in=batch).values_list(
                    "source_id", "target_id", "type"
                )
            )
        new = [r for r in wanted if r not in existing]
        for new_chunk in bulk.chunks(new, BULK_CHUNK):
            EntityRelation.objects.bulk_create(
                EntityRelation(source_id=s, target_id=t, type=type, created_by=acting_user)
                for s, t, type in new_chunk
            )
        if new:
            record(
                action=AuditAction.UPDATE,
                actor=acting_user,
                object_type="register.entityrelation",
                object_id=f"bulk:{len(new)}",
                purpose=DEFAULT_PURPOSE,
                legal_ground=DEFAULT_LEGAL_GROUND,
                processing_activity=PROCESSING_ACTIVITY,
                detail={"source": source, "count": len(new)},
            )
        return len(new)


def bulk_transition_signals(
    *,
    acting_user: User | None,
    changes: Mapping[int, Sequence[StatusChangeInput]],
    source: str,
) -> int:
    """Move many signals through their lifecycle in one transaction, audited once.

    ``changes`` maps a signal id to the steps it takes, in order, from its current status;
    each step is checked by the workflow exactly as transition_signal checks it, and any
    problem raises RegisterValidationError (keyed by signal id) before anything is written.
    History rows are appended as transition_signal appends them. Returns the number of steps.
    """
    from zicht.register import bulk

    with transaction.atomic():
        ids = sorted(changes)
        current: dict[int, str] = {}
        for batch in bulk.chunks(ids):
            # On PostgreSQL the rows are locked like transition_signal locks one.
            current.update(
                Signal.objects.select_for_update().filter(pk__in=batch).values_list("pk", "status")
            )
        errors: dict[str, list[str]] = {}
        rows: list[SignalStatusChange] = []
        final: dict[int, str] = {}
        now = timezone.now()
        for signal_id in ids:
            status = current.get(signal_id)
            if status is None:
                errors.setdefault(str(signal_id), []).append(_("Onbekend signaal."))
                continue
            for step in changes[signal_id]:
                try:
                    workflow.check_transition(status, step.to_status, step.reason)
                except workflow.TransitionError as exc:
                    errors.setdefault(str(signal_id), []).append(str(exc))
                    break
                rows.append(
                    SignalStatusChange(
                        signal_id=signal_id,
                        from_status=status,
                        to_status=step.to_status,
                        reason=step.reason.strip(),
                        changed_by=acting_user,
                        changed_at=now,
                    )
                )
                status = step.to_status
            final[signal_id] = status
        if errors:
            raise RegisterValidationError(errors)
        for row_chunk in bulk.chunks(rows, BULK_CHUNK):
            SignalStatusChange.objects.bulk_create(row_chunk)
        by_status: dict[str, list[int]] = {}
        for signal_id, status in final.items():
            if status != current[signal_id]:
                by_status.setdefault(status, []).append(signal_id)
        for status, signal_ids in by_status.items():
            for batch in bulk.chunks(signal_ids):
                Signal.objects.filter(pk__in=batch).update(
                    status=status, status_changed_at=now, updated_at=now
                )
        if rows:
            record(
                action=AuditAction.UPDATE,
                actor=acting_user,
                object_type="register.signal",
                object_id=f"bulk-status:{len(final)}",
                purpose=DEFAULT_PURPOSE,
                legal_ground=DEFAULT_LEGAL_GROUND,
                processing_activity=PROCESSING_ACTIVITY,
                detail={"source": source, "signals": len(final), "changes": len(rows)},
            )
        return len(rows)
