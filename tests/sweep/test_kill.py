"""SPEC 8: "restarts resume sweeps without double letters". A real `appealdesk sweep` over a real
database (a SQLite file, or a database of its own on the PostgreSQL server of the PostgreSQL
pass) is killed with SIGKILL after its first batches; a second run finishes the work: every
missed clock has exactly one event, every notification exists once, every case is flagged for
immediate independent review once."""

from __future__ import annotations

import json
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

APPEALDESK = [sys.executable, "-m", "appealdesk.cli"]
CASES = 120
SEED = f"""
import datetime as dt
from django.contrib.auth import get_user_model
from django.utils import timezone
from appealdesk.cases.models import Case, StaffProfile, Team
from appealdesk.cases.services import case_receive
User = get_user_model()
erin = User.objects.create_user("erin", "erin@example.org", "x-test-p4ss")
bob = User.objects.create_user("bob", "bob@example.org", "x-test-p4ss")
team = Team.objects.create(name="UMP medical", program="ump", handler="regence", supervisor=erin)
StaffProfile.objects.create(user=bob).teams.set([team])
received = timezone.now() - dt.timedelta(days=60)  # every clock of these appeals is past due
notice = (received.date() - dt.timedelta(days=30)).isoformat()
for i in range({CASES}):
    case_receive(
        request={{"program": "ump", "received_at": received.isoformat(), "channel": "mail",
                  "filed_by": "member", "requested": "appeal", "category": "claim_payment",
                  "service": "medical", "notice_date": notice}},
        team=team, backdate_reason="loaded for the kill test",
    )
Case.objects.update(owner=bob)
"""


def _sqlite(path: Path) -> Callable[[str], list[tuple[Any, ...]]]:
    def query(sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(path, timeout=30) as conn:
            return conn.execute(sql).fetchall()

    return query


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[dict[str, str], Callable[[str], list[Any]]]]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["APPEALDESK_DATA_DIR"] = str(tmp_path / "data")
    base = os.environ.get("DATABASE_URL")
    if os.environ.get("APPEALDESK_TEST_DB") != "postgres" or not base:
        yield env, _sqlite(tmp_path / "data" / "appealdesk.sqlite3")
        return
    import psycopg

    admin_url = base.replace("postgres://", "postgresql://", 1)
    name = f"appealdesk_sweep_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    env["DATABASE_URL"] = url

    def query(sql: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(url, autocommit=True) as conn:
            return conn.execute(sql).fetchall()  # type: ignore[arg-type]

    try:
        yield env, query
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def _run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [*APPEALDESK, *args], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.postgres
def test_a_sweep_killed_mid_way_is_finished_by_the_next_without_duplicates(database):
    env, query = database
    _run(env, "manage", "migrate", "-v", "0")
    _run(env, "manage", "shell", "-c", SEED)
    live = "state IN ('running', 'extended')"
    total = query(f"SELECT COUNT(*) FROM cases_clock WHERE {live}")[0][0]
    assert total >= 3 * CASES

    # small batches with a pause between them, so the kill lands after the first few
    sweep = subprocess.Popen(
        [*APPEALDESK, "sweep", "--batch", "10", "--pause", "0.2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and sweep.poll() is None:
            if query("SELECT COUNT(*) FROM cases_clock WHERE state = 'missed'")[0][0] >= 30:
                break
            time.sleep(0.05)
        assert sweep.poll() is None, "the sweep finished before it could be killed"
        sweep.send_signal(signal.SIGKILL)  # only the process this test started
    finally:
        sweep.wait(timeout=30)
    assert sweep.returncode == -signal.SIGKILL
    marked = query("SELECT COUNT(*) FROM cases_clock WHERE state = 'missed'")[0][0]
    assert 30 <= marked < total  # killed mid-way, with committed batches behind it
    assert query("SELECT COUNT(*) FROM cases_sweeprun WHERE finished_at IS NULL")[0][0] == 1

    counts = json.loads(_run(env, "sweep", "--batch", "25", "--json"))
    assert counts["missed"] == total - marked
    assert query(f"SELECT COUNT(*) FROM cases_clock WHERE {live}")[0][0] == 0

    missed = query("SELECT case_id, clock_id FROM cases_clock WHERE state = 'missed'")
    assert len(missed) == total
    events = Counter(
        (case_id, (after if isinstance(after, dict) else json.loads(after))["clock"])
        for case_id, after in query(
            "SELECT case_id, after FROM cases_event WHERE action = 'clock.missed'"
        )
    )
    assert set(events) == set(missed) and set(events.values()) == {1}

    flagged = query("SELECT COUNT(*) FROM cases_case WHERE immediate_iro")[0][0]
    assert flagged == CASES
    iro_events = Counter(
        r[0] for r in query("SELECT case_id FROM cases_event WHERE action = 'case.immediate_iro'")
    )
    assert len(iro_events) == CASES and set(iro_events.values()) == {1}

    notifications = query("SELECT kind, clock_id, recipient_id FROM cases_notification")
    assert len(notifications) == len(set(notifications))
    kinds = Counter(kind for kind, _, _ in notifications)
    assert kinds == {"clock.missed": 2 * total, "case.immediate_iro": 2 * CASES}

    again = json.loads(_run(env, "sweep", "--json"))
    assert (again["missed"], again["notifications"], again["immediate_iro"]) == (0, 0, 0)
