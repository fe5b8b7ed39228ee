"""What the product's queues and clocks look like now: read by `/readyz` and `/metrics` at
each request, one cheap aggregate statement each (every filter is on an indexed column or a
small table)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, F, Min, Q, When
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from appealdesk.cases.models import Clock, ClockState, SweepRun
from appealdesk.mailroom.models import Item, ItemState

OPEN_CLOCKS = (ClockState.RUNNING, ClockState.EXTENDED)


@dataclass(frozen=True)
class Queue:
    depth: int  # tasks ready to run now
    oldest_age: float  # seconds the oldest of them has been due (0 when none)


def task_queue(now: dt.datetime | None = None) -> Queue:
    now = now or timezone.now()
    # a task with a run_after is due from then, else from when it was queued
    due_since = Case(When(run_after=get_date_max(), then=F("enqueued_at")), default=F("run_after"))
    found = (
        DBTaskResult.objects.filter(status=TaskResultStatus.READY)
        .filter(Q(run_after=get_date_max()) | Q(run_after__lte=now))
        .aggregate(depth=Count("id"), oldest=Min(due_since))
    )
    oldest = found["oldest"]
    return Queue(found["depth"], max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)


def sweep_lag(now: dt.datetime | None = None) -> float | None:
    """Seconds since the last sweep finished (it runs every minute); None before the first."""
    now = now or timezone.now()
    finished = (
        SweepRun.objects.filter(finished_at__isnull=False)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    return (now - finished).total_seconds() if finished else None


@dataclass(frozen=True)
class Clocks:
    at_risk: int  # open binding clocks past their at-risk instant, not yet due
    overdue_unmarked: int  # open clocks past due that no sweep has marked missed yet
    missed: int  # clocks marked missed (all time)


def clocks(now: dt.datetime | None = None) -> Clocks:
    now = now or timezone.now()
    # the two live counts are ranges of the partial index clock_live_due; the missed count
    # reads the whole table once (about 0.1 s per million clocks on PostgreSQL)
    live = Clock.objects.filter(state__in=OPEN_CLOCKS)
    return Clocks(
        at_risk=live.filter(due_at__gt=now, at_risk_at__lte=now).count(),
        overdue_unmarked=live.filter(due_at__lte=now).count(),
        missed=Clock.objects.filter(state=ClockState.MISSED).count(),
    )


@dataclass(frozen=True)
class Mailroom:
    waiting: dict[str, int]  # items not done, by state (new, read, proposed)
    oldest_age: float  # seconds since the oldest waiting item was received (0 when none)


def mailroom(now: dt.datetime | None = None) -> Mailroom:
    now = now or timezone.now()
    rows = (
        Item.objects.exclude(state=ItemState.DONE)
        .values("state")
        .annotate(n=Count("id"), oldest=Min("received_at"))
    )
    waiting = {state: 0 for state in (ItemState.NEW, ItemState.READ, ItemState.PROPOSED)}
    oldest = None
    for row in rows:
        waiting[row["state"]] = row["n"]
        oldest = row["oldest"] if oldest is None else min(oldest, row["oldest"])
    return Mailroom(
        {str(k): v for k, v in waiting.items()},
        max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
    )
