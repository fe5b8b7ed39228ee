"""Issue 24.5 and 22.1: `appealdesk serve` recycles its workers after a number of requests with
jitter (options or environment) and keeps database connections; the embedded database's
writers queue on one lock."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from appealdesk import cli

ROOT = Path(__file__).resolve().parents[2]


def served(monkeypatch: pytest.MonkeyPatch, *args: str, **env: str) -> tuple[list[str], str]:
    """The gunicorn command `serve` would run, and the connection age it gives its workers."""
    seen: dict[str, Any] = {}

    def execvp(file: str, command: list[str]) -> None:
        seen["command"] = command
        seen["age"] = os.environ.get("APPEALDESK_CONN_MAX_AGE")
        raise SystemExit(0)

    monkeypatch.setattr(os, "execvp", execvp)
    monkeypatch.delenv("APPEALDESK_CONN_MAX_AGE", raising=False)
    for name in ("APPEALDESK_MAX_REQUESTS", "APPEALDESK_MAX_REQUESTS_JITTER"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(cli.app, ["serve", "--no-task-worker", *args], env=env)
    assert result.exit_code == 0, result.output
    return seen["command"], seen["age"]


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_serve_recycles_workers_with_jitter_and_keeps_connections(monkeypatch):
    command, age = served(monkeypatch)
    assert option(command, "--max-requests") == "2000"
    assert option(command, "--max-requests-jitter") == "200"
    assert age == "600"


def test_serve_takes_the_recycling_from_options_or_the_environment(monkeypatch):
    command, _ = served(monkeypatch, "--max-requests", "50", "--max-requests-jitter", "5")
    assert (option(command, "--max-requests"), option(command, "--max-requests-jitter")) == (
        "50",
        "5",
    )
    command, age = served(
        monkeypatch,
        APPEALDESK_MAX_REQUESTS="300",
        APPEALDESK_MAX_REQUESTS_JITTER="30",
        APPEALDESK_CONN_MAX_AGE="0",
    )
    assert (option(command, "--max-requests"), option(command, "--max-requests-jitter")) == (
        "300",
        "30",
    )
    assert age == "0"


WRITER = """
import os, sys, time
import django
django.setup()
from django.db import connection, transaction
with transaction.atomic():
    with connection.cursor() as c:
        c.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
    print("in", flush=True)
    time.sleep(float(sys.argv[1]))
print("out", time.monotonic(), flush=True)
"""


def test_a_second_writer_waits_on_the_lock_not_on_busy_timeout(tmp_path):
    """The first writer holds its transaction 2 s (busy_timeout would give up after 10 s and
    sleep in steps): the second begins as soon as the first commits, queued on the file lock."""
    env = {
        **os.environ,
        "APPEALDESK_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "appealdesk.settings",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_URL", None)
    first = subprocess.Popen(
        [sys.executable, "-c", WRITER, "2"], env=env, stdout=subprocess.PIPE, text=True
    )
    assert first.stdout is not None and first.stdout.readline().strip() == "in"
    assert (tmp_path / "appealdesk.sqlite3.writer-lock").exists()
    started = time.monotonic()
    second = subprocess.run(
        [sys.executable, "-c", WRITER, "0"], env=env, capture_output=True, text=True, timeout=60
    )
    out_first = first.stdout.read().split()
    first.wait(30)
    assert second.returncode == 0, second.stderr
    assert second.stdout.split()[0] == "in"
    # the second wrote after the first committed, not failing with "database is locked"
    assert float(second.stdout.split()[2]) >= float(out_first[1])
    assert time.monotonic() - started < 10


@pytest.mark.django_db
def test_the_lock_is_let_go_when_a_transaction_ends(tmp_path):
    from django.db import connections

    from appealdesk.sqlite.base import DatabaseWrapper

    wrapper = DatabaseWrapper(
        {**connections["default"].settings_dict, "NAME": str(tmp_path / "x.sqlite3")}, "lock"
    )
    try:
        wrapper.ensure_connection()
        for end in (wrapper._rollback, wrapper._commit):
            wrapper._start_transaction_under_autocommit()  # what `atomic` calls on SQLite
            assert wrapper._locked
            end()
            assert not wrapper._locked
        wrapper._start_transaction_under_autocommit()
    finally:
        wrapper.close()  # a connection closed mid-transaction lets go too
    assert not wrapper._locked and wrapper._lock_fd is None
