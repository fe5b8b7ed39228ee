"""Every badge names its clock; only binding clocks are alarms (issue 18 item 1): a missed
non-binding target is a missed target, never "overdue" and never red; the worklist puts
expedited cases in a lane of their own at the top, then the most urgent binding clock."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from appealdesk.access.timeline import describe
from appealdesk.cases import selectors
from appealdesk.cases import services as sv
from appealdesk.cases.models import Event
from appealdesk.cases.services.sweep import clocks_refresh
from appealdesk.desk.timeleft import Status, of_clock, status, target_missed
from tests.desk.conftest import local_now

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 18, 0, tzinfo=dt.UTC)
D = dt.timedelta(days=1)
MISSED = r"decision target missed by [78] days"  # its due time is the end of a local day


def test_badges_name_their_clock():
    assert status(NOW + 7 * D, NOW + 5 * D, NOW, "decision") == Status(
        "green", "decision in 7 days"
    )
    assert status(NOW - 2 * D, NOW - 3 * D, NOW, "acknowledge") == Status(
        "red", "acknowledge overdue by 2 days"
    )
    # seed: "decide ... within 14 days ... but may take up to 30 days": 14 days is a target
    assert target_missed("decision_target", NOW - 8 * D, NOW) == Status(
        "target", "decision target missed by 8 days"
    )
    assert (
        target_missed("investigation", NOW - D, NOW).words == "investigation target missed by 1 day"
    )


def test_a_non_binding_clock_past_its_time_is_never_red():
    for state in ("running", "missed"):
        late = of_clock(state, NOW - 8 * D, NOW - 9 * D, None, NOW, binding=False)
        assert late == Status("target", "target missed by 8 days")
    assert of_clock("missed", NOW - 8 * D, None, NOW - D, NOW, binding=False).rag == "target"
    assert of_clock("missed", NOW - 8 * D, None, None, NOW).rag == "red"  # binding: overdue


@pytest.fixture
def past_target(receive, staff):
    """An appeal received 22 days ago and acknowledged the next day: its 14-day decision
    target passed 8 days ago; the binding 30-day decision clock has 8 days left."""
    case = receive(received_at=local_now(hours_ago=22 * 24))
    return sv.case_record_notice(
        case,
        actor=staff["bob"],
        notice="acknowledgement",
        medium="written",
        at=case.received_at + D,
    )


def test_the_case_orders_and_alarms_by_its_binding_clock(past_target):
    decision = past_target.clocks.get(clock_id="decision")
    assert past_target.next_due_at == decision.due_at
    item = selectors.worklist(owner=None, team=past_target.team, now=timezone.now()).items[0]
    assert (item.next_clock, item.target_clock) == ("decision", "decision_target")
    target = past_target.clocks.get(clock_id="decision_target")
    assert item.target_due_at == target.due_at


def test_worklist_case_header_and_dashboard_show_a_missed_target_not_overdue(
    client, staff, past_target
):
    client.force_login(staff["sam"])
    worklist = client.get("/desk/?tab=team").content.decode()
    assert re.search(r"decision in [78] days", worklist)
    assert re.search(MISSED, worklist) and "overdue by" not in worklist
    assert "rag-red" not in worklist and "rag-target" in worklist
    page = client.get(f"/desk/cases/{past_target.number}/")
    header = page.content.decode().split("<dl", 1)[0]
    assert "decision in" in header and re.search(MISSED, header)
    assert "rag-red" not in page.content.decode()
    dashboard = client.get("/desk/dashboard/")
    counts = dashboard.context["counts"]
    assert (counts["overdue"], counts["target_missed"]) == (0, 1)
    assert 'id="count-target-missed">1<' in dashboard.content.decode()


def test_a_missed_binding_clock_is_overdue_and_named(client, staff, receive):
    late = receive(received_at=local_now(hours_ago=4 * 24))  # 72-hour acknowledgement passed
    client.force_login(staff["sam"])
    worklist = client.get("/desk/?tab=team").content.decode()
    assert "acknowledge overdue by" in worklist and "rag-red" in worklist
    assert client.get("/desk/dashboard/").context["counts"]["overdue"] == 1
    assert late.next_due_at == late.clocks.get(clock_id="acknowledge").due_at


def test_expedited_cases_have_a_lane_of_their_own_at_the_top(receive, staff, medical):
    standard = [receive(received_at=local_now(hours_ago=h)) for h in (70, 60, 50)]  # due soon
    expedited = [
        receive(filed_by="provider", expedited=True, received_at=local_now(hours_ago=h))
        for h in (1, 2)
    ]
    assert expedited[0].expedited
    now = timezone.now()
    order = [i.number for i in selectors.worklist(team=medical, now=now).items]
    # both expedited cases first (earliest due first among them), then the standard ones
    assert order == [expedited[1].number, expedited[0].number] + [c.number for c in standard]
    # the same order across pages (the cursor carries the lane)
    seen, cursor = [], None
    while True:
        page = selectors.worklist(teams=[medical.pk, 999], limit=1, cursor=cursor, now=now)
        seen += [i.number for i in page.items]
        if (cursor := page.next_cursor) is None:
            break
    assert seen == order
    only = selectors.worklist(team=medical, expedited=True, now=now).items
    assert {i.number for i in only} == {c.number for c in expedited}


def test_the_sweep_marks_a_passed_target_as_a_missed_target_not_a_deadline(past_target):

    clocks_refresh(now=timezone.now())
    missed = Event.objects.get(case=past_target, action="clock.missed")
    assert missed.after["clock"] == "decision_target" and missed.after["binding"] is False
    assert describe(missed).title == "Target missed (not a deadline)"
