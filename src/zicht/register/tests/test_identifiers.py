"""Identifier cleaning and validation: examples, Dutch messages, and properties (hypothesis).

Pure Python: no database. python-stdnum serves as an independent oracle for the BSN test.
"""

from datetime import date

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from stdnum.nl import bsn as stdnum_bsn

from zicht.register import identifiers as ids
from zicht.register.identifiers import (
    KENTEKEN_SIDE_CODES,
    HouseNumber,
    IdentifierError,
    kenteken_side_code,
    parse_date,
    parse_house_number,
)

DIGITS = "0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _error(identifier_type, value) -> IdentifierError:
    with pytest.raises(IdentifierError) as info:
        identifier_type.clean(value)
    return info.value


# --- Idempotence for every type, on arbitrary text --------------------------------------------


@pytest.mark.parametrize("scheme", sorted(ids.TYPES))
@given(value=st.text(max_size=40))
def test_clean_is_idempotent_on_any_text(scheme, value):
    identifier_type = ids.TYPES[scheme]
    if not identifier_type.is_valid(value):
        return
    once = identifier_type.clean(value)
    assert identifier_type.clean(once) == once
    assert identifier_type.is_valid(once)


def test_non_text_is_refused_with_a_message():
    error = _error(ids.kvk, 12345678)
    assert error.code == "type"


def test_very_long_input_is_refused_early():
    assert _error(ids.email, "a" * 300 + "@example.nl").code == "too_long"


def test_unknown_scheme():
    with pytest.raises(ValueError, match="unknown identifier scheme"):
        ids.clean("paspoort", "X")
    assert ids.clean("kvk", "1234 5678") == "12345678"


# --- KvK, vestigingsnummer, BAG ---------------------------------------------------------------


def test_kvk_numbers():
    assert ids.kvk.clean(" 0123 4567 ") == "01234567"
    assert ids.kvk.clean("12.34.56.78") == "12345678"
    assert _error(ids.kvk, "1234567").message_nl == (
        "Het KvK-nummer heeft 8 cijfers; dit zijn er 7."
    )
    assert _error(ids.kvk, "1234567A").code == "digits"
    # Full-width digits from pasted text are folded, other scripts' digits are refused.
    assert ids.kvk.clean("１２３４５６７８") == "12345678"
    assert not ids.kvk.is_valid("١٢٣٤٥٦٧٨")


def test_kvk_branch_numbers():
    assert ids.kvk_branch.clean("0000 1234 5678") == "000012345678"
    assert "12 cijfers" in _error(ids.kvk_branch, "12345678").message_nl


def test_bag_ids():
    assert ids.bag.clean("0363010000659011") == "0363010000659011"
    assert ids.bag.clean("NL.IMBAG.Verblijfsobject.0363010000659011") == "0363010000659011"
    assert ids.BagId.object_type("0363010000659011") == "verblijfsobject"
    assert ids.BagId.object_type("0363100012345678") == "pand"
    assert _error(ids.bag, "0363990000659011").code == "bag.type"
    assert _error(ids.bag, "036301000065901").code == "length"


# --- BSN -------------------------------------------------------------------------------------


def _with_bsn_check_digit(first_eight: str) -> str | None:
    # The last digit has weight -1: it must equal the weighted sum of the others mod 11.
    check = sum(w * int(d) for w, d in zip((9, 8, 7, 6, 5, 4, 3, 2), first_eight, strict=True))
    check %= 11
    return None if check == 10 else first_eight + str(check)


@given(st.text(DIGITS, min_size=8, max_size=8))
def test_generated_bsns_pass(first_eight):
    number = _with_bsn_check_digit(first_eight)
    assume(number is not None and int(number) != 0)
    assert number is not None
    assert ids.bsn.clean(number) == number
    assert stdnum_bsn.is_valid(number)  # the independent implementation agrees
    spaced = f"{number[:4]}.{number[4:6]}.{number[6:]}"
    assert ids.bsn.clean(spaced) == number


@given(st.text(DIGITS, min_size=8, max_size=8), st.integers(0, 8), st.integers(1, 9))
def test_a_bsn_with_one_wrong_digit_fails(first_eight, position, delta):
    number = _with_bsn_check_digit(first_eight)
    assume(number is not None)
    assert number is not None
    corrupted = list(number)
    corrupted[position] = str((int(corrupted[position]) + delta) % 10)
    bad = "".join(corrupted)
    assume(int(bad) != 0)
    # Every single-digit error changes the weighted sum by a non-multiple of 11.
    assert _error(ids.bsn, bad).code == "bsn.checksum"


@given(st.text(DIGITS, min_size=9, max_size=9))
def test_bsn_agrees_with_stdnum(number):
    assume(int(number) != 0)
    assert ids.bsn.is_valid(number) == stdnum_bsn.is_valid(number)


def test_bsn_messages():
    assert ids.bsn.clean("111222333") == "111222333"
    assert "elfproef" in _error(ids.bsn, "111222334").message_nl
    assert _error(ids.bsn, "000000000").code == "bsn.zero"
    # Eight digits are refused, not padded: a dropped leading zero is a guess we do not make.
    assert _error(ids.bsn, "11222333").code == "length"


# --- IBAN ------------------------------------------------------------------------------------


def _iban_with_check_digits(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    numeric = "".join(str(int(ch, 36)) for ch in rearranged)
    return f"{country}{98 - int(numeric) % 97:02d}{bban}"


nl_bban = st.tuples(
    st.text(LETTERS, min_size=4, max_size=4), st.text(DIGITS, min_size=10, max_size=10)
).map("".join)
de_bban = st.text(DIGITS, min_size=18, max_size=18)
valid_ibans = st.one_of(
    nl_bban.map(lambda b: _iban_with_check_digits("NL", b)),
    de_bban.map(lambda b: _iban_with_check_digits("DE", b)),
)


@given(valid_ibans)
@example("NL91ABNA0417164300")
def test_generated_ibans_pass_and_normalise(number):
    assert ids.iban.clean(number) == number
    display = ids.iban.display(number)
    assert display.replace(" ", "") == number
    assert all(len(group) == 4 for group in display.split(" ")[:-1])
    assert ids.iban.clean(display.lower()) == number


@given(valid_ibans, st.data())
def test_an_iban_with_one_wrong_character_fails(number, data):
    position = data.draw(st.integers(2, len(number) - 1))
    original = number[position]
    alphabet = DIGITS if original.isdigit() else LETTERS
    replacement = data.draw(st.sampled_from(alphabet).filter(lambda c: c != original))
    bad = number[:position] + replacement + number[position + 1 :]
    # mod-97 detects every single substitution.
    assert not ids.iban.is_valid(bad)


def test_iban_messages():
    assert ids.iban.display("nl91abna0417164300") == "NL91 ABNA 0417 1643 00"
    assert _error(ids.iban, "NL92ABNA0417164300").code == "iban.checksum"
    assert "18 tekens" in _error(ids.iban, "NL91ABNA041716430").message_nl
    assert _error(ids.iban, "1234").code == "iban.format"
    assert _error(ids.iban, _iban_with_check_digits("QQ", "1234567890123")).code == ("iban.country")


# --- Postcode and house number ---------------------------------------------------------------


@given(
    st.integers(1000, 9999),
    st.text("abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=2),
    st.sampled_from(["", " ", "  "]),
)
def test_postcodes_normalise(digits, letters, space):
    value = f"{digits}{space}{letters}"
    if letters.upper() in {"SA", "SD", "SS"}:
        assert _error(ids.postcode, value).code == "postcode.letters"
        return
    assert ids.postcode.clean(value) == f"{digits} {letters.upper()}"


def test_postcode_messages():
    assert ids.postcode.clean("1234ab") == "1234 AB"
    assert "1234 AB" in _error(ids.postcode, "0123 AB").message_nl
    assert _error(ids.postcode, "12345").code == "postcode.format"
    assert "SS" in _error(ids.postcode, "1234 SS").message_nl


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", HouseNumber(12)),
        ("12a", HouseNumber(12, "A")),
        ("12 A", HouseNumber(12, "A")),
        ("12-3", HouseNumber(12, "", "3")),
        ("12a-3", HouseNumber(12, "A", "3")),
        ("12 bis", HouseNumber(12, "", "BIS")),
        ("12 hs", HouseNumber(12, "", "HS")),
        ("12/II", HouseNumber(12, "", "II")),
    ],
)
def test_house_numbers(value, expected):
    parsed = parse_house_number(value)
    assert parsed == expected
    assert parse_house_number(str(parsed)) == parsed
    assert ids.house_number.clean(value) == str(expected)


def test_house_number_messages():
    assert _error(ids.house_number, "0").code == "house_number.range"
    assert _error(ids.house_number, "twaalf").code == "house_number.format"
    assert _error(ids.house_number, "12-toevoeging").code == "house_number.format"


# --- Kenteken --------------------------------------------------------------------------------


def _plate(pattern: str) -> st.SearchStrategy[str]:
    parts = [
        st.text(LETTERS, min_size=1, max_size=1)
        if ch == "L"
        else st.text(DIGITS, min_size=1, max_size=1)
        for ch in pattern.replace("-", "")
    ]
    return st.tuples(*parts).map("".join)


plates = st.sampled_from(sorted(KENTEKEN_SIDE_CODES)).flatmap(
    lambda code: st.tuples(st.just(code), _plate(KENTEKEN_SIDE_CODES[code]))
)


@given(plates, st.sampled_from(["", " ", "-"]))
def test_every_side_code_normalises_to_its_dashed_form(plate, separator):
    side_code, compact = plate
    value = separator.join(compact.lower())
    cleaned = ids.kenteken.clean(value)
    assert cleaned.replace("-", "") == compact
    shape = "".join("L" if ch.isalpha() else ("-" if ch == "-" else "9") for ch in cleaned)
    assert shape == KENTEKEN_SIDE_CODES[side_code]
    assert kenteken_side_code(cleaned) == side_code


def test_kenteken_examples_and_messages():
    assert ids.kenteken.clean("ab123c") == "AB-123-C"  # side code 9
    assert ids.kenteken.clean("1-ABC-23") == "1-ABC-23"  # side code 8
    assert ids.kenteken.clean("999 xx 9") == "999-XX-9"  # side code 14
    assert _error(ids.kenteken, "ABC123").code == "kenteken.side_code"
    assert _error(ids.kenteken, "AB-12").code == "kenteken.format"


# --- Phone and e-mail ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "e164"),
    [
        ("06-12345678", "+31612345678"),
        ("06 1234 5678", "+31612345678"),
        ("+31 6 12345678", "+31612345678"),
        ("0031612345678", "+31612345678"),
        ("020-1234567", "+31201234567"),
        ("+48 512 345 678", "+48512345678"),
    ],
)
def test_phone_numbers_to_e164(value, e164):
    assert ids.phone.clean(value) == e164
    assert ids.phone.clean(e164) == e164
    assert ids.phone.display(value).startswith("+")


def test_phone_messages():
    assert _error(ids.phone, "06-1234").code == "phone.invalid"
    assert _error(ids.phone, "bel me").code == "phone.format"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Jan.Jansen@Example.NL", "Jan.Jansen@example.nl"),
        (" info@bedrijf.nl ", "info@bedrijf.nl"),
        ("a+tag@sub.domein.co.uk", "a+tag@sub.domein.co.uk"),
        ("post@bücher.de", "post@bücher.de"),
    ],
)
def test_email_addresses(value, expected):
    assert ids.email.clean(value) == expected


@pytest.mark.parametrize(
    "value", ["geen-apenstaartje", "@example.nl", "jan@", "jan@localhost", "jan jansen@x.nl",
              "jan..jansen@x.nl", "jan@-x.nl", "jan@x.123"]
)  # fmt: skip
def test_invalid_email_addresses(value):
    assert _error(ids.email, value).code == "email.format"


# --- Dates -----------------------------------------------------------------------------------


@given(st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31)))
def test_the_three_date_notations_agree(day):
    for text in (
        day.strftime("%d-%m-") + f"{day.year:04d}",
        day.strftime("%d/%m/") + f"{day.year:04d}",
        f"{day.year:04d}" + day.strftime("-%m-%d"),
    ):
        assert parse_date(text) == day
    assert ids.date_type.clean(ids.date_type.display(day.isoformat())) == day.isoformat()


def test_date_examples_and_messages():
    assert parse_date("31-12-1990") == date(1990, 12, 31)
    assert parse_date("1990-12-31") == date(1990, 12, 31)
    assert parse_date("31/12/1990") == date(1990, 12, 31)
    assert parse_date("1-2-1990") == date(1990, 2, 1)
    with pytest.raises(IdentifierError, match="bestaat niet"):
        parse_date("31-02-1990")
    with pytest.raises(IdentifierError) as info:
        parse_date("01-02-03")  # two-digit year: ambiguous
    assert info.value.code == "date.format"


def test_birth_dates():
    today = date(2025, 7, 1)
    assert parse_date("01-07-2025", birth_date=True, today=today) == today
    with pytest.raises(IdentifierError, match="toekomst"):
        parse_date("02-07-2025", birth_date=True, today=today)
    with pytest.raises(IdentifierError, match="niet aannemelijk"):
        parse_date("31-12-1899", birth_date=True, today=today)
    # Without birth_date a future date is fine (e.g. a planned inspection).
    assert parse_date("02-07-2025", today=today) == date(2025, 7, 2)
    assert not ids.birth_date.is_valid("01-01-2999")
