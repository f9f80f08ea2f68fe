"""A node's side of joint research: run requests, the steward's decision, secret shares.

Share material (own share, received shares) is secret and short-lived: it is deleted once the
partial sum is acknowledged by the hub or the run has ended (rule N5). The node never stores
its table for a run; it recomputes it from the register when the steward previews it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zicht.transport.models import REGION_CHOICES


class LocalDecision(models.TextChoices):
    PENDING = "pending", _("wacht op besluit")
    APPROVED = "approved", _("goedgekeurd")
    DECLINED = "declined", _("afgewezen")


class RunRequest(models.Model):
    """A run the hub offered to this region, with the steward's decision and the run's progress."""

    run_id = models.CharField(max_length=64, unique=True)
    study_id = models.CharField(max_length=64)
    spec = models.JSONField()  # StudySpec.to_dict(), checked with StudySpec.from_dict
    digest = models.CharField(max_length=64)
    hub_state = models.CharField(max_length=20)  # zicht.research.models.RunState value
    protocol = models.JSONField(default=dict, blank=True)  # the announced Run.to_dict()
    decision = models.CharField(
        max_length=20, choices=LocalDecision.choices, default=LocalDecision.PENDING
    )
    reason = models.TextField(blank=True)
    region_column = models.BooleanField(default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reported = models.BooleanField(default=False)
    # Why this node did not take part although approved (budget refused, table too large).
    refusal = models.TextField(blank=True)
    # The protected release as the hub published it, kept so participants can read it here.
    release = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.run_id


class ShareSet(models.Model):
    """This node's sharing for one epoch of a run: stored before sending (rule N1)."""

    run_id = models.CharField(max_length=64)
    epoch = models.PositiveIntegerField()
    own_share = models.JSONField()  # ShareMessage.to_dict() of the share this node keeps
    message_ids = models.JSONField(default=list)  # outbox message ids of the other shares
    reported = models.BooleanField(default=False)  # the hub was told the shares are out
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run_id", "epoch"], name="research_shareset_unique")
        ]

    def __str__(self) -> str:
        return f"{self.run_id} {self.epoch}"


class ReceivedShare(models.Model):
    """A share another participant sent this node (through the transport, end-to-end)."""

    run_id = models.CharField(max_length=64)
    epoch = models.PositiveIntegerField()
    sender = models.CharField(max_length=40, choices=REGION_CHOICES)
    message = models.JSONField()  # ShareMessage.to_dict()
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run_id", "epoch", "sender"], name="research_received_share_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.run_id} {self.epoch} {self.sender}"


class SentPartial(models.Model):
    """The one partial sum this node sends for a run (rule N2: unique per run_id)."""

    run_id = models.CharField(max_length=64, unique=True)
    epoch = models.PositiveIntegerField()
    message = models.JSONField()  # PartialSum.to_dict(); emptied once acknowledged (N5)
    # The region's own protected column, if its steward approved that output type.
    column = models.JSONField(null=True, blank=True)
    acknowledged = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.run_id


class BudgetCharge(models.Model):
    """One charge to this node's yearly privacy budget (the ledger's database store)."""

    node_id = models.CharField(max_length=64)
    year = models.PositiveIntegerField()
    run_id = models.CharField(max_length=64)
    epsilon = models.DecimalField(max_digits=12, decimal_places=6)
    charged_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["node_id", "run_id"], name="research_budget_unique")
        ]

    def __str__(self) -> str:
        return f"{self.node_id} {self.year} {self.run_id}: {self.epsilon}"


class BudgetYear(models.Model):
    """The row a ledger locks (SELECT ... FOR UPDATE) while it checks and charges a year.

    Locking the charges themselves would not do: a year without charges has no row to lock,
    and two concurrent first charges could both pass the check.
    """

    node_id = models.CharField(max_length=64)
    year = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["node_id", "year"], name="research_budget_year_unique")
        ]

    def __str__(self) -> str:
        return f"{self.node_id} {self.year}"
