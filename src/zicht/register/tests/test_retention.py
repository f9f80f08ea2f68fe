"""Retention with a frozen clock: expired records go, held ones stay, tombstones are written.

Written as the scenario of Signalen's delete_signals.feature: a register of a year ago, the
clock moved past the retention periods, then `apply_retention` once for real.
"""

from datetime import UTC, date, datetime
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from zicht.audit.models import AuditEntry
from zicht.audit.services import verify_chain
from zicht.register import retention, services
from zicht.register.models import (
    Attachment,
    Entity,
    EntityMerge,
    ImportJob,
    Signal,
    SignalEntity,
    Tombstone,
)
from zicht.register.tests.factories import make_entity, make_signal

pytestmark = pytest.mark.django_db

THEN = datetime(2024, 1, 10, 12, 0, tzinfo=UTC)
# 1 year and 2 days later: past "afgewezen" (365 days) and unlinked entities (183 days),
# not past "gesloten" (5 years).
NOW = datetime(2025, 1, 12, 12, 0, tzinfo=UTC)
PERIODS = {"signal": {"afgewezen": 365, "gesloten": 1825}, "entity_unlinked": 183, "import_job": 30}


@pytest.fixture(autouse=True)
def _periods_and_storage(settings: Any, tmp_path: Any) -> None:
    settings.ZICHT_RETENTION = PERIODS
    settings.MEDIA_ROOT = tmp_path


def signal_to(status_path: list[str], user: Any, **kwargs: Any) -> Signal:
    signal = make_signal(user, received_on=date(2024, 1, 5), **kwargs)
    for status in status_path:
        reason = "geen aanwijzingen" if status == "afgewezen" else ""
        signal = services.transition_signal(
            acting_user=user, signal=signal, to_status=status, reason=reason
        )
    return signal


def company(kvk: str) -> Any:
    return services.EntityInput(role="werkgever", kind="company", properties={"kvk": kvk})


@pytest.fixture
def register_of_a_year_ago(make_user: Any) -> dict[str, Any]:
    with time_machine.travel(THEN, tick=False):
        user = make_user("analist")
        rejected = signal_to(["in_weging", "afgewezen"], user, entities=[company("11111111")])
        held = signal_to(["in_weging", "afgewezen"], user, entities=[company("22222222")])
        services.set_legal_hold(acting_user=user, signal=held, hold=True, reason="OM-onderzoek")
        closed = signal_to(["in_weging", "monitoring", "gesloten"], user)
        still_open = signal_to([], user, entities=[company("33333333")])
        attachment = services.add_attachment(
            acting_user=user,
            signal=rejected,
            upload=SimpleUploadedFile("verslag.txt", b"inhoud", content_type="text/plain"),
        )
        only_rejected = rejected.links.get().entity
        # Shared by a signal that goes and one that stays: it stays.
        shared = still_open.links.get().entity
        services.link_entity(acting_user=user, signal=rejected, entity=shared, role="getuige")
        # Merged into the entity that goes: goes with it.
        merged = make_entity(name="Oud BV", kvk="44444444")
        services.merge_entities(
            acting_user=user, source=merged, target=only_rejected, reason="dubbel"
        )
        # Linked to nothing, but lives at... : a relation to a linked entity keeps it.
        address = make_entity("address", street="Kerkstraat", postcode="3511 AB")
        services.relate_entities(acting_user=user, source=shared, target=address, type="woont_op")
        loose = make_entity("phone", number="0612345678")
        job = services.create_import_job(
            acting_user=user,
            upload=SimpleUploadedFile("s.csv", b"extern_kenmerk;datum_ontvangst\n"),
            organisation=None,
            dry_run=True,
        )
        services.run_import_job(job_id=job.pk)
    with time_machine.travel(datetime(2024, 12, 1, tzinfo=UTC), tick=False):
        recent = make_entity("phone", number="0687654321")  # unlinked, but only six weeks old
    return locals()


def test_expired_records_go_and_held_ones_stay(
    register_of_a_year_ago: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    r = register_of_a_year_ago
    file_name = r["attachment"].file.name
    assert default_storage.exists(file_name)
    audit_before = AuditEntry.objects.count()

    with (
        time_machine.travel(NOW, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = services.delete_expired_records(acting_user=None)

    remaining = set(Signal.objects.values_list("pk", flat=True))
    assert remaining == {r["held"].pk, r["closed"].pk, r["still_open"].pk}
    assert not Attachment.objects.exists()
    assert not default_storage.exists(file_name)
    assert set(Entity.objects.values_list("pk", flat=True)) == {
        r["held"].links.get().entity_id,
        r["shared"].pk,
        r["address"].pk,
        r["recent"].pk,
    }
    assert not EntityMerge.objects.exists()
    assert not ImportJob.objects.exists()
    assert not SignalEntity.objects.filter(signal_id=r["rejected"].pk).exists()

    tombstones = {(t.record_type, t.record_id) for t in Tombstone.objects.all()}
    assert tombstones == {
        ("register.signal", str(r["rejected"].pk)),
        ("register.attachment", str(r["attachment"].pk)),
        ("register.entity", str(r["only_rejected"].pk)),
        ("register.entity", str(r["merged"].pk)),
        ("register.entity", str(r["loose"].pk)),
        ("register.importjob", str(r["job"].pk)),
    }
    signal_stone = Tombstone.objects.get(record_type="register.signal")
    assert signal_stone.reference == r["rejected"].reference
    assert "365 dagen" in signal_stone.reason
    assert {t.batch for t in Tombstone.objects.all()} == {result.batch}
    assert {(t.deleted_by, t.deleted_at) for t in Tombstone.objects.all()} == {("systeem", NOW)}
    # No personal data in a tombstone: entities are named by id only.
    assert not Tombstone.objects.filter(record_type="register.entity").exclude(reference="")

    assert result.counts["signal:afgewezen"] == 1
    assert result.counts["held"] == 1
    entries = list(AuditEntry.objects.order_by("id")[audit_before:])
    assert [(e.action, e.object_type, e.object_id) for e in entries] == [
        ("delete", "register.retention", result.batch)
    ]
    assert entries[0].detail["counts"]["entity"] == 3
    assert verify_chain() is None
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert "intact" in out.getvalue()


def test_held_signal_goes_once_the_hold_is_lifted(register_of_a_year_ago: dict[str, Any]) -> None:
    held = register_of_a_year_ago["held"]
    services.set_legal_hold(acting_user=None, signal=held, hold=False, reason="zaak gesloten")
    with time_machine.travel(NOW, tick=False):
        services.delete_expired_records(acting_user=None)
    assert not Signal.objects.filter(pk=held.pk).exists()


def test_closed_signals_go_after_five_years(register_of_a_year_ago: dict[str, Any]) -> None:
    closed = register_of_a_year_ago["closed"]
    with time_machine.travel(datetime(2029, 1, 8, tzinfo=UTC), tick=False):
        services.delete_expired_records(acting_user=None)
        assert Signal.objects.filter(pk=closed.pk).exists()  # 1825 days not yet over
    with time_machine.travel(datetime(2029, 1, 10, 13, 0, tzinfo=UTC), tick=False):
        services.delete_expired_records(acting_user=None)
    assert not Signal.objects.filter(pk=closed.pk).exists()
    # Open signals are never deleted by retention, however old.
    assert Signal.objects.filter(pk=register_of_a_year_ago["still_open"].pk).exists()


def test_nothing_expired_writes_nothing(register_of_a_year_ago: dict[str, Any]) -> None:
    with time_machine.travel(NOW, tick=False):
        services.delete_expired_records(acting_user=None)
        audit_count, stones = AuditEntry.objects.count(), Tombstone.objects.count()
        again = services.delete_expired_records(acting_user=None)
    assert again.batch == ""
    assert (AuditEntry.objects.count(), Tombstone.objects.count()) == (audit_count, stones)


def test_dry_run_counts_per_type_and_deletes_nothing(
    register_of_a_year_ago: dict[str, Any],
) -> None:
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("apply_retention", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "signalen met status ‘afgewezen’: 1" in text
    assert "bijlagen: 1" in text
    assert "betrokkenen zonder signaal: 3" in text
    assert "importverslagen: 1" in text
    assert "juridische blokkade: 1" in text
    assert Signal.objects.count() == 4
    assert not Tombstone.objects.exists()


def test_command_deletes_as_the_named_user(
    register_of_a_year_ago: dict[str, Any], make_user: Any
) -> None:
    make_user("beheerder", username="beheer")
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("apply_retention", "--user", "beheer", stdout=out)
    assert "Verwijderd in batch retentie-20250112" in out.getvalue()
    assert set(Tombstone.objects.values_list("deleted_by", flat=True)) == {"beheer"}
    assert AuditEntry.objects.filter(action="delete", actor_username="beheer").count() == 1


def test_status_without_a_period_is_never_deleted(settings: Any) -> None:
    settings.ZICHT_RETENTION = {"signal": {"gesloten": None}, "entity_unlinked": None}
    config = retention.periods()
    assert (config.signal, config.entity_unlinked, config.import_job) == ({}, None, None)


@pytest.mark.parametrize(
    "value",
    [
        None,
        {"signals": {}},
        {"signal": {"afgewezen": 0}},
        {"signal": {"afgewezen": "365"}},
        {"signal": {"weg": 10}},
        {"signal": ["afgewezen"]},
        {"entity_unlinked": True},
    ],
)
def test_a_mistyped_setting_stops_retention(settings: Any, value: Any) -> None:
    settings.ZICHT_RETENTION = value
    with pytest.raises(ImproperlyConfigured):
        services.delete_expired_records(acting_user=None)
