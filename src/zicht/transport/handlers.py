"""What a node does with a message it receives: one handler per message kind.

An app registers a handler for its kind when it is imported (from ``AppConfig.ready``)::

    from zicht.transport.handlers import ReceivedMessage, register

    @register("research.share")
    def receive_share(message: ReceivedMessage) -> None:
        ...

The worker calls the handler exactly once per message, inside the transaction that also
records the message as received (:func:`zicht.transport.services.receive_message`): if the
handler raises, its work and the receipt roll back together and the message is recorded as
failed instead. A handler must therefore do only database work (no e-mail, no HTTP); to
answer, it queues a reply with :func:`zicht.transport.services.send_message`, which is part
of the same transaction.

The built-in kinds ``ping`` and ``pong`` test the channel: a ping is answered with a pong.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from zicht.transport.protocol.envelope import check_kind


@dataclass(frozen=True)
class ReceivedMessage:
    message_id: str
    kind: str
    sender: str  # region code of the sending node
    created: datetime  # when the sender created it, by the sender's clock
    payload: dict[str, Any]


Handler = Callable[[ReceivedMessage], None]

_HANDLERS: dict[str, Handler] = {}


def register(kind: str) -> Callable[[Handler], Handler]:
    """Decorator: make ``func`` the handler of ``kind`` (one handler per kind)."""
    check_kind(kind)

    def decorator(func: Handler) -> Handler:
        existing = _HANDLERS.get(kind)
        if existing is not None and existing is not func:
            raise ValueError(f"message kind {kind!r} already has a handler: {existing!r}")
        _HANDLERS[kind] = func
        return func

    return decorator


def unregister(kind: str) -> None:
    """Remove a handler (for tests that register their own kinds)."""
    _HANDLERS.pop(kind, None)


def handler_for(kind: str) -> Handler | None:
    return _HANDLERS.get(kind)


def registered_kinds() -> list[str]:
    return sorted(_HANDLERS)


PING_TEXT_LIMIT = 200


@register("ping")
def answer_ping(message: ReceivedMessage) -> None:
    # Imported here: services dispatches to this module, so a top-level import would be
    # circular.
    from zicht.transport.services import send_message

    text = str(message.payload.get("text", ""))[:PING_TEXT_LIMIT]
    send_message(
        recipients=[message.sender],
        kind="pong",
        payload={"text": text, "ping_id": message.message_id},
        idempotency_key=f"pong:{message.message_id}",
    )


@register("pong")
def receive_pong(message: ReceivedMessage) -> None:
    # The receipt (inbox row and audit entry) is the whole point of a pong.
    return None
