"""Copy each entity's kind onto its name-index words, for the company duplicate ranking."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_kind(apps, schema_editor):
    entity_model = apps.get_model("register", "Entity")
    token_model = apps.get_model("register", "EntityToken")
    # One correlated UPDATE: the same statement on SQLite and PostgreSQL.
    token_model.objects.update(
        kind=Subquery(entity_model.objects.filter(pk=OuterRef("entity_id")).values("kind")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [("register", "0004_backfill_entity_tokens")]

    operations = [
        migrations.AddField(
            model_name="entitytoken",
            name="kind",
            field=models.CharField(
                choices=[
                    ("person", "persoon"),
                    ("company", "bedrijf"),
                    ("address", "adres"),
                    ("vehicle", "voertuig"),
                    ("phone", "telefoonnummer"),
                    ("email", "e-mailadres"),
                    ("bank_account", "bankrekening"),
                ],
                default="",
                max_length=20,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(copy_kind, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="entitytoken",
            index=models.Index(
                fields=["kind", "token", "entity"], name="register_token_kind_idx"
            ),
        ),
    ]
