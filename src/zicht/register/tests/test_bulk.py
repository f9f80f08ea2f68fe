"""Bulk registration: all or nothing, idempotent, one audit entry, entities deduplicated.

The batch checks in zicht.register.bulk repeat rules that live elsewhere (with caches); the
equivalence tests here hold them to the originals: resolve_signal_input,
schema.clean_properties, schema.identifiers_of and services._apply_properties.
"""

from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zicht.audit.models import AuditEntry
from zicht.audit.services import verify_chain
from zicht.register import bulk, schema, services
from zicht.register.errors import BulkValidationError, RegisterValidationError
from zicht.register.models import (
    Entity,
    EntityIdentifier,
    IndicatorObservation,
    Signal,
    SignalEntity,
    SignalStatusChange,
)
from zicht.register.tests.factories import make_entity, make_signal, signal_input

pytestmark = pytest.mark.django_db


def company(kvk: str = "12345678", name: str = "Agro Flex B.V.", role: str = "werkgever") -> Any:
    return services.EntityInput(role=role, kind="company", properties={"name": name, "kvk": kvk})


def person(role: str = "slachtoffer", **properties: str) -> Any:
    values = {"first_names": "Ana", "last_name": "Popescu"} | properties
    return services.EntityInput(role=role, kind="person", properties=values)


def items(count: int, **overrides: Any) -> list[services.SignalInput]:
    return [
        signal_input(external_reference=f"NLA-{n:04d}", **overrides) for n in range(1, count + 1)
    ]


def bulk_import(batch: list[services.SignalInput], user: Any = None) -> services.BulkResult:
    return services.bulk_register_signals(acting_user=user, items=batch, source="test")


def test_registers_every_item_with_its_parts_and_one_audit_entry(make_user: Any) -> None:
    user = make_user("analist")
    audit_before = AuditEntry.objects.count()
    result = bulk_import(items(3, entities=[company(), person(birth_date="01-02-1990")]), user)
    assert (result.created, result.skipped) == (3, 0)
    signals = Signal.objects.filter(pk__in=result.signal_ids).order_by("pk")
    assert [s.external_reference for s in signals] == ["NLA-0001", "NLA-0002", "NLA-0003"]
    numbers = [int(s.reference.rsplit("-", 1)[1]) for s in signals]
    assert numbers == list(range(numbers[0], numbers[0] + 3))
    first = signals[0]
    assert first.submitted_by == user
    assert first.status == "ontvangen"
    assert first.status_changed_at is not None
    assert first.created_at is not None
    assert first.legal_hold is False
    assert [f.code for f in first.forms.all()] == ["arbeid"]
    assert {o.indicator.code: o.observation for o in first.observations.all()} == {
        "G01": "observed",
        "G02": "not_observed",
    }
    change = SignalStatusChange.objects.get(signal=first)
    assert (change.to_status, change.reason) == ("ontvangen", "Geregistreerd via test")
    # One company and one person (with a birth date) named on three rows: one entity each.
    assert result.entities_created == 2
    assert SignalEntity.objects.filter(signal__in=signals).count() == 6
    company_entity = Entity.objects.get(kind="company")
    assert company_entity.label == "Agro Flex B.V."
    assert company_entity.name_key
    assert EntityIdentifier.objects.filter(entity=company_entity, value="12345678").exists()
    assert Entity.objects.get(kind="person").birth_date == date(1990, 2, 1)
    entries = AuditEntry.objects.order_by("id")[audit_before:]
    assert [(e.action, e.object_type, e.detail["count"]) for e in entries] == [
        ("create", "register.signal", 3)
    ]
    assert verify_chain() is None


def test_one_bad_item_stops_the_whole_batch() -> None:
    before = (Signal.objects.count(), Entity.objects.count(), AuditEntry.objects.count())
    batch = items(3, entities=[company()])
    batch[1] = signal_input(
        external_reference="NLA-0002",
        municipality_code="GM9999",
        entities=[company(kvk="123")],
    )
    with pytest.raises(BulkValidationError) as excinfo:
        bulk_import(batch)
    assert list(excinfo.value.errors) == [1]
    assert set(excinfo.value.errors[1]) == {"municipality", "entities.0.kvk"}
    after = (Signal.objects.count(), Entity.objects.count(), AuditEntry.objects.count())
    assert after == before


def test_problems_of_every_item_are_reported() -> None:
    batch = [
        signal_input(external_reference="A", reporter_role="nee"),
        signal_input(external_reference="B"),
        signal_input(external_reference="C", form_codes=["onbekend"]),
    ]
    with pytest.raises(BulkValidationError) as excinfo:
        bulk_import(batch)
    assert excinfo.value.errors == {
        0: {"reporter_role": ["Kies de rol van de melder."]},
        2: {"forms": ["Onbekende vorm(en): onbekend."]},
    }


def test_importing_again_skips_what_is_registered() -> None:
    first = bulk_import(items(3, entities=[company()]))
    audit_before = AuditEntry.objects.count()
    again = bulk_import(items(4, entities=[company()]))
    assert (again.created, again.skipped) == (1, 3)
    assert Signal.objects.count() == 4
    assert Entity.objects.count() == 1  # the company is found in the register, not re-made
    assert (first.entities_created, again.entities_created, again.entities_reused) == (1, 0, 1)
    nothing = bulk_import(items(4))
    assert (nothing.created, nothing.skipped) == (0, 4)
    assert AuditEntry.objects.count() == audit_before + 1  # only the batch that wrote


def test_an_external_reference_twice_in_one_batch_is_an_error() -> None:
    batch = [*items(2), signal_input(external_reference="NLA-0001")]
    with pytest.raises(BulkValidationError) as excinfo:
        bulk_import(batch)
    assert set(excinfo.value.errors) == {0, 2}
    assert "meer dan eens" in excinfo.value.errors[2]["external_reference"][0]
    assert not Signal.objects.exists()


def test_signals_without_external_reference_are_always_new() -> None:
    assert bulk_import([signal_input(), signal_input()]).created == 2


def test_same_identifier_is_one_entity_and_later_values_fill_gaps() -> None:
    batch = [
        signal_input(external_reference="1", entities=[company(kvk="1234 5678", name="Agro")]),
        signal_input(
            external_reference="2",
            entities=[
                services.EntityInput(
                    role="werkgever",
                    kind="company",
                    properties={"kvk": "12345678", "legal_form": "B.V.", "name": "Agro BV"},
                )
            ],
        ),
    ]
    result = bulk_import(batch)
    assert result.entities_created == 1
    entity = Entity.objects.get()
    # The first mention's name wins; the legal form only the second one had is kept.
    assert entity.properties == {"name": "Agro", "kvk": "12345678", "legal_form": "B.V."}
    assert SignalEntity.objects.filter(entity=entity).count() == 2


def test_persons_without_identifier_merge_only_with_birth_date_and_same_data() -> None:
    batch = [
        signal_input(external_reference="1", entities=[person(), person(birth_date="1990-01-01")]),
        signal_input(external_reference="2", entities=[person(), person(birth_date="01-01-1990")]),
    ]
    result = bulk_import(batch)
    # Two "Ana Popescu"s without a birth date stay two persons; with the same date, one.
    assert result.entities_created == 3


def test_existing_entity_is_linked_and_a_merged_one_counts_as_its_target() -> None:
    target = make_entity("company", name="Agro Flex B.V.", kvk="11111111")
    source = make_entity("company", name="Agro Flex", kvk="22222222")
    services.merge_entities(acting_user=None, source=source, target=target, reason="dubbel")
    result = bulk_import(items(1, entities=[company(kvk="22222222")]))
    assert (result.entities_created, result.entities_reused) == (0, 1)
    link = SignalEntity.objects.get(signal_id=result.signal_ids[0])
    assert link.entity == target


def test_existing_entity_chosen_by_the_caller_is_checked() -> None:
    entity = make_entity()
    result = bulk_import(
        items(1, entities=[services.EntityInput(role="werkgever", existing_id=entity.pk)])
    )
    assert SignalEntity.objects.get(signal_id=result.signal_ids[0]).entity == entity
    with pytest.raises(BulkValidationError) as excinfo:
        bulk_import([signal_input(entities=[services.EntityInput(role="x", existing_id=-1)])])
    assert excinfo.value.errors[0]["entities.0"] == [
        "Onbekende rol ‘x’.",
        "De gekozen betrokkene bestaat niet (meer).",
    ]


def test_column_sizes_are_checked_before_writing() -> None:
    with pytest.raises(BulkValidationError) as excinfo:
        bulk_import([signal_input(external_reference="x" * 101, purpose="p" * 201)])
    assert set(excinfo.value.errors[0]) == {"external_reference", "purpose"}


def test_ids_continue_after_deleted_rows() -> None:
    # Tombstones name deleted ids; a new signal must never get one of them.
    doomed = make_signal()
    doomed_id = doomed.pk
    doomed.delete()
    result = bulk_import(items(1))
    assert result.signal_ids[0] > doomed_id


# --- The batch rules equal the rules they repeat ----------------------------------------------

BAD_INPUTS: list[dict[str, Any]] = [
    {"municipality_code": "GM9999"},
    {"municipality_code": "GM0363"},  # Amsterdam: outside the region without the flag
    {"municipality_code": "GM0363", "out_of_region": True},
    {"sector_code": "geen-sector"},
    {"route_step_code": "nergens"},
    {"form_codes": ["arbeid", "x", "y"]},
    {"observations": {"ZZ9": "observed", "G01": "misschien"}},
    {"reporter_role": ""},
    {"confidentiality": "streng"},
    {"received_on": date(2099, 1, 1)},
    {"purpose": " ", "legal_ground": ""},
    {"entities": [person(role="baas", first_names="", last_name="")]},
    {"entities": [company(kvk="12"), services.EntityInput(role="werkgever", existing_id=-5)]},
    {"entities": [services.EntityInput(role="werkgever", kind="ufo")]},
    {"sector_code": "bouw", "route_step_code": "werving", "form_codes": ["seksueel"]},
]


@pytest.mark.parametrize("overrides", BAD_INPUTS)
def test_batch_check_reports_what_resolve_signal_input_reports(overrides: dict[str, Any]) -> None:
    data = signal_input(**overrides)
    try:
        services.resolve_signal_input(data)
    except RegisterValidationError as exc:
        expected: dict[str, list[str]] = exc.errors
    else:
        expected = {}
    try:
        bulk.plan_batch([data])
    except BulkValidationError as exc:
        found = exc.errors[0]
    else:
        found = {}
    assert found == expected


def test_batch_check_resolves_what_resolve_signal_input_resolves() -> None:
    data = signal_input(sector_code="bouw", route_step_code="werving", form_codes=["seksueel"])
    resolved = services.resolve_signal_input(data)
    planned = bulk.plan_batch([data]).signals[0]
    assert planned.municipality_id == resolved.municipality.pk
    assert planned.sector_id == (resolved.sector.pk if resolved.sector else None)
    assert planned.route_step_id == (resolved.route_step.pk if resolved.route_step else None)
    assert planned.form_ids == [f.pk for f in resolved.forms]
    assert planned.observations == [(i.pk, v) for i, v in resolved.observations]


# Values that are valid, invalid or odd for the properties of every kind.
PROPERTY_VALUES = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "Jan",
            "de Vries",
            "12345678",
            "1234 5678",
            "000012345678",
            "12-03-1990",
            "1990-03-12",
            "31-02-1990",
            "3511 AB",
            "12a",
            "0363010000000001",
            "GB-123-K",
            "0612345678",
            "+31 20 123 4567",
            "iemand@example.nl",
            "NL91ABNA0417164300",
            "NL91ABNA0417164301",
            "111222333",
            "x" * 250,
        ]
    ),
    st.text(max_size=20),
)
PROPERTY_NAMES = st.sampled_from(
    sorted({p.name for props in schema.KINDS.values() for p in props} | {"onzin"})
)
PROPERTIES = st.dictionaries(PROPERTY_NAMES, PROPERTY_VALUES, max_size=6)
KINDS = st.sampled_from([*schema.KINDS, "ufo"])


def _outcome(clean: Any, kind: str, properties: dict[str, Any]) -> Any:
    try:
        return clean(kind, properties)
    except RegisterValidationError as exc:
        return {name: sorted(messages) for name, messages in exc.errors.items()}, "error"


@settings(max_examples=300, deadline=None)
@given(
    entities=st.lists(st.tuples(KINDS, PROPERTIES), min_size=1, max_size=8),
    allow_bsn=st.booleans(),
)
def test_entity_cleaner_equals_clean_properties(
    entities: list[tuple[str, dict[str, Any]]], allow_bsn: bool
) -> None:
    from django.test import override_settings

    with override_settings(ZICHT_ALLOW_BSN=allow_bsn):
        cleaner = bulk.EntityCleaner()  # shared by the examples, as in a batch
        for kind, properties in entities * 2:  # the second round comes from the memory
            assert _outcome(cleaner.clean, kind, properties) == _outcome(
                schema.clean_properties, kind, properties
            )


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(list(schema.KINDS)), properties=PROPERTIES)
def test_identifier_shortcut_and_derived_fields_equal_the_originals(
    kind: str, properties: dict[str, Any]
) -> None:
    try:
        cleaned = schema.clean_properties(kind, properties)
    except RegisterValidationError:
        return
    assert bulk.identifiers_of(kind, cleaned) == schema.identifiers_of(kind, cleaned)
    entity: Any = SimpleNamespace(kind=kind)
    services._apply_properties(entity, cleaned)
    expected = (entity.label, entity.name_key, entity.name_prefixes, entity.birth_date)
    assert bulk.DerivedFields()(kind, cleaned) == expected


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    entities=st.lists(
        st.tuples(st.sampled_from(["company", "address", "phone"]), PROPERTIES), max_size=5
    )
)
def test_bulk_never_writes_part_of_a_batch(entities: list[tuple[str, dict[str, Any]]]) -> None:
    from django.db import transaction

    batch = [
        signal_input(
            external_reference=f"F-{n}",
            entities=[services.EntityInput(role="getuige", kind=k, properties=p)],
        )
        for n, (k, p) in enumerate(entities)
    ]
    with transaction.atomic():
        before = (Signal.objects.count(), Entity.objects.count(), SignalEntity.objects.count())
        try:
            result = bulk_import(batch)
        except BulkValidationError:
            assert (
                Signal.objects.count(),
                Entity.objects.count(),
                SignalEntity.objects.count(),
            ) == before
        else:
            assert Signal.objects.count() == before[0] + result.created == before[0] + len(batch)
            observations = IndicatorObservation.objects.filter(signal_id__in=result.signal_ids)
            assert observations.count() == 2 * len(batch)
        transaction.set_rollback(True)
