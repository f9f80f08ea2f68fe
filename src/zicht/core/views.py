"""Health check and the role's home page."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from zicht import __version__


@login_not_required
@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability for the orchestrator; reveals nothing else."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:  # the point of a health check is to report, not to raise
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return JsonResponse(
        {
            "status": "ok" if status == 200 else "degraded",
            "role": settings.ZICHT_ROLE,
            "region": settings.ZICHT_REGION,
            "version": __version__,
            "database": database,
        },
        status=status,
    )


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    roles = list(user.roles.all()) if user.is_authenticated else []
    return render(request, "core/home.html", {"roles": roles})


def _error_page(request: HttpRequest, status: int, template: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        from zicht.core.problems import TITLES, problem

        return problem(request, status, TITLES.get(status, "Fout"))
    return render(request, template, status=status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 404, "404.html")


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 403, "403.html")


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return _error_page(request, 500, "500.html")
    # The 500 page renders without context processors: the database may be the problem.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render(), status=500)
