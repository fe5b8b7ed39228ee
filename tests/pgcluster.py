"""Throwaway PostgreSQL clusters for the tests that need more than the test run's server: a
primary and its streaming replica (initdb, `pg_basebackup -R`), each on 127.0.0.1 and a free
port, run as the `postgres` user like `pg_start` in ./dev. Stopped and removed by the caller."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.mailbox import free_port


def pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: p.parts)
    return found[-1].parent if found else None


def need_postgres_binaries() -> Path:
    """The server's binaries; a skip without them, a failure under CI=true."""
    found = pg_bin()
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail(
                "CI=true: PostgreSQL's server binaries are missing (apt-get install postgresql)"
            )
        pytest.skip("PostgreSQL's server binaries are missing (apt-get install postgresql)")
    return found


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _run(command: list[str]) -> None:
    done = subprocess.run(_as_postgres(command), cwd="/tmp", capture_output=True, text=True)
    assert done.returncode == 0, f"{command[0]}: {done.stdout[-1500:]}{done.stderr[-1500:]}"


@dataclass
class Cluster:
    bin: Path
    folder: Path
    port: int

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, user: str = "app", password: str = "app", db: str = "app") -> str:
        return f"postgres://{user}:{password}@127.0.0.1:{self.port}/{db}"

    def superuser_url(self, db: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        log = self.folder / "server.log"
        _run(
            [
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(log),
                "-w",
                "-t",
                "60",
                "-o",
                options,
                "start",
            ]
        )

    def stop(self) -> None:
        subprocess.run(
            _as_postgres(
                [str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"]
            ),
            cwd="/tmp",
            capture_output=True,
        )

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def _folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="appealdesk-pg-"))
    folder.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    return folder


def primary(binaries: Path) -> Cluster:
    """A new cluster with the role and database `app` (password `app`)."""
    import psycopg

    cluster = Cluster(binaries, _folder(), free_port())
    _run(
        [
            str(binaries / "initdb"),
            "-D",
            str(cluster.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
        ]
    )
    cluster.start()
    with psycopg.connect(cluster.superuser_url(), autocommit=True) as conn:
        conn.execute("CREATE ROLE app LOGIN PASSWORD 'app' CREATEDB")
        conn.execute("CREATE DATABASE app OWNER app")
    return cluster


def replica_of(source: Cluster) -> Cluster:
    """A streaming replica of `source` (pg_basebackup -R writes standby.signal and the
    connection to the primary), started and following."""
    cluster = Cluster(source.bin, _folder(), free_port())
    _run(
        [
            str(source.bin / "pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(source.port),
            "-U",
            "postgres",
            "-D",
            str(cluster.data),
            "-R",
            "-X",
            "stream",
            "--no-sync",
        ]
    )
    cluster.start()
    return cluster
