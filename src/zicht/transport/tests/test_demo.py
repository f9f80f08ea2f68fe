"""The demo launcher's decision whether a node needs enrolling (read from SQLite files)."""

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from zicht.transport.demo import APPROVE, ENROLL, READY, enrollment_step


def _database(path: Path, statements: list[str]) -> Path:
    with closing(sqlite3.connect(path)) as conn, conn:
        for statement in statements:
            conn.execute(statement)
    return path


@pytest.fixture
def hub_db(tmp_path: Path) -> Path:
    return _database(
        tmp_path / "hub.sqlite3",
        [
            "CREATE TABLE transport_hubidentity (signing_key_id TEXT)",
            "INSERT INTO transport_hubidentity VALUES ('hubkey')",
            "CREATE TABLE transport_node (region TEXT, status TEXT, signing_key_id TEXT)",
            "INSERT INTO transport_node VALUES ('limburg', 'active', 'nodekey')",
            "INSERT INTO transport_node VALUES ('rotterdam', 'pending', 'rkey')",
            "INSERT INTO transport_node VALUES ('den-haag', 'revoked', 'dkey')",
        ],
    )


def _node(tmp_path: Path, name: str, key: str, hub_key: str = "hubkey") -> Path:
    path = _database(
        tmp_path / f"{name}.sqlite3",
        ["CREATE TABLE transport_nodeidentity (signing_key_id TEXT, hub_key_id TEXT)"],
    )
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("INSERT INTO transport_nodeidentity VALUES (?, ?)", (key, hub_key))
    return path


def test_enrollment_steps(tmp_path: Path, hub_db: Path) -> None:
    def step(region: str, node_db: Path) -> str:
        return enrollment_step(hub_db=hub_db, node_db=node_db, region=region)

    assert step("limburg", _node(tmp_path, "a", "nodekey")) == READY
    assert step("rotterdam", _node(tmp_path, "b", "rkey")) == APPROVE
    assert step("den-haag", _node(tmp_path, "c", "dkey")) == ENROLL
    assert step("limburg", _node(tmp_path, "d", "otherkey")) == ENROLL
    assert step("limburg", _node(tmp_path, "e", "nodekey", hub_key="old-hub")) == ENROLL
    assert step("oost-brabant", _node(tmp_path, "f", "x")) == ENROLL
    assert step("limburg", tmp_path / "missing.sqlite3") == ENROLL
    empty = _database(tmp_path / "empty.sqlite3", ["CREATE TABLE other (x)"])
    assert step("limburg", empty) == ENROLL
