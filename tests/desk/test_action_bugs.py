"""Issue 18 item 8: a failed action's page still works (its letter links answer), "information
received" expects what was asked for, and a decided or closed case waits for nothing."""

from __future__ import annotations

import re

import pytest

from appealdesk.cases import services as sv
from appealdesk.cases.models import Case, Event, InformationRequest
from tests.desk.test_actions import act

pytestmark = pytest.mark.django_db


def test_a_letter_link_on_a_failed_action_page_opens_the_preview(client, staff, appeal):
    client.force_login(staff["bob"])
    failed = act(client, appeal, "extend", clock="decision", new_due_at="", reason="")
    assert failed.status_code == 422  # re-rendered at the action's URL, entries kept
    html = failed.content.decode()
    links = re.findall(r'href="([^"]*\?letter=[^"#]*)', html)
    assert links, "the letters panel offers previews"
    for link in links:
        assert link.startswith(f"/desk/cases/{appeal.number}/?letter=")
        assert client.get(link.replace("&amp;", "&")).status_code == 200  # never a bare 405
    # the page names the case URL for the script that puts it back in the address bar
    assert f'data-case-url="/desk/cases/{appeal.number}/"' in html


def receive_form(client, case):
    # the form as the page builds it when it is opened (the list builds none until then)
    page = client.get(f"/desk/cases/{case.number}/", {"action": "receive_information"})
    return next(a.form for a in page.context["actions"] if a.action == "receive_information")


def test_information_received_pre_ticks_what_was_requested(client, staff, receive):
    case = receive(provided=["statement"])
    assert "eob" in case.missing and len(case.missing) > 1
    sv.case_request_information(case, actor=staff["bob"], items=["eob"])
    client.force_login(staff["bob"])
    assert receive_form(client, case).fields["items"].initial == ["eob"]


def test_a_request_waits_until_what_it_asked_for_came(client, staff, appeal):
    info = sv.case_request_information(appeal, actor=staff["bob"], items=["eob", "providers"])
    sv.case_receive_information(appeal, actor=staff["bob"], items=["providers"])
    info.refresh_from_db()
    assert info.received_at is None and info.received_items == ["providers"]
    event = Event.objects.filter(case=appeal, action="case.information_received").get()
    assert event.after["requests_still_waiting"] == [info.pk]
    sv.case_receive_information(appeal, actor=staff["bob"], items=["eob"])
    info.refresh_from_db()
    assert info.received_at is not None and info.received_items == ["eob", "providers"]


@pytest.mark.parametrize("end", ["decide", "dismiss"])
def test_a_decided_or_dismissed_case_closes_its_open_requests_with_an_event(
    client, staff, appeal, end
):
    sv.case_request_information(appeal, actor=staff["bob"], items=["eob"])
    case = Case.objects.get(pk=appeal.pk)
    if end == "decide":
        sv.case_receive_information(case, actor=staff["bob"], items=["providers"])
        sv.case_assign(case, actor=staff["sam"], reviewer=staff["carol"])
        sv.case_decide(case, actor=staff["carol"], outcome="upheld", action="deny")
    else:
        sv.case_dismiss(case, actor=staff["bob"], reason="withdrawn")
    info = InformationRequest.objects.get(case=appeal)
    assert info.received_at is not None and info.closed_reason.startswith("the case was")
    closed = Event.objects.get(case=appeal, action="case.information_requests_closed")
    assert closed.after["requests"] == [{"request_id": info.pk, "items": ["eob"]}]
    client.force_login(staff["bob"])
    page = client.get(f"/desk/cases/{appeal.number}/").content.decode()
    assert "<strong>waiting</strong>" not in page and "closed unanswered" in page
    assert "Information requests closed unanswered" in page  # the timeline names it


def test_closing_a_case_closes_a_request_left_open_before_this_fix(staff, appeal):
    sv.case_assign(appeal, actor=staff["sam"], reviewer=staff["carol"])
    case = sv.case_decide(appeal, actor=staff["carol"], outcome="upheld", action="deny")
    case = sv.case_record_notice(case, actor=staff["bob"], notice="decision", medium="written")
    # a request still open on a notified case: data written before deciding closed them
    left = InformationRequest.objects.create(case=case, items=["eob"], requested_at=case.decided_at)
    sv.case_close(case, actor=staff["bob"])
    left.refresh_from_db()
    assert left.received_at is not None and left.closed_reason == "the case was closed"
    assert Event.objects.filter(case=case, action="case.information_requests_closed").exists()
