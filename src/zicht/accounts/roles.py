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

# The regional register (signals and entities) holds personal data: read and write apart.
REGISTER_READ = ("register.view_signal", "register.view_entity")
REGISTER_WRITE = (
    "register.add_signal",
    "register.assess_signal",
    "register.import_signals",
    "register.change_entity",
    "register.merge_entity",
)

# The network of hub and nodes: the LIEC analist sees the nodes' health on the hub; the
# beheerder also enrolls and approves nodes (hub) and watches the connection (node).
TRANSPORT_VIEW = ("transport.view_network",)
TRANSPORT_ADMIN = ("transport.view_network", "transport.manage_nodes", "transport.view_connection")

DEFAULT_ROLES: tuple[RoleSpec, ...] = (
    RoleSpec(ANALYST, "Analist", "Analyst", (*REGISTER_READ, *REGISTER_WRITE, *TRANSPORT_VIEW)),
    RoleSpec(COORDINATOR, "Coördinator", "Coordinator", (*REGISTER_READ, *REGISTER_WRITE)),
    RoleSpec(PARTNER, "Partner", "Partner", ("register.submit_signal",)),
    RoleSpec(DATA_STEWARD, "Data steward", "Data steward", ()),
    RoleSpec(
        ADMINISTRATOR,
        "Beheerder",
        "Administrator",
        (
            "accounts.manage_users",
            "audit.view_auditentry",
            "audit.export_auditentry",
            *TRANSPORT_ADMIN,
        ),
    ),
    RoleSpec(READ_ONLY, "Alleen-lezen", "Read-only", REGISTER_READ),
)
