"""The reports in API v1 (`/api/v1/reports/…`): the same selectors as the desk, as JSON; the
universe as a CSV (or XLSX) stream. Scope `cases:read`, and the key's user must be a supervisor
or an administrator; figures cover the cases that user may see."""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from appealdesk.access import roles
from appealdesk.access.log import log_reads
from appealdesk.api.common import need, user_of
from appealdesk.api.problems import ApiProblem, Problem
from appealdesk.reports import http, selectors
from appealdesk.reports.filters import ReportFilter
from appealdesk.reports.selectors import (
    AgingRow,
    CaseRow,
    Drill,
    OutcomeRow,
    PublicRow,
    TimelinessRow,
    VolumeRow,
)

router = Router()
ERRORS: dict[int, Any] = {401: Problem, 403: Problem, 422: Problem}
Param = Field(default=None, max_length=60)


class ReportQuery(Schema):
    """Which cases: local dates of the program's zone, both ends included."""

    program: str | None = Param
    date_from: str | None = Field(
        default=None, alias="from", max_length=10, description="first date, YYYY-MM-DD"
    )
    to: str | None = Field(default=None, max_length=10, description="last date, YYYY-MM-DD")
    basis: Literal["received", "due"] = Field(
        default="received",
        description="the dates are the local receipt date (received) or, for timeliness, the "
        "local date the clock is due (due)",
    )
    handler: str | None = Param
    kind: str | None = Param
    level: str | None = Field(default=None, max_length=4, description="1, 2 or none")
    expedited: bool | None = None
    category: str | None = Param
    channel: str | None = Param

    def report_filter(self) -> ReportFilter:
        data = self.model_dump(by_alias=True)
        return ReportFilter.parse({k: v for k, v in data.items() if v is not None})


class DrillQuery(Schema):
    clock: str | None = Param
    status: str | None = Field(default=None, max_length=20, description="met, missed, …")
    month_received: str | None = Field(default=None, max_length=7, description="YYYY-MM")
    month_due: str | None = Field(default=None, max_length=7, description="YYYY-MM")
    week: str | None = Field(default=None, max_length=10, description="its Monday")
    outcome: str | None = Field(default=None, max_length=30)
    bucket: str | None = Field(default=None, max_length=20)
    open: bool | None = None
    figure: str | None = Field(
        default=None, max_length=30, description="a figure of the public metrics, e.g. denied"
    )
    year: str | None = Field(default=None, max_length=4, description="YYYY, of receipt")
    cursor: str | None = Field(default=None, max_length=20)
    limit: int = Field(default=50, ge=1, le=500)


class TimelinessOut(Schema):
    filter: dict[str, str]
    by: str | None
    as_of: Any
    rows: list[TimelinessRow]
    totals: list[TimelinessRow]


class VolumesOut(Schema):
    filter: dict[str, str]
    period: str
    rows: list[VolumeRow]


class OutcomesOut(Schema):
    filter: dict[str, str]
    rows: list[OutcomeRow]


class PublicOut(Schema):
    filter: dict[str, str]
    rows: list[PublicRow]


class AgingOut(Schema):
    filter: dict[str, str]
    as_of: Any
    rows: list[AgingRow]


class CasesOut(Schema):
    count: int
    items: list[CaseRow]
    next_cursor: str | None


def _reader(request: HttpRequest) -> Any:
    """The caller's user, if a report is theirs to read; its visibility limits the figures."""
    need(request, "cases:read")
    user = user_of(request)
    if not roles.roles_of(user) & {roles.SUPERVISOR, roles.ADMINISTRATOR}:
        raise ApiProblem(403, "forbidden_report", "reports are for supervisors and administrators")
    return user


@router.get("/reports/timeliness", response={200: TimelinessOut, **ERRORS}, tags=["reports"])
def report_timeliness(
    request: HttpRequest,
    q: Query[ReportQuery],
    by: Literal["handler", "kind", "level", "expedited", "month_received", "month_due"]
    | None = None,
) -> Any:
    """Clocks met, missed, open on time and open overdue per program and clock id (and
    `by`), with the share on time; pending clocks apart. Definitions: docs/reports.md."""
    user = _reader(request)
    f, now = q.report_filter(), timezone.now()
    rows = selectors.timeliness(f, within=roles.visible(user), by=by, now=now)
    totals = selectors.timeliness_totals(rows) if by else rows
    return {"filter": f.params(), "by": by, "as_of": now, "rows": rows, "totals": totals}


@router.get("/reports/volumes", response={200: VolumesOut, **ERRORS}, tags=["reports"])
def report_volumes(
    request: HttpRequest, q: Query[ReportQuery], period: Literal["month", "week"] = "month"
) -> Any:
    """Cases received per month (or week, by its Monday) of the local receipt date, by
    program, kind, category and channel."""
    user = _reader(request)
    f = q.report_filter()
    rows = selectors.volumes(f, within=roles.visible(user), period=period)
    return {"filter": f.params(), "period": period, "rows": rows}


@router.get("/reports/outcomes", response={200: OutcomesOut, **ERRORS}, tags=["reports"])
def report_outcomes(request: HttpRequest, q: Query[ReportQuery]) -> Any:
    """Decisions and dismissals by outcome per program, kind and level; overturn rate;
    average and 90th-percentile days from receipt to decision."""
    user = _reader(request)
    f = q.report_filter()
    return {"filter": f.params(), "rows": selectors.outcomes(f, within=roles.visible(user))}


@router.get("/reports/public-metrics", response={200: PublicOut, **ERRORS}, tags=["reports"])
def report_public_metrics(request: HttpRequest, q: Query[ReportQuery]) -> Any:
    """The figures plans publish for prior authorization (CMS-0057-F), per year of receipt,
    program and track (standard, expedited): requests approved, denied, approved after appeal,
    extended and approved, their shares of the decided ones, and the average and median days
    from receipt to decision. Definitions: docs/reports.md."""
    user = _reader(request)
    f = q.report_filter()
    return {"filter": f.params(), "rows": selectors.public_metrics(f, within=roles.visible(user))}


@router.get("/reports/aging", response={200: AgingOut, **ERRORS}, tags=["reports"])
def report_aging(request: HttpRequest, q: Query[ReportQuery]) -> Any:
    """Open cases by age (0–7, 8–14, 15–30, over 30 days since the local receipt date), as
    of now; the date range does not apply."""
    user = _reader(request)
    f, now = q.report_filter(), timezone.now()
    rows = selectors.aging(f, within=roles.visible(user), now=now)
    return {"filter": f.params(), "as_of": now, "rows": rows}


@router.get("/reports/cases", response={200: CasesOut, **ERRORS}, tags=["reports"])
def report_cases(request: HttpRequest, q: Query[ReportQuery], d: Query[DrillQuery]) -> Any:
    """The cases behind one figure of a report: the report's filter plus the figure
    (`clock` and `status`, `month_received`, `month_due`, `week`, `outcome`, `bucket`, or a
    public metric's `figure` and `year`)."""
    user = _reader(request)
    drill = Drill.parse(d.model_dump(exclude={"cursor", "limit"}, exclude_none=True))
    page = selectors.cases_behind(
        q.report_filter(),
        drill,
        within=roles.visible(user),
        cursor=d.cursor,
        limit=d.limit,
    )
    log_reads(request, page.shown(), "api report cases", user)
    return {
        "count": page.count,
        "items": [dataclasses.asdict(r) for r in page.rows],
        "next_cursor": page.next_cursor,
    }


@router.get(
    "/reports/universe",
    response={200: None, **ERRORS},
    tags=["reports"],
    summary="The case universe: one row per case, streamed",
)
def report_universe(
    request: HttpRequest, q: Query[ReportQuery], format: Literal["csv", "xlsx"] = "csv"
) -> Any:
    """One row per case (received, acknowledged, decided and notified instants in UTC and
    local time, every clock's due and met times and status, disposition, outcome,
    handler), as CSV streamed while it is read, or XLSX. One access-log entry per
    export."""
    user = _reader(request)
    return http.universe_response(
        request, q.report_filter(), fmt=format, user=user, within=roles.visible(user)
    )
