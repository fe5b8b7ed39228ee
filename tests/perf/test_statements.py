"""Issues 22.2 and 22.4, by statement counts (never times): an intake writes its case, its
clocks in one INSERT and its first event without locking the new case or reading its empty
chain; a sweep batch is a fixed set of statements whatever the batch's size, and the events it
writes keep every chain whole (`appealdesk verify`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appealdesk.cases import services as sv
from appealdesk.cases.chain import ChainCheck
from appealdesk.cases.models import Event
from tests.cases import conftest as cases

_fast_settings = cases._fast_settings
member, people, receive, team = cases.member, cases.people, cases.receive, cases.team
NOW, D = cases.NOW, dt.timedelta(days=1)
pytestmark = pytest.mark.django_db


def statements(fn: Any) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return [" ".join(q["sql"].split()) for q in captured.captured_queries]


def writes(sql: list[str]) -> list[str]:
    """`INSERT table` of each write."""
    return [f"{s.split()[0]} {s.split()[2]}" for s in sql if s.startswith(("INSERT", "UPDATE"))]


def test_an_intake_neither_locks_its_new_case_nor_reads_its_empty_chain(receive, people):
    receive()  # the pack's snapshot and the program loaded: not counted
    sql = statements(receive)
    assert not any("FOR UPDATE" in s for s in sql), sql
    assert not any("FROM cases_event" in s for s in sql), sql  # no head read
    # the case, every clock in one statement, the event: three writes
    assert [w.replace('"', "") for w in writes(sql)] == [
        "INSERT cases_case",
        "INSERT cases_clock",
        "INSERT cases_event",
    ], sql
    # the case's next event chains to the first (the new case's mark was used once)
    case = Event.objects.filter(action="case.received").latest("pk").case
    sv.case_note_add(case, actor=people["bob"], text="a second event")
    seqs = list(Event.objects.filter(case=case).order_by("seq").values_list("seq", flat=True))
    assert seqs == [1, 2]
    assert list(ChainCheck().run()) == []


def sweep_statements(batch: int) -> list[str]:
    return statements(lambda: sv.clocks_refresh(now=NOW + 40 * D, batch=batch))


def test_a_sweep_batch_is_the_same_statements_whatever_its_size(receive):
    for _ in range(6):
        receive()
    small = sweep_statements(batch=2)  # several batches
    assert list(ChainCheck().run()) == []  # every chain whole after the sweep's events
    missed = Event.objects.filter(action="clock.missed").count()
    assert missed >= 6

    def per_batch(sql: list[str]) -> list[str]:
        claims = [i for i, s in enumerate(sql) if s.startswith("UPDATE cases_clock SET state")]
        return [s.split(" WHERE")[0][:60] for s in sql[claims[0] : claims[1]]]

    batches = [s for s in small if s.startswith("UPDATE cases_clock SET state")]
    assert len(batches) >= 3
    first = per_batch(small)
    # one claim (UPDATE … RETURNING), the cases' lock and the chains' heads, one INSERT of the
    # events, the notifications, the immediate-IRO candidates: no statement per clock
    assert len(first) <= 8, first
    assert sum(s.startswith(("INSERT", "INSERT INTO")) and "cases_event" in s for s in first) == 1


@pytest.mark.django_db
def test_a_bigger_batch_runs_no_more_statements_per_batch(receive):
    for _ in range(6):
        receive()
    sql = sweep_statements(batch=1000)  # everything in one batch
    claims = [s for s in sql if s.startswith("UPDATE cases_clock SET state")]
    assert len(claims) == 1
    assert sum("INSERT" in s and "cases_event" in s for s in sql) <= 2  # missed, IRO flags
    assert list(ChainCheck().run()) == []
