"""Where an API intake's time goes (issue 22.1), in-process, on a fresh database:

(a) `POST /api/v1/cases` through Django's test client with an API key and an Idempotency-Key,
    one at a time; (b) `case_receive` in-process, the same requests, alternated with (a) so both
    meet the same load; the ratio (b)/(a) of their p50 (target >= 0.6x);
(c) every statement of one intake with its time (the driver's), and `--profile` the cProfile of
    `--profile-requests` intakes (the top functions by cumulative and by own time).

The database is new: SQLite in a temporary folder, or - with DATABASE_URL - a database of its
own on that PostgreSQL server (dropped afterwards).

    .venv/bin/python bench/api_profile.py [--requests 2000] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

# run as a script, bench/ would be first on the path and bench/fhir.py would shadow the `fhir`
# package (fhir.resources): the project root instead
HERE = Path(__file__).resolve().parent
sys.path[:] = [str(HERE.parent), *(p for p in sys.path if Path(p or ".").resolve() != HERE)]

from bench.api import fresh, now_utc, percentile, request_body  # noqa: E402


def statements(fn: Any) -> list[tuple[float, str]]:
    """Each statement `fn` runs and the time the driver took for it."""
    from django.db import connection

    found: list[tuple[float, str]] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            found.append((time.perf_counter() - start, sql))

    with connection.execute_wrapper(wrapper):
        fn()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--profile", action="store_true", help="cProfile of intakes too")
    parser.add_argument("--profile-requests", type=int, default=500)
    args = parser.parse_args()

    with fresh("appealdesk-bench-api-profile-") as (engine, db, seeded):
        os.environ.update(db.env)
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.test import Client

        from appealdesk.cases.services import case_receive

        client = Client(HTTP_HOST="127.0.0.1")
        headers = {"Authorization": f"Bearer {seeded['key']}"}
        actor = get_user_model().objects.get(username=seeded["users"]["supervisor"])
        serial = iter(range(1, 10**9))

        def via_api() -> Any:
            i = next(serial)
            body = {"request": request_body(i, now_utc()), "summary": f"bench api {i}"}
            response = client.post(
                "/api/v1/cases",
                json.dumps(body),
                content_type="application/json",
                headers={**headers, "Idempotency-Key": f"profile-{i:07d}"},
            )
            if response.status_code != 201:
                sys.exit(f"POST /api/v1/cases: {response.status_code} {response.content[:300]!r}")
            return response

        def direct() -> Any:
            i = next(serial)
            return case_receive(
                request=request_body(i, now_utc()), actor=actor, summary=f"bench direct {i}"
            )

        for _ in range(20):  # imports, caches, the connection: not measured
            via_api()
            direct()
        api_times: list[float] = []
        direct_times: list[float] = []
        for _ in range(args.requests):
            for fn, found in ((via_api, api_times), (direct, direct_times)):
                start = time.perf_counter()
                fn()
                found.append(time.perf_counter() - start)
        api_p50, direct_p50 = statistics.median(api_times), statistics.median(direct_times)
        print(
            f"== API intake in-process on {engine}, {args.requests:,} of each, alternated; "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        print(
            f"(a) POST /api/v1/cases (test client): {1 / statistics.mean(api_times):,.0f}/s, "
            f"p50 {api_p50 * 1e3:.2f} ms, p99 {percentile(api_times, 0.99) * 1e3:.2f} ms"
        )
        print(
            f"(b) case_receive: {1 / statistics.mean(direct_times):,.0f}/s, "
            f"p50 {direct_p50 * 1e3:.2f} ms, p99 {percentile(direct_times, 0.99) * 1e3:.2f} ms"
        )
        print(
            f"ratio (b)/(a) of p50: {direct_p50 / api_p50:.2f}x (target >= 0.6x); "
            f"of throughput {statistics.mean(direct_times) / statistics.mean(api_times):.2f}x"
        )

        for name, fn in (("API intake", via_api), ("case_receive", direct)):
            found = statements(fn)
            total = sum(t for t, _ in found)
            print(f"(c) {name}: {len(found)} statements, {total * 1e3:.2f} ms in the driver")
            for spent, sql in found:
                print(f"    {spent * 1e3:6.2f} ms  {' '.join(sql.split())[:150]}")

        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(args.profile_requests):
                via_api()
            profile.disable()
            for order in ("cumulative", "tottime"):
                out = io.StringIO()
                pstats.Stats(profile, stream=out).sort_stats(order).print_stats(35)
                if order == "cumulative":  # where the view's own time goes
                    stats = pstats.Stats(profile, stream=out).sort_stats(order)
                    stats.print_callees("case_create|_sync_view|via_api")
                print(f"-- profile of {args.profile_requests} API intakes, by {order}")
                print(out.getvalue())
        connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
