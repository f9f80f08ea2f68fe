"""What this process is: the hub, or the node of one region."""

from django.conf import settings

from zicht.regions import RegionInfo, region_by_code


def is_hub() -> bool:
    return bool(settings.ZICHT_ROLE == "hub")


def own_region() -> RegionInfo:
    """The region of this node; a programming error on the hub, which has none."""
    code = settings.ZICHT_REGION
    if code is None:
        raise RuntimeError("the hub has no region")
    return region_by_code(code)
