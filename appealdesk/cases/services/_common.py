"""What every stage of a case shares: the allowed moves, optimistic locking, the event row
and the worklist fields computed from the clocks, the clocks a milestone meets or starts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, get_args

from django.db.models import F
from django.utils import timezone

from appealdesk.cases import events, packs
from appealdesk.cases.errors import InvalidTransition, StaleVersion
from appealdesk.cases.models import OPEN_STATES, Case, Clock, ClockState, Event
from appealdesk.cases.models import State as S
from appealdesk.policy.assess import Program
from appealdesk.policy.clocks import at_risk_from, met_in_time
from appealdesk.policy.timecalc import compute_due
from appealdesk.policy.vocabulary import DismissalReason

# SPEC 5.2: received → in_review → decided → notified → closed, plus awaiting_information,
# dismissed, redirected, reopened. Only these moves are allowed.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset(
        {S.IN_REVIEW, S.AWAITING_INFORMATION, S.DECIDED, S.DISMISSED, S.REDIRECTED}
    ),
    S.IN_REVIEW: frozenset({S.AWAITING_INFORMATION, S.DECIDED, S.DISMISSED, S.REDIRECTED}),
    S.AWAITING_INFORMATION: frozenset({S.IN_REVIEW, S.DECIDED, S.DISMISSED}),
    S.DECIDED: frozenset({S.NOTIFIED, S.REOPENED}),
    S.NOTIFIED: frozenset({S.CLOSED, S.REOPENED}),
    S.CLOSED: frozenset({S.REOPENED}),
    S.DISMISSED: frozenset({S.REOPENED}),
    S.REDIRECTED: frozenset({S.REOPENED}),
    S.REOPENED: frozenset({S.IN_REVIEW, S.AWAITING_INFORMATION, S.DECIDED, S.DISMISSED}),
}

# Far-future sentinel for "no running clock", so the worklist index orders without NULLs.
NO_DUE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
BACKDATE_GRACE = dt.timedelta(minutes=15)
FUTURE_GRACE = dt.timedelta(minutes=5)
DECISION_OUTCOMES = ("upheld", "overturned", "partially_overturned")
# the policy vocabulary's: untimely, not_appealable, withdrawn (SPEC 5.2)
DISMISSAL_REASONS: tuple[str, ...] = get_args(DismissalReason)

NEXT_DUE_STATES = (ClockState.RUNNING, ClockState.EXTENDED, ClockState.PAUSED)


# -- helpers ----------------------------------------------------------------------------------
def _label(actor: Any) -> str:
    if actor is None:
        return "system"
    return getattr(actor, "get_username", lambda: str(actor))()


def _event(
    case: Case | None,
    action: str,
    *,
    actor: Any,
    at: dt.datetime,
    reason: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> Event:
    """Write a row of the case's event log and publish it (`cases.events`), in the caller's
    transaction. The row is the next link of the case's hash chain (`Event.save` calls
    `cases.chain.append`, which locks the case first)."""
    event = Event.objects.create(
        case=case,
        at=at,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=_label(actor),
        action=action,
        reason=reason,
        before=_jsonable(before),
        after=_jsonable(after),
    )
    events.publish([event])
    return event


def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _fresh(case: Case, expected_version: int | None) -> tuple[Case, int]:
    """The caller's case reloaded in place, and the version the change is based on (the one
    the caller saw, unless given)."""
    expected = case.version if expected_version is None else expected_version
    case.refresh_from_db()
    if case.version != expected:
        raise _stale(case, expected)
    return case, expected


def _stale(current: Case, expected: int) -> StaleVersion:
    last = Event.objects.filter(case=current).order_by("-at", "-id").first()
    return StaleVersion(
        case_number=current.number,
        expected=expected,
        current=current.version,
        changed_by=last.actor_label if last else "someone",
        changed_at=last.at if last else None,
    )


def _save(case: Case, expected: int, actor: Any, now: dt.datetime, **changes: Any) -> None:
    """Write `changes` only if nobody changed the case since `expected` (a conditional UPDATE)."""
    updated = Case.objects.filter(pk=case.pk, version=expected).update(
        version=F("version") + 1,
        updated_at=now,
        updated_by=actor if getattr(actor, "pk", None) else None,
        **changes,
    )
    if updated != 1:
        raise _stale(Case.objects.get(pk=case.pk), expected)
    for name, value in changes.items():
        setattr(case, name, value)
    case.version = expected + 1


def _move(case: Case, to: str) -> None:
    if to not in TRANSITIONS.get(case.state, frozenset()):
        allowed = ", ".join(sorted(TRANSITIONS.get(case.state, ()))) or "nothing"
        raise InvalidTransition(
            f"case {case.number} is {case.state}: it cannot become {to} (from {case.state} it "
            f"can become {allowed})"
        )


def _schedule(case_state: str, clocks: Iterable[Clock]) -> dict[str, dt.datetime | bool]:
    """The case's denormalised worklist fields from its binding clocks: a non-binding target
    (UMP's 14-day `decision_target`, "may take up to 30 days") is no deadline, so it neither
    orders the worklist nor makes a case overdue (issue 18)."""
    live = [
        c
        for c in clocks
        if c.binding
        and c.due_at is not None
        and c.met_at is None
        and (c.state in NEXT_DUE_STATES or c.state == ClockState.MISSED)
    ]
    first = min(live, key=lambda c: c.due_at, default=None)
    return {
        "next_due_at": first.due_at if first else NO_DUE,
        "next_at_risk_at": (first.at_risk_at or first.due_at) if first else NO_DUE,
        "is_open": case_state in OPEN_STATES,
    }


def _reschedule(case: Case) -> dict[str, Any]:
    return _schedule(case.state, Clock.objects.filter(case=case))


def _program(case: Case) -> Program:
    return packs.program_of(case.pack_id)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


# -- milestones: the events that meet clocks and start event-started ones ----------------------
def _apply_milestone(
    case: Case, milestone: str, at: dt.datetime, program: Program
) -> tuple[list[Clock], dict[str, Any]]:
    """Meet the clocks this milestone fulfils; start the pending clocks it starts."""
    clocks = list(Clock.objects.filter(case=case).exclude(state=ClockState.CANCELLED))
    changes: dict[str, Any] = {}
    fraction = program.pack.sweep.at_risk_fraction
    for clock in clocks:
        if milestone in clock.met_by and clock.met_at is None and clock.state != ClockState.PENDING:
            clock.met_at = at
            clock.state = (
                ClockState.MET
                if met_in_time(unit=clock.unit, due_at=clock.due_at, at=at)
                else ClockState.MISSED
            )
            changes[clock.clock_id] = {"state": clock.state, "met_at": at}
        elif clock.state == ClockState.PENDING and clock.starts == milestone:
            due = compute_due(
                unit=clock.unit,
                length=clock.length,
                start=at,
                tz=program.tz,
                calendar=program.calendar,
            )
            clock.state = ClockState.RUNNING
            clock.started_at, clock.due_at, clock.original_due_at = at, due.due_at, due.due_at
            clock.due_date = due.due_date
            if clock.unit == "business_days":  # SPEC 3: the calendar used is on the clock
                clock.calendar = program.calendar_label
            clock.at_risk_at = at_risk_from(at, due.due_at, fraction)
            changes[clock.clock_id] = {"state": clock.state, "started_at": at, "due_at": due.due_at}
    Clock.objects.bulk_update(
        [c for c in clocks if c.clock_id in changes],
        [
            "state",
            "met_at",
            "started_at",
            "due_at",
            "original_due_at",
            "due_date",
            "at_risk_at",
            "calendar",
        ],
    )
    return clocks, changes
