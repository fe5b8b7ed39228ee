"""The case status page: what each persona sees (and does not), the timeline's exact dates,
letters and documents to download, and the answers given online (information, consent to more
time, the free copy of the case file)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pypdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from appealdesk.access.models import AccessLog
from appealdesk.accounts.models import PortalAccount
from appealdesk.cases import member_requests as requests
from appealdesk.cases import services as sv
from appealdesk.cases.documents import document_store
from appealdesk.cases.models import (
    Case,
    CaseFileRequest,
    Clock,
    Document,
    Event,
    Extension,
    ExtensionConsentRequest,
    InformationRequest,
    Signature,
)
from appealdesk.portal import status
from tests.conftest import ump
from tests.desk.conftest import local_now
from tests.portal.conftest import authorize

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PST = dt.timezone(dt.timedelta(hours=-8))


def pdf(name: str = "eob.pdf", body: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def file_for(account: PortalAccount, staff: dict[str, Any], **fields: Any) -> Case:
    """A UMP claim-payment appeal of the account's member, taken in by alice; by default an
    hour ago (so its clocks run), or at `received_at`."""
    notice = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    request = ump(
        **{"received_at": local_now(), "notice_date": notice, "channel": "portal", **fields}
    )
    return sv.case_receive(
        request=request,
        actor=staff["alice"],
        member=account.party,
        backdate_reason="test: the day it reached the plan",
    )


@pytest.fixture
def march_case(maria, staff) -> Case:
    # seed: "The plan will decide on first- and second-level appeals within 14 days of
    # receiving the appeal but may take up to 30 days" — received March 2, due April 1
    return file_for(maria, staff, received_at="2026-03-02T10:15:00-08:00", notice_date="2026-01-05")


@pytest.fixture
def case(maria, staff) -> Case:
    return file_for(maria, staff)


def page(client, case: Case) -> tuple[int, str]:
    response = client.get(f"/portal/cases/{case.number}/")
    return response.status_code, response.content.decode()


# -- the page and who may open it -----------------------------------------------------------
def test_maria_sees_her_timeline_with_the_received_and_decide_by_dates(
    maria, signed_in, march_case
):
    code, html = page(signed_in(maria), march_case)
    assert code == 200
    assert "We received your level 1 appeal on March 2, 2026." in html
    assert "April 1, 2026" in html  # the 30-day decision clock, in the program's zone
    assert "Being reviewed" in html or "Received" in html
    assert "Maria Lopez" in html


def test_the_timeline_on_the_day_after_receipt_promises_the_dates_ahead(march_case):
    # seed: confirmation of receipt (WAC 284-43-3030: 72 hours), decision within 30 days
    past, ahead = status.timeline(march_case, now=dt.datetime(2026, 3, 3, 9, tzinfo=PST))
    assert past[0].text == "We received your level 1 appeal on March 2, 2026."
    texts = [s.text for s in ahead]
    assert texts == [
        "We will confirm in writing that we received it by March 5, 2026 at 10:15 a.m. PST.",
        "We will decide by April 1, 2026.",
    ]
    assert not any(s.late for s in ahead)


def test_a_deadline_that_passed_is_said_to_be_late_not_ahead(march_case):
    _, ahead = status.timeline(march_case, now=dt.datetime(2026, 4, 2, 9, tzinfo=PST))
    assert [s.late for s in ahead] == [True, True]
    assert ahead[1].text == "We were to decide by April 1, 2026: we are late."


def test_an_expedited_appeal_promises_a_decision_within_72_hours(maria, staff):
    # seed: expedited appeals are decided "within 72 hours"
    case = file_for(
        maria,
        staff,
        received_at="2026-03-02T10:15:00-08:00",
        notice_date="2026-01-05",
        service="prescription",
        category="coverage_denial",
        expedited=True,
    )
    assert case.expedited
    _, ahead = status.timeline(case, now=dt.datetime(2026, 3, 2, 11, tzinfo=PST))
    assert "We will decide by March 5, 2026 at 10:15 a.m. PST." in [s.text for s in ahead]


def test_ivan_gets_404_on_marias_case_and_the_attempt_is_logged(maria, ivan, signed_in, case):
    client = signed_in(ivan)
    code, html = page(client, case)
    assert code == 404 and "Maria" not in html
    refused = AccessLog.objects.get(case_number=case.number, user=ivan.user)
    assert refused.allowed is False and refused.case_id == case.pk
    for path in ("letters/1/", "documents/1/"):
        assert client.get(f"/portal/cases/{case.number}/{path}").status_code == 404
    for path in ("information/", "case-file/", "consent/1/"):
        assert client.post(f"/portal/cases/{case.number}/{path}").status_code == 404
    assert not CaseFileRequest.objects.exists()
    assert AccessLog.objects.filter(user=ivan.user, allowed=False).count() == 6


def test_maria_opening_her_case_is_logged_as_allowed(maria, signed_in, case):
    assert page(signed_in(maria), case)[0] == 200
    assert AccessLog.objects.filter(case=case, user=maria.user, allowed=True).exists()


def test_a_representative_sees_the_case_once_the_authorization_is_approved(
    maria, ruth, signed_in, case
):
    authorization = authorize(ruth, maria.party, verified=False)
    assert page(signed_in(ruth), case)[0] == 404
    authorization.verified_at = timezone.now()
    authorization.save()
    code, html = page(signed_in(ruth), case)
    assert code == 200 and "Maria Lopez" in html


def test_a_provider_sees_only_cases_on_which_they_are_the_provider(
    maria, dr_ng, signed_in, case, staff
):
    assert page(signed_in(dr_ng), case)[0] == 404
    theirs = sv.case_receive(
        request=ump(
            received_at=local_now(),
            notice_date=timezone.localdate().isoformat(),
            filed_by="provider",
            channel="portal",
        ),
        actor=staff["alice"],
        member=maria.party,
        provider=dr_ng.party,
        backdate_reason="test",
    )
    assert page(signed_in(dr_ng), theirs)[0] == 200


# -- nothing staff-only ---------------------------------------------------------------------
def test_no_staff_name_note_or_reason_reaches_the_portal(maria, signed_in, case, staff):
    sv.case_assign(case, actor=staff["bob"], owner=staff["bob"], reviewer=staff["carol"])
    document_store(pdf("internal-review.pdf"), kind="evidence", case=case, actor=staff["bob"])
    sv.case_decide(
        case,
        actor=staff["carol"],
        outcome="upheld",
        action="deny",
        reason="INTERNAL: reviewer thinks the claim was coded wrong",
    )
    code, html = page(signed_in(maria), case)
    assert code == 200
    assert "We decided on" in html and "the decision stands" in html
    for secret in ("carol", "alice", "INTERNAL", "internal-review.pdf", "coded wrong"):
        assert secret not in html


def test_an_upheld_decision_shows_the_next_level_with_its_last_day(maria, signed_in, case, staff):
    sv.case_decide(
        case,
        actor=staff["carol"],
        outcome="upheld",
        action="deny",
        letter_date=timezone.localdate(),
    )
    # seed: level 2 "within 180 days of the date of the level-1 decision letter"
    last_day = timezone.localdate() + dt.timedelta(days=180)
    code, html = page(signed_in(maria), case)
    assert code == 200
    assert f"/portal/cases/{case.number}/next/" in html
    assert status.day(last_day) in html


def test_a_late_appeal_is_told_it_was_not_reviewed(maria, signed_in, staff):
    # seed: level 1 "no more than 180 days after" the notice; untimely is not reviewed
    late = file_for(maria, staff, notice_date="2025-01-05")
    assert late.disposition == "reject"
    client = signed_in(maria)
    html = page(client, late)[1]
    assert "We did not review this request." in html
    assert "came after the last day to ask for it (July 4, 2025)" in html
    sv.case_dismiss(late, actor=staff["bob"], reason="untimely")
    code, html = page(client, late)
    assert code == 200
    assert "came after the last day to ask for it (July 4, 2025)" in html
    assert "Not reviewed" in html and "We will decide by" not in html


# -- letters and documents ------------------------------------------------------------------
def test_letters_are_listed_once_sent_or_mailed_and_downloadable(
    maria, ivan, signed_in, case, staff
):
    from appealdesk.correspondence.services import letter_generate, letter_mark_mailed

    letter = letter_generate(case, kind="acknowledgement", actor=staff["bob"])
    client = signed_in(maria)
    url = f"/portal/cases/{case.number}/letters/{letter.pk}/"
    assert url not in page(client, case)[1]
    assert client.get(url).status_code == 404  # generated, not sent: not the member's yet
    letter_mark_mailed(letter, actor=staff["bob"])
    assert url in page(client, case)[1]
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    # the same letter through another case of Maria's: 404
    other = file_for(maria, staff)
    assert client.get(f"/portal/cases/{other.number}/letters/{letter.pk}/").status_code == 404
    # and Ivan, who may not see the case at all
    assert signed_in(ivan).get(url).status_code == 404


def test_only_what_portal_users_uploaded_is_listed_and_downloadable(maria, signed_in, case, staff):
    mine = document_store(pdf("my-eob.pdf"), kind="eob", case=case, actor=maria.user)
    theirs = document_store(
        pdf("staff.pdf", PDF + b"staff"), kind="evidence", case=case, actor=staff["bob"]
    )
    client = signed_in(maria)
    html = page(client, case)[1]
    assert "my-eob.pdf" in html and "staff.pdf" not in html
    assert client.get(f"/portal/cases/{case.number}/documents/{mine.pk}/").status_code == 200
    assert client.get(f"/portal/cases/{case.number}/documents/{theirs.pk}/").status_code == 404


# -- information asked for, answered online -------------------------------------------------
def test_information_answered_online_moves_the_case_on_and_stores_the_upload(
    maria, signed_in, staff
):
    case = file_for(maria, staff, provided=["subscriber_name"])
    sv.case_request_information(
        case, actor=staff["bob"], items=["eob"], note="Please send the EOB for the March visit."
    )
    client = signed_in(maria)
    code, html = page(client, case)
    assert code == 200
    assert "We need information from you" in html
    assert "A copy of the Explanation of Benefits" in html
    assert "Please send the EOB for the March visit." in html
    version = Case.objects.get(pk=case.pk).version
    response = client.post(
        f"/portal/cases/{case.number}/information/",
        {
            "info-version": version,
            "info-items": ["eob"],
            "info-eob": pdf("march-eob.pdf"),
            "info-message": "Here it is.",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "in_review" and "eob" not in case.missing and "eob" in case.provided
    stored = Document.objects.get(case=case, kind="eob")
    assert stored.name == "march-eob.pdf" and stored.uploaded_by == maria.user
    info = InformationRequest.objects.get(case=case)
    assert info.received_at is not None and info.received_items == ["eob"]
    html = page(client, case)[1]
    assert "You sent information on" in html and "We need information from you" not in html
    assert "march-eob.pdf" in html


def test_a_file_that_is_not_a_pdf_or_picture_is_refused_and_nothing_changes(
    maria, signed_in, case, staff
):
    sv.case_request_information(case, actor=staff["bob"], items=["eob"])
    version = Case.objects.get(pk=case.pk).version
    response = signed_in(maria).post(
        f"/portal/cases/{case.number}/information/",
        {
            "info-version": version,
            "info-items": ["eob"],
            "info-eob": SimpleUploadedFile("eob.exe", b"MZ\x90\x00", "application/pdf"),
        },
    )
    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode()
    assert Case.objects.get(pk=case.pk).state == "awaiting_information"
    assert not Document.objects.filter(case=case).exists()


def test_an_empty_answer_is_refused(maria, signed_in, case, staff):
    sv.case_request_information(case, actor=staff["bob"], items=["eob"])
    version = Case.objects.get(pk=case.pk).version
    response = signed_in(maria).post(
        f"/portal/cases/{case.number}/information/", {"info-version": version}
    )
    assert response.status_code == 422
    assert "attach a document or write a message" in response.content.decode()


def test_a_stale_answer_asks_to_reload_and_stores_nothing(maria, signed_in, case, staff):
    sv.case_request_information(case, actor=staff["bob"], items=["eob"])
    seen = Case.objects.get(pk=case.pk).version
    sv.case_assign(case, actor=staff["bob"], owner=staff["bob"])  # someone else changed it
    response = signed_in(maria).post(
        f"/portal/cases/{case.number}/information/",
        {"info-version": seen, "info-items": ["eob"], "info-eob": pdf()},
    )
    assert response.status_code == 409
    assert "This request changed while you were looking at it" in response.content.decode()
    assert Case.objects.get(pk=case.pk).state == "awaiting_information"
    assert not Document.objects.filter(case=case).exists()


# -- permission to take more time -----------------------------------------------------------
def decision_clock(case: Case) -> Clock:
    return Clock.objects.get(case=case, clock_id="decision")


def ask(case: Case, staff: dict[str, Any], days: int = 45) -> ExtensionConsentRequest:
    clock = decision_clock(case)
    assert clock.due_at is not None
    return requests.consent_ask(
        case,
        clock=clock,
        actor=staff["bob"],
        new_due_at=clock.due_at + dt.timedelta(days=days),
        reason="We are waiting for your medical records from your doctor.",
    )


def answer(client, case: Case, asked: ExtensionConsentRequest, **fields: Any):
    data = {"answer": "given", "typed_name": "Maria Lopez", "agree": "on", **fields}
    return client.post(
        f"/portal/cases/{case.number}/consent/{asked.pk}/",
        {f"consent-{asked.pk}-{k}": v for k, v in data.items()},
    )


def test_consent_given_online_extends_the_clock_with_the_signed_consent(
    maria, signed_in, case, staff
):
    # seed: "We will request written permission from you or your authorized representative
    # when we need an extension to the 30-day timeline"
    asked = ask(case, staff)
    client = signed_in(maria)
    html = page(client, case)[1]
    assert "May we take more time?" in html
    assert "We are waiting for your medical records from your doctor." in html
    before = decision_clock(case).due_at
    response = answer(client, case, asked)
    assert response.status_code == 302, response.content.decode()[-2000:]
    clock = decision_clock(case)
    assert clock.state == "extended" and clock.due_at == asked.new_due_at != before
    extension = Extension.objects.get(clock=clock)
    consent = extension.consent_document
    assert consent is not None and consent.kind == "written_consent"
    body = consent.file.read()
    assert body.startswith(b"%PDF")
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(body)).pages)
    text = " ".join(text.split())
    assert "Maria Lopez" in text and "I give my written permission" in text
    assert "We are waiting for your medical records from your doctor." in text
    asked.refresh_from_db()
    assert asked.answer == "given" and asked.consent_document == consent
    signature = Signature.objects.get(case=case)
    assert signature.purpose == "extension_consent" and signature.typed_name == "Maria Lopez"
    assert asked.signature == signature and len(signature.sha256) == 64
    actions = list(Event.objects.filter(case=case).values_list("action", flat=True))
    assert actions[-3:] == ["consent.requested", "clock.extended", "consent.given"]
    html = page(client, case)[1]
    assert "You agreed on" in html and "We need more time: the new date is" in html
    # one answer only
    assert answer(client, case, asked, answer="refused").status_code == 302
    asked.refresh_from_db()
    assert asked.answer == "given" and Signature.objects.count() == 1


def test_consent_refused_leaves_the_clock_and_records_the_refusal(maria, signed_in, case, staff):
    asked = ask(case, staff)
    before = decision_clock(case)
    response = answer(signed_in(maria), case, asked, answer="refused")
    assert response.status_code == 302
    clock = decision_clock(case)
    assert (clock.state, clock.due_at) == (before.state, before.due_at)
    assert not Extension.objects.filter(clock=clock).exists()
    asked.refresh_from_db()
    assert asked.answer == "refused" and asked.answered_at is not None
    assert asked.signature is not None and asked.signature.purpose == "extension_refusal"
    assert Event.objects.filter(case=case, action="consent.refused").exists()


def test_a_consent_answer_needs_the_typed_name_and_the_box(maria, signed_in, case, staff):
    asked = ask(case, staff)
    response = answer(signed_in(maria), case, asked, typed_name="", agree="")
    assert response.status_code == 422
    asked.refresh_from_db()
    assert asked.answer == "" and not Signature.objects.exists()


def test_a_representative_may_give_consent(maria, ruth, signed_in, case, staff):
    authorize(ruth, maria.party)
    asked = ask(case, staff)
    assert answer(signed_in(ruth), case, asked, typed_name="Ruth Adams").status_code == 302
    assert decision_clock(case).state == "extended"
    assert Signature.objects.get().account == ruth


def test_consent_cannot_be_asked_where_the_rule_is_not_written_consent(maria, staff):
    from appealdesk.cases.errors import Refused

    complaint = file_for(maria, staff, requested="complaint", category="wait_time")
    clock = Clock.objects.get(case=complaint, clock_id="response")
    assert clock.extension_rule["requires"] == "notice"
    with pytest.raises(Refused):
        requests.consent_ask(
            complaint,
            clock=clock,
            actor=staff["bob"],
            new_due_at=clock.due_at + dt.timedelta(days=10),
            reason="more time",
        )
    assert not ExtensionConsentRequest.objects.exists()


# -- the free copy of the case file ---------------------------------------------------------
def test_the_case_file_request_is_recorded_once_and_shown(maria, signed_in, case):
    client = signed_in(maria)
    assert "Ask for a free copy of my case file" in page(client, case)[1]
    for _ in range(2):
        assert client.post(f"/portal/cases/{case.number}/case-file/").status_code == 302
    asked = CaseFileRequest.objects.get(case=case)
    assert asked.account == maria and asked.fulfilled_at is None
    assert Event.objects.filter(case=case, action="case_file.requested").count() == 1
    html = page(client, case)[1]
    assert f"You asked for a free copy of your case file on {status.day(timezone.localdate())}" in (
        html
    )
    assert "Ask for a free copy of my case file" not in html


def test_a_provider_cannot_ask_for_the_members_case_file(maria, dr_ng, signed_in, case):
    Case.objects.filter(pk=case.pk).update(provider=dr_ng.party)  # his case too
    client = signed_in(dr_ng)
    assert "Ask for a free copy of my case file" not in page(client, case)[1]
    client.post(f"/portal/cases/{case.number}/case-file/")
    assert not CaseFileRequest.objects.exists()


def test_asking_consent_tells_the_member_and_representatives_by_e_mail(
    maria, ruth, ivan, case, staff, django_capture_on_commit_callbacks
):
    from django.core import mail

    authorize(ruth, maria.party)
    with django_capture_on_commit_callbacks(execute=True):
        ask(case, staff)
    assert sorted(m.to[0] for m in mail.outbox) == ["maria@example.org", "ruth@example.org"]
    body = mail.outbox[0].body
    assert f"/portal/cases/{case.number}/" in body and "medical records" not in body


def test_an_eligibility_appeal_says_it_went_to_pebb_with_their_contact(maria, signed_in, staff):
    # seed: eligibility and enrollment appeals go to the PEBB Program
    case = file_for(maria, staff, category="eligibility_enrollment")
    assert case.state == "redirected"
    code, html = page(signed_in(maria), case)
    assert code == 200 and "Sent to the right place" in html
    assert "This request is handled by" in html and "PEBB" in html


def test_a_genex_grievance_promises_its_acknowledgement_and_investigation(maria):
    from tests.conftest import genex

    case = sv.case_receive(
        request=genex(received_at="2026-03-02T10:15:00-08:00"),
        member=maria.party,
        backdate_reason="test",
    )
    # seed: "acknowledge receipt of the grievance within 5 business days and shall investigate
    # the grievance within 30 days of receipt"
    _, ahead = status.timeline(case, now=dt.datetime(2026, 3, 3, 9, tzinfo=PST))
    assert [s.text for s in ahead] == [
        "We will confirm in writing that we received it by March 9, 2026.",
        "We will finish looking into it by April 1, 2026.",
    ]


def test_a_consent_question_overtaken_by_the_decision_needs_no_answer(
    maria, signed_in, case, staff
):
    asked = ask(case, staff)
    sv.case_decide(case, actor=staff["carol"], outcome="overturned")
    sv.case_record_notice(case, actor=staff["bob"], notice="decision", medium="written")
    client = signed_in(maria)
    html = page(client, case)[1]
    assert "no longer needs an answer" in html and "Sign and send my answer" not in html
    assert answer(client, case, asked).status_code == 302
    asked.refresh_from_db()
    assert asked.answer == "" and not Extension.objects.exists()


def test_a_provider_sees_the_consent_question_but_cannot_answer_it(maria, dr_ng, signed_in, staff):
    # seed: "written permission from you or your authorized representative"
    case = sv.case_receive(
        request=ump(
            received_at=local_now(),
            notice_date=timezone.localdate().isoformat(),
            filed_by="provider",
            channel="portal",
        ),
        actor=staff["alice"],
        member=maria.party,
        provider=dr_ng.party,
        backdate_reason="test",
    )
    asked = ask(case, staff)
    client = signed_in(dr_ng)
    html = page(client, case)[1]
    assert "Only the member or their authorized representative" in html
    assert "Sign and send my answer" not in html
    assert answer(client, case, asked, typed_name="Lee Ng").status_code == 302
    asked.refresh_from_db()
    assert asked.answer == "" and not Signature.objects.exists()
    assert decision_clock(case).state == "running"


def test_a_nul_in_the_case_number_is_a_logged_404(maria, signed_in):
    from appealdesk.access.models import AccessLog

    assert signed_in(maria).get("/portal/cases/UMP%00-1/").status_code == 404
    row = AccessLog.objects.get()
    assert row.allowed is False and row.case_number == "UMP-1"


def test_the_free_copy_is_offered_on_appeals_not_on_genex_grievances(maria, staff, signed_in):
    from tests.conftest import genex

    grievance = sv.case_receive(
        request=genex(
            received_at=local_now(),
            occurrence_date=(timezone.localdate() - dt.timedelta(days=20)).isoformat(),
            written=True,
        ),
        actor=staff["alice"],
        member=maria.party,
        backdate_reason="test",
    )
    client = signed_in(maria)
    assert "Ask for a free copy of my case file" not in page(client, grievance)[1]
    client.post(f"/portal/cases/{grievance.number}/case-file/")
    assert not CaseFileRequest.objects.exists()
