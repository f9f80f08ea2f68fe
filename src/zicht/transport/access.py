"""Reading transport state: for the status pages (gated by permission) and for the API.

Nothing here is personal data: the hub's registry and relay metadata, and a node's own
connection state. Reads are therefore not audited, but the pages still show them only to
the roles that need them (``transport.view_network`` on the hub, ``view_connection`` on a
node).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from zicht.transport.models import (
    InboxMessage,
    InboxStatus,
    Node,
    NodeKeyEvent,
    NodeStatus,
    OutboxMessage,
    OutboxStatus,
    PollStatus,
    RelayMessage,
)

# A worker polls every few seconds and sends a heartbeat every 30: silence this long is a
# node that is down (or cannot reach the hub).
ONLINE_WINDOW = timedelta(seconds=90)
MAX_POLL_BATCH_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class NodeRow:
    node: Node
    online: bool
    queued: int
    queued_bytes: int


def is_online(node: Node, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        node.status == NodeStatus.ACTIVE
        and node.last_seen is not None
        and node.last_seen >= now - ONLINE_WINDOW
    )


def network_overview(user: Any) -> list[NodeRow]:
    """Every node the hub knows, with health and the size of its waiting queue."""
    if not user.has_perm("transport.view_network"):
        return []
    queues = {
        row["recipient"]: row
        for row in RelayMessage.objects.values("recipient").annotate(
            count=Count("id"), bytes=Sum("size")
        )
    }
    now = timezone.now()
    return [
        NodeRow(
            node=node,
            online=is_online(node, now),
            queued=queues.get(node.pk, {}).get("count", 0),
            queued_bytes=queues.get(node.pk, {}).get("bytes") or 0,
        )
        for node in Node.objects.order_by("region")
    ]


def active_nodes() -> QuerySet[Node]:
    return Node.objects.filter(status=NodeStatus.ACTIVE).order_by("region")


def queue_for(node: Node, *, limit: int) -> tuple[list[RelayMessage], bool]:
    """The oldest messages waiting for ``node`` (capped by count and size); more waiting?"""
    now = timezone.now()
    candidates = list(
        RelayMessage.objects.filter(recipient=node, expires_at__gt=now)
        .select_related("sender")
        .order_by("created_at", "id")[: limit + 1]
    )
    chosen: list[RelayMessage] = []
    total = 0
    for message in candidates[:limit]:
        if chosen and total + message.size > MAX_POLL_BATCH_BYTES:
            break
        chosen.append(message)
        total += message.size
    return chosen, len(chosen) < len(candidates)


def box_key_of(sender: Node, box_key_id: str) -> str | None:
    """The public box key a sender used, current or from its key history."""
    if sender.box_key_id == box_key_id:
        return sender.box_key
    event = NodeKeyEvent.objects.filter(node=sender, box_key_id=box_key_id).order_by("-id").first()
    return event.box_key if event is not None else None


def retired_signing_key(node: Node, key_id: str) -> str | None:
    """A signing key the node used before (rotated away); None if never seen."""
    event = NodeKeyEvent.objects.filter(node=node, signing_key_id=key_id).order_by("-id").first()
    return event.signing_key if event is not None else None


# --- Node ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectionOverview:
    poll: PollStatus | None
    outbox: dict[str, int]
    inbox: dict[str, int]
    recent_inbox: list[InboxMessage]
    problem_outbox: list[OutboxMessage]


def connection_overview(user: Any) -> ConnectionOverview | None:
    if not user.has_perm("transport.view_connection"):
        return None
    outbox = dict.fromkeys(OutboxStatus.values, 0)
    for row in OutboxMessage.objects.values("status").annotate(n=Count("id")):
        outbox[row["status"]] = row["n"]
    inbox = dict.fromkeys(InboxStatus.values, 0)
    for row in InboxMessage.objects.values("status").annotate(n=Count("id")):
        inbox[row["status"]] = row["n"]
    problems = OutboxMessage.objects.exclude(last_error="").exclude(status=OutboxStatus.SENT)
    return ConnectionOverview(
        poll=PollStatus.objects.filter(pk=1).first(),
        outbox=outbox,
        inbox=inbox,
        recent_inbox=list(InboxMessage.objects.order_by("-id")[:20]),
        problem_outbox=list(problems.order_by("-id")[:20]),
    )


def queued_outbox(*, limit: int) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(status=OutboxStatus.QUEUED).order_by("id")[:limit])


def unacknowledged_inbox(*, limit: int) -> list[Any]:
    return list(
        InboxMessage.objects.filter(acked_at__isnull=True)
        .order_by("id")
        .values_list("message_id", flat=True)[:limit]
    )
