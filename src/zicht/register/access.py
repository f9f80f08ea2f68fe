"""Who may read which signals and entities. Every detail read is audited.

- analysts, coordinators and read-only users (``register.view_signal``) see the region's
  register;
- partner users (``register.submit_signal`` without ``view_signal``) see only the signals
  their own organisation submitted, and no entity register;
- everyone else sees nothing. Missing and not allowed give the same 404.
"""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from zicht.audit.models import AuditAction
from zicht.audit.services import record
from zicht.register.models import Entity, Signal
from zicht.register.services import DEFAULT_LEGAL_GROUND, DEFAULT_PURPOSE, PROCESSING_ACTIVITY


def can_view_register(user: Any) -> bool:
    return bool(user.has_perm("register.view_signal"))


def signals_visible_to(user: Any) -> QuerySet[Signal]:
    if not getattr(user, "is_authenticated", False):
        return Signal.objects.none()
    if can_view_register(user):
        return Signal.objects.all()
    if user.has_perm("register.submit_signal") and user.organisation_id:
        return Signal.objects.filter(reporting_organisation_id=user.organisation_id)
    return Signal.objects.none()


def entities_visible_to(user: Any) -> QuerySet[Entity]:
    if getattr(user, "is_authenticated", False) and user.has_perm("register.view_entity"):
        return Entity.objects.all()
    return Entity.objects.none()


def audit_read(user: Any, obj: Any, **detail: Any) -> None:
    record(
        action=AuditAction.READ,
        actor=user,
        obj=obj,
        purpose=DEFAULT_PURPOSE,
        legal_ground=DEFAULT_LEGAL_GROUND,
        processing_activity=PROCESSING_ACTIVITY,
        detail=detail,
    )


def get_signal_for(user: Any, signal_id: int, *, audit: bool = True) -> Signal:
    signal = (
        signals_visible_to(user)
        .select_related("municipality", "reporting_organisation", "sector", "route_step")
        .filter(pk=signal_id)
        .first()
    )
    if signal is None:
        raise Http404
    if audit:
        audit_read(user, signal)
    return signal


def get_entity_for(user: Any, entity_id: int, *, audit: bool = True) -> Entity:
    entity = entities_visible_to(user).filter(pk=entity_id).first()
    if entity is None:
        raise Http404
    if audit:
        audit_read(user, entity)
    return entity
