"""Fill the name index for entities that existed before it."""

from django.db import migrations

CHUNK = 2000


def backfill(apps, schema_editor):
    from zicht.register.matching import search_tokens

    entity_model = apps.get_model("register", "Entity")
    token_model = apps.get_model("register", "EntityToken")
    last = 0
    while True:
        batch = list(
            entity_model.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "label")[:CHUNK]
        )
        if not batch:
            return
        token_model.objects.bulk_create(
            [token_model(entity_id=pk, token=token) for pk, label in batch for token in search_tokens(label)],
            ignore_conflicts=True,
        )
        last = batch[-1][0]


class Migration(migrations.Migration):
    dependencies = [("register", "0003_entity_tokens")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
