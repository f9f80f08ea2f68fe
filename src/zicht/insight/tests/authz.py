"""Routes of the regional dashboard (node only) for the authorization matrix."""

from zicht.core.authz import Route

VIEWERS = frozenset({"analist", "coordinator", "alleen_lezen", "data_steward"})

ROUTES = [
    Route("insight:dashboard", allowed=VIEWERS, where="node"),
    Route("insight:table-csv", allowed=VIEWERS, where="node", kwargs={"table": "gemeenten"}),
    Route("insight:chart-svg", allowed=VIEWERS, where="node", kwargs={"chart": "kaart"}),
]
