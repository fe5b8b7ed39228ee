"""Case-number prefix search on PostgreSQL: LIKE 'UMP-2026%' uses a btree index only with the
pattern operator class (under a linguistic collation). SQLite searches by range instead."""

from django.db import migrations

CREATE = "CREATE INDEX case_number_pattern ON cases_case (number varchar_pattern_ops)"
DROP = "DROP INDEX case_number_pattern"


def _postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_clock_case")]

    operations = [migrations.RunPython(_postgres(CREATE), _postgres(DROP))]
