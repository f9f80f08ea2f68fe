"""Regional insight stores nothing of its own yet: figures are computed from the register.

:class:`Insight` exists only to carry the app's permissions (Django ties permissions to a
model). It is unmanaged, so it has no table.
"""

from django.db import models


class Insight(models.Model):
    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_dashboard", "Can see the regional dashboard (aggregate figures)"),
        ]

    def __str__(self) -> str:
        return "insight"
