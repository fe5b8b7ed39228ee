"""Case-core benchmark (issue 4): ratios measured in the same run.

(a) worklist first page (50 rows, team filter, ordered by next due clock): p50 of the selector
    vs the same page by hand-written SQL (target: p50 <= 10 ms and <= 2x the SQL), with the
    query plan;
(b) intake: `case_receive` throughput vs a bare single-row ORM insert of the same case row
    (target: at least 1/3).

Run after bench/generate.py has loaded the database DATABASE_URL points at:
    .venv/bin/python bench/casecore.py [--runs 200] [--intakes 300]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appealdesk.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402

from appealdesk.cases.models import Case, Party  # noqa: E402
from appealdesk.cases.selectors import worklist  # noqa: E402
from appealdesk.cases.services import case_receive  # noqa: E402

NOW = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)

# the same page, columns and joins as the selector, by hand
FLOOR_SQL = """
SELECT c.id, c.number, c.program, c.kind, c.level, c.expedited, c.category, c.state, c.handler,
       c.received_at, c.next_due_at, c.next_at_risk_at, c.version,
       m.name, m.subscriber_id, u.username, t.name
FROM cases_case c
LEFT JOIN cases_party m ON m.id = c.member_id
LEFT JOIN auth_user u ON u.id = c.owner_id
LEFT JOIN cases_team t ON t.id = c.team_id
WHERE c.is_open AND c.team_id = %s
ORDER BY c.next_due_at, c.id
LIMIT 51
"""


def p50(fn, runs: int) -> float:
    fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def bench_worklist(runs: int) -> None:
    busiest = (
        Case.objects.filter(is_open=True)
        .values("team")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    team_id = busiest["team"]
    total = Case.objects.count()
    print(f"(a) worklist at {total:,} cases; team {team_id} has {busiest['n']:,} open cases")

    def selector() -> None:
        page = worklist(team=team_id, limit=50, now=NOW)
        assert len(page.items) == 50
        shown = [(case.member_name, case.owner, case.team) for case in page.items]
        assert len(shown) == 50

    def floor() -> None:
        with connection.cursor() as cursor:
            cursor.execute(FLOOR_SQL, [team_id])
            assert len(cursor.fetchall()) == 51

    t_orm, t_sql = p50(selector, runs), p50(floor, runs)
    print(
        f"    selector p50 {t_orm:.2f} ms; hand-written SQL p50 {t_sql:.2f} ms; "
        f"ratio {t_orm / t_sql:.2f}x (targets: <= 10 ms, <= 2x)"
    )
    explain = "EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(explain + FLOOR_SQL, [team_id])
        plan = "\n".join("      " + " ".join(str(x) for x in row) for row in cursor.fetchall())
    print(f"    plan ({connection.vendor}):\n{plan}")


def bench_intake(n: int) -> None:
    members = list(Party.objects.filter(role="member").values_list("pk", flat=True)[:5000])
    member = Party.objects.get(pk=members[0])
    base = {
        "program": "ump",
        "channel": "mail",
        "filed_by": "member",
        "requested": "appeal",
        "category": "claim_payment",
        "service": "medical",
        "notice_date": "2026-10-01",
    }
    received = NOW - dt.timedelta(minutes=1)
    request = {**base, "received_at": received.isoformat()}
    template = case_receive(request=request, member=member, now=NOW)
    row = {
        f.attname: getattr(template, f.attname)
        for f in Case._meta.concrete_fields
        if f.attname not in ("id", "number")
    }

    start = time.perf_counter()
    for i in range(n):
        # a different member each time, as at a real intake desk
        case_receive(
            request={**request, "notice_date": f"2026-09-{1 + i % 28:02d}"},
            member=Party(pk=members[i % len(members)]),
            now=NOW,
        )
    t_service = (time.perf_counter() - start) / n

    start = time.perf_counter()
    for i in range(n):
        Case.objects.create(
            number=f"BENCH-{time.perf_counter_ns()}-{i}",
            **{**row, "member_id": members[i % len(members)]},
        )
    t_insert = (time.perf_counter() - start) / n
    print(
        f"(b) intake, {n} each: case_receive {1 / t_service:,.0f}/s "
        f"({t_service * 1000:.2f} ms: assess, case, clocks, event in one transaction); "
        f"bare ORM insert {1 / t_insert:,.0f}/s; ratio {t_insert / t_service:.2f} "
        "(target >= 0.33)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--intakes", type=int, default=300)
    args = parser.parse_args()
    bench_worklist(args.runs)
    bench_intake(args.intakes)


if __name__ == "__main__":
    main()
