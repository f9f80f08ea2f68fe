from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightConfig(AppConfig):
    name = "zicht.insight"
    label = "insight"
    verbose_name = "Regional insight"

    def ready(self) -> None:
        from zicht.core.navigation import NavItem, register

        register(NavItem("insight:dashboard", _("Inzicht"), "insight.view_dashboard", "node", 40))
