"""Every change to a mailroom item: one function each, one transaction, one `ItemEvent` row.

Why a mailroom event model and not the core's `Event` with `case=None`: most of an item's life
happens before there is a case (stored, seen again, read, proposed, split, not a request), and
the core's log is the case's legal timeline; an item's history must be found by item. When an
item touches a case (opened as a case, attached), the case gets its own core event as well
(`case.information_received` from the core service, `mailroom.documents_attached` here).

The desk calls: `item_intake_prefill`, `item_opened_as_case`, `item_attach`, `item_split`,
`item_not_a_request`, `scans_store_batch`; the sources call `item_store` and `item_refuse`.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.storage import default_storage
from django.db import IntegrityError, connections, models, router, transaction
from django.db.models import F, Q
from django.utils import timezone

from appealdesk.cases import services as case_services
from appealdesk.cases.models import OPEN_STATES, Case, ClockState, Document, Party
from appealdesk.cases.services import _label, _user  # who acted, named as the case log names them
from appealdesk.mailroom import storage
from appealdesk.mailroom.errors import InvalidInput, InvalidTransition, StaleItem
from appealdesk.mailroom.models import (
    Item,
    ItemEvent,
    ItemState,
    LandedBytes,
    NotARequest,
    Part,
    Refusal,
    Source,
)

log = logging.getLogger(__name__)

# an item's receipt instant may be a little ahead of our clock (the fax service's clock)
FUTURE_GRACE = dt.timedelta(minutes=5)
WAITING = (ItemState.NEW, ItemState.READ, ItemState.PROPOSED)
CHANNEL_OF_SOURCE = {
    Source.EMAIL: "email",
    Source.FAX: "fax",
    Source.SCAN: "mail",
    Source.FOLDER: "mail",
}


@dataclass(frozen=True)
class Stored:
    """What `item_store` did: the item, and whether it is new (False: seen again)."""

    item: Item
    created: bool


# -- helpers ----------------------------------------------------------------------------------
def _event(
    item: Item,
    action: str,
    *,
    actor: Any,
    at: dt.datetime,
    reason: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> ItemEvent:
    return ItemEvent.objects.create(
        item=item,
        at=at,
        actor=_user(actor),
        actor_label=_label(actor),
        action=action,
        reason=reason,
        before=case_services._jsonable(before),
        after=case_services._jsonable(after),
    )


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _fresh(item: Item, expected_version: int | None) -> tuple[Item, int]:
    """The item reloaded and locked for this transaction, and the version the change is based on."""
    expected = item.version if expected_version is None else expected_version
    current = Item.objects.select_for_update().get(pk=item.pk)
    if current.version != expected:
        last = ItemEvent.objects.filter(item=current).order_by("-at", "-id").first()
        who = last.actor_label if last else "someone"
        when = last.at.isoformat(timespec="seconds") if last else "an unknown time"
        raise StaleItem(
            f"item {current.pk} was changed by {who} at {when} (version {current.version}, you "
            f"had {expected}): reload it and apply your change again"
        )
    return current, expected


def _waiting(item: Item) -> None:
    if item.state == ItemState.DONE:
        raise InvalidTransition(
            f"item {item.pk} is already done ({item.get_outcome_display()}): nothing to do"
        )


def _finish(
    item: Item,
    expected: int,
    *,
    outcome: str,
    actor: Any,
    now: dt.datetime,
    **changes: Any,
) -> None:
    updated = Item.objects.filter(pk=item.pk, version=expected).update(
        state=ItemState.DONE,
        outcome=outcome,
        done_at=now,
        done_by=_user(actor),
        version=F("version") + 1,
        **changes,
    )
    if updated != 1:  # cannot happen under select_for_update; a guard, not a path
        raise StaleItem(f"item {item.pk} changed while it was being saved: reload it")
    item.refresh_from_db()


# -- storing what arrived ---------------------------------------------------------------------
def item_store(
    *,
    source: str,
    raw: bytes,
    received_at: dt.datetime,
    received_basis: str,
    source_id: str = "",
    sender: str = "",
    sender_name: str = "",
    addressed_to: str = "",
    subject: str = "",
    name: str = "",
    declared_type: str = "",
    parent: Item | None = None,
    page_range: str = "",
    program: str = "",
    actor: Any = None,
    now: dt.datetime | None = None,
) -> Stored:
    """Store what arrived, in one transaction, before the caller acknowledges the source.

    The bytes go to the document storage (named by SHA-256), then the item row and its
    `item.stored` event commit. The same bytes, or the same `source_id` from the same source,
    arriving again is recorded on the first item (`seen_count`, `last_seen_at`, an
    `item.seen_again` event) and returned with `created=False`: never a second item. Fax, scan
    and folder items get one `Part` (the document itself); an e-mail's parts are made when it
    is read. `program` is what the source knows (the mailbox's program). `received_at` is the
    true receipt instant (the fax's or message's own timestamp, the batch's date-stamp);
    `received_basis` says which it was. Raises `InvalidInput` for an unknown source, empty
    bytes, or a receipt instant in the future.
    """
    now = _now(now)
    if source not in Source.values:
        raise InvalidInput(f"source {source!r} is not one of {', '.join(Source.values)}")
    if not raw:
        raise InvalidInput("the item is empty (0 bytes): nothing to store", field="raw")
    if timezone.is_naive(received_at):
        raise InvalidInput("received_at needs a time zone", field="received_at")
    if received_at > now + FUTURE_GRACE:
        raise InvalidInput(
            f"received_at {received_at.isoformat()} is in the future: check the sender's clock",
            field="received_at",
        )
    sha = storage.digest(raw)
    source_id = source_id.strip()[:500]
    existing = _existing(source, source_id, sha)
    if existing is not None:
        return Stored(_seen_again(existing, source_id=source_id, sha=sha, now=now), False)
    content_type = storage.content_type_of(raw, declared=declared_type)
    name = _plain_name(name) or f"{source}-{sha[:12]}.{storage.EXTENSIONS.get(content_type, 'bin')}"
    stored_name = storage.store_bytes(raw, folder=f"{received_at:%Y/%m}", content_type=content_type)
    try:
        with transaction.atomic():
            item = Item.objects.create(
                source=source,
                source_id=source_id,
                sha256=sha,
                raw=stored_name,
                raw_content_type=content_type,
                raw_name=name,
                size=len(raw),
                received_at=received_at,
                received_basis=received_basis[:60],
                stored_at=now,
                sender=sender[:300],
                sender_name=sender_name[:300],
                addressed_to=addressed_to[:300],
                subject=subject[:500],
                parent=parent,
                page_range=page_range,
                program=program,
                last_seen_at=now,
            )
            if content_type != "message/rfc822":
                Part.objects.create(
                    item=item,
                    position=1,
                    name=name,
                    content_type=content_type,
                    size=len(raw),
                    sha256=sha,
                    file=stored_name,
                )
            _event(
                item,
                "item.stored",
                actor=actor,
                at=now,
                after={
                    "source": source,
                    "source_id": source_id,
                    "sha256": sha,
                    "received_at": received_at,
                    "received_basis": received_basis,
                    "size": len(raw),
                },
            )
        from appealdesk.mailroom.reader import queue_read

        queue_read(item)
    except IntegrityError:
        # another process stored the same thing between our look and our insert: theirs stands
        existing = _existing(source, source_id, sha)
        if existing is None:
            raise
        return Stored(_seen_again(existing, source_id=source_id, sha=sha, now=now), False)
    return Stored(item, True)


def _existing(source: str, source_id: str, sha: str) -> Item | None:
    match = Q(sha256=sha)
    if source_id:
        match |= Q(source=source, source_id=source_id)
    return Item.objects.filter(match).order_by("id").first()


def _seen_again(item: Item, *, source_id: str, sha: str, now: dt.datetime) -> Item:
    with transaction.atomic():
        _record_seen_again(item.pk, item_sha=item.sha256, source_id=source_id, sha=sha, now=now)
    item.refresh_from_db()
    return item


def _record_seen_again(
    item_id: int, *, item_sha: str, source_id: str, sha: str, now: dt.datetime
) -> None:
    Item.objects.filter(pk=item_id).update(seen_count=F("seen_count") + 1, last_seen_at=now)
    ItemEvent.objects.create(
        item_id=item_id,
        at=now,
        actor_label=_label(None),
        action="item.seen_again",
        reason="the same content or source id arrived again; kept on this item",
        after={"source_id": source_id, "sha256": sha, "same_bytes": sha == item_sha},
    )


@dataclass(frozen=True)
class Arrival:
    """One message of a batch for `items_store_many` (item_store's arguments)."""

    source: str
    raw: bytes
    received_at: dt.datetime
    received_basis: str
    source_id: str = ""
    sender: str = ""
    sender_name: str = ""
    addressed_to: str = ""
    subject: str = ""
    name: str = ""
    declared_type: str = "message/rfc822"
    program: str = ""


@dataclass(frozen=True)
class StoredId:
    """What `items_store_many` did with one arrival: its item, and whether it is new."""

    item_id: int
    created: bool


def items_store_many(
    arrivals: Sequence[Arrival], *, now: dt.datetime | None = None
) -> list[StoredId]:
    """Store a batch of e-mail messages (an IMAP fetch) as `item_store` would one by one, but
    in one transaction of three statements: the new items, their bytes (`LandedBytes`: durable
    with the rows, moved to the document storage by the reader) and their `item.stored` events,
    after one query for what is known already; then one reading task for the batch. The caller
    may acknowledge the whole batch once this returns. What is known already (the same bytes,
    or the same Message-ID, also twice in one batch) is seen again, never a second item. If
    another process stored one of them meanwhile, the batch falls back to `item_store` for each
    (same result, slower). Raises `InvalidInput` for anything but a message with bytes and a
    zoned receipt instant: documents (fax, scans) go through `item_store`."""
    now = _now(now)
    for arrival in arrivals:
        if arrival.declared_type != "message/rfc822" or arrival.source != Source.EMAIL:
            raise InvalidInput("a batch holds e-mail messages (message/rfc822) only")
        if not arrival.raw or timezone.is_naive(arrival.received_at):
            raise InvalidInput("each message of a batch needs bytes and a zoned received_at")
    shas = [storage.digest(a.raw) for a in arrivals]
    keys = [(a.source, a.source_id.strip()[:500]) for a in arrivals]
    sha_of: dict[int | str, str] = {}  # first item (an id, or the sha of one being stored)
    by_sha: dict[str, int | str] = {}
    by_key: dict[tuple[str, str], int | str] = {}
    for pk, sha, source, source_id in _known(shas, [i for _, i in keys if i]):
        sha_of[pk] = sha
        by_sha.setdefault(sha, pk)
        if source_id:
            by_key.setdefault((source, source_id), pk)
    fresh: list[dict[str, Any]] = []
    landed: list[bytes] = []
    again: list[tuple[int | str, str, str]] = []  # (first item, source id, sha)
    for arrival, sha, key in zip(arrivals, shas, keys, strict=True):
        first = by_sha.get(sha) or (by_key.get(key) if key[1] else None)
        if first is not None:
            again.append((first, key[1], sha))
            continue
        sha_of[sha] = by_sha[sha] = sha
        if key[1]:
            by_key[key] = sha
        fresh.append(_item_row(arrival, sha, key[1], now))
        landed.append(arrival.raw)
    try:
        with transaction.atomic():
            ids = _insert_rows(Item, fresh, key="sha256")
            _insert_rows(
                LandedBytes,
                [
                    {"item_id": ids[row["sha256"]], "data": raw}
                    for row, raw in zip(fresh, landed, strict=True)
                ],
            )
            _insert_rows(ItemEvent, [_stored_event(ids[row["sha256"]], row, now) for row in fresh])
            for first, source_id, sha in again:
                _record_seen_again(
                    ids[first] if isinstance(first, str) else first,
                    item_sha=sha_of[first],
                    source_id=source_id,
                    sha=sha,
                    now=now,
                )
            if fresh:
                from appealdesk.mailroom.reader import queue_read_many

                queue_read_many(list(ids.values()))
    except IntegrityError:
        return [
            StoredId(stored.item.pk, stored.created)
            for stored in (
                item_store(now=now, **{f: getattr(a, f) for f in Arrival.__dataclass_fields__})
                for a in arrivals
            )
        ]
    results = [StoredId(ids[row["sha256"]], True) for row in fresh]
    results += [StoredId(ids[f] if isinstance(f, str) else f, False) for f, _, _ in again]
    return results


def _known(shas: list[str], message_ids: list[str]) -> list[tuple[int, str, str, str]]:
    """(id, sha256, source, source_id) of the items with one of these SHA-256s, or e-mails with
    one of these Message-IDs, first stored first: one query on the two unique indexes."""
    if not shas:
        return []
    sql = (
        f"SELECT id, sha256, source, source_id FROM {Item._meta.db_table} "
        f"WHERE sha256 IN ({_marks(shas)})"
    )
    params: list[str] = [*shas]
    if message_ids:
        sql += f" OR (source = %s AND source_id IN ({_marks(message_ids)}))"
        params += [str(Source.EMAIL), *message_ids]
    with connections[router.db_for_read(Item)].cursor() as cursor:
        cursor.execute(sql + " ORDER BY id", params)
        return [(int(pk), sha, source, sid) for pk, sha, source, sid in cursor.fetchall()]


def _marks(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def _item_row(arrival: Arrival, sha: str, source_id: str, now: dt.datetime) -> dict[str, Any]:
    """The new item's columns (its bytes go to `LandedBytes`)."""
    return {
        "source": arrival.source,
        "source_id": source_id,
        "sha256": sha,
        "raw_content_type": "message/rfc822",
        "raw_name": _plain_name(arrival.name) or f"{arrival.source}-{sha[:12]}.eml",
        "size": len(arrival.raw),
        "received_at": min(arrival.received_at, now + FUTURE_GRACE),
        "received_basis": arrival.received_basis[:60],
        "stored_at": now,
        "sender": arrival.sender[:300],
        "sender_name": arrival.sender_name[:300],
        "addressed_to": arrival.addressed_to[:300],
        "subject": arrival.subject[:500],
        "program": arrival.program,
        "last_seen_at": now,
    }


def _stored_event(item_id: int, row: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    after = {f: row[f] for f in ("source", "source_id", "sha256", "received_basis", "size")}
    return {
        "item_id": item_id,
        "at": now,
        "actor_label": _label(None),
        "action": "item.stored",
        "after": after | {"received_at": row["received_at"].isoformat()},
    }


# values every database driver takes as they are
_PLAIN = frozenset({str, int, bool, bytes, type(None)})


def _insert_rows(
    model: type[models.Model], rows: Sequence[dict[str, Any]], *, key: str = ""
) -> dict[str, int]:
    """INSERT rows (attribute name -> value; the other fields take their defaults): what
    `bulk_create` does without a model instance per row and each of its forty values prepared
    through its field, which cost a quarter of a second a thousand items, more than the IMAP
    fetch of them (bench/mailroom.py). Plain strings, numbers and bytes go as they are, JSON as
    the backend adapts it; other values (instants) through their field, once per distinct
    value. With `key` (a unique column), the new ids are returned by that column's value (read
    back by it: the rows were just inserted in this transaction)."""
    connection = connections[router.db_for_write(model)]
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
    template = [f.get_db_prep_save(f.get_default(), connection) for f in fields]
    position = {f.attname: n for n, f in enumerate(fields)}
    prepared: dict[tuple[str, Any], Any] = {}
    # JSON as the backend adapts it (JSONField.get_db_prep_value without its expression checks)
    encoders = {f.attname: f.encoder for f in fields if isinstance(f, models.JSONField)}

    def values(row: dict[str, Any]) -> list[Any]:
        out = template.copy()
        for name, value in row.items():
            n = position[name]
            if name in encoders:
                out[n] = connection.ops.adapt_json_value(value, encoders[name])
            elif type(value) in _PLAIN:
                out[n] = value
            elif (name, value) in prepared:
                out[n] = prepared[name, value]
            else:
                out[n] = prepared[name, value] = fields[n].get_db_prep_save(value, connection)
        return out

    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    if not rows:
        return {}
    with connection.cursor() as cursor:
        # one short statement for every row: SQLite steps it in C, psycopg pipelines it (a
        # hundred rows in one VALUES list made psycopg split and quote a 30 KB query each time)
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", map(values, rows))
        if not key:
            return {}
        keys = [row[key] for row in rows]
        cursor.execute(
            f"SELECT {quote(model._meta.pk.column)}, {quote(key)} FROM {table} "
            f"WHERE {quote(key)} IN ({_marks(keys)})",
            keys,
        )
        return {str(k): int(pk) for pk, k in cursor.fetchall()}


def item_bytes_to_storage(item: Item) -> Item:
    """Move the bytes of an item stored in a batch from `LandedBytes` to the document storage
    (on the disk before the row goes), setting `Item.raw`; the reader does it first. No
    `ItemEvent`: the item's content, SHA-256 and state do not change, only where its bytes are
    kept. Does nothing for an item whose bytes are in the storage already."""
    landed = LandedBytes.objects.filter(item_id=item.pk).values_list("data", flat=True).first()
    if landed is None:
        return item
    name = storage.store_bytes(
        bytes(landed), folder=f"{item.received_at:%Y/%m}", content_type=item.raw_content_type
    )
    with transaction.atomic():
        Item.objects.filter(pk=item.pk).update(raw=name)
        LandedBytes.objects.filter(item_id=item.pk).delete()
    item.raw.name = name
    return item


def _plain_name(name: str) -> str:
    """A sender's file name for display only: no directories, no control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in base if ch.isprintable())[:300]


def item_refuse(
    *,
    source: str,
    code: str,
    reason: str,
    source_id: str = "",
    sender: str = "",
    addressed_to: str = "",
    size: int = 0,
    detail: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> Refusal:
    """Record something that was not stored as an item (bad signature, oversized, replayed):
    nothing that reaches the mailroom disappears without a trace. Its own transaction."""
    refusal = Refusal.objects.create(
        at=_now(now),
        source=source,
        source_id=source_id[:500],
        sender=sender[:300],
        addressed_to=addressed_to[:300],
        size=size,
        code=code[:40],
        reason=reason,
        detail=dict(detail or {}),
    )
    log.warning("mailroom refused a %s item (%s): %s", source, code, reason)
    return refusal


@dataclass(frozen=True)
class BatchResult:
    """A batch of scans: the items stored (new or seen again) and the files refused, each
    refused file with its reason."""

    stored: list[Stored]
    refused: list[tuple[str, str]]  # (file name, reason)


def scans_store_batch(
    files: Sequence[Any],
    *,
    stamped_on: dt.date,
    tz: dt.tzinfo,
    actor: Any,
    now: dt.datetime | None = None,
) -> BatchResult:
    """Store a batch of uploaded scans (PDF or TIFF, as the desk's upload form gives them:
    objects with `.name`, `.size`, `.read()`), each an item received on `stamped_on`, the
    date-stamp on the paper (start of that day in `tz`, the program's zone: the mailroom's
    stamp does not say the hour). A file that is not a PDF or TIFF, or is over the upload
    limit, is refused with its reason (and a `Refusal` row); the others are stored. Raises
    `InvalidInput` for a date-stamp in the future or an empty batch."""
    from django.conf import settings

    now = _now(now)
    if not files:
        raise InvalidInput("choose at least one scanned file", field="files")
    received_at = dt.datetime.combine(stamped_on, dt.time(0, 0), tzinfo=tz)
    if received_at > now + FUTURE_GRACE:
        raise InvalidInput(
            f"the date-stamp {stamped_on.isoformat()} is in the future", field="stamped_on"
        )
    stored: list[Stored] = []
    refused: list[tuple[str, str]] = []
    for upload in files:
        name = _plain_name(getattr(upload, "name", "") or "scan")
        size = int(getattr(upload, "size", 0) or 0)
        if size > settings.UPLOAD_MAX_BYTES:
            reason = (
                f"{name} is {size / 1e6:.1f} MB; scans may be at most "
                f"{settings.UPLOAD_MAX_BYTES / 1e6:.0f} MB: scan it in parts"
            )
        else:
            raw = upload.read()
            kind = storage.content_type_of(raw)
            if kind in ("application/pdf", "image/tiff", "image/png", "image/jpeg"):
                stored.append(
                    item_store(
                        source="scan",
                        raw=raw,
                        received_at=received_at,
                        received_basis=f"date-stamp {stamped_on.isoformat()}",
                        source_id="",
                        name=name,
                        actor=actor,
                        now=now,
                    )
                )
                continue
            reason = f"{name} is not a PDF or an image (TIFF, PNG, JPEG): scan it again as PDF"
        item_refuse(source="scan", code="not_a_scan", reason=reason, size=size, now=now)
        refused.append((name, reason))
    return BatchResult(stored, refused)


# -- the desk's actions -----------------------------------------------------------------------
def item_intake_prefill(item: Item) -> dict[str, Any]:
    """What the intake form starts from when an item is opened as a case (nothing is written).

    Returns {"request": the assess input (program, received_at = the item's receipt instant
    in ISO form, channel from the source, and filed_by / requested / category / service /
    expedited / notice_date when reading proposed them, text = the item's text),
    "member": the matched member `Party` or None, "summary": the first lines of the text,
    "backdate_reason": why the receipt instant is earlier than now, "item_id": item.pk}.
    """
    matched = (item.proposal or {}).get("matched", {})
    assessed = (item.proposal or {}).get("assessment") or {}
    request: dict[str, Any] = {
        "program": item.program or matched.get("program") or "",
        "received_at": item.received_at.isoformat(),
        "channel": CHANNEL_OF_SOURCE[Source(item.source)],
        "text": item.text,
    }
    for key in ("filed_by", "requested", "category", "service", "notice_date"):
        value = (item.proposal or {}).get("request", {}).get(key)
        if value:
            request[key] = value
    if assessed.get("expedited") or item.urgent:
        request["expedited"] = True
    member = None
    if matched.get("member_id"):
        member = Party.objects.filter(pk=matched["member_id"], role="member").first()
    summary = " ".join(item.text.split())[:500]
    return {
        "request": request,
        "member": member,
        "summary": summary,
        "backdate_reason": (
            f"received by {item.get_source_display()} at {item.received_at.isoformat()} "
            f"({item.received_basis}); mailroom item {item.pk}"
        ),
        "item_id": item.pk,
    }


def _attach_documents(item: Item, case: Case, *, actor: Any, now: dt.datetime) -> list[Document]:
    """The item's documents become the case's (same stored files; an item is never deleted,
    so the files stay). An e-mail without attachments gives its text as a document."""
    documents = []
    parts = list(item.parts.order_by("position"))
    for part in parts:
        if Document.objects.filter(case=case, sha256=part.sha256).exists():
            continue
        documents.append(
            Document.objects.create(
                case=case,
                kind="correspondence",
                name=part.name[:200],
                content_type=part.content_type,
                size=part.size,
                sha256=part.sha256,
                file=part.file.name,
                uploaded_by=_user(actor),
            )
        )
    case_services._event(
        case,
        "mailroom.documents_attached",
        actor=actor,
        at=now,
        reason=f"from mailroom item {item.pk} ({item.get_source_display()})",
        after={
            "item_id": item.pk,
            "received_at": item.received_at,
            "documents": [d.pk for d in documents],
        },
    )
    return documents


def item_opened_as_case(
    item: Item,
    *,
    case: Case,
    actor: Any,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Item:
    """After intake confirmed the case made from `item_intake_prefill`: the item's pages
    become documents of `case` (kind "correspondence"), the item is done (opened_as_case).
    Raises `InvalidTransition` when the item is already done, `StaleItem` when it changed.
    Call it in the same transaction as `case_receive` so both stand or fall together."""
    now = _now(now)
    with transaction.atomic():
        item, expected = _fresh(item, expected_version)
        _waiting(item)
        documents = _attach_documents(item, case, actor=actor, now=now)
        _finish(item, expected, outcome="opened_as_case", actor=actor, now=now, case=case)
        _event(
            item,
            "item.opened_as_case",
            actor=actor,
            at=now,
            after={"case": case.number, "documents": [d.pk for d in documents]},
        )
    return item


def item_attach(
    item: Item,
    *,
    case: Case,
    actor: Any,
    items: Sequence[str] = (),
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Item:
    """Attach the item to an open case as information received at the item's receipt instant
    (`case_receive_information`, with `items` naming what it provides, e.g. "medical
    records"): a case awaiting information goes back to review and its paused clocks resume.
    The item's documents become the case's. Raises `InvalidTransition` when the item is done or
    the case is closed (reopen it first), `StaleItem` when the item changed."""
    now = _now(now)
    with transaction.atomic():
        item, expected = _fresh(item, expected_version)
        _waiting(item)
        case = Case.objects.get(pk=case.pk)
        if case.state not in OPEN_STATES:
            raise InvalidTransition(
                f"case {case.number} is {case.state}: reopen it first, or mark the item not a "
                "request (duplicate)"
            )
        case = case_services.case_receive_information(
            case,
            actor=actor,
            items=list(items),
            received_at=item.received_at,
            note=note or f"mailroom item {item.pk} ({item.get_source_display()})",
            now=now,
        )
        resumed = []
        for clock in case.clocks.filter(state=ClockState.PAUSED).order_by("id"):
            case_services.clock_resume(
                clock,
                actor=actor,
                reason=f"information received (mailroom item {item.pk})",
                expected_version=Case.objects.get(pk=case.pk).version,
                now=now,
            )
            resumed.append(clock.clock_id)
        documents = _attach_documents(item, case, actor=actor, now=now)
        _finish(item, expected, outcome="attached", actor=actor, now=now, case=case)
        _event(
            item,
            "item.attached",
            actor=actor,
            at=now,
            reason=note,
            after={
                "case": case.number,
                "items": list(items),
                "clocks_resumed": resumed,
                "documents": [d.pk for d in documents],
            },
        )
    return item


def item_split(
    item: Item,
    *,
    ranges: Sequence[tuple[int, int]],
    actor: Any,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> list[Item]:
    """Split an item whose document is one PDF (a fax or scan holding several requests) into
    new items, one per page range (1-based, inclusive, e.g. [(1, 2), (3, 5)]), each with the
    parent's receipt instant, sender and addressed-to, waiting to be read; the parent is done
    (split). Ranges must lie within the pages and not overlap; pages left out stay only on the
    parent. Raises `InvalidInput` for bad ranges or an item that is not one PDF."""
    from pypdf import PdfReader, PdfWriter

    now = _now(now)
    with transaction.atomic():
        item, expected = _fresh(item, expected_version)
        _waiting(item)
        parts = list(item.parts.all())
        if len(parts) != 1 or parts[0].content_type != "application/pdf" or parts[0].problem:
            raise InvalidInput(
                f"item {item.pk} is not one readable PDF: only a fax or scanned PDF can be split",
                field="ranges",
            )
        with default_storage.open(parts[0].file.name, "rb") as handle:
            reader = PdfReader(io.BytesIO(handle.read()))
        total = len(reader.pages)
        cleaned = _check_ranges(ranges, total)
        children = []
        for first, last in cleaned:
            writer = PdfWriter()
            for number in range(first, last + 1):
                writer.add_page(reader.pages[number - 1])
            out = io.BytesIO()
            writer.write(out)
            label = f"{first}-{last}"
            stored = item_store(
                source=item.source,
                raw=out.getvalue(),
                received_at=item.received_at,
                received_basis=item.received_basis,
                source_id=f"{item.source_id or f'item-{item.pk}'}#pages={label}",
                sender=item.sender,
                sender_name=item.sender_name,
                addressed_to=item.addressed_to,
                subject=item.subject,
                name=f"{parts[0].name.rsplit('.', 1)[0]} pages {label}.pdf",
                parent=item,
                page_range=label,
                actor=actor,
                now=now,
            )
            children.append(stored.item)
        _finish(item, expected, outcome="split", actor=actor, now=now)
        _event(
            item,
            "item.split",
            actor=actor,
            at=now,
            after={"ranges": [f"{a}-{b}" for a, b in cleaned], "items": [c.pk for c in children]},
        )
    return children


def _check_ranges(ranges: Sequence[tuple[int, int]], total: int) -> list[tuple[int, int]]:
    if not ranges:
        raise InvalidInput("give at least one page range, e.g. 1-2", field="ranges")
    cleaned = sorted((int(a), int(b)) for a, b in ranges)
    previous_last = 0
    for first, last in cleaned:
        if first < 1 or last < first or last > total:
            raise InvalidInput(
                f"pages {first}-{last} are not within 1-{total} (the item has {total} pages)",
                field="ranges",
            )
        if first <= previous_last:
            raise InvalidInput(f"pages {first}-{last} overlap another range", field="ranges")
        previous_last = last
    if len(cleaned) == 1 and cleaned[0] == (1, total):
        raise InvalidInput("one range of all pages is not a split", field="ranges")
    return cleaned


def item_not_a_request(
    item: Item,
    *,
    reason: str,
    note: str = "",
    actor: Any,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Item:
    """Mark the item not a request: `reason` one of misdirected, duplicate, spam, other
    (`NotARequest`), `note` saying more (required for other). The item is kept, never deleted.
    Raises `InvalidInput` for an unknown reason or a missing note, `InvalidTransition` when
    the item is already done, `StaleItem` when it changed."""
    now = _now(now)
    if reason not in NotARequest.values:
        raise InvalidInput(
            f"reason {reason!r} is not one of {', '.join(NotARequest.values)}", field="reason"
        )
    if reason == NotARequest.OTHER and not note.strip():
        raise InvalidInput("say why it is not a request", field="note")
    with transaction.atomic():
        item, expected = _fresh(item, expected_version)
        _waiting(item)
        _finish(
            item,
            expected,
            outcome="not_a_request",
            actor=actor,
            now=now,
            outcome_reason=reason,
            outcome_note=note,
        )
        _event(
            item, "item.not_a_request", actor=actor, at=now, reason=note, after={"reason": reason}
        )
    return item
