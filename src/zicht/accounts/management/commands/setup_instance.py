"""``zicht setup_instance``: the organisations and first users of a hub or node.

Idempotent: running it again changes nothing that exists. ``--demo`` adds the demo users
(with the shared demo password) and partner organisations; it is refused in production.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from zicht.accounts import services
from zicht.accounts.demo import DEMO_PASSWORD, demo_user_specs
from zicht.accounts.models import Organisation, OrganisationType, User
from zicht.core.instance import own_region


def home_organisation_spec() -> tuple[str, str]:
    if settings.ZICHT_ROLE == "hub":
        return "LIEC", OrganisationType.LIEC
    return f"RIEC {own_region().name}", OrganisationType.RIEC


def _organisation(name: str, type: str) -> Organisation:
    existing = Organisation.objects.filter(name=name).first()
    if existing is not None:
        return existing
    return services.create_organisation(acting_user=None, name=name, type=type)


class Command(BaseCommand):
    help = "Create this instance's own organisation and, with --demo, the demo users."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--demo", action="store_true", help="add demo users and partners")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["demo"] and settings.ZICHT_DEPLOYMENT == "production":
            raise CommandError("--demo is refused when ZICHT_DEPLOYMENT=production")
        with transaction.atomic():
            services.sync_default_roles()
            home = _organisation(*home_organisation_spec())
            if not options["demo"]:
                self.stdout.write(f"Organisation ready: {home.name}")
                return
            partners = {}
            if settings.ZICHT_ROLE == "node":
                region = own_region().name
                partners["gemeente"] = _organisation(
                    f"Gemeente (demo) {region}", OrganisationType.GEMEENTE
                )
                partners["inspectie"] = _organisation(
                    f"Nederlandse Arbeidsinspectie – {region}", OrganisationType.NLA
                )
            created = 0
            for username, role, _description in demo_user_specs(settings.ZICHT_ROLE):
                if User.objects.filter(username=username).exists():
                    continue
                services.create_user(
                    acting_user=None,
                    username=username,
                    email=f"{username}@{settings.ZICHT_INSTANCE}.demo.invalid",
                    organisation=partners.get(username, home),
                    roles=[role],
                    password=DEMO_PASSWORD,
                    first_name=username.capitalize(),
                    last_name=f"({home.name})",
                )
                created += 1
        self.stdout.write(f"Organisation ready: {home.name}; demo users created: {created}")
