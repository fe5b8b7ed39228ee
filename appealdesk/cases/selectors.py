"""Reads: the worklist, a case's timeline, search. Constant queries per page (tests assert it)."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from appealdesk import replica
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
    next_clock: str | None = None  # the binding clock next_due_at is about ("decision")
    target_clock: str | None = None  # the earliest non-binding target already missed, if any
    raw_target_due_at: dt.datetime | None = None

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

    @property
    def target_due_at(self) -> dt.datetime | None:
        return _aware(_instant(self.raw_target_due_at)) if self.raw_target_due_at else None

    def overdue(self, now: dt.datetime) -> bool:
        return self.next_due_at < now

    def at_risk(self, now: dt.datetime) -> bool:
        return self.next_at_risk_at <= now <= self.next_due_at


@dataclass(frozen=True)
class Page:
    items: list[WorkItem]
    next_cursor: str | None


# the lanes of the worklist, top first: expedited cases (72-hour clocks) have their own
EXPEDITED_LANE, STANDARD_LANE = 0, 1


def _encode(item: WorkItem) -> str:
    lane = EXPEDITED_LANE if item.expedited else STANDARD_LANE
    raw = f"{lane}|{item.next_due_at.isoformat()}|{item.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[int, dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        lane, due, pk = raw.split("|")
        number = int(pk)
        if not 0 < number < 2**63 or lane not in ("0", "1"):
            raise ValueError(pk)
        return int(lane), dt.datetime.fromisoformat(due), number
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("the cursor is not one this list gave out", field="cursor") from None


# The clock a row's deadline is about, and the earliest non-binding target already missed
# (shown as a missed target, never as overdue): two lookups per row on the clock_case index,
# inside the one statement of the page.
WORKLIST_SQL = """
SELECT c.id, c.number, c.program, c.kind, c.level, c.expedited, c.category, c.state, c.handler,
       c.received_at, c.next_due_at, c.next_at_risk_at, c.version,
       m.name, m.subscriber_id, u.username, t.name, c.member_id,
       (SELECT b.clock_id FROM cases_clock b WHERE b.case_id = c.id AND b.binding
        AND b.met_at IS NULL AND b.due_at = c.next_due_at ORDER BY b.id LIMIT 1),
       (SELECT g.clock_id FROM cases_clock g WHERE {target} ORDER BY g.due_at, g.id LIMIT 1),
       (SELECT MIN(g.due_at) FROM cases_clock g WHERE {target})
FROM ({arms}) k JOIN cases_case c ON c.id = k.id
LEFT JOIN cases_party m ON m.id = c.member_id
LEFT JOIN auth_user u ON u.id = c.owner_id
LEFT JOIN cases_team t ON t.id = c.team_id
ORDER BY k.lane, c.next_due_at, c.id
LIMIT %s
"""
MISSED_TARGET = """g.case_id = c.id AND NOT g.binding AND g.met_at IS NULL
        AND g.state IN ('running', 'extended', 'missed') AND g.due_at < %s"""
# One arm: the first page of one lane (of one team), in index order: the standard lane of a
# team on case_team_due (or case_owner_due), the expedited lane on case_expedited_due. An IN
# list of teams would read and sort every open case of those teams to find the first fifty.
ARM_SQL = """SELECT * FROM (SELECT c.id, {lane} AS lane FROM cases_case c
WHERE c.is_open AND {lane_test}{where} ORDER BY c.next_due_at, c.id LIMIT %s) a{n}"""
LANE_TESTS = {EXPEDITED_LANE: "c.expedited", STANDARD_LANE: "NOT c.expedited"}
MAX_TEAM_ARMS = 50
EQUALITY_FILTERS = ("program", "kind", "level", "state", "handler")


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
    """Open cases of a team (or teams, or an owner or reviewer): expedited cases first, in a
    lane of their own, then the others; in each lane the most urgent binding clock first.

    One statement, keyset-paginated on (lane, next_due_at, id), each lane's arm served in order
    by a partial index (`case_team_due`, `case_owner_due`, `case_expedited_due`): the worklist
    is the hottest read of the desk, so it is written by hand and returns light rows rather
    than model instances.
    """
    now = now or timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    where: list[str] = []
    params: list[Any] = []
    if team is not None:
        where.append("c.team_id = %s")
        params.append(getattr(team, "pk", team))
    team_arms: list[Any] = []
    if teams is not None:
        ids = list(dict.fromkeys(getattr(t, "pk", t) for t in teams)) or [0]
        if 1 < len(ids) <= MAX_TEAM_ARMS:
            team_arms = ids
        else:
            where.append(f"c.team_id IN ({', '.join(['%s'] * len(ids))})")
            params.extend(ids)
    for column, value in (("owner_id", owner), ("reviewer_id", reviewer)):
        if value is not None:
            where.append(f"c.{column} = %s")
            params.append(getattr(value, "pk", value))
    values = {"program": program, "kind": kind, "level": level, "state": state, "handler": handler}
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
    after = _decode(cursor) if cursor else None
    lanes = [lane for lane in LANE_TESTS if expedited is None or lane == EXPEDITED_LANE]
    arms: list[tuple[str, list[Any]]] = []
    for lane in lanes:
        if after is not None and lane < after[0]:
            continue  # a lane above the cursor's was read on earlier pages
        lane_where, lane_params = list(where), list(params)
        if after is not None and lane == after[0]:
            due, pk = adapt(after[1]), after[2]
            lane_where.append("(c.next_due_at > %s OR (c.next_due_at = %s AND c.id > %s))")
            lane_params.extend([due, due, pk])
        # the expedited lane is short: one arm over all the teams, on its own partial index
        split = team_arms if lane == STANDARD_LANE else []
        if team_arms and not split:
            lane_where.append(f"c.team_id IN ({', '.join(['%s'] * len(team_arms))})")
            lane_params.extend(team_arms)
        for team_id in split or [None]:
            arm_where = lane_where if team_id is None else ["c.team_id = %s", *lane_where]
            arm_params = lane_params if team_id is None else [team_id, *lane_params]
            sql = ARM_SQL.format(
                lane=lane,
                lane_test=LANE_TESTS[lane],
                where="".join(f" AND {w}" for w in arm_where),
                n=len(arms),
            )
            arms.append((sql, [*arm_params, limit + 1]))
    if not arms:
        return Page([], None)
    sql = WORKLIST_SQL.format(target=MISSED_TARGET, arms=" UNION ALL ".join(a for a, _ in arms))
    all_params = [adapt(now), adapt(now), *(p for _, ps in arms for p in ps), limit + 1]
    with connection.cursor() as db:
        db.execute(sql, all_params)
        rows = db.fetchall()
    items = [WorkItem(*r[:5], bool(r[5]), *r[6:]) for r in rows[:limit]]  # type: ignore[call-arg]
    return Page(items, _encode(items[-1]) if len(rows) > limit and items else None)


def worklist_counts(
    *,
    now: dt.datetime,
    teams: Sequence[Any] | None = None,
    owner: Any = None,
    reviewer: Any = None,
) -> dict[str, int]:
    """How many open cases a worklist tab holds, and how many of them are expedited, overdue
    (a binding clock) or at risk: one aggregate over the tab's partial index."""
    cases = Case.objects.filter(is_open=True)
    if teams is not None:
        cases = cases.filter(team_id__in=[getattr(t, "pk", t) for t in teams])
    if owner is not None:
        cases = cases.filter(owner=owner)
    if reviewer is not None:
        cases = cases.filter(reviewer=reviewer)
    return cases.aggregate(
        total=Count("pk"),
        expedited=Count("pk", filter=Q(expedited=True)),
        overdue=Count("pk", filter=Q(next_due_at__lt=now)),
        at_risk=Count("pk", filter=Q(next_at_risk_at__lte=now, next_due_at__gte=now)),
    )


def _instant(value: dt.datetime | str) -> dt.datetime:
    """MIN() over a datetime column: SQLite answers the stored text, PostgreSQL a datetime."""
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    return value


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def case_timeline(case: Case) -> list[Event]:
    return list(Event.objects.filter(case=case).select_related("actor").order_by("at", "id"))


@replica.reads()  # a replica's copy, when it is fit to read from
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
