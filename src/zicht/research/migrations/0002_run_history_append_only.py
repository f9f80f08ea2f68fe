"""Refuse edits of a run's history in the database itself (SQLite and PostgreSQL).

The model refuses them too; the trigger also stops raw SQL and other clients. Updates are
refused outright (no column of an event may change); deletes stay possible only through the
cascade of a deleted run, which the hub never does (runs are PROTECTed by their release).
"""

from django.db import migrations

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION zicht_research_refuse_history_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'run history is append-only (% refused on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER zicht_research_history_append_only
    BEFORE UPDATE ON research_runevent
    FOR EACH ROW EXECUTE FUNCTION zicht_research_refuse_history_change();
"""

POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS zicht_research_history_append_only ON research_runevent;
DROP FUNCTION IF EXISTS zicht_research_refuse_history_change();
"""

SQLITE_FORWARD = """
CREATE TRIGGER zicht_research_history_append_only
    BEFORE UPDATE ON research_runevent
BEGIN
    SELECT RAISE(ABORT, 'run history is append-only');
END;
"""

SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS zicht_research_history_append_only;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD, params=None)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("research", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
