"""Identifiers for the demo register that pass :mod:`zicht.register.identifiers`.

Every value has the right shape and check digits but is drawn at random: KvK numbers from
90000000 up, IBANs and mobile numbers from valid ranges (so one may by chance exist; the demo
never contacts anything). E-mail addresses use ``example.*`` domains, reserved for examples
(RFC 2606). Postcodes follow the PostNL areas of the region, so they look local.
"""

import random
import string

# First two digits of the postcodes per RIEC region (PostNL postcode areas, roughly).
POSTCODE_RANGES: dict[str, tuple[tuple[int, int], ...]] = {
    "noord-nederland": ((7740, 7999), (8400, 9999)),
    "oost-nederland": ((3770, 3899), (6500, 7739), (8000, 8299)),
    "midden-nederland": ((1300, 1399), (3400, 3769), (3900, 3999), (8200, 8259)),
    "noord-holland": ((1100, 1299), (1400, 2199)),
    "amsterdam-amstelland": ((1000, 1109), (1180, 1189), (1420, 1439)),
    "den-haag": ((2200, 2799),),
    "rotterdam": ((2800, 3399),),
    "zeeland-west-brabant": ((4300, 4799), (4800, 5199)),
    "oost-brabant": ((5200, 5799),),
    "limburg": ((5800, 6499),),
}
_POSTCODE_LETTERS = [
    a + b
    for a in string.ascii_uppercase
    for b in string.ascii_uppercase
    if a + b not in ("SA", "SD", "SS")
]
NL_BANKS = ("ABNA", "INGB", "RABO", "SNSB", "TRIO", "BUNQ", "KNAB", "ASNB", "RBRB")


def postcode(rng: random.Random, region: str) -> str:
    ranges = POSTCODE_RANGES[region]
    low, high = rng.choices(ranges, weights=[h - lo + 1 for lo, h in ranges])[0]
    return f"{rng.randint(low, high)} {rng.choice(_POSTCODE_LETTERS)}"


def kvk(rng: random.Random) -> str:
    return str(rng.randint(90_000_000, 99_999_999))


def kvk_branch(rng: random.Random) -> str:
    return f"{rng.randint(1, 999_999_999):012d}"


def _iban_check(country: str, bban: str) -> str:
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{98 - int(digits) % 97:02d}"


def iban_nl(rng: random.Random) -> str:
    bank = rng.choice(NL_BANKS)
    account = f"{rng.randint(0, 9_999_999_999):010d}"
    bban = bank + account
    return f"NL{_iban_check('NL', bban)}{bban}"


def iban_ro(rng: random.Random) -> str:
    # RO: four letters of the bank, then sixteen letters or digits.
    bank = rng.choice(("BTRL", "RNCB", "BRDE", "INGB", "RZBR"))
    account = "".join(rng.choice(string.digits) for _ in range(16))
    bban = bank + account
    return f"RO{_iban_check('RO', bban)}{bban}"


def iban_for(rng: random.Random, nationality: str) -> str:
    return iban_ro(rng) if nationality == "RO" else iban_nl(rng)


def mobile_nl(rng: random.Random) -> str:
    return f"+316{rng.randint(10_000_000, 59_999_999)}"


# Mobile ranges that the numbering plans accept: (country code, national prefix, digits after).
_FOREIGN_MOBILE = {
    "PL": ("48", ("50", "51", "53", "57", "60", "66", "69", "72", "78", "79", "88"), 7),
    "RO": ("40", ("72", "73", "74", "75", "76"), 7),
    "BG": ("359", ("87", "88", "89"), 7),
    "UA": ("380", ("50", "63", "66", "67", "68", "73", "93", "95", "96", "97", "98"), 7),
    "HU": ("36", ("20", "30", "70"), 7),
}


def mobile_for(rng: random.Random, nationality: str) -> str:
    spec = _FOREIGN_MOBILE.get(nationality)
    if spec is None or rng.random() < 0.5:
        # Most people here, migrants too, use a Dutch prepaid number.
        return mobile_nl(rng)
    country, prefixes, digits = spec
    rest = "".join(rng.choice(string.digits) for _ in range(digits))
    return f"+{country}{rng.choice(prefixes)}{rest}"


def kenteken(rng: random.Random) -> str:
    """A plate of side code 9 (LL-999-L) or 11 (LLL-99-L), the current series: vans, buses."""
    consonants = "BDFGHJKLNPRSTVXZ"
    if rng.random() < 0.5:
        return (
            f"{rng.choice('VW')}{rng.choice(consonants)}-{rng.randint(100, 999)}-"
            f"{rng.choice(consonants)}"
        )
    return (
        f"V{rng.choice(consonants)}{rng.choice(consonants)}-{rng.randint(10, 99)}-"
        f"{rng.choice(consonants)}"
    )


def email(rng: random.Random, local: str) -> str:
    cleaned = "".join(ch for ch in local.lower() if ch.isascii() and (ch.isalnum() or ch in "._"))
    return f"{cleaned or 'info'}{rng.randint(1, 99)}@{rng.choice(('example.com', 'example.nl'))}"
