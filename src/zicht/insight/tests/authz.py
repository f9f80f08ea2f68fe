"""Routes of the regional dashboard and the phenomenon-picture reports (node only) for the
authorization matrix.

Every viewer of the dashboard reads and exports reports; the analysts and the coordinator
write them. The persona that first makes the report final changes its status; the others
still get the page's redirect (with an error message), which is what "let in" means there.
"""

from datetime import date
from typing import Any

from zicht.core.authz import Route

VIEWERS = frozenset({"analist", "coordinator", "alleen_lezen", "data_steward"})
WRITERS = frozenset({"analist", "coordinator"})
REDIRECT = frozenset({302})


def _report() -> dict[str, Any]:
    from zicht.insight import services

    report = services.create_report(
        acting_user=None,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 3, 31),
        text=services.Text(title="Fenomeenbeeld eerste kwartaal", summary="Samenvatting."),
    )
    return {"report_id": report.pk}


def _version() -> dict[str, Any]:
    return {**_report(), "number": 1}


ROUTES = [
    Route("insight:dashboard", allowed=VIEWERS, where="node"),
    Route("insight:table-csv", allowed=VIEWERS, where="node", kwargs={"table": "gemeenten"}),
    Route("insight:chart-svg", allowed=VIEWERS, where="node", kwargs={"chart": "kaart"}),
    Route("insight:report-list", allowed=VIEWERS, where="node"),
    Route("insight:report-create", allowed=WRITERS, where="node"),
    Route("insight:report-detail", allowed=VIEWERS, where="node", kwargs_factory=_report),
    Route("insight:report-edit", allowed=WRITERS, where="node", kwargs_factory=_report),
    Route("insight:report-version", allowed=VIEWERS, where="node", kwargs_factory=_version),
    Route(
        "insight:report-transition",
        allowed=WRITERS,
        where="node",
        method="post",
        kwargs_factory=_report,
        data={"to_status": "definitief"},
        ok_status=REDIRECT,
    ),
    Route("insight:report-pdf", allowed=VIEWERS, where="node", kwargs_factory=_report),
    Route("insight:report-html", allowed=VIEWERS, where="node", kwargs_factory=_report),
]
