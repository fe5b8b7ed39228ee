"""Time math of SPEC section 3: table-driven cases and hypothesis properties."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appealdesk.policy import assess, default_registry
from appealdesk.policy.assess import program_for
from appealdesk.policy.calendar import Calendar
from appealdesk.policy.schema import CalendarSpec, DatedEntry, HolidaySource, Source
from appealdesk.policy.timecalc import (
    add_years,
    compute_due,
    due_dates_many,
    window_day,
)
from tests.conftest import clocks, genex, ump

PT = ZoneInfo("America/Los_Angeles")
CA = program_for(default_registry().latest("genex-ur")).calendar
WA = program_for(default_registry().latest("ump")).calendar


def due(unit: str, length: int, start: str, calendar: Calendar = CA) -> tuple[str | None, str]:
    d = compute_due(
        unit=unit, length=length, start=dt.datetime.fromisoformat(start), tz=PT, calendar=calendar
    )
    return (d.due_date.isoformat() if d.due_date else None), d.due_at.isoformat()


# SPEC 3: "Hours — due_at = received_at + 72 h, exact instant arithmetic (a DST change does not
# move it)." 2026 DST starts Sun 8 March 02:00 PST and ends Sun 1 November 02:00 PDT.
HOURS = [
    ("2026-03-02T10:15:00-08:00", "2026-03-05T10:15:00-08:00"),
    ("2026-03-06T10:00:00-08:00", "2026-03-09T11:00:00-07:00"),  # spring forward: 11:00 PDT
    ("2026-10-30T10:00:00-07:00", "2026-11-02T09:00:00-08:00"),  # fall back: 09:00 PST
    ("2026-03-08T01:30:00-08:00", "2026-03-11T02:30:00-07:00"),
    ("2026-03-02T18:15:00+00:00", "2026-03-05T10:15:00-08:00"),  # given in UTC, shown in PT
]


@pytest.mark.parametrize(("start", "expected"), HOURS)
def test_hours_are_exact_across_dst(start, expected):
    due_date, due_at = due("hours", 72, start)
    assert due_date is None
    assert due_at == expected
    assert dt.datetime.fromisoformat(due_at) - dt.datetime.fromisoformat(start) == dt.timedelta(
        hours=72
    )


def test_seventy_two_hours_across_dst_through_assess():
    result = assess(
        ump(filed_by="provider", expedited=True, received_at="2026-03-06T10:00:00-08:00")
    )
    assert clocks(result)["decision"]["due_at"] == "2026-03-09T11:00:00-07:00"


# SPEC 3: "Calendar days — due_date = local_date(received_at) + N; the action is due by the end
# of that local day. No roll to the next business day."
CALENDAR_DAYS = [
    ("2026-03-02T10:15:00-08:00", 14, "2026-03-16", "2026-03-16T23:59:59-07:00"),
    ("2026-03-02T07:30:00+00:00", 30, "2026-03-31", "2026-03-31T23:59:59-07:00"),  # 1 March PT
    ("2026-10-15T12:00:00-07:00", 30, "2026-11-14", "2026-11-14T23:59:59-08:00"),
    (
        "2026-11-26T12:00:00-08:00",
        30,
        "2026-12-26",
        "2026-12-26T23:59:59-08:00",
    ),  # Saturday, no roll
]


@pytest.mark.parametrize(("start", "n", "due_date", "due_at"), CALENDAR_DAYS)
def test_calendar_days_end_of_local_day_without_roll(start, n, due_date, due_at):
    assert due("calendar_days", n, start) == (due_date, due_at)


def test_receipt_on_a_holiday_does_not_move_a_calendar_day_clock():
    # Thanksgiving 2026 (a WA legal holiday): 30 days later is Saturday 26 December, kept.
    result = assess(
        ump(requested="complaint", category="wait_time", received_at="2026-11-26T12:00:00-08:00")
    )
    assert clocks(result)["response"]["due_date"] == "2026-12-26"


def test_roll_forward_when_a_pack_asks_for_it():
    d = compute_due(
        unit="calendar_days",
        length=30,
        tz=PT,
        calendar=CA,
        roll="forward",
        start=dt.datetime.fromisoformat("2026-11-26T12:00:00-08:00"),
    )
    assert d.due_date == dt.date(2026, 12, 28)  # Saturday 26th -> Monday 28th


# SPEC 3: "Years — same month and day next year (29 Feb → 28 Feb)."
@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        ("2024-02-29", 1, "2025-02-28"),
        ("2024-02-29", 4, "2028-02-29"),
        ("2025-03-01", 1, "2026-03-01"),
        ("2026-12-31", 1, "2027-12-31"),
    ],
)
def test_years(day, n, expected):
    assert add_years(dt.date.fromisoformat(day), n).isoformat() == expected
    assert window_day(dt.date.fromisoformat(day), n, "years", CA).isoformat() == expected


# -- business days ----------------------------------------------------------------------------
def test_business_days_match_numpy_busday_offset_on_every_start_of_three_years():
    starts = np.arange(np.datetime64("2025-01-01"), np.datetime64("2028-01-01"))
    holidays = CA.holiday_array(2024, 2029)
    for n in (1, 5, 10, 30):
        expected = np.busday_offset(
            starts, n, roll="backward", weekmask=CA.numpy_weekmask, holidays=holidays
        )
        assert np.array_equal(CA.add_business_days_many(starts, n), expected)
        scalar = [CA.add_business_days(d.item(), n) for d in starts[::37]]
        assert [np.datetime64(d) for d in scalar] == list(expected[::37])


def test_calendars_differ_where_the_states_differ():
    # Cesar Chavez Day is a California holiday, not a Washington one.
    assert CA.is_holiday(dt.date(2026, 3, 31)) and not WA.is_holiday(dt.date(2026, 3, 31))
    # The Friday after Thanksgiving is a holiday in both (CA: day after; WA: Native American
    # Heritage Day); Columbus Day in neither.
    assert CA.is_holiday(dt.date(2026, 11, 27)) and WA.is_holiday(dt.date(2026, 11, 27))
    assert not CA.is_holiday(dt.date(2026, 10, 12)) and not WA.is_holiday(dt.date(2026, 10, 12))


def _calendar(removed: tuple[str, ...] = (), added: tuple[str, ...] = ()) -> Calendar:
    source = Source(spec="test")
    return Calendar(
        CalendarSpec(
            id="test",
            source=source,
            holidays=HolidaySource(country="US", subdiv="CA", package_version="0.109"),
            removed=tuple(
                DatedEntry(date=dt.date.fromisoformat(d), name="x", source=source) for d in removed
            ),
            added=tuple(
                DatedEntry(date=dt.date.fromisoformat(d), name="x", source=source) for d in added
            ),
        )
    )


def test_an_administrator_can_remove_the_day_after_thanksgiving():
    # SPEC 4.2: "California decisions differ on the day after Thanksgiving, so an administrator
    # can remove it by date."
    cal = _calendar(removed=("2026-11-27",))
    assert cal.add_business_days(dt.date(2026, 11, 25), 5) == dt.date(2026, 12, 3)
    assert cal.add_business_days_many(np.array(["2026-11-25"], dtype="datetime64[D]"), 5)[
        0
    ] == np.datetime64("2026-12-03")


def test_added_dates_are_holidays():
    cal = _calendar(added=("2026-03-03",))
    assert cal.add_business_days(dt.date(2026, 3, 2), 1) == dt.date(2026, 3, 4)


def test_vectorised_paths_for_each_day_unit():
    starts = np.array(["2024-02-29", "2026-11-25", "2026-01-31"], dtype="datetime64[D]")
    assert list(
        due_dates_many(unit="calendar_days", length=30, start_dates=starts, calendar=CA)
    ) == [np.datetime64(x) for x in ("2024-03-30", "2026-12-25", "2026-03-02")]
    assert list(due_dates_many(unit="years", length=1, start_dates=starts, calendar=CA)) == [
        np.datetime64(x) for x in ("2025-02-28", "2027-11-25", "2027-01-31")
    ]
    assert list(
        due_dates_many(unit="business_days", length=5, start_dates=starts, calendar=CA)
    ) == [np.datetime64(x) for x in ("2024-03-07", "2026-12-04", "2026-02-06")]
    with pytest.raises(ValueError, match="exact units"):
        due_dates_many(unit="hours", length=72, start_dates=starts, calendar=CA)


# -- properties -------------------------------------------------------------------------------
instants = st.datetimes(
    min_value=dt.datetime(2020, 1, 2),
    max_value=dt.datetime(2035, 12, 31),
    timezones=st.just(dt.UTC),
)
days = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 12, 31))
units = st.sampled_from(["hours", "calendar_days", "business_days", "years"])


@settings(max_examples=300, deadline=None)
@given(start=instants, unit=units, n=st.integers(1, 400))
def test_a_due_time_never_precedes_its_start(start, unit, n):
    d = compute_due(unit=unit, length=n, start=start, tz=PT, calendar=CA)
    assert d.due_at > start


@settings(max_examples=300, deadline=None)
@given(start=days, n=st.integers(1, 60))
def test_a_business_day_result_is_a_business_day_after_the_start(start, n):
    result = CA.add_business_days(start, n)
    assert CA.is_business_day(result) and result > start
    between = [start + dt.timedelta(days=i) for i in range(1, (result - start).days + 1)]
    assert sum(CA.is_business_day(d) for d in between) == n


@settings(max_examples=200, deadline=None)
@given(a=instants, b=instants, unit=units, n=st.integers(1, 400))
def test_later_receipt_never_gives_an_earlier_due_time(a, b, unit, n):
    early, late = sorted((a, b))
    due_early = compute_due(unit=unit, length=n, start=early, tz=PT, calendar=CA).due_at
    due_late = compute_due(unit=unit, length=n, start=late, tz=PT, calendar=CA).due_at
    assert due_late >= due_early


@settings(max_examples=100, deadline=None)
@given(received=instants, program=st.sampled_from(["ump", "genex"]))
def test_assess_deadlines_never_precede_receipt(received, program):
    make = ump if program == "ump" else genex
    result = assess(make(received_at=received.isoformat(), notice_date=None, occurrence_date=None))
    for deadline in result["deadlines"]:
        if "due_at" in deadline:
            assert dt.datetime.fromisoformat(deadline["due_at"]) > received
