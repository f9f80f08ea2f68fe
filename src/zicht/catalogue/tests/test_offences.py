"""Offence codes and their validity, including the configurable entry into force of 273fa/fb."""

from datetime import date

import pytest
from django.core.exceptions import ImproperlyConfigured

from zicht.catalogue.models import OffenceCode
from zicht.catalogue.offences import (
    effective_valid_from,
    is_in_force,
    is_pending,
    offences_in_force,
    setting_date,
)

pytestmark = pytest.mark.django_db

TODAY = date(2025, 7, 1)


def _codes(on: date) -> set[str]:
    return set(offences_in_force(on).values_list("code", flat=True))


def test_bill_36547_is_not_in_force_by_default(settings):
    assert settings.ZICHT_OFFENCE_273FA_IN_FORCE is None
    codes = _codes(TODAY)
    assert "273f-1-1" in codes
    assert "273fa" not in codes
    assert "273fb" not in codes
    offence = OffenceCode.objects.get(code="273fa")
    assert is_pending(offence)
    assert effective_valid_from(offence) is None
    assert not offence.is_in_force(date(2100, 1, 1))
    # Ernstige benadeling exists as a form (an administrative category) all the same.
    assert offence.form is not None
    assert offence.form.code == "benadeling"


def test_the_setting_brings_273fa_and_273fb_into_force(settings):
    settings.ZICHT_OFFENCE_273FA_IN_FORCE = date(2026, 1, 1)
    assert {"273fa", "273fb"}.isdisjoint(_codes(date(2025, 12, 31)))
    assert {"273fa", "273fb"} <= _codes(date(2026, 1, 1))
    offence = OffenceCode.objects.get(code="273fa")
    assert not is_pending(offence)
    assert offence.effective_valid_from == date(2026, 1, 1)
    assert offence.is_in_force(date(2026, 1, 1))
    assert not offence.is_in_force(date(2025, 12, 31))


def test_the_setting_overrides_a_valid_from_in_the_data(settings):
    OffenceCode.objects.filter(code="273fa").update(valid_from=date(2020, 1, 1))
    settings.ZICHT_OFFENCE_273FA_IN_FORCE = date(2027, 3, 1)
    assert "273fa" not in _codes(date(2026, 1, 1))
    assert "273fa" in _codes(date(2027, 3, 1))


def test_the_setting_may_be_an_iso_string(settings):
    settings.ZICHT_OFFENCE_273FA_IN_FORCE = "2026-07-01"
    assert "273fa" in _codes(date(2026, 7, 1))


def test_a_bad_setting_is_a_configuration_error(settings):
    settings.ZICHT_OFFENCE_273FA_IN_FORCE = "1 juli 2026"
    with pytest.raises(ImproperlyConfigured, match="not a date"):
        _codes(TODAY)
    settings.ZICHT_OFFENCE_273FA_IN_FORCE = 2026
    with pytest.raises(ImproperlyConfigured, match="must be a date or None"):
        _codes(TODAY)


def test_only_offence_settings_can_be_read():
    with pytest.raises(ImproperlyConfigured):
        setting_date("SECRET_KEY")


def test_fixed_dates_are_inclusive_bounds():
    OffenceCode.objects.filter(code="273f-1-3").update(
        valid_from=date(2025, 1, 1), valid_to=date(2025, 12, 31)
    )
    assert "273f-1-3" not in _codes(date(2024, 12, 31))
    assert "273f-1-3" in _codes(date(2025, 1, 1))
    assert "273f-1-3" in _codes(date(2025, 12, 31))
    assert "273f-1-3" not in _codes(date(2026, 1, 1))
    offence = OffenceCode.objects.get(code="273f-1-3")
    assert is_in_force(offence, date(2025, 6, 1))
    assert not is_in_force(offence, date(2026, 1, 1))


def test_retired_codes_are_not_in_force():
    OffenceCode.objects.filter(code="273f-1-1").update(is_active=False)
    assert "273f-1-1" not in _codes(TODAY)
    assert not OffenceCode.objects.get(code="273f-1-1").is_in_force(TODAY)


def test_result_is_a_queryset_in_catalogue_order():
    codes = list(offences_in_force(TODAY).values_list("code", flat=True))
    assert codes[0] == "273f-1-1"
    assert codes == sorted(codes, key=lambda c: OffenceCode.objects.get(code=c).order)
