"""A clock changed by hand: extended as its pack rule allows, paused, resumed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from appealdesk.cases import packs
from appealdesk.cases.errors import InvalidInput, InvalidTransition, Refused
from appealdesk.cases.models import (
    Clock,
    ClockState,
    Document,
    Extension,
)
from appealdesk.cases.services._common import (
    _event,
    _fresh,
    _now,
    _reschedule,
    _save,
    _user,
)
from appealdesk.policy.clocks import at_risk_from, extension_limit
from appealdesk.policy.timecalc import local_date


def clock_extend(
    clock: Clock,
    *,
    actor: Any,
    new_due_at: dt.datetime,
    reason: str,
    consent_document: Document | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Clock:
    """Extend a clock as its pack rule allows: by notice (UMP complaints), or only with the
    member's written consent (UMP appeals past 30 days). Never shortens."""
    now = _now(now)
    if not reason.strip():
        raise InvalidInput("an extension needs a reason", field="reason")
    with transaction.atomic():
        case, expected = _fresh(clock.case, expected_version)
        clock = Clock.objects.get(pk=clock.pk)
        rule = clock.extension_rule
        if clock.state not in (ClockState.RUNNING, ClockState.EXTENDED):
            raise InvalidTransition(
                f"clock {clock.clock_id} is {clock.state}: only a running clock can be extended"
            )
        if not rule:
            raise Refused(
                f"the {clock.clock_id} clock of case {case.number} cannot be "
                "extended under its program's rules"
            )
        if rule["requires"] == "written_consent" and consent_document is None:
            who = (
                " or ".join(p.replace("_", " ") for p in rule.get("consent_from") or [])
                or "the member"
            )
            raise Refused(
                f"going past the {clock.clock_id} deadline of case {case.number} needs the "
                f"written permission of {who} ({rule.get('reason') or 'see the pack'}): attach "
                "the signed consent",
                field="consent_document",
            )
        assert clock.due_at is not None
        if new_due_at <= clock.due_at:
            raise InvalidInput(
                f"an extension must move the due time later than {clock.due_at.isoformat()}",
                field="new_due_at",
            )
        program = packs.program_of(case.pack_id)
        limit = extension_limit(
            rule, clock.original_due_at or clock.due_at, tz=program.tz, calendar=program.calendar
        )
        if limit is not None and new_due_at > limit:
            up_to = rule["up_to"]
            raise Refused(
                f"the {clock.clock_id} clock of case {case.number} may be extended by at most "
                f"{up_to['length']} {str(up_to['unit']).replace('_', ' ')} under its program's "
                f"rules: choose a due time no later than {limit.isoformat()}",
                field="new_due_at",
            )
        previous = clock.due_at
        Extension.objects.create(
            clock=clock,
            by=_user(actor),
            reason=reason,
            previous_due_at=previous,
            new_due_at=new_due_at,
            requires=rule["requires"],
            consent_document=consent_document,
        )
        clock.state, clock.due_at = ClockState.EXTENDED, new_due_at
        clock.due_date = local_date(new_due_at, program.tz) if clock.due_date else None
        clock.at_risk_at = at_risk_from(
            clock.started_at or now, new_due_at, program.pack.sweep.at_risk_fraction
        )
        clock.at_risk_notified_at = None  # a new due time: the sweep may warn again
        clock.save(
            update_fields=["state", "due_at", "due_date", "at_risk_at", "at_risk_notified_at"]
        )
        _save(case, expected, actor, now, **_reschedule(case))
        _event(
            case,
            "clock.extended",
            actor=actor,
            at=now,
            reason=reason,
            before={"clock": clock.clock_id, "due_at": previous},
            after={
                "clock": clock.clock_id,
                "due_at": new_due_at,
                "requires": rule["requires"],
                "consent_document": consent_document.pk if consent_document else None,
            },
        )
    return clock


def clock_pause(
    clock: Clock,
    *,
    actor: Any,
    reason: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Clock:
    now = _now(now)
    with transaction.atomic():
        case, expected = _fresh(clock.case, expected_version)
        clock = Clock.objects.get(pk=clock.pk)
        if not clock.pausable:
            raise Refused(f"the {clock.clock_id} clock cannot be paused under its program's rules")
        if clock.state not in (ClockState.RUNNING, ClockState.EXTENDED):
            raise InvalidTransition(f"clock {clock.clock_id} is {clock.state}: it cannot pause")
        clock.state, clock.paused_at = ClockState.PAUSED, now
        clock.save(update_fields=["state", "paused_at"])
        _save(case, expected, actor, now, **_reschedule(case))
        _event(
            case,
            "clock.paused",
            actor=actor,
            at=now,
            reason=reason,
            after={"clock": clock.clock_id},
        )
    return clock


def clock_resume(
    clock: Clock,
    *,
    actor: Any,
    reason: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Clock:
    now = _now(now)
    with transaction.atomic():
        case, expected = _fresh(clock.case, expected_version)
        clock = Clock.objects.get(pk=clock.pk)
        if clock.state != ClockState.PAUSED or clock.paused_at is None or clock.due_at is None:
            raise InvalidTransition(
                f"clock {clock.clock_id} is {clock.state}: only a paused clock can resume"
            )
        paused_for = now - clock.paused_at
        previous = clock.due_at
        clock.due_at = previous + paused_for
        clock.at_risk_at = (clock.at_risk_at or previous) + paused_for
        clock.state = ClockState.EXTENDED if clock.extensions.exists() else ClockState.RUNNING
        clock.paused_at = None
        clock.at_risk_notified_at = None  # a new due time: the sweep may warn again
        clock.save(
            update_fields=["state", "due_at", "at_risk_at", "paused_at", "at_risk_notified_at"]
        )
        _save(case, expected, actor, now, **_reschedule(case))
        _event(
            case,
            "clock.resumed",
            actor=actor,
            at=now,
            reason=reason,
            before={"clock": clock.clock_id, "due_at": previous},
            after={
                "clock": clock.clock_id,
                "due_at": clock.due_at,
                "paused_seconds": int(paused_for.total_seconds()),
            },
        )
    return clock
