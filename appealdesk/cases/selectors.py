"""Reads: the worklist, a case's timeline, search. Constant queries per page (tests assert it)."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from appealdesk.cases.errors import InvalidInput
from appealdesk.cases.models import Case, Event

PAGE_SIZE = 50


@dataclass(frozen=True)
class Page:
    items: list[Case]
    next_cursor: str | None


def _encode(case: Case) -> str:
    raw = f"{case.next_due_at.isoformat()}|{case.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        due, pk = raw.split("|")
        return dt.datetime.fromisoformat(due), int(pk)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("the cursor is not one this list gave out", field="cursor") from None


def worklist(
    *,
    team: Any = None,
    teams: Sequence[Any] | None = None,
    owner: Any = None,
    program: str | None = None,
    kind: str | None = None,
    level: int | None = None,
    state: str | None = None,
    handler: str | None = None,
    expedited: bool | None = None,
    at_risk: bool = False,
    overdue: bool = False,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
    now: dt.datetime | None = None,
) -> Page:
    """Open cases of a team (or teams, or an owner), earliest next due clock first; keyset
    pagination on (next_due_at, id), which the partial indexes `case_team_due` and
    `case_owner_due` serve directly."""
    now = now or timezone.now()
    qs: QuerySet[Case] = Case.objects.filter(is_open=True)
    if team is not None:
        qs = qs.filter(team=team)
    if teams is not None:
        qs = qs.filter(team__in=list(teams))
    if owner is not None:
        qs = qs.filter(owner=owner)
    filters = {
        "program": program,
        "kind": kind,
        "level": level,
        "state": state,
        "handler": handler,
        "expedited": expedited,
    }
    qs = qs.filter(**{k: v for k, v in filters.items() if v is not None})
    if overdue:
        qs = qs.filter(next_due_at__lt=now)
    if at_risk:
        qs = qs.filter(next_at_risk_at__lte=now, next_due_at__gte=now)
    if cursor:
        due, pk = _decode(cursor)
        qs = qs.filter(Q(next_due_at__gt=due) | Q(next_due_at=due, pk__gt=pk))
    rows = list(
        qs.select_related("member", "owner", "team").order_by("next_due_at", "pk")[: limit + 1]
    )
    more = len(rows) > limit
    items = rows[:limit]
    return Page(items, _encode(items[-1]) if more and items else None)


def case_timeline(case: Case) -> list[Event]:
    return list(Event.objects.filter(case=case).select_related("actor").order_by("at", "id"))


def case_search(query: str, *, limit: int = 50) -> list[Case]:
    """By case number (exact or prefix), subscriber ID (exact), or member name (contains)."""
    text = query.strip()
    if not text:
        return []
    by_number = Case.objects.filter(number__istartswith=text)
    by_party = Case.objects.filter(
        Q(member__subscriber_id__iexact=text) | Q(member__name__icontains=text)
    )
    return list(
        (by_number | by_party).select_related("member").order_by("-received_at", "pk")[:limit]
    )
