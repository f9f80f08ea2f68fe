"""What the hub (and coalitions with it) can learn: the disclosure guarantee, tested directly.

The statistical tests use a small field (p = 101 or 11) so that the distribution of a partial
sum can be tabulated, and many independent samples per run: every cell is shared with fresh
randomness, so the cells of one run are independent trials. The randomness is a seeded
``random.Random`` injected in place of ``secrets.randbelow``, so the tests are reproducible;
the thresholds are generous (z < 4, a one-sided p-value of about 3e-5) and a test with a
deliberately biased generator shows that the same statistic does catch a leak.
"""

import json
import random
from collections.abc import Callable
from typing import Any

import pytest

from zicht.research.protocols.field import MAX_CELL, Field
from zicht.research.protocols.secure_aggregation import (
    accumulate,
    close_share_phase,
    make_shares,
    start_run,
)
from zicht.research.protocols.simulation import Outcome, simulate_run
from zicht.research.protocols.tests.stats import (
    Z_THRESHOLD,
    chi_square_homogeneity,
    chi_square_uniform,
    counts,
    z_score,
)

SMALL = Field(modulus=101, max_cell=10, max_parties=10)
TINY = Field(modulus=11, max_cell=3, max_parties=3)
CELLS = 100
RUNS = 200  # 20,000 samples of each partial sum per input, about 200 per value of Z_101


def hub_partials(
    inputs: dict[str, int],
    *,
    field: Field,
    seed: int,
    randbelow: Callable[[random.Random], Callable[[int], int]] = lambda rng: rng.randrange,
    runs: int = RUNS,
    **options: Any,
) -> list[dict[str, int]]:
    """For each cell of each run, the partial sums the hub received, by sender."""
    rng = random.Random(seed)
    tables = {node: [value] * CELLS for node, value in inputs.items()}
    samples: list[dict[str, int]] = []
    for _ in range(runs):
        outcome = simulate_run(tables, field=field, randbelow=randbelow(rng), **options)
        received = {p["sender"]: p["vector"] for p in outcome.hub_view.partial_sums}
        samples.extend({s: v[cell] for s, v in received.items()} for cell in range(CELLS))
    return samples


def assert_same_distribution(a: list[int], b: list[int], bins: int) -> None:
    counts_a, counts_b = counts(a, bins), counts(b, bins)
    for observed in (counts_a, counts_b):
        assert z_score(*chi_square_uniform(observed)) < Z_THRESHOLD, "not uniform"
    assert z_score(*chi_square_homogeneity(counts_a, counts_b)) < Z_THRESHOLD, "input-dependent"


@pytest.mark.parametrize("node", ["a", "b", "c"])
def test_each_partial_sum_is_uniform_whatever_one_nodes_input(node):
    """Node a's input 0 versus 10: no partial sum the hub sees changes its distribution."""
    x = hub_partials({"a": 0, "b": 3, "c": 7}, field=SMALL, seed=1)
    x_prime = hub_partials({"a": 10, "b": 3, "c": 7}, field=SMALL, seed=2)
    assert_same_distribution([s[node] for s in x], [s[node] for s in x_prime], SMALL.modulus)


def test_the_hubs_whole_view_depends_only_on_the_total():
    """All partial sums together: uniform among the vectors that add up to the total, so two
    input splits with the same total give the same view. (The third partial sum is determined
    by the first two and the total, so the pair is the whole view.)"""
    p = TINY.modulus
    split = hub_partials({"a": 0, "b": 3, "c": 2}, field=TINY, seed=3, runs=150)
    other = hub_partials({"a": 3, "b": 0, "c": 2}, field=TINY, seed=4, runs=150)
    for view in split + other:
        assert sum(view.values()) % p == 5
    assert_same_distribution(
        [s["a"] * p + s["b"] for s in split], [s["a"] * p + s["b"] for s in other], p * p
    )


def test_a_failed_run_shows_the_hub_nothing_about_the_total():
    """With one partial sum missing, the sum of the others is uniform: no partial result."""
    p = SMALL.modulus
    silent = ["c"]
    low = hub_partials({"a": 0, "b": 0, "c": 0}, field=SMALL, seed=5, silent_after_sharing=silent)
    high = hub_partials(
        {"a": 10, "b": 10, "c": 10}, field=SMALL, seed=6, silent_after_sharing=silent
    )
    assert_same_distribution(
        [sum(s.values()) % p for s in low], [sum(s.values()) % p for s in high], p
    )


def test_the_statistic_catches_a_leak_from_a_biased_generator():
    """Shares from [0, p/4) instead of Z_p: node a's partial sum now shifts with its input."""
    biased = lambda rng: lambda n: rng.randrange(n // 4)  # noqa: E731
    x = hub_partials({"a": 0, "b": 3, "c": 7}, field=SMALL, seed=7, randbelow=biased)
    x_prime = hub_partials({"a": 10, "b": 3, "c": 7}, field=SMALL, seed=8, randbelow=biased)
    statistic = chi_square_homogeneity(
        counts([s["a"] for s in x], SMALL.modulus), counts([s["a"] for s in x_prime], SMALL.modulus)
    )
    assert z_score(*statistic) > 10 * Z_THRESHOLD


def _coalition_view_of_a_and_b(x_a: int, x_b: int, *, seed: int) -> list[tuple[int, int]]:
    """Hub + colluding nodes c and d against honest a and b (n = 4). For each cell, what the
    coalition can compute about a and about b: the honest node's partial sum minus the shares c
    and d sent it, plus the shares it sent to c and d. For a that is x_a minus a's share to b
    plus b's share to a; everything else the coalition sees is fresh randomness."""
    rng = random.Random(seed)
    p = SMALL.modulus
    views: list[tuple[int, int]] = []
    for _ in range(RUNS):
        run = start_run(run_id="r", participants=["a", "b", "c", "d"], cells=CELLS, field=SMALL)
        inputs = {"a": x_a, "b": x_b, "c": 1, "d": 2}
        shares = {
            n: make_shares([v] * CELLS, run=run, sender=n, randbelow=rng.randrange)
            for n, v in inputs.items()
        }
        closed = close_share_phase(run, shared=run.participants)
        residual = {}
        for honest in "ab":
            others = [s for s in run.participants if s != honest]
            partial = accumulate(
                shares[honest][honest], [shares[s][honest] for s in others], run=closed
            ).vector
            residual[honest] = [
                (
                    partial[cell]
                    - sum(shares[c][honest].vector[cell] for c in "cd")
                    + sum(shares[honest][c].vector[cell] for c in "cd")
                )
                % p
                for cell in range(CELLS)
            ]
        views.extend(zip(residual["a"], residual["b"], strict=True))
    return views


def test_hub_with_all_but_two_nodes_learns_only_the_sum_of_the_other_two():
    """Same sum x_a + x_b = 10, different split: the coalition learns the sum and nothing else
    (what it can compute about a is uniform, and about b is the sum minus that)."""
    p = SMALL.modulus
    split = _coalition_view_of_a_and_b(0, 10, seed=9)
    other = _coalition_view_of_a_and_b(10, 0, seed=10)
    assert all((r_a + r_b) % p == 10 for r_a, r_b in split + other)
    assert_same_distribution([r_a for r_a, _ in split], [r_a for r_a, _ in other], p)


def test_hub_with_all_but_one_node_learns_the_last_table():
    """The limit of the threat model, stated as a test: n - 1 colluders plus the hub see the
    last node's table exactly (as they could from the total anyway). Hence at least 3."""
    run = start_run(run_id="r", participants=["a", "b", "c"], cells=3)
    table_a = [5, 0, MAX_CELL]
    shares = {n: make_shares(table_a if n == "a" else [1, 1, 1], run=run, sender=n) for n in "abc"}
    closed = close_share_phase(run, shared=run.participants)
    partial_a = accumulate(shares["a"]["a"], [shares["b"]["a"], shares["c"]["a"]], run=closed)
    p = run.field.modulus
    recovered = [
        (
            partial_a.vector[i]
            - shares["b"]["a"].vector[i]
            - shares["c"]["a"].vector[i]
            + shares["a"]["b"].vector[i]
            + shares["a"]["c"].vector[i]
        )
        % p
        for i in range(3)
    ]
    assert recovered == table_a


def _integers_in(view: object) -> set[int]:
    found: set[int] = set()

    def walk(value: object) -> None:
        if isinstance(value, bool):
            return
        if isinstance(value, int):
            found.add(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(view)
    return found


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"deliver_twice": True},
        {"silent_while_sharing": ["region-4"]},
        {"silent_after_sharing": ["region-1"]},
    ],
    ids=["plain", "duplicates", "restart", "failed"],
)
def test_no_regions_table_or_value_appears_in_anything_the_hub_receives(options):
    rng = random.Random(11)
    tables = {f"region-{i}": [rng.randint(10**6, MAX_CELL) for _ in range(300)] for i in range(6)}
    outcome: Outcome = simulate_run(tables, **options)
    view = outcome.hub_view
    as_json = json.loads(
        json.dumps(
            {
                "announcements": view.announcements,
                "relayed": [vars(r) for r in view.relayed],
                "partial_sums": view.partial_sums,
            }
        )
    )
    seen = _integers_in(as_json)
    vectors = [p["vector"] for p in view.partial_sums]
    for region, table in tables.items():
        assert table not in vectors, region
        assert not seen & set(table), f"a cell of {region} is visible to the hub"
    assert all(
        set(vars(r)) == {"run_id", "epoch", "sender", "recipient", "size"} for r in view.relayed
    )
