"""The synthetic register: determinism, distributions, planted overlaps, writing, refusals."""

import json
from collections import Counter
from datetime import date
from io import StringIO
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from zicht.accounts.models import Organisation
from zicht.audit.services import verify_chain
from zicht.register import matching, schema, workflow
from zicht.register.demo_data import names, overlap, profiles
from zicht.register.demo_data.generator import Catalogue, generate, signals_for_region
from zicht.register.demo_data.model import DemoRegister, IndicatorInfo, MunicipalityInfo
from zicht.register.demo_data.writer import ground_truth, node_catalogue, write
from zicht.register.models import Entity, EntityRelation, Signal, SignalEntity, SignalStatusChange

TODAY = date(2026, 3, 2)
TRAFFICKING = frozenset({"seksueel", "arbeid", "crimineel"})


def _catalogue(region: str) -> Catalogue:
    """A catalogue without a database: a few real municipalities, the indicator codes."""
    municipalities = {
        "midden-nederland": [
            MunicipalityInfo("GM0344", "Utrecht", 374238),
            MunicipalityInfo("GM0034", "Almere", 226500),
            MunicipalityInfo("GM0307", "Amersfoort", 161852),
            MunicipalityInfo("GM0345", "Veenendaal", 69440),
            MunicipalityInfo("GM0339", "Renswoude", 5753),
        ],
        "den-haag": [
            MunicipalityInfo("GM0518", "'s-Gravenhage", 566221),
            MunicipalityInfo("GM1783", "Westland", 115941),
            MunicipalityInfo("GM0546", "Leiden", 130108),
        ],
    }[region]
    indicators = (
        [IndicatorInfo(f"G{n:02d}", TRAFFICKING) for n in range(1, 23)]
        + [IndicatorInfo(f"L{n:02d}", frozenset({"arbeid"})) for n in range(1, 21)]
        + [IndicatorInfo(f"S{n:02d}", frozenset({"seksueel"})) for n in range(1, 17)]
        + [IndicatorInfo(f"C{n:02d}", frozenset({"crimineel"})) for n in range(1, 17)]
        + [IndicatorInfo(f"O{n:02d}", frozenset({"orgaan"})) for n in range(1, 4)]
        + [IndicatorInfo(f"B{n:02d}", frozenset({"benadeling"})) for n in range(1, 6)]
    )
    sectors = {s for weights in profiles.SECTORS.values() for s in weights if s}
    steps = {"werving", "huisvesting", "registratie", "arbeid", "verblijf", "terugkeer"}
    return Catalogue(municipalities, indicators, sectors, steps)


def _generate(signals: int, *, seed: int = 7, region: str = "midden-nederland") -> DemoRegister:
    return generate(
        region=region, seed=seed, signals=signals, catalogue=_catalogue(region), today=TODAY
    )


@pytest.fixture(scope="module")
def large() -> DemoRegister:
    return _generate(4000)


def _age(born: str, on: date) -> int:
    b = date.fromisoformat(born)
    return on.year - b.year - ((on.month, on.day) < (b.month, b.day))


# --- the generator (no database) -------------------------------------------------------------


def test_same_seed_gives_the_same_register() -> None:
    a, b = _generate(300), _generate(300)
    assert a.signals == b.signals
    assert a.entities == b.entities
    assert a.relations == b.relations
    assert a.planted == b.planted


def test_another_seed_gives_another_register() -> None:
    a, b = _generate(100, seed=1), _generate(100, seed=2)
    assert [s.description for s in a.signals] != [s.description for s in b.signals]
    assert {e.properties.get("last_name") for e in a.entities.values()} != {
        e.properties.get("last_name") for e in b.entities.values()
    }


def test_a_larger_run_extends_a_smaller_one() -> None:
    # So that re-running with a larger --signals adds signals instead of changing them.
    small, bigger = _generate(250), _generate(600)
    assert bigger.signals[:250] == small.signals
    for signal in small.signals:
        for key, _role in signal.links:
            assert bigger.entities[key] == small.entities[key]


def test_form_mix_follows_the_profile(large: DemoRegister) -> None:
    counts = Counter(s.form_codes[0] for s in large.signals)
    total = len(large.signals)
    for form, share in profiles.FORM_MIX.items():
        assert abs(counts[form] / total - share) < 0.03, (form, counts[form] / total)
    assert 0 < counts["orgaan"] < 0.015 * total


def test_criminal_exploitation_has_many_minors(large: DemoRegister) -> None:
    def minor_share(form: str) -> float:
        ages = [
            _age(large.entities[key].properties["birth_date"], s.received_on)
            for s in large.signals
            if s.form_codes[0] == form
            for key, role in s.links
            if role == "slachtoffer"
            and large.entities[key].kind == "person"
            and not key.startswith("overlap:")
        ]
        return sum(age < 18 for age in ages) / len(ages)

    assert minor_share("crimineel") > 0.45
    assert minor_share("arbeid") < 0.08
    assert minor_share("seksueel") < minor_share("crimineel")


def test_sectors_fit_the_form(large: DemoRegister) -> None:
    by_form: dict[str, Counter[str]] = {}
    for s in large.signals:
        by_form.setdefault(s.form_codes[0], Counter())[s.sector_code] += 1
    labour = by_form["arbeid"]
    assert (
        labour["landbouw-tuinbouw"] + labour["distributie-logistiek"] + labour["vleesverwerking"]
    ) / labour.total() > 0.45
    sexual = by_form["seksueel"]
    assert (sexual["thuisprostitutie"] + sexual["hotel"] + sexual["escort"]) / sexual.total() > 0.5
    assert sexual["landbouw-tuinbouw"] == 0
    # Midden-Nederland has no window area in this catalogue: those signals moved elsewhere.
    assert sexual["raamprostitutie"] == 0
    assert by_form["benadeling"][""] == 0


def test_indicators_come_from_the_form_and_are_stacked(large: DemoRegister) -> None:
    catalogue = {i.code: i.forms for i in _catalogue("midden-nederland").indicators}
    for s in large.signals:
        observed = [c for c, v in s.observations.items() if v == "observed"]
        assert len(observed) >= profiles.OBSERVED_COUNT[s.form_codes[0]][0]
        assert all(s.form_codes[0] in catalogue[code] for code in s.observations)
    labour = [s for s in large.signals if s.form_codes[0] == "arbeid"]
    own = sum(c.startswith("L") for s in labour for c in s.observations)
    assert own / sum(len(s.observations) for s in labour) > 0.4


def test_networks_reuse_entities(large: DemoRegister) -> None:
    signals_per_entity = Counter(key for s in large.signals for key, _role in set(s.links))
    kinds = Counter(
        large.entities[key].kind for key, count in signals_per_entity.items() if count >= 5
    )
    assert kinds["company"] > 0
    assert kinds["address"] > 0
    assert kinds["phone"] > 0
    housed = Counter(r.target for r in large.relations if r.type == "woont_op")
    assert max(housed.values()) >= 10
    paid = Counter(r.source for r in large.relations if r.type == "rekening_van")
    assert max(paid.values()) >= 5
    assert {r.type for r in large.relations} >= {
        "werkt_voor",
        "woont_op",
        "gebruikt_telefoon",
        "rekening_van",
    }


def test_victims_of_labour_exploitation_are_mostly_labour_migrants(large: DemoRegister) -> None:
    nationalities = Counter(
        large.entities[key].properties["nationality"]
        for s in large.signals
        if s.form_codes[0] == "arbeid"
        for key, role in s.links
        if role == "slachtoffer" and large.entities[key].kind == "person"
    )
    assert nationalities["Nederlandse"] / nationalities.total() < 0.15
    assert nationalities["Poolse"] + nationalities["Roemeense"] > nationalities.total() * 0.3


def test_every_entity_passes_the_register_schema(large: DemoRegister) -> None:
    for entity in large.entities.values():
        schema.clean_properties(entity.kind, entity.properties)


def test_lifecycles_follow_the_workflow_and_time(large: DemoRegister) -> None:
    finals = Counter(s.final_status for s in large.signals)
    assert set(finals) == {
        "ontvangen",
        "in_weging",
        "afgewezen",
        "doorgezet",
        "monitoring",
        "gesloten",
    }
    for s in large.signals:
        assert TODAY.toordinal() - profiles.HISTORY_DAYS <= s.received_on.toordinal()
        assert s.received_on <= TODAY
        status, day = "ontvangen", 0
        for step in s.lifecycle:
            workflow.check_transition(status, step.to_status, step.reason)
            assert day <= step.days_after_received <= (TODAY - s.received_on).days
            status, day = step.to_status, step.days_after_received


def test_national_numbers_scale_by_population() -> None:
    assert signals_for_region(10_000, 1_500_000, 18_000_000) == 833
    assert signals_for_region(10, 1, 18_000_000) == 1


# --- cross-region overlap --------------------------------------------------------------------


def test_overlaps_depend_on_the_seed_only() -> None:
    assert overlap.build_overlaps(7) == overlap.build_overlaps(7)
    assert overlap.build_overlaps(7) != overlap.build_overlaps(8)
    per_region = Counter(r for o in overlap.build_overlaps(7) for r in o.regions)
    assert len(per_region) == 10
    assert max(per_region.values()) - min(per_region.values()) <= 1
    assert all(2 <= len(o.regions) <= 3 for o in overlap.build_overlaps(7))


def test_two_regions_plant_the_same_overlaps() -> None:
    mn = _generate(200, region="midden-nederland")
    dh = _generate(200, region="den-haag")
    shared = {o.id for o in mn.overlaps} & {o.id for o in dh.overlaps}
    assert shared == {
        o.id
        for o in overlap.build_overlaps(7)
        if {"midden-nederland", "den-haag"} <= set(o.regions)
    }
    for register in (mn, dh):
        assert set(register.planted) == {o.id for o in register.overlaps}
        for o in register.overlaps:
            key = f"overlap:{o.id}"
            assert register.entities[key].properties == {
                k: v for k, v in o.variant_for(register.region).properties.items() if v
            }
            carriers = [
                s for s in register.signals if s.external_reference in register.planted[o.id]
            ]
            assert carriers
            assert all(key in dict(s.links) for s in carriers)
    for o in overlap.build_overlaps(7):
        if o.id in shared:
            assert next(x for x in mn.overlaps if x.id == o.id) == o
            assert next(x for x in dh.overlaps if x.id == o.id) == o


def test_variant_spellings_stay_recognisable() -> None:
    """Each variant is what the fuzzy duplicate check is meant to catch."""
    variations: Counter[str] = Counter()
    for o in overlap.build_overlaps(7):
        canonical = o.variants[0].properties
        for variant in o.variants[1:]:
            variations[variant.variation] += 1
            props = variant.properties
            if o.kind == "person":
                a = matching.name_key(f"{canonical['first_names']} {canonical['last_name']}")
                b = matching.name_key(f"{props['first_names']} {props['last_name']}")
                assert matching.similarity(a, b) >= matching.PERSON_THRESHOLD
                assert props["birth_date"] == canonical["birth_date"]
            elif o.kind == "company":
                a = matching.name_key(canonical["name"], company=True)
                b = matching.name_key(props["name"], company=True)
                assert matching.similarity(a, b) >= matching.COMPANY_THRESHOLD
            else:
                assert (
                    schema.identifiers_of("address", schema.clean_properties("address", props))[-1]
                    == schema.identifiers_of(
                        "address", schema.clean_properties("address", canonical)
                    )[-1]
                )
    assert {"typo", "swapped", "diacritics", "legal_form"} <= set(variations)


def test_spelling_helpers() -> None:
    assert names.strip_diacritics("Ionuț Ștefănescu") == "Ionut Stefanescu"
    assert names.transliterate("Олена Шевченко") == "Olena Shevchenko"
    assert names.transliterate("Щерев", bulgarian=True) == "Shterev"


# --- writing into a node ---------------------------------------------------------------------


@pytest.mark.django_db
def test_write_stores_the_register_through_the_services(tmp_path: Path) -> None:
    today = timezone.localdate()
    register = generate(
        region="midden-nederland",
        seed=3,
        signals=120,
        catalogue=node_catalogue("midden-nederland"),
        today=today,
    )
    result = write(register)
    assert result.signals_created == 120
    signals = Signal.objects.filter(external_reference__startswith="demo:3:midden-nederland:")
    assert signals.count() == 120
    assert Counter(signals.values_list("status", flat=True)) == Counter(
        s.final_status for s in register.signals
    )
    # History is append-only and follows the workflow, signal by signal.
    for signal in signals.prefetch_related("status_changes"):
        changes = list(signal.status_changes.order_by("changed_at", "id"))
        assert changes[0].from_status == ""
        for before, after in pairwise(changes):
            assert after.from_status == before.to_status
        assert changes[-1].to_status == signal.status
    assert EntityRelation.objects.count() == len(
        {
            (result.entity_ids[r.source], result.entity_ids[r.target], r.type)
            for r in register.relations
            if r.source in result.entity_ids and r.target in result.entity_ids
        }
    )
    assert verify_chain() is None

    truth = ground_truth(register, result)
    assert truth["overlaps"]
    for item in truth["overlaps"]:
        entity = Entity.objects.get(pk=item["here"]["entity_id"])
        expected = item["variants"]["midden-nederland"]["properties"]
        assert entity.properties == schema.clean_properties(item["kind"], expected)
        linked = set(
            SignalEntity.objects.filter(entity=entity).values_list(
                "signal__external_reference", flat=True
            )
        )
        assert linked >= set(item["here"]["signals"])

    again = write(register)
    assert (again.signals_created, again.signals_skipped, again.relations) == (0, 120, 0)
    assert signals.count() == 120


@pytest.mark.django_db
def test_command_writes_ground_truth_and_feeds_the_demo_partner(tmp_path: Path) -> None:
    call_command("setup_instance", "--demo", stdout=StringIO())
    path = tmp_path / "truth.json"
    out = StringIO()
    call_command(
        "generate_demo_data",
        "--region",
        "midden-nederland",
        "--signals",
        "80",
        "--seed",
        "5",
        "--ground-truth",
        str(path),
        stdout=out,
    )
    assert "80 signals created" in out.getvalue()
    truth = json.loads(path.read_text(encoding="utf-8"))
    assert truth["seed"] == 5
    assert truth["region"] == "midden-nederland"
    references = {r for item in truth["overlaps"] for r in item["here"]["signals"]}
    assert Signal.objects.filter(external_reference__in=references).count() == len(references)
    # The partner of setup_instance --demo reports some signals, so its login sees a list.
    partner = Organisation.objects.get(name="Gemeente (demo) Midden-Nederland")
    assert Signal.objects.filter(reporting_organisation=partner).exists()
    assert SignalStatusChange.objects.filter(from_status="").count() == 80


@pytest.mark.django_db
@pytest.mark.usefixtures("as_hub")
def test_command_refuses_on_the_hub() -> None:
    with pytest.raises(CommandError, match="node"):
        call_command("generate_demo_data", "--signals", "5", stdout=StringIO())
    assert not Signal.objects.exists()


@pytest.mark.django_db
def test_command_refuses_in_production(settings: Any) -> None:
    settings.ZICHT_DEPLOYMENT = "production"
    with pytest.raises(CommandError, match="production"):
        call_command("generate_demo_data", "--signals", "5", stdout=StringIO())
    assert not Signal.objects.exists()


@pytest.mark.django_db
def test_command_refuses_another_region() -> None:
    with pytest.raises(CommandError, match="midden-nederland"):
        call_command(
            "generate_demo_data", "--region", "limburg", "--signals", "5", stdout=StringIO()
        )
    assert not Signal.objects.exists()
