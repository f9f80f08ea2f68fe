"""Signals (signalen): what a partner reports, with indicators and a lifecycle."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SignalStatus(models.TextChoices):
    RECEIVED = "ontvangen", _("ontvangen")
    IN_ASSESSMENT = "in_weging", _("in weging")
    REJECTED = "afgewezen", _("afgewezen")
    TO_CASE = "doorgezet", _("doorgezet naar casus")
    MONITORING = "monitoring", _("monitoring")
    CLOSED = "gesloten", _("gesloten")


class Confidentiality(models.TextChoices):
    """The eight ZGW confidentiality levels (vertrouwelijkheidaanduiding)."""

    PUBLIC = "openbaar", _("openbaar")
    LIMITED_PUBLIC = "beperkt_openbaar", _("beperkt openbaar")
    INTERNAL = "intern", _("intern")
    CASE_CONFIDENTIAL = "zaakvertrouwelijk", _("zaakvertrouwelijk")
    CONFIDENTIAL = "vertrouwelijk", _("vertrouwelijk")
    RESTRICTED = "confidentieel", _("confidentieel")
    SECRET = "geheim", _("geheim")
    TOP_SECRET = "zeer_geheim", _("zeer geheim")


class ReporterRole(models.TextChoices):
    SUPERVISION = "toezicht", _("toezicht en handhaving")
    INVESTIGATION = "opsporing", _("opsporing")
    LICENSING = "vergunningen", _("vergunningverlening")
    CIVIL_AFFAIRS = "burgerzaken", _("burgerzaken / BRP")
    SOCIAL = "sociaal_domein", _("sociaal domein")
    CARE = "zorg", _("zorg en hulpverlening")
    TAX = "fiscaal", _("fiscaal")
    OTHER = "anders", _("anders")


class Observation(models.TextChoices):
    OBSERVED = "observed", _("waargenomen")
    NOT_OBSERVED = "not_observed", _("niet waargenomen")
    UNKNOWN = "unknown", _("onbekend")


class SignalRole(models.TextChoices):
    VICTIM = "slachtoffer", _("vermoedelijk slachtoffer")
    SUSPECT = "verdachte", _("verdachte")
    EMPLOYER = "werkgever", _("werkgever")
    HOUSING_PROVIDER = "huisvester", _("huisvester")
    INTERMEDIARY = "tussenpersoon", _("tussenpersoon")
    WITNESS = "getuige", _("getuige")
    REPORTER = "melder", _("melder")
    LOCATION = "locatie", _("locatie")


class Signal(models.Model):
    reference = models.CharField(_("kenmerk"), max_length=40, unique=True)
    # The sender's own reference: re-importing a file or re-posting to the API is idempotent.
    external_reference = models.CharField(
        _("extern kenmerk"), max_length=100, blank=True, default=""
    )
    received_on = models.DateField(_("datum ontvangst"), db_index=True)
    reporting_organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("melder (organisatie)"),
        on_delete=models.PROTECT,
        related_name="signals",
    )
    reporter_role = models.CharField(
        _("rol van de melder"), max_length=20, choices=ReporterRole.choices
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ingevoerd door"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # No index of its own: (municipality, received_on, id) in Meta serves lookups by
    # municipality too, and every index costs a 100,000-signal import time.
    municipality = models.ForeignKey(
        "reference.Municipality",
        verbose_name=_("gemeente"),
        on_delete=models.PROTECT,
        db_index=False,
    )
    out_of_region = models.BooleanField(_("buiten de eigen regio"), default=False)
    sector = models.ForeignKey(
        "catalogue.Sector",
        verbose_name=_("sector"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    route_step = models.ForeignKey(
        "catalogue.RouteStep",
        verbose_name=_("stap in de route"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    forms = models.ManyToManyField(
        "catalogue.ExploitationForm", verbose_name=_("vermoedelijke vormen"), blank=True
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
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=SignalStatus.choices,
        default=SignalStatus.RECEIVED,
        # Indexed with received_on and with id in Meta, which serve status alone too.
    )
    legal_hold = models.BooleanField(
        _("bewaren (juridische blokkade)"),
        default=False,
        help_text=_("Wordt niet verwijderd door de bewaartermijnen zolang dit aan staat."),
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("signaal")
        verbose_name_plural = _("signalen")
        constraints = [
            models.UniqueConstraint(
                fields=["reporting_organisation", "external_reference"],
                condition=~Q(external_reference=""),
                name="register_signal_unique_external_reference",
            )
        ]
        indexes = [
            models.Index(fields=["status", "received_on"]),
            # Signals of a status in id order: a filtered list's count merges them with the
            # signals of a form (register_signal_forms_form_signal, migration 0006).
            models.Index(fields=["status", "id"], name="register_signal_status_id"),
            # A municipality's signals newest first: the list searched by municipality name
            # reads its first page straight from this index instead of sorting them all.
            models.Index(
                fields=["municipality", "received_on", "id"], name="register_signal_muni_date"
            ),
        ]
        permissions = [
            ("submit_signal", "Can submit signals as a partner"),
            ("assess_signal", "Can assess signals and move them through their lifecycle"),
            ("import_signals", "Can import signals from files"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def status_label(self) -> str:
        # get_status_display() rebuilds a dict of lazily translated labels on every call:
        # a noticeable share of a 50-row list page. The enum lookup is a dict hit.
        return str(SignalStatus(self.status).label)


class IndicatorObservation(models.Model):
    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="observations")
    indicator = models.ForeignKey("catalogue.Indicator", on_delete=models.PROTECT)
    observation = models.CharField(max_length=20, choices=Observation.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["signal", "indicator"], name="register_observation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.signal_id}:{self.indicator_id}={self.observation}"


class SignalStatusChange(models.Model):
    """Append-only history of a signal's lifecycle (written only by the workflow)."""

    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=SignalStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=SignalStatus.choices)
    reason = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.signal_id}: {self.from_status} → {self.to_status}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise PermissionError("status history cannot be changed")
        super().save(*args, **kwargs)


class SignalEntity(models.Model):
    """An entity involved in a signal, in a role."""

    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="links")
    entity = models.ForeignKey("register.Entity", on_delete=models.CASCADE, related_name="links")
    role = models.CharField(_("rol"), max_length=20, choices=SignalRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["signal", "entity", "role"], name="register_signal_entity_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.signal_id} {self.role} {self.entity_id}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    # The stored name carries no part of the user's file name: it may contain personal data.
    return f"attachments/{instance.signal_id}/{instance.sha256}"


class Attachment(models.Model):
    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(_("bestandsnaam"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class ReferenceCounter(models.Model):
    """Per-year sequence for signal references; the row lock serialises numbering."""

    year = models.PositiveIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
