"""Review: who works and reviews the case (SPEC 5.4 reviewer rules), and the decision."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Q

from appealdesk.cases import packs
from appealdesk.cases.errors import InvalidInput, InvalidTransition, Refused
from appealdesk.cases.models import (
    Case,
    Team,
)
from appealdesk.cases.models import State as S
from appealdesk.cases.services._common import (
    DECISION_OUTCOMES,
    _apply_milestone,
    _event,
    _fresh,
    _label,
    _move,
    _now,
    _program,
    _save,
    _schedule,
    _user,
)
from appealdesk.cases.services.information import _close_open_requests
from appealdesk.policy.timecalc import local_date


def case_assign(
    case: Case,
    *,
    actor: Any,
    owner: Any = ...,
    reviewer: Any = ...,
    team: Team | Any | None = ...,
    reason: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Assign owner, reviewer and/or team (arguments left out stay). SPEC 5.4: a reviewer who
    decided an earlier level of the same matter, or reports to such a person, is refused; so is
    a reviewer without the skill the category needs (administrative or clinical)."""
    now = _now(now)
    with transaction.atomic():
        case, expected = _fresh(case, expected_version)
        if not case.is_open:
            raise InvalidTransition(f"case {case.number} is {case.state}: reopen it first")
        changes: dict[str, Any] = {}
        if owner is not ...:
            changes["owner"] = owner
        if team is not ...:
            if team is not None and team.program != case.program:
                # a team works one program's cases; another program's team would read them
                raise Refused(
                    f"team {team.name} works {team.program} cases; case {case.number} is "
                    f"{case.program}",
                    field="team",
                )
            changes["team"] = team
        if reviewer is not ...:
            if reviewer is not None:
                check_reviewer(case, reviewer)
            changes["reviewer"] = reviewer
            if reviewer is not None and case.state in (S.RECEIVED, S.REOPENED):
                _move(case, S.IN_REVIEW)
                changes["state"] = S.IN_REVIEW
        if not changes:
            raise InvalidInput("nothing to assign: give an owner, a reviewer or a team")
        before = _named({k: getattr(case, k) for k in changes})
        _save(case, expected, actor, now, **changes)
        _event(
            case,
            "case.assigned",
            actor=actor,
            at=now,
            reason=reason,
            before=before,
            after=_named(changes),
        )
    return case


def _named(changes: Mapping[str, Any]) -> dict[str, Any]:
    """People and teams as a reader of the audit trail knows them (name), with their ids."""
    named: dict[str, Any] = {}
    for key, value in changes.items():
        if hasattr(value, "pk") and key != "state":
            named[key] = value.name if isinstance(value, Team) else _label(value)
            named[f"{key}_id"] = value.pk
        else:
            named[key] = value
    return named


def check_reviewer(case: Case, reviewer: Any) -> None:
    """Raise `Refused` with the reason when `reviewer` may not review this case."""
    matter = case.matter_id or case.pk
    earlier = (
        Case.objects.filter(Q(matter_id=matter) | Q(pk=matter))
        .exclude(pk=case.pk)
        .exclude(decided_by=None)
        .values_list("decided_by_id", "number", "level", "kind")
    )
    deciders = {row[0]: row for row in earlier}
    name = _label(reviewer)
    if reviewer.pk in deciders:
        _, number, level, kind = deciders[reviewer.pk]
        raise Refused(
            f"{name} decided {kind.replace('_', ' ')}{f' level {level}' if level else ''} of "
            f"this matter (case {number}); a later level needs a reviewer who took no part in "
            "it",
            field="reviewer",
        )
    chain = _managers(reviewer)
    for boss in chain:
        if boss.pk in deciders:
            _, number, level, kind = deciders[boss.pk]
            raise Refused(
                f"{name} reports to {_label(boss)}, who decided "
                f"{kind.replace('_', ' ')}{f' level {level}' if level else ''} of this matter "
                f"(case {number}); a later-level reviewer may not be subordinate to anyone "
                "involved in the earlier decision",
                field="reviewer",
            )
    need = _review_skill(case)
    profile = getattr(reviewer, "staff", None)
    if need and not (profile and getattr(profile, f"{need}_reviewer")):
        raise Refused(
            f"{name} is not an {need} reviewer; this {case.category.replace('_', ' ')} "
            f"case needs one",
            field="reviewer",
        )


def _managers(user: Any, limit: int = 20) -> list[Any]:
    chain: list[Any] = []
    seen = {user.pk}
    profile = getattr(user, "staff", None)
    while profile is not None and profile.manager_id and len(chain) < limit:
        boss = profile.manager
        if boss.pk in seen:
            break
        chain.append(boss)
        seen.add(boss.pk)
        profile = getattr(boss, "staff", None)
    return chain


def _review_skill(case: Case) -> str | None:
    if not case.category:
        return None
    category = packs.program_of(case.pack_id).pack.categories.get(case.category)
    return category.review if category else None


def case_decide(
    case: Case,
    *,
    actor: Any,
    outcome: str,
    action: str = "",
    decided_at: dt.datetime | None = None,
    letter_date: dt.date | None = None,
    reason: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Record the decision. Meets the clocks met by `decided`; starts those it starts (the
    72-hour written notice of an expedited appeal)."""
    now = _now(now)
    decided_at = decided_at or now
    if outcome not in DECISION_OUTCOMES:
        raise InvalidInput(
            f"outcome must be one of {', '.join(DECISION_OUTCOMES)} (withdrawn "
            "or dismissed requests are dismissed, not decided)",
            field="outcome",
        )
    with transaction.atomic():
        case, expected = _fresh(case, expected_version)
        _move(case, S.DECIDED)
        decider = case.reviewer or _user(actor)
        if decider is not None and case.reviewer is None:
            check_reviewer(case, decider)
        program = _program(case)
        clocks, clock_changes = _apply_milestone(case, "decided", decided_at, program)
        letter = letter_date or local_date(decided_at, program.tz)
        _save(
            case,
            expected,
            actor,
            now,
            state=S.DECIDED,
            outcome=outcome,
            action=action,
            decided_at=decided_at,
            decided_by=decider,
            letter_date=letter,
            **_schedule(S.DECIDED, clocks),
        )
        _event(
            case,
            "case.decided",
            actor=actor,
            at=now,
            reason=reason,
            after={
                "outcome": outcome,
                "action": action or None,
                "decided_at": decided_at,
                "decided_by": _label(decider),
                "letter_date": letter,
                "clocks": clock_changes,
            },
        )
        _close_open_requests(case, actor=actor, now=now, why="the case was decided")
    return case
