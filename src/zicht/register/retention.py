"""Which records have outlived their retention period: the read-only half of retention.

The periods are the setting ``ZICHT_RETENTION`` (days; see docs/adr/0007-retention-periods.md
for why these numbers are placeholders until the joint controllers set the real terms):

- ``signal``: per status, days after the signal's last status change; a status that is not
  listed is never deleted automatically (ontvangen, in weging, monitoring: still being worked
  on; doorgezet: the case it went to has its own retention);
- ``entity_unlinked``: days after its last change for an entity that no signal refers to any
  more, and that is not related to an entity a signal refers to; entities merged into
  another follow the one they were merged into;
- ``import_job``: days after an upload for the import's report (row errors) and, if the
  import never ran, its uploaded file.

A signal with a legal hold (``Signal.legal_hold``) is never deleted, nor are the entities
it links. :func:`services.delete_expired_records` deletes what :func:`plan` finds.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from zicht.register.bulk import chunks
from zicht.register.models import (
    Attachment,
    Entity,
    EntityRelation,
    ImportJob,
    Signal,
    SignalEntity,
    SignalStatus,
)

KEYS = frozenset({"signal", "entity_unlinked", "import_job"})


@dataclass(frozen=True)
class Periods:
    signal: dict[str, timedelta]
    entity_unlinked: timedelta | None
    import_job: timedelta | None


def _days(value: Any, where: str) -> timedelta | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ImproperlyConfigured(
            f"ZICHT_RETENTION[{where}] must be a whole number of days (1 or more) or None"
        )
    return timedelta(days=value)


def periods() -> Periods:
    """The retention periods from the settings, checked: a typo must not delete anything."""
    config = getattr(settings, "ZICHT_RETENTION", None)
    if not isinstance(config, dict) or not set(config) <= KEYS:
        raise ImproperlyConfigured(f"ZICHT_RETENTION must be a dict with keys {sorted(KEYS)}")
    per_status = config.get("signal") or {}
    if not isinstance(per_status, dict):
        raise ImproperlyConfigured("ZICHT_RETENTION['signal'] must map statuses to days")
    unknown = set(per_status) - set(SignalStatus.values)
    if unknown:
        raise ImproperlyConfigured(f"ZICHT_RETENTION['signal']: unknown status(es) {unknown}")
    signal: dict[str, timedelta] = {}
    for status, days in per_status.items():
        period = _days(days, f"'signal']['{status}'")
        if period is not None:
            signal[status] = period
    return Periods(
        signal=signal,
        entity_unlinked=_days(config.get("entity_unlinked"), "'entity_unlinked'"),
        import_job=_days(config.get("import_job"), "'import_job'"),
    )


@dataclass
class Plan:
    now: datetime
    periods: Periods
    # Status → ids of the signals of that status whose period is over.
    signals: dict[str, list[int]] = field(default_factory=dict)
    attachments: list[int] = field(default_factory=list)
    entities: list[int] = field(default_factory=list)
    import_jobs: list[int] = field(default_factory=list)
    # Signals that would have gone but for their legal hold.
    held: int = 0

    @property
    def signal_ids(self) -> list[int]:
        return sorted(pk for ids in self.signals.values() for pk in ids)

    def counts(self) -> dict[str, int]:
        result = {f"signal:{status}": len(ids) for status, ids in sorted(self.signals.items())}
        result["signal"] = len(self.signal_ids)
        result["attachment"] = len(self.attachments)
        result["entity"] = len(self.entities)
        result["import_job"] = len(self.import_jobs)
        result["held"] = self.held
        return result

    @property
    def is_empty(self) -> bool:
        return not (self.signal_ids or self.entities or self.import_jobs)


def _expired_signals(now: datetime, config: Periods) -> QuerySet[Signal]:
    changed = Coalesce("status_changed_at", "created_at")
    condition = Q(pk__in=[])
    for status, period in config.signal.items():
        condition |= Q(status=status, changed_on_or_before__lte=now - period)
    return Signal.objects.alias(changed_on_or_before=changed).filter(condition)


def plan(now: datetime) -> Plan:
    config = periods()
    result = Plan(now=now, periods=config)
    expired = _expired_signals(now, config)
    result.held = expired.filter(legal_hold=True).count()
    going = expired.filter(legal_hold=False)
    for pk, status in going.values_list("pk", "status").order_by("pk"):
        result.signals.setdefault(status, []).append(pk)
    result.attachments = list(
        Attachment.objects.filter(signal__in=going).order_by("pk").values_list("pk", flat=True)
    )
    if config.entity_unlinked is not None:
        result.entities = _expired_entities(now - config.entity_unlinked, going)
    if config.import_job is not None:
        # Whatever their status: an import not finished after the period never will be,
        # and its uploaded file must go too.
        result.import_jobs = list(
            ImportJob.objects.filter(created_at__lte=now - config.import_job)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    return result


def _expired_entities(cutoff: datetime, going: QuerySet[Signal]) -> list[int]:
    # An entity stays while a signal that stays links it ("live"), or while it is related
    # to such an entity (an address where a linked person lives).
    live = SignalEntity.objects.exclude(signal__in=going)
    live_entities = live.values("entity_id")
    related_to_live = EntityRelation.objects.filter(
        (Q(source=OuterRef("pk")) & Q(target__in=live_entities))
        | (Q(target=OuterRef("pk")) & Q(source__in=live_entities))
    )
    roots = set(
        Entity.objects.filter(merged_into__isnull=True, updated_at__lte=cutoff)
        .exclude(Exists(live.filter(entity=OuterRef("pk"))))
        .exclude(Exists(related_to_live))
        .values_list("pk", flat=True)
    )
    # Entities merged into one that goes, go with it (they exist only to undo the merge).
    gone = set(roots)
    frontier = roots
    while frontier:
        found: set[int] = set()
        for batch in chunks(sorted(frontier)):
            found.update(Entity.objects.filter(merged_into__in=batch).values_list("pk", flat=True))
        frontier = found - gone
        gone |= frontier
    return sorted(gone)
