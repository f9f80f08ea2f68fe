"""The plain records the demo-data generator produces; no Django, so they can be compared."""

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class MunicipalityInfo:
    code: str
    name: str
    population: int


@dataclass(frozen=True)
class IndicatorInfo:
    code: str
    # Form codes the indicator points to, with the catalogue's "all" already expanded.
    forms: frozenset[str]


@dataclass(frozen=True)
class OrganisationSpec:
    key: str  # stable within a region: "politie", "gemeente:GM0344", ...
    name: str
    type: str  # an accounts.OrganisationType value
    municipality_code: str = ""


@dataclass(frozen=True)
class EntitySpec:
    """An entity as the register's schema takes it: a kind and raw properties."""

    key: str  # stable id inside one generated register; equal keys are one entity
    kind: str
    properties: dict[str, str]

    def __hash__(self) -> int:
        return hash(self.key)


@dataclass(frozen=True)
class RelationSpec:
    source: str  # entity keys
    target: str
    type: str  # a register.RelationType value


@dataclass(frozen=True)
class StatusStep:
    to_status: str
    reason: str = ""
    days_after_received: int = 0


@dataclass
class SignalSpec:
    index: int
    external_reference: str
    received_on: date
    organisation: str  # OrganisationSpec.key
    reporter_role: str
    municipality_code: str
    sector_code: str
    route_step_code: str
    form_codes: list[str]
    observations: dict[str, str]
    description: str
    confidentiality: str
    links: list[tuple[str, str]] = field(default_factory=list)  # (entity key, signal role)
    # Transitions after registration, in order; empty means it stays "ontvangen".
    lifecycle: list[StatusStep] = field(default_factory=list)

    @property
    def final_status(self) -> str:
        return self.lifecycle[-1].to_status if self.lifecycle else "ontvangen"


@dataclass(frozen=True)
class OverlapVariant:
    region: str
    properties: dict[str, str]
    variation: str  # "canonical", "typo", "swapped", "diacritics", "legal_form", ...


@dataclass(frozen=True)
class Overlap:
    """An entity planted in two or three regions, spelled a little differently in each."""

    id: str
    kind: str
    role: str
    form: str
    variants: tuple[OverlapVariant, ...]

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(v.region for v in self.variants)

    def variant_for(self, region: str) -> OverlapVariant:
        for variant in self.variants:
            if variant.region == region:
                return variant
        raise KeyError(region)


@dataclass
class DemoRegister:
    region: str
    seed: int
    organisations: list[OrganisationSpec]
    entities: dict[str, EntitySpec]
    signals: list[SignalSpec]
    relations: list[RelationSpec]
    overlaps: list[Overlap]
    # Overlap id -> external references of the signals in this region that carry it.
    planted: dict[str, list[str]]
