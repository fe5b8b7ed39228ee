"""REST API benchmark (issue 6): case creation through the API vs `case_receive` in-process,
measured in the same run, on a fresh database.

(a) `POST /api/v1/cases`, each with its own Idempotency-Key, to the production server
    (`appealdesk serve`: gunicorn, 2 workers, 127.0.0.1) from 16 client threads on keep-alive
    http.client connections (reopened when the server closes them): throughput, p50, p99;
(b) `case_receive` called in-process, one after another, for the same number of requests
    (the same request, without HTTP, authentication, JSON or the idempotency record);
the ratio (a)/(b) (target >= 0.5x), then the rows are counted: every acknowledged case exists
once, none is lost or doubled, a sample of keys sent again is replayed without a new case.

The database is new: SQLite in a temporary folder, or - with DATABASE_URL - a database of its
own created on that PostgreSQL server (its role needs CREATEDB) and dropped afterwards.

    .venv/bin/python bench/api.py [--requests 20000] [--concurrency 16] [--workers 2]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.api.live import Server, database, prepare  # noqa: E402


def request_body(i: int, received_at: str) -> dict[str, Any]:
    return {
        "program": "ump",
        "received_at": received_at,
        "channel": "portal",
        "filed_by": "member",
        "requested": "appeal",
        "category": "claim_payment",
        "service": "medical",
        "notice_date": time.strftime("%Y-%m-%d", time.gmtime(time.time() - (20 + i % 90) * 86400)),
        "provided": ["subscriber_name", "subscriber_id"],
    }


def now_utc(seconds_ago: float = 30) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - seconds_ago))


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@contextlib.contextmanager
def fresh(prefix: str) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    """A new database (SQLite in a temporary folder, or one of its own on the PostgreSQL
    server of DATABASE_URL), migrated and seeded: its engine, it, and the seed (users, key)."""
    engine = "postgres" if os.environ.get("DATABASE_URL") else "sqlite"
    with (
        tempfile.TemporaryDirectory(prefix=prefix) as tmp,
        database(engine, Path(tmp) / "data") as db,
    ):
        yield engine, db, prepare(db, cases=0, init=False)


class Load:
    """`total` POSTs from `concurrency` threads, each request with its own Idempotency-Key."""

    def __init__(self, port: int, key: str, total: int, concurrency: int) -> None:
        self.host, self.port, self.key = "127.0.0.1", port, key
        self.total, self.concurrency = total, concurrency
        self.next = 0
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.numbers: dict[str, str] = {}
        self.bodies: dict[str, bytes] = {}
        self.errors: list[str] = []
        self.reconnects = 0

    def _take(self) -> int | None:
        with self.lock:
            if self.next >= self.total:
                return None
            self.next += 1
            return self.next

    def post(self, conn: http.client.HTTPConnection, idem: str, body: bytes) -> Any:
        conn.request(
            "POST",
            "/api/v1/cases",
            body=body,
            headers={
                "Authorization": f"Bearer {self.key}",
                "Content-Type": "application/json",
                "Idempotency-Key": idem,
            },
        )
        response = conn.getresponse()
        data = response.read()
        if response.getheader("Connection", "").lower() == "close":
            conn.close()  # gunicorn's sync workers close after each response
            self.reconnects += 1
        return response.status, json.loads(data), response.getheader("Idempotent-Replayed")

    def worker(self) -> None:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        latencies, numbers, bodies = [], {}, {}
        while (i := self._take()) is not None:
            idem = f"bench-{i:07d}"
            body = json.dumps(
                {"request": request_body(i, now_utc()), "summary": f"bench api {idem}"}
            ).encode()
            for attempt in range(5):
                start = time.perf_counter()
                try:
                    status, data, _ = self.post(conn, idem, body)
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    self.errors.append(f"{idem}: {exc!r} (attempt {attempt + 1})")
                    continue
                latencies.append(time.perf_counter() - start)
                if status != 201:
                    self.errors.append(f"{idem}: {status} {data}")
                else:
                    numbers[idem], bodies[idem] = data["number"], body
                break
        conn.close()
        with self.lock:
            self.latencies.extend(latencies)
            self.numbers.update(numbers)
            self.bodies.update(bodies)

    def run(self) -> float:
        threads = [threading.Thread(target=self.worker) for _ in range(self.concurrency)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    args = parser.parse_args()

    with fresh("appealdesk-bench-api-") as (engine, db, seeded):
        print(
            f"== API benchmark on {engine} ({db.url or db.data_dir}), fresh database; "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
        )

        # (a) through the API, served as in production
        with Server(db, workers=args.workers) as server:
            load = Load(server.port, seeded["key"], args.requests, args.concurrency)
            warm = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
            for _ in range(20):  # both workers imported, connections open: not measured
                warm.request("GET", "/api/v1/packs", headers={"X-API-Key": seeded["key"]})
                warm.getresponse().read()
                warm.close()
            elapsed = load.run()
            # a sample of the keys sent again: replayed, no new case
            sample = sorted(load.numbers)[:: max(1, len(load.numbers) // 200)]
            replays = []
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
            for idem in sample:
                status, data, replayed = load.post(conn, idem, load.bodies[idem])
                replays.append((status, data.get("number"), replayed, load.numbers[idem]))
            conn.close()
        api_rate = len(load.latencies) / elapsed
        api_p50, api_p99 = percentile(load.latencies, 0.5), percentile(load.latencies, 0.99)

        # (b) case_receive in-process, the same number of requests, on the same database
        os.environ.update(db.env)  # the server's settings: its data folder or database
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.db import connection

        from appealdesk.cases.services import case_receive

        actor = get_user_model().objects.get(username=seeded["users"]["supervisor"])
        direct: list[float] = []
        case_receive(request=request_body(0, now_utc()), actor=actor, summary="bench warm-up")
        start = time.perf_counter()
        for i in range(1, args.requests + 1):
            t0 = time.perf_counter()
            case_receive(
                request=request_body(i, now_utc()), actor=actor, summary=f"bench direct {i}"
            )
            direct.append(time.perf_counter() - t0)
        direct_elapsed = time.perf_counter() - start
        direct_rate = len(direct) / direct_elapsed

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*), COUNT(DISTINCT number) FROM cases_case WHERE summary LIKE %s",
                ["bench api %"],
            )
            api_rows, api_distinct = cursor.fetchone()
            cursor.execute(
                "SELECT COUNT(*) FROM api_idempotencyrecord WHERE key LIKE %s", ["bench-%"]
            )
            (records,) = cursor.fetchone()
            cursor.execute(
                "SELECT COUNT(*) FROM cases_case WHERE summary LIKE %s", ["bench direct %"]
            )
            (direct_rows,) = cursor.fetchone()
        connection.close()

    acknowledged = len(load.numbers)
    lost = acknowledged - api_rows if api_rows <= acknowledged else 0
    extra = api_rows - acknowledged if api_rows > acknowledged else 0
    doubled = (api_rows - api_distinct) + (acknowledged - len(set(load.numbers.values())))
    replay_ok = all(s == 201 and n == first and r == "true" for s, n, r, first in replays)
    print(
        f"(a) POST /api/v1/cases, gunicorn {args.workers} workers, {args.concurrency} clients: "
        f"{len(load.latencies):,} requests in {elapsed:.1f} s = {api_rate:,.0f}/s; "
        f"p50 {api_p50 * 1e3:.1f} ms, p99 {api_p99 * 1e3:.1f} ms; "
        f"{len(load.errors)} errors, {load.reconnects:,} reconnects"
    )
    print(
        f"(b) case_receive in-process, one at a time: {len(direct):,} in {direct_elapsed:.1f} s "
        f"= {direct_rate:,.0f}/s; p50 {statistics.median(direct) * 1e3:.1f} ms, "
        f"p99 {percentile(direct, 0.99) * 1e3:.1f} ms"
    )
    print(
        f"ratio (a)/(b): {api_rate / direct_rate:.2f}x (target >= 0.5x); "
        f"load average now {os.getloadavg()[0]:.1f}"
    )
    print(
        f"rows: {acknowledged:,} acknowledged, {api_rows:,} API cases "
        f"({api_distinct:,} distinct numbers), {records:,} idempotency records, "
        f"{direct_rows:,} in-process cases; lost {lost}, doubled {doubled}, "
        f"unacknowledged extra {extra}; {len(replays)} keys sent again: "
        f"{'all replayed, no new case' if replay_ok else 'NOT ALL REPLAYED'}"
    )
    for line in load.errors[:10]:
        print("  error:", line)
    ok = (
        lost == 0
        and doubled == 0
        and extra == 0
        and records == acknowledged
        and direct_rows == len(direct)
        and replay_ok
        and not load.errors
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
