"""The event log becomes a hash chain (docs/record.md): every event gets `seq`, `prev_hash` and
`hash`, the events already written are chained in the order they were written (by id, case by
case, in batches), and (case, seq) is made unique.

The append-only trigger of 0002 refuses the backfill's UPDATE, so it is switched off for this
migration only, inside its transaction: on PostgreSQL disabled and enabled again; on SQLite
dropped and created again (SQLite cannot disable a trigger, and adding a NOT NULL column there
rebuilds the table, which drops its triggers anyway). Afterwards UPDATE and DELETE are refused
as before (tests/cases/test_chain.py checks it).
"""

import importlib

from django.db import migrations, models

APPEND_ONLY = importlib.import_module("appealdesk.cases.migrations.0002_event_append_only")

OFF = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS cases_event_no_update",
        "DROP TRIGGER IF EXISTS cases_event_no_delete",
    ],
    "postgresql": ["ALTER TABLE cases_event DISABLE TRIGGER cases_event_append_only"],
}
ON = {
    "sqlite": APPEND_ONLY.SQLITE,
    "postgresql": ["ALTER TABLE cases_event ENABLE TRIGGER cases_event_append_only"],
}
CASES_A_BATCH = 1000
EVENTS_A_BATCH = 5000


def _run(statements):
    def apply(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return apply


def backfill(apps, schema_editor):
    """Link every event: the cases in batches of CASES_A_BATCH (all events of a case in one
    batch, in id order), then the events without a case in batches of EVENTS_A_BATCH, the
    chain carried from batch to batch. Memory holds one batch."""
    from appealdesk.cases.chain import CHAINED, ChainHeads

    Case = apps.get_model("cases", "Case")
    Event = apps.get_model("cases", "Event")
    names = [n for n in CHAINED if n != "seq"]
    connection = schema_editor.connection

    def link(rows, chains):
        updates = []
        for event_id, *values in rows:
            seq, prev_hash, linked = chains.add(dict(zip(names, values, strict=True)))
            updates.append((seq, prev_hash, linked, event_id))
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE cases_event SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s", updates
            )

    last = 0
    while True:
        ids = list(
            Case.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:CASES_A_BATCH]
        )
        if not ids:
            break
        rows = Event.objects.filter(case_id__in=ids).order_by("case_id", "id")
        link(rows.values_list("id", *names), ChainHeads())
        last = ids[-1]
    caseless, last = ChainHeads(), 0
    while True:
        rows = list(
            Event.objects.filter(case__isnull=True, pk__gt=last)
            .order_by("id")
            .values_list("id", *names)[:EVENTS_A_BATCH]
        )
        if not rows:
            break
        link(rows, caseless)
        last = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [("cases", "0008_portal_requests_moved_in")]

    operations = [
        migrations.RunPython(_run(OFF), _run(ON)),
        migrations.AddField(
            model_name="event",
            name="seq",
            field=models.PositiveIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="event",
            name="prev_hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="event",
            name="hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="event",
            constraint=models.UniqueConstraint(
                condition=models.Q(("case__isnull", False)),
                fields=("case", "seq"),
                name="event_chain",
            ),
        ),
        migrations.AddConstraint(
            model_name="event",
            constraint=models.UniqueConstraint(
                condition=models.Q(("case__isnull", True)),
                fields=("seq",),
                name="event_chain_caseless",
            ),
        ),
        migrations.RunPython(_run(ON), _run(OFF)),
    ]
