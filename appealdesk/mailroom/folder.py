"""A scanner's folder: every file in it becomes an item, and is moved to the done folder only
after its item is committed. A run killed in between leaves the file where it was; the next run
finds its bytes already stored (seen again, not a second item) and moves it."""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone

from appealdesk.mailroom.services import item_store

log = logging.getLogger(__name__)


@dataclass
class FolderResult:
    stored: int = 0
    seen_again: int = 0
    moved: int = 0
    waiting: list[str] = field(default_factory=list)  # still being written (too recent)
    items: list[int] = field(default_factory=list)


def _target(done: Path, name: str) -> Path:
    """A free name in the done folder (scanners reuse names: scan0001.pdf every morning)."""
    target = done / name
    stem, suffix, n = target.stem, target.suffix, 1
    while target.exists():
        n += 1
        target = done / f"{stem} ({n}){suffix}"
    return target


def folder_import(
    directory: Path,
    *,
    done: Path | None = None,
    stamped_on: dt.date | None = None,
    tz: dt.tzinfo | None = None,
    program: str = "",
    settle_seconds: float = 5.0,
    now: dt.datetime | None = None,
) -> FolderResult:
    """Import the files of `directory` (not its subfolders, not hidden files) in name order.

    The receipt instant is the date-stamp `stamped_on` (midnight in `tz`) when given, else the
    file's modification time (when the scanner wrote it). Files changed within
    `settle_seconds` are left for the next run (the scanner may still be writing them). Done
    files go to `done` (default: `directory`/done)."""
    done = done or directory / "done"
    done.mkdir(parents=True, exist_ok=True)
    result = FolderResult()
    for path in sorted(
        p for p in directory.iterdir() if p.is_file() and not p.name.startswith(".")
    ):
        stat = path.stat()
        written = dt.datetime.fromtimestamp(stat.st_mtime, tz=dt.UTC)
        if time.time() - stat.st_mtime < settle_seconds:
            result.waiting.append(path.name)
            continue
        if stamped_on is not None:
            received_at = dt.datetime.combine(stamped_on, dt.time(0, 0), tzinfo=tz or dt.UTC)
            basis = f"date-stamp {stamped_on.isoformat()}"
        else:
            received_at = written
            basis = "scanned file's time"
        stored = item_store(
            source="folder",
            raw=path.read_bytes(),
            received_at=min(received_at, now or timezone.now()),
            received_basis=basis,
            source_id=f"{path.name}@{written.isoformat()}",
            name=path.name,
            program=program,
            now=now,
        )
        result.items.append(stored.item.pk)
        if stored.created:
            result.stored += 1
        else:
            result.seen_again += 1
        # committed: only now may the file leave the scanner's folder
        shutil.move(os.fspath(path), os.fspath(_target(done, path.name)))
        result.moved += 1
    return result
