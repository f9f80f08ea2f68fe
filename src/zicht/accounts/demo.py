"""Demo logins. Plain data, importable without Django, so the demo launcher can print them."""

DEMO_PASSWORD = "zicht-demo-2026"  # noqa: S105 - demo only; refused in production

# (username, role code, description) per kind of instance.
_NODE_USERS = (
    ("analist", "analist", "Analist van het RIEC"),
    ("coordinator", "coordinator", "Coördinator casuïstiek"),
    ("steward", "data_steward", "Data steward (keurt onderzoek goed)"),
    ("beheerder", "beheerder", "Beheerder (gebruikers, audit)"),
    ("lezer", "alleen_lezen", "Alleen-lezen"),
    ("gemeente", "partner", "Partner: gemeente"),
    ("inspectie", "partner", "Partner: Arbeidsinspectie"),
)
_HUB_USERS = (
    ("liec", "analist", "LIEC-medewerker mensenhandel"),
    ("beheerder", "beheerder", "Beheerder van de hub"),
)


def demo_user_specs(role: str) -> tuple[tuple[str, str, str], ...]:
    return _HUB_USERS if role == "hub" else _NODE_USERS


def demo_users(role: str) -> list[tuple[str, str]]:
    """(username, description) for the demo logins of a "hub" or "node" instance."""
    return [(username, description) for username, _role, description in demo_user_specs(role)]
