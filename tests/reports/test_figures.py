"""Every figure of every report, checked against numbers computed here, independently, from the
raw case and clock rows; and the list behind every figure, checked case by case.

The world (conftest) is built through the services at fixed past times; its clocks end in known
states, asserted first so the figures below are about the world described."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from appealdesk.cases.models import Clock
from appealdesk.reports import selectors, universe
from appealdesk.reports.filters import ReportFilter
from appealdesk.reports.selectors import Drill
from tests.reports.conftest import NOW, at

pytestmark = pytest.mark.django_db

LA = ZoneInfo("America/Los_Angeles")
STATUSES = ("met", "missed", "open_on_time", "open_overdue", "pending")

FILTERS = {
    "everything": {},
    "ump": {"program": "ump"},
    "genex": {"program": "genex-ur"},
    "received Feb-Apr": {"from": "2026-02-01", "to": "2026-04-30"},
    "received from March": {"from": "2026-03-01"},
    "due Mar-Jun": {"basis": "due", "from": "2026-03-01", "to": "2026-06-30"},
    "due to Feb 10": {"basis": "due", "to": "2026-02-10"},
    "handler wsrxs": {"handler": "wsrxs"},
    "appeals level 1": {"kind": "appeal", "level": "1"},
    "no level": {"level": "none"},
    "expedited": {"expedited": "true"},
    "standard by fax": {"expedited": "false", "channel": "fax"},
}
RECEIPT = [name for name, params in FILTERS.items() if params.get("basis") != "due"]
BY = (None, "handler", "kind", "level", "expedited", "month_received", "month_due")


# -- the raw rows and the definitions, written out again ---------------------------------------
def raw_clocks() -> list[dict[str, Any]]:
    from appealdesk.cases.models import Clock

    return list(
        Clock.objects.values(
            "clock_id",
            "state",
            "due_at",
            "met_at",
            "paused_at",
            "binding",
            "case__number",
            "case__program",
            "case__kind",
            "case__level",
            "case__expedited",
            "case__handler",
            "case__category",
            "case__channel",
            "case__received_date",
            "case__is_open",
        )
    )


def raw_cases() -> list[dict[str, Any]]:
    from appealdesk.cases.models import Case

    return list(Case.objects.values())


def status(clock: dict[str, Any]) -> str | None:
    state, due = clock["state"], clock["due_at"]
    if state == "cancelled":
        return None
    if state in ("met", "missed", "pending"):
        return state
    if state == "paused":  # the clock stood still when it was paused
        return "open_on_time" if due >= clock["paused_at"] else "open_overdue"
    return "open_on_time" if due >= NOW else "open_overdue"


def case_matches(case: dict[str, Any], params: dict[str, str]) -> bool:
    """The filter, applied to one case (keys without the case__ prefix)."""
    for name in ("program", "handler", "kind", "category", "channel"):
        if name in params and case[name] != params[name]:
            return False
    if "level" in params:
        wanted = None if params["level"] == "none" else int(params["level"])
        if case["level"] != wanted:
            return False
    if "expedited" in params and case["expedited"] != (params["expedited"] == "true"):
        return False
    if params.get("basis", "received") == "received":
        day = case["received_date"]
        if "from" in params and day < dt.date.fromisoformat(params["from"]):
            return False
        if "to" in params and day > dt.date.fromisoformat(params["to"]):
            return False
    return True


def clock_matches(clock: dict[str, Any], params: dict[str, str]) -> bool:
    case = {k.removeprefix("case__"): v for k, v in clock.items() if k.startswith("case__")}
    if not case_matches(case, params):
        return False
    if params.get("basis") == "due":
        if clock["due_at"] is None:
            return False
        day = clock["due_at"].astimezone(LA).date()
        if "from" in params and day < dt.date.fromisoformat(params["from"]):
            return False
        if "to" in params and day > dt.date.fromisoformat(params["to"]):
            return False
    return True


def group_of(clock: dict[str, Any], by: str | None) -> str | None:
    if by is None:
        return None
    if by == "month_received":
        return clock["case__received_date"].strftime("%Y-%m")
    if by == "month_due":
        return clock["due_at"].astimezone(LA).strftime("%Y-%m") if clock["due_at"] else "none"
    value = clock[f"case__{by}"]
    if by == "level":
        return "none" if value is None else str(value)
    if by == "expedited":
        return "true" if value else "false"
    return str(value)


def expected_timeliness(params: dict[str, str], by: str | None) -> dict[tuple, dict[str, Any]]:
    cells: dict[tuple, dict[str, list[str]]] = defaultdict(lambda: {s: [] for s in STATUSES})
    for clock in raw_clocks():
        found = status(clock)
        if found is None or not clock_matches(clock, params):
            continue
        key = (clock["case__program"], clock["clock_id"], group_of(clock, by))
        cells[key][found].append(clock["case__number"])
    return cells


# -- the world is what the conftest says -------------------------------------------------------
def test_the_world_ends_in_the_states_described(world):
    def state(case: str, clock: str) -> str | None:
        return status(
            next(
                c
                for c in raw_clocks()
                if c["case__number"] == world.cases[case].number
                and c["clock_id"] == clock
                and c["state"] != "cancelled"
            )
        )

    assert [state("A", c) for c in ("acknowledge", "decision_target", "decision")] == ["met"] * 3
    assert [state("B", c) for c in ("acknowledge", "decision_target", "decision")] == ["missed"] * 3
    assert state("C", "acknowledge") == "missed"  # marked by the sweep
    assert state("C", "decision") == "open_overdue"  # nobody has swept since
    assert state("D", "response") == "open_on_time"
    assert [state("E", c) for c in ("decision", "verbal_notice", "written_notice")] == ["met"] * 3
    assert world.clock("F", "decision").state == "extended"
    assert state("F", "decision") == "open_on_time"
    assert {c["state"] for c in raw_clocks() if c["case__number"] == world.cases["G"].number} == {
        "cancelled"
    }
    assert state("H", "investigation") == "met"
    assert state("H", "decision_notice") == "open_overdue"
    assert state("I", "decision_notice") == "pending"
    assert world.cases["J"].level == 2 and world.cases["J"].outcome == "partially_overturned"
    k_states = Counter(
        c["state"] for c in raw_clocks() if c["case__number"] == world.cases["K"].number
    )
    assert k_states["cancelled"] >= 1  # replaced at the reclassification
    assert state("L", "response") == "open_on_time"  # paused before it was due
    assert state("M", "response") == "open_overdue"  # paused after


# -- timeliness --------------------------------------------------------------------------------
@pytest.mark.parametrize("by", BY)
@pytest.mark.parametrize("name", FILTERS)
def test_timeliness_figures_and_the_cases_behind_them(world, name, by):
    params = FILTERS[name]
    expected = expected_timeliness(params, by)
    rows = selectors.timeliness(ReportFilter.parse(params), by=by, now=NOW)
    got = {(r.program, r.clock, r.group): r for r in rows}
    assert set(got) == set(expected), name
    for key, row in got.items():
        want = expected[key]
        assert {s: getattr(row, s) for s in STATUSES} == {s: len(want[s]) for s in STATUSES}, key
        met, missed, overdue = (len(want[s]) for s in ("met", "missed", "open_overdue"))
        known = met + missed + overdue
        assert row.on_time_pct == (round(100 * met / known, 1) if known else None)
        assert row.total == sum(len(want[s]) for s in STATUSES if s != "pending")
        # the list behind each number: the same filter and figure through the link's parameters
        for s in STATUSES:
            link = {**params, "program": row.program, "clock": row.clock, "status": s}
            if by is not None and row.group is not None:
                link[by] = row.group
            page = selectors.cases_behind(
                ReportFilter.parse(link), Drill.parse(link), now=NOW, limit=500
            )
            assert page.count == len(want[s]), (key, s)
            assert sorted(r.number for r in page.rows) == sorted(want[s]), (key, s)


def test_timeliness_totals_sum_the_groups(world):
    by_month = selectors.timeliness(ReportFilter(), by="month_received", now=NOW)
    whole = {(r.program, r.clock): r for r in selectors.timeliness(ReportFilter(), now=NOW)}
    for total in selectors.timeliness_totals(by_month):
        row = whole[(total.program, total.clock)]
        assert [getattr(total, s) for s in STATUSES] == [getattr(row, s) for s in STATUSES]
        assert total.on_time_pct == row.on_time_pct


def test_timeliness_by_week_of_the_due_date(world):
    """The dashboard's grouping: the Monday of each clock's local due date (pending clocks
    apart), the same counts as every other grouping."""
    expected: dict[tuple, Counter[str]] = defaultdict(Counter)
    for clock in raw_clocks():
        found = status(clock)
        if found is None:
            continue
        due = clock["due_at"]
        week = week_of(due.astimezone(LA).date()) if due else "none"
        expected[(clock["case__program"], clock["clock_id"], week)][found] += 1
    rows = selectors.timeliness(ReportFilter(), by="week_due", now=NOW)
    got = {(r.program, r.clock, r.group): {s: getattr(r, s) for s in STATUSES} for r in rows}
    assert got == {k: {s: v[s] for s in STATUSES} for k, v in expected.items()}


def test_a_clock_due_late_sunday_evening_pacific_is_in_that_local_week(world):
    # seed: "dates are that zone's local dates": Sunday 22:30 PST is Monday 06:30 UTC
    clock = world.clock("A", "decision")
    Clock.objects.filter(pk=clock.pk).update(due_at=at("2026-03-01T22:30:00-08:00"))
    sunday = ReportFilter(program="ump", basis="due", date_from=dt.date(2026, 3, 1))
    rows = selectors.timeliness(sunday.replace(date_to=dt.date(2026, 3, 1)), by="week_due", now=NOW)
    assert [(r.clock, r.group, r.group_label, r.met) for r in rows] == [
        ("decision", "2026-02-23", "week of 2026-02-23", 1)
    ]


# -- volumes -----------------------------------------------------------------------------------
def week_of(day: dt.date) -> str:
    return (day - dt.timedelta(days=day.weekday())).isoformat()


@pytest.mark.parametrize("period", ["month", "week"])
@pytest.mark.parametrize("name", RECEIPT)
def test_volumes(world, name, period):
    params = FILTERS[name]
    expected: Counter[tuple] = Counter()
    numbers: dict[tuple, list[str]] = defaultdict(list)
    for case in raw_cases():
        if not case_matches(case, params):
            continue
        day = case["received_date"]
        bucket = day.strftime("%Y-%m") if period == "month" else week_of(day)
        key = (bucket, case["program"], case["kind"], case["category"], case["channel"])
        expected[key] += 1
        numbers[(bucket, case["kind"])].append(case["number"])
    rows = selectors.volumes(ReportFilter.parse(params), period=period)
    assert {(r.period, r.program, r.kind, r.category, r.channel): r.received for r in rows} == dict(
        expected
    )
    # the desk's cells (a period and a kind) list their cases
    for (bucket, kind), want in numbers.items():
        link = {**params, "kind": kind, ("month_received" if period == "month" else "week"): bucket}
        page = selectors.cases_behind(ReportFilter.parse(link), Drill.parse(link), now=NOW)
        assert sorted(r.number for r in page.rows) == sorted(want)


# -- outcomes ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", RECEIPT)
def test_outcomes(world, name):
    params = FILTERS[name]
    groups: dict[tuple, dict[str, Any]] = defaultdict(lambda: {"outcomes": Counter(), "days": []})
    for case in raw_cases():
        if not case_matches(case, params) or not case["outcome"]:
            continue
        g = groups[(case["program"], case["kind"], case["level"])]
        g["outcomes"][case["outcome"]] += 1
        if case["outcome"] in ("upheld", "overturned", "partially_overturned"):
            seconds = (case["decided_at"] - case["received_at"]).total_seconds()
            g["days"].append(seconds / 86400)
    rows = {(r.program, r.kind, r.level): r for r in selectors.outcomes(ReportFilter.parse(params))}
    assert set(rows) == set(groups)
    for key, g in groups.items():
        row, counts, days = rows[key], g["outcomes"], sorted(g["days"])
        for outcome in ("upheld", "overturned", "partially_overturned", "withdrawn", "dismissed"):
            assert getattr(row, outcome) == counts[outcome], (key, outcome)
        assert row.decided == len(days)
        if days:
            overturned = counts["overturned"] + counts["partially_overturned"]
            assert row.overturn_rate == round(100 * overturned / len(days), 1)
            assert row.average_days == pytest.approx(sum(days) / len(days), abs=0.006)
            assert row.p90_days == pytest.approx(days[math.ceil(0.9 * len(days)) - 1], abs=0.006)
        else:
            assert (row.overturn_rate, row.average_days, row.p90_days) == (None, None, None)


def test_ninetieth_percentile_is_the_nearest_rank(people):
    """Ten decided complaints taking 1..10 days: the 90th percentile is the 9th, the average
    5.5; one more (11 days) makes it the 10th of eleven (ceil(9.9) = 10)."""
    from appealdesk.cases import services as sv
    from tests.conftest import ump
    from tests.reports.conftest import at

    def complaint(day: int, took: int) -> None:
        received = at(f"2026-03-{day:02d}T10:00:00-08:00")
        case = sv.case_receive(
            request=ump(
                received_at=received.isoformat(), requested="complaint", category="wait_time"
            ),
            actor=people["bob"],
            now=received,
        )
        decided = received + dt.timedelta(days=took)
        sv.case_decide(
            case, actor=people["rita"], outcome="upheld", decided_at=decided, now=decided
        )

    for took in range(1, 11):
        complaint(took, took)
    (row,) = selectors.outcomes(ReportFilter())
    assert (row.decided, row.average_days, row.p90_days) == (10, 5.5, 9.0)
    complaint(20, 11)
    (row,) = selectors.outcomes(ReportFilter())
    assert (row.decided, row.average_days, row.p90_days) == (11, 6.0, 10.0)


# -- aging -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["everything", "ump", "genex", "handler wsrxs", "no level"])
def test_aging(world, name):
    params = FILTERS[name]
    today = NOW.astimezone(LA).date()
    expected: dict[tuple, Counter[str]] = defaultdict(Counter)
    numbers: dict[tuple, list[str]] = defaultdict(list)
    for case in raw_cases():
        if not case["is_open"] or not case_matches(case, params):
            continue
        age = (today - case["received_date"]).days
        bucket = (
            "days_0_7"
            if age <= 7
            else "days_8_14"
            if age <= 14
            else "days_15_30"
            if age <= 30
            else "days_over_30"
        )
        key = (case["program"], case["kind"], case["level"])
        expected[key][bucket] += 1
        numbers[(*key, bucket)].append(case["number"])
    rows = selectors.aging(ReportFilter.parse(params), now=NOW)
    assert {(r.program, r.kind, r.level) for r in rows} == set(expected)
    for r in rows:
        counts = expected[(r.program, r.kind, r.level)]
        assert {b: getattr(r, b) for b in selectors.BUCKETS} == {
            b: counts[b] for b in selectors.BUCKETS
        }
        assert r.total == sum(counts.values())
    for (program, kind, level, bucket), want in numbers.items():
        link = {
            **params,
            "program": program,
            "kind": kind,
            "level": "none" if level is None else str(level),
            "bucket": bucket,
        }
        page = selectors.cases_behind(ReportFilter.parse(link), Drill.parse(link), now=NOW)
        assert sorted(r.number for r in page.rows) == sorted(want)


# -- the universe ------------------------------------------------------------------------------
def utc_text(moment: dt.datetime | None) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def local_text(moment: dt.datetime | None) -> str:
    return moment.astimezone(LA).isoformat(timespec="seconds") if moment else ""


@pytest.mark.parametrize("name", FILTERS)
def test_universe_rows(world, name):
    params = FILTERS[name]
    header = universe.header()
    got = [
        dict(zip(header, row, strict=True))
        for batch in universe.rows(ReportFilter.parse(params), now=NOW, batch=3)
        for row in batch
    ]
    clocks_by_case: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for clock in raw_clocks():
        if clock["state"] != "cancelled":
            clocks_by_case[clock["case__number"]].append(clock)
    wanted = []
    for case in sorted(raw_cases(), key=lambda c: c["id"]):
        if not case_matches(case, params):
            continue
        mine = clocks_by_case[case["number"]]
        if params.get("basis") == "due" and not any(clock_matches(c, params) for c in mine):
            continue
        wanted.append((case, mine))
    assert [r["case_number"] for r in got] == [c["number"] for c, _ in wanted]
    for row, (case, mine) in zip(got, wanted, strict=True):
        assert row["received_utc"] == utc_text(case["received_at"])
        assert row["received_local"] == local_text(case["received_at"])
        assert row["received_date"] == case["received_date"].isoformat()
        assert row["decided_utc"] == utc_text(case["decided_at"])
        assert row["notified_local"] == local_text(case["notified_at"])
        ack = [c["met_at"] for c in mine if c["clock_id"] == "acknowledge" and c["met_at"]]
        assert row["acknowledged_utc"] == utc_text(ack[0] if ack else None)
        assert row["level"] == ("" if case["level"] is None else case["level"])
        assert row["expedited"] == ("Y" if case["expedited"] else "N")
        for key in ("disposition", "outcome", "handler", "state"):
            assert row[key] == case[key]
        late = sorted(
            c["clock_id"] for c in mine if c["binding"] and status(c) in ("missed", "open_overdue")
        )
        waiting = any(c["binding"] and status(c) in ("open_on_time", "pending") for c in mine)
        assert row["late_clocks"] == " ".join(late)
        assert row["timely"] == ("N" if late else "open" if waiting else "Y" if mine else "")
        for c in mine:
            assert row[f"{c['clock_id']}_status"] == status(c)
            assert row[f"{c['clock_id']}_due"] == local_text(c["due_at"])
            assert row[f"{c['clock_id']}_met"] == local_text(c["met_at"])
