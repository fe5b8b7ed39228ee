"""Odd input is a 4xx problem, never a 500: NUL characters (PostgreSQL cannot store them),
numbers too big for a bigint, digits that are not ASCII, bodies that are not UTF-8, very long
values. Runs on SQLite and again on PostgreSQL, where most of these used to fail."""

from __future__ import annotations

import pytest
from django.test import Client

from appealdesk.access.models import AccessLog
from tests.api.conftest import etag_of
from tests.conftest import ump

pytestmark = pytest.mark.django_db


def status_and_field(response):
    assert response["Content-Type"] == "application/problem+json", response.content
    return response.status_code, response.json().get("field")


@pytest.mark.parametrize(
    "number", ["UMP-2026-\x000001", "\x00", "UMP-" + "9" * 500, "UMP-2026-0000001\n", "ü" * 41]
)
def test_a_case_number_no_case_can_have_is_404_and_logged(callers, appeal, number):
    from urllib.parse import quote

    before = AccessLog.objects.count()
    response = callers["bob"].call("GET", f"/cases/{quote(number)}")
    assert status_and_field(response) == (404, None)
    row = AccessLog.objects.order_by("id")[before:].get()
    assert not row.allowed and "\x00" not in row.case_number and len(row.case_number) <= 60


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("program=%00", "program"),
        ("owner=bob%00", "owner"),
        ("state=%00received", "state"),
        ("cursor=%C2%B2", "cursor"),  # '²': str.isdigit() says yes, int() says no
        ("cursor=99999999999999999999", "cursor"),
        ("cursor=-1", "cursor"),
        ("team_id=9223372036854775808", "team_id"),
        ("level=99999999999999999999999", "level"),
        ("received_from=%00", "received_from"),
        ("limit=1e3", "limit"),
    ],
)
def test_odd_list_filters_are_422(callers, query, field):
    assert status_and_field(callers["bob"].call("GET", f"/cases?{query}")) == (422, field)


def test_a_document_id_too_big_for_the_database(callers, appeal, drug_appeal):
    big = callers["bob"].call("GET", f"/cases/{appeal.number}/documents/{2**63}")
    assert status_and_field(big) == (422, "document_id")
    # the largest bigint, on a case bob may not see: refused and logged, not a 500
    refused = callers["bob"].call("GET", f"/cases/{drug_appeal.number}/documents/{2**63 - 1}")
    assert status_and_field(refused) == (404, None)
    assert AccessLog.objects.filter(case_number=drug_appeal.number, allowed=False).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"request": ump(provided=["eob\x00"])}, "request"),
        ({"request": ump(events={"decided\x00": None})}, "request.events"),
        ({"request": ump(level=10**30)}, "request.level"),
        ({"request": ump(), "member_id": 2**63}, "member_id"),
        ({"request": ump(), "team_id": -1}, "team_id"),
        ({"request": ump(), "member": {"name": "Pat\x00"}}, "member.name"),
        ({"request": ump(), "override": {"category\x00": "x"}}, "override"),
        ({"request": ump(), "override": {"category": ["\x00"]}}, "override"),
        ({"request": ump(), "summary": "x" * 2001}, "summary"),
        ({"request": ump(), "provider": {"name": "Dr X", "phone": "0" * 41}}, "provider.phone"),
        (
            {"request": ump(), "member": {"name": "Pat", "subscriber_id": "W" * 41}},
            "member.subscriber_id",
        ),
        ({"request": "ump"}, "request"),
        ({"request": ump(received_at="2026-03-02T10:15:00+99:00")}, "request.received_at"),
    ],
)
def test_odd_bodies_are_422(callers, body, field):
    assert status_and_field(callers["bob"].call("POST", "/cases", body)) == (422, field)


def test_odd_action_bodies_are_422(callers, appeal):
    etag = etag_of(appeal)
    path = f"/cases/{appeal.number}"
    bob = callers["bob"]
    changes = bob.call(
        "POST",
        f"{path}/reclassify",
        {"changes": {"category": "\x00"}, "reason": "x"},
        **{"If-Match": etag},
    )
    assert status_and_field(changes) == (422, "changes")
    reason = bob.call("POST", f"{path}/reopen", {"reason": "   "}, **{"If-Match": etag})
    assert status_and_field(reason) == (422, "reason")
    clock = bob.call(
        "POST", f"{path}/pause", {"clock": "decision\x00", "reason": "x"}, **{"If-Match": etag}
    )
    assert status_and_field(clock) == (422, "clock")
    extend = bob.call(
        "POST",
        f"{path}/extend",
        {
            "clock": "decision",
            "new_due_at": "2199-12-31T23:59:59Z",  # the last instant the API takes
            "reason": "x",
            "consent_document_id": 2**63 - 1,
        },
        **{"If-Match": etag},
    )
    assert status_and_field(extend) == (422, "consent_document_id")


def test_odd_headers(callers):
    body = {"request": ump(), "backdate_reason": "late"}
    nul = callers["bob"].call("POST", "/cases", body, **{"Idempotency-Key": "a\x00b"})
    assert status_and_field(nul) == (422, "Idempotency-Key")
    latin = callers["bob"].call("POST", "/cases", body, **{"Idempotency-Key": "clé-1"})
    assert latin.status_code == 201


@pytest.mark.parametrize(
    "raw", [b"\xff\xfe\xfd", b'{"request": "\xc3\x28"}', b"[1, 2]", b"null", b"1e999999"]
)
def test_bodies_that_are_not_a_json_object(callers, raw):
    response = Client().post(
        "/api/v1/cases", data=raw, content_type="application/json", headers=callers["bob"].headers
    )
    assert response.status_code in (400, 422), response.content
    assert response["Content-Type"] == "application/problem+json"


def test_an_upload_with_an_odd_name_and_kind(callers, appeal):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.api.conftest import PDF

    upload = SimpleUploadedFile("x\x00y.pdf", PDF, content_type="application/pdf")
    response = callers["bob"].call(
        "POST", f"/cases/{appeal.number}/documents", files={"file": upload, "kind": "eob"}
    )
    assert response.status_code == 201 and "\x00" not in response.json()["name"]
    upload = SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")
    bad_kind = callers["bob"].call(
        "POST", f"/cases/{appeal.number}/documents", files={"file": upload, "kind": "eob\x00"}
    )
    assert status_and_field(bad_kind) == (422, "kind")


def test_an_upload_with_fields_it_does_not_take_is_refused(callers, appeal):
    """Found by schemathesis: a multipart part with no name (and `kind` sent twice) was dropped
    and the file stored as "evidence" (201); now 422, nothing stored."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from appealdesk.cases.models import Document
    from tests.api.conftest import PDF

    def upload() -> SimpleUploadedFile:
        return SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")

    path = f"/cases/{appeal.number}/documents"
    stray = callers["bob"].call("POST", path, files={"file": upload(), "": '{"x": false}'})
    assert stray.status_code == 422 and "unknown form field" in stray.json()["detail"]
    twice = callers["bob"].call("POST", path, files={"file": upload(), "kind": ["eob", "evidence"]})
    assert twice.status_code == 422
    assert not Document.objects.filter(case=appeal).exists()
