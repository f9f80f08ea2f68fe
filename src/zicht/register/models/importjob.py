"""An upload of a signal file and how its import went, for the progress page."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

STALE_AFTER = timedelta(minutes=10)


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("in de wachtrij")
    READING = "reading", _("bestand lezen")
    CHECKING = "checking", _("rijen controleren")
    WRITING = "writing", _("opslaan")
    DONE = "done", _("geïmporteerd")
    CHECKED = "checked", _("gecontroleerd, niet geïmporteerd")
    REJECTED = "rejected", _("afgekeurd: niets geïmporteerd")
    FAILED = "failed", _("mislukt: niets geïmporteerd")


def import_file_path(instance: "ImportJob", filename: str) -> str:
    # Neither the user's file name nor anything guessable: the file holds personal data
    # until the import has run and it is deleted.
    return f"imports/{instance.token}"


class ImportJob(models.Model):
    FINISHED = frozenset(
        {ImportStatus.DONE, ImportStatus.CHECKED, ImportStatus.REJECTED, ImportStatus.FAILED}
    )

    token = models.CharField(max_length=64, unique=True)
    file = models.FileField(upload_to=import_file_path, blank=True)
    original_name = models.CharField(_("bestand"), max_length=255)
    sha256 = models.CharField(max_length=64)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisatie (als de rij er geen noemt)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    dry_run = models.BooleanField(_("alleen controleren"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("rijen"), default=0)
    processed_rows = models.PositiveIntegerField(_("verwerkt"), default=0)
    created_count = models.PositiveIntegerField(_("nieuwe signalen"), default=0)
    skipped_count = models.PositiveIntegerField(_("al eerder geïmporteerd"), default=0)
    entities_created = models.PositiveIntegerField(_("nieuwe betrokkenen"), default=0)
    entities_reused = models.PositiveIntegerField(_("bestaande betrokkenen"), default=0)
    error_rows = models.PositiveIntegerField(_("rijen met fouten"), default=0)
    # [{"row": 3, "messages": ["gemeente: …"]}, …], the first MAX_STORED_ERRORS rows.
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def is_stale(self) -> bool:
        # Progress is written at least every thousand rows; this long without any means the
        # process that ran the import is gone (a restart). Re-uploading is safe.
        return not self.is_finished and self.updated_at < timezone.now() - STALE_AFTER

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        if not self.total_rows:
            return 0
        # Checking is most of the work; writing is shown as the last tenth.
        share = 90 if self.status != ImportStatus.WRITING else 100
        return min(99, self.processed_rows * share // self.total_rows)
