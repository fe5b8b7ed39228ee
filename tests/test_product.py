"""The product as its user starts it: `appealdesk init`, `demo` and `serve` in real processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

APPEALDESK = [sys.executable, "-m", "appealdesk.cli"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A fresh embedded installation: its own data folder, SQLite, no DATABASE_URL."""
    clean = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return {
        **clean,
        "APPEALDESK_DATA_DIR": str(tmp_path / "data"),
        "APPEALDESK_ADMIN_PASSWORD": "s3cret-test-pass",
    }


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*APPEALDESK, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_init_demo_and_serve(env: dict[str, str], tmp_path: Path) -> None:
    first = run(env, "init")
    assert first.returncode == 0, first.stderr
    assert "administrator created: admin / from $APPEALDESK_ADMIN_PASSWORD" in first.stdout
    again = run(env, "init")
    assert again.returncode == 0 and "administrator 'admin' exists" in again.stdout
    assert (tmp_path / "data" / "appealdesk.sqlite3").exists()
    pragmas = run(
        env,
        "manage",
        "shell",
        "-c",
        "from django.db import connection as c; k = c.cursor(); "
        "print([k.execute(f'PRAGMA {p}').fetchone()[0] for p in "
        "('journal_mode', 'foreign_keys', 'busy_timeout')])",
    )
    assert pragmas.stdout.strip().splitlines()[-1] == "['wal', 1, 10000]", pragmas.stderr

    demo = run(env, "demo", "--cases", "40")
    assert demo.returncode == 0, demo.stderr
    assert "cases (" in demo.stdout and "password: appealdesk-demo" in demo.stdout
    assert "already loaded" in run(env, "demo").stdout

    port = free_port()
    server = subprocess.Popen(
        [*APPEALDESK, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        body = ""
        for _ in range(100):
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/admin/login/", timeout=2
                ) as response:
                    body = response.read().decode()
                    break
            except OSError:
                time.sleep(0.2)
        # the admin signs in through the desk (throttled, with the second factor)
        assert "Sign in to the staff desk" in body
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/static/admin/css/base.css", timeout=2
        ) as css:
            assert css.status == 200  # served by the app itself (whitenoise)
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/static/django_htmx/htmx-2.min.js", timeout=2
        ) as htmx:
            assert htmx.status == 200  # htmx from its PyPI package, not a CDN
    finally:
        server.terminate()  # only the process this test started
        server.wait(timeout=20)
