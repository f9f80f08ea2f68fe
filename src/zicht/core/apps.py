from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "zicht.core"
    label = "core"
    verbose_name = "Zicht core"

    def ready(self) -> None:
        from zicht.core.navigation import NavItem, register

        register(NavItem("core:home", _("Start"), order=0))
