"""All parties of a secure-aggregation run in one process, for tests and benchmarks.

The simulated transport serialises every message to JSON and back, as the real one does inside
its encrypted envelopes, and records what an honest-but-curious hub gets to see:

- the run announcements it makes itself;
- for each relayed share, only the metadata (sender, recipient, size of the JSON) -- the
  content is end-to-end encrypted;
- every partial sum, in the clear.

Nodes can be made silent before or after the share phase ends, and every message can be
delivered twice (the wire is at-least-once), to exercise the dropout and idempotency rules.
Production runs use the same functions over ``zicht.transport``; this module is not imported by
them.
"""

import json
import secrets
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from zicht.research.protocols.errors import RunFailedError, SharingIncompleteError
from zicht.research.protocols.field import DEFAULT_FIELD, Field
from zicht.research.protocols.messages import PartialSum, ShareMessage
from zicht.research.protocols.secure_aggregation import (
    RandBelow,
    Run,
    accumulate,
    aggregate,
    close_share_phase,
    fail,
    make_shares,
    restart_without,
    start_run,
)


@dataclass(frozen=True)
class RelayedShare:
    """What the hub learns about one share it relays: who to whom, and how big."""

    run_id: str
    epoch: int
    sender: str
    recipient: str
    size: int


@dataclass
class HubView:
    """Everything the hub sees during a run."""

    announcements: list[dict[str, Any]] = field(default_factory=list)
    relayed: list[RelayedShare] = field(default_factory=list)
    partial_sums: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    """The end of a simulated run: either ``totals`` or ``error``, never both."""

    run: Run
    totals: tuple[int, ...] | None
    error: RunFailedError | None
    hub_view: HubView


def simulate_run(
    tables: Mapping[str, Sequence[int]],
    *,
    run_id: str = "simulated-run",
    field: Field = DEFAULT_FIELD,
    randbelow: RandBelow = secrets.randbelow,
    silent_while_sharing: Collection[str] = (),
    silent_after_sharing: Collection[str] = (),
    deliver_twice: bool = False,
) -> Outcome:
    """Run secure aggregation over ``tables`` (node id -> table) with every node in-process.

    Nodes in ``silent_while_sharing`` never send their shares, so the run restarts without
    them; nodes in ``silent_after_sharing`` share but never send a partial sum, so the run fails.
    """
    cells = len(next(iter(tables.values()), ()))
    run = start_run(run_id=run_id, participants=tables, cells=cells, field=field)
    view = HubView()
    copies = 2 if deliver_twice else 1
    while True:
        view.announcements.append(run.to_dict())
        inboxes: dict[str, list[str]] = {node: [] for node in run.participants}
        own_shares: dict[str, ShareMessage] = {}
        shared: list[str] = []
        for node in run.participants:
            if node in silent_while_sharing:
                continue
            shares = make_shares(tables[node], run=run, sender=node, randbelow=randbelow)
            own_shares[node] = shares.pop(node)
            for recipient, message in shares.items():
                wire = json.dumps(message.to_dict())
                view.relayed.append(RelayedShare(run.run_id, run.epoch, node, recipient, len(wire)))
                inboxes[recipient].extend([wire] * copies)
            shared.append(node)
        try:
            run = close_share_phase(run, shared=shared)
            break
        except SharingIncompleteError as incomplete:
            try:
                run = restart_without(run, incomplete.missing)
            except RunFailedError as error:
                return Outcome(run=fail(run), totals=None, error=error, hub_view=view)

    announcement = json.dumps(run.to_dict())
    view.announcements.append(json.loads(announcement))
    received_by_hub: list[PartialSum] = []
    for node in run.participants:
        if node in silent_after_sharing:
            continue
        node_run = Run.from_dict(json.loads(announcement), field=field)
        received = [ShareMessage.from_dict(json.loads(wire)) for wire in inboxes[node]]
        partial = accumulate(own_shares[node], received, run=node_run)
        wire = json.dumps(partial.to_dict())
        for _ in range(copies):
            view.partial_sums.append(json.loads(wire))
            received_by_hub.append(PartialSum.from_dict(json.loads(wire)))
    try:
        result = aggregate(run, received_by_hub)
    except RunFailedError as error:
        return Outcome(run=fail(run), totals=None, error=error, hub_view=view)
    return Outcome(run=result.run, totals=result.totals, error=None, hub_view=view)
