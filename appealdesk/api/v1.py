"""REST API v1 (`/api/v1/`): the same services and permissions as the desk, over HTTP.

Every case read is written to the access log; every action needs `If-Match` with the case's
ETag (a stale one answers 409); intake takes an `Idempotency-Key`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, re_path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from ninja import File, Form, NinjaAPI, Path, Query, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from appealdesk.access import roles
from appealdesk.access.log import case_for, log_reads
from appealdesk.api import problems
from appealdesk.api import reports as reports_api
from appealdesk.api.auth import AUTH, caller
from appealdesk.api.models import IdempotencyRecord
from appealdesk.api.problems import ApiProblem, Problem
from appealdesk.api.schemas import (
    Assign,
    CaseCreate,
    CaseOut,
    CasePage,
    ClockOut,
    ClockReason,
    Decide,
    Dismiss,
    DocumentOut,
    Escalate,
    EventOut,
    Extend,
    Milestone,
    NewParty,
    Note,
    PackVersionOut,
    Pause,
    ReceiveInformation,
    Reclassify,
    RecordNotice,
    Reopen,
    RequestInformation,
    Word,
)
from appealdesk.cases import services as sv
from appealdesk.cases.documents import DOCUMENT_KINDS, document_response, document_store
from appealdesk.cases.errors import InvalidInput
from appealdesk.cases.models import Case, Clock, ClockState, Document, Party, Team
from appealdesk.cases.selectors import case_timeline
from appealdesk.policy import AssessError, assess, default_registry
from appealdesk.policy.contract import AssessRequest, AssessResult


class AppealdeskAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """Errors are documented as what they are: `application/problem+json`. An operation
        with path or query parameters may also meet the server's limit on the request line
        (gunicorn: 4094 bytes, an HTML 414 before the application sees the request)."""
        schema = super().get_openapi_schema(**kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.get("responses", {})
                for code, response in responses.items():
                    content = response.get("content") or {}
                    if str(code).startswith(("4", "5")) and "application/json" in content:
                        response["content"] = {problems.PROBLEM: content["application/json"]}
                if any(p.get("in") in ("query", "path") for p in operation.get("parameters", [])):
                    responses.setdefault(
                        414, {"description": "the request line is longer than the server takes"}
                    )
        return schema

    def get_openapi_operation_id(self, operation: Any) -> str:
        return str(operation.view_func.__name__)

    @property
    def urls(self) -> Any:
        """ninja answers a method a path does not take with a plain-text 405: as a problem."""
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _method_not_allowed_as_problem(pattern.callback)
        # after every router's paths: anything else under /api/v1/ is a problem, not HTML
        return [*patterns, re_path(r"^", _unknown_path)], app_name, namespace


@csrf_exempt
def _unknown_path(request: HttpRequest) -> HttpResponse:
    return problems.problem(404, "not_found", "No such resource, or not one you may see.")


def _method_not_allowed_as_problem(view: Any) -> Any:
    @functools.wraps(view)  # keeps csrf_exempt: the API checks CSRF itself (desk session)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            problems.PROBLEM
        ):
            allowed = response.get("Allow", "")
            response = problems.problem(
                405, "method_not_allowed", f"{request.method} is not allowed here; use {allowed}"
            )
            response["Allow"] = allowed
        return response

    return wrapped


api = AppealdeskAPI(
    title="appealdesk API",
    version="1",
    description=(
        "Complaints, grievances and appeals with their regulatory clocks. Authenticate with "
        "an API key (`Authorization: Bearer ad_…` or `X-API-Key`); errors are "
        "`application/problem+json` (RFC 9457)."
    ),
    urls_namespace="api-v1",
    auth=AUTH,
    docs_url="/docs",
)
problems.install(api)

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


# -- helpers ----------------------------------------------------------------------------------
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


def load(request: HttpRequest, number: str, what: str) -> Case:
    """The case if the caller may see it (logged), else 404. A "number" no case can have (too
    long, control characters) is refused without looking it up, as a missing case."""
    query = CASE_QUERY
    if len(number) > 40 or not number.isprintable():
        number, query = number[:40].encode("unicode_escape").decode("ascii"), CASE_QUERY.none()
    return case_for(request, number, what=f"api {what}", queryset=query, user=user_of(request))


def _digits(text: str, limit: int = 19) -> bool:
    """ASCII digits only (str.isdigit also accepts '²', which int() refuses), a bigint's length."""
    return text.isascii() and text.isdigit() and len(text) <= limit


# an entity tag (RFC 9110) of a case version: "v3", weak W/"v3" accepted alike
ETAG = re.compile(r'^(?:W/)?"v([0-9]{1,19})"$')


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


def _party(party: Party | None) -> dict[str, Any] | None:
    if party is None:
        return None
    return {
        "id": party.pk,
        "role": party.role,
        "name": party.name,
        "subscriber_id": party.subscriber_id,
    }


def _name(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def case_out(case: Any) -> dict[str, Any]:
    """A case read with CASE_QUERY (its annotations) as CaseOut."""
    clocks = [c for c in case.clocks.all() if c.state != ClockState.CANCELLED]
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
        "member": _party(case.member),
        "representative": _party(case.representative),
        "provider": _party(case.provider),
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


def with_etag(response: HttpResponse, case: Case) -> HttpResponse:
    response["ETag"] = etag(case)
    return response


def respond(request: HttpRequest, case: Case, status: int = 200) -> HttpResponse:
    """The case as it is now, with its ETag."""
    fresh = CASE_QUERY.get(pk=case.pk)
    response = api.create_response(
        request, CaseOut.model_validate(case_out(fresh)).model_dump(mode="json"), status=status
    )
    if status == 201:
        response["Location"] = f"/api/v1/cases/{fresh.number}"
    return with_etag(response, fresh)


# -- assess and packs -------------------------------------------------------------------------
@api.post(
    "/assess",
    response={200: AssessResult, **ERRORS},
    by_alias=True,
    tags=["assess"],
    summary="Assess a request (SPEC section 7); nothing is stored",
)
def assess_request(request: HttpRequest, body: AssessRequest) -> Any:
    need(request, "assess")
    try:
        return assess(body.model_dump(exclude_unset=True))
    except AssessError as exc:
        raise ApiProblem(
            422, "invalid_input", f"{exc.field}: {exc.message}", field=exc.field
        ) from None


@api.get("/packs", response={200: list[PackVersionOut], **ERRORS}, tags=["packs"])
def packs_list(request: HttpRequest) -> Any:
    registry = default_registry()
    today = timezone.localdate()
    out = []
    for name in registry.programs():
        current = registry.in_force(name, today)
        for loaded in registry.versions(name):
            pack = loaded.pack
            out.append(
                {
                    "program": pack.program,
                    "version": pack.version,
                    "name": pack.name,
                    "effective_from": pack.effective_from,
                    "time_zone": pack.time_zone,
                    "sha256": loaded.sha256,
                    "in_force": loaded is current,
                }
            )
    return out


@api.get("/packs/{program}/{version}", response={200: dict[str, Any], **ERRORS}, tags=["packs"])
def pack_show(request: HttpRequest, program: str, version: str) -> Any:
    """A pack version with every rule and the seed sentence it encodes."""
    registry = default_registry()
    if program not in registry.programs():
        raise ApiProblem(404, "not_found", f"no program {program!r}")
    for loaded in registry.versions(program):
        if loaded.pack.version == version:
            return loaded.pack.model_dump(mode="json", by_alias=True)
    raise ApiProblem(404, "not_found", f"{program} has no version {version!r}")


# -- cases ------------------------------------------------------------------------------------
class CaseFilters(Schema):
    program: Word | None = Field(default=None, max_length=40)
    kind: Word | None = Field(default=None, max_length=30)
    level: int | None = Field(default=None, ge=1, le=9)
    state: Word | None = Field(default=None, max_length=30)
    handler: Word | None = Field(default=None, max_length=60)
    expedited: bool | None = None
    open: bool | None = Field(default=None, description="only open (true) or settled (false)")
    team_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    owner: Word | None = Field(default=None, max_length=150, description="user name")
    received_from: Word | None = Field(default=None, description="local date, inclusive")
    received_to: Word | None = Field(default=None, description="local date, inclusive")
    cursor: Word | None = Field(default=None, pattern=r"^[0-9]{1,19}$")
    limit: int = Field(default=50, ge=1, le=200)


@api.get("/cases", response={200: CasePage, **ERRORS}, tags=["cases"])
def cases_list(request: HttpRequest, filters: Query[CaseFilters]) -> Any:
    """Cases you may see, newest first, by pages (cursor pagination)."""
    need(request, "cases:read")
    user = user_of(request)
    found = roles.visible_cases(user)
    for name in ("program", "kind", "level", "state", "handler", "expedited"):
        value = getattr(filters, name)
        if value is not None:
            found = found.filter(**{name: value})
    if filters.open is not None:
        found = found.filter(is_open=filters.open)
    if filters.team_id is not None:
        found = found.filter(team_id=filters.team_id)
    if filters.owner:
        found = found.filter(owner__username=filters.owner)
    for name, lookup in (("received_from", "gte"), ("received_to", "lte")):
        value = getattr(filters, name)
        if value:
            found = found.filter(**{f"received_date__{lookup}": _date(value, name)})
    if filters.cursor:
        if not _digits(filters.cursor):
            raise ApiProblem(
                422, "invalid_input", "cursor: not one this list gave out", field="cursor"
            )
        found = found.filter(pk__lt=int(filters.cursor))
    page = list(
        CASE_QUERY.filter(pk__in=found.order_by("-pk").values("pk")[: filters.limit + 1]).order_by(
            "-pk"
        )
    )
    items = page[: filters.limit]
    log_reads(request, items, "api list", user)
    return {
        "items": [case_out(c) for c in items],
        "next_cursor": str(items[-1].pk) if len(page) > filters.limit else None,
    }


def _date(value: str, field: str) -> Any:
    import datetime as dt

    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ApiProblem(422, "invalid_input", f"{field}: use YYYY-MM-DD", field=field) from None


@api.get("/cases/{number}", response={200: CaseOut, **ERRORS}, tags=["cases"])
def case_get(request: HttpRequest, number: str) -> Any:
    need(request, "cases:read")
    case = load(request, number, "case")
    return with_etag(
        api.create_response(
            request, CaseOut.model_validate(case_out(case)).model_dump(mode="json"), status=200
        ),
        case,
    )


@api.post(
    "/cases",
    response={201: CaseOut, **ERRORS},
    tags=["cases"],
    openapi_extra={
        "parameters": [
            {
                "in": "header",
                "name": "Idempotency-Key",
                "required": False,
                "description": "a client-chosen key: a retry with the same key and body returns "
                "the same case; another body with the same key is refused (422)",
                "schema": {"type": "string", "maxLength": 200},
            }
        ]
    },
)
def case_create(request: HttpRequest, body: CaseCreate) -> Any:
    """Take a request in (intake): assess, store, start the clocks. With `Idempotency-Key`, the
    same key and body give the same case (never a duplicate); another body is refused."""
    need(request, "cases:write")
    allow(request, "receive")
    who = caller(request)
    key = (request.headers.get("Idempotency-Key") or "").strip()
    if len(key) > 200 or "\x00" in key:
        raise ApiProblem(
            422, "invalid_input", "Idempotency-Key: at most 200 characters", field="Idempotency-Key"
        )
    body_digest = hashlib.sha256(
        json.dumps(body.model_dump(mode="json"), sort_keys=True).encode()
    ).hexdigest()
    if key and (replay := _replay(request, who.owner, key, body_digest)):
        return replay
    try:
        with transaction.atomic():
            case = _receive(request, body)
            if key:
                IdempotencyRecord.objects.create(
                    owner=who.owner, key=key, body_digest=body_digest, case=case
                )
    except IntegrityError:
        # the same key in a request that committed first: answer as it was answered
        if key and (replay := _replay(request, who.owner, key, body_digest)):
            return replay
        raise
    return respond(request, case, 201)


def _replay(request: HttpRequest, owner: str, key: str, body_digest: str) -> HttpResponse | None:
    record = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
    if record is None:
        return None
    if record.body_digest != body_digest:
        raise ApiProblem(
            422,
            "idempotency_key_reused",
            "this Idempotency-Key was used with another body: use a new key for a new request",
            field="Idempotency-Key",
        )
    response = respond(request, record.case, 201)
    response["Idempotent-Replayed"] = "true"
    return response


def _new_party(role: str, data: NewParty | None) -> Party | None:
    if data is None:
        return None
    return Party.objects.create(
        role=role,
        name=data.name,
        subscriber_name=data.name if role == "member" else "",
        patient_name=data.name if role == "member" else "",
        subscriber_id=data.subscriber_id,
        phone=data.phone,
        address=data.address,
        email=data.email,
        email_consent=bool(data.email and data.email_consent),
    )


def _receive(request: HttpRequest, body: CaseCreate) -> Case:
    parsed = body.request  # validated by ninja as `POST /assess` validates it
    member = None
    if body.member_id is not None:
        member = Party.objects.filter(pk=body.member_id, role="member").first()
        if member is None:
            raise InvalidInput(f"no member with id {body.member_id}", field="member_id")
    else:
        member = _new_party("member", body.member)
    team = None
    if body.team_id is not None:
        team = Team.objects.filter(pk=body.team_id).first()
        if team is None:
            raise InvalidInput(f"no team with id {body.team_id}", field="team_id")
    return sv.case_receive(
        request=parsed.model_dump(exclude_unset=True),
        actor=user_of(request),
        member=member,
        representative=_new_party("authorized_rep", body.representative),
        provider=_new_party("provider", body.provider),
        team=team,
        summary=body.summary,
        backdate_reason=body.backdate_reason,
        override=body.override,
        override_reason=body.override_reason,
    )


@api.get("/cases/{number}/clocks", response={200: list[ClockOut], **ERRORS}, tags=["cases"])
def case_clocks(request: HttpRequest, number: str) -> Any:
    need(request, "cases:read")
    case = load(request, number, "clocks")
    return [clock_out(c) for c in sorted(case.clocks.all(), key=lambda c: c.pk)]


@api.get("/cases/{number}/timeline", response={200: list[EventOut], **ERRORS}, tags=["cases"])
def case_events(request: HttpRequest, number: str) -> Any:
    """The case's history from the append-only event log."""
    need(request, "cases:read")
    case = load(request, number, "timeline")
    return [
        {
            "id": e.pk,
            "at": e.at,
            "actor": e.actor_label,
            "action": e.action,
            "reason": e.reason,
            "before": e.before if isinstance(e.before, dict) else None,
            "after": e.after if isinstance(e.after, dict) else None,
        }
        for e in case_timeline(case)
    ]


# -- actions: each needs If-Match and calls one service ----------------------------------------
def _act(request: HttpRequest, number: str, action: str) -> tuple[Case, int]:
    need(request, "cases:write")
    case = load(request, number, f"action {action}")
    allow(request, action)
    return case, if_match(request, case)


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
        raise InvalidInput(f"no active user {name!r}", field=field)
    return user


IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "description": 'the case\'s ETag as last read, e.g. "v3"; a stale one answers 409',
    "schema": {"type": "string", "pattern": ETAG.pattern},
}


def action(path: str, *, status: int = 200, summary: str = "") -> Any:
    return api.post(
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


# -- documents --------------------------------------------------------------------------------
def _document(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.pk,
        "kind": doc.kind,
        "name": doc.name,
        "content_type": doc.content_type,
        "size": doc.size,
        "sha256": doc.sha256,
        "uploaded_at": doc.uploaded_at,
        "uploaded_by": _name(doc.uploaded_by),
    }


@api.get(
    "/cases/{number}/documents", response={200: list[DocumentOut], **ERRORS}, tags=["documents"]
)
def documents_list(request: HttpRequest, number: str) -> Any:
    need(request, "cases:read")
    case = load(request, number, "documents")
    return [_document(d) for d in case.documents.select_related("uploaded_by").order_by("pk")]


@api.post("/cases/{number}/documents", response={201: DocumentOut, **ERRORS}, tags=["documents"])
def document_upload(
    request: HttpRequest,
    number: str,
    file: File[UploadedFile],
    kind: str = Form("evidence", pattern=f"^({'|'.join(DOCUMENT_KINDS)})$"),
) -> Any:
    """PDF or an image (recognised by content), at most the configured size; the same
    content on the same case is stored once."""
    need(request, "cases:write")
    case = load(request, number, "upload")
    allow(request, "upload")
    doc = document_store(file, kind=kind, case=case, actor=user_of(request))  # checks the kind
    return Status(201, _document(doc))


@api.get(
    "/cases/{number}/documents/{document_id}",
    response={200: None, **ERRORS},
    tags=["documents"],
    summary="Download a document (always as an attachment)",
)
def document_download(
    request: HttpRequest, number: str, document_id: int = Path(..., ge=1, le=2**63 - 1)
) -> Any:
    need(request, "cases:read")
    case = load(request, number, "document")  # the path, with the id, is in the log too
    doc = case.documents.filter(pk=document_id).first()
    if doc is None:
        raise ApiProblem(404, "not_found", f"case {case.number} has no document {document_id}")
    return document_response(doc)


# -- reports: timeliness, volumes, outcomes, aging, the cases behind a figure, the universe --
reports_api.install(api)

# -- letters and the case-file packet (appealdesk/api/letters.py, on this API) ----------------
from appealdesk.api import letters as _letters  # noqa: E402, F401
