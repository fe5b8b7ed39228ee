"""A case's clocks by case: without it, every read of them scanned the whole clock table (the
partial unique index on (case, clock_id) serves only queries that exclude cancelled clocks)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_event_append_only")]

    operations = [
        migrations.AddIndex(
            model_name="clock",
            index=models.Index(fields=["case"], name="clock_case"),
        ),
    ]
