"""Duplicate suggestions at intake: existing entities that may be the one being entered.

Exact matches on identifiers (KvK, IBAN, kenteken, phone, e-mail, postcode + number, BSN,
BAG) come first; then fuzzy matches on a person's name with the same date of birth, or on a
company's name. Each suggestion carries the reason in words, so the analyst can judge it.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from zicht.register import matching, schema
from zicht.register.errors import RegisterValidationError
from zicht.register.models import Entity, EntityIdentifier, EntityToken

MAX_SUGGESTIONS = 8
MAX_CANDIDATES = 400


@dataclass(frozen=True)
class Suggestion:
    entity: Entity
    score: float
    reason: str


def suggestions(entities: Any, kind: str, properties: dict[str, Any]) -> list[Suggestion]:
    """Suggestions among ``entities`` (a queryset the user may see) for a new entity."""
    try:
        cleaned = schema.clean_properties(kind, properties, partial=True)
    except RegisterValidationError:
        return []
    found: dict[int, Suggestion] = {}
    active = entities.filter(kind=kind, merged_into__isnull=True)

    identifiers = schema.identifiers_of(kind, cleaned)
    if identifiers:
        condition = Q()
        for scheme, value in identifiers:
            condition |= Q(scheme=scheme, value=value)
        for ident in EntityIdentifier.objects.filter(condition, entity__in=active).select_related(
            "entity"
        )[:MAX_SUGGESTIONS]:
            label = schema.SCHEME_LABELS.get(ident.scheme, ident.scheme)
            found.setdefault(
                ident.entity_id,
                Suggestion(ident.entity, 100.0, _("zelfde %(what)s") % {"what": label}),
            )

    name = schema.matching_name(kind, cleaned)
    if name and kind in ("person", "company"):
        company = kind == "company"
        key = matching.name_key(name, company=company)
        prefixes = matching.name_prefixes(name, company=company)
        candidates = active
        birth_date = schema.birth_date_of(kind, cleaned)
        if kind == "person" and birth_date is not None:
            candidates = candidates.filter(birth_date=birth_date)
        elif kind == "person":
            candidates = candidates.none()  # a name alone is too weak to suggest a person
        if company and prefixes:
            # Companies sharing most name-word beginnings first, through the word index: with
            # a common word ("Bouw", "Logistics") the blocking set is large, and an arbitrary
            # cut could drop the real match.
            matched = Q()
            for prefix in prefixes:
                matched |= Q(token__gte=prefix, token__lt=prefix + "\uffff")
            # A join, not "entity IN (companies)": the planner then starts from the few
            # thousand matching words instead of probing every company. Visibility still
            # applies, through candidates.filter below.
            ranked = (
                EntityToken.objects.filter(
                    matched, entity__kind=kind, entity__merged_into__isnull=True
                )
                .values("entity_id")
                .annotate(shared=Count("token"))
                .order_by("-shared", "entity_id")[:MAX_CANDIDATES]
            )
            ids = [row["entity_id"] for row in ranked]
            order = {pk: position for position, pk in enumerate(ids)}
            candidates = sorted(candidates.filter(pk__in=ids), key=lambda e: order[e.pk])
        elif prefixes:
            blocking = Q()
            for prefix in prefixes:
                blocking |= Q(name_prefixes__contains=prefix)
            candidates = candidates.filter(blocking).order_by("id")
        threshold = matching.COMPANY_THRESHOLD if company else matching.PERSON_THRESHOLD
        if not isinstance(candidates, list):
            candidates = list(
                candidates.only("id", "kind", "label", "name_key", "birth_date")[:MAX_CANDIDATES]
            )
        for entity in candidates:
            if entity.pk in found:
                continue
            score = matching.similarity(key, entity.name_key)
            if score < threshold:
                continue
            if kind == "person":
                reason = _("naam lijkt op ‘%(l)s’ (%(s)d%%) en zelfde geboortedatum") % {
                    "l": entity.label,
                    "s": score,
                }
            else:
                reason = _("naam lijkt op ‘%(l)s’ (%(s)d%%)") % {"l": entity.label, "s": score}
            found[entity.pk] = Suggestion(entity, score, reason)
    return sorted(found.values(), key=lambda s: (-s.score, s.entity.label))[:MAX_SUGGESTIONS]
