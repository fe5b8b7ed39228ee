"""Every change to a case: one function each, one transaction, one event, optimistic locking.

Each service takes the version of the case the caller saw (`expected_version`); a stale version
is refused with who changed the case and when, and nothing is written. Due dates are never
edited: they are computed by the policy engine, then extended, paused or recomputed by
reclassification, each with a reason and an event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from appealdesk.cases import packs
from appealdesk.cases.errors import InvalidInput, InvalidTransition, Refused, StaleVersion
from appealdesk.cases.models import (
    LIVE_CLOCK_STATES,
    OPEN_STATES,
    Case,
    Clock,
    ClockState,
    Document,
    Event,
    Extension,
    InformationRequest,
    Party,
    SweepRun,
    Team,
)
from appealdesk.cases.models import State as S
from appealdesk.policy import AssessError, assess, default_registry
from appealdesk.policy.assess import Program, program_for
from appealdesk.policy.clocks import at_risk_from
from appealdesk.policy.contract import parse_instant
from appealdesk.policy.timecalc import compute_due, local_date
from appealdesk.webhooks import outbox as webhooks

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
DISMISSAL_REASONS = ("untimely", "not_appealable", "withdrawn")

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
    return Event.objects.create(
        case=case,
        at=at,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=_label(actor),
        action=action,
        reason=reason,
        before=_jsonable(before),
        after=_jsonable(after),
    )


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
    """The case's denormalised worklist fields from its clocks."""
    live = [
        c
        for c in clocks
        if c.due_at is not None
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


# -- intake -----------------------------------------------------------------------------------
def case_receive(
    *,
    request: Mapping[str, Any],
    actor: Any = None,
    member: Party | None = None,
    representative: Party | None = None,
    provider: Party | None = None,
    team: Team | None = None,
    summary: str = "",
    backdate_reason: str = "",
    override: Mapping[str, Any] | None = None,
    override_reason: str = "",
    prior: Case | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Take a request in: assess it, store the case and its clocks, write `case.received`.

    `override` changes assess inputs (category, requested, level, expedited, service…) after
    the proposal, with `override_reason`; the event keeps both the proposal and the override.
    """
    now = _now(now)
    proposal = _assess(request)
    received_at = parse_instant(str(request["received_at"]))
    if received_at > now + FUTURE_GRACE:
        raise InvalidInput(
            f"received_at {request['received_at']} is in the future", field="received_at"
        )
    if received_at < now - BACKDATE_GRACE and not backdate_reason.strip():
        raise InvalidInput(
            "received_at is earlier than now: say why it is entered late (backdate_reason), "
            "e.g. 'mail opened on Monday, date-stamped Friday'",
            field="backdate_reason",
        )
    final_request = dict(request)
    result = proposal
    if override:
        if not override_reason.strip():
            raise InvalidInput(
                "an override of the proposal needs a reason", field="override_reason"
            )
        final_request.update(override)
        result = _assess(final_request)

    registry = default_registry()
    loaded = registry.in_force(result["program"], dt.date.fromisoformat(result["received_date"]))
    program = program_for(loaded)
    snapshot = packs.snapshot_for(loaded)
    handler = (result["handler"] or {}).get("id", "")
    state = S.REDIRECTED if result["disposition"] == "redirect" else S.RECEIVED
    clocks = _clocks_from(result, program)
    case = Case(
        program=result["program"],
        pack_id=snapshot.id,
        matter_id=(prior.matter_id or prior.id) if prior else None,
        prior=prior,
        kind=result["kind"],
        level=result["level"],
        expedited=result["expedited"],
        category=result["category"] or "",
        service=final_request.get("service") or "",
        requested=final_request.get("requested") or "",
        channel=final_request.get("channel") or "",
        filed_by=final_request.get("filed_by") or "",
        written=final_request.get("written"),
        member=member,
        representative=representative,
        provider=provider,
        received_at=received_at,
        received_date=dt.date.fromisoformat(result["received_date"]),
        backdate_reason=backdate_reason,
        notice_date=_date(final_request.get("notice_date")),
        occurrence_date=_date(final_request.get("occurrence_date")),
        request=final_request,
        assessment=result,
        provided=list(final_request.get("provided") or []),
        missing=result["missing"],
        summary=summary,
        state=state,
        disposition=result["disposition"],
        handler=handler,
        updated_by=actor if getattr(actor, "pk", None) else None,
        **_schedule(state, clocks),
    )
    with transaction.atomic():
        case.id, team_id, case.duplicate_of_id = _intake_lookups(
            program=result["program"],
            handler=handler,
            member=member,
            result=result,
            request=final_request,
        )
        case.team_id = team.pk if team is not None else team_id
        case.number = f"{result['program'].upper()}-{result['received_date'][:4]}-{case.id:07d}"
        case.matter_id = case.matter_id or case.id
        case.save(force_insert=True)
        for clock in clocks:
            clock.case = case
        Clock.objects.bulk_create(clocks)
        _event(
            case,
            "case.received",
            actor=actor,
            at=now,
            reason=override_reason or "",
            before={"proposal": proposal} if override else None,
            after={
                "number": case.number,
                "kind": case.kind,
                "level": case.level,
                "disposition": case.disposition,
                "handler": case.handler,
                "received_at": received_at,
                "backdate_reason": backdate_reason or None,
                "override": dict(override) if override else None,
                "clocks": {c.clock_id: c.due_at for c in clocks},
                "duplicate_of": case.duplicate_of_id,
            },
        )
    return case


def _assess(request: Mapping[str, Any]) -> dict[str, Any]:
    try:
        return assess(request)
    except AssessError as exc:
        raise InvalidInput(exc.message, field=exc.field) from None


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _intake_lookups(
    *,
    program: str,
    handler: str,
    member: Party | None,
    result: Mapping[str, Any],
    request: Mapping[str, Any],
) -> tuple[int, int | None, int | None]:
    """One statement inside the intake transaction: the id the case will get (so its number is
    written in the same INSERT), the team for its handler, and an open case of the same member
    about the same notice (SPEC 5.1: flagged as a possible duplicate, never merged).

    PostgreSQL hands out sequence values; SQLite runs this inside the IMMEDIATE transaction of
    the insert (settings), so no other writer can take the same id.
    """
    ops = connection.ops
    if connection.vendor == "postgresql":
        # a typed parameter: a NULL date has no type of its own
        next_id, same, date = (
            "SELECT nextval(pg_get_serial_sequence('cases_case', 'id'))",
            "IS NOT DISTINCT FROM",
            "%s::date",
        )
    else:
        next_id, same, date = "SELECT COALESCE(MAX(id), 0) + 1 FROM cases_case", "IS", "%s"
    notice, occurrence = _date(request.get("notice_date")), _date(request.get("occurrence_date"))
    check_duplicate = member is not None and (notice or occurrence)
    sql = f"""
        SELECT ({next_id}),
               (SELECT id FROM cases_team WHERE program = %s AND handler IN (%s, '')
                ORDER BY CASE WHEN handler = %s THEN 0 ELSE 1 END, id LIMIT 1),
               (SELECT id FROM cases_case WHERE member_id = %s AND program = %s AND kind = %s
                AND is_open AND category = %s AND notice_date {same} {date}
                AND occurrence_date {same} {date} ORDER BY id LIMIT 1)
    """
    params = [
        program,
        handler,
        handler,
        member.pk if check_duplicate and member else None,
        program,
        result["kind"],
        result["category"] or "",
        ops.adapt_datefield_value(notice),
        ops.adapt_datefield_value(occurrence),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return int(row[0]), row[1], row[2]


def _clocks_from(result: Mapping[str, Any], program: Program) -> list[Clock]:
    process = program.pack.process_for(result["kind"], result["level"])
    defs = {c.id: c for c in process.clocks} if process else {}
    fraction = program.pack.sweep.at_risk_fraction
    clocks = []
    for d in result["deadlines"]:
        definition = defs.get(d["clock"])
        started = parse_instant(d["started_at"]) if d.get("started_at") else None
        if started is None and d["state"] == "running":
            started = parse_instant(result["received_at"])
        due_at = parse_instant(d["due_at"]) if d.get("due_at") else None
        clocks.append(
            Clock(
                clock_id=d["clock"],
                label=d["label"],
                unit=d["unit"],
                length=d["length"],
                starts=d["starts"],
                met_by=d["met_by"],
                binding=d["binding"],
                notice=d.get("notice") or "",
                extension_rule=d.get("extension"),
                pausable=bool(definition and definition.pausable),
                calendar=d.get("calendar") or "",
                state=ClockState.RUNNING if d["state"] == "running" else ClockState.PENDING,
                started_at=started,
                due_at=due_at,
                original_due_at=due_at,
                due_date=_date(d.get("due_date")),
                at_risk_at=at_risk_from(started, due_at, fraction) if started and due_at else None,
            )
        )
    return clocks


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
                ClockState.MET if clock.due_at and at <= clock.due_at else ClockState.MISSED
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
            clock.at_risk_at = at_risk_from(at, due.due_at, fraction)
            changes[clock.clock_id] = {"state": clock.state, "started_at": at, "due_at": due.due_at}
    Clock.objects.bulk_update(
        [c for c in clocks if c.clock_id in changes],
        ["state", "met_at", "started_at", "due_at", "original_due_at", "due_date", "at_risk_at"],
    )
    return clocks, changes


def _milestones_of(program: Program) -> set[str]:
    from appealdesk.policy.schema import MILESTONES

    return {*MILESTONES, *program.pack.events}


# -- working the case -------------------------------------------------------------------------
def case_reclassify(
    case: Case,
    *,
    actor: Any,
    changes: Mapping[str, Any],
    reason: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Assess again with changed inputs; `received_at` stays. Live clocks are replaced by the
    new ones (cancelled, not edited); clocks already met or missed stay as they are."""
    now = _now(now)
    if not reason.strip():
        raise InvalidInput("a reclassification needs a reason", field="reason")
    if "received_at" in changes:
        raise InvalidInput("reclassification keeps received_at", field="received_at")
    with transaction.atomic():
        case, expected = _fresh(case, expected_version)
        if not case.is_open and case.state != S.REDIRECTED:
            raise InvalidTransition(f"case {case.number} is {case.state}: reopen it first")
        request = {**case.request, **changes}
        result = _assess(request)
        program = packs.program_of(case.pack_id)
        old = list(Clock.objects.filter(case=case).exclude(state=ClockState.CANCELLED))
        settled = {c.clock_id for c in old if c.state in (ClockState.MET, ClockState.MISSED)}
        replaced = [c for c in old if c.clock_id not in settled]
        Clock.objects.filter(pk__in=[c.pk for c in replaced]).update(state=ClockState.CANCELLED)
        new = [c for c in _clocks_from(result, program) if c.clock_id not in settled]
        for clock in new:
            clock.case = case
        Clock.objects.bulk_create(new)
        state = case.state
        if result["disposition"] == "redirect" and state != S.REDIRECTED:
            _move(case, S.REDIRECTED)
            state = S.REDIRECTED
        before = {
            "kind": case.kind,
            "level": case.level,
            "category": case.category,
            "expedited": case.expedited,
            "handler": case.handler,
            "disposition": case.disposition,
            "clocks": {c.clock_id: c.due_at for c in replaced},
        }
        fields = {
            "kind": result["kind"],
            "level": result["level"],
            "expedited": result["expedited"],
            "category": result["category"] or "",
            "service": request.get("service") or "",
            "requested": request.get("requested") or "",
            "request": request,
            "assessment": result,
            "missing": result["missing"],
            "disposition": result["disposition"],
            "handler": (result["handler"] or {}).get("id", ""),
            "state": state,
            **_schedule(state, [*new, *(c for c in old if c.clock_id in settled)]),
        }
        _save(case, expected, actor, now, **fields)
        _event(
            case,
            "case.reclassified",
            actor=actor,
            at=now,
            reason=reason,
            before=before,
            after={
                **{
                    k: fields[k]
                    for k in ("kind", "level", "category", "expedited", "handler", "disposition")
                },
                "clocks": {c.clock_id: c.due_at for c in new},
            },
        )
    return case


def case_request_information(
    case: Case,
    *,
    actor: Any,
    items: Sequence[str] | None = None,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> InformationRequest:
    now = _now(now)
    with transaction.atomic():
        case, expected = _fresh(case, expected_version)
        wanted = list(items if items is not None else case.missing)
        if not wanted and not note.strip():
            raise InvalidInput(
                "name the items to request, or say what is needed in a note", field="items"
            )
        _move(case, S.AWAITING_INFORMATION)
        _save(case, expected, actor, now, state=S.AWAITING_INFORMATION)
        info = InformationRequest.objects.create(
            case=case, items=wanted, note=note, requested_at=now, requested_by=_user(actor)
        )
        _event(
            case,
            "case.information_requested",
            actor=actor,
            at=now,
            reason=note,
            after={"items": wanted, "request_id": info.pk},
        )
    return info


def case_receive_information(
    case: Case,
    *,
    actor: Any,
    items: Sequence[str],
    received_at: dt.datetime | None = None,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    now = _now(now)
    received_at = received_at or now
    with transaction.atomic():
        case, expected = _fresh(case, expected_version)
        if case.state not in (S.AWAITING_INFORMATION, S.RECEIVED, S.IN_REVIEW, S.REOPENED):
            raise InvalidTransition(
                f"case {case.number} is {case.state}: no information is being waited for"
            )
        provided = sorted({*case.provided, *items})
        program = packs.program_of(case.pack_id)
        known = {program.aliases.get(i.lower(), i) for i in items}
        missing = [m for m in case.missing if m not in known]
        state = S.IN_REVIEW if case.state == S.AWAITING_INFORMATION else case.state
        _save(case, expected, actor, now, provided=provided, missing=missing, state=state)
        InformationRequest.objects.filter(case=case, received_at__isnull=True).update(
            received_at=received_at, received_items=list(items)
        )
        _event(
            case,
            "case.information_received",
            actor=actor,
            at=now,
            reason=note,
            before={"missing": case.missing},
            after={"items": list(items), "missing": missing, "received_at": received_at},
        )
    return case


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
        program = packs.program_of(case.pack_id)
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
    return case


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
            after={"reason": reason, "cancelled_clocks": cancelled},
        )
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
        before = {"state": case.state, "outcome": case.outcome}
        _save(
            case,
            expected,
            actor,
            now,
            state=S.REOPENED,
            closed_at=None,
            **_schedule(S.REOPENED, Clock.objects.filter(case=case)),
        )
        _event(case, "case.reopened", actor=actor, at=now, reason=reason, before=before)
    return case


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
        "outcome": case.outcome or None,
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
        "notice_date": prior["letter_date"],
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


# -- the status pass (SPEC 5.5) ---------------------------------------------------------------
def clocks_refresh(
    *, now: dt.datetime | None = None, batch: int = 1000, pause: float = 0.0
) -> dict[str, int]:
    """The clock sweep. Marks running clocks past their due time as missed (an event each),
    warns once of each clock that became at risk (`at_risk_notified_at`), notifies the case's
    owner and its team's supervisor of both, and flags cases that became eligible for immediate
    independent review. Work is claimed in batches, each its own transaction, with conditional
    updates (healthchecks' sendalerts): two sweeps at once, or a sweep run again after one was
    killed, never mark, announce or notify anything twice, and a killed sweep loses only its
    uncommitted batch, which the next one claims again. Webhooks join each batch's transaction.
    `pause` sleeps between batches, to spare a busy database."""
    now = _now(now)
    counts = {"missed": 0, "at_risk_notified": 0, "notifications": 0, "immediate_iro": 0}
    after = Q()
    while True:
        with transaction.atomic():
            # Rows locked by this sweep only (PostgreSQL skips rows another sweep holds; SQLite
            # serialises writers); keyset pagination past the last batch, so no batch walks
            # over the index entries of the clocks claimed before it.
            rows = list(
                Clock.objects.select_for_update(skip_locked=True)
                .filter(after, state__in=LIVE_CLOCK_STATES, due_at__lt=now)
                .order_by("due_at", "id")
                .values_list(
                    "id", "case_id", "clock_id", "due_at", "binding", "met_by", named=True
                )[:batch]
            )
            if not rows:
                break
            Clock.objects.filter(pk__in=[c.id for c in rows], state__in=LIVE_CLOCK_STATES).update(
                state=ClockState.MISSED, missed_marked_at=now
            )
            events = Event.objects.bulk_create(
                [
                    Event(
                        case_id=c.case_id,
                        at=now,
                        actor_label="system",
                        action="clock.missed",
                        after={"clock": c.clock_id, "due_at": c.due_at.isoformat()},
                    )
                    for c in rows
                ]
            )
            webhooks.emit_many(events)  # bulk_create sends no post_save
            counts["notifications"] += _notify([c.id for c in rows], "clock.missed", now)
            flagged = _flag_immediate_iro(rows, now)
            counts["notifications"] += _notify(flagged, "case.immediate_iro", now)
            counts["immediate_iro"] += len(flagged)
        counts["missed"] += len(rows)
        if len(rows) < batch:
            break
        # the rows claimed at the last due time left the live states: a lower bound suffices
        after = Q(due_at__gte=rows[-1].due_at)
        _breathe(pause)
    at_risk_now = Q(state__in=LIVE_CLOCK_STATES, at_risk_at__lte=now, due_at__gte=now)
    while True:
        with transaction.atomic():
            claimed = list(
                Clock.objects.select_for_update(skip_locked=True)
                .filter(at_risk_now, at_risk_notified_at=None)
                .order_by("at_risk_at", "id")  # the partial index clock_at_risk_unclaimed
                .only("id", "case_id", "clock_id", "label", "at_risk_at", "due_at")[:batch]
            )
            if not claimed:
                break
            Clock.objects.filter(
                at_risk_now, at_risk_notified_at=None, pk__in=[c.pk for c in claimed]
            ).update(at_risk_notified_at=now)
            webhooks.emit_at_risk(claimed, at=now)
            counts["notifications"] += _notify([c.pk for c in claimed], "clock.at_risk", now)
        counts["at_risk_notified"] += len(claimed)
        if len(claimed) < batch:
            break
        _breathe(pause)
    counts["at_risk"] = Clock.objects.filter(at_risk_now).count()
    return counts


def clocks_sweep(
    *,
    now: dt.datetime | None = None,
    batch: int = 1000,
    pause: float = 0.0,
    worker: str = "",
) -> SweepRun:
    """Run the sweep (`clocks_refresh`) and record it as a `SweepRun` for the dashboard."""
    started = timezone.now()
    run = SweepRun.objects.create(started_at=started, worker=worker or _worker_name())
    run.counts = clocks_refresh(now=now, batch=batch, pause=pause)
    run.finished_at = timezone.now()
    run.save(update_fields=["counts", "finished_at"])
    # a run a minute: keep a month of them
    SweepRun.objects.filter(started_at__lt=started - SWEEP_RUNS_KEPT).delete()
    return run


SWEEP_RUNS_KEPT = dt.timedelta(days=31)


def _worker_name() -> str:
    import os
    import socket

    return f"{socket.gethostname()}:{os.getpid()}"


def _breathe(pause: float) -> None:
    if pause > 0:
        import time

        time.sleep(pause)


# what a notification says: after the clock's label, or alone
NOTIFICATION_TEXT = {
    "clock.missed": ("k.label || %s", ": missed"),
    "clock.at_risk": ("k.label || %s", ": at risk"),
    "case.immediate_iro": (
        "%s",
        "the plan missed a decision timeline: independent review is available immediately",
    ),
}
# who hears of a case's clocks: its owner, and its team's supervisor unless that is the owner
RECIPIENTS = {
    "owner": "c.owner_id",
    "supervisor": "CASE WHEN t.supervisor_id <> c.owner_id OR c.owner_id IS NULL "
    "THEN t.supervisor_id END",
}


def _notify(clock_ids: Sequence[int], kind: str, now: dt.datetime) -> int:
    """One notification per (clock, kind, recipient, due time) for the case's owner and its
    team's supervisor, written by the database from the clock rows in one statement per
    recipient (a sweep writes tens of thousands); the unique constraint drops a repeat. How
    many were written."""
    if not clock_ids:
        return 0
    text, words = NOTIFICATION_TEXT[kind]
    ids = ", ".join(["%s"] * len(clock_ids))
    written = 0
    with connection.cursor() as cursor:
        for recipient in RECIPIENTS.values():
            cursor.execute(
                "INSERT INTO cases_notification "
                "(recipient_id, case_id, clock_id, kind, due_at, text, created_at) "
                f"SELECT {recipient}, k.case_id, k.id, %s, k.due_at, SUBSTR({text}, 1, 300), %s "
                "FROM cases_clock k JOIN cases_case c ON c.id = k.case_id "
                "LEFT JOIN cases_team t ON t.id = c.team_id "
                f"WHERE k.id IN ({ids}) AND {recipient} IS NOT NULL "
                "ON CONFLICT DO NOTHING",
                [kind, words, now, *clock_ids],
            )
            written += max(cursor.rowcount, 0)
    return written


def _immediate_iro_kinds(pack_id: int) -> frozenset[str]:
    """The kinds whose missed decision opens independent review at once, read from the pack: it
    has a rule admitting external review when the plan missed a deadline (UMP: "If the plan has
    exceeded the timelines for response to your appeal…"), and the kind leads to external
    review at some level."""
    pack = packs.program_of(pack_id).pack
    rules = [*pack.rules.kind, *pack.rules.handler, *pack.rules.admission]
    if not any((r.when or {}).get("prior.plan_missed_deadline") is True for r in rules):
        return frozenset()
    return frozenset(
        p.kind
        for p in pack.processes
        if p.next_level is not None and p.next_level.kind == "external_review"
    )


# the milestones that answer a request: a clock met by one of them is a decision timeline (UMP's
# 30-day "decide the appeal and send notice" is met by the written notice)
DECISION_MILESTONES = frozenset({"decided", "notified_verbal", "notified_written"})


def _flag_immediate_iro(missed: Sequence[Any], now: dt.datetime) -> list[int]:
    """Flag the cases whose binding decision clock was just missed without a decision, where the
    pack makes that grounds for immediate independent review; the ids of the clocks that
    flagged a case. One conditional UPDATE … RETURNING flags each case (with its event) once,
    however many sweeps run."""
    deciding = {
        c.case_id: c for c in missed if c.binding and DECISION_MILESTONES & set(c.met_by or [])
    }
    if not deciding:
        return []
    candidates = Case.objects.filter(
        pk__in=list(deciding), decided_at=None, immediate_iro=False
    ).values_list("id", "kind", "pack_id")
    kinds: dict[int, frozenset[str]] = {}
    eligible = []
    for pk, kind, pack_id in candidates:
        if pack_id not in kinds:
            kinds[pack_id] = _immediate_iro_kinds(pack_id)
        if kind in kinds[pack_id]:
            eligible.append(pk)
    if not eligible:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_case SET immediate_iro = %s, version = version + 1, updated_at = %s "
            f"WHERE id IN ({', '.join(['%s'] * len(eligible))}) "
            "AND immediate_iro = %s AND decided_at IS NULL RETURNING id",
            [True, now, *eligible, False],
        )
        flagged = sorted(row[0] for row in cursor.fetchall())
    Event.objects.bulk_create(
        [
            Event(
                case_id=pk,
                at=now,
                actor_label="system",
                action="case.immediate_iro",
                reason="the plan exceeded its decision timeline without reaching a decision",
                after={
                    "clock": deciding[pk].clock_id,
                    "due_at": _jsonable(deciding[pk].due_at),
                },
            )
            for pk in flagged
        ]
    )
    return [deciding[pk].id for pk in flagged]


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None
