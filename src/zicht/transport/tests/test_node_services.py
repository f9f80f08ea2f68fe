"""The node's write path: the outbox, exactly-once receipt, handlers, keys at rest."""

import uuid
from collections.abc import Iterator

import pytest
from django.db import connection

from zicht.audit.models import AuditEntry
from zicht.audit.services import verify_chain
from zicht.transport import handlers, keystore, services
from zicht.transport.models import (
    InboxMessage,
    InboxStatus,
    NodeIdentity,
    OutboxMessage,
    OutboxStatus,
)
from zicht.transport.protocol import keys
from zicht.transport.protocol.envelope import Envelope
from zicht.transport.protocol.errors import KeystoreError

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls() -> Iterator[list[handlers.ReceivedMessage]]:
    """A test kind whose handler records each call and writes to the database."""
    seen: list[handlers.ReceivedMessage] = []

    @handlers.register("test.record")
    def record_call(message: handlers.ReceivedMessage) -> None:
        seen.append(message)
        services.send_message(
            recipients=[message.sender],
            kind="test.reply",
            payload={},
            idempotency_key=f"reply:{message.message_id}",
        )
        if message.payload.get("fail"):
            raise RuntimeError("handler failed on purpose")

    yield seen
    handlers.unregister("test.record")


def _envelope(kind="test.record", sender="limburg", **payload):
    return Envelope(str(uuid.uuid4()), kind, sender, "midden-nederland", 1_800_000_000, payload)


# --- sending -------------------------------------------------------------------------------


def test_send_message_queues_one_row_per_recipient_and_audits():
    rows = services.send_message(
        recipients=["limburg", "rotterdam", "limburg"],
        kind="research.share",
        payload={"n": 1},
        idempotency_key="round-1",
    )
    assert sorted(r.recipient for r in rows) == ["limburg", "rotterdam"]
    assert all(r.status == OutboxStatus.QUEUED for r in rows)
    assert AuditEntry.objects.filter(action="message_sent").count() == 2


def test_send_message_is_safe_to_retry():
    first = services.send_message(
        recipients=["limburg"], kind="ping", payload={"a": 1}, idempotency_key="k"
    )
    again = services.send_message(
        recipients=["limburg"], kind="ping", payload={"a": 1}, idempotency_key="k"
    )
    assert [r.pk for r in first] == [r.pk for r in again]
    assert OutboxMessage.objects.count() == 1
    # Adding a recipient to a retried call queues only the new one.
    services.send_message(
        recipients=["limburg", "rotterdam"], kind="ping", payload={"a": 1}, idempotency_key="k"
    )
    assert OutboxMessage.objects.count() == 2
    with pytest.raises(services.IdempotencyConflictError):
        services.send_message(
            recipients=["limburg"], kind="ping", payload={"a": 2}, idempotency_key="k"
        )


@pytest.mark.parametrize(
    ("recipients", "kind", "payload", "key"),
    [
        ([], "ping", {}, "k"),
        (["midden-nederland"], "ping", {}, "k"),
        (["atlantis"], "ping", {}, "k"),
        (["limburg"], "Bad Kind", {}, "k"),
        (["limburg"], "ping", {"x": {1}}, "k"),
        (["limburg"], "ping", {"x": "y" * 300_000}, "k"),
        (["limburg"], "ping", {}, ""),
    ],
)
def test_send_message_refuses_what_cannot_be_sent(recipients, kind, payload, key):
    with pytest.raises(services.TransportError):
        services.send_message(
            recipients=recipients, kind=kind, payload=payload, idempotency_key=key
        )
    assert not OutboxMessage.objects.exists()


def test_sent_messages_forget_their_payload():
    [row] = services.send_message(
        recipients=["limburg"], kind="ping", payload={"naam": "Jansen"}, idempotency_key="k"
    )
    services.mark_sent(message_ids=[row.message_id])
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT
    assert row.payload == {}
    # A retry after sending is still recognised by the payload hash.
    services.send_message(
        recipients=["limburg"], kind="ping", payload={"naam": "Jansen"}, idempotency_key="k"
    )
    assert OutboxMessage.objects.count() == 1


def test_giving_up_on_a_message_is_audited():
    [row] = services.send_message(
        recipients=["limburg"], kind="ping", payload={}, idempotency_key="k"
    )
    services.note_outbox_problem(message_id=row.message_id, error="later", final=False)
    services.note_outbox_problem(message_id=row.message_id, error="never", final=True)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.FAILED, 2, "never")
    assert AuditEntry.objects.filter(action="message_sent", outcome="failure").count() == 1


# --- receiving -----------------------------------------------------------------------------


def test_a_message_reaches_its_handler_exactly_once(calls):
    envelope = _envelope(text="hallo")
    assert services.receive_message(envelope=envelope) == "processed"
    assert services.receive_message(envelope=envelope) == "duplicate"
    assert len(calls) == 1
    assert calls[0].payload == {"text": "hallo"}
    assert calls[0].sender == "limburg"
    assert InboxMessage.objects.get().status == InboxStatus.PROCESSED
    # The handler's own work happened once too.
    assert OutboxMessage.objects.filter(kind="test.reply").count() == 1
    received = AuditEntry.objects.filter(action="message_received")
    assert received.count() == 1
    assert received.get().detail["message_id"] == envelope.message_id


def test_a_redelivered_message_is_acknowledged_again(calls):
    envelope = _envelope()
    services.receive_message(envelope=envelope)
    services.mark_acked(message_ids=[uuid.UUID(envelope.message_id)])
    assert InboxMessage.objects.get().acked_at is not None
    assert services.receive_message(envelope=envelope) == "duplicate"
    assert InboxMessage.objects.get().acked_at is None


def test_a_failing_handler_rolls_back_its_work_but_keeps_the_receipt(calls):
    envelope = _envelope(fail=True)
    assert services.receive_message(envelope=envelope) == "failed"
    inbox = InboxMessage.objects.get()
    assert inbox.status == InboxStatus.FAILED
    assert "handler failed on purpose" in inbox.error
    assert not OutboxMessage.objects.exists()  # the reply was rolled back with the handler
    entry = AuditEntry.objects.get(action="message_received")
    assert entry.outcome == "failure"
    assert entry.detail["error_type"] == "RuntimeError"
    # It is not handed to the handler again.
    assert services.receive_message(envelope=envelope) == "duplicate"
    assert len(calls) == 1
    assert verify_chain() is None


def test_a_kind_without_handler_is_kept_as_failed():
    assert services.receive_message(envelope=_envelope(kind="nobody.handles")) == "failed"
    assert "geen verwerker" in InboxMessage.objects.get().error


def test_the_same_id_from_two_senders_is_two_messages(calls):
    first = _envelope(sender="limburg")
    second = Envelope(first.message_id, first.kind, "rotterdam", first.recipient, 0, {})
    services.receive_message(envelope=first)
    assert services.receive_message(envelope=second) == "processed"
    assert len(calls) == 2


def test_ping_is_answered_with_one_pong():
    ping = _envelope(kind="ping", text="hoi")
    services.receive_message(envelope=ping)
    services.receive_message(envelope=ping)
    pong = OutboxMessage.objects.get()
    assert (pong.kind, pong.recipient) == ("pong", "limburg")
    assert pong.payload == {"text": "hoi", "ping_id": ping.message_id}
    assert services.receive_message(envelope=_envelope(kind="pong")) == "processed"


def test_rejected_messages_are_recorded_once():
    message_id = str(uuid.uuid4())
    assert (
        services.reject_message(
            message_id=message_id, sender="limburg", kind="ping", reason="decryption_failed"
        )
        == "rejected"
    )
    assert (
        services.reject_message(
            message_id=message_id, sender="limburg", kind="ping", reason="decryption_failed"
        )
        == "duplicate"
    )
    assert services.reject_message(message_id="nope", sender="x", kind="y", reason="z") == (
        "unusable"
    )
    assert InboxMessage.objects.get().status == InboxStatus.REJECTED
    assert AuditEntry.objects.get(action="transport_rejected").detail["reason"] == (
        "decryption_failed"
    )


def test_handler_registry_refuses_a_second_handler_for_a_kind():
    with pytest.raises(ValueError, match="already has a handler"):
        handlers.register("ping")(lambda message: None)
    assert {"ping", "pong"} <= set(handlers.registered_kinds())


# --- identity and keys at rest -------------------------------------------------------------


def _identity() -> keys.KeyPairs:
    pairs = keys.generate()
    services.save_identity(
        region="midden-nederland",
        organisation="RIEC Midden-Nederland",
        hub_url="http://hub.test",
        pairs=pairs,
        hub_signing_key=keys.generate().signing_public,
        status="pending",
    )
    return pairs


def test_private_keys_are_sealed_in_the_database():
    pairs = _identity()
    with connection.cursor() as cursor:
        cursor.execute("SELECT private_keys_sealed FROM transport_nodeidentity")
        stored = bytes(cursor.fetchone()[0])
    assert bytes(pairs.signing) not in stored
    assert keys.encode_key(bytes(pairs.signing)).encode() not in stored
    loaded = keystore.load_identity()
    assert loaded is not None
    assert loaded.pairs.signing_public == pairs.signing_public


def test_keys_open_after_the_secret_key_is_rotated_with_a_fallback(settings):
    pairs = _identity()
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "a-completely-new-secret-key-for-this-test-0123456789"
    settings.SECRET_KEY_FALLBACKS = [old]
    loaded = keystore.load_identity()
    assert loaded is not None
    assert loaded.pairs.box_public == pairs.box_public
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(KeystoreError):
        keystore.load_identity()


def test_key_rotation_on_the_node():
    old = _identity()
    services.activate_identity()
    pending = services.start_key_rotation()
    # Starting again offers the same keys (safe to retry).
    assert services.start_key_rotation().signing_public == pending.signing_public
    services.finish_key_rotation()
    loaded = keystore.load_identity()
    assert loaded is not None
    assert loaded.row.signing_key_id == pending.signing_key_id
    assert loaded.pending is None
    # The previous box key still opens messages sealed for it.
    assert loaded.box_key_for(old.box_key_id) is not None
    assert loaded.box_key_for(pending.box_key_id) is not None
    assert loaded.box_key_for("f" * 32) is None
    rotation = AuditEntry.objects.get(action="key_rotation")
    assert rotation.detail["old_signing_key_id"] == old.signing_key_id


def test_a_refused_rotation_is_forgotten_and_audited():
    _identity()
    services.start_key_rotation()
    services.cancel_key_rotation(reason="refused")
    identity = NodeIdentity.objects.get()
    assert identity.pending_keys_sealed is None
    assert AuditEntry.objects.get(action="key_rotation").outcome == "failure"


def test_enrollment_on_the_node_is_audited():
    _identity()
    services.activate_identity()
    services.activate_identity()
    steps = [
        e.detail["step"] for e in AuditEntry.objects.filter(action="enrollment").order_by("id")
    ]
    assert steps == ["enrolled", "approved"]
