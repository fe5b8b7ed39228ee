"""A real appealdesk server for the API's contract and durability tests and the API benchmark.

`appealdesk init` and tests/api/seed.py prepare a fresh database (a SQLite file in a temporary
data folder, or a database of its own created on the PostgreSQL server of DATABASE_URL), then
`appealdesk serve` (gunicorn) listens on 127.0.0.1 in a process group of its own, so the master
and its workers are stopped - or killed - together, by the group id of the process started here.

No pytest-django live_server: its flush would DELETE from the append-only event table, which
the database refuses (as tests/e2e/conftest.py explains).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
SEED = Path(__file__).with_name("seed.py")
ADMIN_PASSWORD = "api-live-admin-password-1"


class LiveError(RuntimeError):
    """The server or its database could not be prepared."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def engine_to_test() -> str | None:
    """Which database the live tests use in this pass of the test command: the SQLite pass
    ('sqlite', or no APPEALDESK_TEST_DB) or the PostgreSQL pass ('postgres')."""
    return os.environ.get("APPEALDESK_TEST_DB") or "sqlite"


@dataclass
class Database:
    engine: str  # "sqlite" or "postgres"
    data_dir: Path
    url: str | None = None  # PostgreSQL only
    env: dict[str, str] = field(default_factory=dict)

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read the server's database beside it (SQLite read-only: WAL lets it read)."""
        if self.engine == "sqlite":
            uri = f"file:{self.data_dir / 'appealdesk.sqlite3'}?mode=ro"
            with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=30)) as db:
                return db.execute(sql.replace("%s", "?"), params).fetchall()
        import psycopg

        with psycopg.connect(self._psycopg_url()) as conn:
            return list(conn.execute(sql, params).fetchall())  # type: ignore[arg-type]

    def _psycopg_url(self) -> str:
        assert self.url is not None
        return self.url.replace("postgres://", "postgresql://", 1)

    def integrity(self) -> list[str]:
        """What is wrong with the database file (SQLite): empty when it is sound."""
        if self.engine != "sqlite":
            return []
        path = self.data_dir / "appealdesk.sqlite3"
        with contextlib.closing(sqlite3.connect(path, timeout=30)) as db:
            ok = db.execute("PRAGMA integrity_check").fetchall()
            fk = db.execute("PRAGMA foreign_key_check").fetchall()
        problems = [] if ok == [("ok",)] else [f"integrity_check: {ok}"]
        return problems + [f"foreign_key_check: {row}" for row in fk]


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@contextlib.contextmanager
def database(engine: str, data_dir: Path) -> Iterator[Database]:
    """A fresh, empty database for one server: SQLite in `data_dir`, or a new PostgreSQL
    database on the server of DATABASE_URL (its role has CREATEDB), dropped afterwards."""
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        APPEALDESK_DATA_DIR=str(data_dir),
        APPEALDESK_ADMIN_PASSWORD=ADMIN_PASSWORD,
        APPEALDESK_DEBUG="0",
        APPEALDESK_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="appealdesk.settings",
        PYTHONDONTWRITEBYTECODE="1",
    )
    if engine == "sqlite":
        yield Database("sqlite", data_dir, env=env)
        return
    base = os.environ.get("DATABASE_URL")
    if not base:
        raise LiveError("the PostgreSQL variant needs DATABASE_URL")
    import psycopg

    name = f"appealdesk_live_{secrets.token_hex(4)}"
    admin_url = base.replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    url = _with_database(base, name)
    env["DATABASE_URL"] = url
    try:
        yield Database("postgres", data_dir, url=url, env=env)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def run(db: Database, args: list[str], what: str, timeout: float = 300) -> str:
    done = subprocess.run(
        args, cwd=ROOT, env=db.env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise LiveError(f"{what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def prepare(db: Database, *, cases: int = 5, init: bool = True) -> dict[str, Any]:
    """`appealdesk init` (or only its migrations: `init=False` spares collecting the static
    files, which the API does not serve), then the seed: staff, teams, cases and an API key
    with every scope. The key is written to a file of the data folder (readable by its owner
    only), not printed."""
    if init:
        run(db, [sys.executable, "-m", "appealdesk.cli", "init"], "appealdesk init")
    else:
        run(db, [sys.executable, "-m", "appealdesk.cli", "manage", "migrate", "-v0"], "migrate")
    key_file = db.data_dir / "api-key"
    seeded: dict[str, Any] = json.loads(
        run(
            db,
            [sys.executable, str(SEED), "--cases", str(cases), "--key-file", str(key_file)],
            "seed",
        )
    )
    seeded["key"] = key_file.read_text().strip()
    return seeded


class Server:
    """`appealdesk serve` (gunicorn, `workers` workers) on 127.0.0.1:`port`."""

    def __init__(self, db: Database, *, workers: int = 2, port: int | None = None) -> None:
        self.db, self.workers, self.port = db, workers, port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = db.data_dir / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> Server:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "appealdesk.cli",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--workers",
                    str(self.workers),
                ],
                cwd=ROOT,
                env=self.db.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the master and its workers
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise LiveError(f"the server exited ({self.process.returncode}):\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.base}/api/v1/openapi.json", timeout=15) as r:
                    if r.status == 200:
                        return self
            except (OSError, urllib.error.URLError):
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise LiveError(f"the server did not answer in {timeout:.0f} s:\n{self.tail()}")
            time.sleep(0.1)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the process group this server was started in (master and workers)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        if sig == signal.SIGKILL:
            # the workers may outlive the master by a moment: wait until the group is gone
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    os.killpg(self.process.pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
        self.process = None

    def stop(self) -> None:
        self.kill(signal.SIGTERM)

    def tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def __enter__(self) -> Server:
        return self.start() if self.process is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()
