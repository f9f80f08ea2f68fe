from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResearchConfig(AppConfig):
    name = "zicht.research"
    label = "research"
    verbose_name = "Research"

    def ready(self) -> None:
        from zicht.core.navigation import NavItem, register
        from zicht.research import handlers  # noqa: F401  (registers the secagg.share kind)
        from zicht.transport.worker import register_cycle_step

        register(NavItem("research:study-list", _("Onderzoek"), "research.view_study", "hub", 40))
        register(
            NavItem("research:request-list", _("Onderzoek"), "research.view_study", "node", 40)
        )
        from zicht.research.sync import sync_step

        register_cycle_step("research", sync_step)
