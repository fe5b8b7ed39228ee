"""Where a clock stands at an instant: a pure function the sweep, worklist and reports share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from appealdesk.policy.calendar import Calendar
from appealdesk.policy.timecalc import compute_due

Status = Literal["pending", "on_time", "at_risk", "overdue", "paused", "met", "missed", "cancelled"]


def clock_status(
    *,
    state: str,
    started_at: dt.datetime | None,
    due_at: dt.datetime | None,
    now: dt.datetime,
    at_risk_fraction: float,
) -> Status:
    """`at_risk` once `at_risk_fraction` of the time between start and due has elapsed."""
    if state in ("met", "missed", "cancelled", "pending", "paused"):
        return state  # type: ignore[return-value]
    if due_at is None or started_at is None:
        return "pending"
    if now > due_at:
        return "overdue"
    if now >= at_risk_from(started_at, due_at, at_risk_fraction):
        return "at_risk"
    return "on_time"


def at_risk_from(started_at: dt.datetime, due_at: dt.datetime, fraction: float) -> dt.datetime:
    return started_at + (due_at - started_at) * fraction


# An immediate clock is due at its start ("immediately"): the first of its milestones to be
# recorded meets it, whenever that is, and a sweep never marks it missed (issue 23).
NEVER_MISSED_UNITS: Final = frozenset({"immediate"})


def met_in_time(*, unit: str, due_at: dt.datetime | None, at: dt.datetime) -> bool:
    """Whether a milestone recorded `at` meets the clock (rather than arriving late)."""
    return unit in NEVER_MISSED_UNITS or (due_at is not None and at <= due_at)


def extension_limit(
    rule: Mapping[str, Any] | None,
    original_due_at: dt.datetime,
    *,
    tz: ZoneInfo,
    calendar: Calendar,
) -> dt.datetime | None:
    """The latest due time an extension may set, when the clock's pack rule caps it
    (`extension.up_to`, e.g. 14 calendar days past the original due time); None otherwise."""
    up_to = (rule or {}).get("up_to")
    if not up_to:
        return None
    due = compute_due(
        unit=str(up_to["unit"]),
        length=int(up_to["length"]),
        start=original_due_at,
        tz=tz,
        calendar=calendar,
    )
    return due.due_at
