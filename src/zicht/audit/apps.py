from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "zicht.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from zicht.core.navigation import NavItem, register

        register(NavItem("audit:entry-list", _("Auditlog"), "audit.view_auditentry", order=95))
