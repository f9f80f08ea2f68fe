"""Reading signal files (CSV and XLSX) into :class:`SignalInput` items, with every row's problems.

One row is one signal, with up to :data:`MAX_ENTITIES` entities in flat columns
(``betrokkene_1_rol``, ``betrokkene_1_kvk``, …). The columns, their values and examples are
documented for users in ``docs/import-template.md``; a test keeps that page and
:data:`SIGNAL_COLUMNS` / :data:`ENTITY_FIELDS` in step.

This module only parses: no queries, no writes. What it needs from the database (the
organisations and municipalities that names may refer to) comes in as :class:`Lookups`.
Row numbers are those a spreadsheet shows: the header is row 1, the first signal row 2.
Problems of the file as a whole are reported on row 1. Every problem is raised as
:class:`ImportValidationError` or returned per row; nothing else escapes for any input.
"""

import csv
import difflib
import io
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from zicht.accounts.models import Organisation
from zicht.register import identifiers as ids
from zicht.register.errors import ImportValidationError
from zicht.register.models import Confidentiality, EntityKind, ReporterRole, SignalRole
from zicht.register.services import DEFAULT_LEGAL_GROUND, DEFAULT_PURPOSE, EntityInput, SignalInput

MAX_ENTITIES = 10
MAX_ROWS = 200_000
MAX_CELL = 10_000
MAX_SHORT = 200
MAX_EXTERNAL_REFERENCE = 100
# Of all members of an XLSX (a zip) together, unpacked: refuses zip bombs before openpyxl
# unpacks anything. A 200,000-row sheet with every column filled stays well below it.
MAX_XLSX_UNPACKED = 1024 * 1024 * 1024

REQUIRED_COLUMNS = ("extern_kenmerk", "datum_ontvangst", "rol_melder", "gemeente")
SIGNAL_COLUMNS = (
    *REQUIRED_COLUMNS,
    "organisatie",
    "buiten_regio",
    "sector",
    "routestap",
    "vormen",
    "indicatoren_waargenomen",
    "indicatoren_niet_waargenomen",
    "omschrijving",
    "vertrouwelijkheid",
    "doel",
    "grondslag",
)
# Column name after ``betrokkene_<n>_`` → (entity kind, property of zicht.register.schema).
ENTITY_FIELDS: dict[str, tuple[str, str]] = {
    "voornamen": ("person", "first_names"),
    "achternaam": ("person", "last_name"),
    "geboortedatum": ("person", "birth_date"),
    "nationaliteit": ("person", "nationality"),
    "bsn": ("person", "bsn"),
    "bedrijfsnaam": ("company", "name"),
    "kvk": ("company", "kvk"),
    "vestigingsnummer": ("company", "branch_number"),
    "rechtsvorm": ("company", "legal_form"),
    "branche": ("company", "sector"),
    "straat": ("address", "street"),
    "huisnummer": ("address", "house_number"),
    "toevoeging": ("address", "addition"),
    "postcode": ("address", "postcode"),
    "plaats": ("address", "place"),
    "bag_id": ("address", "bag_id"),
    "kenteken": ("vehicle", "kenteken"),
    "telefoon": ("phone", "number"),
    "email": ("email", "address"),
    "iban": ("bank_account", "iban"),
    "tenaamstelling": ("bank_account", "holder"),
}
ENTITY_COLUMNS = ("rol", "soort", *ENTITY_FIELDS)
_COLUMN_OF_PROPERTY = {value: suffix for suffix, value in ENTITY_FIELDS.items()}
# Which column a field of SignalInput (as named in RegisterValidationError) was read from.
_COLUMN_OF_FIELD = {
    "external_reference": "extern_kenmerk",
    "received_on": "datum_ontvangst",
    "reporting_organisation": "organisatie",
    "reporter_role": "rol_melder",
    "municipality": "gemeente",
    "sector": "sector",
    "route_step": "routestap",
    "forms": "vormen",
    "observations": "indicatoren_waargenomen",
    "description": "omschrijving",
    "confidentiality": "vertrouwelijkheid",
    "purpose": "doel",
    "legal_ground": "grondslag",
}
_ENTITY_COLUMN = re.compile(r"^betrokkene_(\d+)_(.+)$")
_SPLIT_CODES = re.compile(r"[|,;\s]+")
_TRUE = frozenset({"ja", "j", "x", "1", "true", "waar", "yes", "y"})
_FALSE = frozenset({"nee", "n", "0", "false", "onwaar", "no"})
# Other names users write for an entity kind (besides the code and the Dutch label).
_KIND_ALIASES = {
    "telefoon": "phone",
    "e-mail": "email",
    "email": "email",
    "rekening": "bank_account",
    "iban": "bank_account",
    "auto": "vehicle",
}

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Lookups:
    """What names in a file may refer to; keys are lower case."""

    organisations: Mapping[str, Organisation]
    # Municipality name → CBS code ("utrecht" → "GM0344").
    municipality_codes: Mapping[str, str]
    default_organisation: Organisation | None = None


@dataclass
class Sheet:
    header: list[str]
    rows: list[tuple[int, list[str]]]
    errors: dict[int, list[str]] = field(default_factory=dict)


@dataclass
class ParsedFile:
    items: list[SignalInput]
    # For each item: its row number, and the slot number (betrokkene_<n>) of each entity.
    rows: list[int]
    slots: list[list[int]]
    errors: dict[int, list[str]]
    total_rows: int


def _add(errors: dict[int, list[str]], row: int, message: str) -> None:
    errors.setdefault(row, []).append(message)


def _reject(message: str) -> ImportValidationError:
    return ImportValidationError({1: [message]})


# --- Reading the file -------------------------------------------------------------------------


def read_sheet(content: bytes, filename: str = "") -> Sheet:
    """The header and the non-empty rows of a CSV or XLSX file, every cell as stripped text."""
    if not content.strip():
        raise _reject(_("Het bestand is leeg."))
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise _reject(
            _("Het oude Excel-formaat (.xls) wordt niet ondersteund; sla op als .xlsx of CSV.")
        )
    if content.startswith(b"PK\x03\x04") or filename.lower().endswith((".xlsx", ".xlsm")):
        table = _xlsx_rows(content)
    else:
        table = _csv_rows(content)
    return _sheet(table)


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _reject(
            _(
                "Het bestand is geen UTF-8-tekst. Sla het in Excel op als ‘CSV UTF-8 "
                "(door komma's gescheiden)’, of lever een .xlsx-bestand."
            )
        ) from None
    if "\x00" in text:
        raise _reject(_("Het bestand bevat ongeldige tekens (NUL); is het wel een CSV-bestand?"))
    first_line = text.split("\n", 1)[0]
    # Dutch Excel writes ";", most other tools ","; the header line tells which.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    # Records, not lines: a quoted cell may span lines, a spreadsheet shows one row.
    records = 0
    try:
        for record in reader:
            records += 1
            yield record
    except csv.Error:
        raise ImportValidationError(
            {
                records + 1: [
                    _(
                        "Deze rij kan niet worden gelezen: een veld is te lang (meer dan "
                        "131.072 tekens) of een aanhalingsteken wordt niet gesloten."
                    )
                ]
            }
        ) from None


def _xlsx_rows(content: bytes) -> Iterator[list[str]]:
    unreadable = _(
        "Het Excel-bestand kan niet worden gelezen. Sla het opnieuw op als .xlsx, of lever "
        "een CSV-bestand."
    )
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise _reject(unreadable) from None
    if unpacked > MAX_XLSX_UNPACKED:
        raise _reject(_("Het Excel-bestand is uitgepakt te groot; splits het op."))
    import openpyxl

    # openpyxl reads untrusted input here: whatever it raises means "not a readable
    # workbook", and its warnings (unsupported extensions, styles) are not the user's concern.
    # The rows are read inside the block so the warning filter is not left changed between
    # iterations.
    rows: list[list[str]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception:
            raise _reject(unreadable) from None
        try:
            if not workbook.worksheets:
                raise _reject(unreadable)
            sheet: Any = workbook.worksheets[0]
            for values in sheet.iter_rows(values_only=True):
                rows.append([_cell_text(value) for value in values])
                if len(rows) > MAX_ROWS + 1 and any(rows[-1]):
                    raise _reject(
                        _("Het bestand heeft meer dan %(n)d rijen; splits het op.")
                        % {"n": MAX_ROWS}
                    )
        except ImportValidationError:
            raise
        except Exception:
            raise _reject(unreadable) from None
        finally:
            workbook.close()
    return iter(rows)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        # Excel stores every number as a float: a KvK number typed as 12345678 comes as 12345678.0.
        return str(int(value))
    return str(value)


def _normalise_header(cell: str) -> str:
    return re.sub(r"[\s\-]+", "_", cell.strip().lower())


def _sheet(table: Iterator[list[str]]) -> Sheet:
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    errors: dict[int, list[str]] = {}
    for number, raw in enumerate(table, start=1):
        cells = [cell.strip() for cell in raw]
        if header is None:
            if not any(cells):
                raise _reject(_("De eerste rij moet de kolomnamen bevatten; die is leeg."))
            header = [_normalise_header(cell) for cell in cells]
            continue
        if not any(cells):
            continue  # spreadsheets keep empty rows; they are no signals
        if len(rows) >= MAX_ROWS:
            raise _reject(
                _("Het bestand heeft meer dan %(n)d rijen; splits het op.") % {"n": MAX_ROWS}
            )
        extra = cells[len(header) :]
        if any(extra):
            _add(errors, number, _("Deze rij heeft meer cellen dan er kolommen zijn."))
        unnamed = [i for i, name in enumerate(header) if not name and i < len(cells) and cells[i]]
        if unnamed:
            _add(errors, number, _("Deze rij heeft een waarde in een kolom zonder naam."))
        for i, cell in enumerate(cells[: len(header)]):
            if len(cell) > MAX_CELL:
                _add(
                    errors,
                    number,
                    _("%(col)s: Te lang (hoogstens %(n)d tekens).")
                    % {"col": header[i] or "?", "n": MAX_CELL},
                )
        rows.append((number, cells))
    if header is None:
        raise _reject(_("Het bestand is leeg."))
    _check_header(header)
    return Sheet(header=header, rows=rows, errors=errors)


def known_columns() -> list[str]:
    entity = [f"betrokkene_{n}_{c}" for n in range(1, MAX_ENTITIES + 1) for c in ENTITY_COLUMNS]
    return [*SIGNAL_COLUMNS, *entity]


def _check_header(header: list[str]) -> None:
    problems: list[str] = []
    seen: set[str] = set()
    known = set(known_columns())
    for name in header:
        if not name:
            continue
        if name in seen:
            problems.append(_("Kolom ‘%(c)s’ komt twee keer voor.") % {"c": name})
        seen.add(name)
        if name not in known:
            match = _ENTITY_COLUMN.match(name)
            if match and int(match[1]) > MAX_ENTITIES and match[2] in ENTITY_COLUMNS:
                problems.append(
                    _("Kolom ‘%(c)s’: hoogstens %(n)d betrokkenen per rij.")
                    % {"c": name, "n": MAX_ENTITIES}
                )
                continue
            close = difflib.get_close_matches(name, known, n=1)
            if close:
                problems.append(
                    _("Onbekende kolom ‘%(c)s’; bedoelt u ‘%(s)s’?") % {"c": name, "s": close[0]}
                )
            else:
                problems.append(_("Onbekende kolom ‘%(c)s’.") % {"c": name})
    missing = [name for name in REQUIRED_COLUMNS if name not in seen]
    if missing:
        problems.append(_("Verplichte kolom(men) ontbreken: %(c)s.") % {"c": ", ".join(missing)})
    if problems:
        raise ImportValidationError({1: problems})


# --- Rows to signals --------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _vocabularies() -> dict[str, dict[str, str]]:
    """Accepted spellings (codes and Dutch labels, lower case) → code, per kind of value."""

    def of(choices: Any, aliases: Mapping[str, str] | None = None) -> dict[str, str]:
        with translation.override("nl"):
            table = {str(label).lower(): str(value) for value, label in choices.choices}
        table.update({str(value).lower(): str(value) for value in choices.values})
        table.update(aliases or {})
        return table

    return {
        "kind": of(EntityKind, _KIND_ALIASES),
        "role": of(SignalRole),
        "reporter_role": of(ReporterRole),
        "confidentiality": of(Confidentiality),
    }


_CHOICES: dict[tuple[str, str], str | None] = {}


def _choice(vocabulary: str, value: str) -> str | None:
    # Called for every role and kind of every row: remember each spelling seen. The set of
    # spellings in files is small; the memory is capped anyway.
    key = (vocabulary, value)
    if key not in _CHOICES:
        if len(_CHOICES) > 10_000:
            _CHOICES.clear()
        _CHOICES[key] = _vocabularies()[vocabulary].get(" ".join(value.lower().split()))
    return _CHOICES[key]


def _allowed(vocabulary: str) -> str:
    return ", ".join(sorted(set(_vocabularies()[vocabulary].values())))


def _codes(value: str, *, upper: bool = False) -> list[str]:
    codes = [c for c in _SPLIT_CODES.split(value) if c]
    return [c.upper() if upper else c.lower() for c in codes]


def _bool(value: str) -> bool | None:
    text = value.lower()
    if not text or text in _FALSE:
        return False
    return True if text in _TRUE else None


class _Layout:
    """Where each column is in a sheet's rows, worked out once per file."""

    def __init__(self, header: list[str]) -> None:
        self.index = {name: i for i, name in enumerate(header) if name}
        self.slots: list[tuple[int, list[tuple[str, int]]]] = []
        numbers = sorted({int(m[1]) for name in header if (m := _ENTITY_COLUMN.match(name))})
        for n in numbers:
            prefix = f"betrokkene_{n}_"
            present = [
                (suffix, self.index[prefix + suffix])
                for suffix in ENTITY_COLUMNS
                if prefix + suffix in self.index
            ]
            self.slots.append((n, present))
        # Dates repeat (a few hundred days of receipt): parse each text once per file.
        self.dates: dict[str, date | ids.IdentifierError] = {}


class _Row:
    """One row's cells by column name, and its problems."""

    def __init__(self, number: int, layout: _Layout, cells: list[str]) -> None:
        self.number = number
        self.layout = layout
        self.cells = cells
        self.errors: list[str] = []

    def get(self, column: str) -> str:
        i = self.layout.index.get(column)
        return self.cells[i] if i is not None and i < len(self.cells) else ""

    def cell(self, i: int) -> str:
        return self.cells[i] if i < len(self.cells) else ""

    def error(self, column: str, message: str) -> None:
        self.errors.append(f"{column}: {message}")

    def text(self, column: str, limit: int, default: str = "") -> str:
        value = self.get(column) or default
        if len(value) > limit:
            self.error(column, _("Te lang (hoogstens %(n)d tekens).") % {"n": limit})
        return value

    def date(self, column: str) -> date | None:
        text = self.get(column)
        parsed = self.layout.dates.get(text)
        if parsed is None:
            try:
                parsed = ids.parse_date(text)
            except ids.IdentifierError as exc:
                parsed = exc
            self.layout.dates[text] = parsed
        if isinstance(parsed, ids.IdentifierError):
            self.error(column, parsed.message_nl)
            return None
        return parsed


def parse_rows(sheet: Sheet, lookups: Lookups, *, progress: Progress | None = None) -> ParsedFile:
    """SignalInput items for the rows that could be read; problems per row number."""
    parsed = ParsedFile(items=[], rows=[], slots=[], errors=dict(sheet.errors), total_rows=0)
    layout = _Layout(sheet.header)
    first_row: dict[tuple[int, str], int] = {}
    total = len(sheet.rows)
    parsed.total_rows = total
    for position, (number, cells) in enumerate(sheet.rows):
        if progress is not None and position % 1000 == 0:
            progress(position, total)
        row = _Row(number, layout, cells)
        item, slots = _signal(row, lookups)
        if item is not None and item.external_reference and item.reporting_organisation.pk:
            key = (item.reporting_organisation.pk, item.external_reference)
            if key in first_row:
                row.error(
                    "extern_kenmerk",
                    _("‘%(ref)s’ staat ook in rij %(row)d.")
                    % {"ref": item.external_reference, "row": first_row[key]},
                )
            else:
                first_row[key] = number
        for message in row.errors:
            _add(parsed.errors, number, message)
        if item is not None and not row.errors:
            parsed.items.append(item)
            parsed.rows.append(number)
            parsed.slots.append(slots)
    if progress is not None:
        progress(total, total)
    return parsed


def _signal(row: _Row, lookups: Lookups) -> tuple[SignalInput | None, list[int]]:
    external_reference = row.text("extern_kenmerk", MAX_EXTERNAL_REFERENCE)
    if not external_reference:
        row.error(
            "extern_kenmerk",
            _("Vul uw eigen kenmerk in; daarmee wordt opnieuw importeren herkend."),
        )
    received_on = row.date("datum_ontvangst")

    organisation = lookups.default_organisation
    if name := row.get("organisatie"):
        organisation = lookups.organisations.get(name.lower())
        if organisation is None:
            row.error("organisatie", _("Onbekende organisatie ‘%(n)s’.") % {"n": name[:100]})
    elif organisation is None:
        row.error("organisatie", _("Vul de organisatie in (of kies er een bij het importeren)."))

    reporter_role = _choice("reporter_role", row.get("rol_melder"))
    if reporter_role is None:
        row.error("rol_melder", _("Kies een van: %(v)s.") % {"v": _allowed("reporter_role")})
    confidentiality = _choice("confidentiality", row.get("vertrouwelijkheid") or "vertrouwelijk")
    if confidentiality is None:
        row.error(
            "vertrouwelijkheid", _("Kies een van: %(v)s.") % {"v": _allowed("confidentiality")}
        )
    out_of_region = _bool(row.get("buiten_regio"))
    if out_of_region is None:
        row.error("buiten_regio", _("Vul ja of nee in."))

    municipality = row.get("gemeente")
    if not municipality:
        row.error("gemeente", _("Vul de CBS-code (GM0344) of de naam van de gemeente in."))
    code = lookups.municipality_codes.get(municipality.lower())
    if code is None:
        code = municipality.upper()
        if code.isdigit() and len(code) == 4:
            code = f"GM{code}"

    observed = _codes(row.get("indicatoren_waargenomen"), upper=True)
    not_observed = _codes(row.get("indicatoren_niet_waargenomen"), upper=True)
    both = sorted(set(observed) & set(not_observed))
    if both:
        row.error(
            "indicatoren_niet_waargenomen",
            _("%(c)s staat ook bij waargenomen.") % {"c": ", ".join(both)},
        )
    observations = dict.fromkeys(observed, "observed")
    observations.update({c: "not_observed" for c in not_observed if c not in observations})

    entities, slots = _entities(row)
    description = row.text("omschrijving", MAX_CELL)
    purpose = row.text("doel", MAX_SHORT, DEFAULT_PURPOSE)
    legal_ground = row.text("grondslag", MAX_SHORT, DEFAULT_LEGAL_GROUND)
    if (
        row.errors
        or received_on is None
        or organisation is None
        or reporter_role is None
        or confidentiality is None
        or out_of_region is None
    ):
        return None, []
    return (
        SignalInput(
            received_on=received_on,
            reporting_organisation=organisation,
            reporter_role=reporter_role,
            municipality_code=code,
            purpose=purpose,
            legal_ground=legal_ground,
            out_of_region=out_of_region,
            sector_code=row.get("sector").lower(),
            route_step_code=row.get("routestap").lower(),
            form_codes=_codes(row.get("vormen")),
            observations=observations,
            description=description,
            confidentiality=confidentiality,
            external_reference=external_reference,
            entities=entities,
        ),
        slots,
    )


def _entities(row: _Row) -> tuple[list[EntityInput], list[int]]:
    entities: list[EntityInput] = []
    slots: list[int] = []
    for n, columns in row.layout.slots:
        prefix = f"betrokkene_{n}_"
        cells, width = row.cells, len(row.cells)
        filled = {suffix: value for suffix, i in columns if i < width and (value := cells[i])}
        role_text = filled.pop("rol", "")
        kind_text = filled.pop("soort", "")
        if not filled and not role_text and not kind_text:
            continue
        kind: str | None
        if kind_text:
            kind = _choice("kind", kind_text)
            if kind is None:
                row.error(prefix + "soort", _("Kies een van: %(v)s.") % {"v": _allowed("kind")})
                continue
        else:
            kinds = {ENTITY_FIELDS[suffix][0] for suffix in filled}
            if len(kinds) != 1:
                row.error(
                    prefix + "soort",
                    _("Vul de soort betrokkene in (persoon, bedrijf, adres, …)."),
                )
                continue
            kind = kinds.pop()
        role = _choice("role", role_text)
        if role is None:
            row.error(prefix + "rol", _("Kies een van: %(v)s.") % {"v": _allowed("role")})
            continue
        properties: dict[str, Any] = {}
        for suffix, value in filled.items():
            value_kind, prop = ENTITY_FIELDS[suffix]
            if value_kind != kind:
                row.error(
                    prefix + suffix,
                    _("Hoort niet bij een betrokkene van soort ‘%(k)s’.")
                    % {"k": EntityKind(kind).label},
                )
            else:
                properties[prop] = value
        entities.append(EntityInput(role=role, kind=kind, properties=properties))
        slots.append(n)
    return entities, slots


def service_messages(
    errors: dict[str, list[str]], item: SignalInput, slots: list[int]
) -> list[str]:
    """The register's problems with one item, named by the columns they came from."""
    messages: list[str] = []
    for key, texts in errors.items():
        column = _COLUMN_OF_FIELD.get(key, key)
        parts = key.split(".")
        if parts[0] == "entities" and len(parts) >= 2 and parts[1].isdigit():
            position = int(parts[1])
            slot = slots[position] if position < len(slots) else position + 1
            if len(parts) == 2:
                column = f"betrokkene_{slot}_rol"
            elif parts[2] == "kind":
                column = f"betrokkene_{slot}_soort"
            else:
                kind = item.entities[position].kind if position < len(item.entities) else ""
                suffix = _COLUMN_OF_PROPERTY.get((kind, parts[2]), parts[2])
                column = f"betrokkene_{slot}_{suffix}"
        messages.extend(f"{column}: {text}" for text in texts)
    return messages


def column_of(kind: str, prop: str) -> str:
    """The column suffix of an entity property (for templates and documentation)."""
    return _COLUMN_OF_PROPERTY[(kind, prop)]
