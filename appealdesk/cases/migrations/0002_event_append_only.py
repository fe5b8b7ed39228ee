"""The event log is append-only, enforced by the database itself, not only by the ORM."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER cases_event_no_update BEFORE UPDATE ON cases_event
       BEGIN SELECT RAISE(ABORT, 'cases_event is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER cases_event_no_delete BEFORE DELETE ON cases_event
       BEGIN SELECT RAISE(ABORT, 'cases_event is append-only: DELETE refused'); END""",
]
SQLITE_DROP = ["DROP TRIGGER cases_event_no_update", "DROP TRIGGER cases_event_no_delete"]

POSTGRES = [
    """CREATE FUNCTION cases_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'cases_event is append-only: % refused', TG_OP; END $$""",
    """CREATE TRIGGER cases_event_append_only BEFORE UPDATE OR DELETE ON cases_event
       FOR EACH ROW EXECUTE FUNCTION cases_event_append_only()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER cases_event_append_only ON cases_event",
    "DROP FUNCTION cases_event_append_only()",
]


def _run(statements):
    def apply(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for sql in statements.get(vendor, []):
            schema_editor.execute(sql, params=None)

    return apply


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        ),
    ]
