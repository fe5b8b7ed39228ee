"""Load N realistic cases with their clocks and events, fast (COPY on PostgreSQL, batched
executemany on SQLite). Due times come from the same pack clocks and time math as intake.

Run: .venv/bin/python bench/generate.py 1000000            (DATABASE_URL picks the database)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appealdesk.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from appealdesk.cases import packs  # noqa: E402
from appealdesk.cases.chain import ChainHeads  # noqa: E402
from appealdesk.cases.models import Case, Clock, Event, Party, Team  # noqa: E402
from appealdesk.cases.services import NO_DUE  # noqa: E402
from appealdesk.policy import assess, default_registry  # noqa: E402
from appealdesk.policy.assess import program_for  # noqa: E402
from appealdesk.policy.clocks import at_risk_from  # noqa: E402
from appealdesk.policy.timecalc import compute_due, local_date  # noqa: E402

TEMPLATES = [
    (
        40,
        {
            "program": "ump",
            "requested": "appeal",
            "category": "claim_payment",
            "service": "medical",
            "channel": "mail",
            "filed_by": "member",
        },
    ),
    (
        15,
        {
            "program": "ump",
            "requested": "appeal",
            "category": "coverage_denial",
            "service": "prescription",
            "channel": "fax",
            "filed_by": "member",
        },
    ),
    (
        5,
        {
            "program": "ump",
            "requested": "appeal",
            "category": "coverage_denial",
            "service": "medical",
            "channel": "fax",
            "filed_by": "provider",
            "expedited": True,
        },
    ),
    (
        20,
        {
            "program": "ump",
            "requested": "complaint",
            "category": "wait_time",
            "service": "medical",
            "channel": "phone",
            "filed_by": "member",
        },
    ),
    (
        15,
        {
            "program": "genex-ur",
            "requested": "grievance",
            "category": "ur_timeliness",
            "channel": "mail",
            "filed_by": "member",
        },
    ),
    (
        5,
        {
            "program": "genex-ur",
            "requested": "grievance",
            "category": "process_or_staff",
            "channel": "portal",
            "filed_by": "member",
        },
    ),
]
OPEN_SHARE = 0.1
BATCH = 20_000


def prepare() -> dict[str, Any]:
    """Teams, staff, members and pack snapshots the generated cases point at."""
    call_command("migrate", verbosity=0)
    User = get_user_model()
    staff = []
    for i in range(20):
        user, _ = User.objects.get_or_create(username=f"bench{i}")
        staff.append(user.pk)
    teams: dict[tuple[str, str], int] = {}
    for _, t in TEMPLATES:
        result = assess({**t, "received_at": "2026-03-02T10:00:00-08:00"})
        handler = (result["handler"] or {}).get("id", "")
        team, _ = Team.objects.get_or_create(
            name=f"bench {t['program']} {handler}",
            defaults={"program": t["program"], "handler": handler},
        )
        teams[(t["program"], handler)] = team.pk
    if Party.objects.filter(name__startswith="Bench member").count() < 10_000:
        Party.objects.bulk_create(
            [
                Party(role="member", name=f"Bench member {i}", subscriber_id=f"W9{i:06d}")
                for i in range(10_000)
            ],
            batch_size=2000,
        )
    members = list(
        Party.objects.filter(name__startswith="Bench member").values_list("pk", flat=True)
    )
    registry = default_registry()
    snapshots = {p: packs.snapshot_for(registry.latest(p)).pk for p in registry.programs()}
    return {"staff": staff, "teams": teams, "members": members, "snapshots": snapshots}


def rows(
    n: int, first_id: int, ctx: dict[str, Any], seed: int
) -> Iterator[tuple[list[Any], list[list[Any]], list[list[Any]]]]:
    rng = random.Random(seed)
    registry = default_registry()
    shapes = []
    for weight, t in TEMPLATES:
        result = assess({**t, "received_at": "2026-03-02T10:00:00-08:00"})
        program = program_for(registry.latest(t["program"]))
        shapes.append((weight, t, result, program))
    weights = [s[0] for s in shapes]
    memo: dict[tuple[Any, ...], Any] = {}
    end = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    span = 730 * 86400
    for i in range(n):
        case_id = first_id + i
        _, t, result, program = rng.choices(shapes, weights)[0]
        received = end - dt.timedelta(seconds=rng.randrange(span))
        rdate = local_date(received, program.tz)
        is_open = rng.random() < OPEN_SHARE and received > end - dt.timedelta(days=60)
        handler = (result["handler"] or {}).get("id", "")
        clocks, next_due, next_risk = [], NO_DUE, NO_DUE
        for d in result["deadlines"]:
            due_at = due_date = risk = None
            state = "pending"
            if d["starts"] == "received":
                # day clocks depend only on the local date: compute each date once
                key = (t["program"], d["unit"], d["length"], rdate)
                due = memo.get(key) if d["unit"] != "hours" else None
                if due is None:
                    due = memo[key] = compute_due(
                        unit=d["unit"],
                        length=d["length"],
                        start=received,
                        tz=program.tz,
                        calendar=program.calendar,
                    )
                due_at, due_date = due.due_at, due.due_date
                risk = at_risk_from(received, due_at, 0.8)
                state = "running" if is_open else "met"
                if is_open and due_at < next_due:
                    next_due, next_risk = due_at, risk
            met_at = None if is_open or due_at is None else received + (due_at - received) / 2
            clocks.append(
                [
                    case_id,
                    d["clock"],
                    d["label"],
                    d["unit"],
                    d["length"],
                    d["starts"],
                    json.dumps(d["met_by"]),
                    d["binding"],
                    d.get("notice") or "",
                    json.dumps(d["extension"]) if d.get("extension") else None,
                    False,
                    d.get("calendar") or "",
                    state,
                    received if due_at else None,
                    due_at,
                    due_date,
                    due_at,
                    risk,
                    met_at,
                    None,
                    None,
                    None,
                ]
            )
        state = (
            rng.choice(["received", "in_review", "awaiting_information"])
            if is_open
            else rng.choice(["notified", "closed", "closed", "dismissed"])
        )
        decided = None if is_open else received + dt.timedelta(days=rng.uniform(1, 25))
        request = {**t, "received_at": received.isoformat()}
        case = [
            case_id,
            f"{t['program'].upper()}-{rdate.year}-{case_id:07d}",
            t["program"],
            ctx["snapshots"][t["program"]],
            case_id,
            None,
            result["kind"],
            result["level"],
            result["expedited"],
            result["category"] or "",
            t.get("service", ""),
            t["requested"],
            t["channel"],
            t["filed_by"],
            None,
            rng.choice(ctx["members"]),
            None,
            None,
            received,
            rdate,
            "",
            received + dt.timedelta(minutes=5),
            None,
            None,
            json.dumps(request),
            "{}",
            "[]",
            "[]",
            "",
            state,
            "accept",
            handler,
            ctx["teams"][(t["program"], handler)],
            rng.choice(ctx["staff"]) if is_open else None,
            None,
            "" if is_open else rng.choice(["upheld", "overturned"]),
            "",
            "",
            decided,
            None,
            decided.date() if decided else None,
            decided,
            decided,
            None,
            False,
            # one case in ten came in as FHIR data: its authorization number and reference
            f"AUTH{case_id:08d}" if case_id % 10 == 0 else "",
            json.dumps(
                {"type": "ClaimResponse", "reference": f"ClaimResponse/pa-{case_id}"}
                if case_id % 10 == 0
                else {}
            ),
            next_due,
            next_risk,
            is_open,
            1,
            received + dt.timedelta(minutes=5),
            None,
        ]
        chain = ChainHeads()  # a new case: its chain starts here
        events = [
            chained(
                chain,
                case_id,
                received + dt.timedelta(minutes=5),
                "case.received",
                {"number": case[1]},
            )
        ]
        if decided:
            events.append(chained(chain, case_id, decided, "case.decided", {"outcome": case[35]}))
        yield case, clocks, events


def chained(chain: ChainHeads, case_id: int, at: dt.datetime, action: str, after: Any) -> list[Any]:
    """An event row in the column order of cases_event, linked into its case's hash chain by
    the same function as every event the services write."""
    fields = {
        "case_id": case_id,
        "at": at,
        "actor_id": None,
        "actor_label": "bench",
        "action": action,
        "reason": "",
        "before": None,
        "after": after,
    }
    # the columns as COPY takes them: `after` as JSON text, then seq, prev_hash, hash
    return [*list(fields.values())[:-1], json.dumps(after), *chain.add(fields)]


def columns(model: Any) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


def insert(table: str, cols: Sequence[str], batch: list[list[Any]]) -> None:
    if not batch:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            copy_sql = f"COPY {table} ({', '.join(cols)}) FROM STDIN"
            with cursor.cursor.copy(copy_sql) as copy:
                for row in batch:
                    copy.write_row(row)
    else:
        marks = ", ".join(["%s"] * len(cols))
        adapt = connection.ops.adapt_datetimefield_value
        values = [[adapt(v) if isinstance(v, dt.datetime) else v for v in row] for row in batch]
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", values)


SECONDARY_INDEXES = """
    SELECT i.indexname, i.indexdef FROM pg_indexes i
    WHERE i.tablename IN ('cases_case', 'cases_clock', 'cases_event')
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
"""


def drop_secondary_indexes() -> list[str]:
    """PostgreSQL bulk load: build the secondary indexes once at the end, not row by row."""
    with connection.cursor() as cursor:
        cursor.execute(SECONDARY_INDEXES)
        found = cursor.fetchall()
        for name, _ in found:
            cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in found]


def generate(n: int, seed: int = 1) -> dict[str, float]:
    ctx = prepare()
    rebuild = drop_secondary_indexes() if connection.vendor == "postgresql" and n >= 50_000 else []
    case_cols = columns(Case)
    clock_cols = [c for c in columns(Clock) if c != "id"]
    event_cols = [c for c in columns(Event) if c != "id"]
    first = (Case.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    start = time.perf_counter()
    cases: list[list[Any]] = []
    clocks: list[list[Any]] = []
    events: list[list[Any]] = []
    counts = {"cases": 0, "clocks": 0, "events": 0}

    def flush() -> None:
        with transaction.atomic():
            insert("cases_case", case_cols, cases)
            insert("cases_clock", clock_cols, clocks)
            insert("cases_event", event_cols, events)
        counts["cases"] += len(cases)
        counts["clocks"] += len(clocks)
        counts["events"] += len(events)
        cases.clear()
        clocks.clear()
        events.clear()

    for case, case_clocks, case_events in rows(n, first, ctx, seed):
        cases.append(case)
        clocks.extend(case_clocks)
        events.extend(case_events)
        if len(cases) >= BATCH:
            flush()
    flush()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for definition in rebuild:
                cursor.execute(definition)
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('cases_case', 'id'), "
                "(SELECT MAX(id) FROM cases_case))"
            )
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    seconds = time.perf_counter() - start
    return {**counts, "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description="load N generated cases")
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    result = generate(args.n, args.seed)
    rate = result["cases"] / result["seconds"]
    print(
        f"{connection.vendor}: {result['cases']:,} cases, {result['clocks']:,} clocks, "
        f"{result['events']:,} events in {result['seconds']:.1f} s ({rate:,.0f} cases/s)"
    )


if __name__ == "__main__":
    main()
