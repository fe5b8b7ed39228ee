"""Reads: the worklist, a case's timeline, search. Constant queries per page (tests assert it)."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from appealdesk.cases.errors import InvalidInput
from appealdesk.cases.models import Case, Event, Party

PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class WorkItem:
    """One worklist row: what the list shows, nothing more."""

    id: int
    number: str
    program: str
    kind: str
    level: int | None
    expedited: bool
    category: str
    state: str
    handler: str
    # instants as the database driver returns them (SQLite: naive UTC); read them through
    # the properties below, which make them aware only when a page shows them
    raw_received_at: dt.datetime
    raw_next_due_at: dt.datetime
    raw_next_at_risk_at: dt.datetime
    version: int
    member_name: str | None
    subscriber_id: str | None
    owner: str | None
    team: str | None
    member_id: int | None  # for the access log: a worklist page is a read of these members

    @property
    def pk(self) -> int:
        return self.id

    @property
    def received_at(self) -> dt.datetime:
        return _aware(self.raw_received_at)

    @property
    def next_due_at(self) -> dt.datetime:
        return _aware(self.raw_next_due_at)

    @property
    def next_at_risk_at(self) -> dt.datetime:
        return _aware(self.raw_next_at_risk_at)

    def overdue(self, now: dt.datetime) -> bool:
        return self.next_due_at < now

    def at_risk(self, now: dt.datetime) -> bool:
        return self.next_at_risk_at <= now <= self.next_due_at


@dataclass(frozen=True)
class Page:
    items: list[WorkItem]
    next_cursor: str | None


def _encode(item: WorkItem) -> str:
    raw = f"{item.next_due_at.isoformat()}|{item.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        due, pk = raw.split("|")
        number = int(pk)
        if not 0 < number < 2**63:
            raise ValueError(pk)
        return dt.datetime.fromisoformat(due), number
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("the cursor is not one this list gave out", field="cursor") from None


WORKLIST_SQL = """
SELECT c.id, c.number, c.program, c.kind, c.level, c.expedited, c.category, c.state, c.handler,
       c.received_at, c.next_due_at, c.next_at_risk_at, c.version,
       m.name, m.subscriber_id, u.username, t.name, c.member_id
FROM {source}
LEFT JOIN cases_party m ON m.id = c.member_id
LEFT JOIN auth_user u ON u.id = c.owner_id
LEFT JOIN cases_team t ON t.id = c.team_id
WHERE c.is_open {where}
ORDER BY c.next_due_at, c.id
LIMIT %s
"""
# Several teams: the first page of each team in index order (case_team_due), then merged. An
# IN list would read and sort every open case of those teams to find the first fifty.
TEAM_ARM_SQL = """SELECT * FROM (SELECT c.id FROM cases_case c
WHERE c.is_open AND c.team_id = %s {where} ORDER BY c.next_due_at, c.id LIMIT %s) a{n}"""
MAX_TEAM_ARMS = 50
EQUALITY_FILTERS = ("program", "kind", "level", "state", "handler", "expedited")


def worklist(
    *,
    team: Any = None,
    teams: Sequence[Any] | None = None,
    owner: Any = None,
    reviewer: Any = None,
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
    """Open cases of a team (or teams, or an owner or reviewer), earliest next due clock first.

    One statement, keyset-paginated on (next_due_at, id), which the partial indexes
    `case_team_due` and `case_owner_due` serve in order: the worklist is the hottest read of
    the desk, so it is written by hand and returns light rows rather than model instances.
    """
    now = now or timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    where: list[str] = []
    params: list[Any] = []
    if team is not None:
        where.append("c.team_id = %s")
        params.append(getattr(team, "pk", team))
    arms: list[Any] = []
    if teams is not None:
        ids = list(dict.fromkeys(getattr(t, "pk", t) for t in teams)) or [0]
        if 1 < len(ids) <= MAX_TEAM_ARMS:
            arms = ids
        else:
            where.append(f"c.team_id IN ({', '.join(['%s'] * len(ids))})")
            params.extend(ids)
    for column, value in (("owner_id", owner), ("reviewer_id", reviewer)):
        if value is not None:
            where.append(f"c.{column} = %s")
            params.append(getattr(value, "pk", value))
    values = {
        "program": program,
        "kind": kind,
        "level": level,
        "state": state,
        "handler": handler,
        "expedited": expedited,
    }
    for name in EQUALITY_FILTERS:
        if values[name] is not None:
            where.append(f"c.{name} = %s")
            params.append(values[name])
    if overdue:
        where.append("c.next_due_at < %s")
        params.append(adapt(now))
    if at_risk:
        where.append("c.next_at_risk_at <= %s AND c.next_due_at >= %s")
        params.extend([adapt(now), adapt(now)])
    if cursor:
        due, pk = _decode(cursor)
        where.append("(c.next_due_at > %s OR (c.next_due_at = %s AND c.id > %s))")
        params.extend([adapt(due), adapt(due), pk])
    conditions = "".join(f" AND {w}" for w in where)
    if arms:
        union = " UNION ALL ".join(
            TEAM_ARM_SQL.format(where=conditions, n=n) for n in range(len(arms))
        )
        sql = WORKLIST_SQL.format(source=f"({union}) k JOIN cases_case c ON c.id = k.id", where="")
        params = [p for team_id in arms for p in (team_id, *params, limit + 1)]
    else:
        sql = WORKLIST_SQL.format(source="cases_case c", where=conditions)
    with connection.cursor() as db:
        db.execute(sql, [*params, limit + 1])
        rows = db.fetchall()
    items = [WorkItem(*r[:5], bool(r[5]), *r[6:]) for r in rows[:limit]]  # type: ignore[call-arg]
    return Page(items, _encode(items[-1]) if len(rows) > limit and items else None)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def case_timeline(case: Case) -> list[Event]:
    return list(Event.objects.filter(case=case).select_related("actor").order_by("at", "id"))


def case_search(query: str, *, within: Q | None = None, limit: int = 50) -> list[Case]:
    """By case number (prefix, any case), subscriber ID (exact), member name (contains), or the
    authorization / claim number of the decision appealed (exact, `source_reference`);
    `within` limits it to the cases a user may see. Newest first.

    Indexed reads rather than one OR across the member join (which scans every case at a
    million): the number prefix on the unique index, the cases of the matching members on
    the member index, the source reference on its partial index.
    """
    text = query.strip()
    if not text:
        return []
    upper = text.upper()
    if connection.vendor == "sqlite":
        # SQLite's LIKE ignores case, so it cannot use the index; a range on the binary
        # collation is the same set and reads the index
        by_number = Case.objects.filter(number__gte=upper, number__lt=upper + "\U0010ffff")
    else:
        by_number = Case.objects.filter(number__startswith=upper)  # case_number_pattern index
    members = Party.objects.filter(
        Q(subscriber_id__in=sorted({text, upper})) | Q(name__icontains=text)
    ).values("pk")
    found: dict[int, Case] = {}
    by_source = Case.objects.filter(source_reference=text)
    for cases in (by_number, Case.objects.filter(member_id__in=members), by_source):
        if within is not None:
            cases = cases.filter(within)
        for case in cases.select_related("member").order_by("-received_at", "-pk")[:limit]:
            found[case.pk] = case
    newest = sorted(found.values(), key=lambda c: (c.received_at, c.pk), reverse=True)
    return newest[:limit]
