"""The hub's lifecycle of a study run, in one place.

::

    awaiting ──start──▶ sharing ──all shared──▶ summing ──all partial sums──▶ released
       │                  │  ▲                     │
       │ cancel           │  └ restart without     │ missing partial, corrupt total
       ▼                  ▼    the missing         ▼
    cancelled           failed (fewer than 3)    failed

- **awaiting**: the spec is frozen and offered to the regions; their data stewards decide.
  A run starts (by the study's author) once at least three regions approved; regions that
  declined or did not answer are left out, and the release says so.
- **sharing**: the approved regions share their tables (secure aggregation, epoch 0). A
  region that has not shared by the deadline is dropped and the run restarts in a new epoch
  (``sharing → sharing``), or fails when fewer than three remain.
- **summing**: every participant sends one partial sum. A missing one by the deadline fails
  the run: there is no restart after the share phase and no partial result (rule H2).
- **released**: the protected total is published. **failed** and **cancelled** release nothing.

The workflow only decides; :mod:`zicht.research.services.hub` applies and records changes.
"""

from zicht.research.models import RunState as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.AWAITING: frozenset({S.SHARING, S.CANCELLED}),
    S.SHARING: frozenset({S.SHARING, S.SUMMING, S.FAILED, S.CANCELLED}),
    S.SUMMING: frozenset({S.RELEASED, S.FAILED}),
    S.RELEASED: frozenset(),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
}

ENDED = frozenset({S.RELEASED, S.FAILED, S.CANCELLED})
IN_PROGRESS = frozenset({S.SHARING, S.SUMMING})


def can_move(current: str, to: str) -> bool:
    return to in TRANSITIONS[current]
