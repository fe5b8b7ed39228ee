"""Guided filing: the questions drive `assess` (the answer panel shows the last day, what is
missing and when to expect an answer), an untimely or redirected request cannot be sent, the
details and e-signature are checked, and filing writes the case, documents, signature and
event in one go; then the next level after an upheld decision."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from appealdesk.access.models import AccessLog
from appealdesk.accounts.models import PortalAccount
from appealdesk.cases import services as sv
from appealdesk.cases.models import Case, Document, Event, Signature
from appealdesk.correspondence.models import Letter
from appealdesk.portal import filing
from tests.portal.conftest import authorize

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "eob.pdf", body: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def days_ago(n: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=n)).isoformat()


def claim_appeal(**extra: Any) -> dict[str, Any]:
    return {
        "for_whom": "self",
        "program": "ump",
        "denied": "yes",
        "service": "medical",
        "harm": "no",
        "category": "claim_payment",
        "notice_date": days_ago(20),
        **extra,
    }


def details(**extra: Any) -> dict[str, Any]:
    return {
        "details_shown": "1",
        "subscriber_name": "Maria Lopez",
        "patient_name": "Maria Lopez",
        "subscriber_id": "W1234567",
        "providers": "Olympia Clinic",
        "service_dates": "2026-09-01",
        "mailing_address": "1 Main St\nOlympia, WA 98501",
        "daytime_phone": "206-555-0100",
        "statement": "My MRI claim was denied; please pay it.",
        "typed_name": "  maria   LOPEZ ",
        "agree": "on",
        "action": "file",
        **extra,
    }


# -- the question → assess mapping (no database needed, but cheap) ---------------------------
def test_build_request_maps_the_plain_questions_to_the_assess_input():
    now = dt.datetime(2026, 3, 2, 10, 15, tzinfo=dt.timezone(dt.timedelta(hours=-8)))
    request = filing.build_request(
        program="ump",
        answers={
            "denied": "yes",
            "service": "prescription",
            "harm": "yes",
            "category": "coverage_denial",
            "notice_date": "2026-01-05",
        },
        filed_by="member",
        provided=["statement"],
        now=now,
    )
    assert request == {
        "program": "ump",
        "received_at": "2026-03-02T10:15:00-08:00",
        "channel": "portal",
        "written": True,
        "filed_by": "member",
        "provided": ["statement"],
        "category": "coverage_denial",
        "requested": "appeal",
        "service": "prescription",
        "expedited": True,
        "notice_date": "2026-01-05",
    }
    genex = filing.build_request(
        program="genex-ur",
        answers={"category": "ur_timeliness", "occurrence_date": "2026-02-01", "notice_date": "x"},
        filed_by="member",
        now=now,
    )
    assert genex["requested"] == "grievance" and genex["occurrence_date"] == "2026-02-01"
    assert "notice_date" not in genex and "expedited" not in genex
    # Genex signature and its date count only once signed
    assert "signature" not in filing.provided_items("genex-ur", {"summary": "x"}, signed=False)
    assert {"signature", "date_signed"} <= set(filing.provided_items("genex-ur", {}, signed=True))


# -- the answer panel --------------------------------------------------------------------------
def test_panel_shows_last_day_missing_items_and_answer_dates(maria, signed_in):
    client = signed_in(maria)
    response = client.post("/portal/file/check/", claim_appeal())
    html = response.content.decode()
    assert response.status_code == 200
    assert "a first-level appeal" in html
    last_day = timezone.localdate() - dt.timedelta(days=20) + dt.timedelta(days=180)
    assert "You can file until" in html and filing.day(last_day) in html
    # ump.yaml appeal required items, the EOB because it is about claim payment
    assert "A copy of the Explanation of Benefits" in html
    assert "(still missing)" in html
    assert "We will confirm in writing that we received it by" in html
    assert "We will decide and send you our answer by" in html
    # medical records are required only for coverage/preauthorization denials (pack `when`)
    assert "Medical records or other clinically relevant information" not in html
    # the same panel comes back after a plain (no-script) "check"
    page = client.post("/portal/file/", {**claim_appeal(), "action": "check"}).content.decode()
    assert "You can file until" in page and 'name="subscriber_id"' in page
    assert 'value="W1234567"' in page  # prefilled from Maria's record
    assert "Sign and send my request" in page


def test_file_check_marks_given_items(maria, signed_in):
    html = (
        signed_in(maria)
        .post(
            "/portal/file/check/",
            {**claim_appeal(), "statement": "x", "has_eob": "1", "details_shown": "1"},
        )
        .content.decode()
    )
    assert 'class="have"' in html
    given = html.split('class="have"')[1].split("</li>")[0]
    assert "(given)" in given


def test_member_files_a_claim_payment_appeal_end_to_end(
    maria, signed_in, medical, django_capture_on_commit_callbacks
):
    client = signed_in(maria)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/portal/file/",
            {
                **claim_appeal(),
                **details(email_letters="on"),
                "eob": [pdf("eob.pdf"), pdf("eob2.pdf", PDF + b"%second")],
            },
            HTTP_USER_AGENT="pytest-browser",
        )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/portal/cases/{case.number}/"
    assert client.get(response["Location"]).status_code == 200  # her status page
    assert case.channel == "portal" and case.filed_by == "member"
    assert case.member_id == maria.party_id and case.representative_id is None
    assert (case.kind, case.level, case.disposition) == ("appeal", 1, "accept")
    assert case.team_id == medical.pk  # the Regence team's queue
    assert "eob" in case.provided and case.missing == []
    assert case.summary == "My MRI claim was denied; please pay it."
    docs = Document.objects.filter(case=case, kind="eob")
    assert docs.count() == 2
    signature = Signature.objects.get(case=case)
    assert signature.purpose == "filing" and signature.agreed
    assert signature.typed_name == "maria   LOPEZ"
    assert signature.user_agent == "pytest-browser"
    assert signature.statement == str(filing.SIGN_STATEMENT)
    assert len(signature.sha256) == 64
    assert signature.content["case"] == case.number
    assert signature.date_signed == timezone.localtime(signature.signed_at).date()
    event = Event.objects.get(case=case, action="portal.filed")
    assert event.after["sha256"] == signature.sha256
    assert sorted(event.after["documents"]) == sorted(d.pk for d in docs)
    maria.party.refresh_from_db()
    assert maria.party.email_consent is True
    # the acknowledgement letter went out by e-mail (immediate task backend in tests)
    letter = Letter.objects.get(case=case, kind="acknowledgement")
    assert letter.status in ("queued", "sent")
    assert any("maria@example.org" in m.to for m in mail.outbox)


def test_without_email_consent_the_acknowledgement_is_generated_not_sent(
    maria, signed_in, medical, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(maria).post("/portal/file/", {**claim_appeal(), **details(), "eob": pdf()})
    letter = Letter.objects.get(kind="acknowledgement")
    assert letter.status == "generated"
    assert mail.outbox == []


def test_a_late_appeal_is_refused_and_nothing_is_filed(maria, signed_in, medical):
    client = signed_in(maria)
    form = claim_appeal(notice_date=days_ago(200))
    html = client.post("/portal/file/check/", form).content.decode()
    assert "This appeal cannot be reviewed" in html
    assert "180 days after the notice" in html
    html = client.post("/portal/file/", {**form, **details(), "eob": pdf()}).content.decode()
    assert "This appeal cannot be reviewed" in html
    assert "Sign and send my request" not in html
    assert not Case.objects.exists() and not Signature.objects.exists()
    assert not Document.objects.exists()


def test_without_the_notice_date_the_window_is_stated_and_the_date_asked_for(
    maria, signed_in, medical
):
    client = signed_in(maria)
    form = claim_appeal(notice_date="")
    html = client.post("/portal/file/check/", form).content.decode()
    assert "You must send this no later than 180 days after the notice" in html
    assert "There is no deadline" not in html
    html = client.post("/portal/file/", {**form, **details(), "eob": pdf()}).content.decode()
    assert "Sign and send my request" not in html
    assert not Case.objects.exists() and not Document.objects.exists()


def test_eligibility_goes_to_pebb_with_its_contact_and_cannot_be_sent(maria, signed_in):
    client = signed_in(maria)
    form = claim_appeal(category="eligibility_enrollment")
    html = client.post("/portal/file/", {**form, "action": "check"}).content.decode()
    assert "PEBB Program" in html and "1-800-200-1004" in html
    assert "This does not go through this portal." in html
    assert "Sign and send my request" not in html
    client.post("/portal/file/", {**form, **details()})
    assert not Case.objects.exists()


def test_a_member_asking_for_urgent_medical_review_is_told_the_provider_asks(maria, signed_in):
    html = (
        signed_in(maria)
        .post("/portal/file/check/", claim_appeal(harm="yes", category="coverage_denial"))
        .content.decode()
    )
    assert "your doctor asks for an urgent (expedited) appeal" in html
    assert "Medical records or other clinically relevant information" in html


def test_genex_grievance_with_the_eight_fields(maria, signed_in):
    client = signed_in(maria)
    questions = {
        "for_whom": "self",
        "program": "genex-ur",
        "category": "ur_timeliness",
        "occurrence_date": days_ago(40),
    }
    page = client.post("/portal/file/", {**questions, "action": "check"}).content.decode()
    assert "a formal grievance" in page
    for name in filing.GENEX_FIELDS:
        assert f'name="{name}"' in page
    assert 'name="subscriber_id"' not in page and 'name="eob"' not in page
    assert "The party&#x27;s signature" in page  # the seed's list, signature still missing
    fields = {
        "details_shown": "1",
        "party_name": "Maria Lopez",
        "party_address": "1 Main St, Olympia",
        "party_phone": "206-555-0100",
        "summary": "The UR decision came three weeks late.",
        "contact_history": "Called Genex on May 3; no call back.",
        "relief_sought": "An explanation and a timely decision.",
        "typed_name": "Maria Lopez",
        "agree": "on",
        "action": "file",
    }
    # one of the form's fields left out: refused, nothing filed
    short = client.post("/portal/file/", {**questions, **fields, "contact_history": ""})
    assert "The grievance form needs this." in short.content.decode()
    assert not Case.objects.exists()
    response = client.post("/portal/file/", {**questions, **fields})
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.program, case.kind, case.channel) == ("genex-ur", "grievance", "portal")
    assert case.missing == []
    assert set(case.provided) == set(filing.GENEX_FIELDS) | {"signature", "date_signed"}
    assert Signature.objects.get(case=case).content["details"]["relief_sought"].startswith("An ")


def test_genex_clinical_decision_is_sent_to_appeals_consideration(maria, signed_in):
    html = (
        signed_in(maria)
        .post(
            "/portal/file/check/",
            {"for_whom": "self", "program": "genex-ur", "category": "clinical_determination"},
        )
        .content.decode()
    )
    assert "Genex appeals consideration" in html and "800.844.4235" in html
    assert "Sign and send my request" not in html


# -- representatives ---------------------------------------------------------------------------
def test_representative_without_verified_authorization_cannot_file(ruth, maria, signed_in):
    authorize(ruth, maria.party, verified=False)
    client = signed_in(ruth)
    html = client.get("/portal/file/").content.decode()
    assert "first send us their signed authorization" in html
    assert "/portal/authorizations/" in html
    assert "Maria" not in html
    client.post(
        "/portal/file/",
        {**claim_appeal(for_whom=str(maria.party_id)), **details(typed_name="Ruth Adams")},
    )
    assert not Case.objects.exists()


def test_representative_cannot_pick_a_member_they_do_not_represent(ruth, maria, ivan, signed_in):
    authorize(ruth, maria.party)
    client = signed_in(ruth)
    html = client.get("/portal/file/").content.decode()
    assert "Maria Lopez" in html and "Ivan" not in html and "Myself" not in html
    html = client.post(
        "/portal/file/",
        {
            **claim_appeal(for_whom=str(ivan.party_id)),
            **details(typed_name="Ruth Adams"),
            "eob": pdf(),
        },
    ).content.decode()
    assert 'role="alert"' in html
    assert not Case.objects.exists()


def test_representative_with_verified_authorization_files_for_the_member(
    ruth, maria, signed_in, medical
):
    authorize(ruth, maria.party)
    response = signed_in(ruth).post(
        "/portal/file/",
        {
            **claim_appeal(for_whom=str(maria.party_id)),
            **details(typed_name="ruth adams"),
            "eob": pdf(),
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.filed_by == "authorized_rep"
    assert case.member_id == maria.party_id and case.representative_id == ruth.party_id
    assert Signature.objects.get(case=case).account == ruth


def test_provider_is_sent_to_their_own_pages(dr_ng, signed_in):
    assert signed_in(dr_ng).get("/portal/file/").status_code == 302


# -- bad input ---------------------------------------------------------------------------------
def test_a_text_file_named_pdf_is_refused_and_nothing_is_stored(maria, signed_in, medical):
    html = (
        signed_in(maria)
        .post(
            "/portal/file/",
            {**claim_appeal(), **details(), "eob": pdf("eob.pdf", b"just some text, not a PDF")},
        )
        .content.decode()
    )
    assert "eob.pdf cannot be sent: it must be a real PDF or picture" in html
    assert 'role="alert"' in html
    assert not Case.objects.exists() and not Document.objects.exists()


def test_a_signature_that_does_not_match_the_account_is_refused(maria, signed_in, medical):
    html = (
        signed_in(maria)
        .post(
            "/portal/file/", {**claim_appeal(), **details(typed_name="Mario Lopes"), "eob": pdf()}
        )
        .content.decode()
    )
    assert "does not match the name on your account" in html
    assert not Case.objects.exists() and not Signature.objects.exists()


def test_an_unticked_box_is_refused(maria, signed_in):
    data = {**claim_appeal(), **details(), "eob": pdf()}
    del data["agree"]
    html = signed_in(maria).post("/portal/file/", data).content.decode()
    assert "Tick the box to sign." in html
    assert not Case.objects.exists()


def test_a_subscriber_id_of_the_wrong_shape_is_explained(maria, signed_in):
    html = (
        signed_in(maria)
        .post("/portal/file/", {**claim_appeal(), **details(subscriber_id="12345")})
        .content.decode()
    )
    assert "starts with the letter W" in html
    assert not Case.objects.exists()


def test_a_category_of_the_other_plan_and_missing_answers_are_refused(maria, signed_in):
    client = signed_in(maria)
    html = client.post(
        "/portal/file/", {**claim_appeal(category="ur_timeliness"), "action": "check"}
    ).content.decode()
    assert "Choose one of the answers for this plan." in html
    html = client.post("/portal/file/", {"action": "check"}).content.decode()
    assert "Choose the plan." in html and "Choose who this request is for." in html


def test_a_future_notice_date_is_refused(maria, signed_in):
    future = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    html = (
        signed_in(maria)
        .post("/portal/file/", {**claim_appeal(notice_date=future), "action": "check"})
        .content.decode()
    )
    assert "This date is in the future." in html


# -- the next level ----------------------------------------------------------------------------
def filed(client) -> Case:
    client.post("/portal/file/", {**claim_appeal(), **details(), "eob": pdf()})
    return Case.objects.get()


def test_next_level_after_an_upheld_decision(maria, signed_in, staff):
    client = signed_in(maria)
    case = filed(client)
    before = client.get(f"/portal/cases/{case.number}/next/").content.decode()
    assert "There is no next step to ask for yet" in before
    sv.case_decide(
        case,
        actor=staff["carol"],
        outcome="upheld",
        action="deny",
        letter_date=timezone.localdate(),
    )
    page = client.get(f"/portal/cases/{case.number}/next/").content.decode()
    assert "Second-level appeal" in page
    assert filing.day(timezone.localdate() + dt.timedelta(days=180)) in page
    assert 'name="testimony"' in page
    response = client.post(
        f"/portal/cases/{case.number}/next/",
        {
            "statement": "The first review missed my doctor's letter.",
            "testimony": pdf("testimony.pdf"),
            "typed_name": "Maria Lopez",
            "agree": "on",
        },
    )
    linked = Case.objects.exclude(pk=case.pk).get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{linked.number}/")
    assert (linked.kind, linked.level, linked.channel) == ("appeal", 2, "portal")
    assert linked.prior_id == case.pk and linked.member_id == maria.party_id
    assert Document.objects.filter(case=linked, kind="testimony").count() == 1
    assert Signature.objects.filter(case=linked, purpose="filing").exists()
    assert Event.objects.filter(case=case, action="case.escalated").exists()
    again = client.get(f"/portal/cases/{case.number}/next/").content.decode()
    assert "You already asked for the next step" in again


def test_a_late_next_level_request_is_explained(maria, signed_in, staff):
    client = signed_in(maria)
    case = filed(client)
    sv.case_decide(
        case,
        actor=staff["carol"],
        outcome="upheld",
        action="deny",
        letter_date=timezone.localdate() - dt.timedelta(days=200),
    )
    page = client.get(f"/portal/cases/{case.number}/next/").content.decode()
    assert "comes too late and cannot be reviewed" in page
    assert "Sign and send my request" not in page


def test_next_level_of_someone_elses_case_is_404_and_logged(maria, ivan, signed_in, staff):
    case = filed(signed_in(maria))
    response = signed_in(ivan).post(
        f"/portal/cases/{case.number}/next/",
        {"statement": "x", "typed_name": "Ivan Petrov", "agree": "on"},
    )
    assert response.status_code == 404
    assert AccessLog.objects.filter(allowed=False, case_number=case.number).exists()
    assert Case.objects.count() == 1


def test_a_provider_cannot_ask_for_the_next_level(maria, dr_ng, signed_in, staff):
    case = filed(signed_in(maria))
    Case.objects.filter(pk=case.pk).update(provider=dr_ng.party)
    sv.case_decide(
        case,
        actor=staff["carol"],
        outcome="upheld",
        action="deny",
        letter_date=timezone.localdate(),
    )
    client = signed_in(dr_ng)
    assert (
        "Only the member or their authorized representative"
        in client.get(f"/portal/cases/{case.number}/next/").content.decode()
    )
    client.post(
        f"/portal/cases/{case.number}/next/",
        {"statement": "x", "typed_name": "Dr. Lee Ng", "agree": "on"},
    )
    assert Case.objects.count() == 1
    assert PortalAccount.objects.get(pk=dr_ng.pk).kind == "provider"


# -- other kinds -------------------------------------------------------------------------------
def test_a_complaint_has_no_deadline_and_is_filed(
    maria, signed_in, medical, django_capture_on_commit_callbacks
):
    client = signed_in(maria)
    form = claim_appeal(denied="no", category="wait_time", notice_date="")
    html = client.post("/portal/file/check/", form).content.decode()
    assert "a complaint" in html
    assert "There is no deadline to send this" in html
    assert "We will answer your complaint by" in html
    assert "What to include" not in html  # a complaint has no required items
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/portal/file/", {**form, **details()})
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.kind, case.channel, case.team_id) == ("complaint", "portal", medical.pk)
    # a UMP complaint has no acknowledgement clock: its answer (30 days) is the letter
    assert not Letter.objects.filter(case=case).exists()


def test_a_genex_grievance_gets_its_acknowledgement_letter(
    maria, signed_in, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(maria).post(
            "/portal/file/",
            {
                "for_whom": "self",
                "program": "genex-ur",
                "category": "process_or_staff",
                "occurrence_date": days_ago(10),
                "details_shown": "1",
                **{name: "given" for name in filing.GENEX_FIELDS},
                "typed_name": "Maria Lopez",
                "agree": "on",
                "action": "file",
            },
        )
    case = Case.objects.get()
    assert Letter.objects.filter(case=case, kind="acknowledgement").exists()


def test_a_late_genex_grievance_is_refused(maria, signed_in):
    html = (
        signed_in(maria)
        .post(
            "/portal/file/check/",
            {
                "for_whom": "self",
                "program": "genex-ur",
                "category": "ur_timeliness",
                "occurrence_date": days_ago(400),
            },
        )
        .content.decode()
    )
    assert (
        "This grievance cannot be reviewed: it comes more than one year after it happened" in html
    )


def sign_next(client, case: Case, **extra: Any):
    return client.post(
        f"/portal/cases/{case.number}/next/",
        {"statement": "Please look again.", "typed_name": "Maria Lopez", "agree": "on", **extra},
    )


def test_after_an_upheld_second_level_the_next_step_is_independent_review(maria, signed_in, staff):
    client = signed_in(maria)
    first = filed(client)
    sv.case_decide(
        first,
        actor=staff["carol"],
        outcome="upheld",
        action="deny",
        letter_date=timezone.localdate(),
    )
    sign_next(client, first)
    second = Case.objects.get(prior=first)
    sv.case_decide(
        second,
        actor=staff["dave"],
        outcome="upheld",
        action="deny",
        letter_date=timezone.localdate(),
    )
    page = client.get(f"/portal/cases/{second.number}/next/").content.decode()
    assert "independent review organization" in page
    assert 'name="testimony"' not in page  # written testimony is the second level's
    assert sign_next(client, second).status_code == 302
    iro = Case.objects.get(prior=second)
    assert (iro.kind, iro.filed_by, iro.channel) == ("external_review", "member", "portal")


def test_a_missed_deadline_opens_independent_review(maria, signed_in, staff):
    # seed: "If the plan has exceeded the timelines for response to your appeal without good
    # cause and without reaching a decision."
    client = signed_in(maria)
    case = filed(client)
    case.clocks.filter(clock_id="decision").update(due_at=timezone.now() - dt.timedelta(hours=1))
    page = client.get(f"/portal/cases/{case.number}/next/").content.decode()
    assert "We did not decide in time" in page
    assert sign_next(client, case).status_code == 302
    iro = Case.objects.get(prior=case)
    assert iro.kind == "external_review" and iro.disposition == "accept"


def test_a_late_next_level_post_is_refused_too(maria, signed_in, staff):
    client = signed_in(maria)
    case = filed(client)
    sv.case_decide(
        case,
        actor=staff["carol"],
        outcome="upheld",
        action="deny",
        letter_date=timezone.localdate() - dt.timedelta(days=200),
    )
    assert sign_next(client, case).status_code == 200
    assert Case.objects.count() == 1


def test_expedited_prescription_appeal_promises_an_hour_deadline(maria, signed_in):
    html = (
        signed_in(maria)
        .post(
            "/portal/file/check/",
            claim_appeal(harm="yes", service="prescription", category="coverage_denial"),
        )
        .content.decode()
    )
    assert "an expedited (urgent) appeal" in html
    assert "Washington State Rx Services" in html
    # an hours clock is a date and a time in the plan's zone
    assert " at " in html.split("We will decide and send you our answer by")[1].split("</li>")[0]


def test_a_representative_sees_the_members_details_prefilled_only_when_authorized(
    ruth, maria, ivan, signed_in
):
    authorize(ruth, maria.party)
    client = signed_in(ruth)
    page = client.post(
        "/portal/file/", {**claim_appeal(for_whom=str(maria.party_id)), "action": "check"}
    ).content.decode()
    assert 'value="W1234567"' in page
    other = client.post(
        "/portal/file/check/", claim_appeal(for_whom=str(ivan.party_id))
    ).content.decode()
    assert "W7654321" not in other and "Ivan" not in other
    assert "You can file until" not in other
