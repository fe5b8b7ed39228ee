"""The API served by the real server (`appealdesk serve`: gunicorn, 2 workers, 127.0.0.1):

* its live OpenAPI document, fuzzed by schemathesis over every operation with a valid key;
* durability: cases posted with Idempotency-Keys while the server is killed (SIGKILL to the
  master and its workers) and restarted; every acknowledged case exists once, retries replay.

Each runs on SQLite in the SQLite pass of the test command and on a database of its own on the
PostgreSQL server in the PostgreSQL pass (`-m "postgres or django_db"`, APPEALDESK_TEST_DB).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.api.live import Database, LiveError, Server, database, prepare

HERE = Path(__file__).resolve().parent
SCHEMATHESIS_EXAMPLES = int(os.environ.get("APPEALDESK_SCHEMATHESIS_EXAMPLES", "10"))


@dataclass
class Live:
    db: Database
    seeded: dict[str, Any]

    @property
    def key(self) -> str:
        return str(self.seeded["key"])


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Live]:
    """A fresh database for this module's servers: `appealdesk init` and the seed, once."""
    engine = request.param
    this_pass = os.environ.get("APPEALDESK_TEST_DB", "sqlite")
    if engine != this_pass:
        pytest.skip(f"the {engine} variant runs in the {engine} pass of the test command")
    if engine == "postgres" and not os.environ.get("DATABASE_URL"):
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true: the PostgreSQL pass has no DATABASE_URL")
        pytest.skip("no DATABASE_URL")
    with database(engine, tmp_path_factory.mktemp(f"api-live-{engine}")) as db:
        try:
            seeded = prepare(db, cases=6)
        except LiveError as exc:
            pytest.fail(str(exc), pytrace=False)
        yield Live(db, seeded)


# -- the contract -----------------------------------------------------------------------------
def test_schemathesis_against_the_live_openapi_document(live: Live, tmp_path: Path) -> None:
    """Every operation of /api/v1/openapi.json, examples bounded, with a key of every scope.
    Every check runs (tests/api/schemathesis.toml says why positive_data_acceptance does not,
    and that 428 answers a missing If-Match): no 500s, responses as documented."""
    with Server(live.db, workers=2) as server:
        started = time.monotonic()
        done = subprocess.run(
            [
                str(Path(sys.executable).with_name("schemathesis")),
                "--config-file",
                str(HERE / "schemathesis.toml"),
                "run",
                f"{server.base}/api/v1/openapi.json",
                "--header",
                f"Authorization: Bearer {live.key}",
                "--max-examples",
                str(SCHEMATHESIS_EXAMPLES),
                "--workers",
                "1",  # hypothesis' lambda descriptions are not thread-safe on Python 3.11
                "--request-timeout",
                "60",  # a loaded test machine is slow, not wrong
                "--suppress-health-check",
                "all",
                "--generation-database",
                "none",
                "--no-color",
            ],
            cwd=tmp_path,  # its .schemathesis/ and reports stay out of the repository
            env={**live.db.env, "SCHEMATHESIS_HOOKS": ""},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        elapsed = time.monotonic() - started
        log = server.tail(40)
    (tmp_path / "schemathesis.out").write_text(done.stdout + done.stderr)
    report = done.stdout[-12000:] + done.stderr[-4000:]
    assert done.returncode == 0, f"schemathesis failed:\n{report}\n--- server log ---\n{log}"
    assert "Tested:" in done.stdout, report
    print(f"schemathesis: {elapsed:.1f} s\n" + done.stdout[-1500:])


# -- durability -------------------------------------------------------------------------------
KILLS = 3
CLIENTS = 4


class Client:
    """Posts cases with Idempotency-Keys until each is acknowledged (201), retrying the same
    key after any failure - a refused connection, a reset, a timeout - as a careful client
    does. Records the first acknowledged number of each key and every later answer."""

    def __init__(self, base: str, key: str, member_id: int, name: str) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.host, self.port, self.api_key = host, int(port), key
        self.member_id, self.name = member_id, name
        self.acknowledged: dict[str, str] = {}
        self.replayed: dict[str, list[str]] = {}
        self.failures = 0
        self.bodies: dict[str, bytes] = {}

    def body(self, idem: str) -> bytes:
        if idem not in self.bodies:
            received = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
            self.bodies[idem] = json.dumps(
                {
                    "request": {
                        "program": "ump",
                        "received_at": received,
                        "channel": "portal",
                        "filed_by": "member",
                        "requested": "appeal",
                        "category": "claim_payment",
                        "service": "medical",
                        "notice_date": time.strftime(
                            "%Y-%m-%d", time.gmtime(time.time() - 20 * 86400)
                        ),
                    },
                    "member_id": self.member_id,
                    "summary": f"durability {idem}",
                }
            ).encode()
        return self.bodies[idem]

    def post(self, idem: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=20)
        try:
            conn.request(
                "POST",
                "/api/v1/cases",
                body=self.body(idem),
                headers={
                    "Authorization": f"Bearer {self.api_key}",
                    "Content-Type": "application/json",
                    "Idempotency-Key": idem,
                },
            )
            response = conn.getresponse()
            data = json.loads(response.read() or b"{}")
            return response.status, data, {k.lower(): v for k, v in response.getheaders()}
        finally:
            conn.close()

    def until_acknowledged(self, idem: str, deadline: float) -> None:
        while time.monotonic() < deadline:
            try:
                status, data, headers = self.post(idem)
            except (OSError, http.client.HTTPException, json.JSONDecodeError):
                self.failures += 1
                time.sleep(0.05)
                continue
            if status >= 500 or status == 503:
                self.failures += 1
                time.sleep(0.05)
                continue
            assert status == 201, (idem, status, data)
            if idem in self.acknowledged:
                assert headers.get("idempotent-replayed") == "true", (idem, headers)
                self.replayed.setdefault(idem, []).append(data["number"])
            else:
                self.acknowledged[idem] = data["number"]
            return
        raise AssertionError(f"{idem}: not acknowledged before the deadline")

    def run(self, stop: threading.Event, deadline: float) -> None:
        i = 0
        while not stop.is_set():
            i += 1
            self.until_acknowledged(f"{self.name}-{i:05d}", deadline)


def test_acknowledged_cases_survive_the_server_being_killed(live: Live) -> None:
    server = Server(live.db, workers=2).start()
    clients = [
        Client(server.base, live.key, live.seeded["member_id"], f"dur-{n}") for n in range(CLIENTS)
    ]
    stop = threading.Event()
    deadline = time.monotonic() + 240
    errors: list[BaseException] = []

    def work(client: Client) -> None:
        try:
            client.run(stop, deadline)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(c,), daemon=True) for c in clients]
    try:
        for t in threads:
            t.start()
        rng = random.Random(6)
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.8, 2.0))
            server.kill(signal.SIGKILL)  # the master, its workers (and the task worker)
            time.sleep(rng.uniform(0.0, 0.3))
            server.start()
        time.sleep(1.0)
        stop.set()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors
        keys = {k: n for c in clients for k, n in c.acknowledged.items()}
        assert len(keys) >= CLIENTS * 3, keys
        assert sum(c.failures for c in clients) > 0  # the kills did cut requests off

        # every retry of every key after the restarts replays its case: nothing new
        for client in clients:
            for idem in list(client.acknowledged):
                client.until_acknowledged(idem, time.monotonic() + 30)
            assert client.replayed.keys() >= client.acknowledged.keys()
            for idem, numbers in client.replayed.items():
                assert set(numbers) == {client.acknowledged[idem]}, idem
    finally:
        stop.set()
        server.stop()

    # each acknowledged case once, no case without its acknowledgement, one record per key
    rows = live.db.query(
        "SELECT number, summary FROM cases_case WHERE summary LIKE %s", "durability dur-%"
    )
    numbers = [n for n, _ in rows]
    assert len(numbers) == len(set(numbers)) == len(keys)
    assert {s.removeprefix("durability "): n for n, s in rows} == keys
    records = live.db.query(
        "SELECT r.key, c.number FROM api_idempotencyrecord r JOIN cases_case c ON c.id = r.case_id "
        "WHERE r.key LIKE %s",
        "dur-%",
    )
    assert dict(records) == keys and len(records) == len(keys)
    assert live.db.integrity() == []
    print(
        f"durability ({live.db.engine}): {len(keys)} cases acknowledged, {KILLS} kills, "
        f"{sum(c.failures for c in clients)} requests cut off and retried"
    )
