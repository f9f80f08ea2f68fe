"""Fixtures for talking to an in-process hub.

The test database holds the hub's tables and a node's tables side by side (every app is
installed in both roles), so one process can play the hub (through Django's test client,
with hub settings) and a node (the worker, with the suite's node settings), while "peer"
nodes are plain :class:`~zicht.transport.client.HubClient` objects with in-memory keys.
"""

import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client, override_settings

from zicht.transport import services
from zicht.transport.client import HubClient, RawRequest, RawResponse
from zicht.transport.protocol import keys

HUB_URL = "http://hub.test"
HUB_SETTINGS = {
    "ROOT_URLCONF": "zicht.urls_hub",
    "ZICHT_ROLE": "hub",
    "ZICHT_REGION": None,
    "ZICHT_INSTANCE": "hub",
}


@contextmanager
def as_hub_process() -> Iterator[None]:
    """Run a block as the hub would: its URLconf, settings and keystore context."""
    with override_settings(**HUB_SETTINGS):
        yield


class HubAdapter:
    """A client transport that hands requests to the in-process hub (Django test client).

    ``tamper`` may rewrite a response before the node sees it (to test verification), and
    ``requests`` records what went over the "wire".
    """

    def __init__(self) -> None:
        self.client = Client()
        self.requests: list[RawRequest] = []
        self.tamper: Callable[[RawRequest, RawResponse], RawResponse] | None = None

    def __call__(self, request: RawRequest, timeout: float) -> RawResponse:
        self.requests.append(request)
        parts = urllib.parse.urlsplit(request.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {k: v for k, v in request.headers.items() if k.lower() != "content-type"}
        with as_hub_process():
            if request.method == "GET":
                response = self.client.get(path, headers=headers)
            else:
                response = self.client.generic(
                    request.method,
                    path,
                    data=request.body,
                    content_type="application/json",
                    headers=headers,
                )
        raw = RawResponse(response.status_code, dict(response.headers.items()), response.content)
        if self.tamper is not None:
            raw = self.tamper(request, raw)
        return raw


@pytest.fixture
def hub_adapter() -> HubAdapter:
    return HubAdapter()


@dataclass
class Peer:
    """A node played by the test: its keys and a client on the in-process hub."""

    region: str
    pairs: keys.KeyPairs
    client: HubClient


@pytest.fixture
def enroll_peer(db: None, hub_adapter: HubAdapter) -> Callable[..., Peer]:
    """Enroll (and by default approve) a peer node for ``region`` at the in-process hub."""

    def make(region: str, *, approve: bool = True) -> Peer:
        with as_hub_process():
            code, _entry = services.create_enrollment_code(acting_user=None, region=region)
        pairs = keys.generate()
        client = HubClient(
            HUB_URL,
            region=region,
            signing_key=pairs.signing,
            hub_key=None,
            transport=hub_adapter,
            software_version="test",
        )
        client.enroll(code=code, organisation=f"RIEC {region}", box_key=pairs.box_public)
        if approve:
            with as_hub_process():
                services.approve_node(acting_user=None, region=region)
        return Peer(region=region, pairs=pairs, client=client)

    return make


def rejections() -> list[dict[str, Any]]:
    from zicht.audit.models import AuditEntry

    return [e.detail for e in AuditEntry.objects.filter(action="transport_rejected").order_by("id")]
