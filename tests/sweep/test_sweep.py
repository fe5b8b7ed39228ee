"""The clock sweep (SPEC 5.5): missed clocks marked with an event each, at-risk clocks warned of
once, the owner and the supervisor notified once, immediate independent review flagged when
the plan missed an appeal's decision timeline; run twice, or twice at once, nothing twice."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import connection, connections

from appealdesk.cases import services as sv
from appealdesk.cases.models import Case, Clock, Event, Notification, SweepRun
from tests.cases.conftest import NOW

D = dt.timedelta(days=1)


def owned(case, user):
    Case.objects.filter(pk=case.pk).update(owner=user, team=user.staff.teams.first())
    return Case.objects.get(pk=case.pk)


def notified(case):
    return sorted(
        (n.kind, n.recipient.username, n.clock.clock_id)
        for n in Notification.objects.filter(case=case).select_related("recipient", "clock")
    )


def actions(case):
    return Counter(Event.objects.filter(case=case).values_list("action", flat=True))


@pytest.mark.django_db
def test_missed_and_at_risk_notify_owner_and_supervisor_once(receive, people, supervised):
    case = owned(receive(), people["bob"])
    first = sv.clocks_refresh(now=NOW + 4 * D)
    assert (first["missed"], first["notifications"]) == (1, 2)  # acknowledge, 72 h
    assert notified(case) == [
        ("clock.missed", "bob", "acknowledge"),
        ("clock.missed", "erin", "acknowledge"),
    ]
    again = sv.clocks_refresh(now=NOW + 4 * D)
    assert (again["missed"], again["notifications"], again["at_risk_notified"]) == (0, 0, 0)
    # seed: "…within 14 days…" is the target; at 80 % of it the clock is at risk
    later = sv.clocks_refresh(now=NOW + 12 * D)
    assert later["at_risk_notified"] >= 1
    at_risk = [n for n in notified(case) if n[0] == "clock.at_risk"]
    assert {who for _, who, _ in at_risk} == {"bob", "erin"}
    before = Notification.objects.count()
    assert sv.clocks_refresh(now=NOW + 12 * D + dt.timedelta(hours=1))["notifications"] == 0
    assert Notification.objects.count() == before
    assert actions(case)["clock.missed"] == 1
    assert not case.immediate_iro


@pytest.mark.django_db
def test_a_missed_appeal_decision_flags_immediate_iro_once(receive, people, supervised):
    # seed: "If the plan has exceeded the timelines for response to your appeal without good
    # cause and without reaching a decision." (ump.yaml, iro-immediate-missed-timeline)
    case = owned(receive(), people["bob"])
    decision = Clock.objects.get(case=case, clock_id="decision")
    assert decision.binding and decision.met_by == ["notified_written"]
    after = decision.due_at + dt.timedelta(minutes=1)
    run = sv.clocks_sweep(now=after, worker="test")
    assert run.counts["immediate_iro"] == 1 and run.finished_at is not None
    case.refresh_from_db()
    assert case.immediate_iro
    assert actions(case)["case.immediate_iro"] == 1
    assert ("case.immediate_iro", "bob", "decision") in notified(case)
    assert sv.clocks_sweep(now=after, worker="test").counts["immediate_iro"] == 0
    assert actions(case)["case.immediate_iro"] == 1
    assert SweepRun.objects.count() == 2


@pytest.mark.django_db
def test_a_decided_case_or_a_non_binding_clock_flags_nothing(receive, people, supervised):
    case = owned(receive(), people["bob"])
    target = Clock.objects.filter(case=case, binding=False).first()
    assert target is not None  # the 14-day target
    sv.clocks_refresh(now=target.due_at + dt.timedelta(minutes=1))
    case.refresh_from_db()
    assert not case.immediate_iro
    Case.objects.filter(pk=case.pk).update(decided_at=NOW + D)
    decision = Clock.objects.get(case=case, clock_id="decision")
    assert sv.clocks_refresh(now=decision.due_at + D)["immediate_iro"] == 0


@pytest.mark.django_db
def test_a_resumed_clock_may_warn_again(receive, people, supervised):
    case = owned(receive(), people["bob"])
    decision = Clock.objects.get(case=case, clock_id="decision")
    Clock.objects.filter(pk=decision.pk).update(pausable=True)  # as a pack with pausable: true
    at_risk = decision.at_risk_at + dt.timedelta(minutes=1)
    sv.clocks_refresh(now=at_risk)
    decision.refresh_from_db()
    assert decision.at_risk_notified_at == at_risk
    sv.clock_pause(decision, actor=people["bob"], reason="member asked to hold", now=at_risk)
    resumed = sv.clock_resume(decision, actor=people["bob"], reason="back", now=at_risk + 5 * D)
    assert resumed.at_risk_notified_at is None
    sv.clocks_refresh(now=resumed.at_risk_at + dt.timedelta(minutes=1))
    warned = [n for n in notified(case) if n[0] == "clock.at_risk" and n[2] == "decision"]
    assert len(warned) == 4  # bob and erin, for each due time


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_do_nothing_twice(receive, people, supervised):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: concurrent sweeps are a PostgreSQL matter")
    cases = [owned(receive(), people["bob"]) for _ in range(40)]
    now = max(c.due_at for c in Clock.objects.filter(case__in=cases) if c.due_at) + D
    results: list[dict[str, int]] = []
    barrier = threading.Barrier(4)

    def sweep() -> None:
        try:
            barrier.wait()
            results.append(sv.clocks_sweep(now=now, batch=7, worker="t").counts)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4
    missed = Clock.objects.filter(case__in=cases, state="missed").count()
    assert missed >= 3 * len(cases)
    assert sum(r["missed"] for r in results) == missed
    per_clock = Counter(
        Event.objects.filter(action="clock.missed").values_list("case_id", "after__clock")
    )
    assert len(per_clock) == missed and set(per_clock.values()) == {1}
    assert sum(r["notifications"] for r in results) == Notification.objects.count()
    assert sum(r["immediate_iro"] for r in results) == len(cases)
    assert Event.objects.filter(action="case.immediate_iro").count() == len(cases)
