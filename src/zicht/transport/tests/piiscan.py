"""Find personal data of the nodes anywhere in the hub's database.

Works on plain DB-API connections (``sqlite3`` or ``psycopg``), so a test can point it at
the database files or PostgreSQL databases of separately running processes.

- :func:`needles_from` collects values that are personal data on a node: the columns in
  :data:`NEEDLE_SOURCES` and the string leaves of the JSON columns in
  :data:`JSON_NEEDLE_SOURCES`. Add the tables of every new app that holds personal data.
- :func:`scan` reads every text, JSON and binary column of every table of the hub and
  reports each place a needle occurs (case-insensitive; binary columns are searched for
  the UTF-8 bytes).
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# (table, columns) whose values are personal data wherever they come from.
NEEDLE_SOURCES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("accounts_user", ("username", "email", "first_name", "last_name")),
    ("register_entity", ("label",)),
    ("register_entityidentifier", ("value",)),
    ("register_signal", ("description", "external_reference")),
)
# (table, JSON column): every string inside is a needle.
JSON_NEEDLE_SOURCES: tuple[tuple[str, str], ...] = (("register_entity", "properties"),)
# Shorter values (initials, "NL", a house number) would match by coincidence.
MIN_NEEDLE_LENGTH = 5

TEXT_TYPES_PG = ("text", "character varying", "character", "json", "jsonb", "bytea")


@dataclass(frozen=True)
class Hit:
    table: str
    column: str
    needle: str


def _vendor(conn: Any) -> str:
    return "sqlite" if type(conn).__module__.startswith("sqlite3") else "postgresql"


def _tables(conn: Any) -> list[str]:
    cursor = conn.cursor()
    if _vendor(conn) == "sqlite":
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    else:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
    return sorted(row[0] for row in cursor.fetchall())


def _columns(conn: Any, table: str) -> list[str]:
    cursor = conn.cursor()
    if _vendor(conn) == "sqlite":
        cursor.execute(f'PRAGMA table_info("{table}")')
        columns = []
        for _cid, name, declared, *_rest in cursor.fetchall():
            kind = (declared or "").upper()
            # SQLite stores what it is given: integers and dates are skipped by their type,
            # anything else may hold text.
            if not any(t in kind for t in ("INT", "REAL", "BOOL", "DATE", "TIME", "DECIMAL")):
                columns.append(name)
        return columns
    cursor.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name = %s AND data_type = ANY(%s)",
        (table, list(TEXT_TYPES_PG)),
    )
    return [row[0] for row in cursor.fetchall()]


def _values(conn: Any, table: str, column: str) -> Iterable[Any]:
    cursor = conn.cursor()
    cursor.execute(f'SELECT "{column}" FROM "{table}"')  # noqa: S608 - names from the schema
    for (value,) in cursor.fetchall():
        if value is not None:
            yield value


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            yield value
            return
        if isinstance(parsed, dict | list):
            yield from _strings(parsed)
        else:
            yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def needles_from(conn: Any) -> set[str]:
    """Personal data held by one node's database."""
    present = set(_tables(conn))
    needles: set[str] = set()
    for table, columns in NEEDLE_SOURCES:
        if table not in present:
            continue
        for column in columns:
            for value in _values(conn, table, column):
                needles.update(_strings(str(value)))
    for table, column in JSON_NEEDLE_SOURCES:
        if table in present:
            for value in _values(conn, table, column):
                needles.update(_strings(value))
    return {n.strip() for n in needles if len(n.strip()) >= MIN_NEEDLE_LENGTH}


def scan(conn: Any, needles: Iterable[str]) -> list[Hit]:
    """Every (table, column, needle) where a needle occurs in the database."""
    wanted = sorted({n.lower() for n in needles})
    hits: list[Hit] = []
    if not wanted:
        return hits
    for table in _tables(conn):
        for column in _columns(conn, table):
            found: set[str] = set()
            for value in _values(conn, table, column):
                if isinstance(value, bytes | bytearray | memoryview):
                    text = bytes(value).decode("utf-8", errors="replace").lower()
                elif isinstance(value, dict | list):
                    text = " ".join(_strings(value)).lower()
                else:
                    # JSON kept as text escapes non-ASCII ("\u00e9"): search the decoded
                    # strings too.
                    text = " ".join([str(value), *_strings(str(value))]).lower()
                found.update(n for n in wanted if n in text)
            hits.extend(Hit(table, column, needle) for needle in sorted(found))
    return hits
