"""Every clock unit and every window kind, table-driven across the 2026 DST changes in
America/Los_Angeles (Sunday 8 March 02:00 PST -> 03:00 PDT; Sunday 1 November 02:00 PDT ->
01:00 PST) and across month ends (31 January + 1 month, 29 February + 12 months), as
docs/packs.md states them (issue 23)."""

# ruff: noqa: E501 (the tables keep one case per line)
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appealdesk.policy.calendar import Calendar
from appealdesk.policy.schema import CalendarSpec, HolidaySource, OpeningHours, Source
from appealdesk.policy.timecalc import add_months, add_years, compute_due
from tests.conftest import clocks
from tests.policy.packfactory import assess_with, clock, pack_data, window

PT = ZoneInfo("America/Los_Angeles")
SOURCE = Source(spec="test")


def _calendar(weekend: tuple[str, ...], opens: str, closes: str) -> Calendar:
    return Calendar(
        CalendarSpec(
            id="test",
            weekend=weekend,
            holidays=HolidaySource(country="US", subdiv="CA", package_version="0.109"),
            opening_hours=OpeningHours(
                opens=dt.time.fromisoformat(opens),
                closes=dt.time.fromisoformat(closes),
                source=SOURCE,
            ),
            source=SOURCE,
        )
    )


OFFICE = _calendar(("sat", "sun"), "09:00", "17:30")
# open on Sundays in the small hours, so a count runs through both 2 a.m. changes
NIGHT = _calendar(("sat",), "01:00", "04:00")

# fmt: off
UNITS = [
    # immediate: due at the start itself, whatever the offset says
    ("immediate", 0, "2026-03-08T01:30:00-08:00", None, "2026-03-08T01:30:00-08:00", OFFICE),
    ("immediate", 0, "2026-11-01T01:30:00-07:00", None, "2026-11-01T01:30:00-07:00", OFFICE),
    ("immediate", 0, "2026-11-01T01:30:00-08:00", None, "2026-11-01T01:30:00-08:00", OFFICE),
    # minutes: exact, so 30 minutes from 01:45 PST is 03:15 PDT, and from 01:45 PDT is 01:15 PST
    ("minutes", 30, "2026-03-08T01:45:00-08:00", None, "2026-03-08T03:15:00-07:00", OFFICE),
    ("minutes", 30, "2026-11-01T01:45:00-07:00", None, "2026-11-01T01:15:00-08:00", OFFICE),
    ("minutes", 30, "2026-01-31T23:45:00-08:00", None, "2026-02-01T00:15:00-08:00", OFFICE),
    # hours: exact, 24 hours across a change is 23 or 25 hours of wall clock
    ("hours", 24, "2026-03-07T12:00:00-08:00", None, "2026-03-08T13:00:00-07:00", OFFICE),
    ("hours", 24, "2026-10-31T12:00:00-07:00", None, "2026-11-01T11:00:00-08:00", OFFICE),
    # business hours, 09:00-17:30 Monday to Friday less California holidays
    ("business_hours", 4, "2026-03-06T16:00:00-08:00", None, "2026-03-09T11:30:00-07:00", OFFICE),
    ("business_hours", 4, "2026-03-07T10:00:00-08:00", None, "2026-03-09T13:00:00-07:00", OFFICE),
    ("business_hours", 10, "2026-10-30T08:00:00-07:00", None, "2026-11-02T10:30:00-08:00", OFFICE),
    ("business_hours", 8, "2026-03-02T09:30:00-08:00", None, "2026-03-02T17:30:00-08:00", OFFICE),
    ("business_hours", 1, "2026-03-02T18:00:00-08:00", None, "2026-03-03T10:00:00-08:00", OFFICE),
    # Thanksgiving and the day after are California holidays
    ("business_hours", 1, "2026-11-25T17:00:00-08:00", None, "2026-11-30T09:30:00-08:00", OFFICE),
    # opening hours that span 2 a.m.: 01:00 PST to 04:00 PDT is 2 hours; 01:00 PDT to 04:00
    # PST is 4 hours
    ("business_hours", 3, "2026-03-08T01:00:00-08:00", None, "2026-03-09T02:00:00-07:00", NIGHT),
    ("business_hours", 3, "2026-11-01T01:00:00-07:00", None, "2026-11-01T03:00:00-08:00", NIGHT),
    # calendar and business days: the end of a local day, in that day's offset
    ("calendar_days", 1, "2026-03-07T23:30:00-08:00", "2026-03-08", "2026-03-08T23:59:59-07:00", OFFICE),
    ("calendar_days", 1, "2026-10-31T23:30:00-07:00", "2026-11-01", "2026-11-01T23:59:59-08:00", OFFICE),
    ("business_days", 1, "2026-10-30T12:00:00-07:00", "2026-11-02", "2026-11-02T23:59:59-08:00", OFFICE),
    ("business_days", 1, "2026-03-06T12:00:00-08:00", "2026-03-09", "2026-03-09T23:59:59-07:00", OFFICE),
    # months: the same day, or the month's last day when it has no such day
    ("months", 1, "2026-01-31T09:00:00-08:00", "2026-02-28", "2026-02-28T23:59:59-08:00", OFFICE),
    ("months", 1, "2024-01-31T09:00:00-08:00", "2024-02-29", "2024-02-29T23:59:59-08:00", OFFICE),
    ("months", 1, "2026-03-31T09:00:00-07:00", "2026-04-30", "2026-04-30T23:59:59-07:00", OFFICE),
    ("months", 12, "2024-02-29T09:00:00-08:00", "2025-02-28", "2025-02-28T23:59:59-08:00", OFFICE),
    ("months", 6, "2026-08-31T09:00:00-07:00", "2027-02-28", "2027-02-28T23:59:59-08:00", OFFICE),
    ("months", 1, "2026-02-08T09:00:00-08:00", "2026-03-08", "2026-03-08T23:59:59-07:00", OFFICE),
    ("months", 1, "2026-10-01T00:30:00-07:00", "2026-11-01", "2026-11-01T23:59:59-08:00", OFFICE),
    ("years", 1, "2024-02-29T09:00:00-08:00", "2025-02-28", "2025-02-28T23:59:59-08:00", OFFICE),
]
# fmt: on


@pytest.mark.parametrize(("unit", "length", "start", "due_date", "due_at", "calendar"), UNITS)
def test_every_unit_across_dst_and_month_ends(unit, length, start, due_date, due_at, calendar):
    due = compute_due(
        unit=unit,
        length=length,
        start=dt.datetime.fromisoformat(start),
        tz=PT,
        calendar=calendar,
    )
    assert (due.due_date.isoformat() if due.due_date else None) == due_date
    assert due.due_at.isoformat() == due_at


def test_business_hours_are_exact_hours_of_opening_time():
    # 2 hours on Sunday 8 March (01:00 PST to 04:00 PDT) and 1 on Monday: 3 real hours counted
    start = dt.datetime.fromisoformat("2026-03-08T01:00:00-08:00")
    due = compute_due(unit="business_hours", length=3, start=start, tz=PT, calendar=NIGHT)
    sunday_close = dt.datetime.fromisoformat("2026-03-08T04:00:00-07:00")
    monday_open = dt.datetime.fromisoformat("2026-03-09T01:00:00-07:00")
    assert (sunday_close - start) + (due.due_at - monday_open) == dt.timedelta(hours=3)


@given(
    day=st.dates(min_value=dt.date(1999, 1, 1), max_value=dt.date(2100, 12, 31)),
    months=st.integers(0, 240),
)
def test_months_keep_the_day_or_take_the_month_end(day, months):
    due = add_months(day, months)
    assert (due.year * 12 + due.month) - (day.year * 12 + day.month) == months
    next_day = due + dt.timedelta(days=1)
    assert due.day == day.day or (due.day < day.day and next_day.day == 1)
    if months % 12 == 0:
        assert due == add_years(day, months // 12)


# -- windows -------------------------------------------------------------------------------------
def _filing(result):
    return result["filing"]


# fmt: off
WINDOWS = [
    # (window fields, notice_date, received_at, good_cause, disposition, rejection code, timely)
    ({}, "2026-01-01", "2026-03-02T23:59:00-08:00", None, "accept", None, True),
    ({}, "2026-01-01", "2026-03-03T00:00:00-08:00", None, "reject", "untimely", False),
    # the local receipt date counts: 07:30 UTC on 3 March is 23:30 on 2 March in Los Angeles
    ({}, "2026-01-01", "2026-03-03T07:30:00Z", None, "accept", None, True),
    ({"unit": "months", "length": 6}, "2026-08-31", "2027-02-28T12:00:00-08:00", None, "accept", None, True),
    ({"unit": "months", "length": 6}, "2026-08-31", "2027-03-01T12:00:00-08:00", None, "reject", "untimely", False),
    ({"unit": "months", "length": 1}, "2026-01-31", "2026-02-28T12:00:00-08:00", None, "accept", None, True),
    ({"unit": "months", "length": 12}, "2024-02-29", "2025-03-01T12:00:00-08:00", None, "reject", "untimely", False),
    ({"unit": "years", "length": 1}, "2024-02-29", "2025-02-28T12:00:00-08:00", None, "accept", None, True),
    # 10 California business days after Friday 30 October (Veterans Day 11 November is off)
    ({"unit": "business_days", "length": 10}, "2026-10-30", "2026-11-16T12:00:00-08:00", None, "accept", None, True),
    ({"unit": "business_days", "length": 10}, "2026-10-30", "2026-11-17T08:00:00-08:00", None, "reject", "untimely", False),
    # not_before: no earlier than 30 days after the notice; the first day is DST Sunday
    ({"direction": "not_before", "length": 30}, "2026-02-06", "2026-03-07T23:30:00-08:00", None, "reject", "not_eligible_yet", False),
    ({"direction": "not_before", "length": 30}, "2026-02-06", "2026-03-08T00:30:00-08:00", None, "accept", None, True),
    ({"direction": "not_before", "strength": "soft", "length": 30}, "2026-02-06", "2026-03-02T10:00:00-08:00", None, "accept", None, False),
    # soft: outside, accepted with a warning
    ({"strength": "soft", "length": 180}, "2025-06-01", "2026-03-02T10:00:00-08:00", None, "accept", None, False),
    # good cause: accepted only when shown
    ({"strength": "good_cause"}, "2026-01-01", "2026-03-10T10:00:00-08:00", True, "accept", None, False),
    ({"strength": "good_cause"}, "2026-01-01", "2026-03-10T10:00:00-08:00", False, "reject", "untimely", False),
    ({"strength": "good_cause"}, "2026-01-01", "2026-03-10T10:00:00-08:00", None, "reject", "untimely", False),
    ({"strength": "good_cause"}, "2026-01-01", "2026-03-02T10:00:00-08:00", None, "accept", None, True),
]
# fmt: on


@pytest.mark.parametrize(
    ("fields", "notice", "received", "good_cause", "disposition", "code", "timely"), WINDOWS
)
def test_every_window_kind(fields, notice, received, good_cause, disposition, code, timely):
    data = pack_data(filing=[{"window": window(**fields)}])
    request = {"notice_date": notice, "received_at": received}
    if good_cause is not None:
        request["good_cause"] = good_cause
    result = assess_with(data, **request)
    assert result["disposition"] == disposition
    assert (result["rejection"] or {}).get("code") == code
    assert _filing(result)["timely"] is timely
    outside_accepted = disposition == "accept" and timely is False
    assert bool(result["warnings"]) is outside_accepted
    if {"direction", "strength"} & set(fields):  # the additions say which kind of window
        assert _filing(result)["direction"] == fields.get("direction", "not_after")
        assert _filing(result)["strength"] == fields.get("strength", "hard")
    else:  # a plain window answers exactly as before (SPEC 7: additive fields only)
        assert set(_filing(result)) == {
            "timely",
            "last_day",
            "rule",
            "basis",
            "basis_date",
            "starts",
        }
    if fields.get("strength") == "good_cause" and good_cause is None and not timely:
        assert "good_cause" in result["unknown"]
        assert "good cause is shown" in result["rejection"]["message"]


def test_the_day_a_window_names():
    result = assess_with(
        pack_data(filing=[{"window": window(direction="not_before", length=30)}]),
        notice_date="2026-02-06",
        received_at="2026-03-02T10:00:00-08:00",
    )
    assert _filing(result)["first_day"] == "2026-03-08"
    assert _filing(result)["last_day"] is None
    assert "before the first day it may be filed, 2026-03-08" in result["rejection"]["message"]
    assert result["next_level"] is None


def test_two_windows_at_once_earliest_and_latest():
    """ "no earlier than 30 days and no later than six months after the plan's decision" """
    both = [
        window(direction="not_before", length=30, rule="after 30 days"),
        window(unit="months", length=6, rule="within six months"),
    ]
    data = pack_data(filing=[{"windows": both}])
    for received, disposition, code in [
        ("2026-01-15T10:00:00-08:00", "reject", "not_eligible_yet"),
        ("2026-02-01T10:00:00-08:00", "accept", None),
        ("2026-07-02T10:00:00-07:00", "accept", None),
        ("2026-07-03T10:00:00-07:00", "reject", "untimely"),
    ]:
        result = assess_with(data, notice_date="2026-01-02", received_at=received)
        assert result["disposition"] == disposition, received
        assert (result["rejection"] or {}).get("code") == code
        filing = _filing(result)
        assert (filing["first_day"], filing["last_day"]) == ("2026-02-01", "2026-07-02")
        assert filing["rule"] == "within six months"
        assert [w["direction"] for w in filing["windows"]] == ["not_before", "not_after"]


def test_an_unknown_basis_leaves_the_window_unknown():
    result = assess_with(pack_data(filing=[{"window": window()}]))
    assert _filing(result)["timely"] is None
    assert "notice_date" in result["unknown"]
    assert result["disposition"] == "accept"


# -- clocks through assess ------------------------------------------------------------------------
def test_an_immediate_clock_is_due_at_receipt_and_says_so():
    data = pack_data(clocks=[clock("respond", "immediate", met_by=["acknowledged"])])
    result = assess_with(data, received_at="2026-03-08T01:30:00-08:00")
    respond = clocks(result)["respond"]
    assert respond["due"] == "immediately"
    assert respond["due_at"] == result["received_at"] == "2026-03-08T01:30:00-08:00"
    assert "due_date" not in respond and respond["length"] == 0


def test_minutes_and_business_hours_clocks_give_exact_instants():
    data = pack_data(
        clocks=[clock("call_back", "minutes", 30), clock("answer", "business_hours", 4)]
    )
    result = assess_with(data, received_at="2026-03-06T16:00:00-08:00")
    assert clocks(result)["call_back"]["due_at"] == "2026-03-06T16:30:00-08:00"
    answer = clocks(result)["answer"]
    assert answer["due_at"] == "2026-03-09T11:30:00-07:00" and "due_date" not in answer
    assert "open 09:00-17:30" in answer["calendar"]


def test_urgent_clocks_make_the_answer_expedited():
    """Issue 23: an urgent grievance whose urgent clocks run was reported expedited: false."""
    data = pack_data(
        clocks=[
            clock("resolve", "calendar_days", 30, when={"category": {"not": "refused_expedite"}}),
            clock(
                "resolve_fast", "hours", 24, when={"category": "refused_expedite"}, track="urgent"
            ),
        ]
    )
    urgent = assess_with(data, category="refused_expedite")
    assert urgent["expedited"] is True
    assert (
        list(clocks(urgent)) == ["resolve_fast"]
        and clocks(urgent)["resolve_fast"]["track"] == "urgent"
    )
    assert any(r.startswith("expedited: its urgent clocks run") for r in urgent["reasons"])
    # asking for urgency does not make a grievance expedited when its urgent clocks do not run
    standard = assess_with(data, category="service", expedited=True)
    assert standard["expedited"] is False and list(clocks(standard)) == ["resolve"]
    assert "track" not in clocks(standard)["resolve"]


def test_an_extension_limit_is_part_of_the_answer():
    extension = {
        "by": ["enrollee", "plan"],
        "requires": "notice",
        "up_to": {"length": 14, "unit": "calendar_days"},
        "source": {"spec": "test"},
    }
    data = pack_data(clocks=[clock("resolve", "calendar_days", 30, extension=extension)])
    result = assess_with(data)
    assert clocks(result)["resolve"]["extension"]["up_to"] == {
        "length": 14,
        "unit": "calendar_days",
    }
