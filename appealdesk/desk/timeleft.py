"""How much time a clock has left, in words a person reads at a glance (no Django here)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# The worklist's sentinel for "no running clock" (services.NO_DUE) is far in the future.
NO_CLOCK_AFTER = dt.datetime(9000, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class Status:
    rag: str  # red (overdue), amber (at risk), green (on time), none (no running clock)
    words: str  # "2 days 4 hours", "overdue by 3 hours", "no running clock"


def span(delta: dt.timedelta) -> str:
    """The two largest units of a duration: '2 days 4 hours', '3 hours 10 minutes', '5 minutes'."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [(days, "day"), (hours, "hour"), (mins, "minute")]
    shown = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n][:2]
    if days:  # minutes do not matter when days are left
        shown = [p for p in shown if "minute" not in p]
    return " ".join(shown) or "less than a minute"


def status(due_at: dt.datetime | None, at_risk_at: dt.datetime | None, now: dt.datetime) -> Status:
    if due_at is None or due_at >= NO_CLOCK_AFTER:
        return Status("none", "no running clock")
    if due_at < now:
        return Status("red", f"overdue by {span(now - due_at)}")
    left = span(due_at - now)
    if at_risk_at is not None and at_risk_at <= now:
        return Status("amber", f"{left} left")
    return Status("green", f"{left} left")


def of_clock(
    state: str,
    due_at: dt.datetime | None,
    at_risk_at: dt.datetime | None,
    met_at: dt.datetime | None,
    now: dt.datetime,
) -> Status:
    """A clock of any state: running ones count down; settled ones say how they ended."""
    if state in ("running", "extended"):
        return status(due_at, at_risk_at, now)
    if state == "met":
        return Status("green", "met in time")
    if state == "missed" and due_at is not None:
        if met_at is not None:
            return Status("red", f"met late by {span(met_at - due_at)}")
        return Status("red", f"overdue by {span(now - due_at)}")
    return Status("none", {"paused": "paused", "pending": "not started"}.get(state, state))
