"""SQL expressions the reports group by, in plain SQL on both databases (no per-row Python
function on SQLite, as Django's TruncMonth of a date would call)."""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, FloatField, Func


class YearMonth(Func):
    """'2026-03' of a date column (a local date such as `received_date`)."""

    output_field = CharField()
    template = "to_char(%(expressions)s, 'YYYY-MM')"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # a literal % in a template is written %%%% (one doubling for the template, one for
        # the driver's parameter style)
        return self.as_sql(
            compiler, connection, template="strftime('%%%%Y-%%%%m', %(expressions)s)", **extra
        )


class WeekStart(Func):
    """The Monday of a date's week, as 'YYYY-MM-DD' (ISO weeks, Monday to Sunday)."""

    output_field = CharField()
    template = "to_char(date_trunc('week', %(expressions)s), 'YYYY-MM-DD')"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # 'weekday 0' moves forward to the Sunday (or stays on one); 6 days back is its Monday
        return self.as_sql(
            compiler, connection, template="date(%(expressions)s, 'weekday 0', '-6 days')", **extra
        )


class ElapsedDays(Func):
    """Days from the first instant to the second, with fractions (exact instant arithmetic)."""

    output_field = FloatField()
    arity = 2
    template = "(CAST(EXTRACT(EPOCH FROM (%(expressions)s)) AS double precision) / 86400.0)"
    arg_joiner = " - "

    def __init__(self, start: Any, end: Any, **extra: Any) -> None:
        super().__init__(end, start, **extra)  # end - start

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        end, start = (compiler.compile(e) for e in self.get_source_expressions())
        return f"(julianday({end[0]}) - julianday({start[0]}))", (*end[1], *start[1])


class Year(Func):
    """'2026' of a date column."""

    output_field = CharField()
    template = "to_char(%(expressions)s, 'YYYY')"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="strftime('%%%%Y', %(expressions)s)", **extra
        )
