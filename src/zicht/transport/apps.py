from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransportConfig(AppConfig):
    name = "zicht.transport"
    label = "transport"
    verbose_name = "Transport"

    def ready(self) -> None:
        from zicht.core.navigation import NavItem, register
        from zicht.transport import handlers  # noqa: F401  (registers the built-in kinds)

        register(NavItem("transport:hub-status", _("Netwerk"), "transport.view_network", "hub", 80))
        register(
            NavItem(
                "transport:node-status", _("Verbinding"), "transport.view_connection", "node", 80
            )
        )
