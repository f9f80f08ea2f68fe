"""The node's side of the conversation with the hub, one cycle at a time.

A cycle (:func:`run_cycle`): finish a key rotation that is under way; while the enrollment
is pending, ask the hub whether it was approved; send a heartbeat now and then; repeat any
acknowledgement the hub has not confirmed; encrypt and send queued outgoing messages; fetch
waiting messages, hand each to its handler exactly once, and acknowledge them; then run the
cycle steps other apps registered (:func:`register_cycle_step`), such as joint research's
exchange with the hub.

:func:`run_forever` repeats cycles until told to stop, waiting ``interval`` seconds after a
quiet cycle, not at all when more work is waiting, and after a failure an exponentially
growing, jittered back-off capped at ``max_backoff``. Each outcome is written to
:class:`~zicht.transport.models.PollStatus` with the error in plain Dutch, for the node's
status page.

Crash safety follows from the order of steps: a message is acknowledged only after the
transaction that handled it committed, and a sent message is marked sent only after the hub
confirmed it stored the ciphertext. A crash in between means the step is repeated, and the
repeat is harmless (idempotency on both sides).
"""

import base64
import binascii
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone
from nacl.signing import SigningKey

from zicht import __version__
from zicht.transport import access, keystore, services
from zicht.transport.client import (
    HubClient,
    HubError,
    HubRejectedError,
    HubUnreachableError,
    Transport,
)
from zicht.transport.models import NodeStatus, OutboxMessage, PollStatus
from zicht.transport.protocol import keys
from zicht.transport.protocol.envelope import Envelope, open_envelope, seal_envelope
from zicht.transport.protocol.errors import KeystoreError, MalformedError, ProtocolError

logger = logging.getLogger(__name__)

HEARTBEAT_EVERY = timedelta(seconds=30)
DEFAULT_INTERVAL = 5.0
DEFAULT_MAX_BACKOFF = 300.0
DEFAULT_BATCH = 20
DEFAULT_POLL_LIMIT = 50
MAX_SEND_BYTES = 1_500_000  # stays under Django's 2.5 MB request body limit at the hub
ACK_BATCH = 200


class NotReadyError(Exception):
    """The node cannot talk to the hub yet; the message says what to do."""


@dataclass
class CycleResult:
    state: str = "active"  # "active" or "pending"
    sent: int = 0
    send_problems: int = 0
    received: int = 0
    duplicates: int = 0
    failed: int = 0
    rejected: int = 0
    acknowledged: int = 0
    more: bool = False
    heartbeat: bool = False
    step_errors: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


#: A step another app adds to every cycle: it gets the signed client and ``flush``, which sends
#: the messages the step queued without waiting for the next cycle. It returns True when it
#: has more work right away (the worker then does not wait before the next cycle).
CycleStep = Callable[[HubClient, Callable[[], None]], bool]

_CYCLE_STEPS: dict[str, CycleStep] = {}


def register_cycle_step(name: str, step: CycleStep) -> None:
    """Run ``step`` at the end of every cycle (one step per name; registering again replaces)."""
    _CYCLE_STEPS[name] = step


def unregister_cycle_step(name: str) -> None:
    _CYCLE_STEPS.pop(name, None)


def build_client(
    identity: keystore.LoadedIdentity,
    *,
    transport: Transport | None = None,
    signing_key: SigningKey | None = None,
) -> HubClient:
    return HubClient(
        identity.row.hub_url,
        region=identity.row.region,
        signing_key=signing_key or identity.pairs.signing,
        hub_key=identity.hub_key,
        transport=transport,
        software_version=__version__,
    )


def load_ready_identity() -> keystore.LoadedIdentity:
    try:
        identity = keystore.load_identity()
    except KeystoreError as exc:
        raise NotReadyError(
            "De sleutels van deze node kunnen niet worden geopend met de huidige geheime "
            "sleutel (ZICHT_SECRET_KEY). Meld de node opnieuw aan."
        ) from exc
    if identity is None:
        raise NotReadyError("Deze node is nog niet aangemeld bij de hub. Voer `zicht enroll` uit.")
    return identity


def complete_rotation(
    identity: keystore.LoadedIdentity, *, transport: Transport | None = None
) -> bool:
    """Get the hub to accept the pending keys, then switch to them; True when switched.

    If an earlier attempt reached the hub but its answer was lost, the hub already trusts
    the new key and refuses the old one: ask for our status with the new key, and if the
    hub names it as current, the rotation is complete.
    """
    pending = identity.pending
    if pending is None:
        return False
    try:
        build_client(identity, transport=transport).rotate_key(pending)
    except HubRejectedError as exc:
        if exc.status == 401:
            status = build_client(identity, transport=transport, signing_key=pending.signing)
            answer = status.status()
            if answer.get("signing_key_id") == pending.signing_key_id:
                services.finish_key_rotation()
                return True
            raise
        if 400 <= exc.status < 500:
            services.cancel_key_rotation(reason=str(exc))
        raise
    services.finish_key_rotation()
    return True


def run_cycle(
    *,
    transport: Transport | None = None,
    batch: int = DEFAULT_BATCH,
    poll_limit: int = DEFAULT_POLL_LIMIT,
) -> CycleResult:
    """One conversation with the hub. Raises HubError or NotReadyError when it cannot proceed."""
    identity = load_ready_identity()
    if identity.pending is not None:
        complete_rotation(identity, transport=transport)
        identity = load_ready_identity()
    client = build_client(identity, transport=transport)
    result = CycleResult()
    if identity.row.status != NodeStatus.ACTIVE:
        answer = client.status()
        if answer.get("status") != NodeStatus.ACTIVE:
            result.state = "pending"
            return result
        services.activate_identity()
    if _heartbeat_due():
        client.heartbeat()
        result.heartbeat = True
    result.acknowledged += _acknowledge(client)
    _send_queued(identity, client, batch, result)
    _receive(identity, client, poll_limit, result)
    result.acknowledged += _acknowledge(client)
    for name, step in list(_CYCLE_STEPS.items()):
        try:
            if step(client, lambda: _send_queued(identity, client, batch, result)):
                result.more = True
        except HubUnreachableError:
            raise
        except Exception:
            # One app's bug, or a hub that does not know the app's API yet (an older
            # version), must not stop the transport for every other app: log it and carry
            # on; the step runs again next cycle.
            logger.exception("cycle step %s failed", name)
            result.step_errors += 1
    return result


def _heartbeat_due() -> bool:
    status = PollStatus.objects.filter(pk=1).first()
    return (
        status is None
        or status.last_heartbeat_at is None
        or status.last_heartbeat_at <= timezone.now() - HEARTBEAT_EVERY
    )


def _acknowledge(client: HubClient) -> int:
    total = 0
    while True:
        ids = access.unacknowledged_inbox(limit=ACK_BATCH)
        if not ids:
            return total
        client.ack([str(i) for i in ids])
        total += services.mark_acked(message_ids=ids)
        if len(ids) < ACK_BATCH:
            return total


def _send_queued(
    identity: keystore.LoadedIdentity, client: HubClient, batch: int, result: CycleResult
) -> None:
    queued = access.queued_outbox(limit=batch)
    if not queued:
        return
    peers = {}
    for entry in client.directory().get("nodes", []):
        try:
            if keys.key_id_of(entry["box_key"]) == entry["box_key_id"]:
                peers[entry["region"]] = entry
        except (KeyError, TypeError, MalformedError):
            continue
    wire: list[dict[str, str]] = []
    by_id: dict[str, OutboxMessage] = {}
    size = 0
    for message in queued:
        peer = peers.get(message.recipient)
        if peer is None:
            # Not (yet) an active node: keep it queued, it may be approved later.
            services.note_outbox_problem(
                message_id=message.message_id,
                error="De ontvanger is (nog) geen actieve node in het netwerk.",
                final=False,
            )
            result.send_problems += 1
            continue
        envelope = Envelope(
            message_id=str(message.message_id),
            kind=message.kind,
            sender=identity.row.region,
            recipient=message.recipient,
            created=int(message.created_at.timestamp()),
            payload=message.payload,
        )
        ciphertext = seal_envelope(
            envelope,
            sender_key=identity.pairs.box,
            recipient_key=keys.decode_public_key(peer["box_key"]),
        )
        encoded = base64.b64encode(ciphertext).decode("ascii")
        if wire and size + len(encoded) > MAX_SEND_BYTES:
            break
        size += len(encoded)
        wire.append(
            {
                "id": str(message.message_id),
                "recipient": message.recipient,
                "kind": message.kind,
                "sender_box_key_id": identity.row.box_key_id,
                "recipient_box_key_id": peer["box_key_id"],
                "ciphertext": encoded,
            }
        )
        by_id[str(message.message_id)] = message
    if not wire:
        return
    answer = client.send(wire)
    accepted = []
    for item in answer.get("results", []):
        delivered = by_id.get(str(item.get("id")))
        if delivered is None:
            continue
        outcome = item.get("result")
        if outcome in ("stored", "duplicate"):
            accepted.append(delivered.message_id)
        else:
            services.note_outbox_problem(
                message_id=delivered.message_id,
                error=str(item.get("detail") or outcome),
                final=outcome == "rejected",
            )
            result.send_problems += 1
    result.sent += services.mark_sent(message_ids=accepted)
    result.more = result.more or len(queued) == batch


def _receive(
    identity: keystore.LoadedIdentity, client: HubClient, poll_limit: int, result: CycleResult
) -> None:
    answer = client.poll(limit=poll_limit)
    for item in answer.get("messages", []):
        outcome = _open_one(identity, item)
        if outcome == "processed":
            result.received += 1
        elif outcome == "duplicate":
            result.duplicates += 1
        elif outcome == "failed":
            result.failed += 1
        elif outcome == "rejected":
            result.rejected += 1
    result.more = result.more or bool(answer.get("more"))


def _open_one(identity: keystore.LoadedIdentity, item: dict[str, Any]) -> str:
    message_id = str(item.get("id", ""))
    sender = str(item.get("sender", ""))
    kind = str(item.get("kind", ""))
    box_key = identity.box_key_for(str(item.get("recipient_box_key_id", "")))
    if box_key is None:
        return services.reject_message(
            message_id=message_id, sender=sender, kind=kind, reason="unknown_recipient_key"
        )
    try:
        sender_key_text = str(item["sender_box_key"])
        if keys.key_id_of(sender_key_text) != item.get("sender_box_key_id"):
            raise MalformedError("sender key id does not match the key")
        envelope = open_envelope(
            base64.b64decode(str(item["ciphertext"]), validate=True),
            recipient_key=box_key,
            sender_key=keys.decode_public_key(sender_key_text),
            message_id=message_id,
            kind=kind,
            sender=sender,
            recipient=identity.row.region,
        )
    except ProtocolError as exc:
        return services.reject_message(
            message_id=message_id, sender=sender, kind=kind, reason=exc.code
        )
    except (KeyError, binascii.Error, ValueError):
        return services.reject_message(
            message_id=message_id, sender=sender, kind=kind, reason="malformed"
        )
    return services.receive_message(envelope=envelope)


def backoff_delay(failures: int, *, interval: float, max_backoff: float) -> float:
    """Exponential back-off with jitter: between half and all of interval * 2^(n-1), capped.

    The jitter keeps ten nodes that lost the hub at the same moment from all knocking again
    at the same moment when it returns.
    """
    ceiling = min(max_backoff, max(interval, 1.0) * 2.0 ** min(failures - 1, 20))
    return ceiling * (0.5 + secrets.randbelow(501) / 1000)


def run_forever(
    *,
    stop: threading.Event,
    interval: float = DEFAULT_INTERVAL,
    max_backoff: float = DEFAULT_MAX_BACKOFF,
    batch: int = DEFAULT_BATCH,
    poll_limit: int = DEFAULT_POLL_LIMIT,
    transport: Transport | None = None,
    on_cycle: Callable[[CycleResult | None, str], None] | None = None,
) -> None:
    """Cycle until ``stop`` is set; a cycle in progress finishes first."""
    failures = 0
    while not stop.is_set():
        delay, outcome, error = run_round(
            failures=failures,
            interval=interval,
            max_backoff=max_backoff,
            batch=batch,
            poll_limit=poll_limit,
            transport=transport,
        )
        failures = 0 if outcome is not None else failures + 1
        if on_cycle is not None:
            on_cycle(outcome, error)
        if not connection.in_atomic_block:
            # Like a request boundary: drop a connection that broke or outlived its age.
            # (Inside a transaction, as in tests, Django would close it mid-transaction.)
            close_old_connections()
        stop.wait(delay)


def run_round(
    *,
    failures: int,
    interval: float,
    max_backoff: float,
    batch: int,
    poll_limit: int,
    transport: Transport | None,
) -> tuple[float, CycleResult | None, str]:
    """One cycle with its outcome recorded: (delay before the next, result or None, error)."""
    try:
        outcome = run_cycle(transport=transport, batch=batch, poll_limit=poll_limit)
    except (HubError, NotReadyError) as exc:
        delay = backoff_delay(failures + 1, interval=interval, max_backoff=max_backoff)
        _note_failure(str(exc), failures + 1, delay)
        return delay, None, str(exc)
    except DatabaseError as exc:
        delay = backoff_delay(failures + 1, interval=interval, max_backoff=max_backoff)
        logger.exception("transport worker: database error")
        return delay, None, f"Databasefout op de node: {exc}"
    delay = 0.0 if outcome.more else interval
    services.record_poll_success(
        next_attempt_at=timezone.now() + timedelta(seconds=delay), heartbeat=outcome.heartbeat
    )
    return delay, outcome, ""


def _note_failure(error: str, failures: int, delay: float) -> None:
    try:
        services.record_poll_failure(
            error=error,
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
            failures=failures,
        )
    except DatabaseError:
        logger.exception("transport worker: cannot record the poll status")
