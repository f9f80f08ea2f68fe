"""Who may see and manage which accounts.

A beheerder manages the accounts of this instance (each node has its own database, so
"this instance" is one region). Lookups give the same 404 for missing and not allowed.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from zicht.accounts.models import User


def users_visible_to(acting_user: User) -> QuerySet[User]:
    if not acting_user.has_perm("accounts.manage_users"):
        return User.objects.none()
    return User.objects.select_related("organisation").prefetch_related("roles")


def get_user_for(acting_user: User, user_id: int) -> User:
    user = users_visible_to(acting_user).filter(pk=user_id).first()
    if user is None:
        raise Http404
    return user


def holds_permission(*permissions: str) -> Q:
    """A filter on users whose roles carry any of ``permissions`` (``app_label.codename``).

    Permissions come through roles only (ADR 0005), so this is the one query for "who may":
    notification recipients, who can be assigned a task, who leads a case.
    """
    condition = Q()
    for permission in permissions:
        app_label, codename = permission.split(".", 1)
        condition |= Q(
            roles__permissions__content_type__app_label=app_label,
            roles__permissions__codename=codename,
        )
    return condition


def users_with_permission(*permissions: str) -> QuerySet[User]:
    """Active users whose roles carry any of ``permissions``."""
    return User.objects.filter(holds_permission(*permissions), is_active=True).distinct()
