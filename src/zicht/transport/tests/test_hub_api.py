"""The hub's transport API through HTTP: enrollment, authentication, relay.

Requests are made by peer nodes (plain HubClient objects) against the in-process hub; the
database state and the audit log are checked after each step.
"""

import base64
import time
import uuid
from datetime import timedelta

import nacl.exceptions
import pytest
from django.test import Client
from django.utils import timezone
from nacl.public import Box, PrivateKey

from zicht.audit.models import AuditEntry
from zicht.audit.services import verify_chain
from zicht.transport import services
from zicht.transport.client import HubClient, HubRejectedError
from zicht.transport.models import (
    EnrollmentCode,
    Node,
    NodeKeyEvent,
    NodeStatus,
    RelayMessage,
    SeenNonce,
)
from zicht.transport.protocol import keys, signing
from zicht.transport.protocol.envelope import Envelope, open_envelope, seal_envelope
from zicht.transport.tests.conftest import HUB_URL, as_hub_process, rejections

pytestmark = pytest.mark.django_db

API = "/api/v1/transport"


def _rejection_reasons():
    return [detail["reason"] for detail in rejections()]


# --- enrollment -----------------------------------------------------------------------------


def test_enrollment_pending_then_approved(enroll_peer):
    peer = enroll_peer("limburg", approve=False)
    node = Node.objects.get(region="limburg")
    assert node.status == NodeStatus.PENDING
    assert node.signing_key == peer.pairs.signing_public
    assert node.box_key == peer.pairs.box_public
    assert peer.client.status()["status"] == "pending"
    # Pending nodes may only ask for their status.
    with pytest.raises(HubRejectedError) as refused:
        peer.client.poll(limit=5)
    assert refused.value.status == 401
    assert "wacht nog op goedkeuring" in str(refused.value)
    with as_hub_process():
        services.approve_node(acting_user=None, region="limburg")
    assert peer.client.status()["status"] == "active"
    steps = [
        e.detail["step"] for e in AuditEntry.objects.filter(action="enrollment").order_by("id")
    ]
    assert steps == ["code_created", "enrolled", "approved"]
    assert [e.kind for e in NodeKeyEvent.objects.all()] == ["enrolled", "approved"]
    assert _rejection_reasons() == ["pending_node"]


def test_enrollment_code_is_stored_hashed_and_single_use(hub_adapter):
    with as_hub_process():
        code, entry = services.create_enrollment_code(acting_user=None, region="limburg")
    assert code not in entry.code_hash
    assert EnrollmentCode.objects.filter(code_hash=services.hash_code(code.lower())).exists()
    pairs = keys.generate()
    client = HubClient(
        HUB_URL, region="limburg", signing_key=pairs.signing, hub_key=None, transport=hub_adapter
    )
    client.enroll(code=code, organisation="RIEC Limburg", box_key=pairs.box_public)
    again = keys.generate()
    second = HubClient(
        HUB_URL, region="limburg", signing_key=again.signing, hub_key=None, transport=hub_adapter
    )
    with pytest.raises(HubRejectedError) as refused:
        second.enroll(code=code, organisation="RIEC Limburg", box_key=again.box_public)
    assert refused.value.status == 403
    assert Node.objects.get(region="limburg").signing_key == pairs.signing_public
    failure = AuditEntry.objects.get(action="enrollment", outcome="failure")
    assert failure.detail["reason"] == "bad_code"


@pytest.mark.parametrize("problem", ["other_region", "expired", "withdrawn", "unknown"])
def test_enrollment_refuses_wrong_codes(hub_adapter, problem):
    with as_hub_process():
        code, entry = services.create_enrollment_code(acting_user=None, region="limburg")
        if problem == "expired":
            EnrollmentCode.objects.filter(pk=entry.pk).update(expires_at=entry.created_at)
        elif problem == "withdrawn":
            services.create_enrollment_code(acting_user=None, region="limburg")
        elif problem == "unknown":
            code = "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF"
    region = "rotterdam" if problem == "other_region" else "limburg"
    pairs = keys.generate()
    client = HubClient(
        HUB_URL, region=region, signing_key=pairs.signing, hub_key=None, transport=hub_adapter
    )
    with pytest.raises(HubRejectedError) as refused:
        client.enroll(code=code, organisation="x", box_key=pairs.box_public)
    assert refused.value.status == 403
    assert not Node.objects.exists()


def test_an_active_region_cannot_be_enrolled_over(enroll_peer, hub_adapter):
    enroll_peer("limburg")
    with as_hub_process():
        code, _entry = services.create_enrollment_code(acting_user=None, region="limburg")
    pairs = keys.generate()
    client = HubClient(
        HUB_URL, region="limburg", signing_key=pairs.signing, hub_key=None, transport=hub_adapter
    )
    with pytest.raises(HubRejectedError) as refused:
        client.enroll(code=code, organisation="x", box_key=pairs.box_public)
    assert refused.value.status == 409
    # The code was not spent on the refusal.
    assert EnrollmentCode.objects.filter(used_at__isnull=True, withdrawn_at__isnull=True).exists()


def test_a_revoked_region_enrolls_again_with_new_keys(enroll_peer, hub_adapter):
    old = enroll_peer("limburg")
    with as_hub_process():
        services.revoke_node(acting_user=None, region="limburg")
    new = enroll_peer("limburg")
    assert new.client.status()["signing_key_id"] == new.pairs.signing_key_id
    with pytest.raises(HubRejectedError):
        old.client.status()
    # Re-using a key from the history is refused.
    with as_hub_process():
        services.revoke_node(acting_user=None, region="limburg")
        code, _entry = services.create_enrollment_code(acting_user=None, region="limburg")
    reuse = HubClient(
        HUB_URL,
        region="limburg",
        signing_key=old.pairs.signing,
        hub_key=None,
        transport=hub_adapter,
    )
    with pytest.raises(HubRejectedError):
        reuse.enroll(code=code, organisation="x", box_key=old.pairs.box_public)


def test_enrollment_must_be_signed_by_the_registered_key(hub_adapter):
    with as_hub_process():
        code, _entry = services.create_enrollment_code(acting_user=None, region="limburg")
    pairs, other = keys.generate(), keys.generate()
    client = HubClient(
        HUB_URL, region="limburg", signing_key=other.signing, hub_key=None, transport=hub_adapter
    )
    payload = {
        "code": code,
        "region": "limburg",
        "organisation": "x",
        "signing_key": pairs.signing_public,
        "box_key": pairs.box_public,
    }
    response, _nonce = client.raw("POST", "/enroll", payload)
    assert response.status == 401
    assert _rejection_reasons() == ["bad_signature"]
    assert not Node.objects.exists()


def test_enrollment_answer_pins_the_hub_key(enroll_peer):
    peer = enroll_peer("limburg")
    with as_hub_process():
        hub = services.hub_identity()
    assert peer.client.hub_key is not None
    assert keys.key_id(bytes(peer.client.hub_key)) == hub.signing_key_id


def test_enrollment_with_an_expected_hub_fingerprint(hub_adapter):
    with as_hub_process():
        code, _entry = services.create_enrollment_code(acting_user=None, region="limburg")
    pairs = keys.generate()
    client = HubClient(
        HUB_URL, region="limburg", signing_key=pairs.signing, hub_key=None, transport=hub_adapter
    )
    from zicht.transport.client import HubResponseError

    with pytest.raises(HubResponseError, match="vingerafdruk"):
        client.enroll(
            code=code,
            organisation="x",
            box_key=pairs.box_public,
            expected_hub_key_id="0000 0000 0000 0000 0000 0000 0000 0000",
        )


# --- authentication -------------------------------------------------------------------------


def test_every_kind_of_bad_request_is_refused_and_audited(enroll_peer):
    peer = enroll_peer("limburg")
    client = peer.client
    assert client.raw("POST", "/heartbeat", {})[0].status == 200

    # Tampered signature.
    response, _ = client.raw("POST", "/heartbeat", {}, signing_key=keys.generate().signing)
    assert response.status == 401

    # Unknown node.
    stranger = keys.generate()
    unknown = HubClient(
        HUB_URL,
        region="rotterdam",
        signing_key=stranger.signing,
        hub_key=None,
        transport=client.transport,
    )
    assert unknown.raw("GET", "/status")[0].status == 401

    # Old timestamp.
    response, _ = client.raw("GET", "/status", timestamp=int(time.time()) - 600)
    assert response.status == 401

    # Replayed nonce: the identical request sent twice.
    first, nonce = client.raw("GET", "/status")
    assert first.status == 200
    replay, _ = client.raw("GET", "/status", nonce=nonce, timestamp=int(time.time()))
    assert replay.status == 401

    assert _rejection_reasons() == ["unknown_key", "unknown_node", "clock_skew", "replayed_nonce"]
    entries = AuditEntry.objects.filter(action="transport_rejected")
    assert all(e.outcome == "failure" and e.category == "security" for e in entries)
    assert verify_chain() is None


def test_a_flipped_signature_bit_is_a_bad_signature(enroll_peer, hub_adapter):
    peer = enroll_peer("limburg")
    headers = signing.sign_request(
        peer.pairs.signing, method="GET", path=f"{API}/status", region="limburg", body=b""
    )
    raw = bytearray(base64.b64decode(headers[signing.HEADER_SIGNATURE]))
    raw[0] ^= 1
    headers[signing.HEADER_SIGNATURE] = base64.b64encode(bytes(raw)).decode()
    with as_hub_process():
        response = Client().get(f"{API}/status", headers=headers)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert _rejection_reasons() == ["bad_signature"]


def test_rotated_and_revoked_keys_are_refused(enroll_peer):
    peer = enroll_peer("limburg")
    old_signing = peer.pairs.signing
    new = keys.generate()
    answer = peer.client.rotate_key(new)
    assert answer["signing_key_id"] == new.signing_key_id
    assert peer.client.raw("GET", "/status")[0].status == 401  # old key now
    peer.client.signing_key = new.signing
    assert peer.client.status()["box_key_id"] == new.box_key_id
    with as_hub_process():
        services.revoke_node(acting_user=None, region="limburg")
    assert peer.client.raw("GET", "/status")[0].status == 401
    assert _rejection_reasons() == ["revoked_key", "revoked_node"]
    assert old_signing is not new.signing
    kinds = [e.kind for e in NodeKeyEvent.objects.order_by("id")]
    assert kinds == ["enrolled", "approved", "rotated", "revoked"]
    assert AuditEntry.objects.filter(action="key_rotation", outcome="success").count() == 1
    assert AuditEntry.objects.filter(action="key_revocation").count() == 1


def test_rotation_needs_proof_of_the_new_key(enroll_peer):
    peer = enroll_peer("limburg")
    new, other = keys.generate(), keys.generate()
    payload = {
        "signing_key": new.signing_public,
        "box_key": new.box_public,
        "proof": signing.sign_rotation(
            other.signing, region="limburg", box_key=new.box_public, request_nonce="A" * 24
        ),
    }
    with pytest.raises(HubRejectedError) as refused:
        peer.client.call("POST", "/rotate-key", payload)
    assert refused.value.status == 400
    failure = AuditEntry.objects.get(action="key_rotation")
    assert failure.outcome == "failure"
    assert failure.detail["reason"] == "bad_proof"


def test_malformed_signature_headers_are_refused_and_audited(enroll_peer):
    peer = enroll_peer("limburg")
    headers = signing.sign_request(
        peer.pairs.signing, method="GET", path=f"{API}/status", region="limburg", body=b""
    )
    del headers[signing.HEADER_NONCE]
    with as_hub_process():
        response = Client().get(f"{API}/status", headers=headers)
    assert response.status_code == 401
    assert _rejection_reasons() == ["malformed"]


def test_people_get_403_and_anonymous_callers_401_without_audit(make_user):
    client = Client()
    with as_hub_process():
        assert client.get(f"{API}/poll").status_code == 401
        client.force_login(make_user("beheerder"))
        assert client.get(f"{API}/poll").status_code == 403
    assert _rejection_reasons() == []


def test_nonces_older_than_the_window_are_pruned(enroll_peer):
    peer = enroll_peer("limburg")
    peer.client.status()
    SeenNonce.objects.update(seen_at=timezone.now() - timedelta(days=1))
    peer.client.status()
    assert SeenNonce.objects.count() == 1


def test_heartbeat_records_version_and_last_seen(enroll_peer):
    peer = enroll_peer("limburg")
    Node.objects.update(last_seen=None)
    peer.client.software_version = "9.9.9"
    assert peer.client.heartbeat()["status"] == "active"
    node = Node.objects.get()
    assert node.software_version == "9.9.9"
    assert node.last_seen is not None


def test_responses_are_signed_and_tampering_is_detected(enroll_peer, hub_adapter):
    peer = enroll_peer("limburg")
    from zicht.transport.client import HubResponseError, RawResponse

    def tamper(request, response):
        return RawResponse(response.status, response.headers, response.body.replace(b"1", b"2"))

    hub_adapter.tamper = tamper
    with pytest.raises(HubResponseError, match="handtekening"):
        peer.client.status()


# --- relay ----------------------------------------------------------------------------------


def _wire(
    sender,
    recipient,
    *,
    payload=None,
    kind="research.share",
    message_id=None,
    recipient_key_id=None,
):
    message_id = message_id or str(uuid.uuid4())
    envelope = Envelope(
        message_id, kind, sender.region, recipient.region, int(time.time()), payload or {"n": 1}
    )
    ciphertext = seal_envelope(
        envelope, sender_key=sender.pairs.box, recipient_key=recipient.pairs.box.public_key
    )
    return {
        "id": message_id,
        "recipient": recipient.region,
        "kind": kind,
        "sender_box_key_id": sender.pairs.box_key_id,
        "recipient_box_key_id": recipient_key_id or recipient.pairs.box_key_id,
        "ciphertext": base64.b64encode(ciphertext).decode(),
    }


def test_directory_lists_active_nodes(enroll_peer):
    a = enroll_peer("noord-nederland")
    enroll_peer("limburg")
    enroll_peer("rotterdam", approve=False)
    entries = a.client.directory()["nodes"]
    assert [e["region"] for e in entries] == ["limburg", "noord-nederland"]
    assert all(keys.key_id_of(e["box_key"]) == e["box_key_id"] for e in entries)


def test_send_poll_ack(enroll_peer):
    a, b = enroll_peer("noord-nederland"), enroll_peer("limburg")
    message = _wire(a, b, payload={"secret": "Jansen"})
    assert a.client.send([message])["results"][0]["result"] == "stored"
    stored = RelayMessage.objects.get()
    assert b"Jansen" not in bytes(stored.ciphertext)
    assert stored.size == len(base64.b64decode(message["ciphertext"]))

    polled = b.client.poll(limit=10)
    assert polled["more"] is False
    item = polled["messages"][0]
    assert item["sender"] == "noord-nederland"
    envelope = open_envelope(
        base64.b64decode(item["ciphertext"]),
        recipient_key=b.pairs.box,
        sender_key=keys.decode_public_key(item["sender_box_key"]),
        message_id=item["id"],
        kind=item["kind"],
        sender=item["sender"],
        recipient="limburg",
    )
    assert envelope.payload == {"secret": "Jansen"}
    # Polling again without an acknowledgement delivers it again (at least once).
    assert len(b.client.poll(limit=10)["messages"]) == 1
    # Only the recipient can acknowledge.
    assert a.client.ack([item["id"]])["acknowledged"] == 0
    assert b.client.ack([item["id"]])["acknowledged"] == 1
    assert not RelayMessage.objects.exists()
    assert b.client.poll(limit=10)["messages"] == []


def test_sending_the_same_message_again_is_harmless(enroll_peer):
    a, b = enroll_peer("noord-nederland"), enroll_peer("limburg")
    message = _wire(a, b)
    a.client.send([message])
    assert a.client.send([message])["results"][0]["result"] == "duplicate"
    assert RelayMessage.objects.count() == 1
    # The same id from another sender is refused.
    c = enroll_peer("rotterdam")
    clash = _wire(c, b, message_id=message["id"])
    assert c.client.send([clash])["results"][0]["result"] == "rejected"


def test_send_checks_recipient_keys_and_content(enroll_peer):
    a, b = enroll_peer("noord-nederland"), enroll_peer("limburg")
    pending = enroll_peer("rotterdam", approve=False)
    stale = _wire(a, b, recipient_key_id="0" * 32)
    to_pending = _wire(a, pending)
    to_self = _wire(a, a)
    bad_kind = {**_wire(a, b), "kind": "Bad Kind"}
    empty = {**_wire(a, b), "ciphertext": ""}
    wrong_sender_key = {**_wire(a, b), "sender_box_key_id": "1" * 32}
    results = a.client.send([stale, to_pending, to_self, bad_kind, empty, wrong_sender_key])
    assert [r["result"] for r in results["results"]] == [
        "retry",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
    ]
    assert not RelayMessage.objects.exists()
    entry = AuditEntry.objects.filter(object_type="transport.relaymessage").get()
    assert entry.detail["retry"] == 1
    assert entry.detail["rejected"] == 5


def test_poll_is_limited_and_says_when_more_wait(enroll_peer):
    a, b = enroll_peer("noord-nederland"), enroll_peer("limburg")
    a.client.send([_wire(a, b) for _ in range(5)])
    first = b.client.poll(limit=3)
    assert len(first["messages"]) == 3
    assert first["more"] is True
    b.client.ack([m["id"] for m in first["messages"]])
    second = b.client.poll(limit=3)
    assert len(second["messages"]) == 2
    assert second["more"] is False


def test_messages_survive_the_senders_key_rotation(enroll_peer):
    a, b = enroll_peer("noord-nederland"), enroll_peer("limburg")
    a.client.send([_wire(a, b, payload={"before": "rotation"})])
    new = keys.generate()
    a.client.rotate_key(new)
    item = b.client.poll(limit=1)["messages"][0]
    # The hub hands out the key the sender used, from the key history.
    assert item["sender_box_key"] == a.pairs.box_public
    assert item["sender_box_key_id"] == a.pairs.box_key_id


def test_expired_messages_are_pruned_and_audited(enroll_peer):
    a, b = enroll_peer("noord-nederland"), enroll_peer("limburg")
    a.client.send([_wire(a, b)])
    RelayMessage.objects.update(expires_at=RelayMessage.objects.get().created_at)
    assert b.client.poll(limit=5)["messages"] == []
    assert not RelayMessage.objects.exists()
    assert AuditEntry.objects.filter(object_id="expired", detail__expired=1).exists()


def test_revocation_drops_queued_messages_both_ways(enroll_peer):
    a, b, c = enroll_peer("noord-nederland"), enroll_peer("limburg"), enroll_peer("rotterdam")
    a.client.send([_wire(a, b), _wire(a, c)])
    b.client.send([_wire(b, c)])
    with as_hub_process():
        services.revoke_node(acting_user=None, region="noord-nederland")
    assert list(RelayMessage.objects.values_list("sender__region", flat=True)) == ["limburg"]
    entry = AuditEntry.objects.get(action="key_revocation")
    assert entry.detail["dropped_messages"] == 2


def test_hub_holds_only_ciphertext(enroll_peer):
    a, b = enroll_peer("noord-nederland"), enroll_peer("limburg")
    a.client.send([_wire(a, b, payload={"naam": "Pietersen", "adres": "Kerkstraat 12"})])
    message = RelayMessage.objects.get()
    stranger = PrivateKey.generate()
    with pytest.raises(nacl.exceptions.CryptoError):
        Box(stranger, a.pairs.box.public_key).decrypt(bytes(message.ciphertext))
    for value in (message.kind, message.sender_box_key_id, message.recipient_box_key_id):
        assert "Pietersen" not in value
