"""The desk's pages cost a constant number of queries whatever the data (issue 5): the worklist
with 3 or 30 cases, the case page with one event or a long history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from appealdesk.cases import services as sv
from appealdesk.cases.documents import document_store
from appealdesk.cases.models import Case, Clock, Event

pytestmark = pytest.mark.django_db


def queries(client, url: str) -> list[str]:
    client.get(url)  # the first look at a pack version reads it once per process
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return [q["sql"] for q in captured.captured_queries]


def fill(receive, n: int) -> None:
    """n open cases over both UMP teams (medical and pharmacy)."""
    for i in range(n):
        receive(**({"service": "prescription", "category": "coverage_denial"} if i % 3 else {}))


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("sam", "/desk/?tab=team"),  # a supervisor: every team of the program, merged
        ("sam", "/desk/?tab=team&overdue=1"),
        ("bob", "/desk/?tab=team"),  # an analyst: his team
        ("bob", "/desk/?tab=mine"),
    ],
)
def test_worklist_queries_do_not_grow_with_the_cases(client, staff, receive, who, url):
    client.force_login(staff[who])
    fill(receive, 3)
    few = queries(client, url)
    fill(receive, 27)
    assert Case.objects.filter(is_open=True).count() == 30
    many = queries(client, url)
    assert len(few) == len(many), "\n".join(many)


def test_worklist_pages_cost_the_same(client, staff, receive):
    client.force_login(staff["sam"])
    fill(receive, 3)
    first = queries(client, "/desk/?tab=team")
    fill(receive, 60)
    response = client.get("/desk/?tab=team")
    later = response.context["next_query"]
    assert later and "cursor=" in later
    assert len(queries(client, f"/desk/?{later}")) == len(first)


def worked(staff, case) -> Case:
    """A case with a long history: acknowledged, assigned, information requested and received,
    documents, decided, decision notice sent, then taken to level 2 (a linked case)."""
    bob, carol = staff["bob"], staff["carol"]
    sv.case_record_notice(case, actor=bob, notice="acknowledgement", medium="written")
    # owned by alice: bob and sam see it through their teams, as they see the fresh case
    # (an owner is let in before the team check, one query fewer)
    sv.case_assign(case, actor=staff["sam"], owner=staff["alice"], reviewer=carol, reason="")
    sv.case_request_information(case, actor=bob, items=["eob"], note="the EOB please")
    sv.case_receive_information(case, actor=bob, items=["eob"])
    for i in range(3):
        upload = SimpleUploadedFile(f"doc{i}.pdf", b"%PDF-1.4 page " + bytes([65 + i]))
        document_store(upload, kind="evidence", case=case, actor=bob)
    sv.case_decide(case, actor=carol, outcome="upheld", action="deny", reason="plan terms")
    sv.case_record_notice(case, actor=bob, notice="decision", medium="written")
    sv.case_escalate(case, actor=staff["alice"], channel="mail", received_at=_now())
    return Case.objects.get(pk=case.pk)


def _now() -> str:
    return (timezone.now() - dt.timedelta(minutes=1)).isoformat()


@pytest.mark.parametrize("who", ["sam", "bob"])
def test_case_page_queries_do_not_grow_with_its_history(client, staff, receive, who):
    client.force_login(staff[who])
    fresh = receive()
    assert Event.objects.filter(case=fresh).count() == 1
    one = queries(client, f"/desk/cases/{fresh.number}/")

    long = worked(staff, receive())
    assert Event.objects.filter(case=long).count() >= 8
    assert Clock.objects.filter(case=long).count() >= 3
    assert long.documents.count() == 3 and long.matter_cases.exists()
    many = queries(client, f"/desk/cases/{long.number}/")
    assert len(one) == len(many), "\n".join(many)
    # an open case in the middle of its life costs the same too
    middle = receive()
    sv.case_record_notice(middle, actor=staff["bob"], notice="acknowledgement", medium="verbal")
    sv.case_request_information(middle, actor=staff["bob"], items=["eob"])
    assert len(queries(client, f"/desk/cases/{middle.number}/")) == len(one)
