"""Entities planted in two or three regions: the ground truth for joint research.

The overlaps are a function of the seed alone, not of the region being generated, so that
separate runs for different regions with the same seed plant the same companies, addresses
and persons. Each region spells them a little differently (a typo, swapped name order,
diacritics, another way of writing the legal form), as two registers would in practice.
"""

import random
from collections.abc import Callable
from datetime import date, timedelta

from zicht.regions import REGION_CODES
from zicht.register.demo_data import fakeids, names
from zicht.register.demo_data.model import Overlap, OverlapVariant

# How many of each are planted across the ten regions (each in two or three of them).
OVERLAP_COMPANIES = 10
OVERLAP_ADDRESSES = 6
OVERLAP_VICTIMS = 8
OVERLAP_SUSPECTS = 6
THREE_REGION_SHARE = 0.35
# Within a region the k-th overlap is planted in one of the signals 3k .. 3k+2, so all of
# them sit in the first few dozen signals whatever --signals is.
SLOT_WIDTH = 3

PERSON_VARIATIONS = ("typo", "swapped", "diacritics", "exact")
COMPANY_VARIATIONS = ("typo", "legal_form", "no_kvk", "exact")
ADDRESS_VARIATIONS = ("typo", "notation", "exact")

BIRTH_DATES_FROM = date(1978, 1, 1)
BIRTH_DATES_SPAN_DAYS = 25 * 365
# Places for planted addresses, by the region the address lies in (postcodes come from the
# region's PostNL areas, so place and postcode agree roughly, as in a hurried registration).
PLACES: dict[str, tuple[str, ...]] = {
    "noord-nederland": ("Groningen", "Leeuwarden", "Emmen", "Assen"),
    "oost-nederland": ("Enschede", "Apeldoorn", "Arnhem", "Nijmegen", "Zwolle", "Deventer"),
    "midden-nederland": ("Utrecht", "Amersfoort", "Almere", "Lelystad", "Veenendaal"),
    "noord-holland": ("Haarlem", "Alkmaar", "Zaandam", "Hoorn", "Den Helder"),
    "amsterdam-amstelland": ("Amsterdam", "Amstelveen", "Diemen", "Aalsmeer"),
    "den-haag": ("Den Haag", "Naaldwijk", "Delft", "Leiden", "Zoetermeer"),
    "rotterdam": ("Rotterdam", "Dordrecht", "Schiedam", "Spijkenisse", "Barendrecht"),
    "zeeland-west-brabant": ("Breda", "Tilburg", "Roosendaal", "Bergen op Zoom", "Vlissingen"),
    "oost-brabant": ("Eindhoven", "'s-Hertogenbosch", "Oss", "Helmond", "Boxmeer"),
    "limburg": ("Venlo", "Maastricht", "Heerlen", "Roermond", "Horst"),
}

COMPANY_WORDS = (
    "Agro", "Delta", "Polder", "Euro", "Prima", "Atlas", "Orion", "Noorder", "Zuider",
    "Flexi", "Trans", "Vita", "Horizon", "Rapid", "Golden", "Fair", "Vast", "Prime",
)  # fmt: skip
AGENCY_SUFFIXES = ("Flex", "Uitzendbureau", "Personeelsdiensten", "Staffing", "Work Force")


def _rng(*parts: object) -> random.Random:
    return random.Random(":".join(str(p) for p in parts))  # noqa: S311 - demo data, not secrets


class _RegionPicker:
    """Two or three regions per overlap, spread evenly: every region gets its share."""

    def __init__(self, seed: int) -> None:
        self.rng = _rng(seed, "overlap-regions")
        self.count = dict.fromkeys(REGION_CODES, 0)

    def __call__(self) -> list[str]:
        wanted = 3 if self.rng.random() < THREE_REGION_SHARE else 2
        # Least-used first; a random tie-break keeps the pairs varied.
        order = sorted(REGION_CODES, key=lambda r: (self.count[r], self.rng.random()))
        chosen = order[:wanted]
        self.rng.shuffle(chosen)  # the first one has the canonical spelling
        for region in chosen:
            self.count[region] += 1
        return chosen


def _person_variant(rng: random.Random, props: dict[str, str], variation: str) -> dict[str, str]:
    out = dict(props)
    if variation == "typo":
        out["last_name"] = names.typo(rng, props["last_name"])
    elif variation == "swapped":
        out["first_names"], out["last_name"] = props["last_name"], props["first_names"]
    elif variation == "diacritics":
        out["first_names"] = names.toggle_diacritics(rng, props["first_names"])
        out["last_name"] = names.toggle_diacritics(rng, props["last_name"])
    return out


def _company_variant(rng: random.Random, props: dict[str, str], variation: str) -> dict[str, str]:
    out = dict(props)
    base = props["name"].removesuffix(" B.V.")
    if variation == "typo":
        word, _, rest = base.partition(" ")
        out["name"] = f"{names.typo(rng, word)} {rest} B.V.".replace("  ", " ")
    elif variation == "legal_form":
        out["name"] = rng.choice((f"{base} BV", base, f"{base.upper()} B.V."))
    elif variation == "no_kvk":
        del out["kvk"]
    return out


def _address_variant(rng: random.Random, props: dict[str, str], variation: str) -> dict[str, str]:
    out = dict(props)
    if variation == "typo":
        out["street"] = names.typo(rng, props["street"])
    elif variation == "notation":
        # Same address, written another way: lower-case postcode without the space.
        out["postcode"] = props["postcode"].replace(" ", "").lower()
        out["house_number"] = props["house_number"].lower()
    return out


def _variants(
    rng: random.Random,
    canonical: dict[str, str],
    regions: list[str],
    variations: tuple[str, ...],
    vary: Callable[[random.Random, dict[str, str], str], dict[str, str]],
) -> tuple[OverlapVariant, ...]:
    # The first region has the canonical spelling; the others each get a variation, and no
    # two regions the same one, so the ground truth exercises every kind.
    chosen = rng.sample(list(variations), len(regions) - 1)
    out = [OverlapVariant(regions[0], dict(canonical), "canonical")]
    for region, variation in zip(regions[1:], chosen, strict=True):
        props = vary(rng, canonical, variation)
        out.append(OverlapVariant(region, props, variation))
    return tuple(out)


def build_overlaps(seed: int) -> list[Overlap]:
    """Every overlap of this seed, for all ten regions."""
    overlaps: list[Overlap] = []
    pick_regions = _RegionPicker(seed)
    for n in range(OVERLAP_COMPANIES):
        rng = _rng(seed, "overlap-company", n)
        regions = pick_regions()
        name = (
            f"{rng.choice(COMPANY_WORDS)} {rng.choice(AGENCY_SUFFIXES)} B.V."
            if n % 2 == 0
            else f"{rng.choice(COMPANY_WORDS)}{rng.choice(('land', 'veld', 'hof'))} "
            f"{rng.choice(('Kwekerijen', 'Logistics', 'Vleeswaren', 'Teelt'))} B.V."
        )
        canonical = {"name": name, "kvk": fakeids.kvk(rng), "legal_form": "Besloten vennootschap"}
        form = "arbeid" if n % 3 else "benadeling"
        role = "tussenpersoon" if n % 2 == 0 else "werkgever"
        overlaps.append(
            Overlap(
                f"company-{n:02d}",
                "company",
                role,
                form,
                _variants(rng, canonical, regions, COMPANY_VARIATIONS, _company_variant),
            )
        )
    for n in range(OVERLAP_ADDRESSES):
        rng = _rng(seed, "overlap-address", n)
        regions = pick_regions()
        # The address lies in the first region; the others meet it as an out-of-region place
        # where their victims were housed or worked.
        canonical = {
            "street": rng.choice(names.street_pool()),
            "house_number": f"{rng.randint(1, 250)}{rng.choice(('', '', 'A', 'B'))}",
            "postcode": fakeids.postcode(rng, regions[0]),
            "place": rng.choice(PLACES[regions[0]]),
        }
        form = "arbeid" if n % 2 == 0 else "seksueel"
        overlaps.append(
            Overlap(
                f"address-{n:02d}",
                "address",
                "locatie",
                form,
                _variants(rng, canonical, regions, ADDRESS_VARIATIONS, _address_variant),
            )
        )
    for n in range(OVERLAP_VICTIMS + OVERLAP_SUSPECTS):
        victim = n < OVERLAP_VICTIMS
        rng = _rng(seed, "overlap-person", n)
        regions = pick_regions()
        form = (
            rng.choice(("arbeid", "seksueel")) if victim else rng.choice(("seksueel", "crimineel"))
        )
        nationality = rng.choice(("RO", "PL", "BG", "HU", "UA", "NG") if victim else ("NL", "RO"))
        female = victim and form == "seksueel"
        person = names.person_name(rng, nationality, female=female)
        # Not relative to today: runs on different days must plant the same person.
        born = BIRTH_DATES_FROM + timedelta(days=rng.randint(0, BIRTH_DATES_SPAN_DAYS))
        canonical = {
            "first_names": person.first_names,
            "last_name": person.last_name,
            "birth_date": born.isoformat(),
            "nationality": names.NATIONALITIES[nationality].adjective,
        }
        overlaps.append(
            Overlap(
                f"person-{n:02d}",
                "person",
                "slachtoffer" if victim else "verdachte",
                form,
                _variants(rng, canonical, regions, PERSON_VARIATIONS, _person_variant),
            )
        )
    return overlaps


def slots_for(region: str, overlaps: list[Overlap], seed: int) -> dict[int, Overlap]:
    """Signal index → the overlap planted in it, for one region."""
    mine = [o for o in overlaps if region in o.regions]
    slots: dict[int, Overlap] = {}
    for k, overlap in enumerate(mine):
        offset = _rng(seed, "slot", overlap.id, region).randrange(SLOT_WIDTH)
        slots[k * SLOT_WIDTH + offset] = overlap
    return slots
