"""Clock sweep benchmark (issue 7, SPEC 5.5): one sweep (`clocks_sweep`: claims in batches,
an event per missed clock, notifications to owner and supervisor, immediate-IRO flags, the
at-risk claim) over the database bench/generate.py loaded, with OPEN live clocks, vs a single
hand-written UPDATE of the same rows in the same run (target on PostgreSQL at 1,000,000 cases
and 100,000 open clocks: at most 5 s and at most 3x the UPDATE).

The OPEN most recently due clocks are made live (running, never warned), so at the generator's
end date some are past due (missed), some at risk and the rest on time; before each timed pass
they are made live again and the sweep's notifications and flags removed (events are
append-only and stay).

Run after bench/generate.py: .venv/bin/python bench/sweep.py [--open 100000] [--runs 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appealdesk.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from appealdesk.cases.models import Case, Team  # noqa: E402
from appealdesk.cases.services import clocks_sweep  # noqa: E402

NOW = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)  # bench/generate.py's end date
LATER = NOW + dt.timedelta(minutes=1)  # the worker's next sweep

# the same rows the sweep changes, in one statement: past due → missed; at risk → warned
FLOOR_SQL = """
UPDATE cases_clock SET
    state = CASE WHEN due_at < %(now)s THEN 'missed' ELSE state END,
    missed_marked_at = CASE WHEN due_at < %(now)s THEN %(now)s END,
    at_risk_notified_at = CASE WHEN due_at >= %(now)s THEN %(now)s END
WHERE state IN ('running', 'extended')
  AND (due_at < %(now)s OR (at_risk_at <= %(now)s AND at_risk_notified_at IS NULL))
"""


def choose(n: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_sweep_clocks")
        cursor.execute("CREATE TABLE bench_sweep_clocks (id bigint PRIMARY KEY)")
        cursor.execute(
            "INSERT INTO bench_sweep_clocks SELECT id FROM cases_clock WHERE due_at IS NOT NULL "
            "AND state <> 'cancelled' ORDER BY due_at DESC, id LIMIT %s",
            [n],
        )


def reset() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_notification")
        cursor.execute("UPDATE cases_case SET immediate_iro = false WHERE immediate_iro")
        cursor.execute(
            "UPDATE cases_clock SET state = 'running', missed_marked_at = NULL, "
            "at_risk_notified_at = NULL WHERE id IN (SELECT id FROM bench_sweep_clocks) "
            "AND (state <> 'running' OR at_risk_notified_at IS NOT NULL)"
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE cases_clock")


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def floor() -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL, {"now": NOW})
        return cursor.rowcount


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--open", type=int, default=100_000, help="live clocks")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument(
        "--statements", action="store_true", help="also the sweep's time per kind of statement"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("bench/sweep.py: the target is for PostgreSQL (DATABASE_URL); running anyway")
    supervisor = get_user_model().objects.order_by("pk").first()
    Team.objects.filter(supervisor=None).update(supervisor=supervisor)
    choose(args.open)
    cases = Case.objects.count()
    floors, sweeps, steady, steady_floor, counts = [], [], [], [], {}
    rows = 0
    for _ in range(args.runs):
        reset()
        seconds, rows = timed(floor)  # type: ignore[assignment]
        floors.append(seconds)
        reset()
        seconds, run = timed(lambda: clocks_sweep(now=NOW, batch=args.batch, worker="bench"))
        sweeps.append(seconds)
        counts = run.counts  # type: ignore[attr-defined]
        # a minute later (the worker's period): what a steady-state sweep finds, vs the UPDATE
        seconds, _ = timed(lambda: clocks_sweep(now=LATER, batch=args.batch, worker="bench"))
        steady.append(seconds)
        with transaction.atomic(), connection.cursor() as cursor:
            start = time.perf_counter()
            cursor.execute(FLOOR_SQL, {"now": LATER + dt.timedelta(minutes=1)})
            steady_floor.append(time.perf_counter() - start)
    if args.statements:
        reset()
        spent: dict[str, list[float]] = {}

        def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            start = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                kind = " ".join(sql.split())[:90]
                spent.setdefault(kind, []).append(time.perf_counter() - start)

        with connection.execute_wrapper(wrapper):
            seconds, _ = timed(lambda: clocks_sweep(now=NOW, batch=args.batch, worker="bench"))
        print(f"the sweep's statements ({seconds:.2f} s in all), by time:")
        for kind, times in sorted(spent.items(), key=lambda kv: -sum(kv[1]))[:12]:
            print(f"  {sum(times):7.2f} s  {len(times):6,} x  {kind}")
    best_floor, best_sweep = min(floors), min(sweeps)
    ratio = best_sweep / best_floor
    print(
        f"sweep ({connection.vendor}, {cases:,} cases, {args.open:,} live clocks, batch "
        f"{args.batch}): {best_sweep:.2f} s vs one UPDATE of the same {rows:,} rows "
        f"{best_floor:.2f} s = {ratio:.1f}x (target <= 5 s and <= 3x) {counts}"
    )
    print(
        f"  the next minute's sweep (steady state): {min(steady) * 1000:.0f} ms vs the UPDATE "
        f"{min(steady_floor) * 1000:.0f} ms = {min(steady) / min(steady_floor):.1f}x"
    )
    ok = best_sweep <= 5 and ratio <= 3
    print("  " + ("OK" if ok else "MISSED THE TARGET"))


if __name__ == "__main__":
    main()
