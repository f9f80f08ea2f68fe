"""The hub's API for nodes, under ``/api/v1/transport/`` (mounted on the hub only).

Every call is a signed request from a node (:mod:`zicht.transport.auth`), and every success
is signed by the hub over its status, the request's nonce and the body, so a node can trust
the answer. The endpoints are thin: they check the form, call :mod:`zicht.transport.services`
or :mod:`zicht.transport.access`, and sign what they return. Formats are specified in
``docs/protocols/transport.md``.
"""

import base64
import time
import uuid
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from zicht.transport import access, services
from zicht.transport.auth import Caller, NodeSignatureAuth
from zicht.transport.models import Node
from zicht.transport.protocol import signing

MAX_MESSAGES_PER_SEND = 100
MAX_ACKS = 500


class EnrollIn(Schema):
    code: str = Field(max_length=100)
    region: str = Field(max_length=40)
    organisation: str = Field(max_length=200)
    signing_key: str = Field(max_length=64)
    box_key: str = Field(max_length=64)
    software_version: str = Field(default="", max_length=40)


class EnrollOut(Schema):
    region: str
    status: str
    hub_signing_key: str
    hub_key_id: str


class StatusOut(Schema):
    region: str
    status: str
    signing_key_id: str
    box_key_id: str
    hub_time: int


class HeartbeatIn(Schema):
    software_version: str = Field(default="", max_length=40)


class HeartbeatOut(Schema):
    status: str
    hub_time: int


class DirectoryEntry(Schema):
    region: str
    organisation: str
    box_key: str
    box_key_id: str
    signing_key_id: str


class DirectoryOut(Schema):
    nodes: list[DirectoryEntry]


class OutgoingIn(Schema):
    id: uuid.UUID
    recipient: str = Field(max_length=40)
    kind: str = Field(max_length=60)
    sender_box_key_id: str = Field(max_length=32)
    recipient_box_key_id: str = Field(max_length=32)
    ciphertext: str


class SendIn(Schema):
    messages: list[OutgoingIn] = Field(max_length=MAX_MESSAGES_PER_SEND)


class SendResult(Schema):
    id: str
    result: str
    detail: str


class SendOut(Schema):
    results: list[SendResult]


class PollFilter(Schema):
    limit: int = Field(default=50, ge=1, le=100)


class DeliveredMessage(Schema):
    id: uuid.UUID
    sender: str
    kind: str
    sender_box_key: str
    sender_box_key_id: str
    recipient_box_key_id: str
    ciphertext: str
    created_at: datetime
    expires_at: datetime


class PollOut(Schema):
    messages: list[DeliveredMessage]
    more: bool


class AckIn(Schema):
    ids: list[uuid.UUID] = Field(max_length=MAX_ACKS)


class AckOut(Schema):
    acknowledged: int


class RotateIn(Schema):
    signing_key: str = Field(max_length=64)
    box_key: str = Field(max_length=64)
    proof: str = Field(max_length=200)


class RotateOut(Schema):
    signing_key_id: str
    box_key_id: str


def calling_caller(request: HttpRequest) -> Caller:
    caller = request.auth  # type: ignore[attr-defined]  # set by django-ninja's auth step
    if not isinstance(caller, Caller):  # pragma: no cover - the auth class guarantees it
        raise HttpError(401, "Niet ondertekend.")
    return caller


def calling_node(request: HttpRequest) -> Node:
    node = calling_caller(request).node
    if node is None:  # pragma: no cover - only the enroll endpoint admits unknown keys
        raise HttpError(401, "Deze node is niet bekend bij de hub.")
    return node


def signed_response(request: HttpRequest, payload: Schema, status: int = 200) -> HttpResponse:
    body = payload.model_dump_json().encode("utf-8")
    headers = signing.sign_response(
        services.hub_signing_key(),
        status=status,
        request_nonce=calling_caller(request).nonce,
        body=body,
    )
    response = HttpResponse(body, status=status, content_type="application/json")
    for name, value in headers.items():
        response[name] = value
    return response


def build_router() -> Router:
    router = Router(tags=["transport"], auth=NodeSignatureAuth())

    @router.post(
        "/enroll",
        response=EnrollOut,
        auth=NodeSignatureAuth(enrollment=True),
        url_name="transport-enroll",
        summary="Register a node's public keys with a one-time code (then await approval)",
    )
    def enroll(request: HttpRequest, data: EnrollIn) -> HttpResponse:
        try:
            node = services.enroll_node(
                code=data.code,
                region=data.region,
                organisation=data.organisation,
                signing_key=data.signing_key,
                box_key=data.box_key,
                software_version=data.software_version,
            )
        except services.TransportError as exc:
            raise HttpError(exc.status, str(exc)) from exc
        identity = services.hub_identity()
        return signed_response(
            request,
            EnrollOut(
                region=node.region,
                status=node.status,
                hub_signing_key=identity.signing_key,
                hub_key_id=identity.signing_key_id,
            ),
        )

    @router.get(
        "/status",
        response=StatusOut,
        auth=NodeSignatureAuth(allow_pending=True),
        url_name="transport-status",
        summary="The calling node's enrollment status and current key ids",
    )
    def status(request: HttpRequest) -> HttpResponse:
        node = calling_node(request)
        return signed_response(
            request,
            StatusOut(
                region=node.region,
                status=node.status,
                signing_key_id=node.signing_key_id,
                box_key_id=node.box_key_id,
                hub_time=int(time.time()),
            ),
        )

    @router.post(
        "/heartbeat",
        response=HeartbeatOut,
        url_name="transport-heartbeat",
        summary="The node is alive; records its software version",
    )
    def heartbeat(request: HttpRequest, data: HeartbeatIn) -> HttpResponse:
        node = calling_node(request)
        services.touch_node(node, software_version=data.software_version)
        return signed_response(request, HeartbeatOut(status=node.status, hub_time=int(time.time())))

    @router.get(
        "/directory",
        response=DirectoryOut,
        url_name="transport-directory",
        summary="Public encryption keys of the active nodes",
    )
    def directory(request: HttpRequest) -> HttpResponse:
        entries = [
            DirectoryEntry(
                region=n.region,
                organisation=n.organisation,
                box_key=n.box_key,
                box_key_id=n.box_key_id,
                signing_key_id=n.signing_key_id,
            )
            for n in access.active_nodes()
        ]
        return signed_response(request, DirectoryOut(nodes=entries))

    @router.post(
        "/send",
        response=SendOut,
        url_name="transport-send",
        summary="Queue one ciphertext per recipient; repeating a message id is harmless",
    )
    def send(request: HttpRequest, data: SendIn) -> HttpResponse:
        outgoing = [
            services.OutgoingMessage(
                id=m.id,
                recipient=m.recipient,
                kind=m.kind,
                sender_box_key_id=m.sender_box_key_id,
                recipient_box_key_id=m.recipient_box_key_id,
                ciphertext=m.ciphertext,
            )
            for m in data.messages
        ]
        results = services.store_messages(sender=calling_node(request), messages=outgoing)
        return signed_response(request, SendOut(results=[SendResult(**r) for r in results]))

    @router.get(
        "/poll",
        response=PollOut,
        url_name="transport-poll",
        summary="Messages waiting for the calling node, oldest first",
    )
    def poll(request: HttpRequest, filters: Query[PollFilter]) -> HttpResponse:
        node = calling_node(request)
        services.prune()
        waiting, more = access.queue_for(node, limit=filters.limit)
        delivered = []
        for message in waiting:
            sender_key = access.box_key_of(message.sender, message.sender_box_key_id)
            if sender_key is None:  # pragma: no cover - key history is append-only
                continue
            delivered.append(
                DeliveredMessage(
                    id=message.id,
                    sender=message.sender.region,
                    kind=message.kind,
                    sender_box_key=sender_key,
                    sender_box_key_id=message.sender_box_key_id,
                    recipient_box_key_id=message.recipient_box_key_id,
                    ciphertext=base64.b64encode(bytes(message.ciphertext)).decode("ascii"),
                    created_at=message.created_at,
                    expires_at=message.expires_at,
                )
            )
        return signed_response(request, PollOut(messages=delivered, more=more))

    @router.post(
        "/ack",
        response=AckOut,
        url_name="transport-ack",
        summary="Acknowledge received messages; the hub deletes them",
    )
    def ack(request: HttpRequest, data: AckIn) -> HttpResponse:
        count = services.acknowledge_messages(recipient=calling_node(request), ids=data.ids)
        return signed_response(request, AckOut(acknowledged=count))

    @router.post(
        "/rotate-key",
        response=RotateOut,
        url_name="transport-rotate-key",
        summary="Replace the calling node's keys (signed with the current key, proof by the new)",
    )
    def rotate_key(request: HttpRequest, data: RotateIn) -> HttpResponse:
        try:
            node = services.rotate_node_keys(
                node=calling_node(request),
                signing_key=data.signing_key,
                box_key=data.box_key,
                proof=data.proof,
                request_nonce=calling_caller(request).nonce,
            )
        except services.TransportError as exc:
            raise HttpError(exc.status, str(exc)) from exc
        return signed_response(
            request, RotateOut(signing_key_id=node.signing_key_id, box_key_id=node.box_key_id)
        )

    return router
