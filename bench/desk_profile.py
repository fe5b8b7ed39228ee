"""Where the desk's case page and worklist spend their time (issue 22 item 3): cProfile over
repeated requests through Django's test client, the functions with the most time of their own
and the most time below them, and the share spent in the database driver.

Run after bench/generate.py has loaded the database (DATABASE_URL, or SQLite in
APPEALDESK_DATA_DIR):
    .venv/bin/python bench/desk_profile.py [--page case|worklist|both] [--runs 200] [--top 25]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from django.test import Client

from bench.desk import case_sample, desk_user, get, queries_of, sql_ms


def profile(name: str, urls: list[str], client: Client, runs: int, top: int) -> None:
    for url in urls[:5]:
        get(client, url)  # warm: pack versions read, templates compiled
    n, _ = queries_of(lambda: get(client, urls[0]))
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for i in range(runs):
        get(client, urls[i % len(urls)])
    profiler.disable()
    wall = (time.perf_counter() - start) / runs * 1000
    in_sql = sql_ms(lambda url: get(client, url), urls[: min(len(urls), 50)])
    print(f"== {name}: {runs} requests, {n} queries each (first url)")
    print(
        f"   {wall:.2f} ms per request under the profiler; without it, the database driver "
        f"takes {in_sql:.2f} ms of each"
    )
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order)
        stats.print_stats(top)
        print(f"-- by {order}")
        print("\n".join(out.getvalue().splitlines()[6:]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--page", default="both", choices=["case", "worklist", "both"])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    client = Client()
    client.force_login(desk_user())
    if args.page in ("case", "both"):
        numbers = case_sample(50)["open"]
        profile("case page", [f"/desk/cases/{n}/" for n in numbers], client, args.runs, args.top)
    if args.page in ("worklist", "both"):
        profile("worklist first page", ["/desk/?tab=team"], client, args.runs, args.top)


if __name__ == "__main__":
    main()
