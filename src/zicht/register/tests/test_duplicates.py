"""Duplicate suggestions: exact on identifiers, fuzzy on names; merge and un-merge."""

from typing import Any

import pytest

from zicht.audit.models import AuditEntry
from zicht.register import services
from zicht.register.duplicates import suggestions
from zicht.register.errors import RegisterValidationError
from zicht.register.models import Entity, EntityRelation, SignalEntity
from zicht.register.tests.factories import make_entity, make_signal

pytestmark = pytest.mark.django_db


def _suggest(kind: str, **props: str) -> list[Any]:
    return suggestions(Entity.objects.all(), kind, props)


def test_exact_match_on_kvk_whatever_the_formatting() -> None:
    company = make_entity("company", name="Flex Uitzend B.V.", kvk="12345678")
    found = _suggest("company", name="Iets heel anders", kvk="1234 5678")
    assert [s.entity for s in found] == [company]
    assert "KvK-nummer" in found[0].reason


@pytest.mark.parametrize(
    "typed",
    ["Jan de Vries", "de Vries Jan", "Jan de Vriës", "Jan de Vreis", "JAN DE VRIES"],
)
def test_person_fuzzy_on_name_with_same_birth_date(typed: str) -> None:
    person = make_entity("person", first_names="Jan", last_name="de Vries", birth_date="1980-05-01")
    found = _suggest(
        "person",
        first_names=typed.split(" ", 1)[0],
        last_name=typed.split(" ", 1)[1],
        birth_date="01-05-1980",
    )
    assert [s.entity for s in found] == [person]
    assert "geboortedatum" in found[0].reason


def test_person_with_other_birth_date_or_other_name_is_not_suggested() -> None:
    make_entity("person", first_names="Jan", last_name="de Vries", birth_date="1980-05-01")
    assert (
        _suggest("person", first_names="Jan", last_name="de Vries", birth_date="1981-05-01") == []
    )
    assert _suggest("person", first_names="Piet", last_name="Jansen", birth_date="1980-05-01") == []


def test_company_fuzzy_ignores_legal_form_and_typos() -> None:
    company = make_entity("company", name="Agro Flex Personeelsdiensten B.V.")
    found = _suggest("company", name="Agroflex Personeelsdienst")
    assert found == [] or found[0].entity == company
    found = _suggest("company", name="Agro Flex Personeelsdiensten")
    assert [s.entity for s in found] == [company]


def test_merged_entities_are_not_suggested() -> None:
    a = make_entity("company", name="Bouw BV", kvk="11111111")
    b = make_entity("company", name="Bouw B.V.", kvk="22222222")
    services.merge_entities(acting_user=None, source=a, target=b, reason="zelfde")
    assert [s.entity for s in _suggest("company", kvk="11111111")] == []


def test_merge_moves_links_and_relations_and_unmerge_restores_them(make_user: Any) -> None:
    user = make_user("coordinator")
    duplicate = make_entity("company", name="Agro BV", kvk="11111111")
    original = make_entity("company", name="Agro B.V.", kvk="22222222")
    address = make_entity(
        "address", street="Dorpsstraat", house_number="1", postcode="3511 AA", place="Utrecht"
    )
    signal = make_signal(
        user, entities=[services.EntityInput(role="werkgever", existing_id=duplicate.pk)]
    )
    services.relate_entities(
        acting_user=user, source=duplicate, target=address, type="ingeschreven_op"
    )

    merge = services.merge_entities(
        acting_user=user, source=duplicate, target=original, reason="zelfde KvK-dossier"
    )
    assert SignalEntity.objects.get(signal=signal).entity == original
    assert EntityRelation.objects.get().source == original
    duplicate.refresh_from_db()
    assert duplicate.merged_into == original

    services.unmerge_entities(acting_user=user, merge=merge)
    assert SignalEntity.objects.get(signal=signal).entity == duplicate
    assert EntityRelation.objects.get().source == duplicate
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None
    assert (
        AuditEntry.objects.filter(
            object_type="register.entity", object_id=str(duplicate.pk), action="update"
        ).count()
        >= 3
    )
    with pytest.raises(RegisterValidationError):
        services.unmerge_entities(acting_user=user, merge=merge)


def test_merge_refuses_different_kinds() -> None:
    with pytest.raises(RegisterValidationError):
        services.merge_entities(
            acting_user=None,
            source=make_entity("company"),
            target=make_entity("vehicle", kenteken="AB-123-C"),
            reason="",
        )


def test_invalid_identifier_gives_dutch_message() -> None:
    with pytest.raises(RegisterValidationError) as excinfo:
        make_entity("bank_account", iban="NL00 ABNA 0123 4567 89")
    assert excinfo.value.errors["iban"]
    with pytest.raises(RegisterValidationError) as excinfo:
        make_entity("address", street="Kerkstraat", postcode="0123 AB")
    assert excinfo.value.errors["postcode"]


def test_bsn_is_refused_unless_allowed(settings: Any) -> None:
    settings.ZICHT_ALLOW_BSN = False
    with pytest.raises(RegisterValidationError) as excinfo:
        make_entity("person", first_names="A", last_name="B", bsn="111222333")
    assert "bsn" in excinfo.value.errors
    settings.ZICHT_ALLOW_BSN = True
    person = make_entity("person", first_names="A", last_name="B", bsn="111222333")
    assert person.identifiers.get(scheme="bsn").value == "111222333"


def test_company_candidates_sharing_more_words_come_first(monkeypatch: Any) -> None:
    import zicht.register.duplicates as duplicates

    # Fewer candidates than companies with the common word: the real one must still be seen.
    monkeypatch.setattr(duplicates, "MAX_CANDIDATES", 3)
    for n in range(8):
        make_entity("company", name=f"Aannemer Bouw {n}")
    real = make_entity("company", name="Kortman Bouw B.V.")
    found = _suggest("company", name="Kortmann Bouw")
    assert [s.entity for s in found] == [real]


def test_company_ranking_counts_only_company_words(monkeypatch: Any) -> None:
    import zicht.register.duplicates as duplicates

    # Persons whose names share both words sort before the company by id; ranked among all
    # kinds they would take every candidate slot.
    monkeypatch.setattr(duplicates, "MAX_CANDIDATES", 3)
    for n in range(5):
        make_entity("person", first_names="Kortman", last_name="Bouw", birth_date=f"199{n}-01-01")
    real = make_entity("company", name="Kortman Bouw B.V.")
    assert [s.entity for s in _suggest("company", name="Kortmann Bouw")] == [real]


def test_many_equal_matches_give_the_first_few_by_score_and_name() -> None:
    import zicht.register.duplicates as duplicates

    for n in reversed(range(duplicates.MAX_SUGGESTIONS + 4)):
        make_entity("company", name=f"Bouwbedrijf {n:02d}")
    make_entity("company", name="Bouwbedrijf")
    found = _suggest("company", name="Bouwbedrijf")
    assert len(found) == duplicates.MAX_SUGGESTIONS
    assert found[0].entity.label == "Bouwbedrijf"
    assert [s.entity.label for s in found[1:]] == [
        f"Bouwbedrijf {n:02d}" for n in range(duplicates.MAX_SUGGESTIONS - 1)
    ]
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)


def test_a_merged_entity_takes_no_new_relations() -> None:
    a = make_entity("company", name="A BV", kvk="11111111")
    b = make_entity("company", name="A B.V.", kvk="22222222")
    address = make_entity(
        "address", street="Kerkstraat", house_number="2", postcode="3511 AB", place="Utrecht"
    )
    services.merge_entities(acting_user=None, source=a, target=b, reason="zelfde")
    a.refresh_from_db()
    with pytest.raises(RegisterValidationError):
        services.relate_entities(acting_user=None, source=a, target=address, type="ingeschreven_op")
    assert services.relate_entities(
        acting_user=None, source=b, target=address, type="ingeschreven_op"
    )
