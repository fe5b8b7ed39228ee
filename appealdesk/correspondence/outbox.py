"""The outbox: where e-mail goes when no mail server is configured (the embedded default).

On a laptop or a demo there is no SMTP server, and every letter e-mailed, every portal
confirmation and every password reset used to fail with a traceback. Without
`APPEALDESK_SMTP_HOST` (or `APPEALDESK_SMTP_PORT`), `settings.EMAIL_BACKEND` is this backend:
each message is written whole (RFC 5322, attachments included) to `DATA_DIR/outbox/` as one
`.eml` file, atomically, and the desk lists them at `/desk/outbox/` for supervisors and
administrators. Nothing is lost and nothing pretends to be delivered: the page says these
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
from django.core.mail.backends.base import BaseEmailBackend

NAME = re.compile(r"^\d{8}T\d{6}\d{6}Z-[0-9a-f]{32}\.eml$")


def outbox_dir() -> Path:
    return Path(getattr(settings, "OUTBOX_DIR", settings.DATA_DIR / "outbox"))


class OutboxBackend(BaseEmailBackend):
    """Django e-mail backend: one `.eml` file per message, written atomically."""

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        folder = outbox_dir()
        folder.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
            target = folder / f"{stamp}-{uuid.uuid4().hex}.eml"
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


def _path(name: str) -> Path | None:
    """The file of an outbox message by its name; None for a name no outbox file has."""
    if not NAME.match(name):
        return None
    path = outbox_dir() / name
    return path if path.is_file() else None


def _parse(path: Path) -> ParsedMessage:
    with path.open("rb") as f:
        return email.message_from_binary_file(f, policy=email.policy.default)  # type: ignore[return-value]


def _entry(path: Path, message: ParsedMessage) -> Entry:
    stamp = path.name.split("-", 1)[0]
    at = dt.datetime.strptime(stamp, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=dt.UTC)
    return Entry(
        path.name,
        at,
        str(message.get("To", "")),
        str(message.get("Subject", "")),
        path.stat().st_size,
    )


def entries(limit: int = 200) -> tuple[list[Entry], int]:
    """The newest `limit` messages (newest first) and how many there are in all."""
    folder = outbox_dir()
    names = (
        sorted((p for p in folder.glob("*.eml") if NAME.match(p.name)), reverse=True)
        if folder.is_dir()
        else []
    )
    return [_entry(p, _parse(p)) for p in names[:limit]], len(names)


def read(name: str) -> Letter | None:
    """One message by its file name; None for a name that is not an outbox file's."""
    path = _path(name)
    if path is None:
        return None
    message = _parse(path)
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
        entry=_entry(path, message),
        sender=str(message.get("From", "")),
        text=body.get_content() if body is not None else "",
        attachments=attachments,
    )


def attachment(name: str, index: int) -> tuple[str, str, bytes] | None:
    """The `index`-th attachment of a message: (file name, content type, bytes)."""
    path = _path(name)
    if path is None:
        return None
    parts = list(_parse(path).iter_attachments())
    if not 0 <= index < len(parts):
        return None
    part = parts[index]
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    return part.get_filename() or "attachment", part.get_content_type(), data
