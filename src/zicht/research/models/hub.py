"""The hub's side of joint research: studies, runs, regions' decisions and releases.

Nothing here is personal data or a region's table. A run's spec is frozen when it is offered
to the regions, so an approval binds to exactly what will be computed (its digest).
"""

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zicht.transport.models import REGION_CHOICES


class Study(models.Model):
    """A study draft: what to count and how to protect it. Runs freeze a copy of the spec."""

    study_id = models.CharField(max_length=64, unique=True)
    title = models.CharField(_("titel"), max_length=200)
    question = models.TextField(_("onderzoeksvraag"))
    # The StudySpec as a dict (zicht.research.study); regions, metric, dimensions, filters,
    # protection. Validated by zicht.research.dimensions.build_spec on every save.
    spec = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("onderzoek")
        verbose_name_plural = _("onderzoeken")
        permissions = [
            ("draft_study", "Can draft joint studies and start their runs"),
            ("decide_run", "Can approve or decline a run for the own region (data steward)"),
        ]

    def __str__(self) -> str:
        return self.title


class RunState(models.TextChoices):
    """The hub's lifecycle of a run (transitions: :mod:`zicht.research.workflow`)."""

    AWAITING = "awaiting", _("wacht op besluiten")
    SHARING = "sharing", _("delen")
    SUMMING = "summing", _("optellen")
    RELEASED = "released", _("vrijgegeven")
    FAILED = "failed", _("mislukt")
    CANCELLED = "cancelled", _("ingetrokken")


class StudyRun(models.Model):
    run_id = models.CharField(max_length=64, unique=True)
    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="runs")
    number = models.PositiveIntegerField()
    spec = models.JSONField()  # frozen copy of the study's spec at offering time
    digest = models.CharField(max_length=64)  # StudySpec.digest(); approvals bind to it
    state = models.CharField(
        max_length=20, choices=RunState.choices, default=RunState.AWAITING, db_index=True
    )
    # The protocol's Run.to_dict() of the current epoch (empty while awaiting decisions).
    protocol = models.JSONField(default=dict, blank=True)
    # Participants that reported their shares handed to the transport in this epoch.
    shared = models.JSONField(default=list, blank=True)
    phase_deadline = models.DateTimeField(null=True, blank=True)
    failure = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["study", "number"], name="research_run_unique_number")
        ]

    def __str__(self) -> str:
        return self.run_id

    @property
    def participants(self) -> list[str]:
        return list(self.protocol.get("participants", []))

    @property
    def epoch(self) -> int:
        return int(self.protocol.get("epoch", 0))


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise PermissionError("run history cannot be changed")

    def delete(self) -> NoReturn:
        raise PermissionError("run history cannot be deleted")


class RunEvent(models.Model):
    """Append-only history of a run: offered, decisions, phases, restarts, release, failure."""

    run = models.ForeignKey(StudyRun, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    event = models.CharField(max_length=40)
    state = models.CharField(max_length=20, choices=RunState.choices)
    detail = models.JSONField(default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.run_id} {self.event}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("run history cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("run history cannot be deleted")


class Decision(models.TextChoices):
    PENDING = "pending", _("nog geen besluit")
    APPROVED = "approved", _("goedgekeurd")
    DECLINED = "declined", _("afgewezen")


class Invitation(models.Model):
    """One region's decision on one run, as its data steward gave it on the node."""

    run = models.ForeignKey(StudyRun, on_delete=models.CASCADE, related_name="invitations")
    region = models.CharField(max_length=40, choices=REGION_CHOICES)
    decision = models.CharField(max_length=20, choices=Decision.choices, default=Decision.PENDING)
    reason = models.TextField(blank=True)
    # The steward also approved releasing the region's own column (a separate output type).
    region_column = models.BooleanField(default=False)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["region"]
        constraints = [
            models.UniqueConstraint(fields=["run", "region"], name="research_invitation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.run_id} {self.region}: {self.decision}"


class PartialSumRecord(models.Model):
    """A checked partial sum, kept only until the run is aggregated or fails (rule H3)."""

    run = models.ForeignKey(StudyRun, on_delete=models.CASCADE, related_name="partials")
    epoch = models.PositiveIntegerField()
    sender = models.CharField(max_length=40, choices=REGION_CHOICES)
    message = models.JSONField()  # PartialSum.to_dict()
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "epoch", "sender"], name="research_partial_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.run_id} {self.epoch} {self.sender}"


class Release(models.Model):
    """The published, disclosure-controlled result of an aggregated run."""

    run = models.OneToOneField(StudyRun, on_delete=models.PROTECT, related_name="release")
    # Cells as [[category codes...], published value or marker string] in spec cell order,
    # plus margins; see zicht.research.release.
    table = models.JSONField()
    method = models.JSONField()  # Dutch method statement, one sentence per item
    participants = models.JSONField()  # regions whose figures are in the total
    left_out = models.JSONField()  # {region: why} for declined, silent or dropped regions
    epsilon = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    suppressed = models.PositiveIntegerField()
    released_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"release of {self.run_id}"


class RegionColumn(models.Model):
    """One region's own protected column, released only with its own steward's approval."""

    run = models.ForeignKey(StudyRun, on_delete=models.CASCADE, related_name="columns")
    region = models.CharField(max_length=40, choices=REGION_CHOICES)
    table = models.JSONField()
    received_at = models.DateTimeField()
    # Set at release when publishing it cannot expose another region (zicht.research.release).
    published = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "region"], name="research_column_unique")
        ]

    def __str__(self) -> str:
        return f"{self.run_id} {self.region}"
