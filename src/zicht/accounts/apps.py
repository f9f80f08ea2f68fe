from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "zicht.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from zicht.accounts import signals  # noqa: F401  (connects post_migrate role sync)
        from zicht.core.navigation import NavItem, register

        register(NavItem("accounts:user-list", _("Gebruikers"), "accounts.manage_users", order=90))
        register(
            NavItem(
                "accounts:organisation-list", _("Organisaties"), "accounts.manage_users", order=91
            )
        )
