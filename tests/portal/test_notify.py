"""Portal users are told by e-mail when their request has something to read or answer: a
question (information, consent to more time) or a decision. The e-mail carries the link and
nothing about their health."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone

from appealdesk.cases import services as sv
from appealdesk.cases.models import Case
from tests.portal.conftest import authorize
from tests.portal.test_status import file_for

pytestmark = pytest.mark.django_db


def test_a_request_for_information_tells_the_member_her_representative_and_the_provider(
    maria, ruth, ivan, dr_ng, staff, django_capture_on_commit_callbacks
):
    case = file_for(maria, staff)
    Case.objects.filter(pk=case.pk).update(provider=dr_ng.party)
    authorize(ruth, maria.party)
    with django_capture_on_commit_callbacks(execute=True):
        sv.case_request_information(
            case, actor=staff["bob"], items=["medical_records"], note="the MRI report"
        )
    to = sorted(m.to[0] for m in mail.outbox)
    assert to == ["maria@example.org", "ng@clinic.example", "ruth@example.org"]
    message = mail.outbox[0]
    assert case.number in message.subject and f"/portal/cases/{case.number}/" in message.body
    assert "MRI" not in message.body and "medical" not in message.body  # nothing clinical


def test_a_decision_notice_is_news_and_nothing_is_sent_twice(
    maria, staff, django_capture_on_commit_callbacks
):
    case = file_for(maria, staff)
    with django_capture_on_commit_callbacks(execute=True):
        sv.case_assign(case, actor=staff["sam"], owner=staff["bob"], reviewer=staff["carol"])
        case.refresh_from_db()
        sv.case_decide(case, actor=staff["carol"], outcome="upheld", action="deny")
    assert mail.outbox == []  # assigning and deciding are not news yet: the notice is
    case.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        sv.case_record_notice(
            case, actor=staff["bob"], notice="decision", medium="written", at=timezone.now()
        )
    assert [m.to for m in mail.outbox] == [["maria@example.org"]]
    assert "News about your request" in mail.outbox[0].subject


def test_nobody_without_a_confirmed_portal_account_is_written_to(
    ivan, staff, django_capture_on_commit_callbacks
):
    ivan.email_verified_at = None
    ivan.save(update_fields=["email_verified_at"])
    case = file_for(ivan, staff)
    with django_capture_on_commit_callbacks(execute=True):
        sv.case_request_information(case, actor=staff["bob"], items=["eob"])
    assert mail.outbox == []
