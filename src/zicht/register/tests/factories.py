"""Test helpers for the register: signals and entities made through the services."""

from datetime import date
from typing import Any

from zicht.accounts.models import Organisation, OrganisationType
from zicht.register import services
from zicht.register.models import Entity, Signal


def organisation(
    name: str = "Gemeente Utrecht", type: str = OrganisationType.GEMEENTE
) -> Organisation:
    org, _ = Organisation.objects.get_or_create(name=name, defaults={"type": type})
    return org


def signal_input(**overrides: Any) -> services.SignalInput:
    values: dict[str, Any] = {
        "received_on": date(2026, 3, 2),
        "reporting_organisation": organisation(),
        "reporter_role": "toezicht",
        "municipality_code": "GM0344",  # Utrecht, in Midden-Nederland
        "form_codes": ["arbeid"],
        "observations": {"G01": "observed", "G02": "not_observed"},
        "sector_code": "",
        "description": "Veel arbeidsmigranten op één adres.",
    }
    values.update(overrides)
    return services.SignalInput(**values)


def make_signal(user: Any = None, **overrides: Any) -> Signal:
    signal, _created = services.register_signal(
        acting_user=user, data=signal_input(**overrides), channel="test"
    )
    return signal


def make_entity(kind: str = "company", user: Any = None, **properties: Any) -> Entity:
    if not properties:
        properties = {"name": "Flex Uitzend B.V.", "kvk": "12345678"}
    return services.create_entity(acting_user=user, kind=kind, properties=properties)
