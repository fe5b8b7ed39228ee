"""Report pages (supervisors and administrators): timeliness per clock, volumes and outcomes,
aging of open cases, the case universe; every figure links to the cases behind it, and every
report downloads as CSV or XLSX. The figures cover the cases the user may see."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from appealdesk.access import roles
from appealdesk.access.log import log_reads
from appealdesk.cases.errors import InvalidInput
from appealdesk.cases.models import CHANNEL_CHOICES, KIND_CHOICES
from appealdesk.policy.quoting import quoted
from appealdesk.reports import charts, http, selectors, universe
from appealdesk.reports.filters import ReportFilter, programs, today
from appealdesk.reports.selectors import (
    BUCKET_LABELS,
    BUCKETS,
    DECISIONS,
    DIMENSIONS,
    STATUS_LABELS,
    AgingRow,
    Drill,
    OutcomeRow,
    PublicRow,
    TimelinessRow,
    VolumeRow,
)

PAGES = {
    "report_timeliness": "Timeliness",
    "report_volumes": "Volumes and outcomes",
    "report_aging": "Aging",
    "report_public": "Public metrics",
    "report_universe": "Case universe",
}
SHOWN = ("met", "missed", "open_overdue", "open_on_time")  # the chart's parts, worst after met
CHART_ROWS = 40
OUTCOME_KEYS = (*DECISIONS, "withdrawn", "dismissed")


def supervisors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not roles.roles_of(request.user) & {roles.SUPERVISOR, roles.ADMINISTRATOR}:
            return HttpResponseForbidden("Reports are for supervisors and administrators.")
        return view(request, *args, **kwargs)

    return wrapped


def _default_range(now: dt.datetime, page: str) -> tuple[dt.date, dt.date]:
    """The current month and the two before it, to today; for the yearly public metrics, last
    year and this one."""
    last = today(None, now)
    if page == "report_public":
        return dt.date(last.year - 1, 1, 1), last
    first = last.replace(day=1)
    for _ in range(2):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first, last


def _filter(request: HttpRequest, now: dt.datetime, page: str) -> Any:
    """The page's filter, and the error to show instead of a report. With no dates given at
    all, the page's default range; empty dates mean no limit."""
    data = request.GET.dict()
    if "from" not in data and "to" not in data:
        first, last = _default_range(now, page)
        data.update({"from": first.isoformat(), "to": last.isoformat()})
    try:
        return _for_page(page, ReportFilter.parse(data)), None
    except InvalidInput as exc:
        return ReportFilter(), exc.message


def _for_page(page: str, f: ReportFilter) -> ReportFilter:
    """The filter as another report page takes it: only timeliness and the universe count by
    due date; aging takes no dates."""
    if page == "report_aging":
        return f.replace(date_from=None, date_to=None, basis="received")
    if page not in ("report_timeliness", "report_universe"):
        return f.replace(basis="received")
    return f


def _url(name: str, f: ReportFilter, **extra: Any) -> str:
    params = {**f.params(), **{k: str(v) for k, v in extra.items() if v is not None}}
    return reverse(f"desk:{name}") + ("?" + urlencode(params) if params else "")


def _context(request: HttpRequest, page: str, f: ReportFilter, error: str | None) -> dict[str, Any]:
    handlers = sorted({hid for _, hid in selectors.handler_names()})
    return {
        "page": page,
        "tabs": [
            (label, _url(name, _for_page(name, f)), name == page) for name, label in PAGES.items()
        ],
        "f": f,
        "params": f.params(),
        "error": error,
        "programs": programs(),
        "kinds": KIND_CHOICES,
        "channels": CHANNEL_CHOICES,
        "handlers": handlers,
        "dimensions": DIMENSIONS,
    }


def _downloads(report: str, f: ReportFilter, **extra: Any) -> dict[str, str]:
    params = {**f.params(), **{k: str(v) for k, v in extra.items() if v is not None}}
    query = "?" + urlencode(params) if params else ""
    return {
        fmt: reverse("desk:report_download", args=[report, fmt]) + query for fmt in ("csv", "xlsx")
    }


def _group_params(row: TimelinessRow) -> dict[str, str]:
    """The filter that narrows a report to one group of `by`."""
    if row.by is None or row.group is None:
        return {}
    return {row.by: row.group}


@supervisors
def timeliness(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    f, error = _filter(request, now, "report_timeliness")
    by = request.GET.get("by") or None
    if by is not None and by not in DIMENSIONS:
        error, by = f"by: {quoted(by)} is not one of {', '.join(DIMENSIONS)}", None
    context = _context(request, "report_timeliness", f, error)
    context["by"] = by
    if error:
        return render(request, "desk/reports/timeliness.html", context, status=400)
    rows = selectors.timeliness(f, within=roles.visible(request.user), by=by, now=now)
    table = [
        {
            "row": row,
            "cells": [
                (
                    status,
                    getattr(row, status),
                    _url(
                        "report_cases",
                        f,
                        program=row.program,
                        clock=row.clock,
                        status=status,
                        **_group_params(row),
                    ),
                )
                for status in selectors.STATUSES
            ],
        }
        for row in rows
    ]
    shown = rows[:CHART_ROWS]
    chart = charts.hbars(
        [
            (
                f"{r.program} {r.clock}" + (f" · {r.group_label}" if r.by else ""),
                [getattr(r, s) for s in SHOWN],
                "—" if r.on_time_pct is None else f"{r.on_time_pct:g}%",
            )
            for r in shown
        ],
        charts.series(SHOWN, STATUS_LABELS),
        share=True,
    )
    context.update(
        rows=table,
        totals=selectors.timeliness_totals(rows) if by else [],
        chart=chart,
        chart_cut=len(rows) - len(shown),
        statuses=[(s, STATUS_LABELS[s]) for s in selectors.STATUSES],
        downloads=_downloads("timeliness", f, by=by),
        universe=_downloads("universe", f),
        now=now,
    )
    return render(request, "desk/reports/timeliness.html", context)


@supervisors
def volumes(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    f, error = _filter(request, now, "report_volumes")
    period = request.GET.get("period") or "month"
    if period not in selectors.PERIODS:
        error, period = "period: month or week", "month"
    context = _context(request, "report_volumes", f, error)
    context["period"] = period
    if error:
        return render(request, "desk/reports/volumes.html", context, status=400)
    within = roles.visible(request.user)
    received = selectors.volumes(f, within=within, period=period)
    decided = selectors.outcomes(f, within=within)
    context.update(_received_tables(f, received, period))
    context.update(_outcome_tables(f, decided))
    context.update(
        downloads=_downloads("volumes", f, period=period),
        outcome_downloads=_downloads("outcomes", f),
        universe=_downloads("universe", f),
    )
    return render(request, "desk/reports/volumes.html", context)


def _received_tables(f: ReportFilter, rows: list[VolumeRow], period: str) -> dict[str, Any]:
    kinds = sorted({r.kind for r in rows})
    by_period: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    categories: dict[tuple[str, str], int] = defaultdict(int)
    channels: dict[str, int] = defaultdict(int)
    for r in rows:
        by_period[r.period][r.kind] += r.received
        categories[(r.program, r.category)] += r.received
        channels[r.channel] += r.received
    key = "month_received" if period == "month" else "week"
    periods: list[dict[str, Any]] = [
        {
            "period": p,
            "cells": [
                (counts.get(k, 0), _url("report_cases", f, kind=k, **{key: p})) for k in kinds
            ],
            "total": sum(counts.values()),
            "url": _url("report_cases", f, **{key: p}),
        }
        for p, counts in sorted(by_period.items())
    ]
    chart = charts.vbars(
        [(_period_label(p["period"]), [c for c, _ in p["cells"]]) for p in periods],
        charts.series(kinds),
    )
    return {
        "kinds_shown": kinds,
        "periods": periods,
        "received_total": sum(p["total"] for p in periods),
        "volume_chart": chart,
        "by_category": [
            (
                program,
                category or "—",
                n,
                _url("report_cases", f, program=program, category=category),
            )
            for (program, category), n in sorted(categories.items(), key=lambda x: -x[1])
        ],
        "by_channel": [
            (channel, n, _url("report_cases", f, channel=channel))
            for channel, n in sorted(channels.items(), key=lambda x: -x[1])
        ],
    }


def _period_label(period: str) -> str:
    """'2026-03' stays; a week '2026-03-02' reads 'Mar 2 2026'."""
    if len(period) == 7:
        return period
    monday = dt.date.fromisoformat(period)
    return f"{monday:%b} {monday.day} {monday.year}"


def _level_params(row: OutcomeRow | AgingRow) -> dict[str, Any]:
    return {
        "program": row.program,
        "kind": row.kind,
        "level": "none" if row.level is None else row.level,
    }


def _outcome_tables(f: ReportFilter, rows: list[OutcomeRow]) -> dict[str, Any]:
    table = [
        {
            "row": r,
            "cells": [
                (
                    getattr(r, o),
                    _url("report_cases", f, outcome=o, **_level_params(r)),
                )
                for o in OUTCOME_KEYS
            ],
            "decided_url": _url("report_cases", f, outcome="decided", **_level_params(r)),
        }
        for r in rows
    ]
    chart = charts.hbars(
        [
            (
                _level_label(r),
                [getattr(r, o) for o in OUTCOME_KEYS],
                "—" if r.overturn_rate is None else f"{r.overturn_rate:g}%",
            )
            for r in rows
        ],
        charts.series(OUTCOME_KEYS),
        share=True,
    )
    return {"outcomes": table, "outcome_keys": OUTCOME_KEYS, "outcome_chart": chart}


def _level_label(row: OutcomeRow | AgingRow) -> str:
    level = f" level {row.level}" if row.level else ""
    return f"{row.program} {row.kind.replace('_', ' ')}{level}"


@supervisors
def aging(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    f, error = _filter(request, now, "report_aging")
    context = _context(request, "report_aging", f, error)
    if error:
        return render(request, "desk/reports/aging.html", context, status=400)
    rows = selectors.aging(f, within=roles.visible(request.user), now=now)
    table = [
        {
            "row": r,
            "cells": [
                (getattr(r, b), _url("report_cases", f, bucket=b, **_level_params(r)))
                for b in BUCKETS
            ],
        }
        for r in rows
    ]
    chart = charts.hbars(
        [(_level_label(r), [getattr(r, b) for b in BUCKETS], str(r.total)) for r in rows],
        charts.series(tuple(BUCKETS), BUCKET_LABELS),
        share=False,
    )
    context.update(
        rows=table,
        buckets=BUCKET_LABELS,
        chart=chart,
        totals=[sum(getattr(r, b) for r in rows) for b in BUCKETS],
        total=sum(r.total for r in rows),
        downloads=_downloads("aging", f),
        now=now,
    )
    return render(request, "desk/reports/aging.html", context)


@supervisors
def public(request: HttpRequest) -> HttpResponse:
    """The figures plans publish for prior authorization (CMS-0057-F), per year of receipt,
    program and track; every count links to its requests."""
    now = timezone.now()
    f, error = _filter(request, now, "report_public")
    context = _context(request, "report_public", f, error)
    if error:
        return render(request, "desk/reports/public.html", context, status=400)
    rows = selectors.public_metrics(f, within=roles.visible(request.user))
    table = [
        {
            "row": r,
            "cells": [
                (
                    figure,
                    selectors.PUBLIC_LABELS[figure],
                    getattr(r, figure),
                    getattr(r, f"{figure}_pct", None),
                    _url(
                        "report_cases",
                        f,
                        program=r.program,
                        expedited="true" if r.track == "expedited" else "false",
                        year=r.year,
                        figure=figure,
                    ),
                )
                for figure in selectors.PUBLIC_FIGURES
            ],
        }
        for r in rows
    ]
    context.update(
        rows=table,
        figures=[(k, selectors.PUBLIC_LABELS[k]) for k in selectors.PUBLIC_FIGURES],
        downloads=_downloads("public_metrics", f),
    )
    return render(request, "desk/reports/public.html", context)


@supervisors
def universe_page(request: HttpRequest) -> HttpResponse:
    f, error = _filter(request, timezone.now(), "report_universe")
    context = _context(request, "report_universe", f, error)
    context.update(columns=universe.header(), universe=_downloads("universe", f))
    return render(request, "desk/reports/universe.html", context, status=400 if error else 200)


@supervisors
def cases(request: HttpRequest) -> HttpResponse:
    """The cases behind one figure: the report's filter and the figure, as the link gave them."""
    now = timezone.now()
    error = None
    try:
        f = ReportFilter.parse(request.GET.dict())
        drill = Drill.parse(request.GET.dict())
        page = selectors.cases_behind(
            f,
            drill,
            within=roles.visible(request.user),
            now=now,
            cursor=request.GET.get("cursor"),
        )
        log_reads(request, page.shown(), "report cases")
    except InvalidInput as exc:
        error, f, drill, page = exc.message, ReportFilter(), Drill(), None
    context = _context(request, "report_cases", f, error)
    described = [f.describe()] if f.params() else []
    for name, value in drill.params().items():
        words = (
            STATUS_LABELS.get(value)
            or BUCKET_LABELS.get(value)
            or (selectors.PUBLIC_LABELS.get(value) if name == "figure" else None)
            or value.replace("_", " ")
        )
        described.append(f"{name.replace('_', ' ')}: {words}")
    next_url = None
    if page is not None and page.next_cursor:
        query = request.GET.copy()
        query["cursor"] = page.next_cursor
        next_url = "?" + query.urlencode()
    context.update(page=page, drill=drill, described=described, next_url=next_url)
    return render(request, "desk/reports/cases.html", context, status=400 if error else 200)


TABLES: dict[str, Any] = {
    "timeliness": TimelinessRow,
    "volumes": VolumeRow,
    "outcomes": OutcomeRow,
    "aging": AgingRow,
    "public_metrics": PublicRow,
}


@supervisors
def download(request: HttpRequest, report: str, fmt: str) -> HttpResponse:
    """A report as a file, with exactly the filter in the link (no dates: no limit)."""
    if fmt not in ("csv", "xlsx") or report not in (*TABLES, "universe"):
        raise Http404("No such report.")
    try:
        f = ReportFilter.parse(request.GET.dict())
        within = roles.visible(request.user)
        if report == "universe":
            return http.universe_response(request, f, fmt=fmt, user=request.user, within=within)
        rows: Any
        if report == "timeliness":
            by = request.GET.get("by") or None
            rows = selectors.timeliness(f, within=within, by=by)
        elif report == "volumes":
            rows = selectors.volumes(f, within=within, period=request.GET.get("period") or "month")
        elif report == "outcomes":
            rows = selectors.outcomes(f, within=within)
        elif report == "public_metrics":
            rows = selectors.public_metrics(f, within=within)
        else:
            rows = selectors.aging(f, within=within)
    except InvalidInput as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    return http.table_response(report, f, rows, TABLES[report], fmt=fmt)
