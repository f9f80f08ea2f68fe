from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "zicht.catalogue"
    label = "catalogue"
    verbose_name = "Catalogues"

    def ready(self) -> None:
        from zicht.core.navigation import NavItem, register

        register(NavItem("catalogue:index", _("Catalogi"), order=85))
