"""The case universe (SPEC 6): one row per case, in the style of the audit universes regulators
ask health plans for. Read in keyset batches by case id (two statements a batch: the cases,
then their clocks), so memory stays the same for ten cases or ten million.

Instants are given twice: in UTC (`…Z`) and in the program's local time with its offset; clock
due and met times in local time with the offset (which is the instant as well), all to the
second. The database hands instants over as text (`CAST(… AS TEXT)`: UTC, 'YYYY-MM-DD
HH:MM:SS[.ffffff][+00]' on both SQLite and PostgreSQL), which is cut rather than parsed where it
can be: the drivers' own conversion of every instant was most of the export's time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import cache, lru_cache
from typing import Any

from django.db import connections
from django.db.models import Exists, OuterRef, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from appealdesk import replica
from appealdesk.cases.models import Case, Clock, ClockState, PackSnapshot
from appealdesk.policy import default_registry
from appealdesk.reports.filters import ReportFilter, zone_of
from appealdesk.reports.selectors import clock_ids, clock_status

BATCH = 1000
CASE_FIELDS = (
    "id",
    "program",
    "number",
    "pack_id",
    "kind",
    "level",
    "expedited",
    "category",
    "channel",
    "filed_by",
    "text_received_at",
    "text_received_date",
    "text_decided_at",
    "text_notified_at",
    "text_closed_at",
    "state",
    "disposition",
    "outcome",
    "dismissal_reason",
    "handler",
    "team__name",
    "owner__username",
    "reviewer__username",
)
CLOCKS_SQL = """SELECT case_id, clock_id, state, CAST(due_at AS TEXT), CAST(met_at AS TEXT),
       CAST(paused_at AS TEXT), binding
FROM cases_clock WHERE case_id IN ({ids}) AND state <> 'cancelled'"""
INSTANTS = ("received_at", "received_date", "decided_at", "notified_at", "closed_at")
CASE_COLUMNS = [
    "program",
    "case_number",
    "pack_version",
    "kind",
    "level",
    "expedited",
    "category",
    "channel",
    "filed_by",
    "received_utc",
    "received_local",
    "received_date",
    "acknowledged_utc",
    "acknowledged_local",
    "decided_utc",
    "decided_local",
    "notified_utc",
    "notified_local",
    "closed_utc",
    "state",
    "disposition",
    "outcome",
    "dismissal_reason",
    "handler",
    "team",
    "owner",
    "reviewer",
    "timely",
    "late_clocks",
]
CLOCK_COLUMNS = ("due", "met", "status")
_COUNTED = [s for s in ClockState.values if s != ClockState.CANCELLED]
SETTLED = (ClockState.MET, ClockState.MISSED, ClockState.PENDING)


def header() -> list[str]:
    return CASE_COLUMNS + [f"{c}_{part}" for c in clock_ids() for part in CLOCK_COLUMNS]


@cache
def acknowledging() -> frozenset[str]:
    """The clocks an acknowledgement meets (pack data: `met_by: [acknowledged]`); when one was
    met is when the case was acknowledged."""
    registry = default_registry()
    return frozenset(
        clock.id
        for program in registry.programs()
        for loaded in registry.versions(program)
        for process in loaded.pack.processes
        for clock in process.clocks
        if "acknowledged" in clock.met_by
    )


def rows(
    f: ReportFilter,
    *,
    within: Q | None = None,
    now: dt.datetime | None = None,
    batch: int = BATCH,
) -> Iterator[list[list[Any]]]:
    """The universe's rows (without the header), a batch at a time. With `basis="due"`, the
    cases with a clock due in the date range."""
    now = now or timezone.now()
    # a replica's copy when it is fit to read from, chosen once: the batches are read as the
    # response streams, after the view has returned
    db = replica.alias()
    cases = Case.objects.using(db).filter(f.case_q(within=within))
    if f.basis == "due":
        due = Clock.objects.filter(case=OuterRef("pk"), state__in=_COUNTED).filter(f.due_q())
        cases = cases.filter(Exists(due))
    as_text = {f"text_{name}": Cast(name, output_field=TextField()) for name in INSTANTS}
    cases = cases.annotate(**as_text).order_by("pk").values_list(*CASE_FIELDS)
    versions = dict(PackSnapshot.objects.using(db).values_list("pk", "version"))
    ids = clock_ids()
    position = {c: i for i, c in enumerate(ids)}
    acks = acknowledging()
    last = 0
    while True:
        chunk = _fetch(cases.filter(pk__gt=last)[:batch], db)
        if not chunk:
            return
        last = chunk[-1][0]
        clocks: dict[int, list[tuple[Any, ...]]] = {}
        with connections[db].cursor() as cursor:
            # the ids are integers the database just gave: written into the statement, they
            # spare the ORM's per-parameter work (a tenth of the export's time)
            cursor.execute(CLOCKS_SQL.format(ids=",".join(str(c[0]) for c in chunk)))
            for clock in cursor.fetchall():
                clocks.setdefault(clock[0], []).append(clock)
        yield [_row(case, clocks.get(case[0], ()), versions, position, acks, now) for case in chunk]


def _fetch(rows: Any, db: str) -> list[tuple[Any, ...]]:
    """The statement the ORM builds, run without its per-value converters."""
    sql, params = rows.query.sql_with_params()
    with connections[db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _row(
    case: tuple[Any, ...],
    clocks: Any,
    versions: dict[int, str],
    position: dict[str, int],
    acks: frozenset[str],
    now: dt.datetime,
) -> list[Any]:
    (
        _,
        program,
        number,
        pack_id,
        kind,
        level,
        expedited,
        category,
        channel,
        filed_by,
        received_at,
        received_date,
        decided_at,
        notified_at,
        closed_at,
        state,
        disposition,
        outcome,
        dismissal_reason,
        handler,
        team,
        owner,
        reviewer,
    ) = case
    tz = zone_of(program)
    per_clock: list[Any] = [""] * (3 * len(position))
    acknowledged = None
    late, open_ = [], False
    for _, clock_id, clock_state, due_at, met_at, paused_at, binding in clocks:
        if clock_state in SETTLED:
            status = clock_state
        else:  # a live clock: is it past due (or was it when paused)?
            status = clock_status(clock_state, _instant(due_at), _instant(paused_at), now) or ""
        i = position.get(clock_id)
        if i is not None:
            per_clock[3 * i : 3 * i + 3] = [_due(due_at, tz), _local(met_at, tz), status]
        if clock_id in acks and met_at is not None:
            # the same format throughout, so the text's order is the instants' order
            acknowledged = met_at if acknowledged is None else min(acknowledged, met_at)
        if binding:
            if status in ("missed", "open_overdue"):
                late.append(clock_id)
            elif status in ("open_on_time", "pending"):
                open_ = True
    timely = "N" if late else "open" if open_ else "Y" if clocks else ""
    return [
        program,
        number,
        versions.get(pack_id, ""),
        kind,
        "" if level is None else level,
        "Y" if expedited else "N",
        category,
        channel,
        filed_by,
        _utc(received_at),
        _local(received_at, tz),
        received_date,
        _utc(acknowledged),
        _local(acknowledged, tz),
        _utc(decided_at),
        _local(decided_at, tz),
        _utc(notified_at),
        _local(notified_at, tz),
        _utc(closed_at),
        state,
        disposition,
        outcome,
        dismissal_reason,
        handler,
        team or "",
        owner or "",
        reviewer or "",
        timely,
        " ".join(sorted(late)),
        *per_clock,
    ]


@lru_cache(maxsize=4096)
def _due(text: str | None, tz: Any) -> str:
    """Due times repeat (day clocks end at the end of a local day): formatted once each."""
    return _local(text, tz)


def _utc(text: str | None) -> str:
    """'2026-03-02 18:15:00.5+00' → '2026-03-02T18:15:00Z' (the text is UTC)."""
    return f"{text[:10]}T{text[11:19]}Z" if text else ""


def _local(text: str | None, tz: Any) -> str:
    if not text:
        return ""
    moment = dt.datetime.fromisoformat(text[:19]).replace(tzinfo=dt.UTC)
    return moment.astimezone(tz).isoformat()


def _instant(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
