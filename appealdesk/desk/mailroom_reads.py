"""The desk's reads of the mailroom that the backend's selectors do not offer yet: which items a
user may see (the programs of their teams), and the queue with the desk's filters (state,
source, program). Pure reads; every change goes through `appealdesk.mailroom.services`.

Asked of the backend in NEEDS-FROM-BACKEND.md (`queue_page(..., programs=, states=, source=)`);
when it exists, `queue` becomes a call to it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.fields.json import KT
from django.utils import timezone

from appealdesk.access import roles
from appealdesk.cases.models import Team
from appealdesk.mailroom.errors import InvalidInput
from appealdesk.mailroom.models import Item, ItemState, Source
from appealdesk.mailroom.selectors import QueuePage, QueueRow, _decode, _encode, due_words

WAITING = (ItemState.NEW, ItemState.READ, ItemState.PROPOSED)
# the queue's state filter: the waiting ones together (the default), or one of `ItemState`
STATE_FILTERS: dict[str, str] = {
    "waiting": "waiting (not done)",
    "new": "new (not read yet)",
    "read": "read (no proposal yet)",
    "proposed": "proposed",
    "done": "done",
}


def programs_of(user: Any) -> list[str] | None:
    """The programs whose mail the user reads: those of their teams (a supervisor's: every team
    of their programs); None means every program (an administrator)."""
    if roles.ADMINISTRATOR in roles.roles_of(user):
        return None
    cached = getattr(user, "_mailroom_programs", None)
    if cached is None:
        cached = sorted(
            set(Team.objects.filter(id__in=roles.team_ids(user)).values_list("program", flat=True))
        )
        user._mailroom_programs = cached
    return list(cached)


def visible_items(user: Any) -> QuerySet[Item]:
    """The items the user may read: those proposed for one of their programs, and those whose
    program is not known yet (someone has to read them to find out). The same rule for the
    queue, the item page, its documents and its actions."""
    items = Item.objects.all()
    if not roles.may(user, "mailroom"):
        return items.none()
    programs = programs_of(user)
    if programs is None:
        return items
    return items.filter(Q(program__in=programs) | Q(program=""))


def waiting_count(user: Any) -> int:
    """How many items wait for the user's programs (the header's "Mailroom (N)")."""
    return visible_items(user).filter(state__in=WAITING).count()


def queue(
    user: Any,
    *,
    state: str = "waiting",
    source: str = "",
    program: str = "",
    after: str | None = None,
    limit: int = 50,
    now: dt.datetime | None = None,
) -> QueuePage:
    """The queue as the desk filters it, in the backend's order (urgent first, then oldest
    receipt first) and with its keyset cursor: one query a page, the large text fields
    deferred. Raises `InvalidInput` for an unknown filter value or a bad cursor."""
    now = now or timezone.now()
    limit = max(1, min(limit, 200))
    # the matched member's id read from the JSON in the same query: the access log names them
    rows = (
        visible_items(user)
        .defer("text", "quoted", "proposal")
        .annotate(matched_member=KT("proposal__matched__member_id"))
    )
    if state == "waiting":
        rows = rows.filter(state__in=WAITING)
    elif state in ItemState.values:
        rows = rows.filter(state=state)
    else:
        raise InvalidInput(f"state {state!r} is not one of {', '.join(STATE_FILTERS)}")
    if source:
        if source not in Source.values:
            raise InvalidInput(f"source {source!r} is not one of {', '.join(Source.values)}")
        rows = rows.filter(source=source)
    if program:
        rows = rows.filter(program=program)
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
