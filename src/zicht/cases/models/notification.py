"""In-app notifications and each user's choice of e-mail (at once, or a daily digest)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    ASSIGNED = "toegewezen", _("taak toegewezen")
    DUE = "termijn", _("taak verloopt binnenkort")
    OVERDUE = "verlopen", _("taak verlopen")
    STATUS = "fase", _("fase gewijzigd")
    ACCESS_REQUESTED = "toegang_gevraagd", _("toegang gevraagd")
    ACCESS_DECIDED = "toegang_besloten", _("besluit over toegang")
    # Joint research (zicht.research): a run to decide on, or a released result.
    RESEARCH = "onderzoek", _("gezamenlijk onderzoek")


class Notification(models.Model):
    """One message to one user. The text names the case by reference only: no personal data."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("soort"), max_length=20, choices=NotificationKind.choices)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    task = models.ForeignKey(
        "cases.CaseTask", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    message = models.CharField(_("bericht"), max_length=300)
    created_at = models.DateTimeField(db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.kind}"


class UserNotificationPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    # Without a row a user gets an e-mail per notification and no digest.
    email_each = models.BooleanField(_("e-mail bij elke notificatie"), default=True)
    daily_digest = models.BooleanField(_("dagelijks overzicht per e-mail"), default=False)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id}: each={self.email_each} digest={self.daily_digest}"
