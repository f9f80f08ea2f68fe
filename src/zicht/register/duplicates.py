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
        threshold = matching.COMPANY_THRESHOLD if company else matching.PERSON_THRESHOLD
        # Score on plain rows and build model instances only for the best few:
        # a common word ("Bouwbedrijf") passes the threshold for hundreds of companies, and
        # building 400 entities with their JSON properties cost four times the queries.
        # Ordered as the result is, so the cut keeps what the result would show.
        scored = sorted(
            (-score, label, pk)
            for pk, candidate_key, label in _fuzzy_candidates(active, kind, name, cleaned)
            if pk not in found and (score := matching.similarity(key, candidate_key)) >= threshold
        )[:MAX_SUGGESTIONS]
        entities = active.only("id", "kind", "label").in_bulk([pk for _s, _l, pk in scored])
        for minus_score, _label, pk in scored:
            score = -minus_score
            entity = entities[pk]
            if kind == "person":
                reason = _("naam lijkt op ‘%(l)s’ (%(s)d%%) en zelfde geboortedatum") % {
                    "l": entity.label,
                    "s": score,
                }
            else:
                reason = _("naam lijkt op ‘%(l)s’ (%(s)d%%)") % {"l": entity.label, "s": score}
            found[pk] = Suggestion(entity, score, reason)
    return sorted(found.values(), key=lambda s: (-s.score, s.entity.label))[:MAX_SUGGESTIONS]


def _fuzzy_candidates(
    active: Any, kind: str, name: str, cleaned: dict[str, Any]
) -> list[tuple[int, str, str]]:
    """(id, name key, label) of at most MAX_CANDIDATES entities worth a fuzzy comparison."""
    company = kind == "company"
    prefixes = matching.name_prefixes(name, company=company)
    if not prefixes:
        return []
    if company:
        # Companies sharing most name-word beginnings first, through the word index: with a
        # common word ("Bouw", "Logistics") the blocking set is large, and an arbitrary cut
        # could drop the real match. The kind in every branch makes each one range of the
        # (kind, token, entity) index, so the ranking never reads the entity table; merged-away
        # companies and visibility are filtered through ``active`` afterwards.
        matched = Q()
        for prefix in prefixes:
            matched |= Q(kind=kind, token__gte=prefix, token__lt=prefix + "\uffff")
        ranked = (
            EntityToken.objects.filter(matched)
            .values("entity_id")
            .annotate(shared=Count("token"))
            .order_by("-shared", "entity_id")[:MAX_CANDIDATES]
        )
        return list(
            active.filter(pk__in=[row["entity_id"] for row in ranked]).values_list(
                "id", "name_key", "label"
            )
        )
    birth_date = schema.birth_date_of(kind, cleaned)
    if birth_date is None:
        return []  # a person's name alone is too weak to suggest anyone
    blocking = Q()
    for prefix in prefixes:
        blocking |= Q(name_prefixes__contains=prefix)
    return list(
        active.filter(blocking, birth_date=birth_date)
        .order_by("id")
        .values_list("id", "name_key", "label")[:MAX_CANDIDATES]
    )
