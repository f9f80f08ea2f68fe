"""On PostgreSQL, refuse UPDATE and DELETE on audit entries in the database itself.

The model layer refuses them too; the trigger also stops raw SQL and other clients.
TRUNCATE is not guarded (see docs/adr/0004): the application's database role must not own
the table in production, which takes TRUNCATE away from it.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION zicht_audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only (% refused on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER zicht_audit_append_only
    BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION zicht_audit_refuse_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS zicht_audit_append_only ON audit_auditentry;
DROP FUNCTION IF EXISTS zicht_audit_refuse_change();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


def create_chain_head(apps, schema_editor):
    head = apps.get_model("audit", "AuditChainHead")
    head.objects.get_or_create(pk=1, defaults={"last_hash": "0" * 64})


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.RunPython(create_chain_head, migrations.RunPython.noop),
    ]
