"""The access log's months archived, verified and pruned (issue 24 item 3; docs/audit.md).

A month (UTC) is written to `access-log/YYYY-MM.jsonl.gz` in the document storage (the local
folder under the data directory, or whatever storage is configured), one JSON object a row in
id order, streamed: the rows come through a server-side cursor on PostgreSQL (an iterator of
chunks on SQLite) into a gzip file on disk, so memory stays flat for any month. Beside it a
manifest names the month, its rows, the SHA-256 of the file and of its lines, and the SHA-256 of
the previous archived month's manifest: a chain, so a file edited, replaced or removed shows.

A month is pruned from the database only when it is archived, its archive reads back whole (the
file's hash, its lines' count and hash) and equal to the database's month (the same count and
lines hash), and it is older than the retention (`AUDIT_RETENTION_YEARS`, six by default: HIPAA
keeps such records six years, 45 CFR 164.316(b)(2)). The case event log is never pruned."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Q

from appealdesk.access import partitions
from appealdesk.access.models import AccessArchive, AccessLog
from appealdesk.access.partitions import month_after, month_range, month_start

FORMAT = "appealdesk access log archive 1"
FOLDER = "access-log"
CHUNK = 5000  # rows fetched at a time
BLOCK = 1 << 20  # bytes read at a time


class ArchiveError(Exception):
    """What cannot be done, and what to do instead (one line)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def month_parse(text: str) -> dt.date:
    """`YYYY-MM` as the month's first day."""
    found = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not found or not 1 <= int(found[2]) <= 12:
        raise ArchiveError(f"--month: {text!r} is not a month written YYYY-MM (e.g. 2026-11)")
    return dt.date(int(found[1]), int(found[2]), 1)


# Each row as one JSON object, built by the database: Python only hashes and compresses (a
# million rows a few seconds, not a minute of converters and encoders). Keys in order; `at` in
# UTC (PostgreSQL's ISO 8601 with its offset, SQLite's stored text, UTC without one).
LINE_SQL = {
    "postgresql": (
        "SELECT json_build_object('allowed', allowed, 'at', at, 'case_id', case_id, "
        "'case_ids', case_ids, 'case_number', case_number, 'id', id, 'ip', host(ip), "
        "'member_ids', member_ids, 'path', path, 'user_id', user_id, 'username', username, "
        "'what', what)::text FROM {table} WHERE at >= %s AND at < %s ORDER BY id"
    ),
    "sqlite": (
        "SELECT json_object('allowed', json(CASE WHEN allowed THEN 'true' ELSE 'false' END), "
        "'at', at, 'case_id', case_id, 'case_ids', json(case_ids), 'case_number', case_number, "
        "'id', id, 'ip', ip, 'member_ids', json(member_ids), 'path', path, 'user_id', user_id, "
        "'username', username, 'what', what) FROM {table} WHERE at >= %s AND at < %s ORDER BY id"
    ),
}


def live_blocks(month: dt.date) -> Iterator[bytes]:
    """The month's rows in the database as archive lines, in id order, a chunk at a time:
    through a server-side cursor on PostgreSQL, so memory holds one chunk whatever the month."""
    start, end = month_range(month)
    sql = LINE_SQL[connection.vendor].format(table=AccessLog._meta.db_table)
    bounds = [connection.ops.adapt_datetimefield_value(t) for t in (start, end)]
    with connection.chunked_cursor() as c:
        c.execute(sql, bounds)
        while rows := c.fetchmany(CHUNK):
            yield "".join(f"{row[0]}\n" for row in rows).encode()


def row_at(text: str) -> dt.datetime:
    """A row's `at` as archived, as an aware instant."""
    at = dt.datetime.fromisoformat(text)
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


@dataclass
class Digest:
    rows: int = 0
    sha256: str = ""


def _digest(blocks: Iterator[bytes], out: IO[bytes] | gzip.GzipFile | None = None) -> Digest:
    """The lines' count and SHA-256 (a JSON line holds no raw newline: JSON escapes them)."""
    hashed, rows = hashlib.sha256(), 0
    for block in blocks:
        hashed.update(block)
        rows += block.count(b"\n")
        if out is not None:
            out.write(block)
    return Digest(rows, hashed.hexdigest())


def _file_sha256(stream: File | io.BufferedIOBase) -> str:
    return hashlib.file_digest(stream, "sha256").hexdigest()


def _names(month: dt.date) -> tuple[str, str]:
    return f"{FOLDER}/{month:%Y-%m}.jsonl.gz", f"{FOLDER}/{month:%Y-%m}.manifest.json"


def archive_month(month: dt.date, *, now: dt.datetime | None = None) -> AccessArchive:
    """Write a finished month to the storage with its chained manifest; the archive's record.
    Months are archived in order, so the chain has no hole a month could later fill."""
    now = now or dt.datetime.now(dt.UTC)
    start, end = month_range(month)
    if end > now:
        raise ArchiveError(f"--month: {month:%Y-%m} is not over yet; archive a finished month")
    if AccessArchive.objects.filter(month=month).exists():
        raise ArchiveError(f"--month: {month:%Y-%m} is archived already (check it: audit verify)")
    later = AccessArchive.objects.filter(month__gt=month).first()
    if later is not None:
        raise ArchiveError(
            f"--month: {later.month:%Y-%m} is archived already; months are archived in order"
        )
    earlier = _unarchived_before(start)
    if earlier is not None:
        raise ArchiveError(
            f"--month: {earlier:%Y-%m} has rows and no archive; archive it first (in order)"
        )
    previous = AccessArchive.objects.filter(month__lt=month).order_by("-month").first()
    data_name, manifest_name = _names(month)
    with tempfile.TemporaryFile() as spool:
        # mtime 0 and no name: the same rows always make the same bytes
        # level 6: within a few percent of 9's size on JSON lines, at a fraction of its time
        with gzip.GzipFile(
            fileobj=spool, mode="wb", compresslevel=6, mtime=0, filename=""
        ) as packed:
            digest = _digest(live_blocks(month), packed)
        spool.seek(0)
        file_sha256 = _file_sha256(spool)
        spool.seek(0)
        data_name = default_storage.save(data_name, File(spool, name=data_name))
    manifest = {
        "format": FORMAT,
        "month": f"{month:%Y-%m}",
        "rows": digest.rows,
        "file": data_name,
        "file_sha256": file_sha256,
        "lines_sha256": digest.sha256,
        "previous_manifest_sha256": previous.manifest_sha256 if previous else "",
        "archived_at": now.isoformat(),
    }
    body = json.dumps(manifest, sort_keys=True, indent=1).encode() + b"\n"
    manifest_name = default_storage.save(manifest_name, ContentFile(body, name=manifest_name))
    return AccessArchive.objects.create(
        month=month,
        rows=digest.rows,
        file_name=data_name,
        manifest_name=manifest_name,
        file_sha256=file_sha256,
        lines_sha256=digest.sha256,
        previous_sha256=manifest["previous_manifest_sha256"],
        manifest_sha256=hashlib.sha256(body).hexdigest(),
        archived_at=now,
    )


def _unarchived_before(start: dt.datetime) -> dt.date | None:
    """The oldest month before `start` with rows in the database and no archive."""
    rows = AccessLog.objects.filter(at__lt=start)
    for archived in AccessArchive.objects.values_list("month", flat=True):
        first, end = month_range(archived)
        rows = rows.exclude(Q(at__gte=first) & Q(at__lt=end))
    oldest = rows.order_by("at").values_list("at", flat=True).first()
    return month_start(oldest.astimezone(dt.UTC)) if oldest else None


def archived_lines(archive: AccessArchive) -> Iterator[bytes]:
    """An archive's lines, decompressed as they are read."""
    with default_storage.open(archive.file_name, "rb") as raw, gzip.GzipFile(fileobj=raw) as f:
        yield from f


def archived_blocks(archive: AccessArchive) -> Iterator[bytes]:
    """An archive's bytes, decompressed a block at a time."""
    with default_storage.open(archive.file_name, "rb") as raw, gzip.GzipFile(fileobj=raw) as f:
        while block := f.read(BLOCK):
            yield block


def archived_rows(archive: AccessArchive) -> Iterator[dict[str, Any]]:
    for line in archived_lines(archive):
        yield json.loads(line)


def archive_check(archive: AccessArchive, *, live: bool = True) -> list[str]:
    """What is wrong with one archive (nothing: an empty list): its manifest as recorded, its
    file's hash, its lines' count and hash — and, while the month is still in the database
    (`live`), that the database's month is the same rows."""
    name = f"{archive.month:%Y-%m}"
    try:
        with default_storage.open(archive.manifest_name, "rb") as f:
            body = f.read()
        with default_storage.open(archive.file_name, "rb") as f:
            file_sha256 = _file_sha256(f)
        read = _digest(archived_blocks(archive))
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        return [f"{name}: the archive cannot be read ({exc}); restore it from a backup"]
    problems = []
    if hashlib.sha256(body).hexdigest() != archive.manifest_sha256:
        problems.append(f"{name}: the manifest {archive.manifest_name} has been changed")
    if _manifest_says(body) != (
        archive.rows,
        archive.file_sha256,
        archive.lines_sha256,
        archive.previous_sha256,
    ):
        # the record edited to match a replaced file: the manifest (chained) still says otherwise
        problems.append(f"{name}: the database's record of the archive differs from its manifest")
    if file_sha256 != archive.file_sha256:
        problems.append(f"{name}: the file {archive.file_name} is not the file archived")
    if (read.rows, read.sha256) != (archive.rows, archive.lines_sha256):
        problems.append(
            f"{name}: the archive holds {read.rows} rows, not the {archive.rows} archived "
            "(or their content differs)"
        )
    if live and archive.pruned_at is None:
        here = _digest(live_blocks(archive.month))
        if (here.rows, here.sha256) != (archive.rows, archive.lines_sha256):
            problems.append(
                f"{name}: the database holds {here.rows} rows of the month, the archive "
                f"{archive.rows} (or their content differs); archive the month again after "
                "finding why"
            )
    return problems


def _manifest_says(body: bytes) -> tuple[Any, ...]:
    try:
        m = json.loads(body)
        return (m["rows"], m["file_sha256"], m["lines_sha256"], m["previous_manifest_sha256"])
    except (ValueError, KeyError, TypeError):
        return ()


def _unrecorded(archives: list[AccessArchive]) -> list[str]:
    """Manifests in the storage that no archive record names: a month whose record was removed
    (its rows may be gone from the database with nothing saying they were archived)."""
    try:
        names = default_storage.listdir(FOLDER)[1]
    except (FileNotFoundError, NotImplementedError):
        return []
    recorded = {a.manifest_name for a in archives}
    return [
        f"{FOLDER}/{n}: a manifest no archive record names (a record removed?)"
        for n in sorted(names)
        if n.endswith(".manifest.json") and f"{FOLDER}/{n}" not in recorded
    ]


def chain_verify() -> tuple[int, list[str]]:
    """Every archive checked, in month order, and each manifest's link to the previous one;
    the live table's safety net on PostgreSQL (rows waiting in the DEFAULT partition, months
    ahead without a partition). The archives checked and the problems found."""
    problems: list[str] = []
    previous = ""
    archives = list(AccessArchive.objects.order_by("month"))
    for archive in archives:
        if archive.previous_sha256 != previous:
            problems.append(
                f"{archive.month:%Y-%m}: the chain is broken (its manifest names a previous "
                "month's manifest that is not the one archived before it)"
            )
        problems += archive_check(archive)
        previous = archive.manifest_sha256
    problems += _unrecorded(archives)
    if partitions.is_partitioned():
        waiting = partitions.default_rows()
        if waiting:
            problems.append(
                f"{waiting} access-log rows are in the DEFAULT partition (months without a "
                "partition): run the worker, or `appealdesk audit partitions`"
            )
        have = partitions.partitions()
        first = month_start(dt.datetime.now(dt.UTC))
        for n in range(partitions.AHEAD + 1):
            if month_after(first, n) not in have:
                problems.append(
                    f"no partition for {month_after(first, n):%Y-%m} yet: run the worker, or "
                    "`appealdesk audit partitions`"
                )
    return len(archives), problems


def retention_cutoff(today: dt.date) -> dt.date:
    """Months ending on or before this date are past the retention."""
    years = settings.AUDIT_RETENTION_YEARS
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


@dataclass
class Pruned:
    month: dt.date
    rows: int
    done: bool
    why: str
    failed: bool = False  # kept because its archive did not verify


def prune(before: dt.date, *, now: dt.datetime | None = None) -> list[Pruned]:
    """Remove from the database the months ending on or before `before` and past the
    retention — only those archived and verified against the database; what was done (or not,
    and why) a month. On PostgreSQL a month's partition is detached and dropped; on SQLite the
    rows go in batches."""
    now = now or dt.datetime.now(dt.UTC)
    cutoff = min(before, retention_cutoff(now.date()))
    outcome = []
    archived = {a.month: a for a in AccessArchive.objects.filter(pruned_at=None)}
    oldest = _unarchived_before(dt.datetime.combine(cutoff, dt.time(), tzinfo=dt.UTC))
    if oldest is not None and month_after(oldest) <= cutoff:
        outcome.append(Pruned(oldest, 0, False, "not archived: kept (audit archive first)"))
    for month, archive in sorted(archived.items()):
        if month_after(month) > cutoff:
            continue
        problems = archive_check(archive)
        if problems:
            outcome.append(Pruned(month, archive.rows, False, "; ".join(problems), True))
            continue
        _month_delete(month)
        archive.verified_at = archive.pruned_at = now
        archive.save(update_fields=["verified_at", "pruned_at"])
        outcome.append(Pruned(month, archive.rows, True, "archived, verified, removed"))
    return outcome


def _month_delete(month: dt.date) -> None:
    partitions.partition_drop(month)
    start, end = month_range(month)
    rows = AccessLog.objects.filter(at__gte=start, at__lt=end)
    while ids := list(rows.values_list("id", flat=True)[:CHUNK]):
        AccessLog.objects.filter(id__in=ids).delete()
