"""Cases (casussen): signals turned into integrated work with partners, and who takes part."""

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zicht.register.models import Confidentiality


class CasePhase(models.TextChoices):
    """The lifecycle of a case, in order (transitions: :mod:`zicht.cases.workflow`)."""

    INTAKE = "intake", _("intake")
    WEIGHING = "weging", _("weging")
    ANALYSIS = "analyse", _("analyse")
    MEETING = "integraal_overleg", _("integraal overleg")
    PLAN = "plan_van_aanpak", _("plan van aanpak")
    EXECUTION = "uitvoering", _("uitvoering")
    MONITORING = "monitoring", _("monitoring")
    EVALUATION = "evaluatie", _("evaluatie")
    CLOSED = "afgesloten", _("afgesloten")


class Case(models.Model):
    reference = models.CharField(_("kenmerk"), max_length=40, unique=True)
    title = models.CharField(_("titel"), max_length=200)
    case_type = models.ForeignKey(
        "cases.CaseType", verbose_name=_("casustype"), on_delete=models.PROTECT
    )
    # The RIEC region that holds the case (ZGW "bronorganisatie").
    region_code = models.CharField(_("regio"), max_length=40)
    status = models.CharField(
        _("fase"),
        max_length=30,
        choices=CasePhase.choices,
        default=CasePhase.INTAKE,
        db_index=True,
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("casusregisseur"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    description = models.TextField(_("omschrijving"), blank=True)
    confidentiality = models.CharField(
        _("vertrouwelijkheid"),
        max_length=20,
        choices=Confidentiality.choices,
        default=Confidentiality.CONFIDENTIAL,
    )
    purpose = models.CharField(_("doel"), max_length=200)
    legal_ground = models.CharField(_("grondslag"), max_length=200)
    started_on = models.DateField(_("startdatum"))
    closed_on = models.DateField(_("einddatum"), null=True, blank=True)
    result_type = models.ForeignKey(
        "cases.CaseResultType",
        verbose_name=_("resultaat"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    result_note = models.TextField(_("toelichting resultaat"), blank=True)
    # Set on closing from the result type (ZGW archiefnominatie / archiefactiedatum).
    archive_action = models.CharField(_("archiefnominatie"), max_length=20, blank=True)
    archive_on = models.DateField(_("archiefactiedatum"), null=True, blank=True)
    # How the case was made: web, api, demo. Demo data find their own cases by it.
    channel = models.CharField(max_length=20, default="web")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("casus")
        verbose_name_plural = _("casussen")
        indexes = [models.Index(fields=["status", "case_type"])]
        permissions = [
            ("view_all_cases", "Can see every case of the region (RIEC bureau)"),
            ("work_case", "Can work on cases: phases, interventions, tasks, meetings, documents"),
            ("manage_case", "Can manage partners, access requests, closing and reopening"),
            ("export_case", "Can export case dossiers"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_closed(self) -> bool:
        return self.status == CasePhase.CLOSED


class AppendOnlyQuerySet(models.QuerySet["CaseStatusChange"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise PermissionError("case history cannot be changed")

    def delete(self) -> NoReturn:
        raise PermissionError("case history cannot be deleted")


class CaseStatusChange(models.Model):
    """Append-only history of a case's phases, written only by the services.

    The model refuses updates and deletes; a database trigger (migration 0002) refuses
    updates from any client. Whole cases can still be destroyed under retention: the
    cascade deletes their history rows without going through this queryset.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=30, choices=CasePhase.choices, blank=True)
    to_status = models.CharField(max_length=30, choices=CasePhase.choices)
    reason = models.TextField(blank=True)
    is_reopening = models.BooleanField(default=False)
    result_type = models.ForeignKey(
        "cases.CaseResultType", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField()

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_status} → {self.to_status}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("case history cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("case history cannot be deleted")


class CaseSignal(models.Model):
    """A signal the case grew from (ZGW: a zaakobject of type "overige")."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="signal_links")
    signal = models.ForeignKey(
        "register.Signal", on_delete=models.CASCADE, related_name="case_links"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "signal"], name="cases_signal_unique")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} ← {self.signal_id}"


class CaseParticipant(models.Model):
    """A partner organisation taking part in a case, in a ZGW role.

    Its members (with ``cases.view_case``) see the case while ``ended_at`` is empty. Ending
    a participation keeps the row, so the history of who saw the case stays answerable.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="participants")
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisatie"),
        on_delete=models.PROTECT,
        related_name="case_participations",
    )
    role_type = models.ForeignKey(
        "cases.CaseRoleType", verbose_name=_("rol"), on_delete=models.PROTECT, related_name="+"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField()
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "organisation"], name="cases_participant_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.organisation_id} ({self.role_type_id})"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class CaseSubject(models.Model):
    """An entity of the register involved in the case, in a role of the case type."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="subjects")
    entity = models.ForeignKey(
        "register.Entity", on_delete=models.CASCADE, related_name="case_subjects"
    )
    role_type = models.ForeignKey(
        "cases.CaseRoleType", verbose_name=_("rol"), on_delete=models.PROTECT, related_name="+"
    )
    source_signal = models.ForeignKey(
        "register.Signal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["role_type__order", "entity__label", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "entity", "role_type"], name="cases_subject_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.entity_id} ({self.role_type_id})"


class AccessRequestStatus(models.TextChoices):
    PENDING = "in_behandeling", _("in behandeling")
    GRANTED = "toegekend", _("toegekend")
    REFUSED = "afgewezen", _("afgewezen")


class AccessRequest(models.Model):
    """A user outside the case asks for their organisation to take part."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="access_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reden"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AccessRequestStatus.choices,
        default=AccessRequestStatus.PENDING,
        db_index=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    granted_role = models.ForeignKey(
        "cases.CaseRoleType", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("toelichting"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "requested_by"],
                condition=Q(status="in_behandeling"),
                name="cases_one_pending_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.requested_by_id} ({self.status})"


class CaseReferenceCounter(models.Model):
    """Per-year sequence for case references; the row lock serialises numbering."""

    year = models.PositiveIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
