"""The demo's ready study: what the demo launcher needs to know, without starting Django.

``make demo`` (:mod:`zicht.devtools.demo`) offers one joint study on the hub, "Arbeidsuitbuiting
per sector en kwartaal, alle regio's", and has the data steward of every region but the last
approve it, so that someone trying the demo gives the last approval, runs the study and reads
the national picture within minutes. Every change goes through ``zicht research`` (the same
audited write path as the pages); this module only builds the study file, decides which
regions approve in advance, and reads the demo's SQLite files (the demo is SQLite-only, ADR
0003) to see how far things are, like :mod:`zicht.transport.demo` does for enrollment. That
makes the set-up idempotent: a study the hub has is not offered again, a region that decided
is not asked again.
"""

import sqlite3
from collections.abc import Collection, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from zicht.register.demo_data.profiles import HISTORY_DAYS
from zicht.research.protocols.field import MIN_PARTICIPANTS

STUDY_ID = "demo-arbeid-sector-kwartaal"
TITLE = "Arbeidsuitbuiting per sector en kwartaal, alle regio's"
QUESTION = (
    "In welke sectoren en in welke kwartalen kwamen signalen van arbeidsuitbuiting binnen, "
    "over alle regio's samen?"
)
LABOUR_EXPLOITATION = "arbeid"  # catalogue code (catalogue/data/exploitation_forms.json)
MIN_CELL = 10  # the default for studies; no differential privacy
DRAFTER = "liec"  # the hub's demo analyst (zicht.accounts.demo)
STEWARD = "steward"  # every node's demo data steward
APPROVAL_REASON = "Vooraf goedgekeurd voor de demo."
# The generator dates signals up to HISTORY_DAYS back and moves weekend dates to the Friday
# before; a week of margin keeps the oldest signals inside the period.
DATA_MARGIN_DAYS = 7


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_end(day: date) -> date:
    start = quarter_start(day)
    following = (
        date(start.year + 1, 1, 1) if start.month == 10 else start.replace(month=start.month + 3)
    )
    return following - timedelta(days=1)


def period(today: date) -> tuple[date, date]:
    """Whole quarters covering the demo register generated on ``today``."""
    oldest = today - timedelta(days=HISTORY_DAYS + DATA_MARGIN_DAYS)
    return quarter_start(oldest), quarter_end(today)


def study_file(*, regions: Sequence[str], today: date) -> dict[str, Any]:
    """The study as ``zicht research offer --spec-file`` reads it."""
    start, end = period(today)
    return {
        "study_id": STUDY_ID,
        "title": TITLE,
        "question": QUESTION,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "regions": list(regions),
        "metric": "signals",
        "dimensions": ["sector", "quarter"],
        "filters": {"form": [LABOUR_EXPLOITATION]},
        "min_cell": MIN_CELL,
        "epsilon": None,
        "region_columns": False,
    }


def plan(*, asked: Collection[str], network: Sequence[str]) -> tuple[list[str], str | None]:
    """(regions whose steward approves in advance, the region left to the person trying it).

    The regions are those of the running network that the run asks, in network order; the
    last one is left. A run needs ``MIN_PARTICIPANTS`` approvals, so with fewer asked regions
    in the network nothing is approved: the run could not start anyway.
    """
    regions = [region for region in network if region in asked]
    if len(regions) < MIN_PARTICIPANTS:
        return [], None
    return regions[:-1], regions[-1]


@dataclass(frozen=True)
class HubRun:
    """The latest run of the demo study, as the hub has it."""

    run_id: str
    state: str  # zicht.research.models.RunState value
    decisions: dict[str, str]  # region -> "pending", "approved" or "declined"


@dataclass(frozen=True)
class NodeRequest:
    """The demo study's run, as a node's worker fetched it from the hub."""

    decision: str  # zicht.research.models.LocalDecision value
    hub_state: str


def _rows(database: Path, sql: str, params: tuple[str, ...] = ()) -> list[tuple[Any, ...]] | None:
    """The rows of a read-only query, or None when the database or its tables are missing."""
    if not database.exists():
        return None
    # Only a SELECT, and short: the servers and workers may be running (WAL lets us read).
    with closing(sqlite3.connect(database, timeout=10)) as conn:
        try:
            return conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError:  # not migrated (yet)
            return None


def study_exists(hub_db: Path) -> bool:
    return bool(_rows(hub_db, "SELECT 1 FROM research_study WHERE study_id = ?", (STUDY_ID,)))


def latest_run(hub_db: Path) -> HubRun | None:
    rows = _rows(
        hub_db,
        "SELECT r.id, r.run_id, r.state FROM research_studyrun r "
        "JOIN research_study s ON s.id = r.study_id WHERE s.study_id = ? "
        "ORDER BY r.number DESC LIMIT 1",
        (STUDY_ID,),
    )
    if not rows:
        return None
    pk, run_id, state = rows[0]
    invitations = _rows(
        hub_db, "SELECT region, decision FROM research_invitation WHERE run_id = ?", (pk,)
    )
    return HubRun(str(run_id), str(state), {str(r): str(d) for r, d in invitations or []})


def node_request(node_db: Path, run_id: str) -> NodeRequest | None:
    """What the node knows of ``run_id``; None until its worker fetched the run."""
    rows = _rows(
        node_db,
        "SELECT decision, hub_state FROM research_runrequest WHERE run_id = ?",
        (run_id,),
    )
    if not rows:
        return None
    decision, hub_state = rows[0]
    return NodeRequest(str(decision), str(hub_state))
