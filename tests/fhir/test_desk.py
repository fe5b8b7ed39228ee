"""The desk's intake takes a FHIR bundle upload: the form starts from what the decision says
(as the mailroom's "open as a new case" does), and confirming keeps the decision's number on
the case."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from appealdesk.access.models import AccessLog
from appealdesk.cases.models import Case
from tests.fhir.conftest import bundle

pytestmark = pytest.mark.django_db


def upload(client, body: bytes, name: str = "denial.json"):
    return client.post(
        "/desk/intake/fhir/",
        {"program": "ump", "bundle": SimpleUploadedFile(name, body, "application/fhir+json")},
    )


def _recent() -> bytes:
    found = bundle("pas-referral-denied")
    found["entry"][0]["resource"]["created"] = (timezone.now() - dt.timedelta(days=30)).isoformat(
        timespec="seconds"
    )
    return json.dumps(found).encode()


def test_an_uploaded_bundle_prefills_intake_and_confirm_keeps_its_number(client, staff, member):
    client.force_login(staff["alice"])
    page = upload(client, _recent())
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["category"] == "preauthorization"
    assert form.initial["service"] == "medical"
    assert form.initial["member"] == member.pk
    assert form.initial["source_reference"] == "AUTH0001"
    assert "From FHIR data" in page.content.decode()
    assert AccessLog.objects.filter(what="intake member (FHIR bundle)").exists()
    # confirm: the form as it was prefilled, posted back
    data = {
        "program": "ump",
        "channel": "portal",
        "filed_by": "provider",
        "received_at": form.initial["received_at"].strftime("%Y-%m-%dT%H:%M"),
        "requested": "appeal",
        "category": "preauthorization",
        "service": "medical",
        "notice_date": form.initial["notice_date"],
        "member": member.pk,
        "provided": form.initial["provided"],
        "summary": form.initial["summary"],
        "source_reference": "AUTH0001",
        "source_focus": json.dumps(form.initial["source_focus"]),
        "backdate_reason": "read from the payer's FHIR data",
    }
    response = client.post("/desk/intake/?program=ump", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    assert (case.source_reference, case.source_focus["type"]) == ("AUTH0001", "ClaimResponse")
    found = client.get("/desk/search/", {"q": "AUTH0001"})
    assert found.status_code == 302 or case.number in found.content.decode()


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"{not json", "not JSON"),
        (json.dumps({"resourceType": "Bundle"}).encode(), "Bundle.type"),
    ],
)
def test_an_unreadable_upload_says_why(client, staff, body, says):
    client.force_login(staff["alice"])
    response = upload(client, body)
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert says in page.content.decode()


def test_a_reviewer_may_not_take_requests_in(client, staff):
    client.force_login(staff["carol"])
    assert upload(client, _recent()).status_code == 403


def test_a_mailroom_item_holding_a_bundle_is_read_as_fhir(client, staff, member):
    from appealdesk.mailroom import services as ms

    received = timezone.now() - dt.timedelta(hours=2)
    stored = ms.item_store(
        source="folder",
        raw=_recent(),
        received_at=received,
        received_basis="file time",
        name="denial.json",
        declared_type="application/json",
        program="ump",
    )
    client.force_login(staff["alice"])
    page = client.get("/desk/intake/", {"item": stored.item.pk, "program": "ump"})
    assert page.status_code == 200, page.content.decode()[:500]
    initial = page.context["form"].initial
    assert (initial["category"], initial["source_reference"]) == ("preauthorization", "AUTH0001")
    assert initial["member"] == member.pk
    assert initial["received_at"] == stored.item.received_at  # the item's, not the bundle's
