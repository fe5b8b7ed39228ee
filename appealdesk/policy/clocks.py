"""Where a clock stands at an instant: a pure function the sweep, worklist and reports share."""

from __future__ import annotations

import datetime as dt
from typing import Literal

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
