"""The access log partitioned by month on PostgreSQL (issue 24 item 2); SQLite keeps one table.

The table is converted in place: renamed aside, a partitioned parent with the same columns and
the primary key (id, at), a partition for every month from the oldest row to three ahead (and a
DEFAULT one), the rows copied in batches of ids, the old table dropped, the indexes built once.
The whole migration is one transaction: the access log is locked while it runs (a few minutes a
hundred million rows on a small server) — run it in a maintenance window on a large table.
Reversed, the rows go back to one plain table."""

from django.db import migrations


def _partition(apps, schema_editor):
    from appealdesk.access.partitions import table_partition

    table_partition(schema_editor)


def _unpartition(apps, schema_editor):
    from appealdesk.access.partitions import table_unpartition

    table_unpartition(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("access", "0002_list_reads")]

    operations = [migrations.RunPython(_partition, _unpartition)]
