"""Which offence codes apply on a given date.

Most codes carry fixed ``valid_from``/``valid_to`` dates in the data file. The offences of bill
36547 (art. 273fa ernstige benadeling, art. 273fb voordeeltrekking) were adopted by the Tweede
Kamer in June 2025 but their entry into force is not confirmed (domain.md §4). Their data row
names a setting instead (``in_force_setting``, e.g. ``ZICHT_OFFENCE_273FA_IN_FORCE``): while it
is ``None`` they apply on no date, and once an operator sets the date of entry into force they
apply from that date on, without a new catalogue release.

Ask here, not the model fields: :func:`offences_in_force` is the one place that combines them.
"""

from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q, QuerySet

from zicht.catalogue.loader import IN_FORCE_SETTING
from zicht.catalogue.models import OffenceCode


def setting_date(name: str) -> date | None:
    """The date held by an in-force setting: a ``date``, an ISO string, or ``None``."""
    if not IN_FORCE_SETTING.match(name):
        raise ImproperlyConfigured(f"{name!r} is not an offence in-force setting")
    value = getattr(settings, name, None)
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from exc
    raise ImproperlyConfigured(f"{name} must be a date or None, not {type(value).__name__}")


def is_pending(offence: OffenceCode) -> bool:
    """True for an offence whose date of entry into force is not known yet."""
    return bool(offence.in_force_setting) and setting_date(offence.in_force_setting) is None


def effective_valid_from(offence: OffenceCode) -> date | None:
    """The first day the offence applies; ``None`` means no lower bound (or: pending)."""
    if offence.in_force_setting:
        return setting_date(offence.in_force_setting)
    return offence.valid_from


def is_in_force(offence: OffenceCode, on: date) -> bool:
    if not offence.is_active or is_pending(offence):
        return False
    start = effective_valid_from(offence)
    if start is not None and on < start:
        return False
    return offence.valid_to is None or on <= offence.valid_to


def offences_in_force(on: date) -> QuerySet[OffenceCode]:
    """The active offence codes that apply on ``on`` (bounds inclusive), in catalogue order."""
    current = OffenceCode.objects.filter(is_active=True).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )
    fixed = Q(in_force_setting="") & (Q(valid_from__isnull=True) | Q(valid_from__lte=on))
    names = set(current.exclude(in_force_setting="").values_list("in_force_setting", flat=True))
    started = sorted(name for name in names if (start := setting_date(name)) and start <= on)
    return current.filter(fixed | Q(in_force_setting__in=started)).order_by("order", "code")
