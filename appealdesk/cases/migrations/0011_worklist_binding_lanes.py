"""The worklist by binding clocks, expedited cases in a lane of their own (issue 18): the
expedited lane's partial index, and the open cases' next deadline recomputed from their binding
clocks only (a missed non-binding target, UMP's 14-day decision target, made them look overdue);
information requests closed unanswered by the case's end say why."""

import datetime as dt

from django.db import migrations, models

NO_DUE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
LIVE = ("running", "extended", "paused", "missed")


def _binding_next_due(apps, schema_editor):
    # the same rule as cases.services._common._schedule, on the historical models
    case_model = apps.get_model("cases", "Case")
    clock_model = apps.get_model("cases", "Clock")
    with_targets = clock_model.objects.filter(binding=False, case__is_open=True)
    for case in case_model.objects.filter(pk__in=with_targets.values("case_id")).iterator():
        first = (
            clock_model.objects.filter(
                case=case, binding=True, met_at=None, due_at__isnull=False, state__in=LIVE
            )
            .order_by("due_at")
            .first()
        )
        case_model.objects.filter(pk=case.pk).update(
            next_due_at=first.due_at if first else NO_DUE,
            next_at_risk_at=(first.at_risk_at or first.due_at) if first else NO_DUE,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_activity_notifications"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("expedited", True), ("is_open", True)),
                fields=["next_due_at", "id"],
                name="case_expedited_due",
            ),
        ),
        migrations.RunPython(_binding_next_due, migrations.RunPython.noop),
        migrations.AddField(
            model_name="informationrequest",
            name="closed_reason",
            field=models.CharField(blank=True, max_length=200),
        ),
    ]
