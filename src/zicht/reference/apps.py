from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferenceConfig(AppConfig):
    name = "zicht.reference"
    label = "reference"
    verbose_name = "Reference data"

    def ready(self) -> None:
        from zicht.core.navigation import NavItem, register

        register(NavItem("reference:region-list", _("Referentiedata"), order=80))
