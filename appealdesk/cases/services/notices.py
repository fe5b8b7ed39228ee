"""Notices and program milestones: the events that meet clocks and start event-started ones."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from appealdesk.cases.errors import InvalidInput, InvalidTransition
from appealdesk.cases.models import (
    Case,
)
from appealdesk.cases.models import State as S
from appealdesk.cases.services._common import (
    FUTURE_GRACE,
    _apply_milestone,
    _event,
    _fresh,
    _move,
    _now,
    _program,
    _save,
    _schedule,
)
from appealdesk.policy.assess import Program

NOTICE_MILESTONES = {
    ("acknowledgement", "written"): "acknowledged",
    ("acknowledgement", "verbal"): "acknowledged",
    ("decision", "verbal"): "notified_verbal",
    ("decision", "written"): "notified_written",
}


def case_record_notice(
    case: Case,
    *,
    actor: Any,
    notice: str,
    medium: str,
    at: dt.datetime | None = None,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Record that the party was told: an acknowledgement, or the decision (verbally or in
    writing). Meets the clocks this fulfils and starts those it starts; a written decision
    notice moves the case to `notified`."""
    now = _now(now)
    at = at or now
    milestone = NOTICE_MILESTONES.get((notice, medium))
    if milestone is None:
        raise InvalidInput(
            "notice is acknowledgement or decision; medium is verbal or written", field="notice"
        )
    if at > now + FUTURE_GRACE:
        raise InvalidInput("a notice cannot be recorded in the future", field="at")
    with transaction.atomic():
        case, expected = _fresh(case, expected_version)
        fields: dict[str, Any] = {}
        if notice == "decision":
            if case.state not in (S.DECIDED, S.NOTIFIED):
                raise InvalidTransition(
                    f"case {case.number} is {case.state}: record the decision before its notice"
                )
            if medium == "written" and case.state == S.DECIDED:
                _move(case, S.NOTIFIED)
                fields.update(state=S.NOTIFIED, notified_at=at)
        elif not case.is_open:
            raise InvalidTransition(f"case {case.number} is {case.state}")
        clocks, clock_changes = _apply_milestone(case, milestone, at, _program(case))
        fields.update(_schedule(fields.get("state", case.state), clocks))
        _save(case, expected, actor, now, **fields)
        _event(
            case,
            f"notice.{notice}",
            actor=actor,
            at=now,
            reason=note,
            after={"medium": medium, "at": at, "clocks": clock_changes},
        )
    return case


def case_record_milestone(
    case: Case,
    *,
    actor: Any,
    milestone: str,
    at: dt.datetime | None = None,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Record a program event such as Genex's `investigation_concluded`: it meets the clocks
    it fulfils and starts the clocks waiting for it (the 30-day decision notice)."""
    now = _now(now)
    at = at or now
    with transaction.atomic():
        case, expected = _fresh(case, expected_version)
        program = _program(case)
        known = sorted(_milestones_of(program) - {"received"})
        if milestone not in program.pack.events:
            raise InvalidInput(
                f"{milestone!r} is not an event of {case.program}; use one of "
                f"{', '.join(sorted(program.pack.events)) or '(none)'} (other "
                f"milestones of {', '.join(known)} have their own action)",
                field="milestone",
            )
        if not case.is_open:
            raise InvalidTransition(f"case {case.number} is {case.state}")
        clocks, clock_changes = _apply_milestone(case, milestone, at, program)
        _save(case, expected, actor, now, **_schedule(case.state, clocks))
        _event(
            case,
            f"milestone.{milestone}",
            actor=actor,
            at=now,
            reason=note,
            after={"at": at, "clocks": clock_changes},
        )
    return case


def _milestones_of(program: Program) -> set[str]:
    from appealdesk.policy.schema import MILESTONES

    return {*MILESTONES, *program.pack.events}
