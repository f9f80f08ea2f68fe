"""What the demo launcher needs to know about enrollment, without starting Django.

The launcher (:mod:`zicht.devtools.demo`) enrolls every node automatically, but only when
needed, so a warm start stays fast: it reads the demo's SQLite files directly (the demo is
SQLite-only, ADR 0003) and compares what the node and the hub each have on record.
"""

import sqlite3
from contextlib import closing
from pathlib import Path

ENROLL = "enroll"  # no usable enrollment: get a code, enroll, approve
APPROVE = "approve"  # enrolled, the hub has the keys, awaiting approval
READY = "ready"


def _one(database: Path, sql: str, params: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    if not database.exists():
        return None
    # Only a SELECT, and short: the servers may be running (WAL lets us read alongside).
    with closing(sqlite3.connect(database, timeout=10)) as conn:
        try:
            row = conn.execute(sql, params).fetchone()
        except sqlite3.OperationalError:  # tables missing: not migrated yet
            return None
    return tuple(str(value) for value in row) if row else None


def enrollment_step(*, hub_db: Path, node_db: Path, region: str) -> str:
    """What a demo node needs: ENROLL, APPROVE or READY."""
    node = _one(node_db, "SELECT signing_key_id, hub_key_id FROM transport_nodeidentity")
    if node is None:
        return ENROLL
    signing_key_id, hub_key_id = node
    hub_key = _one(hub_db, "SELECT signing_key_id FROM transport_hubidentity")
    at_hub = _one(
        hub_db, "SELECT status, signing_key_id FROM transport_node WHERE region = ?", (region,)
    )
    # A new hub database (new hub key) or a different key on record: start over.
    if hub_key is None or hub_key[0] != hub_key_id or at_hub is None:
        return ENROLL
    status, hub_signing_key_id = at_hub
    if hub_signing_key_id != signing_key_id or status == "revoked":
        return ENROLL
    return APPROVE if status == "pending" else READY
