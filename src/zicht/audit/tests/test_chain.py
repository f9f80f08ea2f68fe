"""The audit hash chain: append-only, verifiable, and precise about what was altered."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from zicht.audit import chain
from zicht.audit.models import AuditAction, AuditChainHead, AuditEntry
from zicht.audit.services import record, verify_chain
from zicht.core.context import request_context

pytestmark = pytest.mark.django_db


def _fill(n: int) -> list[AuditEntry]:
    return [
        record(action=AuditAction.READ, object_type="test.thing", object_id=i, purpose="test")
        for i in range(n)
    ]


def _tamper(entry_id: int, column: str, value: str) -> None:
    """Change a stored row behind the application's back, as an attacker with SQL would."""
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER zicht_audit_append_only")
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, entry_id])  # noqa: S608
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER zicht_audit_append_only")


def test_entries_link_to_their_predecessor() -> None:
    entries = _fill(3)
    assert entries[0].prev_hash == chain.GENESIS_HASH
    assert entries[1].prev_hash == entries[0].entry_hash
    assert entries[2].prev_hash == entries[1].entry_hash
    assert AuditChainHead.objects.get(pk=1).last_hash == entries[2].entry_hash
    assert verify_chain() is None


def test_entry_carries_request_context() -> None:
    with request_context("abcdef0123456789", "::ffff:127.0.0.1"):
        entry = record(action=AuditAction.EXPORT, object_type="x", object_id=1)
    entry.refresh_from_db()
    assert entry.request_id == "abcdef0123456789"
    assert entry.client_address == "::ffff:127.0.0.1"
    assert verify_chain() is None


def test_altered_row_is_reported_exactly(capsys: pytest.CaptureFixture[str]) -> None:
    entries = _fill(5)
    victim = entries[2]
    _tamper(victim.pk, "actor_username", "mallory")
    broken = verify_chain()
    assert broken is not None
    assert broken.entry_id == victim.pk
    with pytest.raises(CommandError) as excinfo:
        call_command("audit_verify")
    assert excinfo.value.returncode == 1
    assert f"entry {victim.pk}:" in str(excinfo.value)


def test_audit_verify_exit_codes_via_cli() -> None:
    _fill(2)
    call_command("audit_verify")  # intact: no exception


def test_removed_newest_entry_is_detected() -> None:
    entries = _fill(3)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER zicht_audit_append_only")
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entries[-1].pk])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER zicht_audit_append_only")
    broken = verify_chain()
    assert broken is not None
    assert broken.entry_id is None


def test_removed_middle_entry_breaks_the_next_link() -> None:
    entries = _fill(4)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER zicht_audit_append_only")
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].pk])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER zicht_audit_append_only")
    broken = verify_chain()
    assert broken is not None
    assert broken.entry_id == entries[2].pk


def test_model_layer_refuses_change_and_delete() -> None:
    entry = _fill(1)[0]
    entry.purpose = "other"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(purpose="x")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigger exists on PostgreSQL only")
def test_postgresql_trigger_refuses_raw_update_and_delete() -> None:
    entry = _fill(1)[0]
    for sql in (
        "UPDATE audit_auditentry SET purpose = 'x' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    assert verify_chain() is None


def test_hash_covers_every_field() -> None:
    base = dict.fromkeys(chain.HASHED_FIELDS, "v")
    reference = chain.compute_hash(chain.GENESIS_HASH, base)
    for name in chain.HASHED_FIELDS:
        changed = dict(base, **{name: "w"})
        assert chain.compute_hash(chain.GENESIS_HASH, changed) != reference, name
