"""Time math of SPEC section 3, as pure functions.

* instants are aware datetimes, computed in UTC; dates are the program's local dates;
* calendar days: local start date + N, due at the end of that local day (no roll unless asked);
* business days: the N-th business day strictly after the local start date;
* hours and minutes: exact instant arithmetic, so a DST change never moves a 72-hour clock;
* business hours: exact time counted only while the calendar's office is open (its opening
  hours on business days, wall-clock times in the program's zone);
* immediate: due at the start instant itself ("immediately");
* months: the same day N calendar months on, or that month's last day when it is shorter
  (31 March + 1 month = 30 April; 29 February + 12 months = 28 February);
* years: same month and day N years on (29 February -> 28 February), i.e. 12 N months;
* filing windows: `not_after` is timely when the local receipt date is on or before
  basis + N; `not_before` when it is on or after basis + N.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from appealdesk.policy.calendar import Calendar

UTC = dt.UTC
END_OF_DAY = dt.time(23, 59, 59)


def local_date(instant: dt.datetime, tz: ZoneInfo) -> dt.date:
    return instant.astimezone(tz).date()


def end_of_local_day(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, END_OF_DAY, tzinfo=tz)


def start_of_local_day(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months on; a day the target month lacks becomes its
    last day (end-of-month rule: 31 January + 1 month = 28 February, or 29 in a leap year)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def add_years(day: dt.date, years: int) -> dt.date:
    return add_months(day, 12 * years)


def add_hours(instant: dt.datetime, hours: int) -> dt.datetime:
    return add_exact(instant, dt.timedelta(hours=hours))


def add_exact(instant: dt.datetime, span: dt.timedelta) -> dt.datetime:
    # Aware + timedelta is wall-clock arithmetic in Python; UTC makes it exact.
    return instant.astimezone(UTC) + span


@dataclass(frozen=True, slots=True)
class Due:
    due_at: dt.datetime  # aware, in the program's zone
    due_date: dt.date | None  # None for exact units (hours, minutes, business hours, immediate)


EXACT_SPANS = {"minutes": dt.timedelta(minutes=1), "hours": dt.timedelta(hours=1)}


def compute_due(
    *,
    unit: str,
    length: int,
    start: dt.datetime,
    tz: ZoneInfo,
    calendar: Calendar,
    roll: str = "none",
) -> Due:
    if unit == "immediate":
        return Due(start.astimezone(tz), None)
    if unit in EXACT_SPANS:
        return Due(add_exact(start, EXACT_SPANS[unit] * length).astimezone(tz), None)
    if unit == "business_hours":
        return Due(calendar.add_business_hours(start, length, tz), None)
    day = add_days(local_date(start, tz), length, unit, calendar)
    if roll == "forward":
        day = calendar.roll_forward(day)
    return Due(end_of_local_day(day, tz), day)


def add_days(day: dt.date, length: int, unit: str, calendar: Calendar) -> dt.date:
    """`day` plus `length` of a day unit (calendar or business days, months, years)."""
    if unit == "calendar_days":
        return day + dt.timedelta(days=length)
    if unit == "business_days":
        return calendar.add_business_days(day, length) if length else day
    if unit == "months":
        return add_months(day, length)
    if unit == "years":
        return add_years(day, length)
    # the pack schema admits no other unit
    raise ValueError(f"unknown unit {unit!r}")


def window_day(basis: dt.date, length: int, unit: str, calendar: Calendar) -> dt.date:
    """The last day of a `not_after` window, or the first day of a `not_before` one."""
    return add_days(basis, length, unit, calendar)


def iso(instant: dt.datetime) -> str:
    spec = "seconds" if instant.microsecond == 0 else "microseconds"
    return instant.isoformat(timespec=spec)


def due_dates_many(
    *,
    unit: str,
    length: int,
    start_dates: npt.NDArray[np.datetime64],
    calendar: Calendar,
) -> npt.NDArray[np.datetime64]:
    """Local due dates of many day-unit clocks at once (datetime64[D] in and out)."""
    days = np.asarray(start_dates, dtype="datetime64[D]")
    if unit == "calendar_days":
        return np.asarray(days + np.timedelta64(length, "D"), dtype="datetime64[D]")
    if unit == "business_days":
        return calendar.add_business_days_many(days, length)
    if unit in ("months", "years"):
        months = days.astype("datetime64[M]")
        target = months + np.timedelta64(length * (12 if unit == "years" else 1), "M")
        day_of_month = (days - months).astype(np.int64)
        last = ((target + np.timedelta64(1, "M")).astype("datetime64[D]") - 1) - target.astype(
            "datetime64[D]"
        )
        shifted = target.astype("datetime64[D]") + np.minimum(day_of_month, last.astype(np.int64))
        return np.asarray(shifted, dtype="datetime64[D]")
    raise ValueError(
        f"no vectorised path for unit {unit!r}; exact units (hours, minutes, business hours, "
        "immediate) are instants: compute_due them one by one"
    )
