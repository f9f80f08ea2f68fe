"""Load the bundled case types and intervention types (``cases/data``).

The loader looks the models up in the migration's app registry, so it works with the
historical models. Reversing leaves the rows in place: reversing 0001 drops the tables anyway.
"""

from django.db import migrations


def load(apps, schema_editor):
    from zicht.cases.loader import load_case_catalogues

    load_case_catalogues(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_history_append_only"),
        ("catalogue", "0002_load_catalogues"),
    ]

    operations = [
        migrations.RunPython(load, reverse_code=migrations.RunPython.noop),
    ]
