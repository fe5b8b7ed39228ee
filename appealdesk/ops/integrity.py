"""Every stored file against the hash recorded when it was stored: documents (`Document.sha256`),
mailroom items and their parts (`sha256` of the bytes as received) and the searchable PDFs the
reader made (named by their own SHA-256). Streams in keyset batches and hashes in chunks, so
memory stays flat however many files there are.

`appealdesk verify` runs it beside the event chains (`verify_files`); `appealdesk restore`
runs it after a restore.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.core.files.storage import Storage, default_storage
from django.db.models import Model

from appealdesk.cases.models import Document
from appealdesk.mailroom.models import Item, Part

CHUNK = 1 << 20
# a derived file's name starts with its own digest: mailroom/2026/03/<sha256>.ocr.pdf
DIGEST_NAME = re.compile(r"^([0-9a-f]{64})\.")


def file_digest(storage: Storage, name: str) -> str:
    with storage.open(name, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@dataclass(frozen=True)
class Problem:
    what: str  # "document 12", "mailroom item 7 (raw)", …
    name: str  # the stored name
    why: str  # "missing", "SHA-256 differs: recorded …, stored …"

    def line(self) -> str:
        return f"{self.what}: {self.name}: {self.why}"


@dataclass
class FileCheck:
    checked: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.problems


def _rows(model: type[Model], fields: list[str], batch: int) -> Iterator[dict[str, object]]:
    last = 0
    while True:
        rows = list(
            model._default_manager.filter(pk__gt=last).order_by("pk").values("pk", *fields)[:batch]
        )
        yield from rows
        if len(rows) < batch:
            return
        last = int(rows[-1]["pk"])  # type: ignore[call-overload]


def stored_files(batch: int = 2000) -> Iterator[tuple[str, str, str]]:
    """(what, stored name, expected SHA-256) of every file the database refers to."""
    for row in _rows(Document, ["file", "sha256"], batch):
        yield f"document {row['pk']}", str(row["file"]), str(row["sha256"])
    for model, label in ((Item, "mailroom item"), (Part, "mailroom part")):
        original = "raw" if model is Item else "file"
        for row in _rows(model, [original, "sha256", "searchable_pdf"], batch):
            if row[original]:  # an item of a batch not read yet keeps its bytes in the database
                yield f"{label} {row['pk']} ({original})", str(row[original]), str(row["sha256"])
            derived = str(row["searchable_pdf"] or "")
            named = DIGEST_NAME.match(PurePosixPath(derived).name) if derived else None
            if named:
                yield f"{label} {row['pk']} (searchable PDF)", derived, named.group(1)


def verify_files(storage: Storage | None = None, batch: int = 2000) -> FileCheck:
    """Hash every stored file the database refers to and compare it with its recorded hash."""
    storage = storage or default_storage
    check = FileCheck()
    for what, name, expected in stored_files(batch):
        check.checked += 1
        try:
            actual = file_digest(storage, name)
        except FileNotFoundError:
            check.problems.append(Problem(what, name, "missing"))
            continue
        except Exception as exc:  # a storage error (S3's ClientError is no OSError): say which
            check.problems.append(Problem(what, name, f"cannot be read ({exc})"))
            continue
        if actual != expected:
            check.problems.append(
                Problem(what, name, f"SHA-256 differs: recorded {expected}, stored {actual}")
            )
    return check
