"""Acting for someone else: Ruth asks to act for Maria with Maria's signed authorization; until
staff approve it she sees nothing of Maria; intake or a supervisor approves or refuses it on the
desk (an analyst may not)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from appealdesk.access import scope
from appealdesk.access.models import AccessLog
from appealdesk.cases import authorizations
from appealdesk.cases.documents import document_store
from appealdesk.cases.models import Authorization, Event, Party, Signature
from appealdesk.cases.services import case_receive
from tests.conftest import ump
from tests.desk.conftest import local_now

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "authorization.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def ask(client: Client, **fields):
    data = {
        "member_name": "maria lopez",
        "identifier": "w1234567",
        "relationship": "daughter",
        "document": pdf(),
        "typed_name": "Ruth Adams",
        "agree": "on",
        **fields,
    }
    return client.post("/portal/authorizations/", data)


def maria_case(maria):
    notice = (timezone.localdate() - dt.timedelta(days=20)).isoformat()
    return case_receive(
        request=ump(received_at=local_now(), notice_date=notice),
        member=maria.party,
        backdate_reason="entered after the call",
    )


def desk(user) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def test_request_is_pending_signed_and_shows_nothing_of_the_member(ruth, maria, signed_in):
    case = maria_case(maria)
    client = signed_in(ruth)
    response = ask(client)
    assert response.status_code == 302
    authorization = Authorization.objects.get(representative=ruth.party)
    # same subscriber ID and name (case ignored): Maria's own record, not a new one
    assert authorization.member == maria.party
    assert authorization.verified_at is None and authorization.requested_at is not None
    assert authorization.document.kind == "authorization"
    signature = Signature.objects.get(account=ruth, purpose="authorization")
    assert signature.typed_name == "Ruth Adams" and signature.agreed
    assert signature.content["relationship"] == "daughter"
    assert signature.content["document_sha256"] == authorization.document.sha256
    assert Event.objects.filter(action="authorization.requested", case=None).count() == 1

    page = client.get("/portal/authorizations/")
    assert "Our staff are checking it" in page.content.decode()
    assert list(scope.visible_cases(ruth)) == []
    home = client.get("/portal/").content.decode()
    assert case.number not in home
    assert client.get(f"/portal/cases/{case.number}/").status_code == 404
    log = AccessLog.objects.filter(case_number=case.number, user=ruth.user).get()
    assert log.allowed is False


def test_unknown_member_gets_a_new_record_and_nothing_is_confirmed(ruth, maria, signed_in):
    response = ask(signed_in(ruth), member_name="Maria Lopes")  # misspelt: not Maria's record
    assert response.status_code == 302
    authorization = Authorization.objects.get(representative=ruth.party)
    assert authorization.member != maria.party
    assert authorization.member.subscriber_id == "W1234567"
    assert Party.objects.filter(subscriber_id="W1234567").count() == 2


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"document": SimpleUploadedFile("a.pdf", b"MZ\x90 not a pdf")}, "document"),
        ({"agree": ""}, "agree"),
        ({"typed_name": ""}, "typed_name"),
        ({"member_name": ""}, "member_name"),
    ],
)
def test_bad_requests_store_nothing(ruth, signed_in, fields, field):
    response = ask(signed_in(ruth), **fields)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert 'role="alert"' in response.content.decode()
    assert not Authorization.objects.exists() and not Signature.objects.exists()


def test_a_provider_has_no_authorizations_page(dr_ng, signed_in):
    assert signed_in(dr_ng).get("/portal/authorizations/").status_code == 404


def test_page_needs_csrf(ruth):
    client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    client.force_login(ruth.user)
    assert ask(client).status_code == 403


def test_desk_approval_lets_the_representative_see_the_member(ruth, maria, staff, signed_in):
    case = maria_case(maria)
    ask(signed_in(ruth))
    authorization = Authorization.objects.get()
    alice = desk(staff["alice"])  # intake
    page = alice.get("/desk/authorizations/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Ruth Adams for Maria Lopez" in text and "W1234567" in text
    document = alice.get(f"/desk/authorizations/{authorization.pk}/document/")
    assert document.status_code == 200
    assert b"".join(document.streaming_content).startswith(b"%PDF")
    assert document["Content-Disposition"].startswith("attachment")

    prefix = f"a{authorization.pk}"
    until = (timezone.localdate() + dt.timedelta(days=365)).isoformat()
    response = alice.post(
        f"/desk/authorizations/{authorization.pk}/approve/",
        {f"{prefix}-member": maria.party.pk, f"{prefix}-expires_on": until},
    )
    assert response.status_code == 302
    authorization.refresh_from_db()
    assert authorization.verified_by == staff["alice"]
    assert authorization.expires_on.isoformat() == until
    assert Event.objects.filter(action="authorization.approved", case=None).count() == 1

    client = signed_in(ruth)
    assert list(scope.visible_cases(ruth)) == [case]
    assert scope.may_act_for(ruth, maria.party)
    assert case.number in client.get("/portal/").content.decode()
    assert "Approved" in client.get("/portal/authorizations/").content.decode()


def test_approval_can_point_at_the_existing_member_record(ruth, maria, staff, signed_in):
    case = maria_case(maria)
    ask(signed_in(ruth), member_name="Maria Lopes")
    authorization = Authorization.objects.get()
    assert authorization.member != maria.party
    alice = desk(staff["alice"])
    page = alice.get("/desk/authorizations/").content.decode()
    # both records with the subscriber ID are offered: the new one and Maria's own
    assert f"record #{maria.party.pk}" in page and f"record #{authorization.member_id}" in page
    response = alice.post(
        f"/desk/authorizations/{authorization.pk}/approve/",
        {f"a{authorization.pk}-member": maria.party.pk},
    )
    assert response.status_code == 302
    authorization.refresh_from_db()
    assert authorization.member == maria.party and authorization.expires_on is None
    assert list(scope.visible_cases(ruth)) == [case]


def test_asking_twice_while_pending_is_refused(ruth, maria, signed_in):
    client = signed_in(ruth)
    assert ask(client).status_code == 302
    response = ask(client)
    assert response.status_code == 400
    assert "already asked" in response.content.decode()
    assert Authorization.objects.count() == 1
    assert Signature.objects.count() == 1


def test_approval_cannot_point_at_a_member_with_another_identifier(ruth, maria, ivan, staff):
    authorization = Authorization.objects.create(
        member=maria.party, representative=ruth.party, requested_at=timezone.now()
    )
    with pytest.raises(Exception, match="no signed authorization to check"):
        authorizations.authorization_approve(authorization, actor=staff["sam"])
    authorization.document = document_store(
        SimpleUploadedFile("auth.pdf", PDF, "application/pdf"),
        kind="authorization",
        case=None,
        actor=ruth.user,
    )
    authorization.save(update_fields=["document"])
    with pytest.raises(Exception, match="same subscriber ID"):
        authorizations.authorization_approve(authorization, actor=staff["sam"], member=ivan.party)
    authorization.refresh_from_db()
    assert authorization.verified_at is None


def test_refusal_shows_the_reason_and_still_nothing(ruth, maria, staff, signed_in):
    case = maria_case(maria)
    ask(signed_in(ruth))
    authorization = Authorization.objects.get()
    sam = desk(staff["sam"])  # supervisor
    prefix = f"r{authorization.pk}"
    assert (
        sam.post(f"/desk/authorizations/{authorization.pk}/refuse/", {f"{prefix}-reason": ""})
    ).status_code == 400
    response = sam.post(
        f"/desk/authorizations/{authorization.pk}/refuse/",
        {f"{prefix}-reason": "The form is not signed by Maria."},
    )
    assert response.status_code == 302
    authorization.refresh_from_db()
    assert authorization.refused_by == staff["sam"] and authorization.verified_at is None
    assert Event.objects.filter(action="authorization.refused").get().reason.startswith("The form")

    client = signed_in(ruth)
    page = client.get("/portal/authorizations/").content.decode()
    assert "Not accepted" in page and "The form is not signed by Maria." in page
    assert list(scope.visible_cases(ruth)) == []
    assert client.get(f"/portal/cases/{case.number}/").status_code == 404
    # decided once: a second decision is refused
    with pytest.raises(Exception, match="already"):
        authorizations.authorization_approve(authorization, actor=staff["sam"])


def test_expired_authorization_shows_as_expired_and_gives_nothing(ruth, maria, signed_in):
    maria_case(maria)
    Authorization.objects.create(
        member=maria.party,
        representative=ruth.party,
        requested_at=timezone.now(),
        verified_at=timezone.now(),
        expires_on=timezone.localdate() - dt.timedelta(days=1),
    )
    assert "Expired" in signed_in(ruth).get("/portal/authorizations/").content.decode()
    assert list(scope.visible_cases(ruth)) == []


def test_desk_page_is_for_intake_supervisors_and_administrators(ruth, staff, signed_in):
    ask(signed_in(ruth))
    authorization = Authorization.objects.get()
    for name in ("alice", "sam", "root"):
        assert desk(staff[name]).get("/desk/authorizations/").status_code == 200, name
    for name in ("bob", "carol"):  # an analyst, a reviewer
        client = desk(staff[name])
        assert client.get("/desk/authorizations/").status_code == 403, name
        assert client.get(f"/desk/authorizations/{authorization.pk}/document/").status_code == 403
        response = client.post(
            f"/desk/authorizations/{authorization.pk}/approve/",
            {f"a{authorization.pk}-member": authorization.member_id},
        )
        assert response.status_code == 403
    authorization.refresh_from_db()
    assert authorization.verified_at is None
    # a portal account never reaches the desk
    assert signed_in(ruth).get("/desk/authorizations/").status_code in (302, 403, 404)
