"""What a report covers: its filters, read from a query string, a form or the command line, with
errors that name the field; and the program time zones that dates are counted in (SPEC 3:
"dates are that zone's local dates")."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q

from appealdesk.cases.errors import InvalidInput
from appealdesk.cases.models import CHANNEL_CHOICES, KIND_CHOICES, OUTCOME_CHOICES
from appealdesk.policy import default_registry
from appealdesk.policy.contract import date_in_range
from appealdesk.policy.quoting import quoted

BASES = ("received", "due")
KINDS = tuple(k for k, _ in KIND_CHOICES)
CHANNELS = tuple(c for c, _ in CHANNEL_CHOICES)
OUTCOMES = tuple(o for o, _ in OUTCOME_CHOICES)
NO_LEVEL = 0  # `level=none`: cases without a level (complaints, grievances)
TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


@dataclass(frozen=True)
class ReportFilter:
    """The cases (and clocks) a report counts. Dates are local dates of the program's zone,
    both ends included: the case's `received_date`, or with `basis="due"` (timeliness only)
    the local date of the clock's due time."""

    program: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    basis: str = "received"
    handler: str | None = None
    kind: str | None = None
    level: int | None = None  # NO_LEVEL: no level
    expedited: bool | None = None
    category: str | None = None
    channel: str | None = None

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> ReportFilter:
        """From query parameters (`from`, `to`, `program`…); blank means any."""
        text = given(data)
        program = text.get("program")
        if program is not None and program not in programs():
            raise InvalidInput(
                f"program: {quoted(program)} is not a program; use one of {', '.join(programs())}",
                field="program",
            )
        found = cls(
            program=program,
            date_from=_date(text.get("from"), "from"),
            date_to=_date(text.get("to"), "to"),
            basis=_choice(text.get("basis", "received"), BASES, "basis"),
            handler=ident(text.get("handler"), "handler"),
            kind=_choice(text.get("kind"), KINDS, "kind"),
            level=_level(text.get("level")),
            expedited=flag(text.get("expedited"), "expedited"),
            category=ident(text.get("category"), "category"),
            channel=_choice(text.get("channel"), CHANNELS, "channel"),
        )
        if found.date_from and found.date_to and found.date_from > found.date_to:
            raise InvalidInput(
                f"to: {found.date_to} is before from ({found.date_from}); swap them",
                field="to",
            )
        return found

    def params(self) -> dict[str, str]:
        """The filter as query parameters again (for links and downloads)."""
        out: dict[str, str] = {}
        for name, value in (
            ("program", self.program),
            ("from", self.date_from),
            ("to", self.date_to),
            ("handler", self.handler),
            ("kind", self.kind),
            ("category", self.category),
            ("channel", self.channel),
        ):
            if value is not None:
                out[name] = str(value)
        if self.basis != "received":
            out["basis"] = self.basis
        if self.level is not None:
            out["level"] = "none" if self.level == NO_LEVEL else str(self.level)
        if self.expedited is not None:
            out["expedited"] = "true" if self.expedited else "false"
        return out

    def replace(self, **changes: Any) -> ReportFilter:
        return dataclasses.replace(self, **changes)

    def case_q(self, *, within: Q | None = None, prefix: str = "", dates: bool = True) -> Q:
        """The conditions on the case; `prefix` ("case__") to use them from its clocks.
        `within` is the user's visibility (`roles.visible`)."""
        q = Q()
        for name in ("program", "handler", "kind", "expedited", "category", "channel"):
            value = getattr(self, name)
            if value is not None:
                q &= Q(**{prefix + name: value})
        if self.level == NO_LEVEL:
            q &= Q(**{prefix + "level__isnull": True})
        elif self.level is not None:
            q &= Q(**{prefix + "level": self.level})
        if dates and self.basis == "received":
            q &= received_q(self.date_from, self.date_to, prefix)
        if within is not None:
            q &= prefixed(within, prefix)
        return q

    def due_q(self) -> Q:
        """With `basis="due"`: the clock's due time falls on a local date in the range."""
        if self.basis != "due":
            return Q()
        return instant_q("due_at", self.date_from, self.date_to, "case__")

    def describe(self) -> str:
        """In words, for file names and the access log: 'ump 2026-01-01..2026-03-31'."""
        parts = [f"{k}={v}" for k, v in self.params().items() if k not in ("from", "to")]
        if self.date_from or self.date_to:
            span = f"{self.date_from or '…'}..{self.date_to or '…'}"
            parts.insert(0, f"{'due' if self.basis == 'due' else 'received'} {span}")
        return " ".join(parts) or "all cases"


def received_q(first: dt.date | None, last: dt.date | None, prefix: str = "") -> Q:
    q = Q()
    if first is not None:
        q &= Q(**{prefix + "received_date__gte": first})
    if last is not None:
        q &= Q(**{prefix + "received_date__lte": last})
    return q


def instant_q(field: str, first: dt.date | None, last: dt.date | None, case_prefix: str) -> Q:
    """Instants on local dates first..last of their case's program zone: a range on the stored
    UTC instant per zone (so an index on the instant serves it)."""
    if first is None and last is None:
        return Q()

    def bounds(tz: ZoneInfo) -> Q:
        q = Q()
        if first is not None:
            q &= Q(**{f"{field}__gte": start_of_day(first, tz)})
        if last is not None:
            q &= Q(**{f"{field}__lt": start_of_day(last + dt.timedelta(days=1), tz)})
        return q

    return by_zone(bounds, case_prefix)


def start_of_day(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tz).astimezone(dt.UTC)


def month_range(month: str, field: str) -> tuple[dt.date, dt.date]:
    """'2026-03' → (2026-03-01, 2026-03-31)."""
    try:
        first = dt.date.fromisoformat(f"{month}-01")
    except ValueError:
        raise InvalidInput(
            f"{field}: {quoted(month)} is not a month; use YYYY-MM", field=field
        ) from None
    _in_range(first, field)
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, following - dt.timedelta(days=1)


# -- program zones ----------------------------------------------------------------------------
@cache
def zones() -> dict[str, ZoneInfo]:
    """Each program's time zone, from its newest pack version."""
    registry = default_registry()
    return {p: ZoneInfo(registry.latest(p).pack.time_zone) for p in registry.programs()}


def programs() -> list[str]:
    return sorted(zones())


def zone_of(program: str) -> ZoneInfo:
    return zones().get(program) or ZoneInfo(settings.TIME_ZONE)


def by_zone(condition: Callable[[ZoneInfo], Q], prefix: str = "") -> Q:
    """`condition(zone)` for the cases of each program zone. Both shipped packs share one zone,
    which needs no program test at all; a program no pack knows uses the installation's zone."""
    groups: dict[str, list[str]] = {}
    for program, tz in zones().items():
        groups.setdefault(tz.key, []).append(program)
    default = ZoneInfo(settings.TIME_ZONE).key
    if len(groups) == 1 and default in groups:
        return condition(ZoneInfo(default))
    q = Q()
    others = [p for key, members in groups.items() if key != default for p in members]
    for key, members in groups.items():
        if key != default:
            q |= Q(**{prefix + "program__in": members}) & condition(ZoneInfo(key))
    return q | (~Q(**{prefix + "program__in": others}) & condition(ZoneInfo(default)))


def today(program: str | None, now: dt.datetime) -> dt.date:
    return now.astimezone(zone_of(program or "")).date()


def prefixed(q: Q, prefix: str) -> Q:
    """A filter on cases (such as `roles.visible`) as a filter on rows pointing at the case."""
    if not prefix:
        return q
    out = Q()
    out.connector, out.negated = q.connector, q.negated
    out.children = [
        prefixed(child, prefix) if isinstance(child, Q) else (prefix + child[0], child[1])
        for child in q.children
    ]
    return out


# -- parsing ----------------------------------------------------------------------------------
IDENT = re.compile(r"[A-Za-z0-9_.-]{1,60}")


def given(data: Mapping[str, Any]) -> dict[str, str]:
    """The parameters that say something (blank means any)."""
    return {k: str(v).strip() for k, v in data.items() if v is not None and str(v).strip()}


def ident(value: str | None, field: str) -> str | None:
    """A pack identifier (handler, category, clock): anything else can match nothing, and a
    NUL byte would be refused by PostgreSQL."""
    if value is None or IDENT.fullmatch(value):
        return value
    raise InvalidInput(f"{field}: {quoted(value)} is not an identifier of a pack", field=field)


def _date(value: str | None, field: str) -> dt.date | None:
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{field}: {quoted(value)} is not a date; use YYYY-MM-DD, e.g. 2026-01-01", field=field
        ) from None
    return _in_range(day, field)


def _in_range(day: dt.date, field: str) -> dt.date:
    # the day after the last one and the start of a day in UTC are computed from it
    try:
        return date_in_range(day)
    except ValueError as exc:
        raise InvalidInput(f"{field}: {exc}", field=field) from None


def _choice(value: str | None, allowed: tuple[str, ...], field: str) -> Any:
    if value is None or value in allowed:
        return value
    raise InvalidInput(f"{field}: {quoted(value)} is not one of {', '.join(allowed)}", field=field)


def _level(value: str | None) -> int | None:
    if value is None:
        return None
    if value.lower() == "none":
        return NO_LEVEL
    if value.isascii() and value.isdigit() and 1 <= int(value) <= 9:
        return int(value)
    raise InvalidInput(f"level: {quoted(value)} is not a level; use 1, 2 or none", field="level")


def flag(value: str | None, field: str) -> bool | None:
    if value is None:
        return None
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise InvalidInput(f"{field}: {quoted(value)} is not yes or no; use true or false", field=field)
