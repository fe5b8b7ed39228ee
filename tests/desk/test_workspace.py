"""The reviewer's workspace (issue 18, item 4): documents shown on the case page, sandboxed
(an image as itself, a PDF's pages drawn here), through the access-logged document view; what is
still missing, with the decide form asking to confirm a decision without it; rationale
templates per program and outcome, versioned, filled in for the case."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from appealdesk.access.models import AccessLog
from appealdesk.cases import services as sv
from appealdesk.cases.documents import document_store
from appealdesk.cases.models import Case, Event
from appealdesk.correspondence.models import RationaleTemplate
from tests.mailroom.pages import pdf_of

pytestmark = pytest.mark.django_db


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def stored(case, raw, name, content_type, actor):
    return document_store(
        SimpleUploadedFile(name, raw, content_type), kind="eob", case=case, actor=actor
    )


def assigned(appeal, staff):
    return sv.case_assign(
        appeal,
        actor=staff["sam"],
        owner=staff["bob"],
        reviewer=staff["carol"],
        expected_version=appeal.version,
    )


def test_an_image_is_shown_inline_sandboxed_and_the_look_is_logged(client, staff, appeal):
    doc = stored(appeal, png(), "eob.png", "image/png", staff["bob"])
    client.force_login(staff["bob"])
    page = client.get(f"/desk/cases/{appeal.number}/?view={doc.pk}").content.decode()
    assert f'<img src="/desk/cases/{appeal.number}/documents/{doc.pk}/?inline=1"' in page
    shown = client.get(f"/desk/cases/{appeal.number}/documents/{doc.pk}/?inline=1")
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert shown["Content-Disposition"].startswith("inline")
    assert shown["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert AccessLog.objects.filter(case_id=appeal.pk, what="document viewed").count() == 1
    # someone who may not see the case gets the same 404 as for no such case
    client.force_login(staff["olga"])
    assert (
        client.get(f"/desk/cases/{appeal.number}/documents/{doc.pk}/?inline=1").status_code == 404
    )


def test_a_pdf_is_shown_as_pages_drawn_here(client, staff, appeal):
    doc = stored(
        appeal,
        pdf_of([["Explanation of benefits"], ["page two"]]),
        "eob.pdf",
        "application/pdf",
        staff["bob"],
    )
    client.force_login(staff["bob"])
    page = client.get(f"/desk/cases/{appeal.number}/?view={doc.pk}").content.decode()
    assert 'iframe sandbox="allow-same-origin"' in page
    viewer = client.get(f"/desk/cases/{appeal.number}/documents/{doc.pk}/?inline=1")
    assert viewer.status_code == 200 and viewer["Content-Type"].startswith("text/html")
    assert "sandbox allow-same-origin" in viewer["Content-Security-Policy"]
    assert viewer["X-Frame-Options"] == "SAMEORIGIN"
    html = viewer.content.decode()
    for n in (1, 2):
        assert f"/desk/cases/{appeal.number}/documents/{doc.pk}/pages/{n}/" in html
    image = client.get(f"/desk/cases/{appeal.number}/documents/{doc.pk}/pages/1/")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")
    assert client.get(f"/desk/cases/{appeal.number}/documents/{doc.pk}/pages/3/").status_code == 404
    client.force_login(staff["olga"])
    assert client.get(f"/desk/cases/{appeal.number}/documents/{doc.pk}/pages/1/").status_code == 404


def test_the_reviewer_is_warned_and_must_confirm_a_decision_without_the_missing_records(
    client, staff, appeal
):
    case = assigned(appeal, staff)
    assert case.missing  # the pack's required items not given at intake
    client.force_login(staff["carol"])
    page = client.get(f"/desk/cases/{case.number}/").content.decode()
    assert 'id="workspace"' in page and "Required records are missing:" in page
    assert "goes into the decision letter" in page
    data = {
        "decide-version": case.version,
        "decide-outcome": "upheld",
        "decide-action_taken": "deny",
        "decide-reason": "Not covered.",
    }
    refused = client.post(f"/desk/cases/{case.number}/decide/", data)
    assert refused.status_code == 422
    assert "Tick “Decide without the missing records”" in refused.content.decode()
    assert Case.objects.get(pk=case.pk).state == case.state
    done = client.post(
        f"/desk/cases/{case.number}/decide/", {**data, "decide-decide_missing": "on"}
    )
    assert done.status_code == 302
    assert Case.objects.get(pk=case.pk).state == "decided"


def test_nothing_to_confirm_when_nothing_is_missing(client, staff, receive):
    missing = receive().missing
    case = assigned(receive(provided=["subscriber_name", "subscriber_id", *missing]), staff)
    assert case.missing == []
    client.force_login(staff["carol"])
    page = client.get(f"/desk/cases/{case.number}/").content.decode()
    assert "Nothing required is missing." in page and "decide_missing" not in page


def test_rationale_templates_are_versioned_and_fill_the_rationale(client, staff, appeal):
    client.force_login(staff["root"])
    url = "/desk/admin/rationales/ump/"
    assert client.get(url).status_code == 200
    first = {
        "outcome": "upheld",
        "name": "once a year",
        "text": "{{ member }}, the plan covers one exam a year ({{ case_number }}).",
        "note": "first",
        "based_on": 0,
    }
    assert client.post(url, first).status_code == 302
    saved = RationaleTemplate.objects.get()
    assert (saved.version, saved.created_by) == (1, staff["root"])
    edit = {**first, "text": first["text"] + " Call us.", "note": "call", "based_on": 1}
    again = client.post(url, edit)
    assert again.status_code == 302
    stale = client.post(url, {**first, "text": "other", "note": "late", "based_on": 1})
    assert "version 2 was saved since you opened version 1" in stale.content.decode()
    assert list(
        RationaleTemplate.objects.values_list("version", flat=True).order_by("version")
    ) == [1, 2]
    client.force_login(staff["bob"])
    assert client.get(url).status_code == 403

    case = assigned(appeal, staff)
    client.force_login(staff["carol"])
    page = client.get(f"/desk/cases/{case.number}/actions/decide/").content.decode()
    latest = RationaleTemplate.objects.get(version=2)
    assert f'<option value="{latest.pk}">upheld: once a year (v2)</option>' in page
    filled = client.get(
        f"/desk/cases/{case.number}/rationale/", {"decide-rationale_template": latest.pk}
    ).content.decode()
    assert filled.startswith("<textarea") and 'id="id_decide-reason"' in filled
    assert f"Pat Doe, the plan covers one exam a year ({case.number}). Call us." in filled
    # another reviewer's case is not hers to fill
    client.force_login(staff["dave"])
    assert client.get(f"/desk/cases/{case.number}/rationale/").status_code in (403, 404)
    assert not Event.objects.filter(case=case, action="case.decided").exists()
