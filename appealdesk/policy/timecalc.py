"""Time math of SPEC section 3, as pure functions.

* instants are aware datetimes, computed in UTC; dates are the program's local dates;
* calendar days: local start date + N, due at the end of that local day (no roll unless asked);
* business days: the N-th business day strictly after the local start date;
* hours: exact instant arithmetic, so a DST change never moves a 72-hour clock;
* years: same month and day N years on (29 February -> 28 February);
* filing windows: timely when the local receipt date is on or before basis + N.
"""

from __future__ import annotations

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


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def add_hours(instant: dt.datetime, hours: int) -> dt.datetime:
    # Aware + timedelta is wall-clock arithmetic in Python; UTC makes it exact.
    return instant.astimezone(UTC) + dt.timedelta(hours=hours)


@dataclass(frozen=True, slots=True)
class Due:
    due_at: dt.datetime  # aware, in the program's zone
    due_date: dt.date | None  # None for hour clocks


def compute_due(
    *,
    unit: str,
    length: int,
    start: dt.datetime,
    tz: ZoneInfo,
    calendar: Calendar,
    roll: str = "none",
) -> Due:
    if unit == "hours":
        return Due(add_hours(start, length).astimezone(tz), None)
    start_day = local_date(start, tz)
    if unit == "calendar_days":
        day = start_day + dt.timedelta(days=length)
    elif unit == "business_days":
        day = calendar.add_business_days(start_day, length)
    elif unit == "years":
        day = add_years(start_day, length)
    else:  # the pack schema admits no other unit
        raise ValueError(f"unknown unit {unit!r}")
    if roll == "forward":
        day = calendar.roll_forward(day)
    return Due(end_of_local_day(day, tz), day)


def window_last_day(basis: dt.date, length: int, unit: str) -> dt.date:
    if unit == "years":
        return add_years(basis, length)
    return basis + dt.timedelta(days=length)


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
    if unit == "years":
        months = days.astype("datetime64[M]")
        target = months + np.timedelta64(12 * length, "M")
        day_of_month = (days - months).astype(np.int64)
        last = ((target + np.timedelta64(1, "M")).astype("datetime64[D]") - 1) - target.astype(
            "datetime64[D]"
        )
        shifted = target.astype("datetime64[D]") + np.minimum(day_of_month, last.astype(np.int64))
        return np.asarray(shifted, dtype="datetime64[D]")
    raise ValueError(f"no vectorised path for unit {unit!r}; hours are exact: add them in UTC")
