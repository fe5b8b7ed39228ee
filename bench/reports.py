"""Reports benchmark (issue 8), with ratios measured in the same run:

(a) the timeliness report (its selector: one GROUP BY statement, the rows it returns) against a
    hand-written SQL aggregate of the same figures, over every case and over one quarter of
    receipt dates; p50 of alternating runs, the ratio, and both give the same numbers.
    Target: at most 1.5x.
(b) the case universe of every case to CSV, in a child process so the peak RSS (VmHWM) is the
    export's own: rows per second and peak memory. Target: at most 200 MB at 1,000,000 rows.
(c) the same to XLSX for --xlsx-rows rows (openpyxl's write-only workbook): rows per second and
    peak memory.

Run after bench/generate.py has loaded the database (DATABASE_URL, or SQLite in
APPEALDESK_DATA_DIR):
    .venv/bin/python bench/reports.py [--runs 5] [--xlsx-rows 100000] [--only timeliness,csv,xlsx]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appealdesk.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from appealdesk.cases.models import Case  # noqa: E402
from appealdesk.reports import export, selectors, universe  # noqa: E402
from appealdesk.reports.filters import ReportFilter  # noqa: E402

TARGET_RATIO = 1.5
TARGET_MB = 200

# the floor: the same figures by hand, no ORM
FLOOR_SQL = """
SELECT c.program, k.clock_id,
       SUM(CASE WHEN k.state = 'met' THEN 1 ELSE 0 END),
       SUM(CASE WHEN k.state = 'missed' THEN 1 ELSE 0 END),
       SUM(CASE WHEN (k.state IN ('running', 'extended') AND k.due_at >= %(now)s)
                  OR (k.state = 'paused' AND k.due_at >= k.paused_at) THEN 1 ELSE 0 END),
       SUM(CASE WHEN (k.state IN ('running', 'extended') AND k.due_at < %(now)s)
                  OR (k.state = 'paused' AND k.due_at < k.paused_at) THEN 1 ELSE 0 END),
       SUM(CASE WHEN k.state = 'pending' THEN 1 ELSE 0 END)
FROM cases_clock k JOIN cases_case c ON c.id = k.case_id
WHERE k.state <> 'cancelled' {dates}
GROUP BY c.program, k.clock_id
"""
DATES_SQL = "AND c.received_date >= %(first)s AND c.received_date <= %(last)s"


def floor(f: ReportFilter, now: dt.datetime) -> dict[tuple[str, str], tuple[int, ...]]:
    params: dict[str, Any] = {"now": connection.ops.adapt_datetimefield_value(now)}
    dates = ""
    if f.date_from is not None:
        dates = DATES_SQL
        params.update(first=f.date_from, last=f.date_to)
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL.format(dates=dates), params)
        return {(r[0], r[1]): tuple(int(x) for x in r[2:]) for r in cursor.fetchall()}


def report(f: ReportFilter, now: dt.datetime) -> dict[tuple[str, str], tuple[int, ...]]:
    return {
        (r.program, r.clock): (r.met, r.missed, r.open_on_time, r.open_overdue, r.pending)
        for r in selectors.timeliness(f, now=now)
    }


def alternate(
    first: Callable[[], Any], second: Callable[[], Any], runs: int
) -> tuple[float, float]:
    """p50 seconds of each, run in turns after one warm-up each (so neither gets a warmer
    cache than the other)."""
    first(), second()
    a, b = [], []
    for _ in range(runs):
        for fn, samples in ((first, a), (second, b)):
            start = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - start)
    return statistics.median(a), statistics.median(b)


def bench_timeliness(runs: int) -> None:
    now = timezone.now()
    last = Case.objects.order_by("-received_date").values_list("received_date", flat=True).first()
    assert last is not None, "no cases: run bench/generate.py first"
    quarter_start = (last.replace(day=1) - dt.timedelta(days=62)).replace(day=1)
    print("(a) timeliness report vs the same aggregate by hand (p50 of alternating runs)")
    for name, f in (
        ("every case", ReportFilter()),
        (f"received {quarter_start}..{last}", ReportFilter(date_from=quarter_start, date_to=last)),
    ):
        mine, by_hand = report(f, now), floor(f, now)
        assert mine == by_hand, f"the report and the floor disagree:\n{mine}\n{by_hand}"
        clocks = sum(sum(v) for v in mine.values())
        ours, theirs = alternate(lambda f=f: report(f, now), lambda f=f: floor(f, now), runs)
        ratio = ours / theirs
        verdict = "met" if ratio <= TARGET_RATIO else "NOT MET"
        print(
            f"    {name:<32} {clocks:>9,} clocks  report {ours * 1000:8.1f} ms  "
            f"by hand {theirs * 1000:8.1f} ms  ratio {ratio:.2f}x "
            f"(target <= {TARGET_RATIO}x: {verdict}); same figures"
        )


def export_child(fmt: str, rows: int | None) -> None:
    """In the child: export, then report rows, seconds and the peak RSS as JSON."""
    batches: Any = universe.rows(ReportFilter())
    if rows is not None:
        batches = _first(batches, rows)
    counted = [0]

    def counting(source: Any) -> Any:
        for batch in source:
            counted[0] += len(batch)
            yield batch

    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        if fmt == "xlsx":
            with export.xlsx_file(universe.header(), counting(batches), title="universe") as book:
                for block in export.file_chunks(book):
                    out.write(block)
        else:
            for chunk in export.csv_chunks(universe.header(), counting(batches)):
                out.write(chunk)
        size = out.tell()
    seconds = time.perf_counter() - start
    print(json.dumps({"rows": counted[0], "seconds": seconds, "bytes": size, "peak_mb": _peak()}))


def _first(batches: Any, rows: int) -> Any:
    left = rows
    for batch in batches:
        yield batch[:left]
        left -= len(batch)
        if left <= 0:
            return


def _peak() -> float:
    """VmHWM: the most resident memory this process has had."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_export(fmt: str, rows: int | None) -> None:
    command = [sys.executable, __file__, "--child", fmt]
    if rows is not None:
        command += ["--rows", str(rows)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"export child failed:\n{done.stdout}\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    rate = result["rows"] / result["seconds"]
    verdict = "met" if result["peak_mb"] <= TARGET_MB else "NOT MET"
    label = "(b)" if fmt == "csv" else "(c)"
    print(
        f"{label} universe to {fmt.upper()}: {result['rows']:,} rows in {result['seconds']:.1f} s "
        f"({rate:,.0f} rows/s, {result['bytes'] / 1e6:,.0f} MB written); peak RSS of the "
        f"exporting process {result['peak_mb']:.0f} MB (target <= {TARGET_MB} MB: {verdict})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each aggregate")
    parser.add_argument("--xlsx-rows", type=int, default=100_000, help="rows of the XLSX run")
    parser.add_argument("--only", default="timeliness,csv,xlsx", help="sections to run")
    parser.add_argument("--child", choices=["csv", "xlsx"], help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        export_child(args.child, args.rows)
        return
    only = set(args.only.split(","))
    print(f"reports at {Case.objects.count():,} cases ({connection.vendor})")
    if "timeliness" in only:
        bench_timeliness(args.runs)
    if "csv" in only:
        bench_export("csv", None)
    if "xlsx" in only:
        bench_export("xlsx", args.xlsx_rows)


if __name__ == "__main__":
    main()
