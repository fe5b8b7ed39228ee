"""The portal's pages cost a constant number of queries whatever the data: the home page with 2
or 20 requests, a status page with a short or a long history (no query per case, event, letter
or document)."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appealdesk.cases import services as sv
from appealdesk.cases.documents import document_store
from tests.conftest import ump
from tests.desk.conftest import local_now

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def queries(client, url: str) -> int:
    client.get(url)  # the first look at a pack version reads it once per process
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


def take_in(staff, account, n: int):
    made = []
    for _ in range(n):
        made.append(
            sv.case_receive(
                request=ump(received_at=local_now(), notice_date="2026-10-01"),
                actor=staff["alice"],
                member=account.party,
                backdate_reason="entered after the call",
            )
        )
    return made


def test_the_home_page_does_not_grow_with_the_requests(maria, staff, signed_in):
    client = signed_in(maria)
    take_in(staff, maria, 2)
    few = queries(client, "/portal/")
    take_in(staff, maria, 18)
    assert queries(client, "/portal/") == few


def test_the_status_page_does_not_grow_with_the_history(maria, staff, signed_in):
    client = signed_in(maria)
    (case,) = take_in(staff, maria, 1)
    url = f"/portal/cases/{case.number}/"
    short = queries(client, url)
    for i in range(8):
        info = sv.case_request_information(
            case, actor=staff["bob"], items=["eob"], note=f"please send {i}"
        )
        assert info.pk
        case.refresh_from_db()
        sv.case_receive_information(case, actor=staff["bob"], items=["eob"])
        case.refresh_from_db()
        upload = SimpleUploadedFile(f"eob{i}.pdf", PDF + bytes([i]), "application/pdf")
        document_store(upload, kind="eob", case=case, actor=maria.user)
    assert queries(client, url) == short


def test_the_home_page_pages_through_many_requests(maria, staff, signed_in):
    from appealdesk.portal.views.home import PAGE

    client = signed_in(maria)
    made = take_in(staff, maria, PAGE + 3)
    first = client.get("/portal/").content.decode()
    newest = sorted(made, key=lambda c: (c.received_at, c.pk), reverse=True)
    assert newest[0].number in first and newest[PAGE].number not in first
    older = re.search(r'href="\?older=([^"]+)"', first).group(1)
    second = client.get(f"/portal/?older={older}").content.decode()
    shown = [c.number for c in newest[PAGE:]]
    assert all(n in second for n in shown) and newest[0].number not in second
    assert "Older requests" not in second and "Newest requests" in second
    assert client.get("/portal/?older=nonsense").status_code == 200  # the first page
