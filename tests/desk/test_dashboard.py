"""The supervisor dashboard's 90-day timeliness chart: the timeliness report's figures by week
of the due date, in the program's local weeks."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from appealdesk.cases.models import Clock, ClockState

pytestmark = pytest.mark.django_db

PACIFIC = ZoneInfo("America/Los_Angeles")


def bars(client) -> dict[str, dict]:
    response = client.get("/desk/dashboard/")
    assert response.status_code == 200
    return {bar["label"]: bar for bar in response.context["chart"]["bars"]}


def label(day: dt.date) -> str:
    return f"{day:%b} {day.day}"


def test_a_clock_due_late_sunday_evening_pacific_is_charted_in_its_local_week(
    client, staff, appeal, monkeypatch
):
    # seed: "dates are that zone's local dates": at 23:00 on a Sunday in Los Angeles it is
    # Monday in UTC, but the week on the chart is still the one that ends that Sunday
    today = timezone.now().astimezone(PACIFIC).date()
    sunday = today - dt.timedelta(days=today.weekday() + 1)
    due = dt.datetime.combine(sunday, dt.time(22, 30), PACIFIC)
    clock = appeal.clocks.filter(binding=True).order_by("pk").first()
    Clock.objects.filter(pk=clock.pk).update(
        state=ClockState.MET, due_at=due, met_at=due - dt.timedelta(hours=2)
    )
    client.force_login(staff["sam"])
    sunday_night = dt.datetime.combine(sunday, dt.time(23), PACIFIC).astimezone(dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: sunday_night)
    chart = bars(client)
    week = label(sunday - dt.timedelta(days=6))
    assert list(chart)[-1] == week  # the chart ends with the local week, not the UTC one
    assert (chart[week]["met"], chart[week]["missed"], chart[week]["pct"]) == (1, 0, 100)


def test_a_clock_open_past_due_counts_as_missed_in_its_week(client, staff, appeal):
    today = timezone.now().astimezone(PACIFIC).date()
    due = dt.datetime.combine(today - dt.timedelta(days=7), dt.time(12), PACIFIC)
    clock = appeal.clocks.filter(binding=True).order_by("pk").first()
    Clock.objects.filter(pk=clock.pk).update(state=ClockState.RUNNING, due_at=due)
    client.force_login(staff["sam"])
    week = bars(client)[label(due.date() - dt.timedelta(days=due.weekday()))]
    assert (week["met"], week["missed"], week["pct"], week["rag"]) == (0, 1, 0, "red")
