"""How much time a clock has left, in words a person reads at a glance (no Django here)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

# The worklist's sentinel for "no running clock" (services.NO_DUE) is far in the future.
NO_CLOCK_AFTER = dt.datetime(9000, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class Status:
    # red (a binding clock overdue), amber (at risk), green (on time), target (a non-binding
    # target missed: never red, SPEC 4.1 "decision target 14 days ... limit 30 days"), none
    rag: str
    words: str  # "decision in 2 days 4 hours", "acknowledge overdue by 3 hours"


def clock_name(clock_id: str) -> str:
    """The pack's clock id as a badge names it: 'decision_target' -> 'decision target'."""
    return clock_id.replace("_", " ").replace("-", " ")


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


def status(
    due_at: dt.datetime | None,
    at_risk_at: dt.datetime | None,
    now: dt.datetime,
    clock: str = "",
) -> Status:
    """A binding clock's countdown; `clock` (its id) names it: 'decision in 7 days'."""
    if due_at is None or due_at >= NO_CLOCK_AFTER:
        return Status("none", "no running clock")
    name = clock_name(clock)
    if due_at < now:
        return Status("red", f"{name} overdue by {span(now - due_at)}".lstrip())
    left = span(due_at - now)
    words = f"{name} in {left}" if name else f"{left} left"
    if at_risk_at is not None and at_risk_at <= now:
        return Status("amber", words)
    return Status("green", words)


def target_missed(clock: str, due_at: dt.datetime, now: dt.datetime) -> Status:
    """A non-binding target that passed: a missed target, not a missed deadline (no red)."""
    name = clock_name(clock)
    if "target" not in name:
        name = f"{name} target"
    return Status("target", f"{name} missed by {span(now - due_at)}")


def of_clock(
    state: str,
    due_at: dt.datetime | None,
    at_risk_at: dt.datetime | None,
    met_at: dt.datetime | None,
    now: dt.datetime,
    binding: bool = True,
) -> Status:
    """A clock of any state: running ones count down; settled ones say how they ended. A
    non-binding target past its time is a missed target (grey), never 'overdue' (red)."""
    late = "red" if binding else "target"
    if state in ("running", "extended"):
        if not binding and due_at is not None and due_at < now:
            return Status("target", f"target missed by {span(now - due_at)}")
        return status(due_at, at_risk_at, now)
    if state == "met":
        return Status("green", "met in time")
    if state == "missed" and due_at is not None:
        if met_at is not None:
            return Status(late, f"met late by {span(met_at - due_at)}")
        if not binding:
            return Status("target", f"target missed by {span(now - due_at)}")
        return Status("red", f"overdue by {span(now - due_at)}")
    return Status("none", {"paused": "paused", "pending": "not started"}.get(state, state))


class Row(Protocol):
    """A worklist row (cases.selectors.WorkItem) as the badges read it."""

    @property
    def next_due_at(self) -> dt.datetime: ...
    @property
    def next_at_risk_at(self) -> dt.datetime: ...
    @property
    def next_clock(self) -> str | None: ...
    @property
    def target_clock(self) -> str | None: ...
    @property
    def target_due_at(self) -> dt.datetime | None: ...


def of_row(item: Row, now: dt.datetime) -> tuple[Status, Status | None]:
    """A worklist row's badges: its most urgent binding clock, named, and a missed target."""
    deadline = status(item.next_due_at, item.next_at_risk_at, now, item.next_clock or "")
    target = None
    if item.target_clock and item.target_due_at is not None:
        target = target_missed(item.target_clock, item.target_due_at, now)
    return deadline, target
