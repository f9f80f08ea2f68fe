"""Load the bundled 2024 regions and municipalities.

The loader takes model classes as arguments, so this migration passes the historical models
and keeps working when the models change later. Reversing leaves the rows in place: the
tables are dropped by reversing 0001 anyway, and deleting rows that other apps may refer to
(with PROTECT) would fail.
"""

from django.db import migrations


def load(apps, schema_editor):
    from zicht.reference.loader import load_reference_data

    load_reference_data(
        region_model=apps.get_model("reference", "Region"),
        municipality_model=apps.get_model("reference", "Municipality"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reference", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load, reverse_code=migrations.RunPython.noop),
    ]
