from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "zicht.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from zicht.cases.notifications import unread_count
        from zicht.core.navigation import NavItem, register

        register(NavItem("cases:case-list", _("Casussen"), "cases.view_case", "node", 30))
        register(
            NavItem(
                "cases:access-request-list",
                _("Toegangsverzoeken"),
                "cases.manage_case",
                "node",
                31,
            )
        )
        register(
            NavItem(
                "cases:notification-list", _("Notificaties"), None, "node", 80, badge=unread_count
            )
        )
