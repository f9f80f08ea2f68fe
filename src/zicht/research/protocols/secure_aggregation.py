"""Secure aggregation of count tables by additive secret sharing, relayed by a hub.

Each participating node splits its table ``x`` (a vector of counts) into one additive share per
participant: ``n - 1`` vectors drawn uniformly from ``Z_p`` are sent, end-to-end encrypted, one to
each other node, and the node keeps ``x`` minus their sum as its own share. Each node adds the
shares it holds into a partial sum and sends only that to the hub, which adds the ``n`` partial
sums. Because every table entry is at most ``MAX_CELL`` and ``n * MAX_CELL < p``
(:mod:`.field`), the sum modulo ``p`` equals the true sum.

Security assumptions (the full threat model is in ``docs/protocols/secure-aggregation.md``):

- the hub and the nodes are honest-but-curious: they follow the protocol and may pool what they
  see afterwards; any ``n - 1`` shares of a table are uniform and independent of it, so the hub
  and up to ``n - 2`` colluding nodes learn nothing beyond the total and their own tables;
- the transport gives authenticated, end-to-end encrypted node-to-node channels;
- a run has at least ``MIN_PARTICIPANTS`` (3) participants, enforced by :class:`Run`;
- shares come from a cryptographically secure source (``secrets.randbelow`` unless a test
  injects a seeded one).

The run is a state machine with its transitions in :data:`TRANSITIONS`:
``share -> partial_sum -> aggregated``, with ``restarted`` (a node dropped out before the share
phase ended: a new epoch without it) and ``failed`` (after the share phase ended, a partial sum
is missing: no release). Every message is bound to ``(run_id, epoch)`` so shares of an abandoned
epoch cannot be mixed into the next.

Follows the passively secure additive sharing of Cramer, Damgård and Nielsen, *Secure Multiparty
Computation and Secret Sharing* (2015), ch. 3, in the client-server setting of Bonawitz et al.,
*Practical Secure Aggregation for Privacy-Preserving Machine Learning* (CCS 2017), without their
pairwise masks and dropout recovery (the specification explains the choice).
"""

import secrets
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, ClassVar, Self, TypeVar

from zicht.research.protocols.errors import (
    ConflictingDuplicateError,
    InconsistentAggregateError,
    InvalidParametersError,
    MessageRejectedError,
    MissingPartialSumsError,
    PhaseError,
    SharingIncompleteError,
    StaleMessageError,
    TooFewParticipantsError,
)
from zicht.research.protocols.field import DEFAULT_FIELD, MAX_CELLS, MIN_PARTICIPANTS, Field
from zicht.research.protocols.messages import (
    WIRE_VERSION,
    PartialSum,
    ShareMessage,
    check_identifier,
)

_M = TypeVar("_M", ShareMessage, PartialSum)

RandBelow = Callable[[int], int]
"""A source of uniform integers in ``[0, n)``. Production: ``secrets.randbelow``."""


class Phase(StrEnum):
    SHARE = "share"
    PARTIAL_SUM = "partial_sum"
    AGGREGATED = "aggregated"
    RESTARTED = "restarted"
    FAILED = "failed"


TRANSITIONS: Mapping[Phase, frozenset[Phase]] = {
    # A dropout during sharing restarts the run without the node; any other trouble fails it.
    Phase.SHARE: frozenset({Phase.PARTIAL_SUM, Phase.RESTARTED, Phase.FAILED}),
    # Once the share phase has ended there is no restart: a missing partial fails the run.
    Phase.PARTIAL_SUM: frozenset({Phase.AGGREGATED, Phase.FAILED}),
    Phase.AGGREGATED: frozenset(),
    Phase.RESTARTED: frozenset(),
    Phase.FAILED: frozenset(),
}


@dataclass(frozen=True)
class Run:
    """One epoch of a secure-aggregation run, as the hub announces it to the participants.

    ``run_id`` names the logical run (one release, one privacy-budget charge); ``epoch`` counts
    restarts after dropouts. ``participants`` is sorted and unique.
    """

    KIND: ClassVar[str] = "secagg.run"

    run_id: str
    epoch: int
    participants: tuple[str, ...]
    cells: int
    field: Field = DEFAULT_FIELD
    phase: Phase = Phase.SHARE

    def __post_init__(self) -> None:
        check_identifier(self.run_id, "run_id")
        if not isinstance(self.epoch, int) or isinstance(self.epoch, bool) or self.epoch < 0:
            raise InvalidParametersError(f"epoch must be a non-negative integer: {self.epoch!r}")
        participants = tuple(check_identifier(p, "participant") for p in self.participants)
        if list(participants) != sorted(set(participants)):
            raise InvalidParametersError("participants must be sorted and unique")
        if len(participants) < MIN_PARTICIPANTS:
            raise TooFewParticipantsError(
                f"{len(participants)} participants; secure aggregation needs at least "
                f"{MIN_PARTICIPANTS}, or the total reveals a single region's table to the other"
            )
        if len(participants) > self.field.max_parties:
            raise InvalidParametersError(
                f"{len(participants)} participants; the field allows {self.field.max_parties}"
            )
        if not isinstance(self.cells, int) or isinstance(self.cells, bool):
            raise InvalidParametersError(f"cells must be an integer, got {self.cells!r}")
        if not 1 <= self.cells <= MAX_CELLS:
            raise InvalidParametersError(f"cells must be an integer in [1, {MAX_CELLS}]")
        object.__setattr__(self, "participants", participants)
        object.__setattr__(self, "phase", Phase(self.phase))

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.KIND,
            "v": WIRE_VERSION,
            "run_id": self.run_id,
            "epoch": self.epoch,
            "participants": list(self.participants),
            "cells": self.cells,
            "modulus": self.field.modulus,
            "max_cell": self.field.max_cell,
            "max_parties": self.field.max_parties,
            "phase": self.phase.value,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, field: Field = DEFAULT_FIELD) -> Self:
        """Rebuild an announced run; ``field`` is the receiver's own configured field.

        A node never adopts the hub's parameters: a run announced with another modulus or
        other bounds is refused, so the hub cannot shrink the field.
        """
        keys = {"kind", "v", "run_id", "epoch", "participants", "cells", "phase"}
        keys |= {"modulus", "max_cell", "max_parties"}
        if not isinstance(data, Mapping) or set(data) != keys:
            raise MessageRejectedError(f"{cls.KIND}: expected keys {sorted(keys)}")
        if data["kind"] != cls.KIND or data["v"] != WIRE_VERSION:
            raise MessageRejectedError(f"expected kind {cls.KIND} version {WIRE_VERSION}")
        announced = (data["modulus"], data["max_cell"], data["max_parties"])
        if announced != (field.modulus, field.max_cell, field.max_parties):
            raise MessageRejectedError(f"{cls.KIND}: field parameters differ from this node's")
        if not isinstance(data["participants"], list) or data["phase"] not in set(Phase):
            raise MessageRejectedError(f"{cls.KIND}: malformed participants or phase")
        try:
            return cls(
                run_id=data["run_id"],
                epoch=data["epoch"],
                participants=tuple(data["participants"]),
                cells=data["cells"],
                field=field,
                phase=Phase(data["phase"]),
            )
        except InvalidParametersError as exc:
            raise MessageRejectedError(f"{cls.KIND}: {exc}") from exc


@dataclass(frozen=True)
class Aggregate:
    """The outcome of a successful run: the run in phase ``aggregated`` and the true totals.

    The totals are not yet releasable: disclosure control (``zicht.disclosure``) and, if the
    study asks for it, DP noise (:mod:`.dp`) come first.
    """

    run: Run
    totals: tuple[int, ...]


# -- the hub's side: the run's lifecycle ---------------------------------------------------


def start_run(
    *, run_id: str, participants: Iterable[str], cells: int, field: Field = DEFAULT_FIELD
) -> Run:
    """Epoch 0 of a run over the approved ``participants``, in phase ``share``."""
    names = list(participants)
    if len(set(names)) != len(names):
        raise InvalidParametersError("participants must be unique")
    return Run(run_id=run_id, epoch=0, participants=tuple(sorted(names)), cells=cells, field=field)


def transition(run: Run, to: Phase) -> Run:
    """``run`` in phase ``to``, if :data:`TRANSITIONS` allows it."""
    if to not in TRANSITIONS[run.phase]:
        raise PhaseError(f"run {run.run_id} epoch {run.epoch}: cannot go from {run.phase} to {to}")
    return replace(run, phase=to)


def close_share_phase(run: Run, *, shared: Collection[str]) -> Run:
    """End the share phase: ``share -> partial_sum`` if every participant has shared.

    ``shared`` are the participants that handed a share for every other participant to the
    transport in this epoch (the hub sees this in the relay metadata). If any are missing this
    raises :class:`SharingIncompleteError`; the caller then calls :func:`restart_without`.
    The hub announces the returned run to the participants, and only then do they send
    partial sums (:func:`accumulate` refuses a run still in ``share``).
    """
    if run.phase is not Phase.SHARE:
        raise PhaseError(f"run {run.run_id} is in {run.phase}, not {Phase.SHARE}")
    unknown = set(shared) - set(run.participants)
    if unknown:
        raise InvalidParametersError(f"not participants of this run: {', '.join(sorted(unknown))}")
    missing = frozenset(run.participants) - frozenset(shared)
    if missing:
        raise SharingIncompleteError(missing)
    return transition(run, Phase.PARTIAL_SUM)


def restart_without(run: Run, missing: Collection[str]) -> Run:
    """The next epoch of ``run`` without the ``missing`` participants, in phase ``share``.

    Only allowed from ``share``: after the share phase, a missing node fails the run instead
    (otherwise totals over two participant sets could be subtracted to expose one table).
    Raises :class:`TooFewParticipantsError` (a :class:`RunFailedError`) if fewer than three remain.
    """
    missing_set = frozenset(missing)
    if not missing_set:
        raise InvalidParametersError("restart_without needs at least one missing participant")
    if not missing_set <= set(run.participants):
        raise InvalidParametersError("can only leave out participants of this run")
    transition(run, Phase.RESTARTED)  # validates that a restart is allowed from here
    remaining = tuple(p for p in run.participants if p not in missing_set)
    return Run(
        run_id=run.run_id,
        epoch=run.epoch + 1,
        participants=remaining,
        cells=run.cells,
        field=run.field,
    )


def fail(run: Run) -> Run:
    """``run`` in phase ``failed``: nothing of it is ever released."""
    return transition(run, Phase.FAILED)


def check_partial_sum(run: Run, partial: PartialSum) -> None:
    """Refuse a partial sum that does not belong to this epoch of ``run`` or is malformed.

    The hub calls this on receipt, so that it stores only partial sums it can use.
    """
    _check_fits(run, partial)
    if partial.sender not in run.participants:
        raise MessageRejectedError(f"partial sum from {partial.sender}, not a participant")
    if partial.senders != run.participants:
        raise MessageRejectedError(
            f"partial sum from {partial.sender} covers {list(partial.senders)}, "
            f"not this epoch's participants"
        )


def aggregate(run: Run, partials: Iterable[PartialSum]) -> Aggregate:
    """Add the partial sums of every participant: ``partial_sum -> aggregated``.

    Duplicates (the same partial sum delivered twice) count once. If any participant's partial
    sum is missing this raises :class:`MissingPartialSumsError` and returns nothing; the caller
    marks the run :func:`fail`-ed. A total above ``participants * max_cell`` cannot come from
    honest inputs and raises :class:`InconsistentAggregateError`.
    """
    if run.phase is not Phase.PARTIAL_SUM:
        raise PhaseError(f"run {run.run_id} is in {run.phase}, not {Phase.PARTIAL_SUM}")
    by_sender: dict[str, PartialSum] = {}
    for partial in partials:
        check_partial_sum(run, partial)
        _add_once(by_sender, partial.sender, partial)
    missing = frozenset(run.participants) - by_sender.keys()
    if missing:
        raise MissingPartialSumsError(missing)
    totals = _sum_vectors([p.vector for p in by_sender.values()], run.field.modulus)
    bound = len(run.participants) * run.field.max_cell
    if any(total > bound for total in totals):
        raise InconsistentAggregateError(
            f"run {run.run_id} epoch {run.epoch}: a total exceeds {bound}; a share or partial "
            "sum was corrupted"
        )
    return Aggregate(run=transition(run, Phase.AGGREGATED), totals=tuple(totals))


# -- a node's side: sharing and summing ----------------------------------------------------


def make_shares(
    table: Sequence[int],
    *,
    run: Run,
    sender: str,
    randbelow: RandBelow = secrets.randbelow,
) -> dict[str, ShareMessage]:
    """Split ``sender``'s table into one share per participant, keyed by recipient.

    The shares for the other participants are fresh uniform vectors, independent of the
    table; ``sender``'s own share (``result[sender]``) is the table minus their sum and never
    leaves the node. A node must store its shares before sending and resend the same ones:
    a second, different sharing would be refused as a :class:`ConflictingDuplicateError`.
    """
    if run.phase is not Phase.SHARE:
        raise PhaseError(f"run {run.run_id} is in {run.phase}; shares are made in {Phase.SHARE}")
    if sender not in run.participants:
        raise InvalidParametersError(f"{sender} is not a participant of run {run.run_id}")
    values = run.field.check_table(table)
    if len(values) != run.cells:
        raise InvalidParametersError(f"the table has {len(values)} cells, the run {run.cells}")
    p = run.field.modulus
    random_shares = {
        recipient: [randbelow(p) for _ in range(run.cells)]
        for recipient in run.participants
        if recipient != sender
    }
    sent_sums = _sum_vectors(random_shares.values(), p)
    own = [(value - sent) % p for value, sent in zip(values, sent_sums, strict=True)]
    vectors = {**random_shares, sender: own}
    return {
        recipient: ShareMessage(
            run_id=run.run_id,
            epoch=run.epoch,
            sender=sender,
            recipient=recipient,
            modulus=p,
            vector=tuple(vectors[recipient]),
        )
        for recipient in run.participants
    }


def accumulate(
    own_share: ShareMessage, received: Iterable[ShareMessage], *, run: Run
) -> PartialSum:
    """Add a node's own share and the shares it received into its partial sum for the hub.

    ``run`` is the hub's announcement that the share phase has ended (phase ``partial_sum``).
    Every other participant's share must be present (else :class:`SharingIncompleteError`); a
    share delivered twice counts once (idempotent per ``(run_id, epoch, sender)``); a share of
    another run or epoch is refused (:class:`StaleMessageError`), as is one addressed to another
    node or from a non-participant (:class:`MessageRejectedError`).
    """
    if run.phase is not Phase.PARTIAL_SUM:
        raise PhaseError(
            f"run {run.run_id} is in {run.phase}: partial sums are sent only after the hub "
            "has closed the share phase"
        )
    me = own_share.sender
    if own_share.recipient != me or me not in run.participants:
        raise MessageRejectedError("own_share must be this participant's share to itself")
    by_sender: dict[str, ShareMessage] = {}
    for message in [own_share, *received]:
        _check_fits(run, message)
        if message.recipient != me:
            raise MessageRejectedError(f"share addressed to {message.recipient}, not {me}")
        if message.sender not in run.participants:
            raise MessageRejectedError(f"share from {message.sender}, not a participant")
        _add_once(by_sender, message.sender, message)
    missing = frozenset(run.participants) - by_sender.keys()
    if missing:
        raise SharingIncompleteError(missing)
    return PartialSum(
        run_id=run.run_id,
        epoch=run.epoch,
        sender=me,
        senders=run.participants,
        modulus=run.field.modulus,
        vector=tuple(_sum_vectors([m.vector for m in by_sender.values()], run.field.modulus)),
    )


# -- helpers -------------------------------------------------------------------------------


def _check_fits(run: Run, message: ShareMessage | PartialSum) -> None:
    if (message.run_id, message.epoch) != (run.run_id, run.epoch):
        raise StaleMessageError(
            f"{message.message_id} is for run {message.run_id} epoch {message.epoch}, "
            f"not {run.run_id} epoch {run.epoch}"
        )
    if message.modulus != run.field.modulus:
        raise MessageRejectedError(f"{message.message_id}: modulus differs from the run's")
    if not run.field.is_element_vector(message.vector, run.cells):
        raise MessageRejectedError(
            f"{message.message_id}: expected {run.cells} integers in [0, {run.field.modulus})"
        )


def _add_once(slots: dict[str, _M], sender: str, message: _M) -> None:
    existing = slots.get(sender)
    if existing is None:
        slots[sender] = message
    elif existing != message:
        raise ConflictingDuplicateError(f"two different messages for slot {message.message_id}")


def _sum_vectors(vectors: Iterable[Sequence[int]], modulus: int) -> list[int]:
    return [sum(column) % modulus for column in zip(*vectors, strict=True)]
