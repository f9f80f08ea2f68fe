"""Refuse edits of a case's phase history in the database itself (SQLite and PostgreSQL).

The model refuses them too; the trigger also stops raw SQL and other clients. Only the
columns that make up the history are guarded: clearing ``changed_by`` when a user account is
deleted (SET_NULL) stays possible, and so does deleting rows, which retention needs when a
whole case is destroyed.
"""

from django.db import migrations

GUARDED = "case_id, from_status, to_status, reason, is_reopening, result_type_id, changed_at"

POSTGRES_FORWARD = f"""
CREATE OR REPLACE FUNCTION zicht_cases_refuse_history_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'case history is append-only (% refused on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER zicht_cases_history_append_only
    BEFORE UPDATE OF {GUARDED} ON cases_casestatuschange
    FOR EACH ROW EXECUTE FUNCTION zicht_cases_refuse_history_change();
"""

POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS zicht_cases_history_append_only ON cases_casestatuschange;
DROP FUNCTION IF EXISTS zicht_cases_refuse_history_change();
"""

SQLITE_FORWARD = f"""
CREATE TRIGGER zicht_cases_history_append_only
    BEFORE UPDATE OF {GUARDED} ON cases_casestatuschange
BEGIN
    SELECT RAISE(ABORT, 'case history is append-only');
END;
"""

SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS zicht_cases_history_append_only;"


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
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
