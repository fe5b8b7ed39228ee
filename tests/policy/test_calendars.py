"""The business-day calendars of issue 20 (SPEC 3 "Calendars", 4.2): the dated table of the list
the law names, year by year with its source; the `holidays` package as a cross-check only."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from typer.testing import CliRunner

from appealdesk.cli import app
from appealdesk.policy import PackRegistry, assess, default_registry, load_pack_file
from appealdesk.policy.assess import program_for
from appealdesk.policy.calendar import Calendar
from tests.conftest import clocks, genex
from tests.policy.test_packs import LEGACY_GENEX

runner = CliRunner()


def calendar(program: str) -> Calendar:
    return program_for(default_registry().latest(program)).calendar


CA, WA = calendar("genex-ur"), calendar("ump")
# genex-ur 2026.1: the holidays package's US-CA list, as cases received before 2026.2 keep it
PACKAGE = program_for(load_pack_file(LEGACY_GENEX)).calendar

# -- one table per year, for both programs: each holiday with its source --------------------------
# law: Labor Code 4600.4(b): a "normal business day" is not a Saturday, a Sunday, a day the
# Governor declares an official state holiday, or a holiday on CalHR's list. CalHR's holidays
# (Government Code 19853): a Sunday holiday is observed the Monday after; a Saturday one earns
# holiday credit and stays on the Saturday, except 11 November (the Friday before).
# law: RCW 1.16.050(1) (Juneteenth from 2022: 2021 c 295); (5): Sunday -> Monday, Saturday ->
# the Friday before (1 January 2022 and 2028 make 31 December a holiday of the year before).
# The third column says whose holiday a line is (CA: genex-ur, WA: ump). 2020-2026 are published
# lists, 2027-2030 projected from the statutes' rules.
PUBLISHED_UNTIL = 2026
YEARS = {
    2020: """
        2020-01-01 Wed CA+WA New Year's Day
        2020-01-20 Mon CA+WA Martin Luther King Jr. Day
        2020-02-17 Mon CA+WA Presidents' Day
        2020-03-31 Tue CA    Cesar Chavez Day
        2020-05-25 Mon CA+WA Memorial Day
        2020-07-03 Fri WA    Independence Day (observed)
        2020-07-04 Sat CA    Independence Day
        2020-09-07 Mon CA+WA Labor Day
        2020-11-11 Wed CA+WA Veterans Day
        2020-11-26 Thu CA+WA Thanksgiving Day
        2020-11-27 Fri CA    Day after Thanksgiving
        2020-11-27 Fri WA    Native American Heritage Day
        2020-12-25 Fri CA+WA Christmas Day
    """,
    2021: """
        2021-01-01 Fri CA+WA New Year's Day
        2021-01-18 Mon CA+WA Martin Luther King Jr. Day
        2021-02-15 Mon CA+WA Presidents' Day
        2021-03-31 Wed CA    Cesar Chavez Day
        2021-05-31 Mon CA+WA Memorial Day
        2021-07-05 Mon CA+WA Independence Day (observed)
        2021-09-06 Mon CA+WA Labor Day
        2021-11-11 Thu CA+WA Veterans Day
        2021-11-25 Thu CA+WA Thanksgiving Day
        2021-11-26 Fri CA    Day after Thanksgiving
        2021-11-26 Fri WA    Native American Heritage Day
        2021-12-24 Fri WA    Christmas Day (observed)
        2021-12-25 Sat CA    Christmas Day
        2021-12-31 Fri WA    New Year's Day (observed)
    """,
    2022: """
        2022-01-01 Sat CA    New Year's Day
        2022-01-17 Mon CA+WA Martin Luther King Jr. Day
        2022-02-21 Mon CA+WA Presidents' Day
        2022-03-31 Thu CA    Cesar Chavez Day
        2022-05-30 Mon CA+WA Memorial Day
        2022-06-20 Mon WA    Juneteenth (observed)
        2022-07-04 Mon CA+WA Independence Day
        2022-09-05 Mon CA+WA Labor Day
        2022-11-11 Fri CA+WA Veterans Day
        2022-11-24 Thu CA+WA Thanksgiving Day
        2022-11-25 Fri CA    Day after Thanksgiving
        2022-11-25 Fri WA    Native American Heritage Day
        2022-12-26 Mon CA+WA Christmas Day (observed)
    """,
    2023: """
        2023-01-02 Mon CA+WA New Year's Day (observed)
        2023-01-16 Mon CA+WA Martin Luther King Jr. Day
        2023-02-20 Mon CA+WA Presidents' Day
        2023-03-31 Fri CA    Cesar Chavez Day
        2023-05-29 Mon CA+WA Memorial Day
        2023-06-19 Mon WA    Juneteenth
        2023-07-04 Tue CA+WA Independence Day
        2023-09-04 Mon CA+WA Labor Day
        2023-11-10 Fri CA+WA Veterans Day (observed)
        2023-11-23 Thu CA+WA Thanksgiving Day
        2023-11-24 Fri CA    Day after Thanksgiving
        2023-11-24 Fri WA    Native American Heritage Day
        2023-12-25 Mon CA+WA Christmas Day
    """,
    2024: """
        2024-01-01 Mon CA+WA New Year's Day
        2024-01-15 Mon CA+WA Martin Luther King Jr. Day
        2024-02-19 Mon CA+WA Presidents' Day
        2024-04-01 Mon CA    Cesar Chavez Day (observed)
        2024-05-27 Mon CA+WA Memorial Day
        2024-06-19 Wed WA    Juneteenth
        2024-07-04 Thu CA+WA Independence Day
        2024-09-02 Mon CA+WA Labor Day
        2024-11-11 Mon CA+WA Veterans Day
        2024-11-28 Thu CA+WA Thanksgiving Day
        2024-11-29 Fri CA    Day after Thanksgiving
        2024-11-29 Fri WA    Native American Heritage Day
        2024-12-25 Wed CA+WA Christmas Day
    """,
    2025: """
        2025-01-01 Wed CA+WA New Year's Day
        2025-01-20 Mon CA+WA Martin Luther King Jr. Day
        2025-02-17 Mon CA+WA Presidents' Day
        2025-03-31 Mon CA    Cesar Chavez Day
        2025-05-26 Mon CA+WA Memorial Day
        2025-06-19 Thu WA    Juneteenth
        2025-07-04 Fri CA+WA Independence Day
        2025-09-01 Mon CA+WA Labor Day
        2025-11-11 Tue CA+WA Veterans Day
        2025-11-27 Thu CA+WA Thanksgiving Day
        2025-11-28 Fri CA    Day after Thanksgiving
        2025-11-28 Fri WA    Native American Heritage Day
        2025-12-25 Thu CA+WA Christmas Day
    """,
    2026: """
        2026-01-01 Thu CA+WA New Year's Day
        2026-01-19 Mon CA+WA Martin Luther King Jr. Day
        2026-02-16 Mon CA+WA Presidents' Day
        2026-03-31 Tue CA    Cesar Chavez Day
        2026-05-25 Mon CA+WA Memorial Day
        2026-06-19 Fri WA    Juneteenth
        2026-07-03 Fri WA    Independence Day (observed)
        2026-07-04 Sat CA    Independence Day
        2026-09-07 Mon CA+WA Labor Day
        2026-11-11 Wed CA+WA Veterans Day
        2026-11-26 Thu CA+WA Thanksgiving Day
        2026-11-27 Fri CA    Day after Thanksgiving
        2026-11-27 Fri WA    Native American Heritage Day
        2026-12-25 Fri CA+WA Christmas Day
    """,
    2027: """
        2027-01-01 Fri CA+WA New Year's Day
        2027-01-18 Mon CA+WA Martin Luther King Jr. Day
        2027-02-15 Mon CA+WA Presidents' Day
        2027-03-31 Wed CA    Cesar Chavez Day
        2027-05-31 Mon CA+WA Memorial Day
        2027-06-18 Fri WA    Juneteenth (observed)
        2027-07-05 Mon CA+WA Independence Day (observed)
        2027-09-06 Mon CA+WA Labor Day
        2027-11-11 Thu CA+WA Veterans Day
        2027-11-25 Thu CA+WA Thanksgiving Day
        2027-11-26 Fri CA    Day after Thanksgiving
        2027-11-26 Fri WA    Native American Heritage Day
        2027-12-24 Fri WA    Christmas Day (observed)
        2027-12-25 Sat CA    Christmas Day
        2027-12-31 Fri WA    New Year's Day (observed)
    """,
    2028: """
        2028-01-01 Sat CA    New Year's Day
        2028-01-17 Mon CA+WA Martin Luther King Jr. Day
        2028-02-21 Mon CA+WA Presidents' Day
        2028-03-31 Fri CA    Cesar Chavez Day
        2028-05-29 Mon CA+WA Memorial Day
        2028-06-19 Mon WA    Juneteenth
        2028-07-04 Tue CA+WA Independence Day
        2028-09-04 Mon CA+WA Labor Day
        2028-11-10 Fri CA+WA Veterans Day (observed)
        2028-11-23 Thu CA+WA Thanksgiving Day
        2028-11-24 Fri CA    Day after Thanksgiving
        2028-11-24 Fri WA    Native American Heritage Day
        2028-12-25 Mon CA+WA Christmas Day
    """,
    2029: """
        2029-01-01 Mon CA+WA New Year's Day
        2029-01-15 Mon CA+WA Martin Luther King Jr. Day
        2029-02-19 Mon CA+WA Presidents' Day
        2029-03-31 Sat CA    Cesar Chavez Day
        2029-05-28 Mon CA+WA Memorial Day
        2029-06-19 Tue WA    Juneteenth
        2029-07-04 Wed CA+WA Independence Day
        2029-09-03 Mon CA+WA Labor Day
        2029-11-12 Mon CA+WA Veterans Day (observed)
        2029-11-22 Thu CA+WA Thanksgiving Day
        2029-11-23 Fri CA    Day after Thanksgiving
        2029-11-23 Fri WA    Native American Heritage Day
        2029-12-25 Tue CA+WA Christmas Day
    """,
    2030: """
        2030-01-01 Tue CA+WA New Year's Day
        2030-01-21 Mon CA+WA Martin Luther King Jr. Day
        2030-02-18 Mon CA+WA Presidents' Day
        2030-04-01 Mon CA    Cesar Chavez Day (observed)
        2030-05-27 Mon CA+WA Memorial Day
        2030-06-19 Wed WA    Juneteenth
        2030-07-04 Thu CA+WA Independence Day
        2030-09-02 Mon CA+WA Labor Day
        2030-11-11 Mon CA+WA Veterans Day
        2030-11-28 Thu CA+WA Thanksgiving Day
        2030-11-29 Fri CA    Day after Thanksgiving
        2030-11-29 Fri WA    Native American Heritage Day
        2030-12-25 Wed CA+WA Christmas Day
    """,
}
SOURCES = {
    # program: (its tag above, the year's list, the statute's rule for each day)
    "genex-ur": ("CA", "CalHR, {year} State Holidays", "Government Code 19853(a)"),
    "ump": ("WA", "RCW 1.16.050 as in force in {year}", "RCW 1.16.050(1)"),
}


@pytest.mark.parametrize(("program", "year"), [(p, y) for p in SOURCES for y in YEARS])
def test_each_years_holidays_with_their_source(program, year):
    tag, listed, rule = SOURCES[program]
    expected = [
        (day, weekday, name)
        for day, weekday, whose, name in (
            line.split(maxsplit=3) for line in YEARS[year].strip().splitlines()
        )
        if tag in whose.split("+")
    ]
    cal = calendar(program)
    entries = cal.entries(year)
    assert [(e.date.isoformat(), e.date.strftime("%a"), e.name) for e in entries] == expected
    assert cal.year_status(year) == ("published" if year <= PUBLISHED_UNTIL else "projected")
    for entry in entries:
        assert listed.format(year=year) in entry.source and rule in entry.source, entry
    assert cal.holidays_in(year) == {e.date: e.name for e in entries}


# -- what the law's calendar changes --------------------------------------------------------------
def ack(received: str, **registry) -> dict:
    request = genex(received_at=received, occurrence_date=received[:10])
    return clocks(assess(request, **registry))["acknowledge"]


def test_the_issue_example_december_2027():
    """seed: "acknowledge receipt of the grievance within 5 business days". Received Thursday
    23 December 2027. CalHR keeps Christmas (Saturday 25 December) and New Year's Day (Saturday
    1 January 2028) on their Saturdays, so by hand: Fri 24 (1), Mon 27 (2), Tue 28 (3),
    Wed 29 (4), Thu 30 (5). The package moved both to Fridays 24 and 31 December: Mon 27 (1),
    Tue 28 (2), Wed 29 (3), Thu 30 (4), Mon 3 January (5)."""
    assert ack("2027-12-23T09:00:00-08:00")["due_date"] == "2027-12-30"
    legacy = PackRegistry([load_pack_file(LEGACY_GENEX)])
    assert ack("2027-12-23T09:00:00-08:00", registry=legacy)["due_date"] == "2028-01-03"
    # Wednesday 22nd: Thu 23 (1), Fri 24 (2), Mon 27 (3), Tue 28 (4), Wed 29 (5); the package
    # skips Friday 24th and gives Thursday 30th
    assert ack("2027-12-22T09:00:00-08:00")["due_date"] == "2027-12-29"
    assert ack("2027-12-22T09:00:00-08:00", registry=legacy)["due_date"] == "2027-12-30"


def test_a_saturday_holiday_is_not_moved_in_california():
    # Independence Day 2026 is Saturday 4 July: CalHR's list keeps it there (holiday credit),
    # state offices are open Friday 3 July, so it is a business day.
    assert dt.date(2026, 7, 4) in CA.holidays_in(2026)
    assert CA.is_business_day(dt.date(2026, 7, 3)) and not PACKAGE.is_business_day(
        dt.date(2026, 7, 3)
    )
    # received Wednesday 1 July: Thu 2 (1), Fri 3 (2), Mon 6 (3), Tue 7 (4), Wed 8 (5)
    assert ack("2026-07-01T10:00:00-07:00")["due_date"] == "2026-07-08"


def test_veterans_day_on_a_saturday_is_the_friday_before():
    # Government Code 19853(b): "If November 11 falls upon a Saturday, the preceding Friday"
    assert not CA.is_business_day(dt.date(2028, 11, 10))
    # received Thursday 9 November 2028: Fri 10 is the holiday; Mon 13 ... Fri 17 (5)
    assert ack("2028-11-09T10:00:00-08:00")["due_date"] == "2028-11-17"


def test_washington_moves_a_saturday_holiday_to_the_friday():
    # RCW 1.16.050(5): "When a legal holiday falls upon a Saturday, the preceding Friday"
    assert not WA.is_business_day(dt.date(2026, 7, 3))
    assert not WA.is_business_day(dt.date(2027, 12, 31))  # New Year's Day 2028
    # Juneteenth is a legal holiday from 2022 (2021 c 295 took effect 25 July 2021)
    assert WA.is_business_day(dt.date(2021, 6, 18)) and not WA.is_business_day(dt.date(2022, 6, 20))


def test_only_dates_the_calendars_disagree_on_change_an_answer():
    """Every start day 2020-2030, 1 to 10 business days: the law's calendar and the package's
    give the same due date unless a weekday they disagree on lies in the count."""
    disagree = {
        np.datetime64(d.date)
        for year in range(2020, 2032)
        for d in CA.crosscheck_diff(year)
        if d.business
    }
    starts = np.arange(np.datetime64("2020-01-01"), np.datetime64("2031-01-01"))
    for n in (1, 5, 10):
        ours, theirs = (
            CA.add_business_days_many(starts, n),
            PACKAGE.add_business_days_many(starts, n),
        )
        for start, a, b in zip(starts, ours, theirs, strict=True):
            touched = any(start < d <= max(a, b) for d in disagree)
            assert (a == b) or touched, (start, n, a, b)
        assert (ours != theirs).any()


# -- projected years ----------------------------------------------------------------------------
def warnings_of(received: str) -> list[str]:
    """The answer's warnings but the pack's stated interpretations (tested on their own)."""
    answer = assess(genex(received_at=received, occurrence_date=received[:10]))
    return [w for w in answer["warnings"] if not w.startswith("interpretation (")]


def test_a_clock_reaching_into_a_projected_year_warns():
    # Monday 28 December 2026: Tue 29, Wed 30, Thu 31, (Fri 1 January a holiday), Mon 4, Tue 5
    assert ack("2026-12-28T10:00:00-08:00")["due_date"] == "2027-01-05"
    (warning,) = warnings_of("2026-12-28T10:00:00-08:00")
    assert warning.startswith("acknowledge (2027-01-05): counted on the ca-state holidays of 2027")
    assert "projected" in warning and "CalHR's list for 2027 is not published" in warning
    # within a published year: nothing to say
    assert warnings_of("2026-12-01T10:00:00-08:00") == []


def test_a_year_beyond_the_table_is_projected_from_the_rules():
    # 2031 and 2032 are not in the table: the statute's rules still give New Year's Day 2032
    assert CA.year_status(2031) == "projected" and CA.is_holiday(dt.date(2032, 1, 1))
    assert CA.entries(2031)[0].source.startswith("projected: Government Code")
    # Wednesday 31 December 2031: Fri 2 January (1) ... Thu 8 (5)
    assert ack("2031-12-31T10:00:00-08:00")["due_date"] == "2032-01-08"
    years = [w for w in warnings_of("2031-12-31T10:00:00-08:00") if "acknowledge" in w]
    assert ["holidays of 2031" in years[0], "holidays of 2032" in years[1]] == [True, True]


# -- the cross-check ----------------------------------------------------------------------------
def test_the_differences_from_the_package_and_why():
    found = {d.date.isoformat(): d for d in CA.crosscheck_diff(2027)}
    assert sorted(found) == [
        "2027-06-18",
        "2027-06-19",
        "2027-07-04",
        "2027-10-29",
        "2027-12-24",
        "2027-12-31",
    ]
    assert [d for d, x in found.items() if x.business] == [
        "2027-06-18",
        "2027-10-29",
        "2027-12-24",
        "2027-12-31",
    ]
    assert found["2027-12-31"].reason.startswith(
        "package moves Saturday 2028-01-01 New Year's Day to Friday 2027-12-31; "
        "CalHR's list keeps it on the Saturday (Government Code 19853(b)"
    )
    assert found["2027-10-29"].reason.startswith("package counts Diwali; not on CalHR's list")
    assert "moved from Saturday 2027-06-19" in found["2027-06-18"].reason
    assert found["2027-07-04"].reason == (
        "a Sunday: CalHR's list observes Independence Day on Monday 2027-07-05"
    )
    (anthony,) = CA.crosscheck_diff(2028)[:1]
    assert anthony.date == dt.date(2028, 2, 15) and anthony.business
    assert anthony.reason.startswith("package counts Susan B. Anthony Day; not on CalHR's list")
    juneteenth = WA.crosscheck_diff(2021)[0]
    assert juneteenth.date == dt.date(2021, 6, 18) and "names it from 2022" in juneteenth.reason
    assert all(not d.business for d in WA.crosscheck_diff(2026))


def test_cli_calendar_diff():
    result = runner.invoke(app, ["calendar", "genex-ur", "2027", "--diff"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "2027: projected" in lines[1] and "CalHR, 2027 State Holidays" in lines[1]
    assert "compared with holidays 0.109 (US-CA)" in result.output
    assert (
        "2027-12-24 Friday    package: Christmas Day (observed) | pack: - | "
        "business days change" in lines
    )
    assert any(
        line.strip().startswith("why: package moves Saturday 2027-12-25 Christmas Day")
        for line in lines
    )
    assert lines[-1] == (
        "6 dates differ in 2027, 4 of them on weekdays (those change business-day counts)"
    )
    wa = runner.invoke(app, ["calendar", "ump", "2021", "--diff"])
    assert "package counts Juneteenth National Independence Day in 2021" in wa.output


def test_cli_calendar_lists_the_year_with_sources():
    result = runner.invoke(app, ["calendar", "genex-ur", "2026"])
    assert result.exit_code == 0
    assert "2026: published" in result.output
    assert "2026-07-04" in result.output and "Saturday" in result.output
    assert "2026-07-03" not in result.output
    old = runner.invoke(app, ["calendar", "genex-ur", "2026", "--version", "1999.1"])
    assert old.exit_code == 2 and "no version 1999.1" in old.stderr
