"""Keep the Role table in step with the defaults in :mod:`zicht.accounts.roles`."""

from typing import Any

from django.db import connections
from django.db.models.signals import post_migrate
from django.dispatch import receiver


@receiver(post_migrate)
def sync_roles_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    # post_migrate fires once per app, and each app's permissions are created in its own
    # round, so sync every round: a role gains a permission as soon as it exists. Cheap and
    # idempotent. Skipped while the role table does not exist yet (partial migrations).
    from zicht.accounts.models import Role

    if Role._meta.db_table not in connections[using].introspection.table_names():
        return
    from zicht.accounts.services import sync_default_roles

    sync_default_roles(using=using)
