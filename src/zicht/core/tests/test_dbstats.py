"""The planner statistics are refreshed after large changes (zicht.core.dbstats)."""

import pytest
from django.db import connection

from zicht.core import dbstats


def _has_statistics() -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone() is None:
                return False
            cursor.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'register_entitytoken'")
        else:
            cursor.execute("SELECT COUNT(*) FROM pg_stats WHERE tablename = 'register_entitytoken'")
        return bool(cursor.fetchone()[0])


@pytest.mark.django_db
def test_refresh_gathers_statistics_for_the_word_index() -> None:
    from zicht.register.tests.factories import make_entity

    for n in range(5):
        make_entity("company", name=f"Bouwbedrijf {n} B.V.")
    dbstats.refresh()
    assert _has_statistics()
