"""Request and response bodies of API v1. Strings refuse NUL bytes (PostgreSQL cannot store
them) and have lengths; instants must carry their UTC offset."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, StringConstraints

from appealdesk.cases.addresses import valid_address
from appealdesk.cases.ranges import birth_date_in_range
from appealdesk.policy.contract import (
    AssessRequest,
    check_depth,
    date_in_range,
    instant_in_range,
)


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _no_nul_inside(value: Any) -> Any:
    """Free JSON (a request, its changes): no NUL in any key or string at any depth, and not
    nested deeper than a request can be (storing it would fail in the serialiser)."""
    check_depth(value)
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str) and "\x00" in item:
            raise ValueError("must not contain NUL characters")
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return value


def _no_nul_inside_model(value: Any) -> Any:
    _no_nul_inside(value.model_dump(mode="json"))
    return value


Word = Annotated[str, AfterValidator(_no_nul)]
JsonObject = Annotated[dict[str, Any], AfterValidator(_no_nul_inside)]
Text = Annotated[str, StringConstraints(max_length=2000), AfterValidator(_no_nul)]
Short = Annotated[str, StringConstraints(max_length=200), AfterValidator(_no_nul)]
Code = Annotated[str, StringConstraints(max_length=40), AfterValidator(_no_nul)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_no_nul)]
Item = Annotated[str, StringConstraints(min_length=1, max_length=60), AfterValidator(_no_nul)]
# a reason must say something: not empty, not only spaces
Reason = Annotated[str, StringConstraints(max_length=2000, pattern=r"\S"), AfterValidator(_no_nul)]
# instants and dates inside the range `assess` accepts: past it, the time math overflows
Instant = Annotated[AwareDatetime, AfterValidator(instant_in_range)]
Day = Annotated[dt.date, AfterValidator(date_in_range)]


def _written_date(value: Any) -> Any:
    # a date of birth is written YYYY-MM-DD: lax validation would take the number 0 as 1970-01-01
    if not isinstance(value, str | dt.date):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


BirthDate = Annotated[dt.date, BeforeValidator(_written_date), AfterValidator(birth_date_in_range)]


class PartyOut(Schema):
    id: int
    role: str
    name: str
    subscriber_id: str
    birth_date: dt.date | None = Field(
        default=None, description="a member's date of birth; to staff callers only"
    )


class ClockOut(Schema):
    clock: str
    label: str
    unit: str
    length: int
    starts: str
    binding: bool
    state: str
    started_at: dt.datetime | None
    due_at: dt.datetime | None
    due_date: dt.date | None
    original_due_at: dt.datetime | None
    at_risk_at: dt.datetime | None
    met_at: dt.datetime | None
    calendar: str


class CaseOut(Schema):
    number: str
    program: str
    pack_version: str
    kind: str
    level: int | None
    expedited: bool
    category: str
    service: str
    channel: str
    filed_by: str
    state: str
    disposition: str
    rejection: dict[str, Any] | None
    handler: str
    team: str | None
    owner: str | None
    reviewer: str | None
    outcome: str
    dismissal_reason: str
    received_at: dt.datetime
    received_date: dt.date
    backdate_reason: str
    created_at: dt.datetime
    decided_at: dt.datetime | None
    decided_by: str | None
    letter_date: dt.date | None
    notified_at: dt.datetime | None
    closed_at: dt.datetime | None
    next_due_at: dt.datetime | None
    provided: list[str]
    missing: list[str]
    summary: str
    member: PartyOut | None
    representative: PartyOut | None
    provider: PartyOut | None
    matter: str | None
    prior: str | None
    duplicate_of: str | None
    version: int
    clocks: list[ClockOut]


class CasePage(Schema):
    items: list[CaseOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page")


class EventOut(Schema):
    id: int
    at: dt.datetime
    actor: str
    action: str
    reason: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class DocumentOut(Schema):
    id: int
    kind: str
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime
    uploaded_by: str | None


class NewParty(Schema):
    name: Name
    subscriber_id: Code = ""  # the lengths of Party's columns (PostgreSQL enforces them)
    birth_date: BirthDate | None = None
    phone: Code = ""
    address: Text = ""
    email: Annotated[Short, AfterValidator(valid_address)] = ""
    email_consent: bool = Field(
        default=False, description="the party agrees to receive letters by e-mail"
    )


class CaseCreate(Schema):
    request: Annotated[AssessRequest, AfterValidator(_no_nul_inside_model)] = Field(
        description="the request as `POST /assess` takes it (SPEC section 7)"
    )
    member_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    member: NewParty | None = Field(default=None, description="a new member, if no member_id")
    representative: NewParty | None = None
    provider: NewParty | None = None
    summary: Text = ""
    backdate_reason: Text = Field(
        default="", description="needed when received_at is earlier than now"
    )
    override: JsonObject | None = Field(
        default=None, description="assess inputs that replace the proposal's (with a reason)"
    )
    override_reason: Text = ""
    team_id: int | None = Field(default=None, ge=1, le=2**63 - 1)


class Reclassify(Schema):
    changes: JsonObject = Field(description="assess inputs to change, e.g. {'category': …}")
    reason: Reason


class RequestInformation(Schema):
    items: list[Item] | None = Field(default=None, description="default: what is missing")
    note: Text = ""


class ReceiveInformation(Schema):
    items: list[Item] = Field(min_length=1)
    received_at: Instant | None = None
    note: Text = ""


class Extend(Schema):
    clock: Item
    new_due_at: Instant
    reason: Reason
    consent_document_id: int | None = Field(default=None, ge=1, le=2**63 - 1)


class ClockReason(Schema):
    clock: Item
    reason: Text = ""


class Pause(Schema):
    clock: Item
    reason: Reason


class Assign(Schema):
    owner: Short | None = Field(default=None, description="user name; null unassigns")
    reviewer: Short | None = Field(default=None, description="user name; null unassigns")
    team_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    reason: Text = ""


class Decide(Schema):
    outcome: Literal["upheld", "overturned", "partially_overturned"]
    action: Literal["", "deny", "modify", "reduce", "terminate"] = ""
    decided_at: Instant | None = None
    letter_date: Day | None = None
    reason: Text = ""


class RecordNotice(Schema):
    notice: Literal["acknowledgement", "decision"]
    medium: Literal["written", "verbal"]
    at: Instant | None = None
    note: Text = ""


class Milestone(Schema):
    milestone: Item
    at: Instant | None = None
    note: Text = ""


class Dismiss(Schema):
    reason: Literal["untimely", "not_appealable", "withdrawn"]
    note: Text = ""


class Note(Schema):
    note: Text = ""


class Reopen(Schema):
    reason: Reason


class Escalate(Schema):
    received_at: Instant
    channel: Literal["phone", "mail", "fax", "email", "portal", "in_person"]
    requested: Literal["appeal", "external_review"] = "appeal"
    filed_by: Literal["member", "authorized_rep", "provider"] | None = None
    provided: list[Item] = Field(default_factory=list)
    expedited: bool | None = None
    backdate_reason: Text = ""
    summary: Text = ""


class PackVersionOut(Schema):
    program: str
    version: str
    name: str
    effective_from: dt.date
    time_zone: str
    sha256: str
    in_force: bool
