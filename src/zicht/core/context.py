"""Per-request context that the audit log needs but service functions should not carry.

The request middleware sets a request id and the client address; service functions called
from commands or workers run without a request and get ``None`` (the audit entry then says
so), unless the caller opens :func:`request_context` itself.
"""

import contextlib
import contextvars
import uuid
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestInfo:
    request_id: str
    client_address: str | None


_current: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar(
    "zicht_request", default=None
)


def current() -> RequestInfo | None:
    return _current.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextlib.contextmanager
def request_context(
    request_id: str | None = None, client_address: str | None = None
) -> Iterator[RequestInfo]:
    info = RequestInfo(request_id or new_request_id(), client_address)
    token = _current.set(info)
    try:
        yield info
    finally:
        _current.reset(token)
