"""Who may see and manage which accounts.

A beheerder manages the accounts of this instance (each node has its own database, so
"this instance" is one region). Lookups give the same 404 for missing and not allowed.
"""

from django.db.models import QuerySet
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
