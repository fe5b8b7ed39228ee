"""Business-day calendars (SPEC section 3): weekend days, a pinned `holidays` source, plus dates a
pack version adds or removes. The calendar used is named on every clock it computes.

"Within N business days" is the N-th business day strictly after the local start date; a
weekend or holiday start counts from the next business day. That is exactly
`numpy.busday_offset(start, N, roll='backward', …)`, which the tests and the benchmark compare
against; the vectorised path here answers from a precomputed table instead.

"Within N business hours" counts exact time (a DST change does not stretch or shrink an hour)
only while the office is open: from the calendar's `opening_hours` to its closing time, in the
program's zone, on business days. A start before opening counts from the opening, one after
closing (or on a weekend or holiday) from the next business day's opening; a count that ends
exactly at closing time is due at closing time.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import numpy.typing as npt

from appealdesk.policy.schema import WEEKDAYS, CalendarSpec

ONE_DAY = dt.timedelta(days=1)
_EPOCH_WEEKDAY = dt.date(1970, 1, 1).weekday()  # day 0 of datetime64[D] is a Thursday


class Calendar:
    def __init__(self, spec: CalendarSpec, *, owner: str = "") -> None:
        self.spec = spec
        self.id = spec.id
        self.owner = owner
        self.weekend = frozenset(WEEKDAYS.index(d) for d in spec.weekend)
        self._added = {e.date: e.name for e in spec.added}
        self._removed = {e.date for e in spec.removed}
        self._years: dict[int, dict[dt.date, str]] = {}
        self._table: tuple[int, npt.NDArray[np.int64], npt.NDArray[np.int64]] | None = None

    # -- holidays ---------------------------------------------------------------------------
    def holidays_in(self, year: int) -> dict[dt.date, str]:
        found = self._years.get(year)
        if found is None:
            found = {}
            source = self.spec.holidays
            if source is not None:
                lib = holidays.country_holidays(
                    source.country,
                    subdiv=source.subdiv,
                    years=year,
                    categories=source.categories,
                )
                found = {d: n for d, n in lib.items() if d.year == year}
            found.update({d: n for d, n in self._added.items() if d.year == year})
            for day in self._removed:
                found.pop(day, None)
            found = dict(sorted(found.items()))
            self._years[year] = found
        return found

    def is_holiday(self, day: dt.date) -> bool:
        return day in self.holidays_in(day.year)

    def is_business_day(self, day: dt.date) -> bool:
        return day.weekday() not in self.weekend and not self.is_holiday(day)

    def add_business_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th business day strictly after `start` (n >= 1)."""
        if n < 1:
            raise ValueError("n must be at least 1")
        day, count = start, 0
        while count < n:
            day += ONE_DAY
            if self.is_business_day(day):
                count += 1
        return day

    def add_business_hours(self, start: dt.datetime, hours: int, tz: ZoneInfo) -> dt.datetime:
        """The instant `hours` of opening time after `start` (aware), in the zone `tz`."""
        opening = self.spec.opening_hours
        if opening is None:  # the pack loader refuses a business_hours clock without them
            raise ValueError(f"calendar {self.id} has no opening_hours")
        remaining = dt.timedelta(hours=hours)
        begin = start.astimezone(dt.UTC)
        day = start.astimezone(tz).date()
        # All comparisons in UTC: aware datetimes sharing a tzinfo compare by wall clock.
        while True:
            if self.is_business_day(day):
                opens = dt.datetime.combine(day, opening.opens, tzinfo=tz).astimezone(dt.UTC)
                closes = dt.datetime.combine(day, opening.closes, tzinfo=tz).astimezone(dt.UTC)
                counted_from = max(opens, begin)
                if counted_from < closes:
                    if remaining <= closes - counted_from:
                        return (counted_from + remaining).astimezone(tz)
                    remaining -= closes - counted_from
            day += ONE_DAY

    def roll_forward(self, day: dt.date) -> dt.date:
        while not self.is_business_day(day):
            day += ONE_DAY
        return day

    @cached_property
    def description(self) -> str:
        source = self.spec.holidays
        parts = [f"{self.id}: weekend {'/'.join(self.spec.weekend)}"]
        if source is not None:
            region = f"{source.country}-{source.subdiv}" if source.subdiv else source.country
            parts.append(
                f"{region} {'+'.join(source.categories)} holidays "
                f"(holidays {source.package_version})"
            )
        if self._added:
            parts.append(f"+{len(self._added)} added")
        if self._removed:
            parts.append(f"-{len(self._removed)} removed")
        opening = self.spec.opening_hours
        if opening is not None:
            parts.append(f"open {opening.opens:%H:%M}-{opening.closes:%H:%M}")
        return ", ".join(parts)

    @property
    def numpy_weekmask(self) -> str:
        return "".join("0" if i in self.weekend else "1" for i in range(7))

    def holiday_array(self, first_year: int, last_year: int) -> npt.NDArray[np.datetime64]:
        days = [d for y in range(first_year, last_year + 1) for d in self.holidays_in(y)]
        return np.array(days, dtype="datetime64[D]")

    # -- the vectorised path ----------------------------------------------------------------
    def add_business_days_many(
        self, starts: npt.NDArray[np.datetime64], n: int | npt.NDArray[np.integer]
    ) -> npt.NDArray[np.datetime64]:
        """`add_business_days` for many start dates at once (datetime64[D] in, out)."""
        start_days = np.asarray(starts, dtype="datetime64[D]").astype(np.int64)
        offsets = np.asarray(n, dtype=np.int64)
        if start_days.size == 0:
            return start_days.astype("datetime64[D]")
        if np.any(offsets < 1):
            raise ValueError("n must be at least 1")
        lo = int(start_days.min())
        hi = int(start_days.max()) + 2 * int(offsets.max()) + 31
        first, rank, business = self._business_table(lo, hi)
        # rank[d] = business days on or before d, so the n-th one after d is business[rank + n - 1]
        due: npt.NDArray[np.datetime64] = business[rank[start_days - first] + offsets - 1].astype(
            "datetime64[D]"
        )
        return due

    def _business_table(
        self, lo: int, hi: int
    ) -> tuple[int, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        if self._table is not None:
            first, rank, business = self._table
            if first <= lo and hi < first + len(rank):
                return self._table
            lo, hi = min(lo, first), max(hi, first + len(rank) - 1)
        # Whole years, so that each year's holidays are looked up once.
        lo_year = int(np.datetime64(lo, "D").astype("datetime64[Y]").astype(int)) + 1970
        hi_year = int(np.datetime64(hi, "D").astype("datetime64[Y]").astype(int)) + 1970
        first = int(np.datetime64(f"{lo_year:04d}-01-01", "D").astype(np.int64))
        last = int(np.datetime64(f"{hi_year + 1:04d}-01-01", "D").astype(np.int64)) - 1
        days = np.arange(first, last + 1, dtype=np.int64)
        weekday = (days + _EPOCH_WEEKDAY) % 7
        is_business = ~np.isin(weekday, np.array(sorted(self.weekend), dtype=np.int64))
        hol = self.holiday_array(lo_year, hi_year).astype(np.int64)
        is_business &= ~np.isin(days, hol)
        rank = np.cumsum(is_business, dtype=np.int64)
        business = days[is_business]
        self._table = (first, rank, business)
        return self._table
