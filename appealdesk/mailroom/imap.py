"""E-mail from an IMAP mailbox (polled by the task worker with imapclient): each message is
stored as an item (its bytes, Message-ID, INTERNALDATE as the receipt instant) and only then
moved to the processed folder. A worker killed between the two leaves the message in the inbox;
the next poll finds it already stored (same Message-ID and bytes: seen again, not a second
item) and moves it. Password or OAuth2 (XOAUTH2, Microsoft 365 and Google) sign-in."""

from __future__ import annotations

import datetime as dt
import email.errors
import email.header
import email.utils
import json
import logging
import os
import ssl
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from typing import Any

from imapclient import IMAPClient

from appealdesk.mailroom import config
from appealdesk.mailroom.services import Arrival, item_refuse, items_store_many

log = logging.getLogger(__name__)

FETCH_BATCH = 100  # messages fetched per round trip


@dataclass(frozen=True)
class OAuth2:
    """Where to get an access token for XOAUTH2: a refresh token (delegated, e.g. Google or a
    Microsoft 365 user) or, without one, the client-credentials grant (Microsoft 365 app-only
    access to a shared mailbox)."""

    token_url: str
    client_id: str
    client_secret: str = ""
    refresh_token: str = ""
    scope: str = ""


@dataclass(frozen=True)
class Mailbox:
    name: str
    host: str
    username: str
    port: int = 993
    ssl: bool = True
    starttls: bool = False
    password: str = ""
    oauth2: OAuth2 | None = None
    folder: str = "INBOX"
    processed_folder: str = "appealdesk-processed"
    refused_folder: str = "appealdesk-refused"
    program: str = ""  # what arrives here is for this program (unless it says otherwise)
    max_bytes: int = 50 * 1024 * 1024
    timeout: float = 60.0

    @classmethod
    def from_setting(cls, data: Mapping[str, Any]) -> Mailbox:
        values = dict(data)
        if values.get("oauth2"):
            values["oauth2"] = OAuth2(**values["oauth2"])
        return cls(**values)


def mailboxes() -> list[Mailbox]:
    """The mailboxes of MAILROOM_IMAP (a list of dicts with Mailbox's fields), or of the
    environment variable APPEALDESK_MAILROOM_IMAP (the same list as JSON)."""
    configured = config.setting("MAILROOM_IMAP", None)
    if configured is None:
        configured = json.loads(os.environ.get("APPEALDESK_MAILROOM_IMAP", "[]"))
    return [Mailbox.from_setting(m) for m in configured]


@dataclass
class PollResult:
    stored: int = 0
    seen_again: int = 0
    refused: int = 0
    moved: int = 0
    items: list[int] = field(default_factory=list)


def access_token(oauth: OAuth2, *, timeout: float = 30.0) -> str:
    """An OAuth2 access token from the provider's token endpoint."""
    form = {"client_id": oauth.client_id}
    if oauth.client_secret:
        form["client_secret"] = oauth.client_secret
    if oauth.refresh_token:
        form |= {"grant_type": "refresh_token", "refresh_token": oauth.refresh_token}
    else:
        form["grant_type"] = "client_credentials"
    if oauth.scope:
        form["scope"] = oauth.scope
    request = urllib.request.Request(
        oauth.token_url,
        data=urllib.parse.urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    try:
        # the token URL comes from the settings, never from a message
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:300].decode("utf-8", "replace")
        raise ConnectionError(
            f"the token endpoint {oauth.token_url} refused the sign-in ({exc.code}): {detail}"
        ) from None
    token = answer.get("access_token")
    if not token:
        raise ConnectionError(f"the token endpoint {oauth.token_url} returned no access_token")
    return str(token)


@contextmanager
def connect(mailbox: Mailbox) -> Iterator[IMAPClient]:
    context = ssl.create_default_context() if (mailbox.ssl or mailbox.starttls) else None
    client = IMAPClient(
        mailbox.host,
        port=mailbox.port,
        ssl=mailbox.ssl,
        ssl_context=context if mailbox.ssl else None,
        timeout=mailbox.timeout,
    )
    # keep INTERNALDATE's own offset: the receipt instant must not depend on our zone
    client.normalise_times = False
    try:
        if mailbox.starttls:
            client.starttls(context)
        if mailbox.oauth2 is not None:
            client.oauth2_login(mailbox.username, access_token(mailbox.oauth2))
        else:
            client.login(mailbox.username, mailbox.password)
        for folder in (mailbox.processed_folder, mailbox.refused_folder):
            if not client.folder_exists(folder):
                client.create_folder(folder)
        yield client
    finally:
        try:
            client.logout()
        except Exception:  # the connection may already be gone; nothing to release then
            log.debug("IMAP logout failed", exc_info=True)


def _move(client: IMAPClient, uids: list[int], folder: str) -> None:
    if not uids:
        return
    if client.has_capability("MOVE"):
        client.move(uids, folder)
    else:  # RFC 3501 servers without MOVE: copy, then delete and expunge only those
        client.copy(uids, folder)
        client.delete_messages(uids)
        if client.has_capability("UIDPLUS"):
            client.uid_expunge(uids)
        else:
            client.expunge()


def _headers(raw: bytes) -> dict[str, str]:
    """What the item row keeps of a message's headers. A header that cannot be decoded (an
    unknown charset in an encoded word) is kept as it is written: one bad header must not stop
    the mailbox (the reader says more when it reads the message)."""
    parsed = BytesHeaderParser().parsebytes(raw)
    to = [
        address.lower()
        for _, address in email.utils.getaddresses(
            [str(parsed.get(h) or "") for h in ("Delivered-To", "To", "Cc")]
        )
        if address
    ]
    name, sender = email.utils.parseaddr(str(parsed.get("From") or ""))
    written = str(parsed.get("Subject") or "")
    try:
        subject = str(email.header.make_header(email.header.decode_header(written)))
    except (LookupError, UnicodeError, email.errors.HeaderParseError):
        subject = written
    return {
        "message_id": str(parsed.get("Message-ID") or "").strip().strip("<>"),
        "sender": sender.lower(),
        "sender_name": name,
        "to": ", ".join(dict.fromkeys(to)),
        "subject": " ".join(subject.split()),
    }


def mailbox_poll(
    mailbox: Mailbox, *, limit: int | None = None, now: dt.datetime | None = None
) -> PollResult:
    """Store every message in the mailbox's folder as an item, then move it to the processed
    folder (a message over `max_bytes` is recorded as refused and moved to the refused
    folder). `limit` caps the messages of one poll (the rest wait for the next)."""
    result = PollResult()
    with connect(mailbox) as client:
        client.select_folder(mailbox.folder)
        uids = sorted(client.search("ALL"))[:limit]
        for start in range(0, len(uids), FETCH_BATCH):
            chunk = uids[start : start + FETCH_BATCH]
            sizes = client.fetch(chunk, ["RFC822.SIZE"])
            small = [
                u for u in chunk if sizes.get(u, {}).get(b"RFC822.SIZE", 0) <= mailbox.max_bytes
            ]
            large = [u for u in chunk if u not in small and u in sizes]
            for uid in large:
                size = sizes[uid][b"RFC822.SIZE"]
                item_refuse(
                    source="email",
                    code="too_large",
                    reason=f"a message of {size / 1e6:.1f} MB in {mailbox.name} is over the "
                    f"{mailbox.max_bytes / 1e6:.0f} MB limit: it was moved to "
                    f"{mailbox.refused_folder} on the mail server, untouched",
                    size=size,
                    detail={"mailbox": mailbox.name, "uid": uid},
                    now=now,
                )
                result.refused += 1
            _move(client, large, mailbox.refused_folder)
            fetched = client.fetch(small, ["BODY.PEEK[]", "INTERNALDATE"]) if small else {}
            done: list[int] = []
            arrivals: list[Arrival] = []
            for uid in small:
                data = fetched.get(uid)
                if not data:  # expunged by someone else since SEARCH
                    continue
                raw = data[b"BODY[]"]
                received_at = data[b"INTERNALDATE"]
                if received_at.tzinfo is None:
                    received_at = received_at.replace(tzinfo=dt.UTC)
                headers = _headers(raw)
                arrivals.append(
                    Arrival(
                        source="email",
                        raw=raw,
                        received_at=min(received_at, now or received_at),
                        received_basis=f"IMAP INTERNALDATE ({mailbox.name})",
                        source_id=headers["message_id"],
                        sender=headers["sender"],
                        sender_name=headers["sender_name"],
                        addressed_to=headers["to"],
                        subject=headers["subject"],
                        name=f"{headers['subject'][:80] or 'message'}.eml",
                        declared_type="message/rfc822",
                        program=mailbox.program,
                    )
                )
                done.append(uid)
            for stored in items_store_many(arrivals, now=now):
                result.items.append(stored.item.pk)
                if stored.created:
                    result.stored += 1
                else:
                    result.seen_again += 1
            # the batch committed above: only now may the server forget these messages
            _move(client, done, mailbox.processed_folder)
            result.moved += len(done)
    return result


def poll_all(*, now: dt.datetime | None = None) -> dict[str, PollResult | str]:
    """Poll every configured mailbox; a mailbox that fails is reported, the others go on."""
    results: dict[str, PollResult | str] = {}
    for mailbox in mailboxes():
        try:
            results[mailbox.name] = mailbox_poll(mailbox, now=now)
        except Exception as exc:
            log.exception("polling mailbox %s failed", mailbox.name)
            results[mailbox.name] = f"{type(exc).__name__}: {exc}"
    return results
