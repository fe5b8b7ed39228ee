"""Business-day calendars (SPEC section 3): weekend days and the dated holiday table of the list
the law names (each year with its source, `published` or `projected` from the statute's rules),
plus dates a pack version adds or removes. The `holidays` package is the table's cross-check
(`crosscheck_diff`), never its authority. The calendar used is named on every clock it computes.

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

import calendar as cal_module
import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Literal
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import numpy.typing as npt

from appealdesk.policy.schema import (
    WEEKDAYS,
    CalendarSpec,
    HolidayRule,
    HolidaySource,
    Source,
)

ONE_DAY = dt.timedelta(days=1)
_EPOCH_WEEKDAY = dt.date(1970, 1, 1).weekday()  # day 0 of datetime64[D] is a Thursday
OBSERVED = " (observed)"

YearStatus = Literal["published", "projected", "library", "missing"]
# years whose holidays are not taken from a published list: a clock counting across one warns
UNSETTLED: frozenset[str] = frozenset({"projected", "missing"})


@dataclass(frozen=True, slots=True)
class Holiday:
    """One day of a year's holidays, with the source that makes it one."""

    date: dt.date
    name: str
    source: str


@dataclass(frozen=True, slots=True)
class Difference:
    """A date on which the pack's calendar and the `holidays` package disagree, and why."""

    date: dt.date
    pack: str | None  # the pack's holiday on that date; None when it is not one
    package: str | None  # the package's; None when it is not one
    reason: str
    business: bool  # whether business-day counts change (the date is not a weekend day)


def rule_date(rule: HolidayRule, year: int) -> dt.date | None:
    """The day `rule` gives in `year` (before any weekend move), or None."""
    if (rule.from_year is not None and year < rule.from_year) or (
        rule.until_year is not None and year > rule.until_year
    ):
        return None
    if rule.day is not None:
        try:
            day = dt.date(year, rule.month, rule.day)
        except ValueError:
            return None
    else:
        assert rule.weekday is not None and rule.nth is not None  # the schema's rule
        weekday = WEEKDAYS.index(rule.weekday)
        weeks = [d for d in cal_module.Calendar().itermonthdates(year, rule.month)]
        matching = [d for d in weeks if d.month == rule.month and d.weekday() == weekday]
        if rule.nth > len(matching):
            return None
        day = matching[rule.nth - 1] if rule.nth > 0 else matching[-1]
    return day + dt.timedelta(days=rule.after)


def _observed(day: dt.date, rule: HolidayRule, spec: CalendarSpec) -> dt.date:
    saturday = rule.saturday or spec.observance.saturday
    sunday = rule.sunday or spec.observance.sunday
    if day.weekday() == 5 and saturday == "friday":
        return day - ONE_DAY
    if day.weekday() == 6 and sunday == "monday":
        return day + ONE_DAY
    return day


def project(spec: CalendarSpec, year: int) -> dict[dt.date, tuple[str, HolidayRule]]:
    """The holidays the statute's rules give in `year`, weekend moves applied (a Saturday
    1 January can make 31 December of the year before the holiday)."""
    found: dict[dt.date, tuple[str, HolidayRule]] = {}
    for rule_year in (year - 1, year, year + 1):
        for rule in spec.rules:
            day = rule_date(rule, rule_year)
            if day is None:
                continue
            observed = _observed(day, rule, spec)
            if observed.year == year:
                name = rule.name + (OBSERVED if observed != day else "")
                if observed in found:
                    name = f"{found[observed][0]}; {name}"
                found[observed] = (name, rule)
    return dict(sorted(found.items()))


def _short(source: Source) -> str:
    return source.law or source.spec or source.seed or ""


def _norm(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    plain = plain.lower().replace(OBSERVED, "")
    return re.sub(r"[^a-z0-9]+", " ", plain).strip()


def library_holidays(source: HolidaySource, year: int) -> dict[dt.date, str]:
    lib = holidays.country_holidays(
        source.country, subdiv=source.subdiv, years=year, categories=source.categories
    )
    return {d: n for d, n in sorted(lib.items()) if d.year == year}


class Calendar:
    def __init__(self, spec: CalendarSpec, *, owner: str = "") -> None:
        self.spec = spec
        self.id = spec.id
        self.owner = owner
        self.weekend = frozenset(WEEKDAYS.index(d) for d in spec.weekend)
        self.added = {e.date: e for e in spec.added}
        self.removed = {e.date: e for e in spec.removed}
        self._table = {y.year: y for y in spec.years}
        self._years: dict[int, dict[dt.date, str]] = {}
        self._table_cache: tuple[int, npt.NDArray[np.int64], npt.NDArray[np.int64]] | None = None

    # -- holidays ---------------------------------------------------------------------------
    def holidays_in(self, year: int) -> dict[dt.date, str]:
        found = self._years.get(year)
        if found is None:
            found = {h.date: h.name for h in self.entries(year)}
            self._years[year] = found
        return found

    def entries(self, year: int) -> list[Holiday]:
        """The holidays of `year`, each with the source that makes it one."""
        spec = self.spec
        found: dict[dt.date, Holiday] = {}
        if spec.holidays is not None:
            where = f"holidays {spec.holidays.package_version} {self.region(spec.holidays)}"
            for day, name in library_holidays(spec.holidays, year).items():
                found[day] = Holiday(day, name, where)
        elif year in self._table:
            table = self._table[year]
            rules = project(spec, year)
            for entry in table.holidays:
                rule = rules.get(entry.date, (None, None))[1]
                parts = [_short(table.source)]
                if entry.source is not None:
                    parts.append(_short(entry.source))
                elif rule is not None:
                    parts.append(_short(rule.source))
                found[entry.date] = Holiday(entry.date, entry.name, "; ".join(parts))
        else:
            for day, (name, rule) in project(spec, year).items():
                found[day] = Holiday(day, name, f"projected: {_short(rule.source)}")
        for day, extra in self.added.items():
            if day.year == year:
                found[day] = Holiday(day, extra.name, f"added: {_short(extra.source)}")
        for day in self.removed:
            found.pop(day, None)
        return [found[d] for d in sorted(found)]

    def year_status(self, year: int) -> YearStatus:
        if self.spec.holidays is not None:
            return "library"
        table = self._table.get(year)
        if table is not None:
            return table.status
        return "projected" if self.spec.rules else "missing"

    def unsettled_years(self, first: dt.date, last: dt.date) -> list[int]:
        """The years from `first` to `last` whose holidays no published list settles."""
        return [y for y in range(first.year, last.year + 1) if self.year_status(y) in UNSETTLED]

    def year_source(self, year: int) -> str:
        table = self._table.get(year)
        if table is not None:
            note = f" ({table.source.note})" if table.source.note else ""
            return table.source.cite() + note
        status = self.year_status(year)
        if status == "library":
            return f"the holidays package, {self.region(self.spec.holidays)}"
        if status == "projected":
            return f"not in the table: projected from the rules of {self.spec.authority}"
        return "not in the table, and no rules to project it: weekends only"

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

    @staticmethod
    def region(source: HolidaySource | None) -> str:
        if source is None:
            return ""
        return f"{source.country}-{source.subdiv}" if source.subdiv else source.country

    @cached_property
    def description(self) -> str:
        spec = self.spec
        parts = [f"{self.id}: weekend {'/'.join(spec.weekend)}"]
        if spec.holidays is not None:
            source = spec.holidays
            parts.append(
                f"{self.region(source)} {'+'.join(source.categories)} holidays "
                f"(holidays {source.package_version})"
            )
        else:
            listed = f"{spec.authority} table"
            if spec.years:
                listed += f" {spec.years[0].year}-{spec.years[-1].year}"
                projected = [y.year for y in spec.years if y.status == "projected"]
                if projected:
                    listed += f" ({_span(projected)} projected)"
            parts.append(listed)
            if spec.crosscheck is not None:
                parts.append(
                    f"cross-check holidays {spec.crosscheck.package_version} "
                    f"{self.region(spec.crosscheck)}"
                )
        if self.added:
            parts.append(f"+{len(self.added)} added")
        if self.removed:
            parts.append(f"-{len(self.removed)} removed")
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

    # -- the cross-check --------------------------------------------------------------------
    def crosscheck_diff(self, year: int) -> list[Difference]:
        """Every date of `year` on which the pack and the `holidays` package disagree."""
        source = self.spec.crosscheck or self.spec.holidays
        if source is None:
            return []
        return _Diff(self, source).of(year)

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
        if self._table_cache is not None:
            first, rank, business = self._table_cache
            if first <= lo and hi < first + len(rank):
                return self._table_cache
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
        self._table_cache = (first, rank, business)
        return self._table_cache


def _span(years: list[int]) -> str:
    return f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0])


def _weekday(day: dt.date) -> str:
    return day.strftime("%A")


class _Diff:
    """The reasons the pack's calendar and the `holidays` package disagree on a date."""

    def __init__(self, cal: Calendar, source: HolidaySource) -> None:
        self.cal = cal
        self.spec = cal.spec
        self.source = source
        self.authority = cal.spec.authority or "the pack"
        self._lib: dict[int, dict[dt.date, str]] = {}

    def lib(self, year: int) -> dict[dt.date, str]:
        if year not in self._lib:
            self._lib[year] = library_holidays(self.source, year)
        return self._lib[year]

    def pack(self, year: int) -> dict[dt.date, str]:
        return self.cal.holidays_in(year)

    def of(self, year: int) -> list[Difference]:
        pack, lib = self.pack(year), self.lib(year)
        out = []
        for day in sorted(set(pack) ^ set(lib)):
            if day in lib:
                reason = "; ".join(self._package_only(day, n) for n in lib[day].split("; "))
            else:
                reason = self._pack_only(day, pack[day])
            business = day.weekday() not in self.cal.weekend
            out.append(Difference(day, pack.get(day), lib.get(day), reason, business))
        return out

    # -- names: the pack's rule names and the package's names for the same day ---------------
    def _key(self, name: str) -> str:
        plain = _norm(name)
        for rule in self.spec.rules:
            if plain in {_norm(rule.name), *(_norm(a) for a in rule.aliases)}:
                return _norm(rule.name)
        return plain

    def _rule(self, key: str) -> HolidayRule | None:
        return next((r for r in self.spec.rules if _norm(r.name) == key), None)

    def _find(
        self, table: Callable[[int], dict[dt.date, str]], day: dt.date, key: str
    ) -> dt.date | None:
        """The nearest other date (within three days) on which `table` has the same holiday."""
        for offset in (1, -1, 2, -2, 3, -3):
            near = day + dt.timedelta(days=offset)
            names = table(near.year).get(near)
            if names and key in {self._key(n) for n in names.split("; ")}:
                return near
        return None

    # -- the two sides ----------------------------------------------------------------------
    def _package_only(self, day: dt.date, name: str) -> str:
        key, base = self._key(name), name.replace(OBSERVED, "")
        actual = self._find(self.lib, day, key) if name.endswith(OBSERVED) else None
        if actual is not None and actual in self.pack(actual.year):
            observance = self.spec.observance.source
            why = f" ({_short(observance)})" if observance else ""
            return (
                f"package moves {_weekday(actual)} {actual} {base} to {_weekday(day)} {day}; "
                f"{self.authority} keeps it on the {_weekday(actual)}{why}"
            )
        moved = f" (moved from {_weekday(actual)} {actual})" if actual else ""
        for excluded in self.spec.not_holidays:
            if any(_norm(m) in _norm(name) for m in excluded.matches):
                why = excluded.source.note or _short(excluded.source)
                return f"package counts {base}{moved}; not on {self.authority}: {why}"
        if day in self.cal.removed:
            entry = self.cal.removed[day]
            return f"removed by the pack: {entry.name} ({_short(entry.source)})"
        rule = self._rule(key)
        if rule is not None and rule_date(rule, (actual or day).year) is None:
            since = f"from {rule.from_year}" if rule.from_year else f"until {rule.until_year}"
            return (
                f"package counts {base} in {day.year}; {self.authority} names it {since} "
                f"({_short(rule.source)})"
            )
        other = self._find(self.pack, day, key)
        if other is not None and day.weekday() in self.cal.weekend:
            return (
                f"a {_weekday(day)}: {self.authority} observes {base} on {_weekday(other)} {other}"
            )
        if other is not None:
            return (
                f"package has {base} on {_weekday(day)} {day}; {self.authority} on "
                f"{_weekday(other)} {other}"
            )
        return f"package counts {base}; not on {self.authority} for {day.year}"

    def _pack_only(self, day: dt.date, name: str) -> str:
        if day in self.cal.added:
            return f"added by the pack: {_short(self.cal.added[day].source)}"
        base = name.replace(OBSERVED, "")
        other = self._find(self.lib, day, self._key(name))
        if other is not None:
            return (
                f"{self.authority} has {base} on {_weekday(day)} {day}; the package on "
                f"{_weekday(other)} {other}"
            )
        return f"on {self.authority}; the package does not count {base}"
