"""Middleware that gives every request an id and records the client address."""

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from zicht.core.context import request_context

# A caller-supplied request id is kept only when it looks like an id, never as free text.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        supplied = request.headers.get("X-Request-ID", "")
        request_id = supplied if _REQUEST_ID.match(supplied) else None
        # REMOTE_ADDR only: X-Forwarded-For is caller-controlled unless a trusted proxy
        # rewrites it, and the reverse proxy in production sets REMOTE_ADDR correctly.
        with request_context(request_id, request.META.get("REMOTE_ADDR")) as info:
            request.request_id = info.request_id  # type: ignore[attr-defined]
            response = self.get_response(request)
            response["X-Request-ID"] = info.request_id
            return response


class LanguageMiddleware:
    """Dutch unless the user chose otherwise with the language switch (a cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language; Zicht's users work
    for Dutch government bodies and the UI is Dutch by default, whatever the browser says.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response
