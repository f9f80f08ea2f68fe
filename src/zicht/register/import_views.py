"""The import pages: upload a signal file, follow its progress, read the report per row.

An upload is stored privately and queued as an :class:`ImportJob`; a background thread in
this process runs it (services.run_import_job) while the job page polls a progress partial
(htmx, every second; without JavaScript a plain link reloads the page). The import itself is
one transaction: the page shows either the counts or every bad row, never half an import.
"""

import threading
from functools import partial
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections, connections, transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from zicht.accounts.forms import AccessibleFormMixin
from zicht.accounts.models import Organisation, User
from zicht.register import services
from zicht.register.errors import RegisterValidationError
from zicht.register.models import ImportJob

PERMISSION = "register.import_signals"
RECENT_JOBS = 20
ALLOWED_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")


class ImportForm(AccessibleFormMixin, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Bestand"),
        help_text=gettext_lazy("CSV (UTF-8, met ; of , gescheiden) of Excel (.xlsx)."),
    )
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Organisatie voor rijen zonder ‘organisatie’"),
        queryset=Organisation.objects.filter(is_active=True),
        required=False,
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Alleen controleren, niets importeren"), required=False
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith(ALLOWED_SUFFIXES):
            raise forms.ValidationError(_("Kies een .csv- of .xlsx-bestand."))
        return upload


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def jobs_visible_to(user: Any) -> QuerySet[ImportJob]:
    """Import reports: for everyone who may import (they hold row errors, not register data)."""
    if getattr(user, "is_authenticated", False) and user.has_perm(PERMISSION):
        return ImportJob.objects.all()
    return ImportJob.objects.none()


def _job_for(user: Any, job_id: int) -> ImportJob:
    job = jobs_visible_to(user).select_related("created_by", "organisation").filter(pk=job_id)
    found = job.first()
    if found is None:
        raise Http404
    return found


def _run_in_background(job_id: int) -> None:
    def work() -> None:
        close_old_connections()
        try:
            services.run_import_job(job_id=job_id)
        finally:
            # This thread's own database connection; the request's is not touched.
            connections.close_all()

    threading.Thread(target=work, name=f"import-{job_id}", daemon=True).start()


# Tests replace this to run the import in the test's own transaction.
start_import = _run_in_background


@permission_required(PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.create_import_job(
                acting_user=user,
                upload=form.cleaned_data["file"],
                organisation=form.cleaned_data["organisation"],
                dry_run=form.cleaned_data["dry_run"],
            )
        except RegisterValidationError as exc:
            for error in exc.errors.get("file", []):
                form.add_error("file", error)
        else:
            # The worker must see the committed job row.
            transaction.on_commit(partial(start_import, job.pk))
            messages.success(request, _("Het bestand is ontvangen; de controle is gestart."))
            return redirect("register:import-detail", job_id=job.pk)
    context = {
        "form": form,
        "jobs": jobs_visible_to(user).select_related("created_by")[:RECENT_JOBS],
    }
    return render(request, "register/import.html", context)


@permission_required(PERMISSION, raise_exception=True)
@require_GET
def import_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_for(_user(request), job_id)
    return render(request, "register/import_job.html", {"job": job})


@permission_required(PERMISSION, raise_exception=True)
@require_GET
def import_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """htmx partial polled by the job page; a finished job reloads the page with its report."""
    job = _job_for(_user(request), job_id)
    response = render(request, "register/partials/import_progress.html", {"job": job})
    if job.is_finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response
