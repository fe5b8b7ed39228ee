"""The mailroom's own sweep: an item left unprocessed past its program's threshold is warned
about once (a clock runs from receipt whether or not anyone opened the fax). The threshold is a
setting per program, MAILROOM_UNPROCESSED_HOURS (see config.unprocessed_hours)."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from appealdesk.mailroom import config
from appealdesk.mailroom.models import Item, ItemState
from appealdesk.mailroom.services import _event

log = logging.getLogger(__name__)

WAITING = (ItemState.NEW, ItemState.READ, ItemState.PROPOSED)


def items_warn_unprocessed(*, now: dt.datetime | None = None) -> list[int]:
    """Warn (an `item.unprocessed_warning` event, `warned_at`, a log line) about each waiting
    item older than its program's threshold; each item once. Returns the items warned."""
    now = now or timezone.now()
    hours = dict(config.setting("MAILROOM_UNPROCESSED_HOURS", {"*": 24}))
    default = float(hours.pop("*", 24))
    groups = [(Q(program=p), float(h)) for p, h in hours.items()]
    groups.append((~Q(program__in=list(hours)), default))
    warned: list[int] = []
    for match, limit in groups:
        late = Item.objects.filter(
            match,
            state__in=WAITING,
            warned_at__isnull=True,
            received_at__lt=now - dt.timedelta(hours=limit),
        ).values_list("id", "program", "received_at")[:500]
        for item_id, program, received_at in late:
            with transaction.atomic():
                # a conditional update: two workers sweeping at once warn once
                if not Item.objects.filter(pk=item_id, warned_at__isnull=True).update(
                    warned_at=now
                ):
                    continue
                waited = (now - received_at).total_seconds() / 3600
                _event(
                    Item(pk=item_id),
                    "item.unprocessed_warning",
                    actor=None,
                    at=now,
                    reason=f"unprocessed {waited:.0f} hours after receipt (the limit for "
                    f"{program or 'items of no known program'} is {limit:g} hours)",
                    after={"hours": round(waited, 1), "limit": limit},
                )
            log.warning("mailroom item %s unprocessed for %.0f hours", item_id, waited)
            warned.append(item_id)
    return warned
