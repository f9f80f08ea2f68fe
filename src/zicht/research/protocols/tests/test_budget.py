"""The per-node yearly privacy-budget ledger."""

import contextlib
import threading
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zicht.research.protocols.budget import InMemoryBudgetStore, PrivacyBudgetLedger, to_epsilon
from zicht.research.protocols.errors import (
    BudgetExceededError,
    ConflictingChargeError,
    InvalidParametersError,
)

DAY = date(2025, 6, 1)


def ledger(yearly="1.0", node_id="limburg", store=None):
    return PrivacyBudgetLedger(
        node_id=node_id, yearly_epsilon=yearly, store=store or InMemoryBudgetStore()
    )


def test_charges_within_the_budget_are_recorded():
    budget = ledger()
    charge = budget.charge(run_id="run-1", epsilon=0.3, on=DAY)
    assert (charge.node_id, charge.run_id, charge.year, charge.epsilon) == (
        "limburg",
        "run-1",
        2025,
        Decimal("0.3"),
    )
    assert budget.spent(2025) == Decimal("0.3")
    assert budget.remaining(2025) == Decimal("0.7")


def test_a_run_beyond_the_yearly_budget_is_refused_and_nothing_is_spent():
    budget = ledger()
    budget.charge(run_id="run-1", epsilon="0.8", on=DAY)
    with pytest.raises(BudgetExceededError, match=r"exceeds the remaining budget 0\.2 "):
        budget.charge(run_id="run-2", epsilon="0.3", on=DAY)
    assert budget.spent(2025) == Decimal("0.8")
    budget.charge(run_id="run-3", epsilon="0.2", on=DAY)  # exactly the rest is allowed
    assert budget.remaining(2025) == 0
    with pytest.raises(BudgetExceededError):
        budget.charge(run_id="run-4", epsilon="0.001", on=DAY)


def test_ten_charges_of_a_tenth_use_up_exactly_one():
    """With floats 0.1 * 10 is not 1.0; Decimals make the last charge fit exactly."""
    budget = ledger()
    for i in range(10):
        budget.charge(run_id=f"run-{i}", epsilon=0.1, on=DAY)
    assert budget.spent(2025) == 1
    with pytest.raises(BudgetExceededError):
        budget.charge(run_id="run-10", epsilon=0.1, on=DAY)


def test_charging_a_run_again_is_idempotent_even_when_the_budget_is_used_up():
    budget = ledger()
    first = budget.charge(run_id="run-1", epsilon="1.0", on=DAY)
    again = budget.charge(run_id="run-1", epsilon=1, on=date(2025, 12, 31))
    assert again == first
    assert budget.spent(2025) == 1
    with pytest.raises(ConflictingChargeError):
        budget.charge(run_id="run-1", epsilon="0.5", on=DAY)


def test_the_budget_is_per_calendar_year_and_per_node():
    store = InMemoryBudgetStore()
    limburg = ledger(store=store)
    rotterdam = ledger(node_id="rotterdam", store=store)
    limburg.charge(run_id="run-1", epsilon="1.0", on=date(2025, 12, 31))
    limburg.charge(run_id="run-2", epsilon="1.0", on=date(2026, 1, 1))
    rotterdam.charge(run_id="run-1", epsilon="1.0", on=date(2025, 12, 31))
    assert limburg.spent(2025) == limburg.spent(2026) == rotterdam.spent(2025) == 1
    assert rotterdam.spent(2026) == 0


def test_concurrent_charges_cannot_overspend():
    budget = ledger(yearly="1.0")
    results: list[str] = []

    def charge(i: int) -> None:
        try:
            budget.charge(run_id=f"run-{i}", epsilon="0.1", on=DAY)
            results.append("ok")
        except BudgetExceededError:
            results.append("refused")

    threads = [threading.Thread(target=charge, args=(i,)) for i in range(25)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("ok") == 10
    assert budget.spent(2025) == 1


@settings(max_examples=50)
@given(
    yearly=st.decimals(min_value="0.1", max_value="10", places=2),
    charges=st.lists(
        st.tuples(st.integers(0, 15), st.decimals(min_value="0.01", max_value="3", places=2)),
        max_size=40,
    ),
)
def test_spending_never_exceeds_the_yearly_budget(yearly, charges):
    budget = ledger(yearly=yearly)
    for run, epsilon in charges:
        with contextlib.suppress(BudgetExceededError, ConflictingChargeError):
            budget.charge(run_id=f"run-{run}", epsilon=epsilon, on=DAY)
        assert budget.spent(2025) <= yearly


@pytest.mark.parametrize("epsilon", [0, -0.1, "nan", "inf", "abc", True, None])
def test_invalid_epsilons_are_refused(epsilon):
    with pytest.raises(InvalidParametersError):
        to_epsilon(epsilon)
    with pytest.raises(InvalidParametersError):
        ledger().charge(run_id="run-1", epsilon=epsilon, on=DAY)
    with pytest.raises(InvalidParametersError):
        ledger(yearly=epsilon)


def test_identifiers_are_validated():
    with pytest.raises(InvalidParametersError):
        ledger(node_id="lim burg")
    with pytest.raises(InvalidParametersError):
        ledger().charge(run_id="run:1", epsilon="0.1", on=DAY)


def test_the_in_memory_store_refuses_a_second_charge_for_a_run():
    store = InMemoryBudgetStore()
    charge = ledger(store=store).charge(run_id="run-1", epsilon="0.1", on=DAY)
    with pytest.raises(ConflictingChargeError):
        store.add(charge)
