"""The end of a case: dismissed, closed, or reopened."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q

from appealdesk.cases.errors import InvalidInput
from appealdesk.cases.models import (
    Case,
    Clock,
    ClockState,
)
from appealdesk.cases.models import State as S
from appealdesk.cases.services._common import (
    DISMISSAL_REASONS,
    NEXT_DUE_STATES,
    NO_DUE,
    _event,
    _fresh,
    _move,
    _now,
    _save,
    _schedule,
)
from appealdesk.cases.services.information import _close_open_requests
from appealdesk.policy.vocabulary import dismissal_outcome


def case_dismiss(
    case: Case,
    *,
    actor: Any,
    reason: str,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Dismiss: untimely, not appealable, or withdrawn. Its open clocks are cancelled."""
    now = _now(now)
    if reason not in DISMISSAL_REASONS:
        raise InvalidInput(f"reason must be one of {', '.join(DISMISSAL_REASONS)}", field="reason")
    with transaction.atomic():
        case, expected = _fresh(case, expected_version)
        _move(case, S.DISMISSED)
        open_clocks = Clock.objects.filter(case=case).filter(
            Q(state__in=[ClockState.PENDING, *NEXT_DUE_STATES])
        )
        cancelled = list(open_clocks.values_list("clock_id", flat=True))
        open_clocks.update(state=ClockState.CANCELLED)
        _save(
            case,
            expected,
            actor,
            now,
            state=S.DISMISSED,
            dismissal_reason=reason,
            outcome="withdrawn" if reason == "withdrawn" else "dismissed",
            is_open=False,
            next_due_at=NO_DUE,
            next_at_risk_at=NO_DUE,
            closed_at=now,
        )
        _event(
            case,
            "case.dismissed",
            actor=actor,
            at=now,
            reason=note or reason,
            # the outcome a later level is told (appealdesk.policy.vocabulary)
            after={
                "reason": reason,
                "outcome": dismissal_outcome(reason),
                "cancelled_clocks": cancelled,
            },
        )
        _close_open_requests(case, actor=actor, now=now, why=f"the case was dismissed ({reason})")
    return case


def case_close(
    case: Case,
    *,
    actor: Any,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    now = _now(now)
    with transaction.atomic():
        case, expected = _fresh(case, expected_version)
        _move(case, S.CLOSED)
        _save(case, expected, actor, now, state=S.CLOSED, closed_at=now, is_open=False)
        _event(case, "case.closed", actor=actor, at=now, reason=note)
        _close_open_requests(case, actor=actor, now=now, why="the case was closed")
    return case


def case_reopen(
    case: Case,
    *,
    actor: Any,
    reason: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    now = _now(now)
    if not reason.strip():
        raise InvalidInput("reopening a case needs a reason", field="reason")
    with transaction.atomic():
        case, expected = _fresh(case, expected_version)
        _move(case, S.REOPENED)
        before = {
            "state": case.state,
            "outcome": case.outcome,
            "dismissal_reason": case.dismissal_reason,
        }
        # A reopened dismissal is undone: a later level must not be told it was dismissed.
        undone = {"outcome": "", "dismissal_reason": ""} if case.state == S.DISMISSED else {}
        _save(
            case,
            expected,
            actor,
            now,
            state=S.REOPENED,
            closed_at=None,
            **undone,
            **_schedule(S.REOPENED, Clock.objects.filter(case=case)),
        )
        _event(case, "case.reopened", actor=actor, at=now, reason=reason, before=before)
    return case
