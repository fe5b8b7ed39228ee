"""`GET /fhir/r4/Task?…`: the search parameters we support, parsed (a `SearchError` names the one
that is wrong), and the page of cases as one SQL statement (the binding clock's due time, the
member's name and subscriber id joined in, no query per case).

Paging is by keyset (`_cursor`, the last case id of the page before, newest first): a page never
repeats or skips a case while others are taken in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils.dateparse import parse_date, parse_datetime

from appealdesk import replica
from appealdesk.access import roles
from appealdesk.cases.models import Case, Clock, ClockState
from appealdesk.fhir import codes

DEFAULT_COUNT, MAX_COUNT = 50, 1000
# name -> what it searches (the CapabilityStatement lists these, with their types)
PARAMETERS = {
    "identifier": ("token", "the case number (system: our case-number naming system)"),
    "patient.identifier": ("token", "the member's subscriber id (chained on Task.for)"),
    "status": ("token", "Task.status, comma-separated (mapped from our states)"),
    "business-status": ("token", "our case state, comma-separated"),
    "code": ("token", "the kind of case, comma-separated"),
    "_lastUpdated": ("date", "when the case last changed; prefixes eq, ge, gt, le, lt"),
    "_count": ("number", f"cases per page, 1 to {MAX_COUNT} (default {DEFAULT_COUNT})"),
    "_cursor": ("string", "the paging cursor a `next` link gives (opaque)"),
}
IGNORED = ("_format",)
# the clock whose due time is Task.restriction.period.end: the earliest live binding one
BINDING_STATES = (ClockState.RUNNING, ClockState.EXTENDED, ClockState.PAUSED, ClockState.MISSED)
PREFIXES = {"eq", "ge", "gt", "le", "lt"}
# the columns a Task shows (not the request and assessment JSON, the bulk of a case row)
TASK_COLUMNS = (
    "number",
    "program",
    "pack_id",
    "kind",
    "expedited",
    "state",
    "handler",
    "member_id",
    "received_at",
    "notice_date",
    "outcome",
    "decided_at",
    "dismissal_reason",
    "source_reference",
    "source_focus",
    "version",
    "updated_at",
)


class SearchError(ValueError):
    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.message = message


@dataclass
class TaskSearch:
    filters: list[Q] = field(default_factory=list)
    count: int = DEFAULT_COUNT
    cursor: int | None = None
    echo: list[tuple[str, str]] = field(default_factory=list)  # for the paging links


def parse(params: Iterable[tuple[str, str]]) -> TaskSearch:
    search = TaskSearch()
    for name, value in params:
        if name in IGNORED:
            continue
        if name not in PARAMETERS:
            supported = ", ".join(PARAMETERS)
            raise SearchError(name, f"not a search parameter of Task here (supported: {supported})")
        if len(value) > 200 or not value.isprintable():
            raise SearchError(name, "at most 200 printable characters")
        if name == "_count":
            search.count = _int(name, value, 1, MAX_COUNT)
            continue
        if name == "_cursor":
            search.cursor = _int(name, value, 1, 2**63 - 1)
            continue
        search.filters.append(_filter(name, value))
        search.echo.append((name, value))
    return search


def _int(name: str, value: str, low: int, high: int) -> int:
    if not (value.isascii() and value.isdigit()) or not low <= int(value[:20]) <= high:
        raise SearchError(name, f"a whole number from {low} to {high}")
    return int(value)


def _token(name: str, value: str, system: str | None) -> list[str]:
    """`[system|]code`, comma-separated codes; the system, when given, must be ours."""
    codes_ = []
    for one in value.split(","):
        if "|" in one:
            given, one = one.split("|", 1)
            if given and system is not None and given != system:
                raise SearchError(name, f"the system must be {system}")
        if one:
            codes_.append(one)
    if not codes_:
        raise SearchError(name, "give a code")
    return codes_


def _filter(name: str, value: str) -> Q:
    if name == "identifier":
        return Q(number__in=_token(name, value, codes.identifier_system("case-number")))
    if name == "patient.identifier":
        ids = _token(name, value, codes.identifier_system("subscriber-id"))
        return Q(member__subscriber_id__in=ids)
    if name == "status":
        states = [
            s for code in _token(name, value, codes.TASK_STATUS) for s in _states_of(name, code)
        ]
        return Q(state__in=states)
    if name == "business-status":
        return Q(state__in=_ours(name, value, "case-state", codes.TASK_STATUS_OF, "case state"))
    if name == "code":
        return Q(kind__in=_ours(name, value, "case-kind", codes.KINDS, "kind of case"))
    return _last_updated(name, value)


def _ours(name: str, value: str, system: str, known: Iterable[str], what: str) -> list[str]:
    """Codes of one of our local code systems, each one we have."""
    found = _token(name, value, codes.system(system))
    unknown = set(found) - set(known)
    if unknown:
        raise SearchError(name, f"not a {what}: {', '.join(sorted(unknown))}")
    return found


def _states_of(name: str, code: str) -> list[str]:
    if code not in codes.STATES_OF_TASK_STATUS:
        if code in (
            "draft",
            "requested",
            "accepted",
            "ready",
            "cancelled",
            "failed",
            "entered-in-error",
        ):
            return []  # a Task status no case has: matches nothing
        raise SearchError(name, f"not a Task status: {code}")
    return codes.STATES_OF_TASK_STATUS[code]


def _last_updated(name: str, value: str) -> Q:
    prefix = value[:2] if value[:2] in PREFIXES else "eq"
    text = value[2:] if value[:2] in PREFIXES else value
    try:
        # a date alone is a whole day (parse_datetime would read it as midnight, no offset)
        day = parse_date(text) if len(text) == 10 else None
        moment = parse_datetime(text) if day is None else None
    except ValueError:
        moment = day = None
    if moment is not None and moment.tzinfo is None:
        raise SearchError(name, "a time must say its UTC offset, e.g. 2026-03-02T10:15:00Z")
    if moment is None and day is None:
        raise SearchError(name, "a date (YYYY-MM-DD) or an instant, with ge/gt/le/lt/eq")
    if day is not None:  # a whole day, in UTC
        start = dt.datetime.combine(day, dt.time(), dt.UTC)
        end = start + dt.timedelta(days=1)
    else:
        assert moment is not None
        start, end = moment, moment + dt.timedelta(seconds=1)
    return {
        "eq": Q(updated_at__gte=start, updated_at__lt=end),
        "ge": Q(updated_at__gte=start),
        "gt": Q(updated_at__gte=end),
        "le": Q(updated_at__lt=end),
        "lt": Q(updated_at__lt=start),
    }[prefix]


def task_rows() -> QuerySet[Case]:
    """Cases with what a Task shows, in the one statement that reads them."""
    binding = (
        Clock.objects.filter(
            case=OuterRef("pk"), binding=True, state__in=BINDING_STATES, met_at=None
        )
        .exclude(due_at=None)
        .order_by("due_at")
        .values("due_at")[:1]
    )
    return Case.objects.annotate(
        binding_due_at=Subquery(binding),
        member_name=F("member__name"),
        member_subscriber_id=F("member__subscriber_id"),
    ).only(*TASK_COLUMNS)


@replica.reads()  # a replica's copy, when it is fit to read from
def page(search: TaskSearch, user: Any) -> tuple[list[Any], bool]:
    """One page of the cases the user may see that match, newest first, and whether more
    follow."""
    found = task_rows()
    within = roles.visible(user)
    if within is not None:
        found = found.filter(within)
    for one in search.filters:
        found = found.filter(one)
    if search.cursor is not None:
        found = found.filter(pk__lt=search.cursor)
    # rows as plain values, not models: a third of the time of a 1,000-row page (bench/fhir.py)
    shown = ("id", *TASK_COLUMNS, "binding_due_at", "member_name", "member_subscriber_id")
    rows = [
        SimpleNamespace(**row) for row in found.order_by("-pk").values(*shown)[: search.count + 1]
    ]
    return rows[: search.count], len(rows) > search.count
