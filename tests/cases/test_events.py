"""The case core's domain events (`cases.events`): a subscriber hears what the services write,
inside their transaction, so what it records commits or rolls back with the case change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import pytest
from django.db import connection, transaction

from appealdesk.cases import events
from appealdesk.cases import services as sv
from appealdesk.cases.errors import InvalidInput
from appealdesk.cases.events import ClockAtRisk, DomainEvent
from appealdesk.cases.models import Case, Event
from tests.cases.conftest import NOW

pytestmark = pytest.mark.django_db

D = dt.timedelta(days=1)


@dataclass
class Listener:
    """Records what it hears, with how deep in savepoints it was told; writes a row of its own
    (as the webhook outbox does) and keeps a note for after the commit."""

    heard: list[tuple[str, int]] = field(default_factory=list)
    committed: list[str] = field(default_factory=list)
    fail: bool = False

    def __call__(self, happened: Sequence[DomainEvent]) -> None:
        if self.fail:
            raise RuntimeError("the listener is broken")
        names = [
            e.action if isinstance(e, Event) else f"at_risk:{e.clock.clock_id}" for e in happened
        ]
        depth = len(connection.savepoint_ids)
        self.heard += [(name, depth) for name in names]
        Event.objects.create(at=NOW, actor_label="listener", action="test.heard", after=names)
        transaction.on_commit(lambda: self.committed.extend(names))


@pytest.fixture
def listener() -> Iterator[Listener]:
    heard = Listener()
    events.subscribe(heard)
    yield heard
    events.unsubscribe(heard)


def test_a_subscriber_hears_an_intake_inside_its_transaction(
    listener, receive, django_capture_on_commit_callbacks
):
    outside = len(connection.savepoint_ids)
    with django_capture_on_commit_callbacks(execute=True):
        case = receive()
    # told once, of the one event, while case_receive's atomic block was open
    assert [name for name, _ in listener.heard] == ["case.received"]
    assert listener.heard[0][1] > outside
    assert listener.committed == ["case.received"]
    assert Event.objects.filter(case=case, action="case.received").count() == 1
    assert Event.objects.filter(action="test.heard").count() == 1


def test_what_a_subscriber_wrote_rolls_back_with_the_intake(
    listener, receive, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        receive()
        raise RuntimeError("the caller's transaction fails after the intake")
    assert listener.heard and listener.committed == []
    assert not Case.objects.exists()
    assert not Event.objects.exists()  # neither the case's event nor the listener's row


def test_a_refused_intake_publishes_nothing(listener, receive):
    with pytest.raises(InvalidInput):
        receive(received_at="2099-01-01T09:00:00-08:00")  # in the future
    assert listener.heard == []


def test_a_failing_subscriber_undoes_the_case_change(listener, receive):
    """Not swallowed: the outbox must never miss a committed change."""
    listener.fail = True
    with pytest.raises(RuntimeError, match="the listener is broken"):
        receive()
    assert not Case.objects.exists()
    assert not Event.objects.exists()


def test_subscribing_twice_is_once(listener, receive):
    events.subscribe(listener)
    receive()
    assert [name for name, _ in listener.heard] == ["case.received"]


def test_the_sweep_publishes_missed_clocks_and_warnings(listener, receive):
    receive()
    listener.heard.clear()
    sv.clocks_refresh(now=NOW + 4 * D)  # the 72-hour acknowledgement has passed
    assert [name for name, _ in listener.heard] == ["clock.missed"]
    sv.clocks_refresh(now=NOW + 12 * D)  # the 14-day decision target is past 80 % of its time
    assert [name for name, _ in listener.heard][1:] == ["at_risk:decision_target"]
    assert all(depth > 0 for _, depth in listener.heard)


def test_at_risk_warnings_carry_the_clock_and_the_time(listener, receive):
    case = receive()
    told: list[ClockAtRisk] = []
    events.subscribe(told.extend)
    try:
        sv.clocks_refresh(now=NOW + 12 * D)
    finally:
        events.unsubscribe(told.extend)
    warnings = [w for w in told if isinstance(w, ClockAtRisk)]
    assert [(w.clock.case_id, w.clock.clock_id, w.at) for w in warnings] == [
        (case.pk, "decision_target", NOW + 12 * D)
    ]
