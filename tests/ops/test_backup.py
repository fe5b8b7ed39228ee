"""Backup and restore (issue 19, item 6): the database (SQLite's online backup or pg_dump) and
every stored file with a SHA-256 manifest; a restore into an empty database and storage only;
the check of every stored file against its recorded hash."""

from __future__ import annotations

import json
import os
import subprocess
import uuid

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from appealdesk.cases.documents import document_store
from appealdesk.mailroom.services import item_store
from appealdesk.ops import backup as ops_backup
from appealdesk.ops.integrity import verify_files
from tests.correspondence.test_sending import recent_appeal
from tests.objectstore import bucket_env
from tests.ops.installation import environment, python

PDF = b"%PDF-1.4\n% an EOB\n%%EOF\n"


def rewrite(name: str, data: bytes) -> None:
    default_storage.delete(name)
    assert default_storage.save(name, SimpleUploadedFile(name, data)) == name


@pytest.mark.django_db
def test_every_stored_file_is_checked_against_its_recorded_hash(file_storage, cases):
    import datetime as dt

    from django.utils import timezone

    case = recent_appeal(cases)
    document = document_store(SimpleUploadedFile("eob.pdf", PDF), kind="eob", case=case, actor=None)
    stored = item_store(
        source="fax",
        raw=PDF + b"% a fax\n",
        received_at=timezone.now() - dt.timedelta(hours=1),
        received_basis="the fax's timestamp",
    )
    item = stored.item
    clean = verify_files()
    assert clean.clean and clean.checked >= 3  # the document, the item, its part
    rewrite(document.file.name, PDF + b"% changed\n")
    default_storage.delete(item.raw.name)
    problems = {p.what: p.why for p in verify_files().problems}
    assert problems[f"document {document.pk}"].startswith("SHA-256 differs: recorded")
    assert problems[f"mailroom item {item.pk} (raw)"] == "missing"


@pytest.mark.django_db
def test_a_backup_verify_finds_changed_missing_and_unlisted_files(
    tmp_path, cases, settings, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path / "files"

    # the database's copy is the demo test's below (SQLite's backup API waits for the test's
    # open transaction); here a stand-in file, hashed like the real one
    def dump(folder):
        (folder / "database.sqlite3").write_bytes(b"SQLite format 3\x00 stand-in")
        return folder / "database.sqlite3"

    monkeypatch.setattr(ops_backup, "_dump_database", dump)
    case = recent_appeal(cases)
    document_store(SimpleUploadedFile("eob.pdf", PDF), kind="eob", case=case, actor=None)
    document_store(SimpleUploadedFile("b.pdf", PDF + b"%b"), kind="eob", case=case, actor=None)
    folder = tmp_path / "backup"
    summary = ops_backup.backup(folder, say=lambda s: None)
    assert summary.files == 2 and not ops_backup.backup_verify(folder).problems
    manifest = json.loads((folder / "manifest.json").read_text())
    first, second = (folder / "files" / e["name"] for e in manifest["files"])
    first.write_bytes(b"%PDF-1.4 changed")
    second.unlink()
    (folder / "files" / "documents" / "stray.pdf").write_bytes(PDF)
    problems = ops_backup.backup_verify(folder).problems
    assert len(problems) == 3
    assert any("SHA-256 differs" in p for p in problems)
    assert any(p.endswith(": missing") for p in problems)
    assert any("stray.pdf: not in the manifest" in p for p in problems)
    with pytest.raises(ops_backup.BackupError, match="damaged"):
        ops_backup.restore(folder)
    with pytest.raises(ops_backup.BackupError, match="not empty"):
        ops_backup.backup(folder)


def test_a_manifest_naming_a_path_outside_its_folder_is_refused(tmp_path):
    (tmp_path / "manifest.json").write_text(
        json.dumps(
            {
                "format": 1,
                "database": {"engine": "sqlite", "file": "../../etc/passwd", "sha256": ""},
                "files": [],
            }
        )
    )
    with pytest.raises(ops_backup.BackupError, match="not a stored file's name"):
        ops_backup.backup_verify(tmp_path)


# -- the demo, backed up and restored into a new database and bucket (subprocesses) ------------
def _postgres_database(tmp_path) -> str:
    """A new, empty database on the PostgreSQL server of the test run."""
    url = os.environ.get("DATABASE_URL", "")
    if os.environ.get("APPEALDESK_TEST_DB") != "postgres" or not url:
        if os.environ.get("CI") == "true" and os.environ.get("APPEALDESK_TEST_DB") == "postgres":
            pytest.fail("CI=true: the PostgreSQL pass has no DATABASE_URL")
        pytest.skip("runs in the PostgreSQL pass of ./dev test")
    import psycopg

    name = f"restore_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name


def _cli(env: dict[str, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    return python(env, "-m", "appealdesk.cli", *args, ok=ok)


def _snapshot(env: dict[str, str]) -> dict[str, object]:
    return json.loads(python(env, "-m", "tests.ops.snapshot").stdout)


@pytest.mark.parametrize(
    "engine", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_the_demo_restores_into_a_new_database_and_bucket_identically(
    engine, tmp_path, moto_endpoint
):
    def installation(name: str) -> dict[str, str]:
        env = environment(
            APPEALDESK_DATA_DIR=str(tmp_path / name),
            APPEALDESK_SECRET_KEY="backup-test-secret-key-" + "x" * 30,
            **bucket_env(moto_endpoint),
        )
        env.pop("DATABASE_URL", None)
        if engine == "postgresql":
            env["DATABASE_URL"] = _postgres_database(tmp_path)
        return env

    first = installation("first")
    _cli(first, "manage", "migrate", "--verbosity", "0")
    _cli(first, "demo", "--cases", "8")
    before = _snapshot(first)
    assert before["documents"] and all(d[3] == d[4] for d in before["documents"])
    folder = tmp_path / "backup"
    _cli(first, "backup", str(folder))
    assert "all intact" in _cli(first, "backup", "verify", str(folder)).stdout

    second = installation("second")  # a new, empty database and a new, empty bucket
    restored = _cli(second, "restore", str(folder)).stdout
    assert "every file intact" in restored
    assert "every link intact" in _cli(second, "verify").stdout
    assert _snapshot(second) == before
    again = _cli(second, "restore", str(folder), ok=False)
    assert again.returncode == 1 and "not empty" in again.stderr
