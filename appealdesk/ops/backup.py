"""`appealdesk backup DIR`, `appealdesk backup verify DIR`, `appealdesk restore DIR`.

A backup is a folder:

    manifest.json           what is in it: the database file and every stored file, each with
                            its size and SHA-256
    database.sqlite3        the embedded database (SQLite's online backup API: a consistent
                            copy while the product runs), or
    database.dump           PostgreSQL's `pg_dump -Fc` (a consistent snapshot while it runs)
    files/<name>            every file of the document storage (local folder or bucket)
    outbox/<name>           the outbox's messages (mail not sent: no mail server)

The database is copied first, then the files: a file is stored before the row that names it
commits and is never changed or deleted afterwards, so every file the copied database names is
there when the files are copied (files stored later are copied too, and are harmless).

A restore goes into an empty database and an empty storage (`--force` replaces what is there),
checks the backup's hashes before it writes anything, and checks every restored file against
the hash the database recorded for it (`integrity.verify_files`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import connection, connections

from appealdesk.ops.integrity import CHUNK, FileCheck, verify_files

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
OUTBOX_PREFIX = "outbox/"  # the outbox's messages in a bucket (correspondence.outbox)


class BackupError(Exception):
    """What is wrong, said so that a person can act on it."""


def _engine() -> str:
    """The database's kind by its vendor, not its engine's name (the embedded default's engine
    is `appealdesk.sqlite`, SQLite with one writer lock)."""
    vendor = connections["default"].vendor
    if vendor in ("sqlite", "postgresql"):
        return vendor
    raise BackupError(f"backups know SQLite and PostgreSQL, not {vendor}")


def _remote() -> bool:
    return bool(getattr(settings, "S3_BUCKET", ""))


# -- the database -----------------------------------------------------------------------------
def _pg_tool(name: str) -> str:
    """pg_dump or pg_restore: the newest server's own (Debian puts them beside the server)."""
    installed = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: p.parts)
    found = [str(p) for p in installed] or [shutil.which(name) or ""]
    if not found[-1]:
        raise BackupError(
            f"{name} not found: install PostgreSQL's client (apt-get install postgresql-client)"
        )
    return found[-1]


def _pg_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = {**os.environ, "PGDATABASE": db["NAME"]}
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[variable] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, env=_pg_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{what} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


def _dump_database(folder: Path) -> Path:
    if _engine() == "sqlite":
        target = folder / SQLITE_FILE
        connection.ensure_connection()  # Django's own: its settings, its view of the data
        copy = sqlite3.connect(str(target))
        try:
            with copy:
                connection.connection.backup(copy)  # page by page, consistent beside writers
        finally:
            copy.close()
        return target
    target = folder / PG_FILE
    _run([_pg_tool("pg_dump"), "-Fc", "--no-owner", "--no-acl", "-f", str(target)], "pg_dump")
    return target


def _database_is_empty() -> bool:
    return not connection.introspection.table_names()


def _load_database(source: Path, *, force: bool) -> None:
    if _engine() == "sqlite":
        connection.ensure_connection()
        backup = sqlite3.connect(str(source))
        try:
            backup.backup(connection.connection)  # replaces every page of the target
        finally:
            backup.close()
        return
    command = [_pg_tool("pg_restore"), "--no-owner", "--no-acl", "--exit-on-error"]
    if force:
        command += ["--clean", "--if-exists"]
    connection.close()
    _run([*command, "-d", settings.DATABASES["default"]["NAME"], str(source)], "pg_restore")


# -- the files --------------------------------------------------------------------------------
def _walk(storage: Storage, folder: str = "") -> Iterator[str]:
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # the local folder before the first file
        return
    for name in sorted(files):
        yield f"{folder}{name}"
    for sub in sorted(folders):
        yield from _walk(storage, f"{folder}{sub}/")


def _stored(area: str) -> tuple[Storage, str]:
    """The storage of an area of the backup and the prefix of its names there."""
    from django.core.files.storage import FileSystemStorage

    from appealdesk.correspondence.outbox import outbox_dir

    if area == "outbox" and not _remote():
        return FileSystemStorage(location=outbox_dir()), ""
    return default_storage, OUTBOX_PREFIX if area == "outbox" else ""


def _present() -> Iterator[tuple[str, str]]:
    """(area, name) of every file in the storage and the outbox now."""
    for name in _walk(default_storage):
        if _remote() and name.startswith(OUTBOX_PREFIX):
            yield "outbox", name.removeprefix(OUTBOX_PREFIX)
        else:
            yield "files", name
    if not _remote():
        storage, _ = _stored("outbox")
        for name in _walk(storage):
            yield "outbox", name


def _safe(name: str) -> str:
    """A name from a manifest, refused when it would leave its folder (a tampered backup)."""
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or "\\" in name:
        raise BackupError(f"manifest: {name!r} is not a stored file's name")
    return name


def _copy_out(handle: Any, target: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return size, digest.hexdigest()


def _hash_file(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


# -- the commands -----------------------------------------------------------------------------
@dataclass
class Summary:
    database: str
    files: int = 0
    bytes: int = 0
    problems: list[str] = field(default_factory=list)


def backup(folder: Path, say: Callable[[str], None] = print) -> Summary:
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: give a new folder for each backup")
    folder.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC)
    database = _dump_database(folder)
    say(f"database: {database.name} ({database.stat().st_size:,} bytes)")
    entries: list[dict[str, Any]] = []
    for area, name in _present():
        storage, prefix = _stored(area)
        with storage.open(prefix + name, "rb") as handle:
            size, digest = _copy_out(handle, folder / area / name)
        entries.append({"area": area, "name": name, "size": size, "sha256": digest})
    manifest = {
        "format": FORMAT,
        "started_at": started.isoformat(),
        "finished_at": dt.datetime.now(dt.UTC).isoformat(),
        "database": {
            "engine": _engine(),
            "file": database.name,
            "size": database.stat().st_size,
            "sha256": _hash_file(database),
        },
        "files": entries,
    }
    written = folder / f".{MANIFEST}.part"
    written.write_text(json.dumps(manifest, indent=1))
    written.replace(folder / MANIFEST)  # the manifest last: a backup without one is unfinished
    summary = Summary(database.name, len(entries), sum(e["size"] for e in entries))
    say(f"files: {summary.files:,} ({summary.bytes:,} bytes); manifest: {folder / MANIFEST}")
    return summary


def _manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"{path} is missing: not a backup, or an unfinished one")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: format {manifest.get('format')!r}; this version reads {FORMAT}")
    return manifest


def backup_verify(folder: Path) -> Summary:
    """Every file of the backup against its manifest: missing, changed, or not listed."""
    manifest = _manifest(folder)
    database = manifest["database"]
    summary = Summary(database["file"])
    path = folder / _safe(database["file"])
    if not path.is_file():
        summary.problems.append(f"{database['file']}: missing")
    elif _hash_file(path) != database["sha256"]:
        summary.problems.append(f"{database['file']}: SHA-256 differs from the manifest")
    listed = set()
    for entry in manifest["files"]:
        relative = f"{entry['area']}/{_safe(entry['name'])}"
        listed.add(relative)
        path = folder / relative
        summary.files += 1
        summary.bytes += entry["size"]
        if not path.is_file():
            summary.problems.append(f"{relative}: missing")
        elif _hash_file(path) != entry["sha256"]:
            summary.problems.append(f"{relative}: SHA-256 differs from the manifest")
    for area in ("files", "outbox"):
        for path in sorted((folder / area).rglob("*")) if (folder / area).is_dir() else []:
            relative = path.relative_to(folder).as_posix()
            if path.is_file() and relative not in listed:
                summary.problems.append(f"{relative}: not in the manifest")
    return summary


def restore(folder: Path, *, force: bool = False, say: Callable[[str], None] = print) -> FileCheck:
    manifest = _manifest(folder)
    checked = backup_verify(folder)
    if checked.problems:
        raise BackupError("the backup is damaged:\n" + "\n".join(checked.problems))
    engine = manifest["database"]["engine"]
    if engine != _engine():
        raise BackupError(
            f"the backup holds a {engine} database and this installation uses {_engine()}: "
            "restore into the same kind of database"
        )
    if not force:
        if not _database_is_empty():
            raise BackupError(
                "the database is not empty: restore into a new, empty database "
                "(or give --force to replace it)"
            )
        present = next(_present(), None)
        if present is not None:
            raise BackupError(
                f"the file storage is not empty ({present[0]}: {present[1]}): restore into an "
                "empty folder or bucket (or give --force to replace what is there)"
            )
    _load_database(folder / manifest["database"]["file"], force=force)
    say(f"database restored from {manifest['database']['file']}")
    for entry in manifest["files"]:
        storage, prefix = _stored(entry["area"])
        name = prefix + entry["name"]
        if storage.exists(name):  # --force: what the backup holds replaces it
            storage.delete(name)
        with (folder / entry["area"] / entry["name"]).open("rb") as handle:
            saved = storage.save(name, File(handle))
        if saved != name:
            raise BackupError(f"{name} was stored as {saved}: the storage renamed it")
    say(f"files restored: {len(manifest['files']):,}")
    return verify_files()
