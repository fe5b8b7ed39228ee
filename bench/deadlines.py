"""Deadline benchmark (issue 3). Ratios are measured in the same run, never absolute targets.

(a) 1,000,000 business-day due dates through the vectorised calendar path vs
    `numpy.busday_offset` on the same inputs (target: at least 0.5x NumPy's throughput);
    the results must be identical.
(b) single `assess` calls: p50 (target: at most 200 microseconds), with the ratio to a bare
    `datetime + timedelta` loop.

Run: ./dev bench   (or .venv/bin/python bench/deadlines.py [--n 1000000] [--calls 20000])
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from appealdesk.policy import assess, default_registry
from appealdesk.policy.assess import program_for

REQUESTS = [
    {
        "program": "ump",
        "received_at": "2026-03-02T10:15:00-08:00",
        "channel": "phone",
        "filed_by": "member",
        "requested": "complaint",
        "category": "claim_payment",
        "service": "medical",
        "notice_date": "2026-01-05",
        "provided": ["subscriber_name", "subscriber_id"],
    },
    {
        "program": "genex-ur",
        "received_at": "2026-11-25T09:00:00-08:00",
        "channel": "mail",
        "filed_by": "member",
        "requested": "grievance",
        "category": "ur_timeliness",
        "occurrence_date": "2026-06-01",
    },
    {
        "program": "ump",
        "received_at": "2026-03-06T16:30:00-08:00",
        "channel": "fax",
        "filed_by": "provider",
        "requested": "appeal",
        "category": "coverage_denial",
        "service": "prescription",
        "expedited": True,
        "notice_date": "2026-03-05",
    },
]


def best_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_vectorised(n: int) -> dict[str, float]:
    calendar = program_for(default_registry().latest("genex-ur")).calendar
    rng = np.random.default_rng(42)
    base = np.datetime64("2020-01-01")
    starts = base + rng.integers(0, 365 * 10, size=n).astype("timedelta64[D]")
    offsets = 5
    holidays = calendar.holiday_array(2019, 2031)
    weekmask = calendar.numpy_weekmask

    ours = calendar.add_business_days_many(starts, offsets)  # warm the table once
    floor = np.busday_offset(starts, offsets, roll="backward", weekmask=weekmask, holidays=holidays)
    if not np.array_equal(ours, floor):
        raise SystemExit("vectorised business days differ from numpy.busday_offset")

    t_ours = best_of(lambda: calendar.add_business_days_many(starts, offsets))
    t_numpy = best_of(
        lambda: np.busday_offset(
            starts, offsets, roll="backward", weekmask=weekmask, holidays=holidays
        )
    )
    return {
        "n": n,
        "ours_s": t_ours,
        "numpy_s": t_numpy,
        "ours_per_s": n / t_ours,
        "numpy_per_s": n / t_numpy,
        "ratio": t_numpy / t_ours,
    }


def bench_assess(calls: int) -> dict[str, float]:
    for request in REQUESTS:  # load packs, build calendars, warm caches
        assess(request)
    samples = []
    for i in range(calls):
        request = REQUESTS[i % len(REQUESTS)]
        start = time.perf_counter_ns()
        assess(request)
        samples.append(time.perf_counter_ns() - start)
    samples.sort()
    p50 = statistics.median(samples) / 1000
    p99 = samples[int(len(samples) * 0.99)] / 1000

    received = dt.datetime(2026, 3, 2, 10, 15, tzinfo=dt.UTC)
    delta = dt.timedelta(days=14)
    loops = 200_000
    start = time.perf_counter_ns()
    for _ in range(loops):
        received + delta
    floor_us = (time.perf_counter_ns() - start) / loops / 1000
    return {
        "calls": calls,
        "p50_us": p50,
        "p99_us": p99,
        "floor_us": floor_us,
        "ratio": p50 / floor_us,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args()

    v = bench_vectorised(args.n)
    print(f"(a) {v['n']:,} business-day due dates (5 business days, CA calendar, 2020-2029)")
    for label, key in (("vectorised path", "ours"), ("numpy.busday_offset", "numpy")):
        print(f"    {label:20s} {v[key + '_s'] * 1000:8.1f} ms {v[key + '_per_s']:>14,.0f} dates/s")
    print(f"    throughput ratio ours/numpy = {v['ratio']:.2f}x (target >= 0.5x); same results")
    a = bench_assess(args.calls)
    print(f"(b) {a['calls']:,} single assess calls (3 request shapes, both programs)")
    print(f"    p50 {a['p50_us']:.1f} us, p99 {a['p99_us']:.1f} us (target p50 <= 200 us)")
    print(
        f"    bare datetime + timedelta: {a['floor_us'] * 1000:.0f} ns; "
        f"assess p50 / floor = {a['ratio']:,.0f}x"
    )
    ok = v["ratio"] >= 0.5 and a["p50_us"] <= 200
    print("targets:", "met" if ok else "NOT MET")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
