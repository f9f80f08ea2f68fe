"""Refuse edits of a report's versions and status history in the database itself.

The models refuse them too; the triggers also stop raw SQL and other clients. Only the
columns that make up the history are guarded: clearing ``created_by``/``changed_by`` when a
user account is deleted (SET_NULL) stays possible, and so does deleting rows with their
report.
"""

from django.db import migrations

GUARDED = {
    "insight_reportversion": (
        "report_id, number, title, summary, trends, modus_operandi, recommendations, note, "
        "created_at"
    ),
    "insight_reportstatuschange": (
        "report_id, from_status, to_status, reason, version_number, figures, changed_at"
    ),
}

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION zicht_insight_refuse_history_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'report history is append-only (% refused on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def _trigger(table: str) -> str:
    return f"zicht_{table}_append_only"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION, params=None)
        for table, columns in GUARDED.items():
            schema_editor.execute(
                f"CREATE TRIGGER {_trigger(table)} BEFORE UPDATE OF {columns} ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION zicht_insight_refuse_history_change();",
                params=None,
            )
    elif vendor == "sqlite":
        for table, columns in GUARDED.items():
            schema_editor.execute(
                f"CREATE TRIGGER {_trigger(table)} BEFORE UPDATE OF {columns} ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'report history is append-only'); END;",
                params=None,
            )


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in GUARDED:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {_trigger(table)} ON {table};", params=None)
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {_trigger(table)};", params=None)
    if vendor == "postgresql":
        schema_editor.execute(
            "DROP FUNCTION IF EXISTS zicht_insight_refuse_history_change();", params=None
        )


class Migration(migrations.Migration):
    dependencies = [("insight", "0002_reports")]

    operations = [migrations.RunPython(forward, backward)]
