"""Intake: a request taken in and assessed into a case with its clocks, and assessed again
(reclassification) when its inputs turn out different."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import connection, transaction

from appealdesk.cases import chain, packs
from appealdesk.cases.errors import InvalidInput, InvalidTransition, Refused
from appealdesk.cases.models import (
    Case,
    Clock,
    ClockState,
    Party,
    Team,
)
from appealdesk.cases.models import State as S
from appealdesk.cases.services._common import (
    BACKDATE_GRACE,
    FUTURE_GRACE,
    _event,
    _fresh,
    _move,
    _now,
    _save,
    _schedule,
)
from appealdesk.policy import AssessError, PackRegistry, assess, default_registry
from appealdesk.policy.assess import Program, program_for
from appealdesk.policy.clocks import at_risk_from
from appealdesk.policy.contract import parse_instant


def requested_of(request: Mapping[str, Any], result: Mapping[str, Any]) -> str:
    """What the person asks for: as given, or as the classifier read it from the text."""
    proposed = (result.get("classification") or {}).get("requested") or {}
    return str(request.get("requested") or proposed.get("value") or "")


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
    source_reference: str = "",
    source_focus: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Take a request in: assess it, store the case and its clocks, write `case.received`.

    `source_reference` is the number of the decision being appealed when it came in as data
    (an authorization or claim number), `source_focus` that decision's reference.

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
        requested=requested_of(final_request, result),
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
        source_reference=source_reference,
        source_focus=dict(source_focus or {}),
        updated_by=actor if getattr(actor, "pk", None) else None,
        **_schedule(state, clocks),
    )
    if team is not None and team.program != result["program"]:
        # a team works one program's cases; another program's team would read them
        raise Refused(
            f"team {team.name} works {team.program} cases; this is a {result['program']} request",
            field="team",
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
        chain.new_case(case)  # its first event: no lock, no head to read
        for clock in clocks:
            clock.case = case
        Clock.objects.bulk_create(clocks)
        # the API answers an intake from the rows just written, not read back (issue 22.1)
        setattr(case, "written_clocks", clocks)  # noqa: B010 (not a field of Case)
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
                # only when the request came in as data, so other intakes' events are as before
                **({"source_reference": source_reference} if source_reference else {}),
            },
        )
    return case


def _assess(request: Mapping[str, Any], registry: PackRegistry | None = None) -> dict[str, Any]:
    try:
        return assess(request, registry=registry)
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
    for kept in ("received_at", "program"):
        if kept in changes:
            raise InvalidInput(f"reclassification keeps {kept}", field=kept)
    with transaction.atomic():
        case, expected = _fresh(case, expected_version)
        if not case.is_open and case.state != S.REDIRECTED:
            raise InvalidTransition(f"case {case.number} is {case.state}: reopen it first")
        request = {**case.request, **changes}
        # the pack version the case was received under, with its calendar, not today's
        result = _assess(request, registry=packs.registry_of(case.pack_id))
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
            "requested": requested_of(request, result),
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
