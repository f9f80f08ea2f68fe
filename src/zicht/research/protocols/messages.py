"""The messages of secure aggregation, as frozen dataclasses with a plain-dict wire form.

A transport carries ``to_dict()`` (JSON-compatible: strings and integers only) and the receiver
rebuilds the message with ``from_dict()``, which checks the structure strictly: exact keys, the
kind and version, identifiers of the allowed form, non-negative integer vectors, and a message
id that matches the content. Whether a message fits *this* run (epoch, participants, modulus,
length, range) is checked where it is used, in :mod:`.secure_aggregation`.

``ShareMessage`` travels node to node and must be end-to-end encrypted by the transport: on its
own one share is uniformly random, but the hub together with the shares addressed to one node
would learn that node's partial sum's components. ``PartialSum`` travels node to hub in the
clear (inside the signed request); it is uniformly random unless all partial sums are added.

Vectors are excluded from ``repr`` so that a share never ends up in a log line by accident.
Message ids are deterministic -- ``kind:run:epoch:sender[:recipient]`` -- so a resent message has
the same id and the transport's exactly-once delivery and the protocol's own deduplication agree.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from zicht.research.protocols.errors import InvalidParametersError, MessageRejectedError

WIRE_VERSION = 1
IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
"""Run ids and node ids: no separators of the message id (``:``) and no whitespace."""


def check_identifier(value: object, what: str) -> str:
    if not isinstance(value, str) or not IDENTIFIER.match(value):
        raise InvalidParametersError(f"{what} must match {IDENTIFIER.pattern}, got {value!r}")
    return value


def _check_epoch(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidParametersError(f"epoch must be a non-negative integer, got {value!r}")
    return value


def _check_modulus(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 2:
        raise InvalidParametersError(f"modulus must be an integer of at least 2, got {value!r}")
    return value


def _check_vector(value: object) -> tuple[int, ...]:
    if not isinstance(value, list | tuple) or not value:
        raise InvalidParametersError("vector must be a non-empty list of integers")
    for entry in value:
        if not isinstance(entry, int) or isinstance(entry, bool) or entry < 0:
            raise InvalidParametersError("vector entries must be non-negative integers")
    return tuple(value)


def _check_keys(data: Mapping[str, Any], kind: str, keys: frozenset[str]) -> None:
    if not isinstance(data, Mapping):
        raise MessageRejectedError(f"{kind}: a message is a mapping, got {type(data).__name__}")
    if set(data) != keys:
        raise MessageRejectedError(f"{kind}: expected keys {sorted(keys)}, got {sorted(data)}")
    if data["kind"] != kind or data["v"] != WIRE_VERSION:
        raise MessageRejectedError(f"expected kind {kind} version {WIRE_VERSION}")


@dataclass(frozen=True)
class ShareMessage:
    """One additive share of a node's table, for one recipient (possibly the sender itself)."""

    KIND: ClassVar[str] = "secagg.share"
    _KEYS: ClassVar[frozenset[str]] = frozenset(
        {"kind", "v", "id", "run_id", "epoch", "sender", "recipient", "modulus", "vector"}
    )

    run_id: str
    epoch: int
    sender: str
    recipient: str
    modulus: int
    vector: tuple[int, ...] = field(repr=False)

    def __post_init__(self) -> None:
        check_identifier(self.run_id, "run_id")
        _check_epoch(self.epoch)
        check_identifier(self.sender, "sender")
        check_identifier(self.recipient, "recipient")
        _check_modulus(self.modulus)
        object.__setattr__(self, "vector", _check_vector(self.vector))

    @property
    def message_id(self) -> str:
        return f"{self.KIND}:{self.run_id}:{self.epoch}:{self.sender}:{self.recipient}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.KIND,
            "v": WIRE_VERSION,
            "id": self.message_id,
            "run_id": self.run_id,
            "epoch": self.epoch,
            "sender": self.sender,
            "recipient": self.recipient,
            "modulus": self.modulus,
            "vector": list(self.vector),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        _check_keys(data, cls.KIND, cls._KEYS)
        try:
            message = cls(
                run_id=data["run_id"],
                epoch=data["epoch"],
                sender=data["sender"],
                recipient=data["recipient"],
                modulus=data["modulus"],
                vector=data["vector"],
            )
        except InvalidParametersError as exc:
            raise MessageRejectedError(f"{cls.KIND}: {exc}") from exc
        if data["id"] != message.message_id:
            raise MessageRejectedError(f"{cls.KIND}: id does not match the content")
        return message


@dataclass(frozen=True)
class PartialSum:
    """A node's sum of the shares it holds (its own and one from every other participant).

    ``senders`` lists every node whose share went into the sum, so the hub can check that all
    partial sums cover the same participants of the same epoch before adding them.
    """

    KIND: ClassVar[str] = "secagg.partial"
    _KEYS: ClassVar[frozenset[str]] = frozenset(
        {"kind", "v", "id", "run_id", "epoch", "sender", "senders", "modulus", "vector"}
    )

    run_id: str
    epoch: int
    sender: str
    senders: tuple[str, ...]
    modulus: int
    vector: tuple[int, ...] = field(repr=False)

    def __post_init__(self) -> None:
        check_identifier(self.run_id, "run_id")
        _check_epoch(self.epoch)
        check_identifier(self.sender, "sender")
        if not isinstance(self.senders, list | tuple):
            raise InvalidParametersError("senders must be a list of node ids")
        senders = tuple(check_identifier(s, "senders entry") for s in self.senders)
        if list(senders) != sorted(set(senders)):
            raise InvalidParametersError("senders must be sorted and unique")
        object.__setattr__(self, "senders", senders)
        _check_modulus(self.modulus)
        object.__setattr__(self, "vector", _check_vector(self.vector))

    @property
    def message_id(self) -> str:
        return f"{self.KIND}:{self.run_id}:{self.epoch}:{self.sender}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.KIND,
            "v": WIRE_VERSION,
            "id": self.message_id,
            "run_id": self.run_id,
            "epoch": self.epoch,
            "sender": self.sender,
            "senders": list(self.senders),
            "modulus": self.modulus,
            "vector": list(self.vector),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        _check_keys(data, cls.KIND, cls._KEYS)
        try:
            message = cls(
                run_id=data["run_id"],
                epoch=data["epoch"],
                sender=data["sender"],
                senders=data["senders"],
                modulus=data["modulus"],
                vector=data["vector"],
            )
        except InvalidParametersError as exc:
            raise MessageRejectedError(f"{cls.KIND}: {exc}") from exc
        if data["id"] != message.message_id:
            raise MessageRejectedError(f"{cls.KIND}: id does not match the content")
        return message
