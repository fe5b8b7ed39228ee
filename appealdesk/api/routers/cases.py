"""API v1: cases — the list you may see (by pages), one case with its ETag, intake (with an
`Idempotency-Key`), a case's clocks and its timeline. Every case read is logged."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from appealdesk.access import roles
from appealdesk.access.log import log_members, log_reads
from appealdesk.api.auth import caller
from appealdesk.api.common import (
    CASE_QUERY,
    ERRORS,
    allow,
    answer,
    case_out,
    clock_out,
    load,
    need,
    respond,
    staff_caller,
    user_of,
    with_etag,
)
from appealdesk.api.created import respond_created
from appealdesk.api.models import IdempotencyRecord
from appealdesk.api.problems import ApiProblem
from appealdesk.api.schemas import CaseCreate, CaseOut, CasePage, ClockOut, EventOut, NewParty, Word
from appealdesk.cases import services as sv
from appealdesk.cases.errors import InvalidInput
from appealdesk.cases.models import Case, Party, Team
from appealdesk.cases.selectors import case_timeline

router = Router()


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


@router.get("/cases", response={200: CasePage, **ERRORS}, tags=["cases"])
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
        "items": [case_out(c, staff=staff_caller(request)) for c in items],
        "next_cursor": str(items[-1].pk) if len(page) > filters.limit else None,
    }


def _digits(text: str, limit: int = 19) -> bool:
    """ASCII digits only (str.isdigit also accepts '²', which int() refuses), a bigint's length."""
    return text.isascii() and text.isdigit() and len(text) <= limit


def _date(value: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ApiProblem(422, "invalid_input", f"{field}: use YYYY-MM-DD", field=field) from None


@router.get("/cases/{number}", response={200: CaseOut, **ERRORS}, tags=["cases"])
def case_get(request: HttpRequest, number: str) -> Any:
    need(request, "cases:read")
    case = load(request, number, "case")
    return with_etag(answer(request, CaseOut, case_out(case, staff=staff_caller(request))), case)


@router.post(
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
                _record(who.owner, key, body_digest, case)
    except IntegrityError:
        # the same key in a request that committed first: answer as it was answered
        if key and (replay := _replay(request, who.owner, key, body_digest)):
            return replay
        raise
    return respond_created(request, case)


def _record(owner: str, key: str, body_digest: str, case: Case) -> None:
    """The IdempotencyRecord of an intake, in its transaction (a duplicate key fails on
    `one_case_per_idempotency_key`); written directly, as the ORM spent longer compiling the
    INSERT than the database took to run it (issue 22.1)."""
    table, column = IdempotencyRecord._meta.db_table, connection.ops.quote_name("key")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (owner, {column}, body_digest, case_id, created_at) "
            "VALUES (%s, %s, %s, %s, %s)",
            [owner, key, body_digest, case.pk, timezone.now()],
        )


def _replay(request: HttpRequest, owner: str, key: str, body_digest: str) -> HttpResponse | None:
    # asked on every intake with a key, nearly always to find none: a short statement the ORM
    # need not compile (issue 22.1)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT body_digest, case_id FROM api_idempotencyrecord WHERE owner = %s AND key = %s",
            [owner, key],
        )
        record = cursor.fetchone()
    if record is None:
        return None
    if record[0] != body_digest:
        raise ApiProblem(
            422,
            "idempotency_key_reused",
            "this Idempotency-Key was used with another body: use a new key for a new request",
            field="Idempotency-Key",
        )
    response = respond(request, Case(pk=record[1]), 201)
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
        birth_date=data.birth_date if role == "member" else None,
        phone=data.phone,
        address=data.address,
        email=data.email,
        email_consent=bool(data.email and data.email_consent),
    )


def _receive(request: HttpRequest, body: CaseCreate) -> Case:
    parsed = body.request  # validated by ninja as `POST /assess` validates it
    member = None
    if body.member_id is not None:
        # the same rule as the desk's member search: never another team's member, and the
        # same answer whether such a member exists or not (ids cannot be walked)
        member = roles.visible_members(user_of(request)).filter(pk=body.member_id).first()
        if member is None:
            raise InvalidInput(f"no member with id {body.member_id}", field="member_id")
        log_members(request, [member], "api intake member", user_of(request))
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


@router.get("/cases/{number}/clocks", response={200: list[ClockOut], **ERRORS}, tags=["cases"])
def case_clocks(request: HttpRequest, number: str) -> Any:
    need(request, "cases:read")
    case = load(request, number, "clocks")
    return [clock_out(c) for c in sorted(case.clocks.all(), key=lambda c: c.pk)]


@router.get("/cases/{number}/timeline", response={200: list[EventOut], **ERRORS}, tags=["cases"])
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
