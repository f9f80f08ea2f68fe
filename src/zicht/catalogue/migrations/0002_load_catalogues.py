"""Load the bundled catalogues (forms, offence codes, indicators, sectors, route steps).

The loader looks the models up in the migration's app registry, so it works with the
historical models and keeps working when the models change. Reversing leaves the rows in
place: reversing 0001 drops the tables anyway, and signals may refer to the rows.
"""

from django.db import migrations


def load(apps, schema_editor):
    from zicht.catalogue.loader import load_catalogues

    load_catalogues(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load, reverse_code=migrations.RunPython.noop),
    ]
