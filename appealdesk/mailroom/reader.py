"""Reading stored items in the task worker: new → read (text, pages, parts, searchable PDF,
problems) → proposed (matched and assessed). OCR runs outside any transaction; each state change
commits with its event. An item is claimed with a conditional UPDATE, so two workers never read
it at once and one that died mid-read leaves a claim that runs out."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from appealdesk.mailroom import config, emails, matching, reading, storage
from appealdesk.mailroom.models import Item, ItemState, Part
from appealdesk.mailroom.services import CHANNEL_OF_SOURCE, _event, item_bytes_to_storage

log = logging.getLogger(__name__)

CLAIM_LEASE = dt.timedelta(minutes=15)  # longer than the OCR time limit of one item
MAX_READ_ATTEMPTS = 3
# the codes of an e-mail's notes, most important first (what the text may get wrong first)
NOTE_ORDER = ["too_many_attachments", "charset", "html_dropped", "bad_date"]


@task()
def read_item_task(item_id: int) -> str:
    """The queue's task: read one item (queued when it is stored)."""
    return item_read(item_id)


def queue_read(item: Item) -> None:
    """Queue the item's reading once the store commits (the safety net `items_read_pending`
    reads anything whose task was lost)."""

    def enqueue() -> None:
        try:
            read_item_task.enqueue(item.pk)
        except Exception:  # the worker's safety net reads it within a minute
            log.exception("could not queue the reading of mailroom item %s", item.pk)

    transaction.on_commit(enqueue)


@task()
def read_items_task(item_ids: list[int]) -> str:
    """The queue's task for a batch stored together (an IMAP fetch): read each in turn."""
    return "; ".join(item_read(item_id) for item_id in item_ids)


def queue_read_many(item_ids: list[int]) -> None:
    """Queue one reading task for a batch once it commits."""

    def enqueue() -> None:
        try:
            read_items_task.enqueue(item_ids)
        except Exception:  # the worker's safety net reads them within a minute
            log.exception("could not queue the reading of %d mailroom items", len(item_ids))

    transaction.on_commit(enqueue)


def _claim(item_id: int, now: dt.datetime) -> bool:
    return (
        Item.objects.filter(pk=item_id, state=ItemState.NEW, read_attempts__lt=MAX_READ_ATTEMPTS)
        .filter(Q(read_claimed_at__isnull=True) | Q(read_claimed_at__lt=now - CLAIM_LEASE))
        .update(read_claimed_at=now, read_attempts=F("read_attempts") + 1)
        == 1
    )


def item_read(item_id: int, *, now: dt.datetime | None = None) -> str:
    """Read one new item and propose what it is. Returns what happened, in words."""
    now = now or timezone.now()
    if not _claim(item_id, now):
        return f"item {item_id}: not new, or another worker is reading it"
    item = Item.objects.get(pk=item_id)
    try:
        item_bytes_to_storage(item)
        if item.raw_content_type == "message/rfc822":
            _read_email(item, now)
        else:
            _read_document_item(item, now)
    except Exception as exc:
        # a bug or a storage failure: say so on the item (it stays new; the next round retries
        # until MAX_READ_ATTEMPTS, then a person reads it) and keep the worker running
        log.exception("reading mailroom item %s failed", item_id)
        Item.objects.filter(pk=item_id).update(
            problem=f"reading failed ({type(exc).__name__}: {str(exc)[:200]}); it will be tried "
            f"again up to {MAX_READ_ATTEMPTS} times, then read it on the item page",
            problem_code="read_failed",
            read_claimed_at=None,
        )
        return f"item {item_id}: reading failed ({type(exc).__name__})"
    _propose(Item.objects.get(pk=item_id), now)
    return f"item {item_id}: read and proposed"


def _store_derived(item: Item, data: bytes, suffix: str) -> str:
    name = f"mailroom/{item.received_at:%Y/%m}/{storage.digest(data)}{suffix}"
    if default_storage.exists(name):
        return name
    return default_storage.save(name, ContentFile(data))


def _read_document_item(item: Item, now: dt.datetime) -> None:
    part = item.parts.get(position=1)
    with part.file.open("rb") as handle:
        raw = handle.read()
    result = reading.read_document(raw, part.content_type, part.name, config.limits())
    searchable = (
        _store_derived(item, result.searchable_pdf, ".ocr.pdf") if result.searchable_pdf else ""
    )
    problem = result.problem
    with transaction.atomic():
        Part.objects.filter(pk=part.pk).update(
            pages=result.pages,
            text=result.text,
            searchable_pdf=searchable,
            problem=problem.message if problem else "",
            problem_code=problem.code if problem else "",
        )
        _mark_read(
            item,
            now,
            pages=result.pages,
            text=result.text,
            quoted="",
            searchable_pdf=searchable,
            problem=problem.message if problem else "",
            problem_code=problem.code if problem else "",
        )


def _read_email(item: Item, now: dt.datetime) -> None:
    parsed = emails.parse_email(storage.raw_bytes(item), max_attachments=config.max_attachments())
    limits = config.limits()
    parts: list[Part] = []
    problems: list[str] = list(parsed.notes)
    codes: list[str] = []
    total_pages = 0
    for position, attachment in enumerate(parsed.attachments, start=1):
        content_type = storage.content_type_of(attachment.payload)
        stored_name = storage.store_bytes(
            attachment.payload, folder=f"{item.received_at:%Y/%m}", content_type=content_type
        )
        result = reading.read_document(attachment.payload, content_type, attachment.name, limits)
        searchable = (
            _store_derived(item, result.searchable_pdf, ".ocr.pdf") if result.searchable_pdf else ""
        )
        if result.problem:
            problems.append(result.problem.message)
            codes.append(result.problem.code)
        total_pages += result.pages or 0
        parts.append(
            Part(
                item=item,
                position=position,
                name=emails_name(attachment.name),
                content_type=content_type,
                size=len(attachment.payload),
                sha256=storage.digest(attachment.payload),
                file=stored_name,
                pages=result.pages,
                text=result.text,
                searchable_pdf=searchable,
                problem=result.problem.message if result.problem else "",
                problem_code=result.problem.code if result.problem else "",
            )
        )
    # the item's code: what most needs a person first (nothing in it, attachments not shown),
    # then a document's problem, then what was noted reading the message
    noted = sorted((n.code for n in parsed.notes), key=NOTE_ORDER.index)
    codes = [c for c in noted if c == "too_many_attachments"] + codes
    codes += [c for c in noted if c != "too_many_attachments"]
    if not parsed.text and not parts:
        problems.insert(
            0, "the message has no text and no attachments: ask the sender what they meant to send"
        )
        codes.insert(0, "empty_message")
    text = parsed.text
    attached_text = "\n\n".join(f"[{p.name}]\n{p.text}" for p in parts if p.text)
    with transaction.atomic():
        Part.objects.filter(item=item).delete()  # a retried read after a crash starts over
        Part.objects.bulk_create(parts)
        _mark_read(
            item,
            now,
            pages=total_pages or None,
            text="\n\n".join(t for t in (text, attached_text) if t),
            quoted=parsed.quoted,
            searchable_pdf="",
            problem="; ".join(problems),
            problem_code=codes[0] if codes else "",
            # a batch from a mailbox is stored with its Message-ID only: its headers are read here
            subject=item.subject or parsed.subject[:500],
            sender=item.sender or parsed.sender[:300],
            sender_name=item.sender_name or parsed.sender_name[:300],
            addressed_to=item.addressed_to or ", ".join(dict.fromkeys(parsed.to))[:300],
        )


def emails_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in base if ch.isprintable())[:300] or "attachment"


def _mark_read(item: Item, now: dt.datetime, **fields: Any) -> None:
    Item.objects.filter(pk=item.pk).update(
        state=ItemState.READ, read_claimed_at=None, version=F("version") + 1, **fields
    )
    _event(
        item,
        "item.read",
        actor=None,
        at=now,
        after={
            "pages": fields.get("pages"),
            "characters": len(fields.get("text") or ""),
            "problem_code": fields.get("problem_code", ""),
            "ocr": bool(fields.get("searchable_pdf")),
        },
    )


def _propose(item: Item, now: dt.datetime) -> None:
    matched = matching.match(
        text=item.text,
        subject=item.subject,
        addressed_to=item.addressed_to,
        mailbox_program=item.program,  # the source's (the mailbox's) program
    )
    proposal = matching.propose(
        matched,
        text=item.text,
        received_at=item.received_at,
        channel=CHANNEL_OF_SOURCE[item.source],  # type: ignore[index]
    )
    proposal["matched"] = matched.as_dict()
    assessment = proposal["assessment"] or {}
    first = _first_deadline(assessment)
    urgent = bool(matched.urgent_words) or bool(assessment.get("expedited"))
    summary = _summary(matched, assessment, proposal.get("assess_error", ""))
    handler = matched.handler or ((assessment.get("handler") or {}).get("id") or "")
    with transaction.atomic():
        Item.objects.filter(pk=item.pk, state=ItemState.READ).update(
            state=ItemState.PROPOSED,
            proposal=proposal,
            proposal_summary=summary[:300],
            program=matched.program or item.program,
            handler=handler,
            urgent=urgent,
            first_due_at=first[0] if first else None,
            first_due_label=first[1][:200] if first else "",
            version=F("version") + 1,
        )
        _event(
            item,
            "item.proposed",
            actor=None,
            at=now,
            after={"summary": summary, "program": matched.program, "urgent": urgent},
        )


def _first_deadline(assessment: dict[str, Any]) -> tuple[dt.datetime, str] | None:
    running = [
        (dt.datetime.fromisoformat(d["due_at"]), d["label"])
        for d in assessment.get("deadlines") or []
        if d.get("due_at") and d.get("state") == "running"
    ]
    return min(running, default=None)


def _summary(matched: matching.Matched, assessment: dict[str, Any], error: str) -> str:
    bits = []
    if matched.reply_to_case:
        bits.append(f"reply on {matched.reply_to_case}")
    elif assessment:
        what = assessment["kind"].replace("_", " ")
        if assessment.get("category"):
            what += f", {assessment['category'].replace('_', ' ')}"
        if assessment.get("expedited"):
            what = "expedited " + what
        bits.append(what)
    elif error:
        bits.append("not assessed")
    if matched.member_name:
        bits.append(
            f"member {matched.member_name}" + (" (to check)" if matched.member_review else "")
        )
    elif matched.member_review:
        bits.append("member to choose")
    if matched.case_numbers and not matched.reply_to_case:
        bits.append("mentions " + ", ".join(matched.case_numbers[:3]))
    if matched.program:
        bits.append(matched.program.upper())
    return "; ".join(bits)


def items_read_pending(*, limit: int = 50, now: dt.datetime | None = None) -> int:
    """Read new items whose task was lost (a worker killed mid-read, a crash before queueing).
    Returns how many were read."""
    now = now or timezone.now()
    pending = list(
        Item.objects.filter(state=ItemState.NEW, read_attempts__lt=MAX_READ_ATTEMPTS)
        .filter(Q(read_claimed_at__isnull=True) | Q(read_claimed_at__lt=now - CLAIM_LEASE))
        .order_by("received_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    for item_id in pending:
        item_read(item_id, now=now)
    return len(pending)
