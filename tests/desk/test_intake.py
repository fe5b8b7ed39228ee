"""Intake on the desk: the live assessment panel, confirm, override with a reason, backdating
with a reason, documents and the representative's authorization."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from appealdesk.cases.models import Authorization, Case, Event

pytestmark = pytest.mark.django_db


def form(**fields):
    now = timezone.localtime()
    base = {
        "program": "ump",
        "channel": "phone",
        "received_at": now.strftime("%Y-%m-%dT%H:%M"),
        "filed_by": "member",
        "requested": "complaint",
        "category": "claim_payment",
        "service": "medical",
        "notice_date": (now.date() - dt.timedelta(days=20)).isoformat(),
        "member_name": "Lee Park",
        "subscriber_id": "W7654321",
        "provided": ["subscriber_name", "subscriber_id"],
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def test_the_panel_shows_what_assess_proposes(client, staff):
    client.force_login(staff["alice"])
    panel = client.post("/desk/intake/assess/?program=ump", form()).content.decode()
    # seed: "If your issue is regarding denial of payment ... it is an appeal."
    assert "Appeal, level 1" in panel
    assert "Regence BlueShield" in panel and "1-888-849-3681" in panel
    assert "In time: the last day to file is" in panel
    for clock in ("acknowledge", "decision_target", "decision"):
        assert f"({clock}," in panel
    assert "patient name" in panel  # missing
    # the member's details typed above count as given: name and subscriber ID
    assert "subscriber id</span>" not in panel and "subscriber name</span>" not in panel
    with_phone = client.post(
        "/desk/intake/assess/?program=ump", form(member_phone="360-555-0100")
    ).content.decode()
    assert "daytime phone</span>" in panel and "daytime phone</span>" not in with_phone


def test_the_panel_names_a_bad_field(client, staff):
    client.force_login(staff["alice"])
    panel = client.post(
        "/desk/intake/assess/?program=ump", form(category="no_such_category")
    ).content.decode()
    assert "Select a valid choice" in panel or "category" in panel


def test_confirm_takes_the_case_in_with_a_new_member(client, staff):
    client.force_login(staff["alice"])
    response = client.post("/desk/intake/?program=ump", form(confirm="1"))
    assert response.status_code == 302
    case = Case.objects.get()
    assert response["Location"] == f"/desk/cases/{case.number}/"
    assert case.kind == "appeal" and case.member.subscriber_id == "W7654321"
    assert case.channel == "phone" and case.team.name == "UMP medical"
    assert Event.objects.get(case=case).actor == staff["alice"]


def test_an_earlier_receipt_time_needs_a_reason(client, staff):
    client.force_login(staff["alice"])
    earlier = (timezone.localtime() - dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    refused = client.post("/desk/intake/?program=ump", form(received_at=earlier, confirm="1"))
    assert refused.status_code == 422 and "say why it is entered late" in refused.content.decode()
    assert not Case.objects.exists()
    taken = client.post(
        "/desk/intake/?program=ump",
        form(received_at=earlier, backdate_reason="mail date-stamped Monday", confirm="1"),
    )
    assert taken.status_code == 302
    case = Case.objects.get()
    assert case.backdate_reason == "mail date-stamped Monday"
    assert case.received_at < case.created_at - dt.timedelta(days=1)


def test_an_override_needs_a_reason_and_keeps_the_proposal(client, staff):
    client.force_login(staff["alice"])
    data = form(category="wait_time", requested="complaint", confirm="1")
    refused = client.post(
        "/desk/intake/?program=ump",
        {**data, "override_requested": "appeal", "override_category": "claim_payment"},
    )
    assert refused.status_code == 422 and "needs a reason" in refused.content.decode()
    taken = client.post(
        "/desk/intake/?program=ump",
        {**data, "override_category": "claim_payment", "override_reason": "the EOB shows a denial"},
    )
    assert taken.status_code == 302
    case = Case.objects.get()
    assert case.kind == "appeal" and case.category == "claim_payment"
    event = Event.objects.get(case=case)
    assert event.reason == "the EOB shows a denial"
    assert event.before["proposal"]["kind"] == "complaint"


def test_documents_and_the_representatives_authorization(client, staff):
    client.force_login(staff["alice"])
    data = form(
        confirm="1",
        filed_by="authorized_rep",
        representative_name="Sam Park (daughter)",
        authorization=SimpleUploadedFile("auth.pdf", b"%PDF-1.4 authorization"),
        documents=[
            SimpleUploadedFile("eob.png", b"\x89PNG\r\n\x1a\n eob"),
            SimpleUploadedFile("letter.pdf", b"%PDF-1.4 letter"),
        ],
    )
    assert client.post("/desk/intake/?program=ump", data).status_code == 302
    case = Case.objects.get()
    kinds = sorted(case.documents.values_list("kind", "content_type"))
    assert kinds == [
        ("authorization", "application/pdf"),
        ("evidence", "application/pdf"),
        ("evidence", "image/png"),
    ]
    assert Authorization.objects.get().representative == case.representative


def test_a_bad_document_refuses_the_whole_intake(client, staff, settings):
    client.force_login(staff["alice"])
    good = SimpleUploadedFile("ok.pdf", b"%PDF-1.4 fine")
    bad = SimpleUploadedFile("x.pdf", b"MZ\x90 an executable")
    refused = client.post("/desk/intake/?program=ump", form(confirm="1", documents=[good, bad]))
    assert refused.status_code == 422 and "is not a PDF or an image" in refused.content.decode()
    assert not Case.objects.exists()  # nothing half-written
    stored = settings.MEDIA_ROOT / "documents"
    assert not stored.exists() or not any(p.is_file() for p in stored.rglob("*"))


def test_a_chosen_member_must_be_a_member(client, staff):
    from appealdesk.cases.models import Party

    rep = Party.objects.create(role="authorized_rep", name="Secret Rep")
    client.force_login(staff["alice"])
    page = client.post(
        "/desk/intake/?program=ump", form(member=rep.pk, member_name="", confirm="1")
    )
    assert page.status_code == 422 and "Secret Rep" not in page.content.decode()
    assert not Case.objects.exists()


def test_a_case_routed_to_another_team_is_announced_not_opened(client, staff, pharmacy):
    client.force_login(staff["alice"])  # medical team; a drug appeal goes to pharmacy
    response = client.post(
        "/desk/intake/?program=ump",
        form(confirm="1", service="prescription", category="coverage_denial", requested="appeal"),
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/desk/intake/?program=ump"
    assert "UMP pharmacy, whose cases you do not see" in response.content.decode()


def test_a_genex_grievance_form(client, staff):
    client.force_login(staff["alice"])
    page = client.get("/desk/intake/?program=genex-ur").content.decode()
    assert "ur_timeliness" in page and "relief" in page.lower()
    data = form(
        program="genex-ur",
        channel="mail",
        requested="grievance",
        category="ur_timeliness",
        service=None,
        notice_date=None,
        occurrence_date=(timezone.localdate() - dt.timedelta(days=40)).isoformat(),
        provided=["party_name"],
    )
    panel = client.post("/desk/intake/assess/?program=genex-ur", data).content.decode()
    # seed: "acknowledge receipt ... within five (5) business days"
    assert "Grievance" in panel and "(acknowledge, 5 business days)" in panel
    assert "(decision_notice, 30 calendar days)" in panel


def test_a_new_members_date_of_birth_is_kept_and_shown_to_staff(client, staff):
    client.force_login(staff["alice"])
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    refused = client.post("/desk/intake/?program=ump", form(member_birth_date=future, confirm="1"))
    assert refused.status_code == 422 and "a date of birth is from 1900-01-01 to today" in (
        refused.content.decode()
    )
    taken = client.post(
        "/desk/intake/?program=ump", form(member_birth_date="1960-01-02", confirm="1")
    )
    assert taken.status_code == 302
    case = Case.objects.get()
    assert case.member.birth_date == dt.date(1960, 1, 2)
    assert "born Jan 2, 1960" in client.get(taken["Location"]).content.decode()
    found = client.get("/desk/intake/parties/", {"member_q": "Lee Park"}).content.decode()
    assert "Lee Park" in found and "born Jan 2, 1960" in found
