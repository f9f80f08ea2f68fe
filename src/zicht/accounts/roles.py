"""The default roles and the permissions each one carries.

Roles are data (the ``Role`` table) so a beheerder can see them and later features can add
permissions; this module is the seed that ``post_migrate`` syncs: missing roles are created,
and each role gains any default permission it lacks. Permissions are Django permission
codenames as ``app_label.codename``.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class RoleSpec:
    code: str
    name_nl: str
    name_en: str
    permissions: tuple[str, ...]


ANALYST = "analist"
COORDINATOR = "coordinator"
PARTNER = "partner"
DATA_STEWARD = "data_steward"
ADMINISTRATOR = "beheerder"
READ_ONLY = "alleen_lezen"

DEFAULT_ROLES: tuple[RoleSpec, ...] = (
    RoleSpec(ANALYST, "Analist", "Analyst", ()),
    RoleSpec(COORDINATOR, "Coördinator", "Coordinator", ()),
    RoleSpec(PARTNER, "Partner", "Partner", ()),
    RoleSpec(DATA_STEWARD, "Data steward", "Data steward", ()),
    RoleSpec(
        ADMINISTRATOR,
        "Beheerder",
        "Administrator",
        (
            "accounts.manage_users",
            "audit.view_auditentry",
            "audit.export_auditentry",
        ),
    ),
    RoleSpec(READ_ONLY, "Alleen-lezen", "Read-only", ()),
)
