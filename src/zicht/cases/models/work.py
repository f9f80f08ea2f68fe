"""The work on a case: interventions by partners, tasks, meeting records and documents."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class InterventionStatus(models.TextChoices):
    PLANNED = "gepland", _("gepland")
    RUNNING = "lopend", _("lopend")
    DONE = "afgerond", _("afgerond")
    STOPPED = "gestopt", _("gestopt")


# An intervention in one of these still needs its outcome before the case can close.
OPEN_INTERVENTION_STATUSES = (InterventionStatus.PLANNED, InterventionStatus.RUNNING)


class Intervention(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="interventions")
    type = models.ForeignKey(
        "cases.InterventionType", verbose_name=_("interventie"), on_delete=models.PROTECT
    )
    responsible = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("verantwoordelijke partner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=InterventionStatus.choices,
        default=InterventionStatus.PLANNED,
    )
    planned_on = models.DateField(_("gepland op"), null=True, blank=True)
    started_on = models.DateField(_("gestart op"), null=True, blank=True)
    ended_on = models.DateField(_("afgerond op"), null=True, blank=True)
    description = models.TextField(_("toelichting"), blank=True)
    outcome = models.TextField(_("uitkomst"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("interventie")
        verbose_name_plural = _("interventies")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.type_id} ({self.status})"


class TaskStatus(models.TextChoices):
    OPEN = "open", _("open")
    IN_PROGRESS = "in_behandeling", _("in behandeling")
    DONE = "afgerond", _("afgerond")
    CANCELLED = "vervallen", _("vervallen")


OPEN_TASK_STATUSES = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)


class CaseTask(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("taak"), max_length=200)
    description = models.TextField(_("toelichting"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("toegewezen aan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="case_tasks",
    )
    due_on = models.DateField(_("uiterste datum"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    # The standard task this came from (CaseTaskTemplate.code); empty for a task added by hand.
    template_code = models.CharField(max_length=60, blank=True)
    phase = models.CharField(_("fase"), max_length=30, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    # The reminder command notifies once per kind, whatever how often it runs.
    due_notified_on = models.DateField(null=True, blank=True)
    overdue_notified_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "created_at", "id"]
        verbose_name = _("taak")
        verbose_name_plural = _("taken")

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TASK_STATUSES


class MeetingKind(models.TextChoices):
    INTEGRATED = "integraal_overleg", _("integraal casusoverleg")
    PARTNERS = "partneroverleg", _("partneroverleg")


class CaseMeeting(models.Model):
    """The record of a meeting about the case: who attended (by organisation), what was decided."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(
        _("soort overleg"),
        max_length=30,
        choices=MeetingKind.choices,
        default=MeetingKind.INTEGRATED,
    )
    held_on = models.DateField(_("datum"))
    attendees = models.ManyToManyField(
        "accounts.Organisation", verbose_name=_("aanwezige organisaties"), related_name="+"
    )
    # One decision or action per line: the export lists them separately.
    decisions = models.TextField(_("besluiten"), blank=True)
    actions = models.TextField(_("acties"), blank=True)
    notes = models.TextField(_("verslag"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["held_on", "id"]
        verbose_name = _("overleg")
        verbose_name_plural = _("overleggen")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.held_on}"

    @property
    def decision_lines(self) -> list[str]:
        return [line.strip() for line in self.decisions.splitlines() if line.strip()]

    @property
    def action_lines(self) -> list[str]:
        return [line.strip() for line in self.actions.splitlines() if line.strip()]


def document_path(instance: "CaseDocument", filename: str) -> str:
    # The stored name carries no part of the user's file name: it may contain personal data.
    return f"cases/{instance.case_id}/{instance.sha256}"


class CaseDocument(models.Model):
    """A file in the case. Partners see it only when their organisation is in ``shared_with``."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("titel"), max_length=200)
    file = models.FileField(upload_to=document_path)
    original_name = models.CharField(_("bestandsnaam"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    shared_with = models.ManyToManyField(
        "accounts.Organisation",
        verbose_name=_("gedeeld met"),
        blank=True,
        related_name="+",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("document")
        verbose_name_plural = _("documenten")

    def __str__(self) -> str:
        return self.title
