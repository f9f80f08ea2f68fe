"""The append-only audit log with a hash chain for tamper evidence.

Fields follow the Logboek Dataverwerkingen standard where they fit: ``request_id`` is the
trace id, ``processing_activity`` the registered processing activity, ``purpose`` and
``legal_ground`` the why and on what ground, ``outcome`` the status. Actor and organisation
are copied as text so an entry stays readable after a user or organisation is gone.
"""

from typing import Any, NoReturn

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREATE = "create", _("aangemaakt")
    READ = "read", _("ingezien")
    UPDATE = "update", _("gewijzigd")
    DELETE = "delete", _("verwijderd")
    EXPORT = "export", _("geëxporteerd")
    LOGIN = "login", _("ingelogd")
    LOGIN_FAILED = "login_failed", _("inloggen mislukt")
    LOCKOUT = "lockout", _("account geblokkeerd")
    UNLOCK = "unlock", _("account gedeblokkeerd")
    LOGOUT = "logout", _("uitgelogd")
    ROLE_CHANGE = "role_change", _("rollen gewijzigd")
    OTP_SETUP = "otp_setup", _("tweestapsverificatie ingesteld")
    OTP_RESET = "otp_reset", _("tweestapsverificatie gewist")
    PASSWORD_RESET_REQUEST = "password_reset_request", _("wachtwoordherstel aangevraagd")
    PASSWORD_CHANGE = "password_change", _("wachtwoord gewijzigd")
    ENROLLMENT = "enrollment", _("node aangemeld")
    KEY_ROTATION = "key_rotation", _("sleutels vervangen")
    KEY_REVOCATION = "key_revocation", _("node ingetrokken")
    TRANSPORT_REJECTED = "transport_rejected", _("transportverzoek geweigerd")
    MESSAGE_SENT = "message_sent", _("bericht verzonden")
    MESSAGE_RECEIVED = "message_received", _("bericht ontvangen")


SECURITY_ACTIONS = frozenset(
    {
        AuditAction.LOGIN,
        AuditAction.LOGIN_FAILED,
        AuditAction.LOCKOUT,
        AuditAction.UNLOCK,
        AuditAction.LOGOUT,
        AuditAction.ROLE_CHANGE,
        AuditAction.OTP_SETUP,
        AuditAction.OTP_RESET,
        AuditAction.PASSWORD_RESET_REQUEST,
        AuditAction.PASSWORD_CHANGE,
        AuditAction.ENROLLMENT,
        AuditAction.KEY_ROTATION,
        AuditAction.KEY_REVOCATION,
        AuditAction.TRANSPORT_REJECTED,
    }
)


class AppendOnlyQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise PermissionError("audit entries cannot be changed")

    def delete(self) -> NoReturn:
        raise PermissionError("audit entries cannot be deleted")


class AuditEntry(models.Model):
    occurred_at = models.DateTimeField(_("tijdstip"), db_index=True)
    instance = models.CharField(_("proces"), max_length=60)
    category = models.CharField(_("categorie"), max_length=20)  # "data" or "security"
    action = models.CharField(_("handeling"), max_length=40, choices=AuditAction.choices)
    outcome = models.CharField(_("resultaat"), max_length=20, default="success")
    actor_id = models.BigIntegerField(_("gebruiker-id"), null=True, blank=True, db_index=True)
    actor_username = models.CharField(_("gebruiker"), max_length=150, blank=True)
    organisation_name = models.CharField(_("organisatie"), max_length=200, blank=True)
    object_type = models.CharField(_("objecttype"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("object-id"), max_length=100, blank=True)
    processing_activity = models.CharField(_("verwerkingsactiviteit"), max_length=100, blank=True)
    purpose = models.CharField(_("doel"), max_length=200, blank=True)
    legal_ground = models.CharField(_("grondslag"), max_length=200, blank=True)
    request_id = models.CharField(_("verzoek-id"), max_length=64, blank=True)
    client_address = models.GenericIPAddressField(_("adres"), null=True, blank=True)
    detail = models.JSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("auditregel")
        verbose_name_plural = _("auditregels")
        permissions = [("export_auditentry", "Can export the audit log")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("audit entries cannot be deleted")


class AuditChainHead(models.Model):
    """The single row that holds the newest hash; locking it serialises audit writes."""

    last_entry_id = models.BigIntegerField(null=True)
    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"audit chain head at entry {self.last_entry_id}"
