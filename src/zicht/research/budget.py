"""The privacy-budget ledger's database store, and the node's configured ledger.

The ledger logic (refuse beyond the yearly epsilon, charge a run once) is the pure
:class:`zicht.research.protocols.budget.PrivacyBudgetLedger`; this module only keeps its
charges in the database, serialised per node and year by a row lock.
"""

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from zicht.research.models import BudgetCharge, BudgetYear
from zicht.research.protocols.budget import Charge, PrivacyBudgetLedger
from zicht.research.protocols.errors import ConflictingChargeError


class DatabaseBudgetStore:
    """A :class:`~zicht.research.protocols.budget.BudgetStore` in ``BudgetCharge`` rows."""

    @contextmanager
    def _locked(self, node_id: str, year: int) -> Iterator[None]:
        with transaction.atomic():
            BudgetYear.objects.get_or_create(node_id=node_id, year=year)
            # PostgreSQL blocks a second ledger here until the first commits; SQLite has one
            # writer at a time anyway.
            BudgetYear.objects.select_for_update().get(node_id=node_id, year=year)
            yield

    def lock(self, node_id: str, year: int) -> AbstractContextManager[None]:
        return self._locked(node_id, year)

    def find(self, node_id: str, run_id: str) -> Charge | None:
        row = BudgetCharge.objects.filter(node_id=node_id, run_id=run_id).first()
        if row is None:
            return None
        return Charge(node_id=row.node_id, run_id=row.run_id, year=row.year, epsilon=row.epsilon)

    def spent(self, node_id: str, year: int) -> Decimal:
        total = BudgetCharge.objects.filter(node_id=node_id, year=year).aggregate(s=Sum("epsilon"))
        return Decimal(total["s"] or 0)

    def add(self, charge: Charge) -> None:
        _, created = BudgetCharge.objects.get_or_create(
            node_id=charge.node_id,
            run_id=charge.run_id,
            defaults={"year": charge.year, "epsilon": charge.epsilon, "charged_at": timezone.now()},
        )
        if not created:
            raise ConflictingChargeError(f"run {charge.run_id} is already charged")


def node_ledger() -> PrivacyBudgetLedger:
    """This node's ledger with the configured yearly epsilon (``ZICHT_DP_YEARLY_EPSILON``)."""
    region = settings.ZICHT_REGION
    if not region:
        raise ValueError("only a node has a privacy budget")
    return PrivacyBudgetLedger(
        node_id=region,
        yearly_epsilon=settings.ZICHT_DP_YEARLY_EPSILON,
        store=DatabaseBudgetStore(),
    )
