"""Worklist, timeline and search; constant query counts; concurrent edits on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from appealdesk.cases import services as sv
from appealdesk.cases.errors import InvalidInput, StaleVersion
from appealdesk.cases.models import Case, Event, Party
from appealdesk.cases.selectors import case_search, case_timeline, worklist
from tests.cases.conftest import NOW, ump_request

pytestmark = pytest.mark.django_db
D = dt.timedelta(days=1)


@pytest.fixture
def many(receive, people, other_team):
    """Twelve cases of different kinds and receipt times; one on another team."""
    made = []
    for i in range(10):
        made.append(
            receive(
                received_at=f"2026-03-01T{8 + i:02d}:00:00-08:00",
                notice_date=f"2026-01-{10 + i}",
                now=NOW,
                backdate_reason="keyed from the mail log",
            )
        )
    made.append(receive(requested="complaint", category="wait_time", now=NOW))
    pharmacy = sv.case_receive(
        request=ump_request(service="prescription"), actor=people["alice"], now=NOW
    )
    assert pharmacy.team == other_team
    made.append(pharmacy)
    return made


def test_worklist_orders_by_next_due_and_pages_by_keyset(many, team):
    seen, cursor = [], None
    while True:
        page = worklist(team=team, cursor=cursor, limit=4, now=NOW)
        seen.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == 11 and len({c.pk for c in seen}) == 11  # the pharmacy case is elsewhere
    dues = [(c.next_due_at, c.pk) for c in seen]
    assert dues == sorted(dues)


def test_worklist_filters(many, team, people):
    assert {c.kind for c in worklist(team=team, kind="complaint", now=NOW).items} == {"complaint"}
    assert worklist(team=team, overdue=True, now=NOW).items == []
    late = NOW + 4 * D  # every 72-hour acknowledgement has passed
    assert len(worklist(team=team, overdue=True, now=late).items) == 10
    at_risk = worklist(team=team, at_risk=True, now=NOW + dt.timedelta(hours=36))
    assert at_risk.items and all(c.kind == "appeal" for c in at_risk.items)
    sv.case_assign(many[0], actor=people["bob"], owner=people["bob"], now=NOW)
    assert [c.pk for c in worklist(owner=people["bob"], now=NOW).items] == [many[0].pk]
    assert worklist(team=team, program="genex-ur", now=NOW).items == []


def test_worklist_queries_are_constant_per_page(many, team, django_assert_num_queries):
    with django_assert_num_queries(1):
        page = worklist(team=team, limit=3, now=NOW)
        [(c.member_name, c.team, c.owner) for c in page.items]
    with django_assert_num_queries(1):
        page = worklist(team=team, limit=50, now=NOW)
        [(c.member_name, c.team, c.owner) for c in page.items]


def test_a_foreign_cursor_is_refused(team):
    with pytest.raises(InvalidInput, match="cursor"):
        worklist(team=team, cursor="not-a-cursor")


def test_case_receive_query_count_does_not_grow_with_clocks(people, member):
    from django.test.utils import CaptureQueriesContext

    sv.case_receive(request=ump_request(), actor=people["alice"], member=member, now=NOW)
    counts = []
    # a complaint (1 clock) and an appeal (3 clocks) take the same number of statements:
    # duplicate check, team, next id, case insert, clocks (one bulk insert), event (+ savepoint)
    for request in (ump_request(requested="complaint", category="wait_time"), ump_request()):
        with CaptureQueriesContext(connection) as ctx:
            sv.case_receive(request=request, actor=people["alice"], member=member, now=NOW)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 8, counts


def test_timeline_and_search(receive, people, member):
    case = receive()
    sv.case_assign(case, actor=people["bob"], owner=people["bob"], now=NOW)
    assert [e.action for e in case_timeline(case)] == ["case.received", "case.assigned"]
    other = Party.objects.create(role="member", name="Quinn Roe", subscriber_id="W7654321")
    sv.case_receive(request=ump_request(), actor=people["alice"], member=other, now=NOW)
    assert [c.member.name for c in case_search("W7654321")] == ["Quinn Roe"]
    assert [c.pk for c in case_search(case.number)] == [case.pk]
    assert {c.member.name for c in case_search("doe")} == {"Pat Doe"}
    assert case_search("   ") == []
    prefix = case.number[:10].lower()  # any case, a prefix: the number's own index range
    found = case_search(prefix)
    assert case.pk in [c.pk for c in found] and all(
        c.number.startswith(prefix.upper()) for c in found
    )
    assert [c.received_at for c in found] == sorted((c.received_at for c in found), reverse=True)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_threads_editing_one_case_one_wins(people, member):
    """On PostgreSQL: both read version 1; exactly one change lands, the other is refused."""
    if connection.vendor != "postgresql":
        pytest.skip("the concurrency test runs on PostgreSQL (SQLite serialises writers)")
    case = sv.case_receive(request=ump_request(), actor=people["alice"], member=member, now=NOW)
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def edit(name: str) -> None:
        from django.db import connections

        copy = Case.objects.get(pk=case.pk)
        barrier.wait()
        try:
            sv.case_assign(copy, actor=people[name], owner=people[name], now=NOW)
            results[name] = "won"
        except StaleVersion as exc:
            results[name] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=edit, args=(n,)) for n in ("bob", "carol")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    outcomes = sorted(str(type(v).__name__) for v in results.values())
    assert outcomes == ["StaleVersion", "str"], results
    assert Event.objects.filter(case=case, action="case.assigned").count() == 1
    assert Case.objects.get(pk=case.pk).version == 2
