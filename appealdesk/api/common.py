"""What every router of API v1 shares: the caller's scopes and role, the case as the caller may
see it (logged), the case's ETag and `If-Match`, a case and its clocks as the API shows them.

The routers (`appealdesk.api.routers.*`) import this module and never each other;
`appealdesk.api.v1` assembles them into the API.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import F
from django.http import HttpRequest, HttpResponse
from ninja import Schema
from ninja.renderers import JSONRenderer

from appealdesk.access import roles
from appealdesk.access.log import case_for
from appealdesk.api.auth import caller
from appealdesk.api.problems import ApiProblem, Problem
from appealdesk.api.schemas import CaseOut
from appealdesk.cases import services as sv
from appealdesk.cases.models import Case, Clock, ClockState, Party

ERRORS: dict[int, Any] = {
    400: Problem,
    401: Problem,
    403: Problem,
    404: Problem,
    409: Problem,
    422: Problem,
}
ACTION_ERRORS = {**ERRORS, 428: Problem}
NO_DUE_AFTER = sv.NO_DUE.replace(year=9000)
# One query for a case as the API shows it: the parties whole, of the other related rows only
# the column shown (select_related of the three linked cases and four users compiled and read
# hundreds of columns: half the time of a create's answer).
CASE_QUERY = (
    Case.objects.select_related("member", "representative", "provider")
    .annotate(
        pack_version=F("pack__version"),
        team_name=F("team__name"),
        owner_name=F("owner__username"),
        reviewer_name=F("reviewer__username"),
        decided_by_name=F("decided_by__username"),
        matter_number=F("matter__number"),
        prior_number=F("prior__number"),
        duplicate_of_number=F("duplicate_of__number"),
    )
    .prefetch_related("clocks")
)
# the API's answers, and those a view writes itself to add a header (ETag, Location)
RENDERER = JSONRenderer()


# -- the caller -------------------------------------------------------------------------------
def need(request: HttpRequest, scope: str) -> None:
    if scope not in caller(request).scopes:
        raise ApiProblem(403, "insufficient_scope", f"this key lacks the {scope!r} scope")


def allow(request: HttpRequest, action: str) -> None:
    if not roles.may(caller(request).user, action):
        raise ApiProblem(
            403, "forbidden_action", f"your role may not {action.replace('_', ' ')} cases"
        )


def user_of(request: HttpRequest) -> Any:
    return caller(request).user


def name_of(user: Any) -> str | None:
    return user.get_username() if user is not None else None


# -- the case, its version --------------------------------------------------------------------
def load(request: HttpRequest, number: str, what: str) -> Case:
    """The case if the caller may see it (logged), else 404. A "number" no case can have (too
    long, control characters) is refused without looking it up, as a missing case."""
    query = CASE_QUERY
    if len(number) > 40 or not number.isprintable():
        number, query = number[:40].encode("unicode_escape").decode("ascii"), CASE_QUERY.none()
    return case_for(request, number, what=f"api {what}", queryset=query, user=user_of(request))


# an entity tag (RFC 9110) of a case version: "v3", weak W/"v3" accepted alike
ETAG = re.compile(r'^(?:W/)?"v([0-9]{1,19})"$')
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "description": 'the case\'s ETag as last read, e.g. "v3"; a stale one answers 409',
    "schema": {"type": "string", "pattern": ETAG.pattern},
}


def etag(case: Case) -> str:
    return f'"v{case.version}"'


def if_match(request: HttpRequest, case: Case) -> int:
    """The version the caller based its change on: `If-Match` is required on every action."""
    header = request.headers.get("If-Match")
    if not header:
        raise ApiProblem(
            428,
            "if_match_required",
            f"send If-Match with the case's ETag (now {etag(case)}) so a change made by "
            "someone else in between is not overwritten",
            field="If-Match",
        )
    found = re.fullmatch(ETAG, header.strip())
    if found is None:
        raise ApiProblem(
            422,
            "invalid_if_match",
            f"If-Match must be an ETag such as {etag(case)}",
            field="If-Match",
        )
    return int(found[1])


def act(request: HttpRequest, number: str, what: str, *, action: str) -> tuple[Case, int]:
    """What every action needs: the `cases:write` scope, the case (its read logged as `what`),
    a role that may `action`, and the version the caller saw (`If-Match`)."""
    need(request, "cases:write")
    case = load(request, number, what)
    allow(request, action)
    return case, if_match(request, case)


def with_etag(response: HttpResponse, case: Case) -> HttpResponse:
    response["ETag"] = etag(case)
    return response


# -- answers ----------------------------------------------------------------------------------
def answer(
    request: HttpRequest, schema: type[Schema], data: Any, status: int = 200
) -> HttpResponse:
    """`data` validated as `schema`, rendered as the API renders every answer."""
    body = schema.model_validate(data).model_dump(mode="json")
    return HttpResponse(
        RENDERER.render(request, body, response_status=status),
        status=status,
        content_type=f"{RENDERER.media_type}; charset={RENDERER.charset}",
    )


def respond(request: HttpRequest, case: Case, status: int = 200) -> HttpResponse:
    """The case as it is now, with its ETag."""
    fresh = CASE_QUERY.get(pk=case.pk)
    response = answer(request, CaseOut, case_out(fresh, staff=staff_caller(request)), status)
    if status == 201:
        response["Location"] = f"/api/v1/cases/{fresh.number}"
    return with_etag(response, fresh)


def staff_caller(request: HttpRequest) -> bool:
    """Whether the caller (a desk session or an API key) acts as staff: a date of birth is
    shown to staff only."""
    return bool(caller(request).user.is_staff)


def _party(party: Party | None, *, staff: bool) -> dict[str, Any] | None:
    if party is None:
        return None
    return {
        "id": party.pk,
        "role": party.role,
        "name": party.name,
        "subscriber_id": party.subscriber_id,
        "birth_date": party.birth_date if staff else None,
    }


def case_out(case: Any, *, staff: bool, clocks: list[Clock] | None = None) -> dict[str, Any]:
    """A case read with CASE_QUERY (its annotations) as CaseOut; the parties' dates of birth
    only for a `staff` caller. `clocks`: the case's clocks when they are at hand (an intake)."""
    found = case.clocks.all() if clocks is None else clocks
    clocks = [c for c in found if c.state != ClockState.CANCELLED]
    return {
        "number": case.number,
        "program": case.program,
        "pack_version": case.pack_version,
        "kind": case.kind,
        "level": case.level,
        "expedited": case.expedited,
        "category": case.category,
        "service": case.service,
        "channel": case.channel,
        "filed_by": case.filed_by,
        "state": case.state,
        "disposition": case.disposition,
        "rejection": (case.assessment or {}).get("rejection"),
        "handler": case.handler,
        "team": case.team_name,
        "owner": case.owner_name,
        "reviewer": case.reviewer_name,
        "outcome": case.outcome,
        "dismissal_reason": case.dismissal_reason,
        "received_at": case.received_at,
        "received_date": case.received_date,
        "backdate_reason": case.backdate_reason,
        "created_at": case.created_at,
        "decided_at": case.decided_at,
        "decided_by": case.decided_by_name,
        "letter_date": case.letter_date,
        "notified_at": case.notified_at,
        "closed_at": case.closed_at,
        "next_due_at": case.next_due_at
        if case.next_due_at and case.next_due_at < NO_DUE_AFTER
        else None,
        "provided": list(case.provided),
        "missing": list(case.missing),
        "summary": case.summary,
        "member": _party(case.member, staff=staff),
        "representative": _party(case.representative, staff=staff),
        "provider": _party(case.provider, staff=staff),
        "matter": case.matter_number,
        "prior": case.prior_number,
        "duplicate_of": case.duplicate_of_number,
        "version": case.version,
        "clocks": [clock_out(c) for c in sorted(clocks, key=lambda c: c.pk)],
    }


def clock_out(clock: Clock) -> dict[str, Any]:
    return {
        "clock": clock.clock_id,
        "label": clock.label,
        "unit": clock.unit,
        "length": clock.length,
        "starts": clock.starts,
        "binding": clock.binding,
        "state": clock.state,
        "started_at": clock.started_at,
        "due_at": clock.due_at,
        "due_date": clock.due_date,
        "original_due_at": clock.original_due_at,
        "at_risk_at": clock.at_risk_at,
        "met_at": clock.met_at,
        "calendar": clock.calendar,
    }
