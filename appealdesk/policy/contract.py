"""The `assess` contract of SPEC section 7: the request it takes and the result it returns.

The models validate input (one clear message naming the field) and publish the JSON Schema
(`appealdesk assess --schema`). Fields not given are unknown (`None`), never guessed silently.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    field_validator,
    model_validator,
)

from appealdesk.policy.quoting import QUOTE_LIMIT, quoted
from appealdesk.policy.vocabulary import (
    Action,
    Channel,
    ClockState,
    Disposition,
    Filer,
    Kind,
    Outcome,
    RejectionCode,
    Requested,
    Unit,
)

# The instants and dates a request may carry. Wide enough for any real filing (a grievance
# about something decades old, a deadline years ahead) and far enough inside datetime's
# years 1..9999 that no deadline, time zone shift or window computed from them overflows.
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2199, 12, 31)
# how deep a request's JSON may nest: the contract's own shape is three levels deep
MAX_DEPTH = 20

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$")


def parse_instant(value: str) -> dt.datetime:
    """An ISO 8601 instant that says its UTC offset (a local time alone is ambiguous)."""
    if not _INSTANT.match(value):
        if re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$", value):
            raise ValueError(
                f"{quoted(value)} has no UTC offset; add one, e.g. {value[:QUOTE_LIMIT]}-08:00 "
                f"(Pacific) or {value[:QUOTE_LIMIT]}Z"
            )
        raise ValueError(
            f"{quoted(value)} is not an ISO 8601 time with an offset, "
            "e.g. 2026-03-02T10:15:00-08:00"
        )
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{quoted(value)} is not a real time of a real day") from None


def parse_date(value: str) -> dt.date:
    if not _DATE.match(value):
        raise ValueError(f"{quoted(value)} is not a date in the form YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{quoted(value)} is not a real date") from None


RANGE = f"{EARLIEST.isoformat()} to {LATEST.isoformat()}"
_FIRST_INSTANT = dt.datetime.combine(EARLIEST, dt.time(0, 0), tzinfo=dt.UTC)
_AFTER_LAST_INSTANT = dt.datetime.combine(
    LATEST + dt.timedelta(days=1), dt.time(0, 0), tzinfo=dt.UTC
)


def instant_in_range(instant: dt.datetime) -> dt.datetime:
    """An aware instant inside the accepted range (compared in UTC; comparing aware datetimes
    never converts them, so 0001-01-01T00:00+14:00 is refused, not an OverflowError)."""
    if not _FIRST_INSTANT <= instant < _AFTER_LAST_INSTANT:
        raise ValueError(
            f"{quoted(instant.isoformat())} is outside the accepted range {RANGE} (UTC)"
        )
    return instant


def date_in_range(day: dt.date) -> dt.date:
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"{quoted(day.isoformat())} is outside the accepted range {RANGE}")
    return day


def check_instant(value: str) -> dt.datetime:
    """`parse_instant` for input: also inside the accepted range."""
    return instant_in_range(parse_instant(value))


def check_date(value: str) -> dt.date:
    """`parse_date` for input: also inside the accepted range."""
    return date_in_range(parse_date(value))


def check_depth(value: Any, limit: int = MAX_DEPTH) -> None:
    """Refuse JSON nested deeper than `limit`, walked without recursion: a value hundreds of
    levels deep otherwise ends in a RecursionError or a serialiser's depth error (a 500)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list | tuple):
            if depth >= limit:
                raise ValueError(f"is nested more than {limit} levels deep")
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


class _In(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class PriorIn(_In):
    """The earlier decision this request follows (for level 2 and independent review)."""

    kind: Kind | None = None
    level: int | None = Field(default=None, ge=1, le=9, strict=True)
    outcome: Outcome | None = None
    action: Action | None = Field(default=None, description="what the decision did")
    plan_missed_deadline: StrictBool | None = None
    good_cause: StrictBool | None = None
    process_failure: StrictBool | None = None
    letter_date: StrictStr | None = Field(
        default=None,
        description="date of the decision letter (YYYY-MM-DD); when absent, notice_date is used",
        json_schema_extra={"format": "date"},
    )

    @field_validator("letter_date")
    @classmethod
    def _date(cls, value: str | None) -> str | None:
        if value is not None:
            check_date(value)
        return value


class AssessRequest(_In):
    program: StrictStr
    received_at: StrictStr = Field(
        description="when the request reached the program, with its UTC offset",
        json_schema_extra={"format": "date-time"},
    )
    channel: Channel | None = None
    filed_by: Filer | None = None
    written: StrictBool | None = None
    written_response_requested: StrictBool | None = None
    requested: Requested | None = None
    category: StrictStr | None = None
    service: StrictStr | None = None
    level: int | None = Field(default=None, ge=1, le=9, strict=True)
    expedited: StrictBool | None = None
    network_provider: StrictBool | None = None
    good_cause: StrictBool | None = Field(
        default=None,
        description="the requester shows good cause for filing outside a window that accepts "
        "it with good cause (a pack's `strength: good_cause` window)",
    )
    notice_date: StrictStr | None = Field(default=None, json_schema_extra={"format": "date"})
    occurrence_date: StrictStr | None = Field(default=None, json_schema_extra={"format": "date"})
    prior: PriorIn | None = None
    provided: list[StrictStr] = Field(default_factory=list)
    events: dict[str, StrictStr | None] = Field(
        default_factory=dict,
        description="instants of later events, e.g. decided_at, investigation_concluded_at",
    )
    text: StrictStr | None = None

    @model_validator(mode="before")
    @classmethod
    def _shallow(cls, value: Any) -> Any:
        check_depth(value)
        return value

    @field_validator("received_at")
    @classmethod
    def _instant(cls, value: str) -> str:
        check_instant(value)
        return value

    @field_validator("notice_date", "occurrence_date")
    @classmethod
    def _date(cls, value: str | None) -> str | None:
        if value is not None:
            check_date(value)
        return value

    @field_validator("events")
    @classmethod
    def _events(cls, value: dict[str, str | None]) -> dict[str, str | None]:
        for key, instant in value.items():
            if not key.endswith("_at"):
                raise ValueError(f"event {quoted(key)} must be named <event>_at, e.g. decided_at")
            if instant is not None:
                try:
                    check_instant(instant)
                except ValueError as exc:
                    name = key if len(key) <= QUOTE_LIMIT else quoted(key)
                    raise ValueError(f"{name}: {exc}") from None
        return value


# -- result (published as JSON Schema; the engine builds plain dicts of this shape) --------------
class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HandlerOut(_Out):
    id: str
    name: str
    role: str
    phone: str | None
    tty: str | None
    hours: str | None
    mail: str | None
    fax: str | None
    fax_note: str | None
    email: str | None
    email_accepted: bool


class RejectionOut(_Out):
    code: RejectionCode
    message: str


class WindowOut(_Out):
    direction: Literal["not_after", "not_before"]
    strength: Literal["hard", "soft", "good_cause"]
    rule: str
    basis: str | None
    basis_date: str | None
    starts: str
    last_day: str | None = None
    first_day: str | None = None
    timely: bool | None
    source: str


class FilingOut(_Out):
    """SPEC 7 names `timely`, `last_day` and `rule`; a window that is not a plain hard "no
    later than" one (or several windows) adds `first_day`, `direction`, `strength` and
    `windows`, one verdict per window."""

    timely: bool | None
    last_day: str | None
    rule: str
    basis: str | None = Field(description="the request field the window counts from")
    basis_date: str | None
    starts: str
    first_day: str | None = Field(
        default=None, description="the first day a `not_before` window admits a request"
    )
    direction: Literal["not_after", "not_before"] | None = None
    strength: Literal["hard", "soft", "good_cause"] | None = None
    windows: list[WindowOut] | None = None


class DeadlineOut(_Out):
    clock: str
    label: str
    unit: Unit
    length: int
    starts: str
    met_by: list[str]
    state: ClockState
    binding: bool
    started_at: str | None = None
    due_date: str | None = None
    due_at: str | None = None
    calendar: str | None = None
    notice: str | None = None
    extension: dict[str, Any] | None = None
    governed_by: str | None = None
    due: Literal["immediately"] | None = Field(
        default=None, description="an immediate clock: due at its start, met by a milestone"
    )
    track: Literal["urgent"] | None = Field(
        default=None, description="the clock belongs to the urgent (expedited) track"
    )
    provisional: bool | None = Field(
        default=None,
        description="true while the kind is a proposal intake has not confirmed",
    )


class NextLevelOut(_Out):
    kind: Kind
    level: int | None
    window_days: int | None
    window_years: int | None = None
    window_length: int | None = Field(
        default=None, description="the window in `window_unit` when it is not days or years"
    )
    window_unit: str | None = None
    starts: str


class ProposalOut(_Out):
    value: str
    probability: float
    status: Literal["proposed", "needs_review"]
    runner_up: dict[str, Any] | None
    evidence: list[str]


class KindOut(_Out):
    status: Literal["given", "proposed", "needs_review"]
    reason: str | None = Field(description="why the kind needs intake's review")


class ClassificationOut(_Out):
    """SPEC 7 names `status` … `candidates`; the rest are additions (docs/classifier.md)."""

    status: str
    category: str | None
    class_: str | None = Field(alias="class")
    confidence: float
    matched: list[str]
    candidates: list[dict[str, Any]]
    method: Literal["given", "model", "phrases"] | None = None
    review_reason: str | None = None
    evidence: list[dict[str, Any]] = Field(default_factory=list)
    runner_up: dict[str, Any] | None = None
    requested: ProposalOut | None = None
    expedited: ProposalOut | None = None
    kind: KindOut | None = None


class AssessResult(_Out):
    program: str
    pack_version: str
    received_at: str
    received_date: str
    kind: Kind
    level: int | None
    expedited: bool
    category: str | None
    disposition: Disposition
    reasons: list[str]
    handler: HandlerOut | None
    rejection: RejectionOut | None
    filing: FilingOut | None
    deadlines: list[DeadlineOut]
    missing: list[str]
    next_level: NextLevelOut | None
    classification: ClassificationOut
    notes: list[str]
    unknown: list[str] = Field(description="inputs not given that the answer depends on")
    warnings: list[str]


def json_schemas() -> dict[str, Any]:
    return {
        "input": AssessRequest.model_json_schema(),
        "output": AssessResult.model_json_schema(by_alias=True),
    }
