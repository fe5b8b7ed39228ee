"""Nothing lost: an IMAP import and a folder import, each run as the real command in a process
of its own, killed with SIGKILL mid-way, then run again: every message and file is an item
exactly once, and none is left behind in the inbox or the scanner's folder."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.mailroom.test_imap import append, count, message

APPEALDESK = [sys.executable, "-m", "appealdesk.cli"]
MESSAGES = 300
# an IMAP poll stores a hundred messages a transaction in a fraction of a second: enough of them
# that the poll is still running when the first batches have committed
MAILS = 1500


def _run(env, *args: str) -> str:
    done = subprocess.run(
        [*APPEALDESK, *args], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _kill_when(env, query, args: list[str], items_at_least: int) -> int:
    """Start the command, SIGKILL it once `items_at_least` items are committed; returns how many
    items there were when it died."""
    process = subprocess.Popen(
        [*APPEALDESK, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            if query("SELECT COUNT(*) FROM mailroom_item")[0][0] >= items_at_least:
                break
            time.sleep(0.02)
        assert process.poll() is None, "the import finished before it could be killed"
        process.send_signal(signal.SIGKILL)  # only the process this test started
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    return int(query("SELECT COUNT(*) FROM mailroom_item")[0][0])


def _exactly_once(query, source: str, expected: int) -> None:
    rows = query(f"SELECT source_id, sha256 FROM mailroom_item WHERE source = '{source}'")
    assert len(rows) == expected
    assert len({r[0] for r in rows}) == expected and len({r[1] for r in rows}) == expected


def test_an_imap_import_killed_mid_way_loses_nothing_and_stores_nothing_twice(
    dovecot, database, tmp_path: Path
):
    env, query = database
    _run(env, "manage", "migrate", "-v", "0", "--skip-checks")
    append(dovecot, [message(n) for n in range(MAILS)])
    env["APPEALDESK_MAILROOM_IMAP"] = json.dumps(
        [
            {
                "name": "appeals",
                "host": dovecot.host,
                "port": dovecot.port,
                "ssl": False,
                "username": dovecot.username,
                "password": dovecot.password,
            }
        ]
    )
    at_kill = _kill_when(env, query, ["mailroom", "poll"], items_at_least=40)
    assert 40 <= at_kill < MAILS
    assert count(dovecot, "INBOX") > 0  # the kill left messages behind
    _run(env, "mailroom", "poll")
    _exactly_once(query, "email", MAILS)
    landed = "SELECT COUNT(*) FROM mailroom_item i JOIN mailroom_landedbytes b ON b.item_id = i.id"
    assert query(f"{landed} WHERE length(b.data) = i.size")[0][0] == MAILS  # bytes with rows
    assert count(dovecot, "INBOX") == 0
    assert count(dovecot, "appealdesk-processed") == MAILS


def test_a_folder_import_killed_mid_way_loses_nothing_and_stores_nothing_twice(
    database, tmp_path: Path
):
    env, query = database
    _run(env, "manage", "migrate", "-v", "0", "--skip-checks")
    scans = tmp_path / "scanner"
    scans.mkdir()
    for n in range(MESSAGES):
        (scans / f"scan{n:04d}.pdf").write_bytes(b"%PDF-1.4\n%scan " + str(n).encode() * 200)
    at_kill = _kill_when(
        env, query, ["mailroom", "import", str(scans), "--settle", "0"], items_at_least=40
    )
    assert 40 <= at_kill < MESSAGES
    _run(env, "mailroom", "import", str(scans), "--settle", "0")
    _exactly_once(query, "folder", MESSAGES)
    assert sorted(p.name for p in scans.iterdir()) == ["done"]
    assert len(list((scans / "done").iterdir())) == MESSAGES
