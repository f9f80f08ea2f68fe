"""RFC 9457 problem details ("problem+json") for every API error.

The NL API Design Rules ask for problem+json. Each handler answers with ``type``,
``title``, ``status`` and ``detail``, plus ``instance`` (the request path) and the request
id, so a caller can quote it to the beheerder.
"""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"

TITLES = {
    400: "Ongeldig verzoek",
    401: "Niet ingelogd",
    403: "Geen toegang",
    404: "Niet gevonden",
    405: "Methode niet toegestaan",
    409: "Conflict",
    422: "Ongeldige invoer",
    429: "Te veel verzoeken",
    500: "Interne fout",
}


def problem(
    request: HttpRequest, status: int, detail: str, *, extra: dict[str, Any] | None = None
) -> JsonResponse:
    body: dict[str, Any] = {
        "type": f"https://zicht.invalid/problems/{status}",
        "title": TITLES.get(status, "Fout"),
        "status": status,
        "detail": detail,
        "instance": request.path,
        "request_id": getattr(request, "request_id", ""),
    }
    if extra:
        body.update(extra)
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)


def install_handlers(api: NinjaAPI) -> None:
    def validation(request: HttpRequest, exc: Any) -> HttpResponse:
        errors = [
            {
                "loc": [str(part) for part in error.get("loc", ())],
                "msg": str(error.get("msg", "")),
                "type": str(error.get("type", "")),
            }
            for error in exc.errors
        ]
        return problem(request, 422, "De invoer klopt niet.", extra={"errors": errors})

    def http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem(request, exc.status_code, str(exc))

    def not_authenticated(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem(request, 401, "Log in om deze gegevens te gebruiken.")

    def forbidden(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem(request, 403, "U heeft geen recht op deze handeling.")

    def not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem(request, 404, "Deze bron bestaat niet of u heeft er geen toegang toe.")

    def unexpected(request: HttpRequest, exc: Any) -> HttpResponse:
        logger.exception("unhandled API error", exc_info=exc)
        return problem(request, 500, "Er ging iets mis. Noem het verzoek-id bij een melding.")

    api.add_exception_handler(ValidationError, validation)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(AuthenticationError, not_authenticated)
    api.add_exception_handler(AuthorizationError, forbidden)
    api.add_exception_handler(PermissionDenied, forbidden)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(Exception, unexpected)
