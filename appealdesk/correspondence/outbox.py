"""The outbox: where e-mail goes when no mail server is configured (the embedded default).

On a laptop or a demo there is no SMTP server, and every letter e-mailed, every portal
confirmation and every password reset used to fail with a traceback. Without
`APPEALDESK_SMTP_HOST` (or `APPEALDESK_SMTP_PORT`), `settings.EMAIL_BACKEND` is this backend:
each message is written whole (RFC 5322, attachments included) to `DATA_DIR/outbox/` as one
`.eml` file, atomically, and the desk lists them at `/desk/outbox/` for supervisors and
administrators. With object storage (`APPEALDESK_S3_BUCKET`) the files are objects under
`outbox/` in the bucket, so every web server lists what any worker wrote.
Nothing is lost and nothing pretends to be delivered: the page says these
messages were not sent.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import re
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage as ParsedMessage
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.core.mail.backends.base import BaseEmailBackend

NAME = re.compile(r"^\d{8}T\d{6}\d{6}Z-[0-9a-f]{32}\.eml$")


def outbox_dir() -> Path:
    return Path(getattr(settings, "OUTBOX_DIR", settings.DATA_DIR / "outbox"))


REMOTE_FOLDER = "outbox/"


def _remote() -> bool:
    """Object storage is configured: the outbox is in the bucket, not on this server's disk."""
    return bool(getattr(settings, "S3_BUCKET", ""))


def _storage() -> tuple[Storage, str]:
    """Where the outbox's files are read from: (storage, prefix of their names)."""
    if _remote():
        return default_storage, REMOTE_FOLDER
    return FileSystemStorage(location=outbox_dir()), ""


class OutboxBackend(BaseEmailBackend):
    """Django e-mail backend: one `.eml` file per message, written atomically."""

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        remote = _remote()
        folder = outbox_dir()
        if not remote:
            folder.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
            name = f"{stamp}-{uuid.uuid4().hex}.eml"
            if remote:  # one PUT: an object is whole or absent
                data = message.message().as_bytes(linesep="\n")
                default_storage.save(REMOTE_FOLDER + name, ContentFile(data))
                sent += 1
                continue
            target = folder / name
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(message.message().as_bytes(linesep="\n"))
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                if not self.fail_silently:
                    raise
                continue
            sent += 1
        return sent


@dataclass(frozen=True)
class Entry:
    name: str
    at: dt.datetime
    to: str
    subject: str
    size: int


@dataclass(frozen=True)
class Letter:
    entry: Entry
    sender: str
    text: str  # the plain-text part (an HTML-only message shows its source as text)
    attachments: list[tuple[str, str, int]]  # (file name, content type, bytes)


def _exists(name: str) -> bool:
    """`name` is an outbox message's file name and that file exists."""
    if not NAME.match(name):
        return False
    storage, prefix = _storage()
    return storage.exists(prefix + name)


def _parse(name: str) -> tuple[ParsedMessage, int]:
    storage, prefix = _storage()
    with storage.open(prefix + name, "rb") as f:
        data = f.read()
    return email.message_from_bytes(data, policy=email.policy.default), len(data)  # type: ignore[return-value]


def _entry(name: str, message: ParsedMessage, size: int) -> Entry:
    stamp = name.split("-", 1)[0]
    at = dt.datetime.strptime(stamp, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=dt.UTC)
    return Entry(name, at, str(message.get("To", "")), str(message.get("Subject", "")), size)


def entries(limit: int = 200) -> tuple[list[Entry], int]:
    """The newest `limit` messages (newest first) and how many there are in all."""
    storage, prefix = _storage()
    try:
        files = storage.listdir(prefix)[1]
    except FileNotFoundError:  # the local folder before the first message
        files = []
    names = sorted((n for n in files if NAME.match(n)), reverse=True)
    return [_entry(n, *_parse(n)) for n in names[:limit]], len(names)


def read(name: str) -> Letter | None:
    """One message by its file name; None for a name that is not an outbox file's."""
    if not _exists(name):
        return None
    message, size = _parse(name)
    body = message.get_body(preferencelist=("plain", "html"))
    attachments = [
        (
            part.get_filename() or "(no name)",
            part.get_content_type(),
            len(part.get_payload(decode=True) or b""),
        )
        for part in message.iter_attachments()
    ]
    return Letter(
        entry=_entry(name, message, size),
        sender=str(message.get("From", "")),
        text=body.get_content() if body is not None else "",
        attachments=attachments,
    )


def attachment(name: str, index: int) -> tuple[str, str, bytes] | None:
    """The `index`-th attachment of a message: (file name, content type, bytes)."""
    if not _exists(name):
        return None
    parts = list(_parse(name)[0].iter_attachments())
    if not 0 <= index < len(parts):
        return None
    part = parts[index]
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    return part.get_filename() or "attachment", part.get_content_type(), data
