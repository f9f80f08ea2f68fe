"""Identifiers an analyst links on: clean, validate and display them (after followthemoney).

One class per identifier type, each with the same small interface:

- ``clean(value) -> str`` normalises the input to the canonical form that is stored and
  compared (``"nl91 abna 0417 1643 00"`` → ``"NL91ABNA0417164300"``) or raises
  :class:`IdentifierError` with a Dutch message that a form, the API or an import report can
  show as it is;
- ``is_valid(value) -> bool``;
- ``display(canonical) -> str`` for people (IBAN in groups of four, phone numbers spaced).

``clean`` is idempotent: ``clean(clean(x)) == clean(x)``, so values can be cleaned again on
every import without drifting. The module is pure Python (no Django), so it can be tested,
reused in the import pipeline and in benchmarks without a database.

The BSN type only validates. Whether a BSN may be recorded at all is decided by the register
(a setting, off by default: domain.md §4/§6), not here.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

import phonenumbers
from stdnum import iban as stdnum_iban
from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError

# Longer input is refused before any parsing: nothing here is legitimately this long, and it
# keeps regular expressions and phonenumbers away from pathological input.
MAX_INPUT_LENGTH = 254


class IdentifierError(ValueError):
    """A value that is not a valid identifier of its type.

    ``message_nl`` is a complete Dutch sentence for the user; ``code`` is a stable key
    (``"iban.checksum"``) for callers that want to translate or count errors.
    """

    def __init__(self, message_nl: str, code: str = "invalid") -> None:
        super().__init__(message_nl)
        self.message_nl = message_nl
        self.code = code


def _text(value: object, label: str) -> str:
    if not isinstance(value, str):
        raise IdentifierError(f"{label}: verwacht tekst.", "type")
    # NFKC folds full-width digits and non-breaking spaces, common in pasted text.
    text = unicodedata.normalize("NFKC", value).strip()
    if not text:
        raise IdentifierError(f"{label} is leeg.", "empty")
    if len(text) > MAX_INPUT_LENGTH:
        raise IdentifierError(f"{label} is te lang.", "too_long")
    return text


def _strip_separators(text: str, separators: str = " .-") -> str:
    return "".join(ch for ch in text if ch not in separators)


class IdentifierType:
    """Base class: subclasses set ``name`` and ``label`` and implement :meth:`clean`."""

    name: ClassVar[str]
    label: ClassVar[str]  # Dutch, used at the start of error messages

    def clean(self, value: str) -> str:
        raise NotImplementedError

    def is_valid(self, value: str) -> bool:
        try:
            self.clean(value)
        except IdentifierError:
            return False
        return True

    def display(self, value: str) -> str:
        return self.clean(value)


class _Digits(IdentifierType):
    """A fixed number of digits, separators allowed in the input."""

    length: ClassVar[int]

    def clean(self, value: str) -> str:
        compact = _strip_separators(_text(value, self.label))
        if not compact.isascii() or not compact.isdigit():
            raise IdentifierError(
                f"{self.label} bestaat alleen uit cijfers ({self.length} cijfers).", "digits"
            )
        if len(compact) != self.length:
            raise IdentifierError(
                f"{self.label} heeft {self.length} cijfers; dit zijn er {len(compact)}.",
                "length",
            )
        return compact


class KvkNumber(_Digits):
    # The KvK dropped its check digit in 2016 and numbers may start with 0, so the only
    # structural rule is the length.
    name = "kvk"
    label = "Het KvK-nummer"
    length = 8


class KvkBranchNumber(_Digits):
    # Vestigingsnummer: 12 digits, often with leading zeros ("000012345678").
    name = "kvk_branch"
    label = "Het vestigingsnummer"
    length = 12


class Bsn(_Digits):
    name = "bsn"
    label = "Het BSN"
    length = 9

    def clean(self, value: str) -> str:
        digits = super().clean(value)
        if int(digits) == 0:
            raise IdentifierError("Het BSN kan niet uit alleen nullen bestaan.", "bsn.zero")
        if bsn_checksum(digits) % 11 != 0:
            raise IdentifierError(
                "Het BSN voldoet niet aan de elfproef; controleer de cijfers.", "bsn.checksum"
            )
        return digits


def bsn_checksum(digits: str) -> int:
    """The weighted sum of the eleven-test (weights 9..2, and -1 for the last digit)."""
    weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
    return sum(w * int(d) for w, d in zip(weights, digits, strict=True))


# BAG object type codes: digits 5-6 of a 16-digit BAG id (gemeentecode + type + volgnummer).
BAG_OBJECT_TYPES = {
    "01": "verblijfsobject",
    "02": "ligplaats",
    "03": "standplaats",
    "10": "pand",
    "20": "nummeraanduiding",
    "30": "openbare ruimte",
}
_BAG_URI_PREFIX = re.compile(r"^NL\.IMBAG\.[A-Za-z]+\.", re.IGNORECASE)


class BagId(_Digits):
    name = "bag"
    label = "Het BAG-id"
    length = 16

    def clean(self, value: str) -> str:
        # Accept the identifier as the BAG API writes it ("NL.IMBAG.Pand.0363100012345678").
        text = _BAG_URI_PREFIX.sub("", _text(value, self.label))
        digits = super().clean(text)
        if digits[4:6] not in BAG_OBJECT_TYPES:
            raise IdentifierError(
                "Het BAG-id heeft een onbekend objecttype (cijfer 5 en 6); controleer het nummer.",
                "bag.type",
            )
        return digits

    @staticmethod
    def object_type(canonical: str) -> str:
        return BAG_OBJECT_TYPES[canonical[4:6]]


_IBAN_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
_NL_IBAN = re.compile(r"^NL[0-9]{2}[A-Z]{4}[0-9]{10}$")


class Iban(IdentifierType):
    name = "iban"
    label = "Het IBAN"

    def clean(self, value: str) -> str:
        compact = _strip_separators(_text(value, self.label)).upper()
        if not _IBAN_SHAPE.match(compact):
            raise IdentifierError(
                "Een IBAN begint met een landcode (twee letters) en twee cijfers, gevolgd "
                "door letters en cijfers.",
                "iban.format",
            )
        if compact.startswith("NL") and not _NL_IBAN.match(compact):
            raise IdentifierError(
                "Een Nederlands IBAN heeft 18 tekens: NL, twee cijfers, vier letters van de "
                "bank en tien cijfers.",
                "iban.format",
            )
        try:
            stdnum_iban.validate(compact)
        except InvalidChecksum as exc:
            raise IdentifierError(
                "Het controlegetal van het IBAN klopt niet; controleer op verwisselde of "
                "ontbrekende tekens.",
                "iban.checksum",
            ) from exc
        except InvalidComponent as exc:
            raise IdentifierError(
                f"Het IBAN heeft een onbekende landcode ({compact[:2]}).", "iban.country"
            ) from exc
        except ValidationError as exc:
            raise IdentifierError(
                "Het IBAN heeft niet de opbouw die bij dit land hoort.", "iban.format"
            ) from exc
        return compact

    def display(self, value: str) -> str:
        compact = self.clean(value)
        return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


_POSTCODE = re.compile(r"^([1-9][0-9]{3})\s*([A-Za-z]{2})$")
# PostNL does not issue these letter pairs (historical associations).
_POSTCODE_EXCLUDED_LETTERS = frozenset({"SA", "SD", "SS"})


class Postcode(IdentifierType):
    name = "postcode"
    label = "De postcode"

    def clean(self, value: str) -> str:
        match = _POSTCODE.match(_text(value, self.label))
        if not match:
            raise IdentifierError(
                "Een postcode bestaat uit vier cijfers (niet beginnend met 0) en twee letters, "
                "bijvoorbeeld 1234 AB.",
                "postcode.format",
            )
        digits, letters = match[1], match[2].upper()
        if letters in _POSTCODE_EXCLUDED_LETTERS:
            raise IdentifierError(
                f"Postcodes met de letters {letters} worden niet uitgegeven.", "postcode.letters"
            )
        return f"{digits} {letters}"


@dataclass(frozen=True)
class HouseNumber:
    """A Dutch house number as the BAG has it: number, optional letter, optional addition."""

    number: int
    letter: str = ""  # huisletter: one letter, "12A"
    addition: str = ""  # huisnummertoevoeging: up to four letters/digits, "12-3", "12-BIS"

    def __str__(self) -> str:
        text = f"{self.number}{self.letter}"
        return f"{text}-{self.addition}" if self.addition else text


_HOUSE_NUMBER = re.compile(
    r"^(?P<number>[0-9]{1,5})\s*(?P<letter>[A-Za-z])?"
    r"(?:\s*[-/ ]\s*(?P<addition>[A-Za-z0-9]{1,4}))?$"
)


def parse_house_number(value: str) -> HouseNumber:
    """``"12"``, ``"12a"``, ``"12 A"``, ``"12-3"``, ``"12a-3"``, ``"12 bis"``."""
    text = re.sub(r"\s+", " ", _text(value, "Het huisnummer"))
    match = _HOUSE_NUMBER.match(text)
    if not match:
        raise IdentifierError(
            "Een huisnummer is een getal met eventueel een letter en een toevoeging, "
            "bijvoorbeeld 12, 12A of 12-3.",
            "house_number.format",
        )
    number = int(match["number"])
    if not 1 <= number <= 99999:
        raise IdentifierError("Een huisnummer ligt tussen 1 en 99999.", "house_number.range")
    return HouseNumber(
        number=number,
        letter=(match["letter"] or "").upper(),
        addition=(match["addition"] or "").upper(),
    )


class HouseNumberType(IdentifierType):
    name = "house_number"
    label = "Het huisnummer"

    def clean(self, value: str) -> str:
        return str(parse_house_number(value))


# The RDW side codes ("sidecodes") of Dutch licence plates: L is a letter, 9 a digit, the
# dashes show where the plate is split. Data, not code: a new side code is one line here.
KENTEKEN_SIDE_CODES: dict[int, str] = {
    1: "LL-99-99",
    2: "99-99-LL",
    3: "99-LL-99",
    4: "LL-99-LL",
    5: "LL-LL-99",
    6: "99-LL-LL",
    7: "99-LLL-9",
    8: "9-LLL-99",
    9: "LL-999-L",
    10: "L-999-LL",
    11: "LLL-99-L",
    12: "L-99-LLL",
    13: "9-LL-999",
    14: "999-LL-9",
}


def _side_code_shape(pattern: str) -> str:
    return pattern.replace("-", "").replace("L", "A").replace("9", "0")


# Compact shape ("AA00AA") -> side code. The fourteen shapes differ, so a compact plate has at
# most one side code and the dashes of the input carry no information.
_SHAPES = {_side_code_shape(p): code for code, p in KENTEKEN_SIDE_CODES.items()}
if len(_SHAPES) != len(KENTEKEN_SIDE_CODES):  # pragma: no cover - guards the table above
    raise RuntimeError("two kenteken side codes have the same shape")


def kenteken_side_code(canonical: str) -> int:
    compact = canonical.replace("-", "")
    shape = "".join("A" if ch.isalpha() else "0" for ch in compact)
    return _SHAPES[shape]


class Kenteken(IdentifierType):
    name = "kenteken"
    label = "Het kenteken"

    def clean(self, value: str) -> str:
        compact = _strip_separators(_text(value, self.label)).upper()
        if len(compact) != 6 or not compact.isascii() or not compact.isalnum():
            raise IdentifierError(
                "Een Nederlands kenteken heeft zes letters en cijfers, bijvoorbeeld AB-123-C.",
                "kenteken.format",
            )
        shape = "".join("A" if ch.isalpha() else "0" for ch in compact)
        side_code = _SHAPES.get(shape)
        if side_code is None:
            raise IdentifierError(
                "Deze volgorde van letters en cijfers komt op Nederlandse kentekens niet voor.",
                "kenteken.side_code",
            )
        pattern = KENTEKEN_SIDE_CODES[side_code]
        parts, position = [], 0
        for group in pattern.split("-"):
            parts.append(compact[position : position + len(group)])
            position += len(group)
        return "-".join(parts)


class Phone(IdentifierType):
    """Phone numbers, stored in E.164 (``+31612345678``); Dutch numbers need no ``+31``."""

    name = "phone"
    label = "Het telefoonnummer"

    def __init__(self, default_region: str = "NL") -> None:
        self.default_region = default_region

    def _parse(self, value: str) -> phonenumbers.PhoneNumber:
        text = _text(value, self.label)
        if text.startswith("00"):
            # International prefix as dialled from the Netherlands.
            text = "+" + text[2:]
        try:
            number = phonenumbers.parse(text, self.default_region)
        except phonenumbers.NumberParseException as exc:
            raise IdentifierError(
                "Dit is geen telefoonnummer; gebruik cijfers, eventueel met landnummer "
                "(+31 6 12345678).",
                "phone.format",
            ) from exc
        if not phonenumbers.is_valid_number(number):
            raise IdentifierError(
                "Dit telefoonnummer bestaat niet in het nummerplan van het land; controleer "
                "het aantal cijfers en het netnummer.",
                "phone.invalid",
            )
        return number

    def clean(self, value: str) -> str:
        return phonenumbers.format_number(self._parse(value), phonenumbers.PhoneNumberFormat.E164)

    def display(self, value: str) -> str:
        return phonenumbers.format_number(
            self._parse(value), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )


_EMAIL_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")
_DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class Email(IdentifierType):
    """Basic syntax only: one ``@``, a plain local part and a domain with a dot.

    The domain is lower-cased (domains are case-insensitive); the local part is kept as given,
    because in principle it is case-sensitive. Duplicate matching may fold it further.
    """

    name = "email"
    label = "Het e-mailadres"

    def clean(self, value: str) -> str:
        text = _text(value, self.label)
        problem = IdentifierError(
            "Dit is geen geldig e-mailadres; het moet de vorm naam@domein.nl hebben.",
            "email.format",
        )
        local, at, domain = text.rpartition("@")
        if not at or not local or not domain or len(local) > 64:
            raise problem
        if not _EMAIL_LOCAL.match(local) or local.startswith(".") or local.endswith("."):
            raise problem
        if ".." in local:
            raise problem
        domain = domain.lower().rstrip(".")
        try:
            # Internationalised domains are checked in their ASCII (punycode) form.
            ascii_domain = domain.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise problem from exc
        labels = ascii_domain.split(".")
        if len(labels) < 2 or not all(_DOMAIN_LABEL.match(label) for label in labels):
            raise problem
        if labels[-1].isdigit():
            raise problem
        return f"{local}@{domain}"


# Day-month-year with -, / or . and a four-digit year, or ISO year-month-day.
_DMY = re.compile(r"^([0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{4})$")
_YMD = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$")
# Earliest birth year taken as plausible; an older date is almost always a typing error.
EARLIEST_BIRTH_YEAR = 1900


def parse_date(value: str, *, birth_date: bool = False, today: date | None = None) -> date:
    """Accept ``31-12-1990``, ``31/12/1990``, ``31.12.1990`` and ``1990-12-31``.

    Two-digit years are refused: "01-02-03" is ambiguous. With ``birth_date=True`` a date in
    the future (after ``today``) or before 1900 is refused too.
    """
    text = _text(value, "De datum")
    if match := _DMY.match(text):
        day, month, year = (int(g) for g in match.groups())
    elif match := _YMD.match(text):
        year, month, day = (int(g) for g in match.groups())
    else:
        raise IdentifierError(
            "Schrijf de datum als dag-maand-jaar (31-12-1990) of jaar-maand-dag (1990-12-31).",
            "date.format",
        )
    try:
        result = date(year, month, day)
    except ValueError as exc:
        raise IdentifierError(
            f"Deze datum bestaat niet ({day:02d}-{month:02d}-{year}).", "date.invalid"
        ) from exc
    if birth_date:
        if result > (today or date.today()):
            raise IdentifierError(
                "Een geboortedatum kan niet in de toekomst liggen.", "date.future"
            )
        if result.year < EARLIEST_BIRTH_YEAR:
            raise IdentifierError(
                f"Een geboortedatum vóór {EARLIEST_BIRTH_YEAR} is niet aannemelijk.",
                "date.too_early",
            )
    return result


class DateType(IdentifierType):
    """Dates in ISO form (``1990-12-31``), displayed the Dutch way (``31-12-1990``)."""

    name = "date"
    label = "De datum"

    def __init__(self, *, birth_date: bool = False) -> None:
        self.birth_date = birth_date

    def clean(self, value: str) -> str:
        return parse_date(value, birth_date=self.birth_date).isoformat()

    def display(self, value: str) -> str:
        return parse_date(value, birth_date=self.birth_date).strftime("%d-%m-%Y")


kvk = KvkNumber()
kvk_branch = KvkBranchNumber()
bsn = Bsn()
bag = BagId()
iban = Iban()
postcode = Postcode()
house_number = HouseNumberType()
kenteken = Kenteken()
phone = Phone()
email = Email()
date_type = DateType()
birth_date = DateType(birth_date=True)

# Scheme name -> type, for code that stores (scheme, value) pairs.
TYPES: dict[str, IdentifierType] = {
    t.name: t
    for t in (
        kvk,
        kvk_branch,
        bsn,
        bag,
        iban,
        postcode,
        house_number,
        kenteken,
        phone,
        email,
        date_type,
    )
}


def clean(scheme: str, value: str) -> str:
    """Clean ``value`` as an identifier of ``scheme`` (a key of :data:`TYPES`)."""
    try:
        identifier_type = TYPES[scheme]
    except KeyError:
        raise ValueError(f"unknown identifier scheme {scheme!r}") from None
    return identifier_type.clean(value)


def candidate_values(text: str) -> list[tuple[str, str]]:
    """Every (scheme, stored value) that ``text`` is valid as, for searching by identifier."""
    # The register stores branch numbers under "vestiging"; postcodes, house numbers and
    # dates are too ambiguous to search on alone.
    stored_as = {"kvk_branch": "vestiging"}
    found = []
    for scheme, identifier_type in TYPES.items():
        if scheme in ("date", "house_number", "postcode"):
            continue
        try:
            found.append((stored_as.get(scheme, scheme), identifier_type.clean(text)))
        except IdentifierError:
            continue
    return found
