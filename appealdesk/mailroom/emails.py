"""An e-mail message into what a clerk reads: its headers, its text (HTML converted to text,
never rendered: scripts and styles dropped), the quoted earlier message separated, each part
decoded by its own charset, and its attachments. No Django, no database."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from html.parser import HTMLParser
from typing import ClassVar


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str  # as declared; the reader sniffs the bytes
    payload: bytes


class Note(str):
    """Something about the message a clerk should know, in words, with its problem code
    (`charset`, `html_dropped`, `bad_date`, `too_many_attachments`: docs/mailroom.md)."""

    code: str

    def __new__(cls, code: str, message: str) -> Note:
        note = super().__new__(cls, message)
        note.code = code
        return note


@dataclass
class ParsedEmail:
    message_id: str
    subject: str
    sender: str
    sender_name: str
    to: list[str]
    date: dt.datetime | None
    text: str
    quoted: str
    attachments: list[Attachment] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)  # charset fallbacks, dropped scripts…


# -- HTML to text (never rendered) ------------------------------------------------------------
class _Text(HTMLParser):
    SKIP: ClassVar[frozenset[str]] = frozenset(
        {"script", "style", "head", "title", "noscript", "template", "iframe", "object"}
    )
    BREAK: ClassVar[frozenset[str]] = frozenset(
        {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.quoted: list[str] = []
        self.skipping = 0
        self.quote_depth = 0
        self.dropped: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
            self.dropped.add(tag)
        elif tag == "blockquote":
            self.quote_depth += 1
        if tag in self.BREAK:
            self._put("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        elif tag == "blockquote" and self.quote_depth:
            self.quote_depth -= 1
        if tag in self.BREAK:
            self._put("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self._put(data)

    def _put(self, text: str) -> None:
        (self.quoted if self.quote_depth else self.out).append(text)


def _tidy(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> tuple[str, str, set[str]]:
    """(text, quoted text in blockquotes, tags dropped with their content)."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return _tidy("".join(parser.out)), _tidy("".join(parser.quoted)), parser.dropped


# -- quoted replies ---------------------------------------------------------------------------
_REPLY_HEADER = re.compile(
    r"^(On .{3,200} wrote:|El .{3,200} escribió:|-{2,} ?Original Message ?-{2,}|"
    r"-{2,} ?Mensaje original ?-{2,}|From: .+)$",
    re.IGNORECASE,
)


def split_quoted(text: str) -> tuple[str, str]:
    """The new text of a reply and the earlier message it quotes ("> " lines, or everything
    after "On … wrote:" / "-----Original Message-----")."""
    new: list[str] = []
    quoted: list[str] = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if _REPLY_HEADER.match(line.strip()):
            quoted.extend(lines[index:])
            break
        (quoted if line.lstrip().startswith(">") else new).append(line)
    return _tidy("\n".join(new)), "\n".join(quoted).strip()


# -- the message ------------------------------------------------------------------------------
def _decode(part: Message, notes: list[Note]) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "us-ascii"
    try:
        return payload.decode(charset)
    except LookupError:
        notes.append(Note("charset", f"unknown charset {charset!r} in a text part: read as UTF-8"))
    except UnicodeDecodeError:
        notes.append(Note("charset", f"a text part is not valid {charset}: read as UTF-8"))
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        # windows-1252 decodes every byte: the text is readable, a few characters may be wrong
        notes.append(
            Note("charset", "a text part is neither its charset nor UTF-8: read as Windows-1252")
        )
        return payload.decode("cp1252", errors="replace")


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError, AttributeError):  # a header the parser cannot take apart
        value = message.get_all(name, [""])[0] if hasattr(message, "get_all") else ""
    return " ".join(str(value or "").split())


def parse_email(raw: bytes, *, max_attachments: int) -> ParsedEmail:
    """Parse a message (RFC 5322 bytes). Never raises on a malformed message: what cannot be
    read is said in `notes`."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    notes: list[Note] = []
    sender_name, sender = email.utils.parseaddr(_header(message, "From"))
    to = [
        address.lower()
        for _, address in email.utils.getaddresses(
            [_header(message, h) for h in ("To", "Cc", "Delivered-To", "X-Original-To")]
        )
        if address
    ]
    date = None
    written = _header(message, "Date")
    try:
        parsed = email.utils.parsedate_to_datetime(written)
        date = parsed if parsed.tzinfo else None
    except (TypeError, ValueError, IndexError):
        if written:  # none at all is only the sender's omission: the receipt instant is ours
            notes.append(Note("bad_date", f"the Date header ({written[:60]!r}) cannot be read"))
    plain: list[str] = []
    html: list[str] = []
    attachments: list[Attachment] = []
    over = 0
    for part in message.walk():
        if part.is_multipart():
            continue
        disposition = part.get_content_disposition()
        content_type = part.get_content_type()
        filename = part.get_filename()
        if disposition == "attachment" or filename or not content_type.startswith("text/"):
            payload = part.get_payload(decode=True)
            if not isinstance(payload, bytes) or not payload:
                continue
            if len(attachments) >= max_attachments:
                over += 1
                continue
            attachments.append(
                Attachment(filename or f"attachment-{len(attachments) + 1}", content_type, payload)
            )
        elif content_type == "text/html":
            html.append(_decode(part, notes))
        else:
            plain.append(_decode(part, notes))
    quoted_html = ""
    if plain:
        body = "\n\n".join(plain)
    elif html:
        body, quoted_html, dropped = html_to_text("\n".join(html))
        if dropped & {"script", "iframe", "object"}:
            notes.append(
                Note(
                    "html_dropped",
                    "the HTML body had scripts or embedded content: dropped, never run",
                )
            )
    else:
        body = ""
    text, quoted = split_quoted(body)
    if over:
        notes.insert(
            0,
            Note(
                "too_many_attachments",
                f"{len(attachments) + over} attachments, more than the {max_attachments} kept "
                f"as documents (MAILROOM_MAX_ATTACHMENTS): the first {max_attachments} are "
                "shown; the whole message is kept as received",
            ),
        )
    return ParsedEmail(
        message_id=_header(message, "Message-ID").strip("<>"),
        subject=_header(message, "Subject"),
        sender=sender.lower(),
        sender_name=sender_name,
        to=to,
        date=date,
        text=text,
        quoted="\n\n".join(q for q in (quoted, quoted_html) if q),
        attachments=attachments,
        notes=notes,
    )
