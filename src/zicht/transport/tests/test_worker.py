"""The node's worker and commands against the in-process hub, with peers played by the test.

This node is the suite's node (Midden-Nederland); the hub runs in the same process through
Django's test client (see conftest). The real multi-process network is in
``test_multiprocess.py``.
"""

import base64
import io
import json
import threading
import time
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from zicht.audit.models import AuditEntry
from zicht.transport import client as client_module
from zicht.transport import keystore, services, worker
from zicht.transport.client import HubClient, HubUnreachableError, RawResponse
from zicht.transport.models import (
    InboxMessage,
    InboxStatus,
    Node,
    NodeIdentity,
    NodeStatus,
    OutboxMessage,
    OutboxStatus,
    PollStatus,
    RelayMessage,
)
from zicht.transport.protocol import keys
from zicht.transport.protocol.envelope import Envelope, open_envelope, seal_envelope
from zicht.transport.tests.conftest import HUB_URL, as_hub_process

pytestmark = pytest.mark.django_db

SELF = "midden-nederland"


@pytest.fixture
def wire(monkeypatch, hub_adapter):
    """Every HubClient made without a transport (commands, the worker) uses the adapter."""
    monkeypatch.setattr(client_module, "urllib_transport", hub_adapter)
    return hub_adapter


@pytest.fixture
def enrolled(wire, enroll_peer):
    """This node enrolled and approved; returns a function that runs one worker cycle."""
    with as_hub_process():
        code, _entry = services.create_enrollment_code(acting_user=None, region=SELF)
    call_command("enroll", "--hub", HUB_URL, "--code", code, "--timeout", "0", stdout=io.StringIO())
    with as_hub_process():
        services.approve_node(acting_user=None, region=SELF)
    return worker.run_cycle


def _peer_sends(peer, *, kind="ping", payload=None, message_id=None):
    with as_hub_process():
        me = Node.objects.get(region=SELF)
    message_id = message_id or str(uuid.uuid4())
    envelope = Envelope(message_id, kind, peer.region, SELF, int(time.time()), payload or {})
    ciphertext = seal_envelope(
        envelope, sender_key=peer.pairs.box, recipient_key=keys.decode_public_key(me.box_key)
    )
    result = peer.client.send(
        [
            {
                "id": message_id,
                "recipient": SELF,
                "kind": kind,
                "sender_box_key_id": peer.pairs.box_key_id,
                "recipient_box_key_id": me.box_key_id,
                "ciphertext": base64.b64encode(ciphertext).decode(),
            }
        ]
    )
    assert result["results"][0]["result"] == "stored"
    return message_id


def _peer_receives(peer):
    items = peer.client.poll(limit=50)["messages"]
    opened = []
    for item in items:
        opened.append(
            open_envelope(
                base64.b64decode(item["ciphertext"]),
                recipient_key=peer.pairs.box,
                sender_key=keys.decode_public_key(item["sender_box_key"]),
                message_id=item["id"],
                kind=item["kind"],
                sender=item["sender"],
                recipient=peer.region,
            )
        )
    peer.client.ack([item["id"] for item in items])
    return opened


def test_enroll_command_then_worker_activates_on_approval(wire, enroll_peer):
    with as_hub_process():
        code, _entry = services.create_enrollment_code(acting_user=None, region=SELF)
    out = io.StringIO()
    call_command("enroll", "--hub", HUB_URL, "--code", code, "--timeout", "0", stdout=out)
    assert "vingerafdruk van de hub" in out.getvalue()
    identity = NodeIdentity.objects.get()
    assert identity.status == NodeStatus.PENDING
    assert worker.run_cycle().state == "pending"
    with as_hub_process():
        services.approve_node(acting_user=None, region=SELF)
    assert worker.run_cycle().state == "active"
    identity.refresh_from_db()
    assert identity.status == NodeStatus.ACTIVE
    with pytest.raises(CommandError, match="al aangemeld"):
        call_command("enroll", "--hub", HUB_URL, "--code", code, stdout=io.StringIO())


def test_enroll_waits_for_approval_until_the_timeout(wire, monkeypatch):
    with as_hub_process():
        code, _entry = services.create_enrollment_code(acting_user=None, region=SELF)
    with pytest.raises(CommandError, match="Nog niet goedgekeurd"):
        call_command(
            "enroll", "--hub", HUB_URL, "--code", code, "--timeout", "0.3",
            "--poll-interval", "0.1", stdout=io.StringIO(),
        )  # fmt: skip
    assert NodeIdentity.objects.get().status == NodeStatus.PENDING


def test_enroll_with_a_bad_code_stores_nothing(wire):
    with pytest.raises(CommandError, match="aanmeldcode"):
        call_command("enroll", "--hub", HUB_URL, "--code", "AAAA-BBBB", stdout=io.StringIO())
    assert not NodeIdentity.objects.exists()


def test_a_message_goes_out_encrypted_and_a_pong_comes_back(enrolled, enroll_peer):
    peer = enroll_peer("limburg")
    services.send_message(
        recipients=["limburg"], kind="ping", payload={"text": "hallo"}, idempotency_key="p1"
    )
    result = enrolled()
    assert result.sent == 1
    assert OutboxMessage.objects.get().status == OutboxStatus.SENT
    [envelope] = _peer_receives(peer)
    assert (envelope.kind, envelope.sender, envelope.payload) == (
        "ping", SELF, {"text": "hallo"},
    )  # fmt: skip
    # The peer pings back: this node answers with a pong in its next cycles.
    ping_id = _peer_sends(peer, payload={"text": "terug"})
    assert enrolled().received == 1
    assert enrolled().sent == 1
    [pong] = _peer_receives(peer)
    assert pong.kind == "pong"
    assert pong.payload == {"text": "terug", "ping_id": ping_id}
    assert not RelayMessage.objects.exists()


def test_wire_duplicates_reach_the_application_once(enrolled, enroll_peer):
    peer = enroll_peer("limburg")
    message_id = _peer_sends(peer, payload={"text": "een keer"})
    copy = RelayMessage.objects.values().get()
    first = enrolled()
    assert (first.received, first.acknowledged) == (1, 1)
    assert not RelayMessage.objects.exists()
    # The hub delivers it again (as after a lost acknowledgement or a restored backup).
    RelayMessage.objects.create(**copy)
    second = enrolled()
    assert (second.received, second.duplicates, second.acknowledged) == (0, 1, 1)
    assert InboxMessage.objects.filter(message_id=message_id).count() == 1
    assert AuditEntry.objects.filter(action="message_received").count() == 1
    assert OutboxMessage.objects.filter(kind="pong").count() == 1
    assert not RelayMessage.objects.filter(recipient__region=SELF).exists()


def test_a_message_this_node_cannot_open_is_rejected_and_acknowledged(enrolled, enroll_peer):
    peer = enroll_peer("limburg")
    _peer_sends(peer)
    RelayMessage.objects.update(ciphertext=b"\x00" * 600)
    result = enrolled()
    assert result.rejected == 1
    assert InboxMessage.objects.get().status == InboxStatus.REJECTED
    assert not RelayMessage.objects.exists()
    entry = AuditEntry.objects.filter(action="transport_rejected").get()
    assert entry.detail["reason"] == "decryption_failed"


def test_messages_for_an_unknown_recipient_wait_in_the_outbox(enrolled):
    services.send_message(recipients=["limburg"], kind="ping", payload={}, idempotency_key="x")
    result = enrolled()
    assert result.send_problems == 1
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.QUEUED
    assert "geen actieve node" in message.last_error


def test_recipient_key_change_is_retried_with_the_new_key(enrolled, enroll_peer, monkeypatch):
    peer = enroll_peer("limburg")
    services.send_message(recipients=["limburg"], kind="ping", payload={}, idempotency_key="x")
    new = keys.generate()
    real_send = HubClient.send
    rotated: list[bool] = []

    def send_after_rotation(self, messages):
        # The peer rotates between our directory lookup and our send.
        if not rotated:
            rotated.append(True)
            peer.client.rotate_key(new)
            peer.client.signing_key = new.signing
        return real_send(self, messages)

    monkeypatch.setattr(HubClient, "send", send_after_rotation)
    first = enrolled()
    assert first.send_problems == 1
    assert OutboxMessage.objects.get().status == OutboxStatus.QUEUED
    assert enrolled().sent == 1
    peer.pairs = new
    assert [e.kind for e in _peer_receives(peer)] == ["ping"]


def test_unreachable_hub_is_recorded_in_plain_dutch(enrolled, wire):
    def down(request, timeout):
        raise HubUnreachableError("De hub is niet bereikbaar: de verbinding wordt geweigerd.")

    client_module.urllib_transport = down
    delay, outcome, _error = worker.run_round(
        failures=2, interval=1.0, max_backoff=60.0, batch=20, poll_limit=50, transport=None
    )
    assert outcome is None
    assert 2.0 <= delay <= 8.0
    status = PollStatus.objects.get()
    assert status.consecutive_failures == 3
    assert "niet bereikbaar" in status.last_error
    assert status.next_attempt_at is not None


def test_a_forged_hub_answer_is_not_trusted(enrolled, enroll_peer, wire):
    peer = enroll_peer("limburg")
    _peer_sends(peer)

    def forge(request, response):
        if "/poll" in request.url:
            return RawResponse(response.status, {}, response.body)
        return response

    wire.tamper = forge
    _delay, outcome, error = worker.run_round(
        failures=0, interval=1.0, max_backoff=60.0, batch=20, poll_limit=50, transport=None
    )
    assert outcome is None
    assert "geen geldige handtekening" in error
    assert not InboxMessage.objects.exists()
    assert RelayMessage.objects.count() == 1


def test_success_after_failure_clears_the_error(enrolled):
    services.record_poll_failure(error="kapot", next_attempt_at=timezone.now(), failures=4)
    worker.run_round(
        failures=4, interval=1.0, max_backoff=60.0, batch=20, poll_limit=50, transport=None
    )
    status = PollStatus.objects.get()
    assert (status.consecutive_failures, status.last_error) == (0, "")
    assert status.last_heartbeat_at is not None


def test_not_enrolled_is_a_clear_error():
    with pytest.raises(worker.NotReadyError, match="zicht enroll"):
        worker.run_cycle()


def test_rotate_keys_command(enrolled, enroll_peer):
    before = NodeIdentity.objects.get()
    out = io.StringIO()
    call_command("rotate_keys", stdout=out)
    after = NodeIdentity.objects.get()
    assert after.signing_key_id != before.signing_key_id
    assert after.previous_box_key_id == before.box_key_id
    with as_hub_process():
        assert Node.objects.get(region=SELF).signing_key_id == after.signing_key_id
    assert enrolled().state == "active"
    assert AuditEntry.objects.filter(action="key_rotation", outcome="success").count() == 2


def test_a_rotation_whose_answer_was_lost_completes_later(enrolled, wire):
    def lose_rotation_answer(request, response):
        if request.url.endswith("/rotate-key"):
            raise HubUnreachableError("De verbinding met de hub is verbroken.")
        return response

    wire.tamper = lose_rotation_answer
    with pytest.raises(CommandError, match="probeer het later opnieuw"):
        call_command("rotate_keys", stdout=io.StringIO())
    wire.tamper = None
    identity = NodeIdentity.objects.get()
    assert identity.pending_signing_key_id
    with as_hub_process():
        assert Node.objects.get(region=SELF).signing_key_id == identity.pending_signing_key_id
    # The next cycle notices the hub already switched and switches too.
    assert enrolled().state == "active"
    identity.refresh_from_db()
    assert identity.pending_keys_sealed is None
    loaded = keystore.load_identity()
    assert loaded is not None
    assert loaded.row.signing_key_id == identity.signing_key_id


def test_rotation_refused_by_the_hub_is_cancelled(enrolled, wire):
    def refuse(request, response):
        if request.url.endswith("/rotate-key"):
            return RawResponse(409, {}, b'{"detail": "nee"}')
        return response

    wire.tamper = refuse
    with pytest.raises(CommandError):
        call_command("rotate_keys", stdout=io.StringIO())
    assert NodeIdentity.objects.get().pending_keys_sealed is None


def test_worker_once_prints_json(enrolled):
    out = io.StringIO()
    call_command("transport_worker", "--once", stdout=out)
    assert json.loads(out.getvalue())["state"] == "active"


def test_worker_once_fails_with_the_reason():
    with pytest.raises(CommandError, match="nog niet aangemeld"):
        call_command("transport_worker", "--once", stdout=io.StringIO())


def test_run_forever_stops_when_asked(enrolled):
    stop = threading.Event()
    seen = []

    def on_cycle(outcome, error):
        seen.append(outcome)
        if len(seen) == 2:
            stop.set()

    worker.run_forever(stop=stop, interval=0.01, on_cycle=on_cycle)
    assert len(seen) == 2
    assert all(outcome is not None for outcome in seen)


@pytest.mark.parametrize("failures", [1, 2, 3, 10, 100])
def test_backoff_grows_with_jitter_and_is_capped(failures):
    delays = {worker.backoff_delay(failures, interval=2.0, max_backoff=60.0) for _ in range(20)}
    ceiling = min(60.0, 2.0 * 2 ** (failures - 1))
    assert all(ceiling / 2 <= d <= ceiling for d in delays)
    assert len(delays) > 1


def test_ping_command_queues_pings():
    out = io.StringIO()
    call_command("transport_ping", "--to", "limburg", "--count", "3", stdout=out)
    assert len(out.getvalue().splitlines()) == 3
    assert OutboxMessage.objects.filter(kind="ping").count() == 3


@pytest.mark.parametrize(
    "command",
    [
        ["create_enrollment_code", "--region", "limburg"],
        ["transport_prune"],
        ["approve_node", "--region", "limburg"],
        ["revoke_node", "--region", "limburg"],
    ],
)
def test_hub_commands_refuse_to_run_on_a_node(command):
    with pytest.raises(CommandError, match="alleen voor de hub"):
        call_command(*command)


@pytest.mark.usefixtures("as_hub")
@pytest.mark.parametrize(
    "command",
    [
        ["enroll", "--hub", HUB_URL, "--code", "x"],
        ["rotate_keys"],
        ["transport_worker", "--once"],
        ["transport_ping", "--to", "limburg"],
    ],
)
def test_node_commands_refuse_to_run_on_the_hub(command):
    with pytest.raises(CommandError, match="alleen voor een node"):
        call_command(*command)


@pytest.mark.usefixtures("as_hub")
def test_hub_commands():
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_enrollment_code",
        "--region",
        "limburg",
        "--region",
        "rotterdam",
        stdout=out,
        stderr=err,
    )
    lines = out.getvalue().split("\n")
    assert [line.split()[0] for line in lines if line] == ["limburg", "rotterdam"]
    assert "zicht enroll" in err.getvalue()
    with pytest.raises(CommandError, match="geen node"):
        call_command("approve_node", "--region", "limburg")
    call_command("transport_prune", stdout=io.StringIO())
