"""Routes of the transport app for the authorization matrix (see zicht.core.authz).

The network page lives on the hub (LIEC analist and beheerder; only the beheerder creates
codes and approves); the connection page lives on nodes (beheerder). The transport API is
for nodes only: it admits signed requests, never a session, so no persona gets in
(anonymous 401, logged-in people 403).
"""

from typing import Any

from zicht.core.authz import Route

ADMIN = frozenset({"beheerder"})
NETWORK = frozenset({"beheerder", "analist"})
NOBODY: frozenset[str] = frozenset()


def _pending_node() -> dict[str, Any]:
    from zicht.transport.models import NodeStatus
    from zicht.transport.tests.factories import NodeFactory

    return {"region": NodeFactory(region="zeeland-west-brabant", status=NodeStatus.PENDING).region}


ROUTES = [
    Route("transport:hub-status", allowed=NETWORK, where="hub"),
    Route(
        "transport:create-code",
        allowed=ADMIN,
        where="hub",
        method="post",
        data={"region": "limburg", "hours": 24},
    ),
    Route(
        "transport:approve-node",
        allowed=ADMIN,
        where="hub",
        method="post",
        kwargs_factory=_pending_node,
        ok_status=frozenset({302}),
    ),
    Route("transport:node-status", allowed=ADMIN, where="node"),
]

ROUTES += [
    Route(f"api:transport-{name}", allowed=NOBODY, where="hub", method=method, is_api=True)
    for name, method in (
        ("enroll", "post"),
        ("status", "get"),
        ("heartbeat", "post"),
        ("directory", "get"),
        ("send", "post"),
        ("poll", "get"),
        ("ack", "post"),
        ("rotate-key", "post"),
    )
]
