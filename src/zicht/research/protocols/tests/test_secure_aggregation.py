"""Secure aggregation against the plaintext reference, and the run's rules.

Several regions are simulated in one process (:mod:`..simulation`) or driven step by step
through the public functions. Randomness is injected from a seeded ``random.Random`` so that
failures reproduce; production uses ``secrets.randbelow``.
"""

import random

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from zicht.research.protocols.errors import (
    ConflictingDuplicateError,
    InconsistentAggregateError,
    InvalidInputError,
    InvalidParametersError,
    MessageRejectedError,
    MissingPartialSumsError,
    PhaseError,
    RunFailedError,
    SharingIncompleteError,
    StaleMessageError,
    TooFewParticipantsError,
)
from zicht.research.protocols.field import MAX_CELL, Field
from zicht.research.protocols.messages import PartialSum, ShareMessage
from zicht.research.protocols.reference import plaintext_sum
from zicht.research.protocols.secure_aggregation import (
    TRANSITIONS,
    Phase,
    Run,
    accumulate,
    aggregate,
    close_share_phase,
    fail,
    make_shares,
    restart_without,
    start_run,
    transition,
)
from zicht.research.protocols.simulation import simulate_run

POOL = tuple(f"region-{i}" for i in range(10))
CELL_VALUES = st.one_of(st.sampled_from([0, MAX_CELL]), st.integers(0, MAX_CELL))


@st.composite
def small_studies(draw):
    """3 to 10 regions drawn from the pool, tables of 1 to 40 cells with values at the bounds."""
    regions = draw(st.lists(st.sampled_from(POOL), min_size=3, max_size=10, unique=True))
    cells = draw(st.integers(1, 40))
    return {r: draw(st.lists(CELL_VALUES, min_size=cells, max_size=cells)) for r in regions}


def large_tables(seed: int, parties: int, cells: int) -> dict[str, list[int]]:
    """Tables of up to 2,000 cells, each cell 0, MAX_CELL or uniform, from a seed."""
    rng = random.Random(seed)
    pick = (lambda: 0, lambda: MAX_CELL, lambda: rng.randint(0, MAX_CELL))
    regions = rng.sample(POOL, parties)
    return {r: [rng.choice(pick)() for _ in range(cells)] for r in regions}


# -- equivalence with the plaintext reference ----------------------------------------------


@settings(max_examples=60, deadline=None)
@given(tables=small_studies(), seed=st.integers(0, 2**32))
def test_secure_sum_equals_the_plaintext_sum(tables, seed):
    outcome = simulate_run(tables, randbelow=random.Random(seed).randrange)
    assert outcome.error is None
    assert outcome.totals == tuple(plaintext_sum(tables.values()))
    assert outcome.run.phase is Phase.AGGREGATED


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**32), parties=st.integers(3, 10), cells=st.integers(1000, 2000))
@example(seed=0, parties=10, cells=2000)
def test_secure_sum_equals_the_plaintext_sum_for_large_tables(seed, parties, cells):
    tables = large_tables(seed, parties, cells)
    outcome = simulate_run(tables, randbelow=random.Random(seed).randrange)
    assert outcome.totals == tuple(plaintext_sum(tables.values()))


def test_tables_at_the_bounds_with_the_production_randomness():
    tables = {r: [0, MAX_CELL, 1, MAX_CELL - 1] for r in POOL}
    assert simulate_run(tables).totals == (0, 10 * MAX_CELL, 10, 10 * MAX_CELL - 10)


@settings(max_examples=25, deadline=None)
@given(tables=small_studies(), seed=st.integers(0, 2**32), data=st.data())
def test_a_region_that_did_not_approve_contributes_nothing(tables, seed, data):
    approved = data.draw(st.lists(st.sampled_from(sorted(tables)), min_size=3, unique=True))
    outcome = simulate_run(
        {r: tables[r] for r in approved}, randbelow=random.Random(seed).randrange
    )
    assert outcome.totals == tuple(plaintext_sum(tables[r] for r in approved))


# -- minimum number of participants -----------------------------------------------------------


@pytest.mark.parametrize("parties", [1, 2])
def test_fewer_than_three_participants_are_refused(parties):
    with pytest.raises(TooFewParticipantsError):
        start_run(run_id="r1", participants=POOL[:parties], cells=1)
    with pytest.raises(TooFewParticipantsError):
        simulate_run({r: [1] for r in POOL[:parties]})


def test_more_participants_than_the_field_allows_are_refused():
    field = Field(modulus=101, max_cell=10, max_parties=5)
    with pytest.raises(InvalidParametersError):
        start_run(run_id="r1", participants=POOL[:6], cells=1, field=field)


def test_participants_and_identifiers_are_validated():
    with pytest.raises(InvalidParametersError):
        start_run(run_id="r1", participants=["a", "a", "b", "c"], cells=1)
    with pytest.raises(InvalidParametersError):
        start_run(run_id="run:1", participants=POOL[:3], cells=1)
    with pytest.raises(InvalidParametersError):
        start_run(run_id="r1", participants=POOL[:3], cells=0)


# -- the state machine -------------------------------------------------------------------------


def test_transitions_are_declared_in_one_place_and_terminal_phases_are_final():
    assert set(TRANSITIONS) == set(Phase)
    for terminal in (Phase.AGGREGATED, Phase.RESTARTED, Phase.FAILED):
        assert TRANSITIONS[terminal] == frozenset()
    assert Phase.RESTARTED not in TRANSITIONS[Phase.PARTIAL_SUM]


def test_an_aggregated_run_cannot_fail_or_restart():
    tables = {r: [1] for r in POOL[:3]}
    outcome = simulate_run(tables)
    with pytest.raises(PhaseError):
        fail(outcome.run)
    with pytest.raises(PhaseError):
        transition(outcome.run, Phase.PARTIAL_SUM)


def test_nodes_send_partial_sums_only_after_the_hub_has_closed_the_share_phase():
    run = start_run(run_id="r1", participants=POOL[:3], cells=2)
    shares = {n: make_shares([1, 2], run=run, sender=n) for n in run.participants}
    me = run.participants[0]
    received = [shares[s][me] for s in run.participants if s != me]
    with pytest.raises(PhaseError):
        accumulate(shares[me][me], received, run=run)  # still in phase share
    closed = close_share_phase(run, shared=run.participants)
    assert accumulate(shares[me][me], received, run=closed).sender == me
    with pytest.raises(PhaseError):
        make_shares([1, 2], run=closed, sender=me)
    with pytest.raises(PhaseError):
        aggregate(run, [])


def test_a_node_announcement_with_other_field_parameters_is_refused():
    run = start_run(run_id="r1", participants=POOL[:3], cells=2)
    assert Run.from_dict(run.to_dict()) == run
    small = Field(modulus=101, max_cell=10, max_parties=10)
    with pytest.raises(MessageRejectedError, match="field parameters"):
        Run.from_dict(run.to_dict(), field=small)


# -- dropouts ------------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(tables=small_studies(), seed=st.integers(0, 2**32), data=st.data())
def test_a_dropout_during_sharing_restarts_the_run_without_it(tables, seed, data):
    regions = sorted(tables)
    dropped = data.draw(st.lists(st.sampled_from(regions), max_size=len(regions) - 3, unique=True))
    outcome = simulate_run(
        tables, randbelow=random.Random(seed).randrange, silent_while_sharing=dropped
    )
    remaining = [r for r in regions if r not in dropped]
    assert outcome.totals == tuple(plaintext_sum(tables[r] for r in remaining))
    assert outcome.run.participants == tuple(remaining)
    assert outcome.run.epoch == (1 if dropped else 0)


def test_restart_gives_a_new_epoch_and_shares_of_the_old_epoch_are_refused():
    run = start_run(run_id="r1", participants=POOL[:4], cells=3)
    old = {n: make_shares([5, 6, 7], run=run, sender=n) for n in run.participants[:3]}
    with pytest.raises(SharingIncompleteError) as incomplete:
        close_share_phase(run, shared=run.participants[:3])
    assert incomplete.value.missing == {POOL[3]}

    next_run = restart_without(run, incomplete.value.missing)
    assert (next_run.run_id, next_run.epoch, next_run.phase) == ("r1", 1, Phase.SHARE)
    assert next_run.participants == POOL[:3]

    new = {n: make_shares([5, 6, 7], run=next_run, sender=n) for n in next_run.participants}
    closed = close_share_phase(next_run, shared=next_run.participants)
    me, other, third = next_run.participants
    stale = old[other][me]
    with pytest.raises(StaleMessageError):
        accumulate(new[me][me], [stale, new[third][me]], run=closed)


def test_a_restart_that_leaves_fewer_than_three_fails_the_run():
    tables = {r: [1] for r in POOL[:4]}
    outcome = simulate_run(tables, silent_while_sharing=POOL[:2])
    assert outcome.totals is None
    assert isinstance(outcome.error, TooFewParticipantsError)
    assert outcome.run.phase is Phase.FAILED


def test_a_missing_partial_sum_after_sharing_fails_the_run_with_no_result():
    tables = {r: [3, 4] for r in POOL[:5]}
    outcome = simulate_run(tables, silent_after_sharing=[POOL[2]])
    assert outcome.totals is None
    assert isinstance(outcome.error, MissingPartialSumsError)
    assert outcome.error.missing == {POOL[2]}
    assert outcome.run.phase is Phase.FAILED
    assert len(outcome.hub_view.partial_sums) == 4


def test_after_the_share_phase_there_is_no_restart():
    run = start_run(run_id="r1", participants=POOL[:4], cells=1)
    closed = close_share_phase(run, shared=run.participants)
    with pytest.raises(PhaseError):
        restart_without(closed, {POOL[0]})
    with pytest.raises(MissingPartialSumsError) as failure:
        aggregate(closed, [])
    assert isinstance(failure.value, RunFailedError)
    assert fail(closed).phase is Phase.FAILED


def test_a_node_missing_a_share_cannot_make_a_partial_sum():
    run = start_run(run_id="r1", participants=POOL[:4], cells=1)
    shares = {n: make_shares([1], run=run, sender=n) for n in run.participants}
    closed = close_share_phase(run, shared=run.participants)
    me = POOL[0]
    with pytest.raises(SharingIncompleteError) as incomplete:
        accumulate(shares[me][me], [shares[POOL[1]][me], shares[POOL[2]][me]], run=closed)
    assert incomplete.value.missing == {POOL[3]}


# -- duplicates, replays and conflicts -------------------------------------------------------------


@settings(max_examples=20, deadline=None)
@given(tables=small_studies(), seed=st.integers(0, 2**32))
def test_every_message_delivered_twice_is_counted_once(tables, seed):
    outcome = simulate_run(tables, randbelow=random.Random(seed).randrange, deliver_twice=True)
    assert outcome.totals == tuple(plaintext_sum(tables.values()))
    assert len(outcome.hub_view.partial_sums) == 2 * len(tables)


def _closed_run_with_shares(cells=2, parties=3, run_id="r1"):
    run = start_run(run_id=run_id, participants=POOL[:parties], cells=cells)
    shares = {n: make_shares([1] * cells, run=run, sender=n) for n in run.participants}
    return close_share_phase(run, shared=run.participants), shares


def test_a_replayed_share_is_counted_once_and_a_fresh_sharing_is_refused():
    run, shares = _closed_run_with_shares()
    me, a, b = run.participants
    replayed = [shares[a][me], shares[b][me], shares[a][me], shares[me][me]]
    assert accumulate(shares[me][me], replayed, run=run) == accumulate(
        shares[me][me], [shares[a][me], shares[b][me]], run=run
    )
    resplit = make_shares(
        [1, 1], run=start_run(run_id="r1", participants=POOL[:3], cells=2), sender=a
    )
    with pytest.raises(ConflictingDuplicateError):
        accumulate(shares[me][me], [shares[a][me], resplit[me], shares[b][me]], run=run)


def test_shares_for_another_run_recipient_or_sender_are_refused():
    run, shares = _closed_run_with_shares()
    me, a, b = run.participants
    _, other_run_shares = _closed_run_with_shares(run_id="r2")
    with pytest.raises(StaleMessageError):
        accumulate(shares[me][me], [other_run_shares[a][me], shares[b][me]], run=run)
    with pytest.raises(MessageRejectedError, match="addressed to"):
        accumulate(shares[me][me], [shares[a][b], shares[b][me]], run=run)
    outsider = ShareMessage(
        run_id="r1",
        epoch=0,
        sender="outsider",
        recipient=me,
        modulus=run.field.modulus,
        vector=(1, 1),
    )
    with pytest.raises(MessageRejectedError, match="not a participant"):
        accumulate(shares[me][me], [shares[a][me], shares[b][me], outsider], run=run)
    with pytest.raises(MessageRejectedError, match="own_share"):
        accumulate(shares[a][me], [shares[b][me]], run=run)


def test_shares_of_the_wrong_length_or_range_are_refused():
    run, shares = _closed_run_with_shares()
    me, a, b = run.participants
    p = run.field.modulus
    for vector in [(1,), (1, 1, 1), (p, 0)]:
        bad = ShareMessage(run_id="r1", epoch=0, sender=a, recipient=me, modulus=p, vector=vector)
        with pytest.raises(MessageRejectedError):
            accumulate(shares[me][me], [bad, shares[b][me]], run=run)
    wrong_modulus = ShareMessage(
        run_id="r1", epoch=0, sender=a, recipient=me, modulus=101, vector=(1, 1)
    )
    with pytest.raises(MessageRejectedError, match="modulus"):
        accumulate(shares[me][me], [wrong_modulus, shares[b][me]], run=run)


def _partials(run, shares):
    return [
        accumulate(shares[n][n], [shares[s][n] for s in run.participants if s != n], run=run)
        for n in run.participants
    ]


def test_the_hub_counts_a_duplicated_partial_once_and_refuses_conflicting_ones():
    run, shares = _closed_run_with_shares()
    partials = _partials(run, shares)
    assert aggregate(run, partials + partials[:1]).totals == (3, 3)
    tampered = PartialSum(
        run_id=partials[0].run_id,
        epoch=0,
        sender=partials[0].sender,
        senders=partials[0].senders,
        modulus=partials[0].modulus,
        vector=tuple((v + 1) % partials[0].modulus for v in partials[0].vector),
    )
    with pytest.raises(ConflictingDuplicateError):
        aggregate(run, [*partials, tampered])


def test_the_hub_refuses_partial_sums_that_do_not_cover_this_epoch():
    run, shares = _closed_run_with_shares(parties=4)
    partials = _partials(run, shares)
    narrow = PartialSum(
        run_id="r1",
        epoch=0,
        sender=partials[0].sender,
        senders=run.participants[:3],
        modulus=run.field.modulus,
        vector=partials[0].vector,
    )
    with pytest.raises(MessageRejectedError, match="covers"):
        aggregate(run, [narrow, *partials[1:]])
    stale = PartialSum(
        run_id="r1",
        epoch=1,
        sender=partials[0].sender,
        senders=run.participants,
        modulus=run.field.modulus,
        vector=partials[0].vector,
    )
    with pytest.raises(StaleMessageError):
        aggregate(run, [stale, *partials[1:]])


def test_a_corrupted_partial_sum_is_detected_by_the_bound_on_totals():
    run, shares = _closed_run_with_shares()
    partials = _partials(run, shares)
    first = partials[0]
    corrupted = PartialSum(
        run_id="r1",
        epoch=0,
        sender=first.sender,
        senders=first.senders,
        modulus=first.modulus,
        vector=tuple((v + first.modulus // 2) % first.modulus for v in first.vector),
    )
    with pytest.raises(InconsistentAggregateError):
        aggregate(run, [corrupted, *partials[1:]])


def test_make_shares_refuses_bad_tables_and_outsiders():
    run = start_run(run_id="r1", participants=POOL[:3], cells=2)
    with pytest.raises(InvalidInputError):
        make_shares([1, MAX_CELL + 1], run=run, sender=POOL[0])
    with pytest.raises(InvalidParametersError, match="cells"):
        make_shares([1, 2, 3], run=run, sender=POOL[0])
    with pytest.raises(InvalidParametersError, match="not a participant"):
        make_shares([1, 2], run=run, sender="outsider")


def test_shares_add_up_to_the_table_and_the_sent_ones_do_not_depend_on_it():
    run = start_run(run_id="r1", participants=POOL[:4], cells=3)
    table = [7, 0, MAX_CELL]
    shares = make_shares(table, run=run, sender=POOL[0], randbelow=random.Random(1).randrange)
    p = run.field.modulus
    assert [sum(col) % p for col in zip(*(s.vector for s in shares.values()), strict=True)] == table
    other = make_shares([0, 0, 0], run=run, sender=POOL[0], randbelow=random.Random(1).randrange)
    for recipient in POOL[1:4]:
        assert shares[recipient].vector == other[recipient].vector
    assert shares[POOL[0]].vector != other[POOL[0]].vector  # only the kept share differs


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "secagg.share"},
        {"v": 2},
        {"phase": "done"},
        {"participants": "region-0,region-1,region-2"},
        {"participants": ["region-1", "region-0", "region-2"]},
        {"epoch": -1},
        {"epoch": True},
        {"cells": "3"},
        {"extra": 1},
    ],
)
def test_malformed_run_announcements_are_rejected(change):
    data = {**start_run(run_id="r1", participants=POOL[:3], cells=3).to_dict(), **change}
    with pytest.raises(MessageRejectedError):
        Run.from_dict(data)


def test_closing_and_restarting_check_their_arguments():
    run = start_run(run_id="r1", participants=POOL[:4], cells=1)
    with pytest.raises(InvalidParametersError, match="not participants"):
        close_share_phase(run, shared=[*run.participants, "outsider"])
    with pytest.raises(InvalidParametersError, match="at least one"):
        restart_without(run, [])
    with pytest.raises(InvalidParametersError, match="participants of this run"):
        restart_without(run, ["outsider"])
    closed = close_share_phase(run, shared=run.participants)
    with pytest.raises(PhaseError):
        close_share_phase(closed, shared=run.participants)


def test_the_hub_refuses_a_partial_sum_from_a_non_participant():
    run, shares = _closed_run_with_shares()
    partials = _partials(run, shares)
    outsider = PartialSum(
        run_id="r1",
        epoch=0,
        sender="outsider",
        senders=run.participants,
        modulus=run.field.modulus,
        vector=partials[0].vector,
    )
    with pytest.raises(MessageRejectedError, match="not a participant"):
        aggregate(run, [*partials, outsider])
