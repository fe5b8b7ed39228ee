"""Reads from a PostgreSQL streaming replica (issue 19, item 4): a primary and its replica
(initdb, `pg_basebackup -R`) on 127.0.0.1; reports, search and the universe read from the
replica while it is close enough, and from the primary when it lags past the limit or is down.

The replica is shown to be read by pausing its replay: a row written on the primary then is
missing from what a replica read sees, and present once the lag passes the limit (the read
goes to the primary)."""

from __future__ import annotations

import json
import os
import time

import psycopg
import pytest

from tests import pgcluster
from tests.ops.installation import environment, python

pytestmark = pytest.mark.postgres


def _probe(env: dict[str, str], max_lag: float) -> dict[str, object]:
    done = python(
        {**env, "APPEALDESK_REPLICA_MAX_LAG_SECONDS": str(max_lag)},
        "-m",
        "tests.ops.replica_probe",
        timeout=120,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _add_team(primary: pgcluster.Cluster, name: str) -> None:
    with psycopg.connect(primary.url(), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO cases_team (name, program, handler, skill) VALUES (%s, 'ump', '', '')",
            [name],
        )


def _replica_teams(replica: pgcluster.Cluster) -> int:
    with psycopg.connect(replica.url(), autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM cases_team").fetchone()[0]


def test_reports_read_from_the_replica_and_fall_back_when_it_lags_or_is_down(tmp_path):
    if os.environ.get("APPEALDESK_TEST_DB") != "postgres":
        pytest.skip("runs in the PostgreSQL pass of ./dev test")
    binaries = pgcluster.need_postgres_binaries()
    primary = pgcluster.primary(binaries)
    replica = None
    try:
        env = environment(APPEALDESK_DATA_DIR=str(tmp_path / "data"), DATABASE_URL=primary.url())
        python(env, "-m", "appealdesk.cli", "manage", "migrate", "--verbosity", "0")
        replica = pgcluster.replica_of(primary)
        env["DATABASE_REPLICA_URL"] = replica.url()
        _add_team(primary, "first")
        deadline = time.monotonic() + 30
        while _replica_teams(replica) != 1:
            assert time.monotonic() < deadline, "the replica did not follow the primary"
            time.sleep(0.2)

        # a replica that keeps up: the report's statements and the reads go to it
        seen = _probe(env, max_lag=3600)
        assert seen["alias"] == "replica" and seen["teams"] == 1
        assert seen["ran"]["replica"] >= 2 and seen["ran"]["default"] == 0

        # replay paused: the replica misses a new row, and is read while within the limit
        with psycopg.connect(replica.superuser_url("app"), autocommit=True) as conn:
            conn.execute("SELECT pg_wal_replay_pause()")
        _add_team(primary, "second")
        time.sleep(2.5)
        stale = _probe(env, max_lag=3600)
        assert stale["alias"] == "replica" and stale["teams"] == 1
        # past the limit: the primary answers, with the new row, and the log says why
        fallback = _probe(env, max_lag=1)
        assert fallback["alias"] == "default" and fallback["teams"] == 2
        assert fallback["ran"]["default"] >= 1
        assert any("behind (limit 1 s)" in w for w in fallback["warnings"])

        # the replica down: the primary answers
        replica.stop()
        down = _probe(env, max_lag=3600)
        assert down["alias"] == "default" and down["teams"] == 2
        assert any("cannot be reached" in w for w in down["warnings"])
    finally:
        if replica is not None:
            replica.remove()
        primary.remove()
