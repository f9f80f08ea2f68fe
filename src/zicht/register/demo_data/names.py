"""Names for the demo register: pools per nationality, and small spelling variations.

The pools come from Faker (nl_NL for Dutch names, and the locales of the countries that
victims and suspects in Dutch trafficking cases often come from). They are drawn once with a
fixed seed, whatever the demo seed, so one Faker version always gives the same pools; after
that every choice is made with the generator's own ``random.Random``, which is much faster
than calling Faker per name and keeps the output a pure function of the demo seed.
Cyrillic names are transliterated, as a Dutch register would record them from a passport.
"""

import random
import unicodedata
from dataclasses import dataclass
from functools import cache

POOL_SEED = 20240101  # fixed: the pools must not depend on the demo seed
POOL_SIZE = 150


@dataclass(frozen=True)
class Nationality:
    code: str  # ISO 3166 alpha-2
    adjective: str  # as the register records it: "Roemeense"
    locales: tuple[str, ...]  # Faker locales the names come from
    phone_prefix: str  # country calling code, for foreign mobile numbers


NATIONALITIES: dict[str, Nationality] = {
    n.code: n
    for n in (
        Nationality("NL", "Nederlandse", ("nl_NL",), "31"),
        Nationality("PL", "Poolse", ("pl_PL",), "48"),
        Nationality("RO", "Roemeense", ("ro_RO",), "40"),
        Nationality("BG", "Bulgaarse", ("bg_BG",), "359"),
        Nationality("UA", "Oekraïense", ("uk_UA",), "380"),
        Nationality("HU", "Hongaarse", ("hu_HU",), "36"),
        Nationality("SK", "Slowaakse", ("sk_SK",), "421"),
        Nationality("NG", "Nigeriaanse", ("en_NG", "yo_NG", "ig_NG"), "234"),
        Nationality("VN", "Vietnamese", ("vi_VN",), "84"),
        Nationality("CO", "Colombiaanse", ("es_CO",), "57"),
        Nationality("BR", "Braziliaanse", ("pt_BR",), "55"),
        Nationality("TR", "Turkse", ("tr_TR",), "90"),
    )
}

# Ukrainian and Bulgarian romanisation, close to the official passport tables.
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie",
    "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu",
    "я": "ia", "ъ": "a", "ы": "y", "э": "e", "ё": "io", "'": "", "’": "",
}  # fmt: skip
# Bulgarian differs from Ukrainian for these letters.
_BULGARIAN = {"г": "g", "и": "i", "й": "y", "х": "h", "щ": "sht", "ю": "yu", "я": "ya"}


def transliterate(text: str, *, bulgarian: bool = False) -> str:
    table = {**_CYRILLIC, **_BULGARIAN} if bulgarian else _CYRILLIC
    out = []
    for ch in text:
        low = ch.lower()
        if low in table:
            latin = table[low]
            out.append(latin.capitalize() if ch != low and latin else latin)
        else:
            out.append(ch)
    return "".join(out)


@dataclass(frozen=True)
class NamePools:
    male: tuple[str, ...]
    female: tuple[str, ...]
    last_male: tuple[str, ...]
    last_female: tuple[str, ...]


def _unique(values: list[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values:
        # Compound names ("Davi Luiz", "Божидара-силвестра") make the demo harder to read.
        if value and " " not in value and "-" not in value:
            seen.setdefault(value, None)
    return tuple(seen)


@cache
def pools(nationality: str) -> NamePools:
    from faker import Faker

    info = NATIONALITIES[nationality]
    male: list[str] = []
    female: list[str] = []
    last_male: list[str] = []
    last_female: list[str] = []
    for locale in info.locales:
        fake = Faker(locale)
        fake.seed_instance(POOL_SEED)
        n = POOL_SIZE // len(info.locales) + 1
        male += [fake.first_name_male() for _ in range(n)]
        female += [fake.first_name_female() for _ in range(n)]
        last_male += [fake.last_name_male() for _ in range(n)]
        last_female += [fake.last_name_female() for _ in range(n)]
    if nationality in ("UA", "BG"):
        bulgarian = nationality == "BG"
        male, female, last_male, last_female = (
            [transliterate(v, bulgarian=bulgarian) for v in values]
            for values in (male, female, last_male, last_female)
        )
    return NamePools(_unique(male), _unique(female), _unique(last_male), _unique(last_female))


@dataclass(frozen=True)
class PersonName:
    first_names: str
    last_name: str


def person_name(rng: random.Random, nationality: str, *, female: bool) -> PersonName:
    pool = pools(nationality)
    first = rng.choice(pool.female if female else pool.male)
    last = rng.choice(pool.last_female if female else pool.last_male)
    return PersonName(first, last)


@cache
def street_pool() -> tuple[str, ...]:
    from faker import Faker

    fake = Faker("nl_NL")
    fake.seed_instance(POOL_SEED)
    # Faker's Dutch streets are first names with a suffix; the classics make it look real.
    generated = [fake.street_name() for _ in range(300)]
    return tuple(dict.fromkeys(CLASSIC_STREETS + tuple(generated)))


CLASSIC_STREETS = (
    "Kerkstraat", "Dorpsstraat", "Molenweg", "Stationsweg", "Schoolstraat", "Nieuwstraat",
    "Julianastraat", "Wilhelminastraat", "Beatrixlaan", "Marktstraat", "Kanaalweg",
    "Parallelweg", "Sportlaan", "Hoofdstraat", "Lindelaan", "Eikenlaan", "Burgemeester "
    "de Withstraat", "Prins Bernhardlaan", "Oranjestraat", "Vondelstraat", "Zuiderweg",
    "Kastanjelaan", "Spoorstraat", "Havenstraat", "Achterweg", "Veldweg", "Nieuwe Gracht",
)  # fmt: skip
INDUSTRIAL_STREETS = (
    "Industrieweg", "Energieweg", "Transportweg", "Handelsweg", "Ambachtsweg", "Nijverheidsweg",
    "Edisonstraat", "Marconistraat", "Distributieweg", "Logistiekweg", "Veilingweg",
    "Kasweg", "Tuinbouwweg", "Slachthuisweg", "Havenkade",
)  # fmt: skip


# --- spelling variations, as two registers might write the same name -----------------------


def strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize(
        "NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    )


def has_diacritics(text: str) -> bool:
    return strip_diacritics(text) != text


_ADD_DIACRITIC = {"a": "á", "e": "é", "i": "í", "o": "ö", "u": "ü", "c": "ç", "s": "ș"}


def add_diacritic(rng: random.Random, text: str) -> str:
    """Put an accent on one letter: what a clerk copying a foreign passport might do."""
    positions = [i for i, ch in enumerate(text) if ch in _ADD_DIACRITIC and i > 0]
    if not positions:
        return text
    i = rng.choice(positions)
    return text[:i] + _ADD_DIACRITIC[text[i]] + text[i + 1 :]


def toggle_diacritics(rng: random.Random, text: str) -> str:
    return strip_diacritics(text) if has_diacritics(text) else add_diacritic(rng, text)


def typo(rng: random.Random, text: str) -> str:
    """One small typing error that keeps the word recognisable: swap, drop or double a letter.

    The first letter stays (people rarely get it wrong, and it keeps blocking on prefixes
    meaningful), and the word keeps at least four letters.
    """
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(letters) < 5:
        return text[:-1] + text[-1] * 2 if text else text
    choice = rng.randrange(3)
    i = rng.choice(letters[2:-1])
    if choice == 0 and text[i + 1].isalpha() and text[i] != text[i + 1]:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if choice == 1:
        return text[:i] + text[i + 1 :]
    return text[:i] + text[i] + text[i:]
