"""Authentication of nodes at the hub's transport API: signed requests, no sessions.

:class:`NodeSignatureAuth` is a django-ninja auth class. It checks, in this order, that

1. the ``X-Zicht-*`` headers are present and well-formed (``malformed``);
2. the region belongs to a node the hub knows (``unknown_node``) and the key id is that
   node's current signing key or one from its history (``unknown_key``);
3. the signature verifies (``bad_signature``) and the timestamp is within five minutes of
   the hub's clock (``clock_skew``);
4. the key is the current one (``revoked_key`` for a key rotated away), the node is not
   revoked (``revoked_node``) and, except where allowed, not awaiting approval
   (``pending_node``);
5. the nonce was not seen before (``replayed_nonce``).

Each refusal is written to the audit log with that reason and answered 401 with a Dutch
explanation. The signature is checked before anything about the node's status is said, so
only a holder of the key learns whether its node is pending or revoked.

A request without any of our headers is not a transport request: anonymous callers get
401, logged-in people 403 (this API is for nodes, not for users).
"""

import json
from dataclasses import dataclass
from typing import NoReturn

from django.http import HttpRequest
from ninja.errors import AuthorizationError, HttpError
from ninja.security.base import AuthBase

from zicht.transport import access, services
from zicht.transport.models import Node, NodeStatus
from zicht.transport.protocol import keys, signing
from zicht.transport.protocol.errors import MalformedError, ProtocolError


@dataclass(frozen=True)
class Caller:
    """Who signed the request: a node, or (while enrolling) a not-yet-registered key."""

    region: str
    key_id: str
    nonce: str
    node: Node | None


REASONS = {
    "malformed": "De ondertekening van het verzoek is onvolledig of heeft niet de juiste vorm.",
    "unknown_node": "Deze node is niet bekend bij de hub.",
    "unknown_key": "Deze sleutel is niet bekend bij de hub.",
    "bad_signature": "De handtekening van het verzoek klopt niet.",
    "clock_skew": "De klok van de node wijkt meer dan vijf minuten af van die van de hub.",
    "revoked_key": "Deze sleutel is vervangen of ingetrokken.",
    "revoked_node": "Deze node is ingetrokken door de beheerder van de hub.",
    "pending_node": "Deze node wacht nog op goedkeuring door de beheerder van de hub.",
    "replayed_nonce": "Dit verzoek is al eens ontvangen (herhaald verzoek).",
}


def signed_path(request: HttpRequest) -> str:
    """The path and raw query string as the node signed them."""
    query = request.META.get("QUERY_STRING", "")
    return request.path + (f"?{query}" if query else "")


class NodeSignatureAuth(AuthBase):
    openapi_type = "apiKey"
    openapi_in = "header"
    openapi_name = signing.HEADER_SIGNATURE
    openapi_description = (
        "Ed25519 signature over the canonical request (docs/protocols/transport.md), with "
        "X-Zicht-Region, X-Zicht-Key-Id, X-Zicht-Timestamp and X-Zicht-Nonce."
    )

    def __init__(self, *, allow_pending: bool = False, enrollment: bool = False) -> None:
        self.allow_pending = allow_pending
        self.enrollment = enrollment
        super().__init__()

    def __call__(self, request: HttpRequest) -> Caller | None:
        headers = dict(request.headers.items())
        if not signing.has_request_signature(headers):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                raise AuthorizationError
            return None
        try:
            signed = signing.parse_request_headers(headers)
        except MalformedError:
            self._reject(request, "malformed", None, None)
        if self.enrollment:
            return self._enrolling(request, signed)
        node = Node.objects.filter(region=signed.region).first()
        if node is None:
            self._reject(request, "unknown_node", signed.region, signed.key_id)
        retired = signed.key_id != node.signing_key_id
        key_text = access.retired_signing_key(node, signed.key_id) if retired else node.signing_key
        if key_text is None:
            self._reject(request, "unknown_key", signed.region, signed.key_id)
        self._verify(request, signed, key_text)
        if retired:
            self._reject(request, "revoked_key", signed.region, signed.key_id)
        if node.status == NodeStatus.REVOKED:
            self._reject(request, "revoked_node", signed.region, signed.key_id)
        if node.status == NodeStatus.PENDING and not self.allow_pending:
            self._reject(request, "pending_node", signed.region, signed.key_id)
        self._consume_nonce(request, signed)
        services.touch_node(node)
        return Caller(region=node.region, key_id=signed.key_id, nonce=signed.nonce, node=node)

    def _enrolling(self, request: HttpRequest, signed: signing.RequestSignature) -> Caller:
        # A node that enrolls signs with the key it registers: proof that it holds it.
        try:
            body = json.loads(request.body)
            key_text = str(body["signing_key"])
            claimed_region = str(body["region"])
        except (ValueError, KeyError, TypeError):
            self._reject(request, "malformed", signed.region, signed.key_id)
        if claimed_region != signed.region:
            self._reject(request, "malformed", signed.region, signed.key_id)
        self._verify(request, signed, key_text)
        self._consume_nonce(request, signed)
        return Caller(region=signed.region, key_id=signed.key_id, nonce=signed.nonce, node=None)

    def _verify(self, request: HttpRequest, signed: signing.RequestSignature, key: str) -> None:
        try:
            signing.verify_request(
                keys.decode_verify_key(key),
                signed,
                method=request.method or "",
                path=signed_path(request),
                body=request.body,
            )
        except ProtocolError as exc:
            reason = exc.code if exc.code in REASONS else "bad_signature"
            self._reject(request, reason, signed.region, signed.key_id)

    def _consume_nonce(self, request: HttpRequest, signed: signing.RequestSignature) -> None:
        if not services.accept_nonce(key_id=signed.key_id, nonce=signed.nonce):
            self._reject(request, "replayed_nonce", signed.region, signed.key_id)

    def _reject(
        self, request: HttpRequest, reason: str, region: str | None, key_id: str | None
    ) -> NoReturn:
        services.record_rejection(
            reason=reason,
            region=region,
            key_id=key_id,
            method=request.method or "",
            path=request.path,
        )
        raise HttpError(401, REASONS[reason])
