"""Registering signals: validation, idempotency, lifecycle and audit."""

from datetime import date
from typing import Any

import pytest

from zicht.audit.models import AuditEntry
from zicht.audit.services import verify_chain
from zicht.register import services, workflow
from zicht.register.errors import RegisterValidationError
from zicht.register.models import Signal, SignalStatus, SignalStatusChange
from zicht.register.tests.factories import make_signal, signal_input

pytestmark = pytest.mark.django_db


def test_register_signal_with_indicators_and_entities(make_user: Any) -> None:
    user = make_user("analist")
    signal = make_signal(
        user,
        entities=[
            services.EntityInput(
                role="werkgever", kind="company", properties={"name": "Agro BV", "kvk": "1234 5678"}
            ),
            services.EntityInput(
                role="slachtoffer",
                kind="person",
                properties={
                    "first_names": "Ana",
                    "last_name": "Popescu",
                    "birth_date": "12-03-1994",
                },
            ),
        ],
    )
    assert signal.reference.startswith("MN-")
    assert signal.status == SignalStatus.RECEIVED
    assert {o.indicator.code: o.observation for o in signal.observations.all()} == {
        "G01": "observed",
        "G02": "not_observed",
    }
    company = signal.links.get(role="werkgever").entity
    assert company.properties["kvk"] == "12345678"
    person = signal.links.get(role="slachtoffer").entity
    assert person.birth_date == date(1994, 3, 12)
    assert AuditEntry.objects.filter(
        action="create", object_type="register.signal", object_id=str(signal.pk)
    ).exists()
    assert verify_chain() is None


def test_references_are_sequential() -> None:
    first, second = make_signal(), make_signal()
    assert int(second.reference.rsplit("-", 1)[1]) == int(first.reference.rsplit("-", 1)[1]) + 1


def test_municipality_outside_region_needs_the_flag() -> None:
    with pytest.raises(RegisterValidationError) as excinfo:
        make_signal(municipality_code="GM0363")  # Amsterdam
    assert "niet in regio Midden-Nederland" in excinfo.value.errors["municipality"][0]
    signal = make_signal(municipality_code="GM0363", out_of_region=True)
    assert signal.out_of_region


def test_every_problem_is_reported_and_nothing_is_written() -> None:
    before = Signal.objects.count()
    with pytest.raises(RegisterValidationError) as excinfo:
        make_signal(
            municipality_code="GM9999",
            form_codes=["bestaat-niet"],
            observations={"X99": "observed"},
            reporter_role="",
            entities=[
                services.EntityInput(role="werkgever", kind="company", properties={"kvk": "123"})
            ],
        )
    assert set(excinfo.value.errors) >= {
        "municipality",
        "forms",
        "observations",
        "reporter_role",
        "entities.0.kvk",
    }
    assert Signal.objects.count() == before


def test_external_reference_makes_resending_idempotent() -> None:
    first = make_signal(external_reference="NLA-2026-001")
    again, created = services.register_signal(
        acting_user=None, data=signal_input(external_reference="NLA-2026-001"), channel="test"
    )
    assert not created
    assert again.pk == first.pk


def test_lifecycle_to_monitoring_and_closed(make_user: Any) -> None:
    user = make_user("analist")
    signal = make_signal(user)
    signal = services.transition_signal(acting_user=user, signal=signal, to_status="in_weging")
    signal = services.transition_signal(acting_user=user, signal=signal, to_status="monitoring")
    signal = services.transition_signal(acting_user=user, signal=signal, to_status="gesloten")
    assert [c.to_status for c in signal.status_changes.all()] == [
        "ontvangen",
        "in_weging",
        "monitoring",
        "gesloten",
    ]
    assert AuditEntry.objects.filter(object_type="register.signal", action="update").count() == 3


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ([], "monitoring"),
        ([], "gesloten"),
        (["in_weging"], "ontvangen"),
        (["in_weging", "monitoring", "gesloten"], "in_weging"),
    ],
)
def test_invalid_transitions_are_refused(make_user: Any, path: list[str], target: str) -> None:
    user = make_user("analist")
    signal = make_signal(user)
    for step in path:
        signal = services.transition_signal(acting_user=user, signal=signal, to_status=step)
    with pytest.raises(workflow.TransitionError, match="kan niet naar"):
        services.transition_signal(acting_user=user, signal=signal, to_status=target)


def test_rejection_needs_a_reason(make_user: Any) -> None:
    user = make_user("analist")
    signal = services.transition_signal(
        acting_user=user, signal=make_signal(user), to_status="in_weging"
    )
    with pytest.raises(workflow.TransitionError, match="reden"):
        services.transition_signal(
            acting_user=user, signal=signal, to_status="afgewezen", reason="  "
        )
    signal = services.transition_signal(
        acting_user=user, signal=signal, to_status="afgewezen", reason="Geen RIEC-casus"
    )
    assert signal.status_changes.order_by("id").last().reason == "Geen RIEC-casus"  # type: ignore[union-attr]


def test_history_cannot_be_edited() -> None:
    change = SignalStatusChange.objects.filter(signal=make_signal()).get()
    change.reason = "anders"
    with pytest.raises(PermissionError):
        change.save()


def test_future_received_date_is_refused() -> None:
    with pytest.raises(RegisterValidationError) as excinfo:
        make_signal(received_on=date(2099, 1, 1))
    assert "received_on" in excinfo.value.errors


def test_bulk_transitions_follow_the_workflow_and_write_history() -> None:
    first, second = make_signal(), make_signal()
    step = services.StatusChangeInput
    done = services.bulk_transition_signals(
        acting_user=None,
        changes={first.pk: [step("in_weging"), step("monitoring")], second.pk: [step("in_weging")]},
        source="test",
    )
    assert done == 3
    first.refresh_from_db()
    assert first.status == "monitoring"
    assert [c.to_status for c in first.status_changes.all()] == [
        "ontvangen",
        "in_weging",
        "monitoring",
    ]
    with pytest.raises(RegisterValidationError):
        services.bulk_transition_signals(
            acting_user=None, changes={second.pk: [step("gesloten")]}, source="test"
        )
    second.refresh_from_db()
    assert second.status == "in_weging"


def test_bulk_relations_are_idempotent_and_checked() -> None:
    from zicht.register.tests.factories import make_entity

    company = make_entity("company", name="Agro BV", kvk="11111111")
    address = make_entity(
        "address", street="Dorpsstraat", house_number="1", postcode="3511 AA", place="Utrecht"
    )
    relation = (company.pk, address.pk, "ingeschreven_op")
    assert services.bulk_relate_entities(acting_user=None, relations=[relation], source="t") == 1
    assert services.bulk_relate_entities(acting_user=None, relations=[relation], source="t") == 0
    with pytest.raises(RegisterValidationError):
        services.bulk_relate_entities(
            acting_user=None, relations=[(company.pk, company.pk, "werkt_voor")], source="t"
        )
