"""The reports' reads: one aggregate statement per report, grouped in the database, returning
plain rows; and the cases behind every figure. Definitions (docs/reports.md, SPEC 3 and 6):

* A clock is **met** when its state is `met` (met by its due time), **missed** when `missed`
  (met late, or marked missed by the sweep), **open on time** when running or extended and not
  yet due (or paused before it was due: a paused clock's time stands still), **open overdue**
  when running or extended and past due (or paused after it was due). **Pending** clocks wait
  for their starting event and have no due time: they are counted apart. Cancelled clocks
  (replaced by a reclassification, or of a dismissed case) never count.
* **% on time** = met / (met + missed + open overdue): of the clocks whose result is known,
  the share met in time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db.models import Case as CaseWhen
from django.db.models import Count, Exists, F, FloatField, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import TruncMonth, TruncWeek
from django.db.models.functions.datetime import TruncBase
from django.utils import timezone

from appealdesk import replica
from appealdesk.cases.errors import InvalidInput
from appealdesk.cases.models import Case, Clock, ClockState, Extension
from appealdesk.policy import default_registry
from appealdesk.policy.quoting import quoted
from appealdesk.reports.filters import (
    OUTCOMES,
    ReportFilter,
    by_zone,
    flag,
    given,
    ident,
    instant_q,
    month_range,
    received_q,
    zones,
)
from appealdesk.reports.sql import ElapsedDays, WeekStart, Year, YearMonth

STATUSES = ("met", "missed", "open_on_time", "open_overdue", "pending")
STATUS_LABELS = {
    "met": "met",
    "missed": "missed",
    "open_on_time": "open, on time",
    "open_overdue": "open, overdue",
    "pending": "pending (not started)",
}
LIVE = (ClockState.RUNNING, ClockState.EXTENDED)
DIMENSIONS = {
    "handler": "handler",
    "kind": "kind",
    "level": "level",
    "expedited": "expedited or standard",
    "month_received": "month of receipt",
    "month_due": "month of the due date",
}
PERIODS = ("month", "week")
DECISIONS = ("upheld", "overturned", "partially_overturned")
BUCKETS = {
    "days_0_7": (0, 7),
    "days_8_14": (8, 14),
    "days_15_30": (15, 30),
    "days_over_30": (31, None),
}
BUCKET_LABELS = {
    "days_0_7": "0–7 days",
    "days_8_14": "8–14 days",
    "days_15_30": "15–30 days",
    "days_over_30": "over 30 days",
}
PAGE_SIZE = 50


def status_q(now: dt.datetime) -> dict[str, Q]:
    """Each clock status as a condition on the clock row (cancelled clocks match none)."""
    paused = Q(state=ClockState.PAUSED)
    return {
        "met": Q(state=ClockState.MET),
        "missed": Q(state=ClockState.MISSED),
        "open_on_time": Q(state__in=LIVE, due_at__gte=now) | paused & Q(due_at__gte=F("paused_at")),
        "open_overdue": Q(state__in=LIVE, due_at__lt=now) | paused & Q(due_at__lt=F("paused_at")),
        "pending": Q(state=ClockState.PENDING),
    }


def clock_status(
    state: str, due_at: dt.datetime | None, paused_at: dt.datetime | None, now: dt.datetime
) -> str | None:
    """The same rule as `status_q`, for one clock in Python (the universe export)."""
    if state in ("met", "missed", "pending"):
        return state
    if due_at is None:
        return None
    if state in LIVE:
        return "open_on_time" if due_at >= now else "open_overdue"
    if state == ClockState.PAUSED and paused_at is not None:
        return "open_on_time" if due_at >= paused_at else "open_overdue"
    return None


def on_time_pct(met: int, missed: int, overdue: int) -> float | None:
    known = met + missed + overdue
    return round(100 * met / known, 1) if known else None


# -- the packs' clocks, in the order their processes list them ---------------------------------
@cache
def pack_clocks() -> dict[tuple[str, str], tuple[int, str, bool]]:
    """(program, clock id) → (order, label, binding), over every pack version."""
    found: dict[tuple[str, str], tuple[int, str, bool]] = {}
    registry = default_registry()
    for program in registry.programs():
        for loaded in reversed(registry.versions(program)):  # the newest label wins
            for process in loaded.pack.processes:
                for clock in process.clocks:
                    key = (program, clock.id)
                    if key not in found:
                        found[key] = (len(found), clock.label, clock.binding)
    return found


def clock_ids() -> list[str]:
    """Every clock id of every program, each once, in pack order (the universe's columns)."""
    return list(dict.fromkeys(clock for _, clock in pack_clocks()))


@cache
def handler_names() -> dict[tuple[str, str], str]:
    registry = default_registry()
    return {
        (program, hid): handler.name
        for program in registry.programs()
        for loaded in registry.versions(program)
        for hid, handler in loaded.pack.handlers.items()
    }


# -- timeliness --------------------------------------------------------------------------------
@dataclass(frozen=True)
class TimelinessRow:
    program: str
    clock: str
    label: str
    binding: bool
    by: str | None  # the dimension the rows are split by, if any
    group: str | None  # its value as a filter parameter ("regence", "2", "true", "2026-03")
    group_label: str
    met: int
    missed: int
    open_on_time: int
    open_overdue: int
    pending: int
    total: int  # met + missed + open on time + open overdue (pending apart)
    on_time_pct: float | None


def _group(by: str | None, f: ReportFilter) -> Any:
    if by is None:
        return None
    if by in ("handler", "kind", "level", "expedited"):
        return F(f"case__{by}")
    if by == "month_received":
        return YearMonth("case__received_date")
    if by == "month_due":
        return _local(TruncMonth, "due_at")
    if by == "week_due":  # the dashboard's chart; no figure of the report pages drills to it
        return _local(TruncWeek, "due_at")
    raise InvalidInput(f"by: {quoted(by)} is not one of {', '.join(DIMENSIONS)}", field="by")


def _local(trunc: type[TruncBase], field: str) -> Any:
    """The month or week (`trunc`) of a clock's instant in its program's zone: its local date's
    month, or the Monday of its local date's week (SPEC 3: dates are the zone's local dates)."""
    keys = {tz.key: tz for tz in zones().values()}
    if len(keys) == 1:
        return trunc(field, tzinfo=next(iter(keys.values())))
    return CaseWhen(
        *(
            When(
                case__program__in=[p for p, tz in zones().items() if tz.key == key],
                then=trunc(field, tzinfo=tz),
            )
            for key, tz in keys.items()
        )
    )


def _group_value(by: str | None, value: Any) -> tuple[str | None, str]:
    """A group's value as a filter parameter, and in words."""
    if by is None:
        return None, ""
    if value is None:
        if by == "level":
            return "none", "no level"
        if by in ("month_due", "week_due"):  # pending clocks
            return "none", "no due time"
        return None, "—"
    if by == "expedited":
        return ("true", "expedited") if value else ("false", "standard")
    if by == "level":
        return str(value), f"level {value}"
    if by == "month_due":
        text = value if isinstance(value, str) else value.strftime("%Y-%m")
        return text[:7], text[:7]
    if by == "week_due":  # the Monday, as the volumes' weeks
        text = value if isinstance(value, str) else value.strftime("%Y-%m-%d")
        return text[:10], f"week of {text[:10]}"
    if by == "kind":
        return str(value), str(value).replace("_", " ")
    return str(value), str(value)


@replica.reads()  # a replica's copy, when it is fit to read from
def timeliness(
    f: ReportFilter,
    *,
    within: Q | None = None,
    by: str | None = None,
    now: dt.datetime | None = None,
) -> list[TimelinessRow]:
    """Clocks by status per program and clock id (and `by`): one GROUP BY statement."""
    now = now or timezone.now()
    group = _group(by, f)
    clocks = (
        Clock.objects.exclude(state=ClockState.CANCELLED)
        .filter(f.case_q(within=within, prefix="case__"))
        .filter(f.due_q())
    )
    keys: dict[str, Any] = {"report_program": F("case__program"), "report_clock": F("clock_id")}
    if group is not None:
        keys["report_group"] = group
    counts = {name: Count("pk", filter=q) for name, q in status_q(now).items()}
    found = clocks.values(**keys).annotate(**counts).order_by()
    known = pack_clocks()
    rows = []
    for r in found:
        program, clock = r["report_program"], r["report_clock"]
        order, label, binding = known.get((program, clock), (len(known), clock, True))
        param, words = _group_value(by, r.get("report_group"))
        if by == "handler" and param:
            words = handler_names().get((program, param), param)
        row = TimelinessRow(
            program=program,
            clock=clock,
            label=label,
            binding=binding,
            by=by,
            group=param,
            group_label=words,
            met=r["met"],
            missed=r["missed"],
            open_on_time=r["open_on_time"],
            open_overdue=r["open_overdue"],
            pending=r["pending"],
            total=r["met"] + r["missed"] + r["open_on_time"] + r["open_overdue"],
            on_time_pct=on_time_pct(r["met"], r["missed"], r["open_overdue"]),
        )
        rows.append((program, order, param is None, param or "", row))
    rows.sort(key=lambda x: x[:4])
    return [r[-1] for r in rows]


def timeliness_totals(rows: Iterable[TimelinessRow]) -> list[TimelinessRow]:
    """One row per program and clock id, summed over the groups (exact: the groups partition
    the clocks)."""
    summed: dict[tuple[str, str], TimelinessRow] = {}
    for row in rows:
        key = (row.program, row.clock)
        before = summed.get(key)
        counts = {s: getattr(row, s) + (getattr(before, s) if before else 0) for s in STATUSES}
        summed[key] = TimelinessRow(
            program=row.program,
            clock=row.clock,
            label=row.label,
            binding=row.binding,
            by=None,
            group=None,
            group_label="",
            **counts,
            total=counts["met"]
            + counts["missed"]
            + counts["open_on_time"]
            + counts["open_overdue"],
            on_time_pct=on_time_pct(counts["met"], counts["missed"], counts["open_overdue"]),
        )
    return list(summed.values())


# -- volumes, outcomes, aging ------------------------------------------------------------------
@dataclass(frozen=True)
class VolumeRow:
    period: str  # '2026-03' (month) or the Monday '2026-03-02' (week), of the local receipt date
    program: str
    kind: str
    category: str
    channel: str
    received: int


@replica.reads()  # a replica's copy, when it is fit to read from
def volumes(f: ReportFilter, *, within: Q | None = None, period: str = "month") -> list[VolumeRow]:
    """Cases received per period, by program, kind, category and channel: one statement."""
    if period not in PERIODS:
        raise InvalidInput(f"period: {quoted(period)} is not month or week", field="period")
    bucket = YearMonth("received_date") if period == "month" else WeekStart("received_date")
    found = (
        Case.objects.filter(f.case_q(within=within))
        .values("program", "kind", "category", "channel", report_period=bucket)
        .annotate(received=Count("pk"))
        .order_by()
    )
    rows = [
        VolumeRow(
            period=str(r["report_period"]),
            program=r["program"],
            kind=r["kind"],
            category=r["category"],
            channel=r["channel"],
            received=r["received"],
        )
        for r in found
    ]
    rows.sort(key=lambda r: (r.period, r.program, r.kind, r.category, r.channel))
    return rows


@dataclass(frozen=True)
class OutcomeRow:
    program: str
    kind: str
    level: int | None
    upheld: int
    overturned: int
    partially_overturned: int
    withdrawn: int
    dismissed: int
    decided: int  # upheld + overturned + partially overturned
    overturn_rate: float | None  # (overturned + partially overturned) / decided, in %
    average_days: float | None  # from receipt to decision, decided cases only
    p90_days: float | None  # nearest rank: the ceil(0.9 n)-th smallest


OUTCOMES_SQL = """
SELECT program, kind, level, outcome, COUNT(*), SUM(days),
       MIN(CASE WHEN rn = (9 * n + 9) / 10 THEN days END)
FROM (SELECT s.program, s.kind, s.level, s.outcome, s.days,
             ROW_NUMBER() OVER (PARTITION BY s.program, s.kind, s.level, s.days IS NULL
                                ORDER BY s.days) AS rn,
             COUNT(*) OVER (PARTITION BY s.program, s.kind, s.level, s.days IS NULL) AS n
      FROM ({cases}) s) t
GROUP BY program, kind, level, outcome
"""


@replica.reads()  # a replica's copy, when it is fit to read from
def outcomes(f: ReportFilter, *, within: Q | None = None) -> list[OutcomeRow]:
    """Decisions and dismissals by outcome per program, kind and level, the overturn rate, and
    the average and 90th-percentile days from receipt to decision: one statement (the
    percentile by a window over the decided cases, the same SQL on SQLite and PostgreSQL)."""
    cases = (
        Case.objects.filter(f.case_q(within=within))
        .exclude(outcome="")
        .values("program", "kind", "level", "outcome")
        .annotate(days=_decision_days())
        .order_by()
    )
    inner, params = cases.query.sql_with_params()
    with replica.cursor() as cursor:
        cursor.execute(OUTCOMES_SQL.format(cases=inner), params)
        found = cursor.fetchall()
    groups: dict[tuple[str, str, int | None], dict[str, Any]] = {}
    for program, kind, level, outcome, n, days_sum, p90 in found:
        g = groups.setdefault((program, kind, level), {o: 0 for o in OUTCOMES} | {"days": 0.0})
        g[outcome] = g.get(outcome, 0) + n
        if outcome in DECISIONS:
            g["days"] += days_sum or 0.0
            if p90 is not None:
                g["p90"] = p90
    rows = []
    for (program, kind, level), g in sorted(groups.items(), key=lambda x: _sort_key(x[0])):
        decided = sum(g[o] for o in DECISIONS)
        overturned = g["overturned"] + g["partially_overturned"]
        rows.append(
            OutcomeRow(
                program=program,
                kind=kind,
                level=level,
                upheld=g["upheld"],
                overturned=g["overturned"],
                partially_overturned=g["partially_overturned"],
                withdrawn=g["withdrawn"],
                dismissed=g["dismissed"],
                decided=decided,
                overturn_rate=_share(overturned, decided),
                average_days=round(g["days"] / decided, 2) if decided else None,
                p90_days=_days(g.get("p90")),
            )
        )
    return rows


def _sort_key(key: tuple[str, str, int | None]) -> tuple[str, str, int]:
    program, kind, level = key
    return program, kind, level or 0


@dataclass(frozen=True)
class AgingRow:
    program: str
    kind: str
    level: int | None
    days_0_7: int
    days_8_14: int
    days_15_30: int
    days_over_30: int
    total: int


def bucket_q(bucket: str, now: dt.datetime, prefix: str = "") -> Q:
    """Open cases whose age (today's local date minus the local receipt date) is in the bucket."""
    if bucket not in BUCKETS:
        raise InvalidInput(
            f"bucket: {quoted(bucket)} is not one of {', '.join(BUCKETS)}", field="bucket"
        )
    youngest, oldest = BUCKETS[bucket]

    def ages(tz: Any) -> Q:
        today = now.astimezone(tz).date()
        q = Q(**{prefix + "received_date__lte": today - dt.timedelta(days=youngest)})
        if oldest is not None:
            q &= Q(**{prefix + "received_date__gte": today - dt.timedelta(days=oldest)})
        return q

    return Q(**{prefix + "is_open": True}) & by_zone(ages, prefix)


@replica.reads()  # a replica's copy, when it is fit to read from
def aging(
    f: ReportFilter, *, within: Q | None = None, now: dt.datetime | None = None
) -> list[AgingRow]:
    """Open cases by age bucket per program, kind and level, as of now: one statement. The
    date range does not apply (an old open case is what this report is for)."""
    now = now or timezone.now()
    found = (
        Case.objects.filter(f.case_q(within=within, dates=False), is_open=True)
        .values("program", "kind", "level")
        .annotate(**{b: Count("pk", filter=bucket_q(b, now)) for b in BUCKETS})
        .order_by()
    )
    rows = [
        AgingRow(
            program=r["program"],
            kind=r["kind"],
            level=r["level"],
            **{b: r[b] for b in BUCKETS},
            total=sum(r[b] for b in BUCKETS),
        )
        for r in found
    ]
    rows.sort(key=lambda r: _sort_key((r.program, r.kind, r.level)))
    return rows


# -- public metrics (CMS-0057-F) ---------------------------------------------------------------
# docs/reports.md, "Public metrics": the figures plans publish for prior authorization, counted
# over the requests appealdesk decides. A request is the first level of its matter (no prior
# level) of a kind that asks for a service or a payment; complaints and grievances are not.
REQUEST_KINDS = ("appeal", "expedited_appeal", "clinical_appeal")
APPROVALS = ("overturned", "partially_overturned")
PUBLIC_FIGURES = (
    "requests",
    "decided",
    "approved",
    "partially_approved",
    "denied",
    "approved_after_appeal",
    "extended_approved",
    "pending",
    "not_decided",
)
PUBLIC_LABELS = {
    "requests": "requests",
    "decided": "decided",
    "approved": "approved",
    "partially_approved": "of which in part",
    "denied": "denied",
    "approved_after_appeal": "approved after appeal",
    "extended_approved": "extended and approved",
    "pending": "pending",
    "not_decided": "closed without a decision",
}


def requests_q(prefix: str = "") -> Q:
    return Q(**{prefix + "kind__in": REQUEST_KINDS, prefix + "prior__isnull": True})


def public_q(figure: str) -> Q:
    """The requests one figure counts (of `requests_q`), as a condition on the case row."""
    decided = Q(outcome__in=DECISIONS)
    # a later level of the same matter (a level-2 appeal, an independent review) approved it
    reversed_later = Exists(
        Case.objects.filter(matter_id=OuterRef("pk"), outcome__in=APPROVALS).exclude(
            pk=OuterRef("pk")
        )
    )
    extended = Exists(Extension.objects.filter(clock__case_id=OuterRef("pk")))
    figures = {
        "requests": Q(),
        "decided": decided,
        "approved": Q(outcome__in=APPROVALS),
        "partially_approved": Q(outcome="partially_overturned"),
        "denied": Q(outcome="upheld"),
        "approved_after_appeal": Q(outcome="upheld") & Q(reversed_later),
        "extended_approved": Q(outcome__in=APPROVALS) & Q(extended),
        "pending": ~decided & Q(is_open=True),
        "not_decided": ~decided & Q(is_open=False),
    }
    return figures[figure]


@dataclass(frozen=True)
class PublicRow:
    year: int  # of the local receipt date
    program: str
    track: str  # standard or expedited
    requests: int
    decided: int  # approved + denied
    approved: int  # overturned or partially overturned: the service or payment granted
    partially_approved: int  # of which in part
    denied: int  # upheld
    approved_after_appeal: int  # denied, then approved at a later level of the matter
    extended_approved: int  # approved, and a clock of the request was extended
    pending: int  # open, not decided yet
    not_decided: int  # closed without a decision: dismissed, withdrawn, redirected
    approved_pct: float | None  # of decided
    denied_pct: float | None
    approved_after_appeal_pct: float | None
    extended_approved_pct: float | None
    average_days: float | None  # receipt to decision, decided requests
    median_days: float | None  # the middle one; of an even number, the mean of the two


PUBLIC_SQL = """
SELECT report_year, program, expedited, COUNT(*), {sums}, AVG(days),
       AVG(CASE WHEN rn IN ((n + 1) / 2, (n + 2) / 2) THEN days END)
FROM (SELECT s.*,
             ROW_NUMBER() OVER (PARTITION BY s.report_year, s.program, s.expedited,
                                             s.days IS NULL ORDER BY s.days) AS rn,
             COUNT(*) OVER (PARTITION BY s.report_year, s.program, s.expedited,
                                         s.days IS NULL) AS n
      FROM ({cases}) s) t
GROUP BY report_year, program, expedited
"""


@replica.reads()  # a replica's copy, when it is fit to read from
def public_metrics(f: ReportFilter, *, within: Q | None = None) -> list[PublicRow]:
    """Per year of receipt, program and track (standard, expedited): the requests approved,
    denied, approved after appeal, extended and approved, with their shares of the decided
    ones, and the average and median days from receipt to decision. One statement: each
    request flagged per figure, summed; the median by a window over the decided ones (the same
    SQL on SQLite and PostgreSQL)."""
    counted = PUBLIC_FIGURES[1:]
    flags = {
        f"f_{name}": CaseWhen(
            When(public_q(name), then=Value(1)), default=Value(0), output_field=IntegerField()
        )
        for name in counted
    }
    cases = (
        Case.objects.filter(f.case_q(within=within), requests_q())
        .values("program", "expedited")
        .annotate(report_year=Year("received_date"), days=_decision_days(), **flags)
        .order_by()
    )
    inner, params = cases.query.sql_with_params()
    sums = ", ".join(f"SUM(f_{name})" for name in counted)
    with replica.cursor() as cursor:
        cursor.execute(PUBLIC_SQL.format(cases=inner, sums=sums), params)
        found = cursor.fetchall()
    rows = []
    for year, program, expedited, requests, *rest in found:
        counts: dict[str, int] = dict(zip(counted, rest[: len(counted)], strict=True))
        average, median = rest[len(counted) :]
        decided = counts["decided"]
        rows.append(
            PublicRow(
                year=int(year),
                program=program,
                track="expedited" if expedited else "standard",
                requests=requests,
                **counts,
                approved_pct=_share(counts["approved"], decided),
                denied_pct=_share(counts["denied"], decided),
                approved_after_appeal_pct=_share(counts["approved_after_appeal"], decided),
                extended_approved_pct=_share(counts["extended_approved"], decided),
                average_days=_days(average),
                median_days=_days(median),
            )
        )
    rows.sort(key=lambda r: (r.year, r.program, r.track != "standard"))
    return rows


def _decision_days() -> Any:
    """Days from receipt to decision, decided cases only (else NULL)."""
    return CaseWhen(
        When(
            outcome__in=DECISIONS,
            decided_at__isnull=False,
            then=ElapsedDays("received_at", "decided_at"),
        ),
        default=Value(None),
        output_field=FloatField(),
    )


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _days(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


# -- the cases behind a figure -----------------------------------------------------------------
@dataclass(frozen=True)
class Drill:
    """Which figure: a clock and status (timeliness), a month or week of receipt, a month of
    the due date, an outcome ("decided": any decision), an age bucket of open cases, a figure
    of the public metrics (of the requests received in `year`)."""

    clock: str | None = None
    status: str | None = None
    month_received: str | None = None
    month_due: str | None = None
    week: dt.date | None = None
    outcome: str | None = None
    bucket: str | None = None
    open: bool | None = None
    figure: str | None = None
    year: int | None = None

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Drill:
        text = given(data)
        status = text.get("status")
        if status is not None and status not in STATUSES:
            raise InvalidInput(
                f"status: {quoted(status)} is not one of {', '.join(STATUSES)}", field="status"
            )
        outcome = text.get("outcome")
        if outcome is not None and outcome not in (*OUTCOMES, "decided"):
            raise InvalidInput(
                f"outcome: {quoted(outcome)} is not decided or one of {', '.join(OUTCOMES)}",
                field="outcome",
            )
        bucket = text.get("bucket")
        if bucket is not None and bucket not in BUCKETS:
            raise InvalidInput(
                f"bucket: {quoted(bucket)} is not one of {', '.join(BUCKETS)}", field="bucket"
            )
        week = None
        if "week" in text:
            try:
                week = dt.date.fromisoformat(text["week"])
            except ValueError:
                raise InvalidInput(
                    "week: the Monday the week starts, as YYYY-MM-DD", field="week"
                ) from None
        for name in ("month_received", "month_due"):
            if name in text and text[name] != "none":
                month_range(text[name], name)
        if status is not None and "clock" not in text:
            raise InvalidInput("status: say which clock (clock=…)", field="clock")
        figure = text.get("figure")
        if figure is not None and figure not in PUBLIC_FIGURES:
            raise InvalidInput(
                f"figure: {quoted(figure)} is not one of {', '.join(PUBLIC_FIGURES)}",
                field="figure",
            )
        if figure is not None and "clock" in text:
            raise InvalidInput("figure: a figure of requests, not of a clock", field="figure")
        return cls(
            clock=ident(text.get("clock"), "clock"),
            status=status,
            month_received=text.get("month_received"),
            month_due=text.get("month_due"),
            week=week,
            outcome=outcome,
            bucket=bucket,
            open=flag(text.get("open"), "open"),
            figure=figure,
            year=_year(text.get("year")),
        )

    def params(self) -> dict[str, str]:
        out = {}
        for name in (
            "clock",
            "status",
            "month_received",
            "month_due",
            "week",
            "outcome",
            "bucket",
            "figure",
            "year",
        ):
            value = getattr(self, name)
            if value is not None:
                out[name] = str(value)
        if self.open is not None:
            out["open"] = "true" if self.open else "false"
        return out

    def case_q(self, now: dt.datetime, prefix: str = "") -> Q:
        q = Q()
        if self.month_received:
            q &= received_q(*month_range(self.month_received, "month_received"), prefix)
        if self.week:
            q &= received_q(self.week, self.week + dt.timedelta(days=6), prefix)
        if self.outcome == "decided":
            q &= Q(**{prefix + "outcome__in": DECISIONS})
        elif self.outcome:
            q &= Q(**{prefix + "outcome": self.outcome})
        if self.bucket:
            q &= bucket_q(self.bucket, now, prefix)
        if self.open is not None:
            q &= Q(**{prefix + "is_open": self.open})
        if self.year is not None:
            q &= received_q(dt.date(self.year, 1, 1), dt.date(self.year, 12, 31), prefix)
        if self.figure is not None:  # never with a clock (parse): no prefix
            q &= requests_q() & public_q(self.figure)
        return q


def _year(value: str | None) -> int | None:
    if value is None:
        return None
    if value.isascii() and value.isdigit() and len(value) == 4 and value != "0000":
        return int(value)
    raise InvalidInput(f"year: {quoted(value)} is not a year; use YYYY, e.g. 2026", field="year")


@dataclass(frozen=True)
class CaseRow:
    number: str
    program: str
    kind: str
    level: int | None
    expedited: bool
    category: str
    channel: str
    received_at: dt.datetime
    state: str
    outcome: str
    handler: str
    owner: str | None
    clock_state: str | None = None
    due_at: dt.datetime | None = None
    met_at: dt.datetime | None = None


CASE_FIELDS = (
    "number",
    "program",
    "kind",
    "level",
    "expedited",
    "category",
    "channel",
    "received_at",
    "state",
    "outcome",
    "handler",
    "owner__username",
)


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseRow]
    count: int
    next_cursor: str | None = None
    clock: str | None = field(default=None)
    case_ids: list[int] = field(default_factory=list)  # of `rows`, for the access log

    def shown(self) -> list[dict[str, object]]:
        """The cases on this page as the access log names them (id and number)."""
        return [
            {"id": i, "number": r.number} for i, r in zip(self.case_ids, self.rows, strict=True)
        ]


@replica.reads()  # a replica's copy, when it is fit to read from
def cases_behind(
    f: ReportFilter,
    drill: Drill,
    *,
    within: Q | None = None,
    now: dt.datetime | None = None,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> CasePage:
    """The cases counted in one figure of a report, in the order they were taken in (keyset
    pages by id): two statements (the page and its count), whatever the figure."""
    now = now or timezone.now()
    after = _cursor(cursor)
    if drill.clock:
        rows: Any = (
            Clock.objects.exclude(state=ClockState.CANCELLED)
            .filter(clock_id=drill.clock)
            .filter(f.case_q(within=within, prefix="case__"), f.due_q())
            .filter(drill.case_q(now, "case__"))
        )
        if drill.status:
            rows = rows.filter(status_q(now)[drill.status])
        if drill.month_due == "none":
            rows = rows.filter(due_at__isnull=True)
        elif drill.month_due:
            rows = rows.filter(
                instant_q("due_at", *month_range(drill.month_due, "month_due"), "case__")
            )
        key, names = "case_id", [f"case__{n}" for n in CASE_FIELDS] + ["state", "due_at", "met_at"]
    else:
        rows = Case.objects.filter(f.case_q(within=within), drill.case_q(now))
        key, names = "id", list(CASE_FIELDS)
    count = rows.count()
    if after is not None:
        rows = rows.filter(**{f"{key}__gt": after})
    found = list(rows.order_by(key).values_list(key, *names)[: limit + 1])
    items = [CaseRow(*r[1:]) for r in found[:limit]]
    more = len(found) > limit
    return CasePage(
        rows=items,
        count=count,
        next_cursor=str(found[limit - 1][0]) if more else None,
        clock=drill.clock,
        case_ids=[r[0] for r in found[:limit]],
    )


def _cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    if not (cursor.isascii() and cursor.isdigit() and 0 < int(cursor) < 2**63):
        raise InvalidInput("cursor: not one this list gave out", field="cursor")
    return int(cursor)
