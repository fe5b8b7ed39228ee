"""Who sees which case (SPEC 8): teams, assignment, programs; 404 never 403; every look logged."""

from __future__ import annotations

import re

import pytest

from appealdesk.access.models import AccessLog
from appealdesk.cases.services import case_assign

pytestmark = pytest.mark.django_db


def status_of(client, user, case):
    client.force_login(user)
    return client.get(f"/desk/cases/{case.number}/").status_code


@pytest.mark.parametrize(
    ("who", "own_team", "other_team"),
    [
        ("alice", 200, 404),  # intake sees her team's cases
        ("bob", 200, 404),  # so does the analyst
        ("carol", 404, 404),  # a reviewer only what is assigned to her
        ("sam", 200, 200),  # the supervisor every case of his program
        ("olga", 404, 200),  # the other team's analyst only hers
        ("root", 200, 200),  # the administrator everything
    ],
)
def test_visibility_matrix(client, staff, appeal, drug_appeal, pharmacy, who, own_team, other_team):
    assert appeal.team.name == "UMP medical"
    assert drug_appeal.team == pharmacy
    assert status_of(client, staff[who], appeal) == own_team
    assert status_of(client, staff[who], drug_appeal) == other_team


def test_a_reviewer_sees_the_case_once_assigned(client, staff, appeal):
    assert status_of(client, staff["carol"], appeal) == 404
    case_assign(appeal, actor=staff["sam"], reviewer=staff["carol"])
    assert status_of(client, staff["carol"], appeal) == 200


def test_every_look_and_every_refusal_is_logged(client, staff, appeal, drug_appeal):
    client.force_login(staff["bob"])
    assert client.get(f"/desk/cases/{appeal.number}/").status_code == 200
    assert client.get(f"/desk/cases/{drug_appeal.number}/").status_code == 404
    assert client.get("/desk/cases/UMP-2026-9999999/").status_code == 404
    rows = list(AccessLog.objects.order_by("id").values_list("case_number", "allowed", "username"))
    assert rows == [
        (appeal.number, True, "bob"),
        (drug_appeal.number, False, "bob"),
        ("UMP-2026-9999999", False, "bob"),
    ]
    refused = AccessLog.objects.get(case_number=drug_appeal.number)
    assert refused.case_id == drug_appeal.pk and "refused" in refused.what


def test_the_404_does_not_tell_whether_the_case_exists(client, staff, drug_appeal):
    client.force_login(staff["bob"])
    hidden = client.get(f"/desk/cases/{drug_appeal.number}/")
    missing = client.get("/desk/cases/UMP-2026-0000000/")
    assert hidden.status_code == missing.status_code == 404

    def page(r):  # the same page but for the per-response CSRF token mask
        return re.sub(rb"[A-Za-z0-9]{64}", b"", r.content)

    assert page(hidden) == page(missing)


def test_search_finds_only_visible_cases(client, staff, appeal, drug_appeal):
    client.force_login(staff["olga"])
    page = client.get("/desk/search/", {"q": "W1234567"}).content.decode()
    assert drug_appeal.number in page and appeal.number not in page


def test_documents_are_downloaded_as_attachments_only_by_who_may_see_the_case(
    client, staff, appeal
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(staff["bob"])
    pdf = SimpleUploadedFile("eob.pdf", b"%PDF-1.4 an EOB", content_type="text/html")
    assert (
        client.post(f"/desk/cases/{appeal.number}/upload/", {"documents": pdf}).status_code == 302
    )
    doc = appeal.documents.get()
    assert doc.content_type == "application/pdf"  # sniffed, not the browser's claim
    response = client.get(f"/desk/cases/{appeal.number}/documents/{doc.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    client.force_login(staff["olga"])
    assert client.get(f"/desk/cases/{appeal.number}/documents/{doc.pk}/").status_code == 404


def test_an_upload_that_is_not_a_pdf_or_image_is_refused_in_words(client, staff, appeal):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(staff["bob"])
    html = SimpleUploadedFile("eob.pdf", b"<html><script>alert(1)</script>", "application/pdf")
    page = client.post(f"/desk/cases/{appeal.number}/upload/", {"documents": html}, follow=True)
    assert "is not a PDF or an image" in page.content.decode()
    assert not appeal.documents.exists()


def test_signed_out_users_go_to_sign_in_and_non_staff_are_refused(client, db, staff):
    response = client.get("/desk/")
    assert response.status_code == 302 and response["Location"].startswith("/desk/login/")
    from django.contrib.auth import get_user_model

    member = get_user_model().objects.create_user("member", password="x")
    client.force_login(member)
    assert client.get("/desk/").status_code == 403


def test_pages_of_other_roles_are_refused(client, staff):
    client.force_login(staff["bob"])
    assert client.get("/desk/dashboard/").status_code == 403
    assert client.get("/desk/admin/packs/").status_code == 403
    client.force_login(staff["carol"])
    assert client.get("/desk/intake/").status_code == 403
    client.force_login(staff["sam"])
    assert client.get("/desk/dashboard/").status_code == 200
    client.force_login(staff["root"])
    for url in ("/desk/admin/packs/", "/desk/admin/packs/ump/2026.2/", "/desk/admin/people/"):
        assert client.get(url).status_code == 200
    page = client.get("/desk/admin/calendars/genex-ur/2026/").content.decode()
    assert "2026-11-27" in page  # the day after Thanksgiving (California calendar)
    assert "Government Code 19853(a): the day after Thanksgiving" in page  # with its source
    page = client.get("/desk/admin/calendars/genex-ur/2028/").content.decode()
    assert "<strong>projected</strong>" in page and "2028-11-10" in page  # Veterans Day, Friday


def test_supervisors_see_who_opened_the_case(client, staff, appeal):
    client.force_login(staff["bob"])
    assert "Access log" not in client.get(f"/desk/cases/{appeal.number}/").content.decode()
    client.force_login(staff["sam"])
    page = client.get(f"/desk/cases/{appeal.number}/").content.decode()
    assert "Access log" in page and "bob · case page" in page


def test_only_the_assigned_reviewer_decides(client, staff, appeal):
    from appealdesk.cases.services import case_assign

    case_assign(appeal, actor=staff["sam"], reviewer=staff["dave"], owner=staff["carol"])
    client.force_login(staff["carol"])  # she owns it, but dave reviews it
    page = client.get(f"/desk/cases/{appeal.number}/").content.decode()
    assert 'id="action-decide"' not in page
    response = client.post(
        f"/desk/cases/{appeal.number}/decide/", {"decide-version": 3, "decide-outcome": "upheld"}
    )
    assert response.status_code == 403 and "assigned to dave" in response.content.decode()


def test_the_admin_needs_the_second_factor_and_logs_case_reads(client, staff, appeal, settings):
    settings.MFA = "required"
    client.force_login(staff["root"])
    response = client.get(f"/admin/cases/case/{appeal.pk}/change/")
    assert response.status_code == 302 and response["Location"].startswith("/desk/mfa/")
    settings.MFA = "optional"
    assert client.get(f"/admin/cases/case/{appeal.pk}/change/").status_code == 200
    assert AccessLog.objects.filter(case=appeal, what="admin case").count() == 1


def test_member_search_is_limited_to_the_users_cases(client, staff, appeal, drug_appeal):
    from appealdesk.cases.models import Party

    Party.objects.create(role="member", name="Pat Newcomer")
    client.force_login(staff["olga"])  # pharmacy: sees drug_appeal's member, Pat Doe
    found = client.get("/desk/intake/parties/", {"member_q": "Pat"}).content.decode()
    assert "Pat Doe" in found and "Pat Newcomer" in found
    drug_appeal.member = Party.objects.create(role="member", name="Pat Other")
    drug_appeal.save(update_fields=["member"])
    found = client.get("/desk/intake/parties/", {"member_q": "Pat"}).content.decode()
    assert "Pat Doe" not in found  # only on the medical team's case now
    assert "Pat Other" in found


def test_searches_are_logged_and_odd_input_is_not_an_error(client, staff, appeal):
    client.force_login(staff["bob"])
    client.get("/desk/search/", {"q": "W1234567"})
    assert AccessLog.objects.filter(case=appeal, what="search result").exists()
    assert client.get("/desk/", {"team": "²"}).status_code == 200
    assert (
        client.get(
            "/desk/", {"cursor": "OTk5OTk5OTk5OTk5OTk5OTk5OTl8OTk5OTk5OTk5OTk5OTk5OTk5OTk5"}
        ).status_code
        == 302
    )
    long = "x" * 60
    assert client.post(f"/desk/cases/{appeal.number}/{long}/").status_code == 404
