"""The desk's reads of the mailroom: which items a user may see (the programs of their teams)
and the queue of those, through the mailroom's own selector. Pure reads; every change goes
through `appealdesk.mailroom.services`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from appealdesk.access import roles
from appealdesk.mailroom.models import Item
from appealdesk.mailroom.selectors import WAITING, QueuePage, queue_page

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
    return roles.program_names(user)


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
    """The queue of the items the user may see, as the desk filters it (a chosen program is
    that program's items only; the backend's selector also keeps the items not yet known)."""
    items = visible_items(user)
    if program:
        items = items.filter(program=program)
    return queue_page(items=items, state=state, source=source, after=after, limit=limit, now=now)
