"""The next level of a matter, as a linked case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q

from appealdesk.cases.errors import InvalidTransition
from appealdesk.cases.models import (
    LIVE_CLOCK_STATES,
    Case,
    Clock,
    ClockState,
)
from appealdesk.cases.models import State as S
from appealdesk.cases.services._common import (
    _event,
    _now,
)
from appealdesk.cases.services.intake import case_receive
from appealdesk.policy.vocabulary import dismissal_outcome


def case_escalate(
    case: Case,
    *,
    actor: Any,
    received_at: str,
    channel: str,
    requested: str = "appeal",
    filed_by: str | None = None,
    provided: Sequence[str] = (),
    expedited: bool | None = None,
    backdate_reason: str = "",
    summary: str = "",
    now: dt.datetime | None = None,
) -> Case:
    """The next level (or the IRO) as a linked case of the same matter. Its filing window is
    checked by the policy engine against this case's decision letter; a request that comes too
    late is still recorded, with the engine's `untimely` rejection, for its dismissal letter."""
    now = _now(now)
    case = Case.objects.get(pk=case.pk)
    missed = (
        Clock.objects.filter(case=case, binding=True, met_at=None)
        .filter(Q(state=ClockState.MISSED) | Q(state__in=LIVE_CLOCK_STATES, due_at__lt=now))
        .exists()
    )
    if case.state not in (S.DECIDED, S.NOTIFIED, S.CLOSED, S.DISMISSED) and not missed:
        raise InvalidTransition(
            f"case {case.number} is {case.state} and has not missed a deadline: the next level "
            "follows its decision"
        )
    prior = {
        "kind": case.kind,
        "level": case.level,
        "outcome": _prior_outcome(case),
        "action": case.action or None,
        "letter_date": case.letter_date.isoformat() if case.letter_date else None,
        "plan_missed_deadline": missed and case.decided_at is None,
        "good_cause": False if missed and case.decided_at is None else None,
    }
    request = {
        **{
            k: v
            for k, v in case.request.items()
            if k in ("program", "service", "category", "network_provider")
        },
        "received_at": received_at,
        "channel": channel,
        "requested": requested,
        "filed_by": filed_by or case.filed_by or None,
        "prior": prior,
        "provided": list(provided) or list(case.provided),
        "notice_date": _window_start(case, prior),
    }
    if expedited is not None:
        request["expedited"] = expedited
    with transaction.atomic():
        linked = case_receive(
            request=request,
            actor=actor,
            member=case.member,
            representative=case.representative,
            provider=case.provider,
            summary=summary or case.summary,
            backdate_reason=backdate_reason,
            prior=case,
            now=now,
        )
        _event(
            case,
            "case.escalated",
            actor=actor,
            at=now,
            after={
                "to": linked.number,
                "kind": linked.kind,
                "level": linked.level,
                "disposition": linked.disposition,
            },
        )
    return linked


def _prior_outcome(case: Case) -> str | None:
    """What the next level is told about this case: a dismissal with its reason (SPEC 5.2, so
    a late request is told apart from a withdrawn one), else the decision's outcome."""
    if case.outcome == "withdrawn":  # the outcome of a dismissal for withdrawal
        return dismissal_outcome("withdrawn")
    if case.outcome == "dismissed":
        return dismissal_outcome(case.dismissal_reason)
    return case.outcome or None


def _window_start(case: Case, prior: dict[str, Any]) -> str | None:
    """The date the next request's window counts from: this case's decision letter; after a
    withdrawal, which leaves no letter, the date this case's own window counted from, since the
    same level is requested again within the same window."""
    if prior["outcome"] == "dismissed_withdrawn":
        filing = (case.assessment or {}).get("filing") or {}
        return filing.get("basis_date") or case.request.get("notice_date")
    letter: str | None = prior["letter_date"]
    return letter
