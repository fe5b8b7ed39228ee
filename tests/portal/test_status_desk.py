"""The staff side of the portal's requests: asking the member's consent to more time online
(only where the pack's rule needs written consent), seeing the answer, and marking the free copy
of the case file as sent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from appealdesk.cases import member_requests as requests
from appealdesk.cases.models import Case, CaseFileRequest, Clock, Event, ExtensionConsentRequest
from tests.portal.test_status import answer, file_for

pytestmark = pytest.mark.django_db


def act(client, case: Case, action: str, **fields):
    data = {f"{action}-{k}": v for k, v in fields.items()}
    data[f"{action}-version"] = Case.objects.get(pk=case.pk).version
    return client.post(f"/desk/cases/{case.number}/{action}/", data)


def desk_page(client, case: Case) -> str:
    return client.get(f"/desk/cases/{case.number}/").content.decode()


def test_staff_ask_consent_online_and_see_the_answer(client, maria, signed_in, staff):
    case = file_for(maria, staff)
    clock = Clock.objects.get(case=case, clock_id="decision")
    client.force_login(staff["bob"])
    assert "Ask the member for consent online" in desk_page(client, case)
    new_day = (timezone.localdate() + dt.timedelta(days=45)).isoformat()
    response = act(
        client,
        case,
        "ask_consent",
        clock=clock.pk,
        new_due_date=new_day,
        reason="We are waiting for records from your doctor.",
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    asked = ExtensionConsentRequest.objects.get(case=case)
    assert asked.clock == clock and asked.requested_by == staff["bob"]
    local = asked.new_due_at.astimezone(dt.timezone(dt.timedelta(hours=-8)))
    assert local.date().isoformat() == new_day and (local.hour, local.minute) == (23, 59)
    event = Event.objects.filter(case=case).last()
    assert event is not None and event.action == "consent.requested"
    clock.refresh_from_db()
    assert clock.state == "running"  # nothing changes before the member agrees
    assert "waiting for the member" in desk_page(client, case)
    # asked again before an answer: refused with a reason, nothing written
    again = act(client, case, "ask_consent", clock=clock.pk, new_due_date=new_day, reason="x")
    assert again.status_code == 422 and ExtensionConsentRequest.objects.count() == 1

    assert answer(signed_in(maria), case, asked).status_code == 302
    html = desk_page(client, case)
    assert "<strong>given</strong>" in html and "Maria Lopez" in html and "signed consent" in html


def test_consent_is_not_offered_where_the_rule_is_not_written_consent(client, maria, staff):
    # seed (complaints): "We will notify you if we need more time to respond" — notice only
    complaint = file_for(maria, staff, requested="complaint", category="wait_time")
    clock = Clock.objects.get(case=complaint, clock_id="response")
    client.force_login(staff["bob"])
    assert "Ask the member for consent online" not in desk_page(client, complaint)
    response = act(
        client,
        complaint,
        "ask_consent",
        clock=clock.pk,
        new_due_date=(timezone.localdate() + dt.timedelta(days=60)).isoformat(),
        reason="more time",
    )
    assert response.status_code == 422
    assert not ExtensionConsentRequest.objects.exists()


def test_intake_may_not_ask_consent(client, maria, staff):
    case = file_for(maria, staff)
    client.force_login(staff["alice"])
    clock = Clock.objects.get(case=case, clock_id="decision")
    response = act(
        client,
        case,
        "ask_consent",
        clock=clock.pk,
        new_due_date=(timezone.localdate() + dt.timedelta(days=45)).isoformat(),
        reason="records",
    )
    assert response.status_code == 403
    assert not ExtensionConsentRequest.objects.exists()


def test_a_case_file_request_is_listed_and_marked_as_sent(client, maria, signed_in, staff):
    case = file_for(maria, staff)
    portal = signed_in(maria)
    assert portal.post(f"/portal/cases/{case.number}/case-file/").status_code == 302
    asked = CaseFileRequest.objects.get(case=case)
    client.force_login(staff["bob"])
    html = desk_page(client, case)
    assert "Copies of the case file" in html and "maria@example.org" in html
    assert "Case file copy sent" in html
    response = act(client, case, "case_file_sent", request=asked.pk)
    assert response.status_code == 302, response.content.decode()[-3000:]
    asked.refresh_from_db()
    assert asked.fulfilled_at is not None and asked.fulfilled_by == staff["bob"]
    assert Event.objects.filter(case=case, action="case_file.sent").count() == 1
    assert "Case file copy sent" not in desk_page(client, case)  # nothing left to mark
    html = portal.get(f"/portal/cases/{case.number}/").content.decode()
    assert "We sent you the copy of your case file on" in html
    assert "bob" not in html
    # a second mark of the same request is refused
    with pytest.raises(Exception, match="already marked"):
        requests.case_file_fulfil(asked, actor=staff["bob"])


@pytest.mark.parametrize("day", ["9999-12-31", "2999-01-01"])
def test_a_far_new_due_date_is_refused_in_words(client, maria, staff, day):
    case = file_for(maria, staff)
    client.force_login(staff["bob"])
    clock = Clock.objects.get(case=case, clock_id="decision")
    response = act(client, case, "ask_consent", clock=clock.pk, new_due_date=day, reason="x")
    assert (
        response.status_code in (200, 422) and "At most a year ahead" in response.content.decode()
    )
    assert not ExtensionConsentRequest.objects.exists()
