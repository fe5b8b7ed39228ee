"""The supervisor dashboard: open cases by clock state, at-risk and overdue lists, decisions
per week, and timeliness over the last 90 days (a server-rendered SVG chart of the timeliness
report's figures by week of the due date)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.utils import timezone

from appealdesk.access import roles
from appealdesk.access.log import log_reads
from appealdesk.cases import selectors
from appealdesk.cases.models import Case, Clock, ClockState, SweepRun
from appealdesk.desk.timeleft import NO_CLOCK_AFTER, of_row
from appealdesk.reports import selectors as reports
from appealdesk.reports.filters import ReportFilter

WEEKS = 13  # about 90 days


def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    mine = roles.roles_of(user)
    if not mine & {roles.SUPERVISOR, roles.ADMINISTRATOR}:
        return HttpResponseForbidden("The dashboard is for supervisors.")
    now = timezone.now()
    scope = roles.visible(user)
    cases = Case.objects.all() if scope is None else Case.objects.filter(scope)
    counts = cases.filter(is_open=True).aggregate(
        overdue=Count("pk", filter=Q(next_due_at__lt=now)),
        at_risk=Count("pk", filter=Q(next_at_risk_at__lte=now, next_due_at__gte=now)),
        on_time=Count("pk", filter=Q(next_at_risk_at__gt=now, next_due_at__lt=NO_CLOCK_AFTER)),
        no_clock=Count("pk", filter=Q(next_due_at__gte=NO_CLOCK_AFTER)),
        # a missed non-binding target is counted apart from the binding misses above (issue 18)
        target_missed=Count("pk", filter=Q(Exists(_missed_targets(now)))),
    )
    teams = roles.team_ids(user)
    lists = {
        name: [
            (item, *of_row(item, now))
            for item in selectors.worklist(
                teams=teams, limit=15, now=now, overdue=name == "overdue", at_risk=name == "at_risk"
            ).items
        ]
        for name in ("overdue", "at_risk")
    }
    # the two lists show case numbers and members: one access-log row names them
    log_reads(request, [row[0] for rows in lists.values() for row in rows], "dashboard")
    # the installation's local weeks (Django's current zone, as TruncWeek counts them)
    weeks = _weeks(timezone.localdate(now), WEEKS)
    start = timezone.make_aware(dt.datetime.combine(weeks[0], dt.time()))
    decided = {
        _day(row["week"]): row["n"]
        for row in cases.filter(decided_at__gte=start)
        .annotate(week=TruncWeek("decided_at"))
        .values("week")
        .annotate(n=Count("pk"))
    }
    timeliness = _timeliness(scope, weeks, now)
    chart = _chart([(w, *timeliness.get(w, (0, 0))) for w in weeks])
    met = sum(m for m, _ in timeliness.values())
    missed = sum(m for _, m in timeliness.values())
    context = {
        "counts": counts,
        "lists": lists,
        "decided": [(w, decided.get(w, 0)) for w in weeks],
        "decided_max": max([*decided.values(), 1]),
        "chart": chart,
        "met": met,
        "missed": missed,
        "on_time_pct": round(100 * met / (met + missed), 1) if met + missed else None,
        # SPEC 5.5: the clock sweep's last finished run (over all cases) and its counts
        "sweep": SweepRun.objects.exclude(finished_at=None).order_by("-finished_at").first(),
    }
    return render(request, "desk/dashboard.html", context)


def _day(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _missed_targets(now: dt.datetime) -> QuerySet[Clock]:
    """A case's non-binding clocks whose time passed before they were met."""
    return Clock.objects.filter(
        case=OuterRef("pk"),
        binding=False,
        met_at=None,
        due_at__lt=now,
        state__in=[ClockState.RUNNING, ClockState.EXTENDED, ClockState.MISSED],
    )


def _weeks(today: dt.date, n: int) -> list[dt.date]:
    monday = today - dt.timedelta(days=today.weekday())
    return [monday - dt.timedelta(weeks=i) for i in range(n - 1, -1, -1)]


def _timeliness(
    scope: Q | None, weeks: list[dt.date], now: dt.datetime
) -> dict[dt.date, tuple[int, int]]:
    """(met, missed) binding clocks per week of the due date, from the timeliness report: the
    week of each clock's local due date in its program's zone; missed counts the clocks met
    late and those still open past due (the report's open overdue)."""
    rows = reports.timeliness(
        ReportFilter(basis="due", date_from=weeks[0], date_to=timezone.localdate(now)),
        within=scope,
        by="week_due",
        now=now,
    )
    found: dict[dt.date, tuple[int, int]] = {}
    for row in rows:
        if row.binding and row.group not in (None, "none"):
            week = dt.date.fromisoformat(str(row.group))
            met, missed = found.get(week, (0, 0))
            found[week] = (met + row.met, missed + row.missed + row.open_overdue)
    return found


def _chart(series: list[tuple[dt.date, int, int]]) -> dict[str, Any]:
    """Bars of the share of binding clocks met on time per week, as SVG coordinates."""
    width, height, left, bottom, top = 640, 200, 40, 30, 22
    bar = (width - left) / max(len(series), 1)
    bars = []
    for i, (week, met, missed) in enumerate(series):
        total = met + missed
        pct = 100 * met / total if total else None
        h = (height - bottom - top) * (pct or 0) / 100
        bars.append(
            {
                "x": round(left + i * bar + 4, 1),
                "y": round(height - bottom - h, 1),
                "w": round(bar - 8, 1),
                "h": round(h, 1),
                "pct": None if pct is None else round(pct),
                "label": f"{week:%b} {week.day}",
                "lx": round(left + i * bar + bar / 2, 1),
                "met": met,
                "missed": missed,
                "rag": "none"
                if pct is None
                else "green"
                if pct >= 95
                else "amber"
                if pct >= 80
                else "red",
            }
        )
    axis = [
        {"pct": p, "y": round(height - bottom - (height - bottom - top) * p / 100, 1)}
        for p in (0, 50, 80, 100)
    ]
    return {"width": width, "height": height, "bars": bars, "axis": axis, "base": height - bottom}
