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

# Cases: the RIEC bureau sees every case; a partner user sees a case only while their
# organisation takes part in it (zicht.cases.access). The coordinator manages partners and
# access requests and closes and reopens cases.
CASES_PARTNER = ("cases.view_case",)
CASES_READ = ("cases.view_case", "cases.view_all_cases")
CASES_WORK = ("cases.add_case", "cases.work_case", "cases.export_case")
CASES_MANAGE = ("cases.manage_case",)

# The regional dashboard shows aggregate figures only (zicht.insight); whoever sees it also
# reads the phenomenon-picture reports. The bureau's analysts and coordinator write them.
INSIGHT_VIEW = ("insight.view_dashboard",)
INSIGHT_EDIT = ("insight.edit_report",)

# Joint research (zicht.research): analysts and coordinators draft studies on the hub and
# start their runs; only a region's data steward approves or declines a run on its node;
# every role that sees figures may read studies and released results.
RESEARCH_VIEW = ("research.view_study",)
RESEARCH_DRAFT = ("research.view_study", "research.draft_study")
RESEARCH_DECIDE = ("research.view_study", "research.decide_run")

DEFAULT_ROLES: tuple[RoleSpec, ...] = (
    RoleSpec(
        ANALYST,
        "Analist",
        "Analyst",
        (
            *REGISTER_READ,
            *REGISTER_WRITE,
            *TRANSPORT_VIEW,
            *CASES_READ,
            *CASES_WORK,
            *INSIGHT_VIEW,
            *INSIGHT_EDIT,
            *RESEARCH_DRAFT,
        ),
    ),
    RoleSpec(
        COORDINATOR,
        "Coördinator",
        "Coordinator",
        (
            *REGISTER_READ,
            *REGISTER_WRITE,
            *CASES_READ,
            *CASES_WORK,
            *CASES_MANAGE,
            *INSIGHT_VIEW,
            *INSIGHT_EDIT,
            *RESEARCH_DRAFT,
        ),
    ),
    RoleSpec(PARTNER, "Partner", "Partner", ("register.submit_signal", *CASES_PARTNER)),
    RoleSpec(DATA_STEWARD, "Data steward", "Data steward", (*INSIGHT_VIEW, *RESEARCH_DECIDE)),
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
    RoleSpec(
        READ_ONLY,
        "Alleen-lezen",
        "Read-only",
        (*REGISTER_READ, *CASES_READ, *INSIGHT_VIEW, *RESEARCH_VIEW),
    ),
)
