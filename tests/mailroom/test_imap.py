"""E-mail from a real IMAP server (Dovecot, messages put there with IMAP APPEND): stored, then
moved; the same message again is seen again; an oversized one refused and set aside."""

from __future__ import annotations

import datetime as dt
import logging
import time
from email.message import EmailMessage

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from appealdesk.mailroom import storage
from appealdesk.mailroom.emails import parse_email
from appealdesk.mailroom.imap import (
    FETCH_FIELDS,
    Mailbox,
    OAuth2,
    _parse_fetch,
    access_token,
    fetch_messages,
    mailbox_poll,
    message_id,
)
from appealdesk.mailroom.models import Item, LandedBytes, Refusal
from appealdesk.mailroom.reader import item_read
from tests.mailroom.dovecot import Imap, dovecot_server, require_dovecot
from tests.mailroom.oauth import CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, authorization_server


def message(n: int, *, subject: str = "", body: str = "", size: int = 0) -> bytes:
    mail = EmailMessage()
    mail["From"] = f"Member {n} <member{n}@example.org>"
    mail["To"] = "appeals@plan.example"
    mail["Subject"] = subject or f"Appeal {n}"
    mail["Date"] = "Mon, 02 Mar 2026 09:05:00 -0800"
    mail["Message-ID"] = f"<appeal-{n}@example.org>"
    mail.set_content((body or f"I appeal the denial of claim {n}.") + "x" * size)
    return mail.as_bytes()


def unix(raw: bytes) -> bytes:
    return raw.replace(b"\r\n", b"\n")


def client(imap: Imap) -> IMAPClient:
    c = IMAPClient(imap.host, port=imap.port, ssl=False)
    c.login(imap.username, imap.password)
    return c


def append(imap: Imap, messages: list[bytes], when: dt.datetime | None = None) -> None:
    c = client(imap)
    for raw in messages:
        c.append("INBOX", raw, msg_time=when)
    c.logout()


def count(imap: Imap, folder: str) -> int:
    c = client(imap)
    if not c.folder_exists(folder):
        return 0
    c.select_folder(folder, readonly=True)
    n = len(c.search("ALL"))
    c.logout()
    return n


def mailbox(imap: Imap, **fields) -> Mailbox:
    values = {
        "name": "appeals",
        "host": imap.host,
        "port": imap.port,
        "ssl": False,
        "username": imap.username,
        "password": imap.password,
        "program": "ump",
    }
    return Mailbox(**(values | fields))


@pytest.mark.django_db
def test_messages_are_stored_then_moved_and_a_repeat_is_seen_again(dovecot):
    arrived = dt.datetime(2026, 3, 2, 17, 6, tzinfo=dt.UTC)
    append(dovecot, [message(1), message(2)], when=arrived)
    result = mailbox_poll(mailbox(dovecot))
    assert (result.stored, result.moved) == (2, 2)
    assert count(dovecot, "INBOX") == 0 and count(dovecot, "appealdesk-processed") == 2
    item = Item.objects.get(source_id="appeal-1@example.org")
    assert item.source == "email" and item.raw_content_type == "message/rfc822"
    assert item.received_at == arrived  # INTERNALDATE: when the server took it in
    assert item.program == "ump" and item.state == "new"
    # the bytes committed with the row; the reader moves them to the document storage
    assert not item.raw and unix(storage.raw_bytes(item)) == unix(message(1))
    item_read(item.pk)
    item.refresh_from_db()
    assert not LandedBytes.objects.filter(item=item).exists()
    assert unix(item.raw.open("rb").read()) == unix(message(1))
    # the headers are read with the message
    assert item.sender == "member1@example.org" and item.sender_name == "Member 1"
    assert item.subject == "Appeal 1" and item.addressed_to == "appeals@plan.example"

    append(dovecot, [message(1)])  # delivered twice (a forwarding loop, a resend)
    again = mailbox_poll(mailbox(dovecot))
    assert (again.stored, again.seen_again, again.moved) == (0, 1, 1)
    assert Item.objects.count() == 2 and Item.objects.get(pk=item.pk).seen_count == 2


@pytest.mark.django_db
def test_an_oversized_message_is_refused_and_set_aside_untouched(dovecot):
    append(dovecot, [message(1), message(2, size=20_000)])
    result = mailbox_poll(mailbox(dovecot, max_bytes=10_000))
    assert (result.stored, result.refused) == (1, 1)
    assert count(dovecot, "appealdesk-refused") == 1
    refusal = Refusal.objects.get()
    assert refusal.code == "too_large" and "appealdesk-refused" in refusal.reason


@pytest.mark.django_db
def test_a_wrong_password_fails_loudly(dovecot):
    with pytest.raises(LoginError):
        mailbox_poll(mailbox(dovecot, password="wrong"))


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"Message-ID: <h1@example.org>", "h1@example.org"),
        (b"message-id:<h2@example.org>", "h2@example.org"),  # any case, no space
        (b"Message-ID:\r\n <h3@example.org>", "h3@example.org"),  # folded
        (b"X-Other: 1", ""),  # none
    ],
)
def test_the_message_id_is_read_from_the_header_block_alone(head: bytes, expected: str):
    raw = b"From: Ana <ana@example.org>\r\n" + head + b"\r\nSubject: hi\r\n\r\n"
    body = b"Message-ID: <in-the-body@example.org>\r\n"  # not a header
    assert message_id(raw + body) == expected


def test_a_subject_in_an_unknown_charset_does_not_stop_the_mailbox():
    raw = (
        b"From: Ana <ana@example.org>\r\nTo: appeals@plan.example\r\n"
        b"Subject: =?x-no-such-charset?q?Apelaci=F3n?=\r\n"
        b"Message-ID: <h1@example.org>\r\n\r\nhi\r\n"
    )
    assert message_id(raw) == "h1@example.org"
    parsed = parse_email(raw, max_attachments=20)
    assert "Apelaci" in parsed.subject and parsed.sender == "ana@example.org"


def test_an_oauth2_access_token_is_fetched_held_until_it_runs_out_and_renewed():
    with authorization_server(user="clerk@plan.example", lifetime=3600) as auth:
        delegated = OAuth2(
            auth.token_url, CLIENT_ID, CLIENT_SECRET, refresh_token=REFRESH_TOKEN, scope="s"
        )
        first = access_token(delegated)
        assert auth.token_requests[-1]["grant_type"] == "refresh_token"
        assert auth.token_requests[-1]["refresh_token"] == REFRESH_TOKEN
        assert auth.token_requests[-1]["scope"] == "s"
        assert access_token(delegated) == first and len(auth.token_requests) == 1  # held
        renewed = access_token(delegated, renew=True)
        assert renewed != first
        # the endpoint rotated the refresh token: the new one is used, the first one is spent
        assert auth.token_requests[-1]["refresh_token"] not in (REFRESH_TOKEN, "")
        app_only = OAuth2(auth.token_url, CLIENT_ID, CLIENT_SECRET, scope="x/.default")
        assert access_token(app_only) not in (first, renewed)
        assert auth.token_requests[-1]["grant_type"] == "client_credentials"
        with pytest.raises(ConnectionError, match="refused the sign-in \\(401\\)") as refused:
            access_token(OAuth2(auth.token_url, CLIENT_ID, "wrong"))
        assert "invalid_client" in str(refused.value)
        spent = OAuth2(auth.token_url, CLIENT_ID, CLIENT_SECRET, refresh_token="rt-unknown")
        with pytest.raises(ConnectionError, match="invalid_grant"):
            access_token(spent)


@pytest.mark.django_db
def test_a_mailbox_signs_in_with_xoauth2_and_renews_its_token(caplog):
    """Dovecot takes XOAUTH2 sign-ins only with a token its introspection endpoint calls active;
    the mailroom gets its tokens from the token endpoint and renews them when they run out or
    when the server refuses one."""
    require_dovecot()
    caplog.set_level(logging.DEBUG)
    with (
        authorization_server(user="clerk@plan.example", lifetime=4) as auth,
        dovecot_server(introspection_url=auth.introspection_url) as imap,
    ):
        oauth = OAuth2(auth.token_url, CLIENT_ID, CLIENT_SECRET, refresh_token=REFRESH_TOKEN)
        box = mailbox(imap, password="", oauth2=oauth)
        append(imap, [message(1)])
        assert mailbox_poll(box).stored == 1
        first = auth.issued[-1]
        assert len(auth.issued) == 1 and first in auth.introspected  # Dovecot asked about it
        append(imap, [message(2)])
        assert mailbox_poll(box).stored == 1 and len(auth.issued) == 1  # the token held

        time.sleep(4.5)  # the token ran out: the next poll asks for a new one
        assert not auth.active(first)
        append(imap, [message(3)])
        assert mailbox_poll(box).stored == 1 and len(auth.issued) == 2
        assert auth.token_requests[-1]["refresh_token"] != REFRESH_TOKEN  # the rotated one

        # refused before it runs out: one more try with a new token (which must outlive
        # Dovecot's penalty of a few seconds after a failed sign-in)
        auth.lifetime = 60
        auth.revoke(auth.issued[-1])
        append(imap, [message(4)])
        assert mailbox_poll(box).stored == 1 and len(auth.issued) == 3
        assert count(imap, "appealdesk-processed") == 4

        with pytest.raises(LoginError):  # a token for someone else's mailbox is refused
            mailbox_poll(mailbox(imap, username="other@plan.example", oauth2=oauth))
        app_only = OAuth2(auth.token_url, CLIENT_ID, CLIENT_SECRET)  # client credentials
        append(imap, [message(5)])
        assert mailbox_poll(mailbox(imap, password="", oauth2=app_only)).stored == 1
        assert auth.token_requests[-1]["grant_type"] == "client_credentials"
        logged = caplog.text + (imap.root / "dovecot.log").read_text(errors="replace")
    assert not any(token in logged for token in auth.issued)  # never a token in a log


def test_the_fetch_answer_is_read_response_by_response_or_not_at_all():
    date = b'INTERNALDATE " 2-Mar-2026 09:05:00 -0800"'
    body = b"Message-ID: <a@x>\r\n\r\nhi\r\n"
    arrived = dt.datetime(2026, 3, 2, 17, 5, tzinfo=dt.UTC)
    data = [
        (b"1 (UID 7 " + date + b" BODY[] {%d}" % len(body), body),
        b")",
        b"2 (FLAGS (\\Seen))",  # another session's change: not a message
        (b"3 (" + date + b" BODY[] {%d}" % len(body), body),
        b" UID 9)",  # items after the literal
    ]
    parsed = _parse_fetch(data)
    assert parsed == {7: (body, arrived), 9: (body, arrived)}
    assert parsed[7][1].utcoffset() == dt.timedelta(hours=-8)  # the server's own offset kept
    for wrong in (
        [(b"1 (UID 7 " + date + b" BODY[] {99}", body), b")"],  # not the length it declares
        [b"1 (UID 7 " + date + b' BODY[] "hi")'],  # a body as a quoted string
        [(b"1 (UID 7 BODY[] {%d}" % len(body), body), b")"],  # no INTERNALDATE
        [(b'1 (UID 7 INTERNALDATE "31-Feb-2026 09:05:00 -0800" BODY[] {2}', b"hi"), b")"],
    ):
        assert _parse_fetch(wrong) is None


@pytest.mark.django_db
def test_the_fetch_reads_what_imapclient_reads_and_falls_back_to_it(dovecot, monkeypatch):
    odd = message(3, body="Línea en español: ñ, é; 8-bit\r\n.\r\n") + b"\r\n\r\n"
    arrived = dt.datetime(2026, 3, 2, 17, 6, tzinfo=dt.UTC)
    append(dovecot, [message(1), message(2, size=5000), odd], when=arrived)
    c = client(dovecot)
    c.normalise_times = False
    c.select_folder("INBOX", readonly=True)
    uids = sorted(c.search("ALL"))
    theirs = c.fetch(uids, FETCH_FIELDS)
    ours = fetch_messages(c, uids)
    assert ours == {u: (theirs[u][b"BODY[]"], theirs[u][b"INTERNALDATE"]) for u in uids}
    assert {instant for _, instant in ours.values()} == {arrived}
    monkeypatch.setattr("appealdesk.mailroom.imap._parse_fetch", lambda data: None)
    assert fetch_messages(c, uids) == ours  # an answer it cannot read: imapclient reads it
    c.logout()


@pytest.mark.django_db
def test_a_poll_of_several_batches_stores_each_before_moving_it(dovecot, monkeypatch):
    from appealdesk.mailroom import imap as imap_module

    monkeypatch.setattr(imap_module, "FETCH_BATCH", 2)
    monkeypatch.setattr(imap_module, "BATCH_BYTES", 3000)  # message 3 is fetched on its own
    monkeypatch.setattr(imap_module, "MOVE_EVERY", 3)  # moved once 3 have committed, and at the end
    append(dovecot, [message(n, size=4000 if n == 3 else 0) for n in range(1, 7)])
    timeline: list[tuple[str, int]] = []  # ("stored", n) in the poll, ("moved", uid) beside it
    store, move, fetch = (
        imap_module.items_store_many,
        imap_module._move,
        imap_module.fetch_messages,
    )

    def recorded_store(arrivals, **kwargs):
        stored = store(arrivals, **kwargs)
        timeline.extend(("stored", int(a.source_id.split("-")[1].split("@")[0])) for a in arrivals)
        return stored

    moves: list[list[int]] = []

    def recorded_move(client, uids, folder):
        moves.append(list(uids))
        timeline.extend(("moved", uid) for uid in uids)
        move(client, uids, folder)

    fetches: list[list[int]] = []
    monkeypatch.setattr(imap_module, "items_store_many", recorded_store)
    monkeypatch.setattr(imap_module, "_move", recorded_move)
    monkeypatch.setattr(
        imap_module, "fetch_messages", lambda c, uids: fetches.append(uids) or fetch(c, uids)
    )
    result = mailbox_poll(mailbox(dovecot))
    assert (result.stored, result.moved, result.seen_again) == (6, 6, 0)
    assert [len(f) for f in fetches] == [2, 1, 2, 1]  # 1-2, 3 alone, 4-5, 6
    assert [m for m in moves if m] == [[1, 2, 3], [4, 5, 6]]  # one command for what committed
    # UIDs are 1-6 in the order appended: message n is UID n; each moved only once stored
    for n in range(1, 7):
        assert timeline.index(("stored", n)) < timeline.index(("moved", n))
    assert count(dovecot, "INBOX") == 0 and count(dovecot, "appealdesk-processed") == 6
    assert sorted(Item.objects.values_list("source_id", flat=True)) == [
        f"appeal-{n}@example.org" for n in range(1, 7)
    ]
