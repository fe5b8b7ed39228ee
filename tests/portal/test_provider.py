"""The provider flow: Dr. Ng files a UMP expedited appeal with the clinical attestation (and sees
the 72-hour promise), and a Genex request for clinical appeals consideration; a provider sees only
what they filed; other accounts have no provider pages."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from appealdesk.access import scope
from appealdesk.access.models import AccessLog
from appealdesk.cases.errors import Refused
from appealdesk.cases.models import Case, Document, Event, Party, Signature
from appealdesk.cases.services import case_receive
from appealdesk.portal import provider
from appealdesk.portal.representation import program_named
from appealdesk.portal.status import moment
from tests.conftest import ump
from tests.desk.conftest import local_now

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PT = ZoneInfo("America/Los_Angeles")
UMP = program_named("ump")


def records(name: str = "records.pdf", body: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def expedited(**fields):
    data = {
        "member_name": "Maria Lopez",
        "subscriber_id": "w1234567",
        "service": "medical",
        "category": "coverage_denial",
        "denied": "Inpatient rehabilitation stay after stroke",
        "notice_date": (timezone.localdate() - dt.timedelta(days=2)).isoformat(),
        "criteria": ["jeopardy", "severe_pain"],
        "explanation": "Delay would cost the window for functional recovery.",
        "records": [records()],
        "typed_name": "Lee Ng, MD",
        "agree": "on",
        "send": "1",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def test_a_record_someone_registered_for_themselves_is_never_matched(dr_ng, signed_in):
    """Mallory registers as "Maria Lopez, W1234567" (anyone can type a name and an ID); a
    provider's filing for Maria must not become Mallory's case."""
    from tests.portal.conftest import make_account

    mallory = make_account("mallory@example.org", name="Maria Lopez", subscriber_id="W1234567")
    response = signed_in(dr_ng).post("/portal/provider/expedited/", expedited())
    case = Case.objects.get()
    assert response.status_code == 302
    assert case.member != mallory.party and case.member.portal_accounts.count() == 0
    assert signed_in(mallory).get(f"/portal/cases/{case.number}/").status_code == 404


def test_check_shows_the_72_hour_promise_in_pacific_time(dr_ng, signed_in):
    before = timezone.now()
    response = signed_in(dr_ng).post(
        "/portal/provider/expedited/", expedited(send=None, check="1", records=None)
    )
    after = timezone.now()
    assert response.status_code == 200
    text = response.content.decode()
    panel = response.context["panel"]
    assert panel.accepted and panel.kind == "expedited_appeal"
    assert "Expedited (urgent) appeal" in text
    # seed: "We will decide as soon as possible but always within 72 hours"
    decision = next(c for c in panel.result["deadlines"] if c["clock"] == "decision")
    due = dt.datetime.fromisoformat(decision["due_at"])
    assert before + dt.timedelta(hours=72) - dt.timedelta(seconds=1) <= due
    assert due <= after + dt.timedelta(hours=72)
    assert f"by {moment(due, UMP)}" in text
    assert due.astimezone(PT).tzname() in text  # the program's zone is named
    assert "We will decide within 72 hours of your request" in text
    # seed: "will mail a written notification within 72 hours of the decision"
    assert "A written notice of the decision is mailed within 72 hours of the decision." in text
    assert "by phone by" in text
    assert "Regence BlueShield" in text and "1-888-849-3681" in text
    assert "Medical records" in text  # no records chosen yet: still missing
    assert not Case.objects.exists()


def test_the_attestation_quotes_the_seed(dr_ng, signed_in):
    text = signed_in(dr_ng).get("/portal/provider/expedited/").content.decode()
    # seed (UMP, Expedited appeals): the two criteria, word for word
    assert (
        "Could seriously jeopardize your life, health, or ability to regain maximum function"
        in text
    )
    assert (
        "Would cause severe pain that could not be adequately managed without the care or "
        "treatment you are appealing." in text
    )


def test_filing_an_expedited_appeal(dr_ng, maria, signed_in):
    client = signed_in(dr_ng)
    everything = {
        "service_dates": "March 1-4, 2026",
        "member_address": "1 Main St, Olympia, WA",
        "member_phone": "206-555-0100",
    }
    response = client.post("/portal/provider/expedited/", expedited(**everything))
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/portal/cases/{case.number}/"
    assert case.kind == "expedited_appeal" and case.expedited
    assert case.filed_by == "provider" and case.channel == "portal"
    assert case.provider == dr_ng.party
    # the same subscriber ID and name: Maria's record
    assert case.member == maria.party
    assert case.handler == "regence"
    assert "medical_records" in case.provided
    assert case.missing == []  # every item the seed asks for was given
    decision = case.clocks.get(clock_id="decision")
    assert decision.due_at == case.received_at + dt.timedelta(hours=72)

    signature = Signature.objects.get(case=case)
    assert signature.purpose == "attestation" and signature.account == dr_ng
    assert signature.typed_name == "Lee Ng, MD" and signature.agreed
    assert signature.content["criteria"] == ["jeopardy", "severe_pain"]
    assert signature.content["criteria_text"][1].startswith("Would cause severe pain")
    assert len(signature.sha256) == 64
    document = Document.objects.get(case=case)
    assert document.kind == "medical_records" and document.uploaded_by == dr_ng.user
    event = Event.objects.get(case=case, action="portal.filed")
    assert event.actor == dr_ng.user and event.after["attested"] == ["jeopardy", "severe_pain"]

    # the promise follows the provider to the next page
    home = client.get("/portal/").content.decode()
    assert f"by {moment(decision.due_at, UMP)}" in home
    assert list(scope.visible_cases(dr_ng)) == [case]


def test_service_due_instant_for_a_known_time(dr_ng):
    now = dt.datetime(2026, 3, 2, 18, 15, tzinfo=dt.UTC)  # 10:15 a.m. PST
    request = provider.expedited_request(
        service="prescription",
        category="coverage_denial",
        notice_date=dt.date(2026, 2, 27),
        provided=["subscriber_id"],
        now=now,
    )
    assert request["received_at"] == "2026-03-02T10:15:00-08:00"
    panel = provider.verdict(provider.check(request), {})
    assert panel.promises[0] == (
        "We will decide within 72 hours of your request: by March 5, 2026 at 10:15 a.m. PST."
    )
    case = provider.provider_file(
        account=dr_ng,
        request=request,
        member_name="Pat Doe",
        identifier="W5550001",
        summary="statin denied",
        purpose="attestation",
        statement=provider.ATTESTATION_STATEMENT,
        signed={"criteria": ["jeopardy"]},
        typed_name="Lee Ng",
        now=now,
    )
    assert case.handler == "wsrxs"
    assert case.clocks.get(clock_id="decision").due_at == dt.datetime(
        2026, 3, 5, 18, 15, tzinfo=dt.UTC
    )
    member = Party.objects.get(subscriber_id="W5550001")
    assert member.role == "member" and case.member == member
    assert "patient_name" in case.missing  # only what was given counts as provided


def test_a_late_expedited_appeal_is_told_and_not_filed(dr_ng, signed_in):
    late = (timezone.localdate() - dt.timedelta(days=400)).isoformat()
    response = signed_in(dr_ng).post("/portal/provider/expedited/", expedited(notice_date=late))
    assert response.status_code == 200
    text = response.content.decode()
    assert "cannot be sent online" in text and "It will not be reviewed" in text
    assert not Case.objects.exists() and not Signature.objects.exists()
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"criteria": []}, "criteria"),
        ({"subscriber_id": "12345"}, "subscriber_id"),
        ({"agree": None}, "agree"),
        ({"typed_name": ""}, "typed_name"),
        ({"records": [records("x.pdf", b"<html>not a pdf</html>")]}, "records"),
        ({"notice_date": "2999-01-01"}, "notice_date"),
    ],
)
def test_bad_input_is_named_and_nothing_filed(dr_ng, signed_in, fields, field):
    response = signed_in(dr_ng).post("/portal/provider/expedited/", expedited(**fields))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert 'role="alert"' in response.content.decode()
    assert not Case.objects.exists() and not Document.objects.exists()


def test_a_provider_cannot_open_a_case_they_did_not_file(dr_ng, maria, signed_in):
    notice = (timezone.localdate() - dt.timedelta(days=20)).isoformat()
    other = case_receive(
        request=ump(received_at=local_now(), notice_date=notice),
        member=maria.party,
        backdate_reason="entered after the call",
    )
    client = signed_in(dr_ng)
    assert client.get(f"/portal/cases/{other.number}/").status_code == 404
    log = AccessLog.objects.get(case_number=other.number, user=dr_ng.user)
    assert log.allowed is False
    assert other.number not in client.get("/portal/").content.decode()


@pytest.mark.parametrize("who", ["maria", "ruth"])
def test_provider_pages_are_for_providers(who, request, signed_in):
    client = signed_in(request.getfixturevalue(who))
    for url in ("/portal/provider/expedited/", "/portal/provider/clinical/"):
        assert client.get(url).status_code == 404
    assert client.post("/portal/provider/expedited/", expedited()).status_code == 404
    assert not Case.objects.exists()


# -- Genex clinical appeals consideration ------------------------------------------------------
def clinical(**fields):
    data = {
        "worker_name": "Jose Ramirez",
        "claim_number": "gx-2026-00412",
        "determination": "Non-certification of 24 physical therapy visits",
        "determination_date": (timezone.localdate() - dt.timedelta(days=5)).isoformat(),
        "reasons": "Post-operative rotator cuff repair; PT is the standard of care.",
        "records": [records()],
        "typed_name": "Lee Ng, MD",
        "agree": "on",
        "send": "1",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def test_genex_check_says_what_it_is_and_gives_the_phone(dr_ng, signed_in):
    response = signed_in(dr_ng).post(
        "/portal/provider/clinical/", clinical(send=None, check="1", records=None)
    )
    assert response.status_code == 200
    panel = response.context["panel"]
    assert panel.accepted and panel.kind == "clinical_appeal"
    text = response.content.decode()
    assert "Genex appeals consideration" in text
    # seed: "The requesting physician may initiate an appeals consideration by contacting Genex
    # at 800.844.4235."
    assert "800.844.4235" in text
    assert not Case.objects.exists()


def test_genex_clinical_request_is_filed(dr_ng, signed_in):
    response = signed_in(dr_ng).post("/portal/provider/clinical/", clinical())
    case = Case.objects.get()
    assert response.status_code == 302
    assert case.program == "genex-ur" and case.kind == "clinical_appeal"
    assert case.handler == "genex-appeals" and case.filed_by == "provider"
    assert case.provider == dr_ng.party
    assert case.member.name == "Jose Ramirez" and case.member.subscriber_id == "GX-2026-00412"
    signature = Signature.objects.get(case=case)
    assert signature.purpose == "filing"
    assert signature.content["determination"].startswith("Non-certification")
    assert Document.objects.get(case=case).kind == "medical_records"
    assert Event.objects.filter(case=case, action="portal.filed").exists()


def test_genex_request_assess_refuses_is_not_filed(dr_ng):
    # seed: appeals consideration is initiated by the requesting physician; a request that is
    # not the physician's is refused by assess, and nothing is stored
    request = provider.clinical_request(
        determination_date=dt.date(2026, 2, 20), provided=[], now=timezone.now()
    )
    request["filed_by"] = "member"
    with pytest.raises(Refused):
        provider.provider_file(
            account=dr_ng,
            request=request,
            member_name="Jose Ramirez",
            identifier="GX-1",
            summary="",
            purpose="filing",
            statement=provider.CLINICAL_STATEMENT,
            signed={},
            typed_name="Lee Ng",
        )
    assert not Case.objects.exists() and not Party.objects.filter(subscriber_id="GX-1").exists()


def test_a_failed_filing_leaves_no_file(dr_ng, settings, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(provider, "signature_record", broken)
    request = provider.clinical_request(
        determination_date=dt.date(2026, 2, 20), provided=[], now=timezone.now()
    )
    with pytest.raises(RuntimeError):
        provider.provider_file(
            account=dr_ng,
            request=request,
            member_name="Jose Ramirez",
            identifier="GX-1",
            summary="",
            purpose="filing",
            statement=provider.CLINICAL_STATEMENT,
            signed={},
            typed_name="Lee Ng",
            uploads=[records()],
        )
    assert not Case.objects.exists() and not Document.objects.exists()
    stored = list((settings.MEDIA_ROOT).rglob("*.pdf")) if settings.MEDIA_ROOT.exists() else []
    assert stored == []
