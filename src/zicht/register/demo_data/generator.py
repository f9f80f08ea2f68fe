"""The generator: a believable regional register as plain records, a pure function of its input.

``generate(region=…, seed=…, signals=…, …)`` returns a :class:`DemoRegister`; writing it to
the database is :mod:`zicht.register.demo_data.writer`'s job. Every signal draws from its own
random stream (seed, region, index), and the networks it may join belong to its block of
``BLOCK_SIZE`` signals, so signal *i* is the same whatever the total: a run with a larger
``--signals`` extends an earlier one instead of replacing it. ``today`` is an argument (not
read from the clock) so that tests can pin it.
"""

import bisect
import itertools
import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from zicht.regions import region_by_code
from zicht.register.demo_data import fakeids, names, overlap, profiles
from zicht.register.demo_data.model import (
    DemoRegister,
    EntitySpec,
    IndicatorInfo,
    MunicipalityInfo,
    OrganisationSpec,
    Overlap,
    RelationSpec,
    SignalSpec,
    StatusStep,
)

GENERATOR_VERSION = 1
DEMO_REFERENCE_PREFIX = "demo"
# Network members have fixed birth dates (not relative to today): a later run must find them.
NETWORK_BIRTH_FROM = date(1962, 1, 1)
NETWORK_BIRTH_SPAN_DAYS = 36 * 365


def external_reference(seed: int, region: str, index: int) -> str:
    return f"{DEMO_REFERENCE_PREFIX}:{seed}:{region}:{index:06d}"


def reference_prefix(seed: int, region: str) -> str:
    return f"{DEMO_REFERENCE_PREFIX}:{seed}:{region}:"


def _rng(*parts: object) -> random.Random:
    return random.Random(":".join(str(p) for p in parts))  # noqa: S311 - demo data, not secrets


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


class _Sampler:
    """Weighted choice among municipalities, in O(log n) per draw."""

    def __init__(self, items: Sequence[MunicipalityInfo], weight: float) -> None:
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(max(m.population, 1) ** weight for m in items))

    def __call__(self, rng: random.Random) -> MunicipalityInfo:
        x = rng.random() * self.cumulative[-1]
        return self.items[bisect.bisect_right(self.cumulative, x)]


@dataclass
class _Network:
    form: str
    municipality: MunicipalityInfo
    nationality: str
    sector: str
    hub: str = ""  # the company or person everything hangs on
    boss: str = ""
    addresses: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    account: str = ""
    vehicle: str = ""
    email: str = ""


@dataclass(frozen=True)
class Catalogue:
    """What the generator needs from the catalogues and reference data of a node."""

    municipalities: Sequence[MunicipalityInfo]
    indicators: Sequence[IndicatorInfo]
    sectors: Collection[str]
    route_steps: Collection[str]


class _Builder:
    def __init__(
        self,
        *,
        region: str,
        seed: int,
        catalogue: Catalogue,
        today: date,
        slots: dict[int, Overlap],
    ) -> None:
        if not catalogue.municipalities:
            raise ValueError(f"no municipalities for region {region!r}")
        self.region = region
        self.region_name = region_by_code(region).name
        self.seed = seed
        self.catalogue = catalogue
        self.today = today
        self.slots = slots
        self.by_code = {m.code: m for m in catalogue.municipalities}
        self.urban = _Sampler(catalogue.municipalities, 1.0)
        self.rural = _Sampler(catalogue.municipalities, 0.5)
        self.entities: dict[str, EntitySpec] = {}
        self.relations: dict[tuple[str, str, str], RelationSpec] = {}
        self.organisations: dict[str, OrganisationSpec] = {}
        self.blocks: dict[int, dict[str, list[_Network]]] = {}
        self.indicators_by_form: dict[str, list[str]] = {}
        self.own_form: dict[str, set[str]] = {}
        for form in profiles.FORM_MIX:
            codes = [i.code for i in catalogue.indicators if form in i.forms]
            self.indicators_by_form[form] = codes
            self.own_form[form] = {
                i.code for i in catalogue.indicators if form in i.forms and len(i.forms) == 1
            }
        self.planted: dict[str, list[str]] = {}

    # --- entities ------------------------------------------------------------------------

    def entity(self, key: str, kind: str, properties: dict[str, str]) -> str:
        if key not in self.entities:
            self.entities[key] = EntitySpec(key, kind, {k: v for k, v in properties.items() if v})
        return key

    def relate(self, source: str, target: str, type: str) -> None:
        self.relations.setdefault((source, target, type), RelationSpec(source, target, type))

    def person(
        self,
        rng: random.Random,
        key: str,
        nationality: str,
        *,
        female: bool,
        born: date,
    ) -> str:
        name = names.person_name(rng, nationality, female=female)
        return self.entity(
            key,
            "person",
            {
                "first_names": name.first_names,
                "last_name": name.last_name,
                "birth_date": born.isoformat(),
                "nationality": names.NATIONALITIES[nationality].adjective,
            },
        )

    def address(
        self, rng: random.Random, key: str, municipality: MunicipalityInfo, *, industrial: bool
    ) -> str:
        street = rng.choice(names.INDUSTRIAL_STREETS if industrial else names.street_pool())
        number = str(rng.randint(1, 180 if not industrial else 60))
        if not industrial and rng.random() < 0.15:
            number += rng.choice("ABC")
        return self.entity(
            key,
            "address",
            {
                "street": street,
                "house_number": number,
                "postcode": fakeids.postcode(rng, self.region),
                "place": municipality.name,
            },
        )

    def company(self, rng: random.Random, key: str, name: str, sector: str) -> str:
        props = {
            "name": name,
            "legal_form": "Besloten vennootschap",
            "sector": profiles.COMPANY_SECTORS.get(sector, ""),
        }
        if rng.random() < 0.85:
            props["kvk"] = fakeids.kvk(rng)
        return self.entity(key, "company", props)

    def employer_name(self, rng: random.Random, sector: str) -> str:
        last = rng.choice(names.pools("NL").last_male).split(" ")[-1]
        word = rng.choice(overlap.COMPANY_WORDS)
        patterns = {
            "landbouw-tuinbouw": (f"Kwekerij {last}", f"Tuinbouwbedrijf {last} B.V.",
                                  f"{word} Teelt B.V.", f"Aspergeteelt {last}"),
            "distributie-logistiek": (f"{word} Logistics B.V.", f"DC {word} B.V.",
                                      f"{last} Warehousing B.V."),
            "vleesverwerking": (f"Vleesverwerking {last} B.V.", f"{word} Meat Group B.V.",
                                f"Uitbeenbedrijf {last}"),
            "bouw": (f"Bouwbedrijf {last} B.V.", f"{word} Bouw B.V."),
            "horeca": (f"Restaurant {word}", f"Eethuis {last}", f"Grillroom {word}"),
            "schoonmaak": (f"Schoonmaakbedrijf {last}", f"{word} Cleaning B.V."),
            "nagelsalons": (f"Nagelstudio {word}", f"{word} Nails"),
            "massagesalons": (f"Massagesalon {word}", f"{word} Wellness"),
            "transport": (f"Transportbedrijf {last} B.V.", f"{word} Trans B.V."),
            "havens": (f"{word} Stevedoring B.V.", f"Havenbedrijf {last}"),
        }  # fmt: skip
        return rng.choice(patterns.get(sector, (f"{last} Diensten B.V.", f"{word} Services B.V.")))

    def born(self, rng: random.Random, received: date, form: str, *, minor: bool) -> date:
        if minor:
            years = rng.randint(13, 17)
        else:
            mean, spread = profiles.ADULT_AGE[form]
            years = max(18, min(70, round(rng.gauss(mean, spread))))
        return received - timedelta(days=years * 365 + rng.randint(0, 364))

    def network_born(self, rng: random.Random) -> date:
        return NETWORK_BIRTH_FROM + timedelta(days=rng.randint(0, NETWORK_BIRTH_SPAN_DAYS))

    # --- networks ------------------------------------------------------------------------

    def networks(self, block: int) -> dict[str, list[_Network]]:
        if block not in self.blocks:
            self.blocks[block] = {
                form: [self.make_network(form, block, n) for n in range(count)]
                for form, count in profiles.NETWORKS_PER_BLOCK.items()
            }
        return self.blocks[block]

    def make_network(self, form: str, block: int, n: int) -> _Network:
        rng = _rng(self.seed, self.region, "network", block, form, n)
        key = f"net:{block}:{form}:{n}"
        sector = _pick(rng, {k: v for k, v in profiles.SECTORS[form].items() if k})
        municipality = (self.rural if sector in profiles.RURAL_SECTORS else self.urban)(rng)
        nationality = _pick(rng, profiles.VICTIM_NATIONALITIES[form])
        net = _Network(form, municipality, nationality, sector)
        boss_nationality = "NL" if rng.random() < profiles.SUSPECT_NL_SHARE[form] else nationality
        net.boss = self.person(
            rng,
            f"{key}:boss",
            boss_nationality,
            female=rng.random() < 0.15,
            born=self.network_born(rng),
        )
        if form == "arbeid":
            # A word or a family name: enough different agencies for a large register.
            first = rng.choice(
                overlap.COMPANY_WORDS if rng.random() < 0.4 else names.pools("NL").last_male
            )
            first = first[:1].upper() + first[1:]  # "Van Vliet Flex B.V."
            suffix = rng.choice(overlap.AGENCY_SUFFIXES)
            net.hub = self.company(rng, f"{key}:agency", f"{first} {suffix} B.V.", "uitzendbureau")
            net.addresses = [
                self.address(rng, f"{key}:house{i}", municipality, industrial=False)
                for i in range(rng.randint(2, 4))
            ]
            net.account = self.entity(
                f"{key}:account", "bank_account", {"iban": fakeids.iban_nl(rng)}
            )
            net.phones = [self.entity(f"{key}:phone", "phone", {"number": fakeids.mobile_nl(rng)})]
            net.vehicle = self.entity(f"{key}:van", "vehicle", {"kenteken": fakeids.kenteken(rng)})
            self.relate(net.boss, net.hub, "bestuurder_van")
            for address in net.addresses:
                self.relate(net.hub, address, "eigenaar_van")
            self.relate(net.hub, net.phones[0], "gebruikt_telefoon")
        elif form == "benadeling":
            net.hub = self.company(rng, f"{key}:employer", self.employer_name(rng, sector), sector)
            net.addresses = [self.address(rng, f"{key}:shed", municipality, industrial=True)]
            self.relate(net.boss, net.hub, "bestuurder_van")
            self.relate(net.hub, net.addresses[0], "eigenaar_van")
        elif form == "seksueel":
            net.hub = net.boss
            net.phones = [
                self.entity(f"{key}:phone{i}", "phone", {"number": fakeids.mobile_nl(rng)})
                for i in range(2)
            ]
            net.addresses = [self.address(rng, f"{key}:flat", municipality, industrial=False)]
            net.account = self.entity(
                f"{key}:account",
                "bank_account",
                {"iban": fakeids.iban_for(rng, boss_nationality)},
            )
            local = rng.choice(("lovely", "sweet", "angel", "vip", "dream"))
            net.email = self.entity(f"{key}:mail", "email", {"address": fakeids.email(rng, local)})
            for phone in net.phones:
                self.relate(net.boss, phone, "gebruikt_telefoon")
            self.relate(net.account, net.boss, "rekening_van")
        elif form == "crimineel":
            net.hub = net.boss
            net.phones = [self.entity(f"{key}:phone", "phone", {"number": fakeids.mobile_nl(rng)})]
            net.addresses = [self.address(rng, f"{key}:stash", municipality, industrial=False)]
            net.vehicle = self.entity(f"{key}:car", "vehicle", {"kenteken": fakeids.kenteken(rng)})
            self.relate(net.boss, net.phones[0], "gebruikt_telefoon")
            self.relate(net.boss, net.addresses[0], "woont_op")
        return net

    # --- one signal ----------------------------------------------------------------------

    def signal(self, index: int) -> SignalSpec:
        rng = _rng(self.seed, self.region, "signal", index)
        ref = external_reference(self.seed, self.region, index)
        planted = self.slots.get(index)
        form = planted.form if planted else _pick(rng, profiles.FORM_MIX)
        forms = [form]
        second = profiles.SECOND_FORM.get(form)
        if second and rng.random() < second[1]:
            forms.append(second[0])

        network: _Network | None = None
        if form in profiles.NETWORKS_PER_BLOCK and rng.random() < profiles.NETWORK_SHARE[form]:
            network = rng.choice(self.networks(index // profiles.BLOCK_SIZE)[form])
        if network is not None and rng.random() < 0.7:
            sector = network.sector
        else:
            sector = _pick(rng, profiles.SECTORS[form])
        if network is not None and rng.random() < 0.8:
            municipality = network.municipality
        else:
            municipality = (self.rural if sector in profiles.RURAL_SECTORS else self.urban)(rng)
        if sector in profiles.LOCAL_SECTORS:
            where, fallback = profiles.LOCAL_SECTORS[sector]
            local = [m for m in self.catalogue.municipalities if m.code in where]
            if local:
                municipality = _Sampler(local, 1.0)(rng)
            else:
                sector = fallback
        if sector and sector not in self.catalogue.sectors:
            sector = ""

        received = self.received_on(rng)
        organisation, role = self.reporter(rng, form, municipality)
        situation: set[str] = set()
        links: list[tuple[str, str]] = []
        victims = self.people_and_things(
            rng, index, form, sector, municipality, received, network, planted, links, situation
        )
        if planted is not None:
            self.planted.setdefault(planted.id, []).append(ref)
        return SignalSpec(
            index=index,
            external_reference=ref,
            received_on=received,
            organisation=organisation,
            reporter_role=role,
            municipality_code=municipality.code,
            sector_code=sector,
            route_step_code=self.route_step(rng, form),
            form_codes=forms,
            observations=self.observations(rng, form, situation),
            description=self.description(rng, form, sector, municipality, victims, network),
            confidentiality=_pick(rng, profiles.CONFIDENTIALITY),
            links=links,
            lifecycle=self.lifecycle(rng, received),
        )

    def received_on(self, rng: random.Random) -> date:
        # A mix of uniform and "more recent is more likely": registrations grew (§7).
        if rng.random() < 0.7:
            days = rng.randrange(profiles.HISTORY_DAYS)
        else:
            days = int(rng.triangular(0, profiles.HISTORY_DAYS, 0))
        received = self.today - timedelta(days=days)
        weekday = received.weekday()
        if weekday >= 5 and rng.random() < 0.85:
            received -= timedelta(days=weekday - 4)  # partners mostly report on weekdays
        return received

    def reporter(
        self, rng: random.Random, form: str, municipality: MunicipalityInfo
    ) -> tuple[str, str]:
        options = profiles.REPORTERS[form]
        kind, role, _weight = rng.choices(options, weights=[o[2] for o in options])[0]
        region = self.region_name
        if kind == "gemeente":
            if rng.random() < profiles.DEMO_PARTNER_SHARE:
                spec = OrganisationSpec(
                    "gemeente-demo", DEMO_GEMEENTE_NAME.format(region=region), "gemeente"
                )
            else:
                spec = OrganisationSpec(
                    f"gemeente:{municipality.code}",
                    f"Gemeente {municipality.name}",
                    "gemeente",
                    municipality.code,
                )
        else:
            name, type = ORGANISATIONS[kind]
            spec = OrganisationSpec(kind, name.format(region=region), type)
        self.organisations.setdefault(spec.key, spec)
        return spec.key, role

    def people_and_things(
        self,
        rng: random.Random,
        index: int,
        form: str,
        sector: str,
        municipality: MunicipalityInfo,
        received: date,
        network: _Network | None,
        planted: Overlap | None,
        links: list[tuple[str, str]],
        situation: set[str],
    ) -> int:
        """Add the signal's entities, links and relations; returns the number of victims."""
        key = f"sig:{index}"
        low, high = profiles.VICTIMS_PER_SIGNAL[form]
        count = rng.randint(low, high)
        minor_share = profiles.MINOR_SHARE[form]
        victims: list[str] = []
        for v in range(count):
            nationality = (
                network.nationality
                if network is not None and rng.random() < 0.7
                else _pick(rng, profiles.VICTIM_NATIONALITIES[form])
            )
            minor = rng.random() < minor_share
            if minor:
                situation.add("minor_school" if nationality == "NL" else "unaccompanied_minor")
            if nationality != "NL":
                situation.add("foreign")
            victims.append(
                self.person(
                    rng,
                    f"{key}:victim{v}",
                    nationality,
                    female=rng.random() < profiles.FEMALE_SHARE[form],
                    born=self.born(rng, received, form, minor=minor),
                )
            )

        planted_key = ""
        if planted is not None:
            variant = planted.variant_for(self.region)
            planted_key = self.entity(f"overlap:{planted.id}", planted.kind, variant.properties)
            if planted.kind == "person" and planted.role == "slachtoffer":
                victims[0] = planted_key
        for victim in victims:
            links.append((victim, "slachtoffer"))

        suspect = ""
        if planted is not None and planted.kind == "person" and planted.role == "verdachte":
            suspect = planted_key
        elif network is not None and form in ("seksueel", "crimineel") and rng.random() < 0.8:
            suspect = network.boss
        elif rng.random() < profiles.SUSPECT_SHARE[form]:
            nationality = (
                "NL"
                if rng.random() < profiles.SUSPECT_NL_SHARE[form]
                else _pick(rng, profiles.VICTIM_NATIONALITIES[form])
            )
            suspect = self.person(
                rng,
                f"{key}:suspect",
                nationality,
                female=rng.random() < 0.2,
                born=self.born(rng, received, "arbeid", minor=False),
            )
        if suspect:
            links.append((suspect, "verdachte"))

        if form in ("arbeid", "benadeling"):
            self.labour(
                rng, key, sector, municipality, network, planted, planted_key, victims, links,
                situation,
            )  # fmt: skip
        elif form == "seksueel":
            self.sexual(rng, key, municipality, network, planted, planted_key, victims, links)
            situation.add("advert_phone" if network is not None else "boyfriend")
        elif form == "crimineel":
            self.criminal(rng, key, network, suspect, victims, links, situation)
        return len(victims)

    def labour(
        self,
        rng: random.Random,
        key: str,
        sector: str,
        municipality: MunicipalityInfo,
        network: _Network | None,
        planted: Overlap | None,
        planted_key: str,
        victims: list[str],
        links: list[tuple[str, str]],
        situation: set[str],
    ) -> None:
        employer = ""
        if planted is not None and planted.kind == "company":
            employer = planted_key
            links.append((employer, planted.role))
        elif network is not None:
            links.append(
                (network.hub, "tussenpersoon" if network.form == "arbeid" else "werkgever")
            )
            employer = network.hub
        if not employer or (network is not None and rng.random() < 0.4):
            own = self.company(rng, f"{key}:employer", self.employer_name(rng, sector), sector)
            links.append((own, "werkgever"))
            employer = employer or own
        housing = ""
        if planted is not None and planted.kind == "address":
            housing = planted_key
        elif network is not None and network.addresses:
            housing = rng.choice(network.addresses)
        elif rng.random() < 0.5:
            housing = self.address(rng, f"{key}:address", municipality, industrial=False)
        if housing:
            links.append((housing, "locatie"))
            situation.add("housed_by_employer")
        for victim in victims:
            self.relate(victim, employer, "werkt_voor")
            if housing:
                self.relate(victim, housing, "woont_op")
        if network is not None and network.account and rng.random() < 0.5:
            links.append((network.account, "tussenpersoon"))
            situation.add("agency_account")
            for victim in victims:
                self.relate(network.account, victim, "rekening_van")
        if network is not None and network.vehicle and rng.random() < 0.15:
            links.append((network.vehicle, "tussenpersoon"))

    def sexual(
        self,
        rng: random.Random,
        key: str,
        municipality: MunicipalityInfo,
        network: _Network | None,
        planted: Overlap | None,
        planted_key: str,
        victims: list[str],
        links: list[tuple[str, str]],
    ) -> None:
        phone = ""
        if network is not None:
            phone = rng.choice(network.phones)
            links.append((phone, "verdachte"))
            if rng.random() < 0.3:
                links.append((network.email, "verdachte"))
            if rng.random() < 0.25:
                links.append((network.account, "verdachte"))
        elif rng.random() < 0.5:
            phone = self.entity(f"{key}:phone", "phone", {"number": fakeids.mobile_nl(rng)})
            links.append((phone, "slachtoffer"))
        address = ""
        if planted is not None and planted.kind == "address":
            address = planted_key
        elif network is not None and rng.random() < 0.6:
            address = network.addresses[0]
        elif rng.random() < 0.4:
            address = self.address(rng, f"{key}:address", municipality, industrial=False)
        if address:
            links.append((address, "locatie"))
        for victim in victims:
            if phone:
                self.relate(victim, phone, "gebruikt_telefoon")
            if address:
                self.relate(victim, address, "woont_op")

    def criminal(
        self,
        rng: random.Random,
        key: str,
        network: _Network | None,
        suspect: str,
        victims: list[str],
        links: list[tuple[str, str]],
        situation: set[str],
    ) -> None:
        victim = victims[0]
        if rng.random() < 0.35:
            # The victim's own account, lent out as a money mule.
            account = self.entity(f"{key}:account", "bank_account", {"iban": fakeids.iban_nl(rng)})
            links.append((account, "slachtoffer"))
            self.relate(account, victim, "rekening_van")
            situation.add("money_mule")
        else:
            situation.add("drugs")
        if network is not None:
            if rng.random() < 0.5:
                links.append((network.phones[0], "verdachte"))
            if rng.random() < 0.3:
                links.append((network.addresses[0], "locatie"))
            if rng.random() < 0.15:
                links.append((network.vehicle, "verdachte"))
        elif suspect and rng.random() < 0.3:
            phone = self.entity(f"{key}:phone", "phone", {"number": fakeids.mobile_nl(rng)})
            links.append((phone, "verdachte"))
            self.relate(suspect, phone, "gebruikt_telefoon")

    def route_step(self, rng: random.Random, form: str) -> str:
        if rng.random() >= profiles.ROUTE_STEP_SHARE[form]:
            return ""
        step = _pick(rng, profiles.ROUTE_STEPS[form])
        return step if step in self.catalogue.route_steps else ""

    def observations(self, rng: random.Random, form: str, situation: set[str]) -> dict[str, str]:
        candidates = self.indicators_by_form[form]
        if not candidates:
            return {}
        boosted = {code for s in situation for code in profiles.BOOSTS.get(s, ())}
        own = self.own_form[form]
        weights = [
            (profiles.OWN_FORM_WEIGHT if code in own else profiles.GENERAL_WEIGHT)
            * (profiles.BOOST_FACTOR if code in boosted else 1.0)
            for code in candidates
        ]
        low, high = profiles.OBSERVED_COUNT[form]
        wanted = min(rng.randint(low, high), len(candidates))
        observed = _weighted_sample(rng, candidates, weights, wanted)
        rest = [c for c in candidates if c not in observed]
        checked = rng.sample(rest, min(len(rest), rng.randint(*profiles.NOT_OBSERVED_COUNT)))
        result = dict.fromkeys(sorted(observed), "observed")
        result.update(dict.fromkeys(sorted(checked), "not_observed"))
        return result

    def description(
        self,
        rng: random.Random,
        form: str,
        sector: str,
        municipality: MunicipalityInfo,
        victims: int,
        network: _Network | None,
    ) -> str:
        phrase = profiles.SECTOR_PHRASES.get(sector, "")
        place = municipality.name
        people = "één persoon" if victims == 1 else f"{victims} personen"
        templates = DESCRIPTIONS[form]
        text = rng.choice(templates).format(
            phrase=phrase, place=place, people=people, n=rng.randint(6, 40)
        )
        if network is not None and form in ("arbeid", "benadeling"):
            text += " Eerder gemeld adres; mogelijk dezelfde bemiddelaar als in andere meldingen."
        return " ".join(text.split())

    def lifecycle(self, rng: random.Random, received: date) -> list[StatusStep]:
        age = (self.today - received).days
        final = "ontvangen"
        for bound, weights in profiles.STATUS_BY_AGE:
            if age < bound:
                final = _pick(rng, weights)
                break
        if final == "ontvangen":
            return []
        path: list[str] = ["in_weging"]
        if final == "gesloten":
            path += [_pick(rng, profiles.CLOSED_VIA), "gesloten"]
        elif final != "in_weging":
            path.append(final)
        # Each step a little after the previous one, never after today.
        steps: list[StatusStep] = []
        day = 0
        gaps = {"in_weging": (1, 10), "gesloten": (30, 240)}
        for status in path:
            low, high = gaps.get(status, (5, 60))
            day = min(age, day + rng.randint(low, high))
            reason = ""
            if status == "afgewezen":
                reason = rng.choice(profiles.REJECTION_REASONS)
            elif status == "gesloten":
                reason = rng.choice(profiles.CLOSING_REASONS)
            steps.append(StatusStep(status, reason, day))
        return steps


def _weighted_sample(
    rng: random.Random, items: list[str], weights: list[float], k: int
) -> set[str]:
    # Efraimidis-Spirakis: the k largest u^(1/w) form a weighted sample without replacement.
    keyed = sorted(
        ((rng.random() ** (1.0 / w), item) for item, w in zip(items, weights, strict=True)),
        reverse=True,
    )
    return {item for _key, item in keyed[:k]}


DEMO_GEMEENTE_NAME = "Gemeente (demo) {region}"  # the partner of `setup_instance --demo`
ORGANISATIONS: dict[str, tuple[str, str]] = {
    "politie": ("Politie eenheid {region}", "politie"),
    # The same name as the demo partner that `setup_instance --demo` creates.
    "nla": ("Nederlandse Arbeidsinspectie – {region}", "nla"),
    "zorg": ("Zorgcoördinatie mensenhandel {region}", "zorg"),
    "kmar": ("Koninklijke Marechaussee – {region}", "kmar"),
}

# {people} is "één persoon" or "3 personen", always after a preposition or verb, so the
# sentence needs no agreement.
DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "arbeid": (
        "Bij een controle {phrase} in {place} aangetroffen: {people} die structureel lange "
        "dagen maken. Huisvesting en vervoer worden door de werkgever geregeld.",
        "Melding over arbeidsmigranten {phrase}: bij {people} wordt loon ingehouden voor huur "
        "en vervoer; er zijn schulden bij het bureau.",
        "Op één adres in {place} staan ongeveer {n} arbeidsmigranten ingeschreven. Zij werken "
        "{phrase} via hetzelfde uitzendbureau.",
        "Aan het loket in {place} verschenen {people} zonder eigen identiteitsbewijs; de "
        "werkgever houdt de paspoorten in bewaring. Werk {phrase}.",
        "Signaal uit huisbezoek: slaapplaatsen in een loods, boetes bij ziekmelding, werk "
        "{phrase}.",
    ),
    "benadeling": (
        "Controle {phrase} in {place}: structurele overschrijding van arbeidstijden en "
        "onderbetaling. Geen aanwijzingen voor dwang.",
        "Huisvesting van ongeveer {n} werknemers in een schuur in {place}; onbetaald overwerk "
        "{phrase}.",
        "Werknemers {phrase} krijgen minder dan het minimumloon uitbetaald; loonstroken ontbreken.",
    ),
    "seksueel": (
        "Advertentie met '24/7 beschikbaar' gevonden; betreft {people}, werkzaam {phrase} in "
        "{place}. Verdiensten worden afgedragen aan een derde.",
        "Zorgmelding over {people} met een oudere, controlerende vriend; mogelijk gedwongen tot "
        "seksuele handelingen {phrase}.",
        "Hotelmedewerkers in {place} zien wisselende mannen bij een jonge vrouw; de kamer wordt "
        "betaald door een derde.",
        "Telefoonnummer komt voor in meerdere advertenties; betreft {people} op wisselende "
        "adressen, werkzaam {phrase}.",
        "Jongere verspreidt naaktbeelden onder dwang; signaal via school en jeugdhulp in {place}.",
    ),
    "crimineel": (
        "Minderjarige verzuimt structureel van school in {place} en heeft meerdere telefoons en "
        "veel contant geld.",
        "Melding over {people}, gedwongen drugs te vervoeren; wordt bij school opgewacht door "
        "oudere jongens.",
        "Bankrekening gebruikt om geld door te sluizen (geldezel); schuld bij een oudere bekende.",
        "Aangetroffen bij winkeldiefstal in {place}; vertelt onder druk te staan van een groep.",
        "Jongere met licht verstandelijke beperking laat auto's en abonnementen op eigen naam "
        "zetten voor anderen.",
        "Uithalers in de haven geworven via sociale media en met schuld onder druk gezet; "
        "betreft {people}.",
    ),
    "orgaan": (
        "Zorgverlener meldt recent litteken na operatie in het buitenland; vage uitleg, "
        "reisschuld genoemd.",
        "Melding over {people}: onder druk van familie een nier afstaan om een schuld af te "
        "lossen.",
    ),
}


def generate(
    *, region: str, seed: int, signals: int, catalogue: Catalogue, today: date
) -> DemoRegister:
    """A register of ``signals`` signals for ``region``; the same input gives the same output."""
    if signals < 0:
        raise ValueError("signals must be zero or more")
    overlaps = overlap.build_overlaps(seed)
    slots = overlap.slots_for(region, overlaps, seed)
    builder = _Builder(region=region, seed=seed, catalogue=catalogue, today=today, slots=slots)
    specs = [builder.signal(i) for i in range(signals)]
    return DemoRegister(
        region=region,
        seed=seed,
        organisations=sorted(builder.organisations.values(), key=lambda o: o.key),
        entities=builder.entities,
        signals=specs,
        relations=list(builder.relations.values()),
        overlaps=[o for o in overlaps if region in o.regions],
        planted=builder.planted,
    )


def signals_for_region(
    national_total: int, region_population: int, national_population: int
) -> int:
    """A region's share of a national number of signals, by population (at least one)."""
    if national_population <= 0:
        raise ValueError("national population must be positive")
    return max(1, round(national_total * region_population / national_population))
