"""E-mail from an IMAP mailbox (polled by the task worker with imapclient): each message is
stored as an item (its bytes, Message-ID, INTERNALDATE as the receipt instant) and only then
moved to the processed folder. A worker killed between the two leaves the message in the inbox;
the next poll finds it already stored (same Message-ID and bytes: seen again, not a second
item) and moves it. Password or OAuth2 (XOAUTH2, Microsoft 365 and Google) sign-in."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import ssl
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from appealdesk.mailroom import config
from appealdesk.mailroom.services import Arrival, item_refuse, items_store_many

log = logging.getLogger(__name__)

FETCH_BATCH = 100  # messages fetched per round trip and stored per transaction
FETCH_FIELDS = ["BODY.PEEK[]", "INTERNALDATE"]  # PEEK: fetching must not mark a message read
BATCH_BYTES = 1_000_000  # a message larger than this is fetched and stored on its own
# committed messages moved in one command: a MOVE costs the server about as much for ten
# messages as for a thousand (Dovecot rewrites the folder's index and UID list each time; a
# remote server adds its round trip), so a hundred-message batch each was a third of the poll
MOVE_EVERY = 1000


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


@dataclass
class _Token:
    value: str
    renew_at: float  # time.monotonic() after which a new one is asked for
    refresh_token: str  # the newest the endpoint gave (Microsoft 365 rotates them)


_tokens: dict[OAuth2, _Token] = {}
_tokens_lock = threading.Lock()


def access_token(oauth: OAuth2, *, renew: bool = False, timeout: float = 30.0) -> str:
    """An OAuth2 access token for XOAUTH2: the one obtained before while it is valid (renewed a
    tenth of its life, at most a minute, before the `expires_in` the endpoint gave), else a new
    one from the token endpoint: the refresh-token grant with the newest refresh token (the
    endpoint may send a new one with each token), or without one the client-credentials grant.
    `renew` asks for a new one whatever is held (the server refused the one held). The tokens
    are kept in this process only: a restarted worker asks again. Never logged."""
    with _tokens_lock:
        held = _tokens.get(oauth)
        if held is not None and not renew and time.monotonic() < held.renew_at:
            return held.value
        refresh_token = held.refresh_token if held is not None else oauth.refresh_token
        answer = _token_request(oauth, refresh_token, timeout=timeout)
        lifetime = float(answer.get("expires_in") or 0)
        _tokens[oauth] = _Token(
            value=str(answer["access_token"]),
            renew_at=time.monotonic() + lifetime - min(60.0, lifetime / 10),
            refresh_token=str(answer.get("refresh_token") or refresh_token),
        )
        return _tokens[oauth].value


def _token_request(oauth: OAuth2, refresh_token: str, *, timeout: float) -> dict[str, Any]:
    form = {"client_id": oauth.client_id}
    if oauth.client_secret:
        form["client_secret"] = oauth.client_secret
    if refresh_token:
        form |= {"grant_type": "refresh_token", "refresh_token": refresh_token}
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
        # the endpoint's error and its description (RFC 6749 5.2), never a token
        detail = exc.read()[:300].decode("utf-8", "replace")
        raise ConnectionError(
            f"the token endpoint {oauth.token_url} refused the sign-in ({exc.code}): {detail}"
        ) from None
    if not isinstance(answer, dict) or not answer.get("access_token"):
        raise ConnectionError(f"the token endpoint {oauth.token_url} returned no access_token")
    return answer


def _oauth2_login(client: IMAPClient, mailbox: Mailbox, oauth: OAuth2) -> None:
    """XOAUTH2 with the token held, or a new one: a server that refuses a token we hold as valid
    (revoked, or expired by its clock before ours) gets one more try with a new token."""
    try:
        client.oauth2_login(mailbox.username, access_token(oauth))
    except LoginError:
        log.info("mailbox %s refused the access token held: asking for a new one", mailbox.name)
        client.oauth2_login(mailbox.username, access_token(oauth, renew=True))


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
            _oauth2_login(client, mailbox, mailbox.oauth2)
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


_MESSAGE_ID = re.compile(rb"^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_UNFOLD = re.compile(rb"\r?\n(?=[ \t])")


def message_id(raw: bytes) -> str:
    """A message's Message-ID (its source id), read from its header block alone. The sender,
    addresses and subject are read by the reader, which parses the whole message anyway:
    parsing the headers here as well cost as much as the fetch (bench/mailroom.py)."""
    head = _HEADER_END.split(raw, maxsplit=1)[0]
    found = _MESSAGE_ID.search(head)
    if not found:
        return ""
    return _UNFOLD.sub(b"", found.group(1)).decode("utf-8", "replace").strip().strip("<>")


def _batches(uids: list[int], alone: set[int]) -> Iterator[list[int]]:
    """The UIDs in fetches of up to FETCH_BATCH messages; a message in `alone` (large) is
    fetched and stored on its own, so a batch never holds more than one large message."""
    batch: list[int] = []
    for uid in uids:
        if uid in alone:
            yield [uid]
            continue
        batch.append(uid)
        if len(batch) == FETCH_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _refuse_oversized(
    client: IMAPClient, mailbox: Mailbox, uids: list[int], now: dt.datetime | None
) -> tuple[list[int], set[int]]:
    """(UIDs over `max_bytes`: recorded as refused, not fetched; UIDs over BATCH_BYTES but
    within the limit: fetched alone). One SEARCH finds the large ones among all, so the others
    are fetched without asking each one's size first."""
    if not uids:
        return [], set()
    threshold = min(BATCH_BYTES, mailbox.max_bytes)
    large = sorted(set(client.search(["LARGER", threshold])) & set(uids))
    sizes = client.fetch(large, ["RFC822.SIZE"]) if large else {}
    refused = []
    for uid in large:
        size = sizes.get(uid, {}).get(b"RFC822.SIZE", 0)
        if size <= mailbox.max_bytes:
            continue
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
        refused.append(uid)
    return refused, set(large) - set(refused)


def mailbox_poll(
    mailbox: Mailbox, *, limit: int | None = None, now: dt.datetime | None = None
) -> PollResult:
    """Store every message in the mailbox's folder as an item, then move it to the processed
    folder (a message over `max_bytes` is recorded as refused and moved to the refused
    folder). `limit` caps the messages of one poll (the rest wait for the next).

    Each fetch (one UID FETCH of up to FETCH_BATCH messages, bytes and INTERNALDATE) is stored
    in one transaction (`items_store_many`); while it is stored, the next one is fetched. What
    has committed is moved in one command once MOVE_EVERY messages wait, and at the end: a
    move is never asked for before its batch committed."""
    result = PollResult()
    with connect(mailbox) as client:
        client.select_folder(mailbox.folder)
        uids = sorted(client.search("ALL"))[:limit]
        refused, alone = _refuse_oversized(client, mailbox, uids, now)
        _move(client, refused, mailbox.refused_folder)
        result.refused += len(refused)
        batches = list(_batches([u for u in uids if u not in set(refused)], alone))
        # one thread speaks IMAP (fetches and moves, in the order asked), beside the database's
        with ThreadPoolExecutor(1, "imap") as imap:
            committed: list[int] = []
            moves: list[tuple[Future[None], int]] = []
            for n, (batch, fetched) in enumerate(_prefetched(imap, client, batches)):
                done = [uid for uid in batch if uid in fetched]  # not expunged since SEARCH
                arrivals = [_arrival(mailbox, *fetched[uid], now) for uid in done]
                for stored in items_store_many(arrivals, now=now):
                    result.items.append(stored.item_id)
                    if stored.created:
                        result.stored += 1
                    else:
                        result.seen_again += 1
                # the batch committed above: only now may the server forget these messages
                committed += done
                if len(committed) >= MOVE_EVERY or n + 1 == len(batches):
                    move = imap.submit(_move, client, committed, mailbox.processed_folder)
                    moves.append((move, len(committed)))
                    committed = []
            for move, count in moves:
                move.result()
                result.moved += count
    return result


def _prefetched(
    imap: ThreadPoolExecutor, client: IMAPClient, batches: list[list[int]]
) -> Iterator[tuple[list[int], dict[int, tuple[bytes, dt.datetime]]]]:
    """Each batch with its messages, the next batch being fetched (by `imap`, the thread that
    speaks to the server) while the caller stores this one."""
    pending = [imap.submit(fetch_messages, client, batch) for batch in batches[:1]]
    for n, batch in enumerate(batches):
        if n + 1 < len(batches):
            pending.append(imap.submit(fetch_messages, client, batches[n + 1]))
        yield batch, pending.pop(0).result()


def _arrival(
    mailbox: Mailbox, raw: bytes, received_at: dt.datetime, now: dt.datetime | None
) -> Arrival:
    return Arrival(
        source="email",
        raw=raw,
        received_at=min(received_at, now or received_at),
        received_basis=f"IMAP INTERNALDATE ({mailbox.name})",
        source_id=message_id(raw),
        program=mailbox.program,
    )


# -- fetching ---------------------------------------------------------------------------------
_BODY_LITERAL = re.compile(rb"BODY\[\] \{(\d+)\}$")
_UID = re.compile(rb"\bUID (\d+)\b")
_INTERNALDATE = re.compile(
    rb'INTERNALDATE " ?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)"'
)
_MONTH_NAMES = b"jan feb mar apr may jun jul aug sep oct nov dec".split()
_MONTHS = {name: n for n, name in enumerate(_MONTH_NAMES, 1)}


def fetch_messages(client: IMAPClient, uids: list[int]) -> dict[int, tuple[bytes, dt.datetime]]:
    """Each message's bytes and INTERNALDATE by UID: one UID FETCH (BODY.PEEK[] INTERNALDATE).

    The answer is read by a parser for exactly this request, over the imaplib connection
    imapclient keeps (`_imap`): imapclient's general parser lexes each answer byte by byte, half
    the CPU time of an ingest's fetch (bench/mailroom.py). Each message is taken from one FETCH
    response that carries its UID, its INTERNALDATE and a BODY[] literal of the length it
    declares; a response without a BODY[] (an unsolicited flag change) is not a message. An
    answer this parser does not expect (a body sent as a quoted string, an item it cannot read)
    is fetched again through imapclient: never a message guessed."""
    imap = getattr(client, "_imap", None)
    if imap is not None and uids:
        status, data = imap.uid("FETCH", ",".join(map(str, uids)), "(BODY.PEEK[] INTERNALDATE)")
        if status != "OK":
            raise ConnectionError(f"UID FETCH failed: {data!r:.200}")
        parsed = _parse_fetch(data)
        if parsed is not None:
            wanted = set(uids)
            return {uid: got for uid, got in parsed.items() if uid in wanted}
        log.info("an IMAP FETCH answer this parser does not read: fetched through imapclient")
    fetched = client.fetch(uids, FETCH_FIELDS)
    return {
        uid: (data[b"BODY[]"], _zoned(data[b"INTERNALDATE"]))
        for uid, data in fetched.items()
        if data.get(b"BODY[]") is not None and b"INTERNALDATE" in data
    }


def _zoned(instant: dt.datetime) -> dt.datetime:
    return instant if instant.tzinfo else instant.replace(tzinfo=dt.UTC)


def _parse_fetch(data: list[Any]) -> dict[int, tuple[bytes, dt.datetime]] | None:
    """imaplib's FETCH data: a (head, literal) tuple then the rest of the line, for a response
    with a literal; a plain line for one without. None when a response is not as expected."""
    messages: dict[int, tuple[bytes, dt.datetime]] = {}
    elements = iter(data)
    for element in elements:
        if not isinstance(element, tuple):
            if b"BODY[" in element:  # a body without a literal
                return None
            continue  # e.g. "3 (FLAGS (\\Seen))", another session's change
        head, body = element
        literal = _BODY_LITERAL.search(head)
        tail = next(elements, b"")
        if not literal or int(literal.group(1)) != len(body) or isinstance(tail, tuple):
            return None
        meta = head[: literal.start()] + b" " + tail
        uid, date = _UID.search(meta), _INTERNALDATE.search(meta)
        instant = _internaldate(date) if date else None
        if not uid or instant is None or b"{" in meta:  # a second literal: not what was asked
            return None
        messages[int(uid.group(1))] = (body, instant)
    return messages


def _internaldate(found: re.Match[bytes]) -> dt.datetime | None:
    day, month, year, hour, minute, second, sign, off_h, off_m = found.groups()
    offset = dt.timedelta(hours=int(off_h), minutes=int(off_m)) * (-1 if sign == b"-" else 1)
    try:
        return dt.datetime(
            int(year),
            _MONTHS[month.lower()],
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=dt.timezone(offset),
        )
    except (KeyError, ValueError):  # no such month or day
        return None


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
