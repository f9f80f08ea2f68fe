"""The ten RIEC regions.

This list is configuration, not reference data: settings validate ``ZICHT_REGION`` against
it before any database exists. The municipalities of each region are reference data and
live in the ``reference`` app; ``source_name`` is how the region is spelled in the CBS-based
source file (``Amsterdam`` there is RIEC Amsterdam-Amstelland).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class RegionInfo:
    code: str
    name: str
    source_name: str
    port_offset: int  # position in the demo network: node port = 8000 + offset


REGIONS: tuple[RegionInfo, ...] = (
    RegionInfo("noord-nederland", "Noord-Nederland", "Noord-Nederland", 1),
    RegionInfo("oost-nederland", "Oost-Nederland", "Oost-Nederland", 2),
    RegionInfo("midden-nederland", "Midden-Nederland", "Midden-Nederland", 3),
    RegionInfo("noord-holland", "Noord-Holland", "Noord-Holland", 4),
    RegionInfo("amsterdam-amstelland", "Amsterdam-Amstelland", "Amsterdam", 5),
    RegionInfo("den-haag", "Den Haag", "Den Haag", 6),
    RegionInfo("rotterdam", "Rotterdam", "Rotterdam", 7),
    RegionInfo("zeeland-west-brabant", "Zeeland-West-Brabant", "Zeeland-West-Brabant", 8),
    RegionInfo("oost-brabant", "Oost-Brabant", "Oost-Brabant", 9),
    RegionInfo("limburg", "Limburg", "Limburg", 10),
)

REGION_CODES: tuple[str, ...] = tuple(r.code for r in REGIONS)


def region_by_code(code: str) -> RegionInfo:
    for region in REGIONS:
        if region.code == code:
            return region
    raise KeyError(code)


def region_by_source_name(source_name: str) -> RegionInfo:
    for region in REGIONS:
        if region.source_name == source_name:
            return region
    raise KeyError(source_name)
