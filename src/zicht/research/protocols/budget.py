"""The privacy-budget ledger: each node's yearly epsilon, charged once per DP run.

Every release with differential privacy costs each participating region the run's epsilon (by
sequential composition the losses add up). A node's ledger holds the charges for one calendar
year and refuses a charge that would take the year's total above the configured
``yearly_epsilon``; the node then does not take part in the run. The charge is keyed by the
logical ``run_id``, not the epoch, so a restart after a dropout is not charged twice, and
charging the same run again is a no-op (the transport delivers at least once). Charges are
never refunded here, not even for runs that failed without a release: erring on the side of
spent budget is safe.

Epsilons are :class:`~decimal.Decimal` so that many small charges add up exactly.
Storage is injected (:class:`BudgetStore`); :class:`InMemoryBudgetStore` is for tests and the
simulation, and the Django layer provides a store whose ``lock`` is a database transaction
with a row lock on the node's budget for the year, so two concurrent charges cannot both pass
the check.
"""

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Protocol

from zicht.research.protocols.errors import (
    BudgetExceededError,
    ConflictingChargeError,
    InvalidParametersError,
)
from zicht.research.protocols.messages import check_identifier


def to_epsilon(value: Decimal | int | float | str) -> Decimal:
    """``value`` as a positive finite Decimal; a float goes through its shortest repr."""
    if isinstance(value, bool):
        raise InvalidParametersError("epsilon must be a number, not a bool")
    try:
        epsilon = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise InvalidParametersError(f"epsilon must be a number, got {value!r}") from exc
    if not epsilon.is_finite() or epsilon <= 0:
        raise InvalidParametersError(f"epsilon must be positive and finite, got {value!r}")
    return epsilon


@dataclass(frozen=True)
class Charge:
    node_id: str
    run_id: str
    year: int
    epsilon: Decimal


class BudgetStore(Protocol):
    """Where a ledger keeps its charges."""

    def lock(self, node_id: str, year: int) -> AbstractContextManager[None]:
        """Serialise check-and-charge for one node and year."""

    def find(self, node_id: str, run_id: str) -> Charge | None:
        """The node's charge for ``run_id``, in any year, if there is one."""

    def spent(self, node_id: str, year: int) -> Decimal:
        """The sum of the node's charges in ``year``."""

    def add(self, charge: Charge) -> None:
        """Record a new charge."""


class InMemoryBudgetStore:
    """A :class:`BudgetStore` in a dict, for tests and in-process simulations."""

    def __init__(self) -> None:
        self._charges: dict[tuple[str, str], Charge] = {}
        self._mutex = threading.Lock()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with self._mutex:
            yield

    def lock(self, node_id: str, year: int) -> AbstractContextManager[None]:
        return self._locked()

    def find(self, node_id: str, run_id: str) -> Charge | None:
        return self._charges.get((node_id, run_id))

    def spent(self, node_id: str, year: int) -> Decimal:
        return sum(
            (c.epsilon for c in self._charges.values() if (c.node_id, c.year) == (node_id, year)),
            Decimal(0),
        )

    def add(self, charge: Charge) -> None:
        key = (charge.node_id, charge.run_id)
        if key in self._charges:
            raise ConflictingChargeError(f"run {charge.run_id} is already charged")
        self._charges[key] = charge


class PrivacyBudgetLedger:
    """One node's privacy budget: ``yearly_epsilon`` per calendar year."""

    def __init__(
        self,
        *,
        node_id: str,
        yearly_epsilon: Decimal | int | float | str,
        store: BudgetStore,
    ) -> None:
        self.node_id = check_identifier(node_id, "node_id")
        self.yearly_epsilon = to_epsilon(yearly_epsilon)
        self._store = store

    def charge(self, *, run_id: str, epsilon: Decimal | int | float | str, on: date) -> Charge:
        """Charge ``epsilon`` for ``run_id`` to the budget of ``on``'s calendar year.

        ``on`` is the node's local date (Europe/Amsterdam) when it agrees to the run. Charging
        a run again returns the first charge and spends nothing; charging it with another
        epsilon raises :class:`ConflictingChargeError`. Raises :class:`BudgetExceededError` when the
        year's charges plus ``epsilon`` would exceed ``yearly_epsilon``.
        """
        check_identifier(run_id, "run_id")
        amount = to_epsilon(epsilon)
        year = on.year
        with self._store.lock(self.node_id, year):
            existing = self._store.find(self.node_id, run_id)
            if existing is not None:
                if existing.epsilon != amount:
                    raise ConflictingChargeError(
                        f"run {run_id} was charged epsilon {existing.epsilon}, not {amount}"
                    )
                return existing
            spent = self._store.spent(self.node_id, year)
            if spent + amount > self.yearly_epsilon:
                raise BudgetExceededError(
                    f"{self.node_id}: epsilon {amount} for run {run_id} exceeds the remaining "
                    f"budget {self.yearly_epsilon - spent} of {self.yearly_epsilon} for {year}"
                )
            charge = Charge(node_id=self.node_id, run_id=run_id, year=year, epsilon=amount)
            self._store.add(charge)
            return charge

    def spent(self, year: int) -> Decimal:
        return self._store.spent(self.node_id, year)

    def remaining(self, year: int) -> Decimal:
        return max(self.yearly_epsilon - self.spent(year), Decimal(0))
