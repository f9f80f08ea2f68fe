"""Joint research: the hub's studies and runs, and each node's side of a run.

Both roles install every app (one codebase); the hub's tables stay empty on a node and the
node's tables stay empty on the hub. The hub never holds a region's table: only the run
state, each region's decision, partial sums until the run ends (rule H3) and the protected
release.
"""

from zicht.research.models.hub import (
    Decision,
    Invitation,
    PartialSumRecord,
    RegionColumn,
    Release,
    RunEvent,
    RunState,
    Study,
    StudyRun,
)
from zicht.research.models.node import (
    BudgetCharge,
    BudgetYear,
    LocalDecision,
    ReceivedShare,
    RunRequest,
    SentPartial,
    ShareSet,
)

__all__ = [
    "BudgetCharge",
    "BudgetYear",
    "Decision",
    "Invitation",
    "LocalDecision",
    "PartialSumRecord",
    "ReceivedShare",
    "RegionColumn",
    "Release",
    "RunEvent",
    "RunRequest",
    "RunState",
    "SentPartial",
    "ShareSet",
    "Study",
    "StudyRun",
]
