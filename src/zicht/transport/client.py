"""A node's HTTP client for the hub's transport API.

Free of Django so that tests (and the demo) can act as a node from any process. It signs
every request (:mod:`zicht.transport.protocol.signing`), accepts a success only with a valid
hub signature under the pinned hub key, and turns every failure into a :class:`HubError`
whose message is a plain Dutch sentence for the node's status page.

HTTP goes through :func:`urllib_transport` (the standard library: no extra dependency, and
the API needs nothing beyond a JSON POST). Tests may pass another transport callable, for
instance one that routes the request through Django's test client.
"""

import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from nacl.signing import SigningKey, VerifyKey

from zicht.transport.protocol import keys, signing
from zicht.transport.protocol.errors import BadSignatureError, MalformedError

API_ROOT = "/api/v1"
API_PATH = f"{API_ROOT}/transport"
DEFAULT_TIMEOUT = 10.0


@dataclass(frozen=True)
class RawRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes


Transport = Callable[[RawRequest, float], RawResponse]


class HubError(Exception):
    """The hub could not be used; ``str(exc)`` says why in plain Dutch."""


class HubUnreachableError(HubError):
    """No HTTP answer at all: connection refused, name unknown, time-out."""


class HubRejectedError(HubError):
    """The hub answered with an error status (unsigned: informative, never acted on)."""

    def __init__(self, status: int, detail: str) -> None:
        self.status = status
        self.detail = detail
        super().__init__(_rejection_text(status, detail))


class HubResponseError(HubError):
    """A success answer without a valid hub signature, or one we cannot read."""


def _rejection_text(status: int, detail: str) -> str:
    if status >= 500:
        return f"De hub meldt een interne fout (HTTP {status}). Probeer het later opnieuw."
    reason = f": {detail}" if detail else "."
    return f"De hub weigert het verzoek (HTTP {status}){reason}"


def urllib_transport(request: RawRequest, timeout: float) -> RawResponse:
    if not request.url.startswith(("http://", "https://")):
        raise HubUnreachableError(f"Het adres van de hub is geen http(s)-adres: {request.url}")
    prepared = urllib.request.Request(  # noqa: S310 - scheme checked above
        request.url, data=request.body or None, method=request.method, headers=request.headers
    )
    try:
        with urllib.request.urlopen(prepared, timeout=timeout) as response:  # noqa: S310
            return RawResponse(response.status, dict(response.headers.items()), response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return RawResponse(exc.code, dict(exc.headers.items()), exc.read())
    except urllib.error.URLError as exc:
        raise HubUnreachableError(_unreachable_text(exc.reason)) from exc
    except TimeoutError as exc:
        raise HubUnreachableError(
            f"De hub antwoordt niet binnen {timeout:.0f} seconden (time-out)."
        ) from exc
    except OSError as exc:
        raise HubUnreachableError(f"De verbinding met de hub is verbroken ({exc}).") from exc


def _unreachable_text(reason: object) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "De hub is niet bereikbaar: de verbinding wordt geweigerd (draait de hub?)."
    if isinstance(reason, socket.gaierror):
        return "De hub is niet bereikbaar: de naam van de hub is onbekend (klopt het adres?)."
    if isinstance(reason, TimeoutError):
        return "De hub antwoordt niet op tijd (time-out)."
    return f"De hub is niet bereikbaar ({reason})."


@dataclass(frozen=True)
class EnrollResult:
    status: str
    hub_signing_key: str
    hub_key_id: str


class HubClient:
    """Signed calls from one node to the hub."""

    def __init__(
        self,
        base_url: str,
        *,
        region: str,
        signing_key: SigningKey,
        hub_key: VerifyKey | None,
        timeout: float = DEFAULT_TIMEOUT,
        transport: Transport | None = None,
        software_version: str = "",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.region = region
        self.signing_key = signing_key
        self.hub_key = hub_key
        self.timeout = timeout
        self.transport = transport or urllib_transport
        self.software_version = software_version
        # A hub behind a path prefix (https://host/zicht) sees that prefix in its path too.
        self._path_prefix = urllib.parse.urlsplit(self.base_url).path.rstrip("/")

    # --- the wire ------------------------------------------------------------------------

    def raw(
        self,
        method: str,
        path: str,
        payload: dict[str, Any] | None = None,
        *,
        query: dict[str, Any] | None = None,
        nonce: str | None = None,
        timestamp: int | None = None,
        signing_key: SigningKey | None = None,
        api: str = API_PATH,
    ) -> tuple[RawResponse, str]:
        """Send one signed request; the response unchecked, and the nonce it used.

        ``path`` is relative to ``api``: the transport's API unless another app's hub API
        is named (joint research passes ``API_ROOT`` and paths under ``/research``).
        """
        body = b"" if payload is None else json.dumps(payload, sort_keys=True).encode("utf-8")
        full_path = f"{api}{path}"
        if query:
            full_path += "?" + urllib.parse.urlencode(query)
        nonce = nonce or signing.new_nonce()
        headers = signing.sign_request(
            signing_key or self.signing_key,
            method=method,
            path=self._path_prefix + full_path,
            region=self.region,
            body=body,
            timestamp=timestamp,
            nonce=nonce,
        )
        headers["Accept"] = "application/json"
        headers["User-Agent"] = f"zicht-node/{self.software_version or 'unknown'}"
        if payload is not None:
            headers["Content-Type"] = "application/json"
        request = RawRequest(method, self.base_url + full_path, headers, body)
        return self.transport(request, self.timeout), nonce

    def call(
        self,
        method: str,
        path: str,
        payload: dict[str, Any] | None = None,
        *,
        query: dict[str, Any] | None = None,
        nonce: str | None = None,
        api: str = API_PATH,
    ) -> dict[str, Any]:
        """Send, then return the JSON body of a success whose hub signature verifies."""
        response, nonce = self.raw(method, path, payload, query=query, nonce=nonce, api=api)
        if not 200 <= response.status < 300:
            raise HubRejectedError(response.status, _problem_detail(response.body))
        key = self.hub_key
        if key is None:
            raise HubResponseError("Er is geen sleutel van de hub vastgelegd; meld de node aan.")
        try:
            signing.verify_response(
                key,
                status=response.status,
                request_nonce=nonce,
                body=response.body,
                headers=response.headers,
            )
        except BadSignatureError as exc:
            raise HubResponseError(
                "Het antwoord van de hub heeft geen geldige handtekening; mogelijk zit er iets "
                f"tussen de node en de hub ({exc})."
            ) from exc
        return _json_object(response.body)

    # --- the API -------------------------------------------------------------------------

    def enroll(
        self,
        *,
        code: str,
        organisation: str,
        box_key: str,
        expected_hub_key_id: str | None = None,
    ) -> EnrollResult:
        """Register this node's public keys; learns (and pins) the hub's signing key."""
        payload = {
            "code": code,
            "region": self.region,
            "organisation": organisation,
            "signing_key": keys.encode_key(bytes(self.signing_key.verify_key)),
            "box_key": box_key,
            "software_version": self.software_version,
        }
        response, nonce = self.raw("POST", "/enroll", payload)
        if not 200 <= response.status < 300:
            raise HubRejectedError(response.status, _problem_detail(response.body))
        data = _json_object(response.body)
        try:
            hub_key_text = str(data["hub_signing_key"])
            hub_key = keys.decode_verify_key(hub_key_text)
        except (KeyError, MalformedError) as exc:
            raise HubResponseError("Het antwoord van de hub bevat geen geldige sleutel.") from exc
        hub_key_id = keys.key_id(bytes(hub_key))
        if expected_hub_key_id and hub_key_id != expected_hub_key_id.replace(" ", "").lower():
            raise HubResponseError(
                "De sleutel van de hub heeft niet de verwachte vingerafdruk "
                f"({keys.fingerprint(hub_key_id)}); de aanmelding is afgebroken."
            )
        try:
            signing.verify_response(
                hub_key,
                status=response.status,
                request_nonce=nonce,
                body=response.body,
                headers=response.headers,
            )
        except BadSignatureError as exc:
            raise HubResponseError(
                "Het antwoord van de hub op de aanmelding is niet door de hub ondertekend."
            ) from exc
        self.hub_key = hub_key
        return EnrollResult(str(data.get("status", "")), hub_key_text, hub_key_id)

    def status(self) -> dict[str, Any]:
        return self.call("GET", "/status")

    def heartbeat(self) -> dict[str, Any]:
        return self.call("POST", "/heartbeat", {"software_version": self.software_version})

    def directory(self) -> dict[str, Any]:
        return self.call("GET", "/directory")

    def send(self, messages: Sequence[dict[str, Any]]) -> dict[str, Any]:
        return self.call("POST", "/send", {"messages": list(messages)})

    def poll(self, *, limit: int) -> dict[str, Any]:
        return self.call("GET", "/poll", query={"limit": limit})

    def ack(self, ids: Sequence[str]) -> dict[str, Any]:
        return self.call("POST", "/ack", {"ids": list(ids)})

    def rotate_key(self, new: keys.KeyPairs) -> dict[str, Any]:
        """Ask the hub to trust ``new`` instead of the current keys (signed with the current)."""
        nonce = signing.new_nonce()
        payload = {
            "signing_key": new.signing_public,
            "box_key": new.box_public,
            "proof": signing.sign_rotation(
                new.signing, region=self.region, box_key=new.box_public, request_nonce=nonce
            ),
        }
        return self.call("POST", "/rotate-key", payload, nonce=nonce)


def _problem_detail(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    return str(data.get("detail", "")) if isinstance(data, dict) else ""


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise HubResponseError("Het antwoord van de hub is geen geldige JSON.") from exc
    if not isinstance(data, dict):
        raise HubResponseError("Het antwoord van de hub heeft een onverwachte vorm.")
    return data
