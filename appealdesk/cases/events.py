"""Domain events: what happened to cases, told to the features that react to it.

The services publish every row they write to a case's event log (`case.received`,
`case.decided`, `clock.missed`, …) and the sweep's at-risk warnings (`ClockAtRisk`, which
change no state and have no row). Features subscribe when their app starts (webhooks in
`WebhooksConfig.ready`): a feature knows the core, the core never names its listeners.

Handlers run at once, in the order they subscribed, inside the transaction that wrote the
events: what a handler writes (an outbox row) commits or rolls back with the case change, and
whatever must wait for the commit (a request, an email) it puts behind
`transaction.on_commit`. A handler's exception is not caught here: it leaves the service and
rolls its transaction back, so a case change never commits without what a listener had to
record with it (the outbox's promise that no delivery is lost). A listener whose failure should
not cost the case change catches its own errors, and logs them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from appealdesk.cases.models import Clock, Event


@dataclass(frozen=True)
class ClockAtRisk:
    """A clock the sweep has just claimed as at risk (once per due time). Its `id`, `case_id`,
    `clock_id`, `label`, `at_risk_at` and `due_at` are loaded."""

    clock: Clock
    at: dt.datetime


DomainEvent = Event | ClockAtRisk
Handler = Callable[[Sequence[DomainEvent]], object]

_handlers: list[Handler] = []


def subscribe(handler: Handler) -> None:
    """Have `handler` told of every publication from now on; subscribing twice is once."""
    if handler not in _handlers:
        _handlers.append(handler)


def unsubscribe(handler: Handler) -> None:
    if handler in _handlers:
        _handlers.remove(handler)


def publish(events: Sequence[DomainEvent]) -> None:
    """Tell every subscriber of `events`, in the caller's transaction (see above)."""
    if not events:
        return
    for handler in tuple(_handlers):
        handler(events)
