"""The write path of the regional register. Every function is atomic and audited.

Signals, entities, links, relations, merges and attachments change only here, so the audit
trail is complete whichever channel (web form, API, import, demo data) made the change.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zicht.accounts.models import Organisation, User
from zicht.audit.models import AuditAction
from zicht.audit.services import record
from zicht.catalogue.models import ExploitationForm, Indicator, RouteStep, Sector
from zicht.core.instance import own_region
from zicht.reference.models import Municipality
from zicht.register import schema, workflow
from zicht.register.errors import RegisterValidationError
from zicht.register.models import (
    Attachment,
    Entity,
    EntityIdentifier,
    EntityMerge,
    EntityRelation,
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
        if audit:
            _audit(AuditAction.CREATE, acting_user, entity)
        return entity


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
