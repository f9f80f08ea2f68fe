"""The regional register: signals, the entities involved, and how they are linked."""

from zicht.register.models.entity import (
    Entity,
    EntityIdentifier,
    EntityKind,
    EntityMerge,
    EntityRelation,
    EntityToken,
    RelationType,
)
from zicht.register.models.importjob import ImportJob, ImportStatus
from zicht.register.models.signal import (
    Attachment,
    Confidentiality,
    IndicatorObservation,
    Observation,
    ReferenceCounter,
    ReporterRole,
    Signal,
    SignalEntity,
    SignalRole,
    SignalStatus,
    SignalStatusChange,
)
from zicht.register.models.tombstone import Tombstone

__all__ = [
    "Attachment",
    "Confidentiality",
    "Entity",
    "EntityIdentifier",
    "EntityKind",
    "EntityMerge",
    "EntityRelation",
    "EntityToken",
    "ImportJob",
    "ImportStatus",
    "IndicatorObservation",
    "Observation",
    "ReferenceCounter",
    "RelationType",
    "ReporterRole",
    "Signal",
    "SignalEntity",
    "SignalRole",
    "SignalStatus",
    "SignalStatusChange",
    "Tombstone",
]
