"""Hashing and verifying the audit chain.

Each entry's hash is SHA-256 over the previous entry's hash and a canonical JSON encoding
of the entry's own content. Changing, inserting or removing any entry breaks the link at
that point; the chain head row detects removal of the newest entries.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64

# The fields that the hash covers, in a fixed order. Adding a field here changes every
# hash, so new fields must be appended with a chain version bump.
HASHED_FIELDS = (
    "occurred_at",
    "instance",
    "category",
    "action",
    "outcome",
    "actor_id",
    "actor_username",
    "organisation_name",
    "object_type",
    "object_id",
    "processing_activity",
    "purpose",
    "legal_ground",
    "request_id",
    "client_address",
    "detail",
)


def _normalise(name: str, value: Any) -> Any:
    if name == "occurred_at" and isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def compute_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    payload = {name: _normalise(name, content.get(name)) for name in HASHED_FIELDS}
    encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + encoded).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Break:
    entry_id: int | None
    reason: str


def verify(entries: Iterable[Mapping[str, Any]], head_hash: str | None) -> Break | None:
    """Walk entries in id order; return the first break, or None when the chain holds.

    ``entries`` are mappings with the hashed fields plus ``id``, ``prev_hash`` and
    ``entry_hash``. ``head_hash`` is the hash the chain head says is the newest.
    """
    expected_prev = GENESIS_HASH
    for entry in entries:
        if entry["prev_hash"] != expected_prev:
            return Break(entry["id"], "link to the previous entry is broken")
        if compute_hash(entry["prev_hash"], entry) != entry["entry_hash"]:
            return Break(entry["id"], "content does not match its hash")
        expected_prev = entry["entry_hash"]
    if head_hash is not None and head_hash != expected_prev:
        return Break(None, "newest entries are missing (chain head does not match)")
    return None
