"""Importing CSV and XLSX files: every bad row reported, all rows or none, safe to repeat.

The fuzz tests feed random bytes, random cells of random types, huge cells and broken
headers through the whole import and require two things of every input: the only exception
is ImportValidationError, and the register is either unchanged or holds every row.
"""

import csv
import functools
import io
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zicht.audit.models import AuditEntry
from zicht.register import importing, schema, services
from zicht.register.errors import ImportValidationError
from zicht.register.models import Entity, Signal, SignalEntity
from zicht.register.tests.factories import organisation

pytestmark = pytest.mark.django_db

HEADER = [
    "extern_kenmerk",
    "datum_ontvangst",
    "organisatie",
    "rol_melder",
    "gemeente",
    "vormen",
    "indicatoren_waargenomen",
    "betrokkene_1_rol",
    "betrokkene_1_bedrijfsnaam",
    "betrokkene_1_kvk",
    "betrokkene_2_rol",
    "betrokkene_2_soort",
    "betrokkene_2_voornamen",
    "betrokkene_2_achternaam",
    "betrokkene_2_geboortedatum",
]
GOOD_ROWS = [
    ["NLA-1", "02-03-2026", "Gemeente Utrecht", "toezicht", "GM0344", "arbeid", "G01|G02",
     "werkgever", "Agro Flex B.V.", "12345678", "slachtoffer", "persoon", "Ana", "Popescu",
     "12-03-1994"],
    ["NLA-2", "2026-03-03", "", "Toezicht en handhaving", "Utrecht", "arbeid,seksueel", "G05",
     "huisvester", "Agro Flex B.V.", "1234 5678", "", "", "", "", ""],
    ["NLA-3", "04-03-2026", "Gemeente Utrecht", "opsporing", "0344", "", "",
     "", "", "", "getuige", "", "Piet", "Jansen", ""],
]  # fmt: skip


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER, delimiter: str = ";") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list[Any]], header: list[str] = HEADER) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run(content: bytes, filename: str = "signalen.csv", **kwargs: Any) -> services.ImportOutcome:
    kwargs.setdefault("default_organisation", organisation())
    return services.import_signals_file(
        acting_user=None, content=content, filename=filename, **kwargs
    )


def rejected(content: bytes, filename: str = "signalen.csv", **kwargs: Any) -> dict[int, Any]:
    with pytest.raises(ImportValidationError) as excinfo:
        run(content, filename, **kwargs)
    return excinfo.value.row_errors


def test_csv_rows_become_signals_with_entities() -> None:
    outcome = run(csv_bytes(GOOD_ROWS))
    assert (outcome.rows, outcome.created, outcome.skipped) == (3, 3, 0)
    # One company on two rows (same KvK, written differently); two persons.
    assert (outcome.entities_created, outcome.entities_reused) == (3, 0)
    second = Signal.objects.get(external_reference="NLA-2")
    assert second.municipality.code == "GM0344"  # by name
    assert second.reporter_role == "toezicht"  # by label
    assert sorted(f.code for f in second.forms.all()) == ["arbeid", "seksueel"]
    assert second.reporting_organisation.name == "Gemeente Utrecht"  # the default
    third = Signal.objects.get(external_reference="NLA-3")
    assert third.municipality.code == "GM0344"  # "0344"
    person = SignalEntity.objects.get(signal=third).entity
    assert (person.kind, person.label) == ("person", "Piet Jansen")  # kind from the columns
    assert AuditEntry.objects.filter(object_type="register.signal", object_id="import:3").exists()


def test_comma_separated_with_bom_and_crlf() -> None:
    content = b"\xef\xbb\xbf" + csv_bytes(GOOD_ROWS, delimiter=",").replace(b"\r\n", b"\n")
    content = content.replace(b"\n", b"\r\n")
    assert run(content).created == 3


def test_xlsx_with_numbers_dates_and_booleans_as_excel_stores_them() -> None:
    header = [*HEADER, "buiten_regio"]
    rows: list[list[Any]] = [
        ["NLA-1", datetime(2026, 3, 2), "Gemeente Utrecht", "toezicht", "GM0363", "arbeid",
         "G01", "werkgever", "Agro", 12345678.0, "", "", "", "", "", True],
        ["NLA-2", date(2026, 3, 3), None, "toezicht", "GM0344", None, None, None, None, None,
         "slachtoffer", "persoon", "Ana", "Popescu", datetime(1994, 3, 12), False],
    ]  # fmt: skip
    outcome = run(xlsx_bytes(rows, header), "signalen.xlsx")
    assert outcome.created == 2
    first = Signal.objects.get(external_reference="NLA-1")
    assert (first.received_on, first.out_of_region) == (date(2026, 3, 2), True)
    company = SignalEntity.objects.get(signal=first).entity
    assert company.properties["kvk"] == "12345678"
    person = SignalEntity.objects.get(signal__external_reference="NLA-2").entity
    assert person.birth_date == date(1994, 3, 12)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_one_bad_row_imports_nothing_and_is_reported_by_its_row_number(fmt: str) -> None:
    rows = [list(r) for r in GOOD_ROWS]
    rows[1][4] = "GM9999"  # row 3 of the file: the header is row 1
    rows[1][9] = "123"
    content = csv_bytes(rows) if fmt == "csv" else xlsx_bytes(rows)
    before = (Signal.objects.count(), Entity.objects.count(), AuditEntry.objects.count())
    errors = rejected(content, f"signalen.{fmt}")
    assert list(errors) == [3]
    assert errors[3] == [
        "gemeente: Onbekende gemeentecode ‘GM9999’.",
        "betrokkene_1_kvk: Het KvK-nummer heeft 8 cijfers; dit zijn er 3.",
    ]
    assert (Signal.objects.count(), Entity.objects.count(), AuditEntry.objects.count()) == before


def test_every_bad_row_is_reported() -> None:
    rows = [list(r) for r in GOOD_ROWS]
    rows[0][1] = "31-02-2026"
    rows[1][3] = "baas"
    rows[2][0] = ""
    errors = rejected(csv_bytes(rows))
    assert sorted(errors) == [2, 3, 4]
    assert errors[2] == ["datum_ontvangst: Deze datum bestaat niet (31-02-2026)."]
    assert errors[3][0].startswith("rol_melder: Kies een van: ")
    assert errors[4][0].startswith("extern_kenmerk: Vul uw eigen kenmerk in")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_reimporting_the_same_file_creates_no_duplicates(fmt: str) -> None:
    content = csv_bytes(GOOD_ROWS) if fmt == "csv" else xlsx_bytes(GOOD_ROWS)
    run(content, f"signalen.{fmt}")
    counts = (Signal.objects.count(), Entity.objects.count(), SignalEntity.objects.count())
    again = run(content, f"signalen.{fmt}")
    assert (again.created, again.skipped) == (0, 3)
    assert (Signal.objects.count(), Entity.objects.count(), SignalEntity.objects.count()) == counts


def test_the_same_reference_twice_in_a_file_names_both_rows() -> None:
    rows = [GOOD_ROWS[0], [*GOOD_ROWS[1][:0], "NLA-1", *GOOD_ROWS[1][1:]]]
    rows[1][2] = "Gemeente Utrecht"
    errors = rejected(csv_bytes(rows))
    assert errors == {3: ["extern_kenmerk: ‘NLA-1’ staat ook in rij 2."]}


def test_dry_run_checks_and_writes_nothing() -> None:
    outcome = run(csv_bytes(GOOD_ROWS), dry_run=True)
    assert (outcome.dry_run, outcome.created, outcome.entities_created) == (True, 3, 3)
    assert not Signal.objects.exists()


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (["extern_kenmerk", "datum", "rol_melder", "gemeente"], "Onbekende kolom ‘datum’"),
        (["extern_kenmerk", "rol_melder", "gemeente"], "ontbreken: datum_ontvangst"),
        ([*HEADER[:4], "gemeent"], "bedoelt u ‘gemeente’?"),
        ([*HEADER, "betrokkene_11_rol"], "hoogstens 10 betrokkenen"),
        ([*HEADER, "vormen"], "komt twee keer voor"),
    ],
)
def test_header_problems_are_reported_on_row_1(header: list[str], message: str) -> None:
    errors = rejected(csv_bytes([["x"] * len(header)], header))
    assert list(errors) == [1]
    assert any(message in m for m in errors[1]), errors[1]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "leeg"),
        (b"\xff\xfeh\x00i\x00", "geen UTF-8"),
        (b"\xd0\xcf\x11\xe0rest", ".xls"),
        (b"PK\x03\x04kapot", "Excel-bestand kan niet"),
        (b"extern_kenmerk;datum_ontvangst;rol_melder;gemeente\n", "geen rijen"),
        # Beyond the csv module's field limit (131,072 characters).
        (b"extern_kenmerk;datum_ontvangst\n" + b"x" * 140_000, "kan niet worden gelezen"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(content: bytes, message: str) -> None:
    errors = rejected(content)
    assert list(errors) in ([1], [2])
    assert any(message in m for ms in errors.values() for m in ms), errors


def test_entity_columns_are_checked_against_the_kind() -> None:
    header = ["extern_kenmerk", "datum_ontvangst", "rol_melder", "gemeente",
              "betrokkene_1_rol", "betrokkene_1_soort", "betrokkene_1_kvk",
              "betrokkene_1_voornamen", "betrokkene_3_kvk", "betrokkene_3_telefoon",
              "betrokkene_4_kvk"]  # fmt: skip
    row = ["A", "02-03-2026", "toezicht", "GM0344", "werkgever", "persoon", "12345678",
           "Jan", "12345678", "0612345678", "12345678"]  # fmt: skip
    errors = rejected(csv_bytes([row], header))
    assert errors[2] == [
        "betrokkene_1_kvk: Hoort niet bij een betrokkene van soort ‘persoon’.",
        "betrokkene_3_soort: Vul de soort betrokkene in (persoon, bedrijf, adres, …).",
        "betrokkene_4_rol: Kies een van: getuige, huisvester, locatie, melder, slachtoffer, "
        "tussenpersoon, verdachte, werkgever.",
    ]


def test_register_problems_name_the_column_of_the_entity_slot() -> None:
    header = ["extern_kenmerk", "datum_ontvangst", "rol_melder", "gemeente", "betrokkene_2_rol",
              "betrokkene_2_iban", "betrokkene_5_rol", "betrokkene_5_soort"]  # fmt: skip
    row = ["A", "02-03-2026", "toezicht", "GM0344", "verdachte", "NL91ABNA0417164301",
           "getuige", "adres"]  # fmt: skip
    errors = rejected(csv_bytes([row], header))
    assert errors[2][0].startswith("betrokkene_2_iban: Het controlegetal van het IBAN klopt niet")
    assert errors[2][1] == "betrokkene_5_postcode: Vul Straat of Postcode in."


def test_rows_without_organisation_need_a_default() -> None:
    rows = [list(GOOD_ROWS[1])]
    errors = rejected(csv_bytes(rows), default_organisation=None)
    assert errors[2] == ["organisatie: Vul de organisatie in (of kies er een bij het importeren)."]


def test_every_entity_property_has_a_column_and_the_template_documents_them() -> None:
    properties = {(kind, p.name) for kind, props in schema.KINDS.items() for p in props}
    assert set(importing.ENTITY_FIELDS.values()) == properties
    docs = (Path(__file__).resolve().parents[4] / "docs" / "import-template.md").read_text()
    columns = [
        *importing.SIGNAL_COLUMNS,
        *(f"betrokkene_N_{suffix}" for suffix in importing.ENTITY_COLUMNS),
    ]
    for column in columns:
        assert f"`{column}`" in docs, f"docs/import-template.md does not describe {column}"


def test_the_downloadable_template_is_a_valid_file() -> None:
    path = Path(importing.__file__).parent / "static" / "register" / "import-template.csv"
    outcome = run(path.read_bytes(), dry_run=True)
    assert outcome.created >= 2


# --- Fuzzing ----------------------------------------------------------------------------------

CELL = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "ja", "nee", "GM0344", "arbeid", "G01|G99", "12345678", "02-03-2026",
                     "werkgever", "persoon", "bedrijf", "toezicht", '"', ";", "\n", "=1+1"]),
    # Huge cells, around the 10,000-character limit.
    st.builds(lambda part, n: part * n, st.text(alphabet='ab;,"\n', min_size=4, max_size=5),
              st.integers(min_value=1_900, max_value=2_600)),
)  # fmt: skip
XLSX_CELL = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=date(1900, 1, 1)),
    st.datetimes(min_value=datetime(1900, 1, 1)),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=30
    ),  # openpyxl refuses control characters when writing
    st.sampled_from(["GM0344", "toezicht", "02-03-2026", "werkgever", "12345678", "arbeid"]),
)
COLUMNS = st.lists(
    st.sampled_from([*importing.known_columns()[:40], "onzin", "", "GEMEENTE ", "Extern-Kenmerk"]),
    min_size=0,
    max_size=12,
)
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _holds_all_or_nothing(content: bytes, filename: str) -> None:
    organisation()
    with transaction.atomic():
        before = (Signal.objects.count(), Entity.objects.count(), AuditEntry.objects.count())
        outcome, errors = None, None
        try:
            outcome = run(content, filename)
        except ImportValidationError as exc:  # the only exception allowed
            errors = exc.row_errors
        if errors is not None:
            assert errors
            assert all(isinstance(row, int) and row >= 1 for row in errors)
            after = (Signal.objects.count(), Entity.objects.count(), AuditEntry.objects.count())
            assert after == before
        else:
            assert outcome is not None
            assert Signal.objects.count() == before[0] + outcome.created
            assert outcome.created + outcome.skipped == outcome.rows
        transaction.set_rollback(True)


@FUZZ
@given(content=st.binary(max_size=2000))
def test_random_bytes(content: bytes) -> None:
    _holds_all_or_nothing(content, "bestand.csv")
    _holds_all_or_nothing(content, "bestand.xlsx")


@FUZZ
@given(content=st.binary(max_size=500))
def test_random_bytes_after_a_zip_header(content: bytes) -> None:
    _holds_all_or_nothing(b"PK\x03\x04" + content, "bestand.xlsx")


@functools.cache
def _good_xlsx() -> bytes:
    return xlsx_bytes(GOOD_ROWS)


@FUZZ
@given(data=st.data())
def test_random_truncation_of_a_good_xlsx(data: st.DataObject) -> None:
    # One file for every example: an XLSX carries timestamps, so a fresh one can differ in
    # length between examples, which hypothesis rightly reports as flaky data generation.
    good = _good_xlsx()
    cut = data.draw(st.integers(min_value=0, max_value=len(good)))
    _holds_all_or_nothing(good[:cut], "signalen.xlsx")


@FUZZ
@given(
    header=st.one_of(st.just(HEADER), COLUMNS),
    rows=st.lists(st.lists(CELL, max_size=len(HEADER) + 2), max_size=4),
    delimiter=st.sampled_from([";", ","]),
)
def test_random_csv_cells(header: list[str], rows: list[list[str]], delimiter: str) -> None:
    _holds_all_or_nothing(csv_bytes(rows, header, delimiter), "signalen.csv")


@FUZZ
@given(
    header=st.one_of(st.just(HEADER), COLUMNS),
    rows=st.lists(st.lists(XLSX_CELL, max_size=len(HEADER) + 2), max_size=4),
)
def test_random_xlsx_cells(header: list[str], rows: list[list[Any]]) -> None:
    _holds_all_or_nothing(xlsx_bytes(rows, header), "signalen.xlsx")


@FUZZ
@given(data=st.data())
def test_good_rows_with_one_random_cell(data: st.DataObject) -> None:
    rows = [list(r) for r in GOOD_ROWS]
    row = data.draw(st.integers(min_value=0, max_value=len(rows) - 1))
    column = data.draw(st.integers(min_value=0, max_value=len(HEADER) - 1))
    as_xlsx = data.draw(st.booleans())
    rows[row][column] = data.draw(XLSX_CELL if as_xlsx else CELL)
    content = xlsx_bytes(rows) if as_xlsx else csv_bytes(rows)
    _holds_all_or_nothing(content, "signalen.xlsx" if as_xlsx else "signalen.csv")


def test_a_zip_that_unpacks_too_large_is_refused_before_reading(monkeypatch: Any) -> None:
    monkeypatch.setattr(importing, "MAX_XLSX_UNPACKED", 1000)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", "0" * 5000)
    errors = rejected(buffer.getvalue(), "bom.xlsx")
    assert errors == {1: ["Het Excel-bestand is uitgepakt te groot; splits het op."]}


def test_too_many_rows_is_refused(monkeypatch: Any) -> None:
    monkeypatch.setattr(importing, "MAX_ROWS", 2)
    errors = rejected(csv_bytes(GOOD_ROWS))
    assert errors == {1: ["Het bestand heeft meer dan 2 rijen; splits het op."]}
