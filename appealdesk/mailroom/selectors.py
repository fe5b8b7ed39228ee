"""Reading the mailroom: the queue (keyset-paginated, two queries a page whatever its size) and
one item with its parts and history."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.fields.json import KT
from django.utils import timezone

from appealdesk.mailroom import storage
from appealdesk.mailroom.errors import InvalidInput
from appealdesk.mailroom.models import Item, ItemState, Source
from appealdesk.policy.quoting import quoted

WAITING = (ItemState.NEW, ItemState.READ, ItemState.PROPOSED)


@dataclass(frozen=True)
class QueueRow:
    item: Item  # without its large text fields (deferred)
    due_words: str  # "acknowledge due in 61 hours", "acknowledge overdue by 3 hours", ""
    overdue: bool


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    next_cursor: str | None  # pass back as `after` for the next page; None on the last page


def _hours(delta: dt.timedelta) -> str:
    hours = int(abs(delta).total_seconds() // 3600)
    if hours >= 1:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = int(abs(delta).total_seconds() // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def due_words(item: Item, now: dt.datetime) -> tuple[str, bool]:
    """The clock already running from the item's receipt, in words: the first deadline of its
    proposal ("acknowledge due in 61 hours"), or "" when reading found none yet."""
    if item.first_due_at is None:
        return "", False
    label = item.first_due_label or "first deadline"
    if item.first_due_at < now:
        return f"{label} overdue by {_hours(now - item.first_due_at)}", True
    return f"{label} due in {_hours(item.first_due_at - now)}", False


def _encode(item: Item) -> str:
    raw = f"{int(item.urgent)}|{item.received_at.isoformat()}|{item.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[bool, dt.datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        urgent, received, pk = base64.urlsafe_b64decode(padded).decode().split("|")
        return urgent == "1", dt.datetime.fromisoformat(received), int(pk)
    except ValueError:
        raise InvalidInput("the page cursor is not valid: start from the first page") from None


def queue_page(
    *,
    items: QuerySet[Item] | None = None,
    state: str = "waiting",
    source: str = "",
    program: str | None = None,
    after: str | None = None,
    limit: int = 50,
    now: dt.datetime | None = None,
) -> QueuePage:
    """The queue: urgent first, then oldest receipt first, one query a page (the text fields
    deferred; the matched member's id read from the proposal in the same query, for the access
    log). `items` is where to look (the desk passes the items a user may see; all by default);
    `state` is "waiting" (new, read, proposed) or one `ItemState`; `source` one `Source`;
    `program` limits the queue to items proposed for that program (and those not yet known);
    `after` is the previous page's `next_cursor`. Raises `InvalidInput` for an unknown filter
    value or a cursor that is not one of ours."""
    now = now or timezone.now()
    limit = max(1, min(limit, 200))
    rows = (
        (items if items is not None else Item.objects.all())
        .defer("text", "quoted", "proposal")
        .annotate(matched_member=KT("proposal__matched__member_id"))
    )
    if state == "waiting":
        rows = rows.filter(state__in=WAITING)
    elif state in ItemState.values:
        rows = rows.filter(state=state)
    else:
        raise InvalidInput(
            f"state {quoted(state)} is not one of waiting, {', '.join(ItemState.values)}"
        )
    if source:
        if source not in Source.values:
            raise InvalidInput(f"source {quoted(source)} is not one of {', '.join(Source.values)}")
        rows = rows.filter(source=source)
    if program:
        rows = rows.filter(Q(program=program) | Q(program=""))
    if after:
        urgent, received_at, pk = _decode(after)
        later = Q(received_at__gt=received_at) | Q(received_at=received_at, id__gt=pk)
        rows = rows.filter(
            Q(urgent=False) | (Q(urgent=True) & later) if urgent else Q(urgent=False) & later
        )
    page = list(rows.order_by("-urgent", "received_at", "id")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    out = []
    for item in page:
        words, overdue = due_words(item, now) if item.state in WAITING else ("", False)
        out.append(QueueRow(item, words, overdue))
    return QueuePage(out, _encode(page[-1]) if more and page else None)


def item_detail(item_id: int) -> dict[str, Any]:
    """One item for its page: the item, its parts in order, its events oldest first, and its
    children (split items). Raises `Item.DoesNotExist`."""
    item = Item.objects.select_related("case", "parent", "done_by").get(pk=item_id)
    return {
        "item": item,
        "parts": list(item.parts.order_by("position")),
        "events": list(item.events.order_by("at", "id")),
        "children": list(item.children.order_by("id")),
    }


def item_as_received(item: Item) -> bytes:
    """The item's bytes exactly as they arrived (an e-mail's whole message, with every
    attachment, also those past MAILROOM_MAX_ATTACHMENTS), wherever they are kept."""
    return storage.raw_bytes(item)
