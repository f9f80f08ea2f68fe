from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegisterConfig(AppConfig):
    name = "zicht.register"
    label = "register"
    verbose_name = "Regional register"

    def ready(self) -> None:
        from zicht.core.navigation import NavItem, register

        register(
            NavItem(
                "register:signal-list",
                _("Signalen"),
                ("register.view_signal", "register.submit_signal"),
                "node",
                10,
            )
        )
        register(
            NavItem("register:entity-list", _("Betrokkenen"), "register.view_entity", "node", 20)
        )
