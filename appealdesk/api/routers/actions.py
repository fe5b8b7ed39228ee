"""API v1: actions on a case. Each needs the `cases:write` scope, a role that may take it and
`If-Match` with the case's ETag (a stale one answers 409), and calls one service."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from ninja import Router

from appealdesk.access import roles
from appealdesk.api.common import (
    ACTION_ERRORS,
    IF_MATCH,
    act,
    respond,
    user_of,
)
from appealdesk.api.problems import ApiProblem
from appealdesk.api.schemas import (
    Assign,
    CaseOut,
    ClockReason,
    Decide,
    Dismiss,
    Escalate,
    Extend,
    Milestone,
    Note,
    Pause,
    ReceiveInformation,
    Reclassify,
    RecordNotice,
    Reopen,
    RequestInformation,
)
from appealdesk.cases import services as sv
from appealdesk.cases.errors import InvalidInput
from appealdesk.cases.models import Case, Clock, ClockState, Document, Team
from appealdesk.policy.quoting import quoted

router = Router()


def _act(request: HttpRequest, number: str, action: str) -> tuple[Case, int]:
    return act(request, number, f"action {action}", action=action)


def _clock(case: Case, clock_id: str) -> Clock:
    clock = (
        Clock.objects.filter(case=case, clock_id=clock_id)
        .exclude(state=ClockState.CANCELLED)
        .select_related("case")
        .first()
    )
    if clock is None:
        ids = sorted({c.clock_id for c in case.clocks.all() if c.state != ClockState.CANCELLED})
        raise InvalidInput(
            f"case {case.number} has no clock {clock_id!r}; it has {', '.join(ids) or 'none'}",
            field="clock",
        )
    return clock


def _user_named(name: str | None, field: str) -> Any:
    if name is None:
        return None
    user = get_user_model().objects.filter(username=name, is_active=True).first()
    if user is None:
        raise InvalidInput(f"no active user {quoted(name)}", field=field)
    return user


def action(path: str, *, status: int = 200, summary: str = "") -> Any:
    return router.post(
        f"/cases/{{number}}/{path}",
        response={status: CaseOut, **ACTION_ERRORS},
        tags=["actions"],
        summary=summary or path.replace("-", " ").capitalize(),
        openapi_extra={"parameters": [IF_MATCH]},
    )


@action("reclassify")
def act_reclassify(request: HttpRequest, number: str, body: Reclassify) -> Any:
    case, version = _act(request, number, "reclassify")
    sv.case_reclassify(
        case,
        actor=user_of(request),
        changes=body.changes,
        reason=body.reason,
        expected_version=version,
    )
    return respond(request, case)


@action("request-information")
def act_request_information(request: HttpRequest, number: str, body: RequestInformation) -> Any:
    case, version = _act(request, number, "request_information")
    sv.case_request_information(
        case, actor=user_of(request), items=body.items, note=body.note, expected_version=version
    )
    return respond(request, case)


@action("receive-information")
def act_receive_information(request: HttpRequest, number: str, body: ReceiveInformation) -> Any:
    case, version = _act(request, number, "receive_information")
    sv.case_receive_information(
        case,
        actor=user_of(request),
        items=body.items,
        received_at=body.received_at,
        note=body.note,
        expected_version=version,
    )
    return respond(request, case)


@action("extend", summary="Extend a clock (with the consent document where the rule needs one)")
def act_extend(request: HttpRequest, number: str, body: Extend) -> Any:
    case, version = _act(request, number, "extend")
    consent = None
    if body.consent_document_id is not None:
        consent = Document.objects.filter(pk=body.consent_document_id, case=case).first()
        if consent is None:
            raise InvalidInput(
                f"case {case.number} has no document {body.consent_document_id}: upload the "
                "consent first (POST …/documents)",
                field="consent_document_id",
            )
    sv.clock_extend(
        _clock(case, body.clock),
        actor=user_of(request),
        new_due_at=body.new_due_at,
        reason=body.reason,
        consent_document=consent,
        expected_version=version,
    )
    return respond(request, case)


@action("pause")
def act_pause(request: HttpRequest, number: str, body: Pause) -> Any:
    case, version = _act(request, number, "pause")
    sv.clock_pause(
        _clock(case, body.clock),
        actor=user_of(request),
        reason=body.reason,
        expected_version=version,
    )
    return respond(request, case)


@action("resume")
def act_resume(request: HttpRequest, number: str, body: ClockReason) -> Any:
    case, version = _act(request, number, "resume")
    sv.clock_resume(
        _clock(case, body.clock),
        actor=user_of(request),
        reason=body.reason,
        expected_version=version,
    )
    return respond(request, case)


@action("assign", summary="Assign owner, reviewer and/or team (fields left out stay)")
def act_assign(request: HttpRequest, number: str, body: Assign) -> Any:
    case, version = _act(request, number, "assign")
    given = body.model_fields_set
    changes: dict[str, Any] = {}
    if "owner" in given:
        changes["owner"] = _user_named(body.owner, "owner")
    if "reviewer" in given:
        changes["reviewer"] = _user_named(body.reviewer, "reviewer")
    if "team_id" in given:
        team = Team.objects.filter(pk=body.team_id).first() if body.team_id else None
        if body.team_id and team is None:
            raise InvalidInput(f"no team with id {body.team_id}", field="team_id")
        changes["team"] = team
    sv.case_assign(
        case, actor=user_of(request), reason=body.reason, expected_version=version, **changes
    )
    return respond(request, case)


@action("decide")
def act_decide(request: HttpRequest, number: str, body: Decide) -> Any:
    case, version = _act(request, number, "decide")
    if not roles.may_decide(user_of(request), case):  # as on the desk: the assigned reviewer's
        raise ApiProblem(
            403, "forbidden_action", f"case {case.number} is assigned to another reviewer"
        )
    sv.case_decide(
        case,
        actor=user_of(request),
        outcome=body.outcome,
        action=body.action,
        decided_at=body.decided_at,
        letter_date=body.letter_date,
        reason=body.reason,
        expected_version=version,
    )
    return respond(request, case)


@action("record-notice", summary="Record an acknowledgement or decision notice (verbal, written)")
def act_record_notice(request: HttpRequest, number: str, body: RecordNotice) -> Any:
    case, version = _act(request, number, "record_notice")
    sv.case_record_notice(
        case,
        actor=user_of(request),
        notice=body.notice,
        medium=body.medium,
        at=body.at,
        note=body.note,
        expected_version=version,
    )
    return respond(request, case)


@action("milestone", summary="Record a program event, e.g. investigation_concluded")
def act_milestone(request: HttpRequest, number: str, body: Milestone) -> Any:
    case, version = _act(request, number, "milestone")
    sv.case_record_milestone(
        case,
        actor=user_of(request),
        milestone=body.milestone,
        at=body.at,
        note=body.note,
        expected_version=version,
    )
    return respond(request, case)


@action("dismiss")
def act_dismiss(request: HttpRequest, number: str, body: Dismiss) -> Any:
    case, version = _act(request, number, "dismiss")
    sv.case_dismiss(
        case, actor=user_of(request), reason=body.reason, note=body.note, expected_version=version
    )
    return respond(request, case)


@action("close")
def act_close(request: HttpRequest, number: str, body: Note) -> Any:
    case, version = _act(request, number, "close")
    sv.case_close(case, actor=user_of(request), note=body.note, expected_version=version)
    return respond(request, case)


@action("reopen")
def act_reopen(request: HttpRequest, number: str, body: Reopen) -> Any:
    case, version = _act(request, number, "reopen")
    sv.case_reopen(case, actor=user_of(request), reason=body.reason, expected_version=version)
    return respond(request, case)


@action("escalate", status=201, summary="The next level or the IRO, as a linked case")
def act_escalate(request: HttpRequest, number: str, body: Escalate) -> Any:
    case, version = _act(request, number, "escalate")
    if version != case.version:
        raise sv._stale(case, version)
    linked = sv.case_escalate(
        case,
        actor=user_of(request),
        received_at=body.received_at.isoformat(),
        channel=body.channel,
        requested=body.requested,
        filed_by=body.filed_by,
        provided=body.provided,
        expedited=body.expedited,
        backdate_reason=body.backdate_reason,
        summary=body.summary,
    )
    return respond(request, linked, 201)
