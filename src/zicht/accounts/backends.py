"""Authentication backend that takes a user's permissions from their roles."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import QuerySet


class RoleBackend(ModelBackend):
    """ModelBackend whose group permissions come from ``User.roles`` instead of groups.

    Locked and inactive accounts are refused here as well as in the login view, so no other
    entry point can authenticate them.
    """

    def user_can_authenticate(self, user: Any) -> bool:
        from zicht.accounts.services import is_locked

        return bool(super().user_can_authenticate(user)) and not is_locked(user)

    def _get_group_permissions(self, user_obj: Any) -> QuerySet[Permission]:
        return Permission.objects.filter(role__users=user_obj)
