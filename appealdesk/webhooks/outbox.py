"""The outbox: deliveries are written in the transaction of the case change that caused them
(nothing is lost if the process dies after the commit) and queued for sending after it.

It hears of case changes as a subscriber of the case core's domain events (`cases.events`,
subscribed in `WebhooksConfig.ready`): the event rows the services write (`case.received`,
`case.decided`, and the sweep's `clock.missed`) and the sweep's `ClockAtRisk` warnings, each
published inside the transaction that wrote them.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from appealdesk.cases.events import ClockAtRisk, DomainEvent
from appealdesk.cases.models import Case, Event
from appealdesk.webhooks.models import Delivery, DeliveryStatus, Subscription
from appealdesk.webhooks.tasks import deliveries_enqueue

log = logging.getLogger(__name__)

# the event types that are rows of the case's event log (clock.at_risk is not: it changes no
# state, it is a warning)
FROM_EVENT_LOG = frozenset({"case.received", "case.decided", "clock.missed"})
AT_RISK = "clock.at_risk"


@dataclass(frozen=True)
class Occurrence:
    """Something a receiver may want to hear about, with a stable id."""

    type: str
    id: str
    at: dt.datetime
    case: Case
    data: dict[str, Any]

    def payload(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "occurred_at": self.at.isoformat(),
            "case": {
                "number": self.case.number,
                "program": self.case.program,
                "kind": self.case.kind,
                "level": self.case.level,
                "state": self.case.state,
            },
            "data": self.data,
        }


def on_case_events(happened: Sequence[DomainEvent]) -> None:
    """The subscriber to `cases.events`: queue what any subscription asks for."""
    emit_many([e for e in happened if isinstance(e, Event)])
    emit_at_risk([e for e in happened if isinstance(e, ClockAtRisk)])


def emit_many(events: Sequence[Event]) -> int:
    """Queue the deliveries of event-log rows (in the caller's transaction); how many."""
    wanted = [e for e in events if e.action in FROM_EVENT_LOG and e.case_id is not None]
    if not wanted:  # most events: no query at all
        return 0
    subscribers = _subscribers({e.action for e in wanted})
    if not subscribers:
        return 0
    cases = _cases(wanted)
    return _queue(
        (
            Occurrence(
                type=e.action,
                id=str(e.pk),
                at=e.at,
                case=cases[e.case_id],
                data=e.after or {},
            )
            for e in wanted
        ),
        subscribers,
    )


def emit_at_risk(warnings: Sequence[ClockAtRisk]) -> int:
    """Queue `clock.at_risk` for clocks `clocks_refresh` has just claimed; how many."""
    if not warnings:
        return 0
    subscribers = _subscribers({AT_RISK})
    if not subscribers:
        return 0
    cases = Case.objects.in_bulk({w.clock.case_id for w in warnings})
    return _queue(
        (
            Occurrence(
                type=AT_RISK,
                # one warning per clock and due time (claimed clocks have one)
                id=f"clock-{w.clock.pk}-at-risk-{int(w.clock.due_at.timestamp())}",
                at=w.at,
                case=cases[w.clock.case_id],
                data={
                    "clock": w.clock.clock_id,
                    "label": w.clock.label,
                    "at_risk_at": _iso(w.clock.at_risk_at),
                    "due_at": _iso(w.clock.due_at),
                },
            )
            for w in warnings
        ),
        subscribers,
    )


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _subscribers(types: set[str]) -> list[tuple[int, frozenset[str]]]:
    """Active subscriptions to any of `types`, and which of them each wants."""
    return [(pk, events & types) for pk, events in _active() if events & types]


# Intake writes an event for every case: reading the subscriptions each time cost it about 15 %
# on SQLite (bench/casecore.py). So each process keeps them for a few seconds; a change saved
# in this process is seen at once, in others within SUBSCRIPTIONS_TTL (a subscription made
# inactive is not sent to anyway: the worker checks it before each POST).
SUBSCRIPTIONS_TTL = 5.0
_cached: tuple[float, list[tuple[int, frozenset[str]]]] | None = None


def _active() -> list[tuple[int, frozenset[str]]]:
    global _cached
    now = time.monotonic()
    if _cached is None or now - _cached[0] > SUBSCRIPTIONS_TTL:
        # a small table, filtered here: SQLite has no JSON containment lookup
        rows = Subscription.objects.filter(active=True).values_list("pk", "events")
        _cached = (now, [(pk, frozenset(events)) for pk, events in rows])
    return _cached[1]


def forget_subscriptions(**kwargs: Any) -> None:
    """Drop this process's copy of the subscriptions (on every save or delete of one)."""
    global _cached
    _cached = None


def _cases(events: Sequence[Event]) -> dict[int, Case]:
    known = {e.case_id: e.case for e in events if Event.case.is_cached(e)}
    missing = {e.case_id for e in events} - known.keys()
    if missing:
        known.update(Case.objects.in_bulk(missing))
    return known


def _queue(occurrences: Iterable[Occurrence], subscribers: list[tuple[int, frozenset[str]]]) -> int:
    # real time, not the caller's `now`: deliveries happen in the world, not in the case's time
    now = timezone.now()
    rows = [
        Delivery(
            subscription_id=pk,
            event_type=o.type,
            event_id=o.id,
            payload=o.payload(),
            next_attempt_at=now,
            created_at=now,
        )
        for o in occurrences
        for pk, types in subscribers
        if o.type in types
    ]
    if not rows:
        return 0
    try:
        with transaction.atomic():  # a savepoint: a duplicate must not undo the case change
            ids: list[int] | None = [d.pk for d in Delivery.objects.bulk_create(rows)]
    except IntegrityError:
        # an event offered twice: the unique constraint keeps the first delivery
        log.warning("webhooks: %d deliveries offered again; duplicates ignored", len(rows))
        for row in rows:
            row.pk = None
        Delivery.objects.bulk_create(rows, ignore_conflicts=True)
        ids = None
    keys = [(d.subscription_id, d.event_type, d.event_id) for d in rows]
    transaction.on_commit(partial(_enqueue_after_commit, ids, keys), robust=True)
    return len(rows)


def _enqueue_after_commit(ids: list[int] | None, keys: list[tuple[int, str, str]]) -> None:
    if ids is None or None in ids:  # ids unknown: look the pending ones up
        wanted = set(keys)
        ids = [
            pk
            for pk, *key in Delivery.objects.filter(
                status=DeliveryStatus.PENDING, event_id__in={k[2] for k in keys}
            ).values_list("pk", "subscription_id", "event_type", "event_id")
            if tuple(key) in wanted
        ]
    deliveries_enqueue(ids)
