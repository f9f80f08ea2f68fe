"""The properties of each kind of entity, how they are cleaned, shown and matched.

Followthemoney's idea in small: a declarative list of properties per kind; cleaning and
validation of identifiers is delegated to :mod:`zicht.register.identifiers`. A kind's
identifiers feed the exact duplicate check; its name feeds the fuzzy one.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zicht.register import identifiers as ids
from zicht.register.errors import RegisterValidationError


@dataclass(frozen=True)
class Prop:
    name: str
    label: str | Promise
    clean: Callable[[str], Any] | None = None
    scheme: str | None = None  # identifier scheme for exact matching
    is_date: bool = False
    max_length: int = 200


def _text(value: str) -> str:
    return " ".join(value.split())


def _birth_date(value: str) -> str:
    return ids.birth_date.clean(value)


KINDS: dict[str, tuple[Prop, ...]] = {
    "person": (
        Prop("first_names", gettext_lazy("Voornamen"), _text),
        Prop("last_name", gettext_lazy("Achternaam (met tussenvoegsel)"), _text),
        Prop("birth_date", gettext_lazy("Geboortedatum"), _birth_date, is_date=True),
        Prop("nationality", gettext_lazy("Nationaliteit"), _text),
        Prop("bsn", gettext_lazy("BSN"), ids.bsn.clean, scheme="bsn"),
    ),
    "company": (
        Prop("name", gettext_lazy("Naam"), _text),
        Prop("kvk", gettext_lazy("KvK-nummer"), ids.kvk.clean, scheme="kvk"),
        Prop(
            "branch_number",
            gettext_lazy("Vestigingsnummer"),
            ids.kvk_branch.clean,
            scheme="vestiging",
        ),
        Prop("legal_form", gettext_lazy("Rechtsvorm"), _text),
        Prop("sector", gettext_lazy("Sector"), _text),
    ),
    "address": (
        Prop("street", gettext_lazy("Straat"), _text),
        Prop("house_number", gettext_lazy("Huisnummer"), ids.house_number.clean),
        Prop("addition", gettext_lazy("Toevoeging"), _text, max_length=10),
        Prop("postcode", gettext_lazy("Postcode"), ids.postcode.clean),
        Prop("place", gettext_lazy("Plaats"), _text),
        Prop("bag_id", gettext_lazy("BAG-id"), ids.bag.clean, scheme="bag"),
    ),
    "vehicle": (Prop("kenteken", gettext_lazy("Kenteken"), ids.kenteken.clean, scheme="kenteken"),),
    "phone": (Prop("number", gettext_lazy("Telefoonnummer"), ids.phone.clean, scheme="phone"),),
    "email": (Prop("address", gettext_lazy("E-mailadres"), ids.email.clean, scheme="email"),),
    "bank_account": (
        Prop("iban", gettext_lazy("IBAN"), ids.iban.clean, scheme="iban"),
        Prop("holder", gettext_lazy("Tenaamstelling"), _text),
    ),
}

REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    # At least one of each group must be filled.
    "person": (("first_names", "last_name"),),
    "company": (("name", "kvk"),),
    "address": (("postcode", "street"),),
    "vehicle": (("kenteken",),),
    "phone": (("number",),),
    "email": (("address",),),
    "bank_account": (("iban",),),
}

SCHEME_LABELS = {
    "bsn": gettext_lazy("BSN"),
    "kvk": gettext_lazy("KvK-nummer"),
    "vestiging": gettext_lazy("vestigingsnummer"),
    "bag": gettext_lazy("BAG-id"),
    "kenteken": gettext_lazy("kenteken"),
    "phone": gettext_lazy("telefoonnummer"),
    "email": gettext_lazy("e-mailadres"),
    "iban": gettext_lazy("IBAN"),
    "postcode_nr": gettext_lazy("adres (postcode en huisnummer)"),
}


def props_of(kind: str) -> tuple[Prop, ...]:
    props = KINDS[kind]
    if kind == "person" and not settings.ZICHT_ALLOW_BSN:
        return tuple(p for p in props if p.name != "bsn")
    return props


def clean_properties(kind: str, raw: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Validated, normalised properties; raises RegisterValidationError naming each field.

    ``partial`` skips the required-field rule (for duplicate suggestions while typing).
    """
    if kind not in KINDS:
        raise RegisterValidationError({"kind": [_("Kies een soort betrokkene.")]})
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    allowed = {p.name for p in props_of(kind)}
    for name in raw:
        if name not in allowed and raw[name] not in ("", None):
            errors.setdefault(name, []).append(
                _("Dit gegeven hoort niet bij deze soort betrokkene.")
            )
    for prop in props_of(kind):
        value = raw.get(prop.name)
        if value is None or str(value).strip() == "":
            continue
        text = str(value).strip()
        if len(text) > prop.max_length:
            errors.setdefault(prop.name, []).append(
                _("Te lang (hoogstens %(n)d tekens).") % {"n": prop.max_length}
            )
            continue
        try:
            cleaned[prop.name] = prop.clean(text) if prop.clean else text
        except ids.IdentifierError as exc:
            errors.setdefault(prop.name, []).append(str(exc))
    if not partial:
        for group in REQUIRED[kind]:
            if not any(cleaned.get(name) for name in group) and not any(n in errors for n in group):
                labels = [str(p.label) for p in props_of(kind) if p.name in group]
                errors.setdefault(group[0], []).append(
                    _("Vul %(fields)s in.") % {"fields": _(" of ").join(labels)}
                )
    if errors:
        raise RegisterValidationError(errors)
    return cleaned


def identifiers_of(kind: str, cleaned: dict[str, Any]) -> list[tuple[str, str]]:
    found = [
        (p.scheme, str(cleaned[p.name])) for p in props_of(kind) if p.scheme and cleaned.get(p.name)
    ]
    if kind == "address" and cleaned.get("postcode") and cleaned.get("house_number"):
        addition = str(cleaned.get("addition", "")).lower()
        postcode = str(cleaned["postcode"]).replace(" ", "")
        found.append(
            ("postcode_nr", f"{postcode}-{cleaned['house_number']}-{addition}".rstrip("-"))
        )
    return found


def label_of(kind: str, cleaned: dict[str, Any]) -> str:
    get = cleaned.get
    if kind == "person":
        return " ".join(x for x in (get("first_names", ""), get("last_name", "")) if x) or "?"
    if kind == "company":
        return str(get("name") or f"KvK {get('kvk')}")
    if kind == "address":
        street = " ".join(
            str(x) for x in (get("street", ""), get("house_number", ""), get("addition", "")) if x
        )
        place = " ".join(str(x) for x in (get("postcode", ""), get("place", "")) if x)
        return ", ".join(x for x in (street, place) if x)
    if kind == "vehicle":
        return str(get("kenteken"))
    if kind == "phone":
        return str(get("number"))
    if kind == "email":
        return str(get("address"))
    if kind == "bank_account":
        holder = get("holder")
        return f"{ids.iban.display(str(get('iban')))}" + (f" ({holder})" if holder else "")
    raise KeyError(kind)


def matching_name(kind: str, cleaned: dict[str, Any]) -> str:
    if kind == "person":
        return " ".join(
            x for x in (cleaned.get("first_names", ""), cleaned.get("last_name", "")) if x
        )
    if kind == "company":
        return str(cleaned.get("name", ""))
    return ""


def birth_date_of(kind: str, cleaned: dict[str, Any]) -> date | None:
    value = cleaned.get("birth_date") if kind == "person" else None
    return date.fromisoformat(value) if value else None
