"""Regional insight: the phenomenon-picture reports (fenomeenbeelden) an analyst writes.

The dashboard's figures are computed from the register and stored nowhere. What this app
stores is the report: a period of the register, its narrative in numbered versions, and the
history of its status. Versions and status changes are append-only (the models refuse
updates and deletes, and a database trigger refuses updates from any client); only
:mod:`zicht.insight.services` writes them.

:class:`Insight` exists only to carry the dashboard's permission (Django ties permissions to
a model). It is unmanaged, so it has no table.
"""

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Insight(models.Model):
    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_dashboard", "Can see the regional dashboard (aggregate figures)"),
        ]

    def __str__(self) -> str:
        return "insight"


class ReportStatus(models.TextChoices):
    """The lifecycle of a report (transitions: :mod:`zicht.insight.workflow`)."""

    # A context of their own: "ingetrokken" is also a revoked node key elsewhere.
    DRAFT = "concept", pgettext_lazy("report status", "concept")
    FINAL = "definitief", pgettext_lazy("report status", "definitief")
    WITHDRAWN = "ingetrokken", pgettext_lazy("report status", "ingetrokken")


class Report(models.Model):
    """A phenomenon picture of the region over one period (van/tot, dates of receipt).

    The period is fixed when the report is made: another period is another report. The
    title is that of the newest version. While the report is a draft its figures are
    computed from the register when shown; when it is made final they are frozen in the
    status change that records it.
    """

    title = models.CharField(_("titel"), max_length=200)
    period_start = models.DateField(_("periode vanaf"))
    period_end = models.DateField(_("periode tot en met"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ReportStatus.choices,
        default=ReportStatus.DRAFT,
        db_index=True,
    )
    status_changed_at = models.DateTimeField(_("status gewijzigd op"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("gemaakt door"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("gemaakt op"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("fenomeenbeeld")
        verbose_name_plural = _("fenomeenbeelden")
        default_permissions = ()
        permissions = [
            ("edit_report", "Can write, finalise and withdraw phenomenon-picture reports"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_start__lte=models.F("period_end")),
                name="insight_report_period_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_draft(self) -> bool:
        return self.status == ReportStatus.DRAFT


class _RefuseChanges:
    """Querysets of the history refuse bulk updates and deletes."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise PermissionError("report history cannot be changed")

    def delete(self) -> NoReturn:
        raise PermissionError("report history cannot be deleted")


class ReportVersionQuerySet(_RefuseChanges, models.QuerySet["ReportVersion"]):
    pass


class ReportStatusChangeQuerySet(_RefuseChanges, models.QuerySet["ReportStatusChange"]):
    pass


class _AppendOnly(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("report history cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("report history cannot be deleted")


class ReportVersion(_AppendOnly):
    """One saved text of a report. Every save makes the next number; none is ever changed."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("versie"))
    title = models.CharField(_("titel"), max_length=200)
    summary = models.TextField(_("samenvatting"), blank=True)
    trends = models.TextField(_("trends"), blank=True)
    modus_operandi = models.TextField(_("modus operandi"), blank=True)
    recommendations = models.TextField(_("aanbevelingen"), blank=True)
    note = models.CharField(_("toelichting bij deze versie"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opgeslagen door"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("opgeslagen op"))

    objects = ReportVersionQuerySet.as_manager()

    class Meta:
        ordering = ["report", "number"]
        verbose_name = _("versie van een fenomeenbeeld")
        verbose_name_plural = _("versies van fenomeenbeelden")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="insight_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} v{self.number}"


class ReportStatusChange(_AppendOnly):
    """Append-only history of a report's status.

    The change that makes a report final holds its figures as they were then (``figures``,
    see :func:`zicht.insight.report.freeze`), so a final report keeps showing and exporting
    the figures it was written about, whatever the register receives later.
    """

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=ReportStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ReportStatus.choices)
    reason = models.TextField(blank=True)
    version_number = models.PositiveIntegerField()
    figures = models.JSONField(default=dict, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField()

    objects = ReportStatusChangeQuerySet.as_manager()

    class Meta:
        ordering = ["changed_at", "id"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.report_id}: {self.from_status} → {self.to_status}"
