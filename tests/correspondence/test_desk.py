"""Letters on the desk's case page (preview, generate, e-mail, record as mailed), the case-file
download, and the administrators' letter templates (a save is a new version).

Personas are the desk's (tests/desk/conftest.py): alice intake and bob analyst on the UMP
medical team, carol an administrative reviewer, sam supervisor, olga on the pharmacy team,
root an administrator. The member is Pat Doe, who agreed to letters by e-mail."""

from __future__ import annotations

import pytest

from appealdesk.access.models import AccessLog
from appealdesk.cases.models import Case, ClockState
from appealdesk.correspondence.models import Letter, LetterStatus, LetterTemplate

pytestmark = pytest.mark.django_db


def page(client, case, query=""):
    response = client.get(f"/desk/cases/{case.number}/{query}")
    assert response.status_code == 200
    return response.content.decode()


def generate(client, case, kind, **extra):
    version = Case.objects.get(pk=case.pk).version
    return client.post(
        f"/desk/cases/{case.number}/letters/", {"kind": kind, "version": version, **extra}
    )


def test_preview_generate_email_and_mail_from_the_case_page(
    client, staff, appeal, smtp, django_capture_on_commit_callbacks
):
    client.force_login(staff["bob"])
    html = page(client, appeal)
    assert 'id="letters"' in html and "No letters yet." in html
    assert "?letter=acknowledgement#letters" in html
    assert "Decision: record the decision first" in html  # why it does not apply yet
    # the preview is the letter as it would be made now, in a sandboxed frame
    html = page(client, appeal, "?letter=acknowledgement")
    assert "<iframe" in html and 'sandbox=""' in html
    assert 'srcdoc="&lt;!doctype html&gt;' in html  # the letter is an attribute, never markup
    assert "We received your first-level appeal" in html
    assert "Generate the PDF" in html
    response = generate(client, appeal, "acknowledgement", note="Call us with questions.")
    assert response.status_code == 302 and response["Location"].endswith("#letters")
    letter = Letter.objects.get(case=appeal)
    assert letter.note == "Call us with questions." and letter.rendered_by == staff["bob"]
    html = page(client, appeal)
    assert f"/desk/cases/{appeal.number}/documents/{letter.document_id}/" in html
    assert "E-mail to pat.doe@example.org" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/desk/cases/{appeal.number}/letters/{letter.pk}/email/")
    assert response.status_code == 302
    assert [m[1] for m in smtp.messages] == [["pat.doe@example.org"]]
    letter.refresh_from_db()
    assert letter.status == LetterStatus.SENT
    assert appeal.clocks.get(clock_id="acknowledge").state == ClockState.MET
    assert "e-mailed" in page(client, appeal)
    # a second copy on paper
    generate(client, appeal, "acknowledgement")
    paper = Letter.objects.filter(case=appeal).latest("pk")
    response = client.post(f"/desk/cases/{appeal.number}/letters/{paper.pk}/mailed/", {"at": ""})
    assert response.status_code == 302
    paper.refresh_from_db()
    assert (paper.status, paper.mailed_by) == (LetterStatus.MAILED, staff["bob"])
    looks = set(AccessLog.objects.filter(case=appeal).values_list("what", flat=True))
    assert {"letter generate", "letter e-mail", "letter mailed"} <= looks


def test_a_refusal_is_shown_in_words(client, staff, appeal):
    client.force_login(staff["bob"])
    response = generate(client, appeal, "decision")
    assert response.status_code == 302
    assert "record the decision first" in page(client, appeal)
    stale = client.post(
        f"/desk/cases/{appeal.number}/letters/", {"kind": "acknowledgement", "version": 99}
    )
    assert stale.status_code == 302
    assert "reload it" in page(client, appeal)
    assert not Letter.objects.exists()


def test_who_may_make_letters(client, staff, appeal):
    # a reviewer sees the case (assigned) but does not make letters
    Case.objects.filter(pk=appeal.pk).update(reviewer=staff["carol"])
    client.force_login(staff["carol"])
    assert "Generate the PDF" not in page(client, appeal, "?letter=acknowledgement")
    assert generate(client, appeal, "acknowledgement").status_code == 403
    # intake may
    client.force_login(staff["alice"])
    assert generate(client, appeal, "acknowledgement").status_code == 302
    assert Letter.objects.count() == 1
    # someone who may not see the case gets the same 404 as for a case that does not exist
    client.force_login(staff["olga"])
    assert generate(client, appeal, "acknowledgement").status_code == 404
    assert client.get(f"/desk/cases/{appeal.number}/packet/").status_code == 404
    letter = Letter.objects.get()
    assert (
        client.post(f"/desk/cases/{appeal.number}/letters/{letter.pk}/mailed/").status_code == 404
    )


def test_the_case_file_download(client, staff, appeal):
    client.force_login(staff["bob"])
    generate(client, appeal, "acknowledgement")
    assert "the member's copy" in page(client, appeal)
    response = client.get(f"/desk/cases/{appeal.number}/packet/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{appeal.number}-case-file.pdf"'
    )
    assert response.content.startswith(b"%PDF-")
    assert AccessLog.objects.filter(case=appeal, what="case file packet", allowed=True).exists()


# -- administration ---------------------------------------------------------------------------
def test_an_administrator_edits_a_template_as_a_new_version(client, staff, appeal):
    client.force_login(staff["root"])
    listing = client.get("/desk/admin/letters/").content.decode()
    assert "Letter templates" in listing and "Request for written consent" in listing
    assert "/desk/admin/letters/genex-ur/decision/" in listing
    url = "/desk/admin/letters/ump/acknowledgement/"
    html = client.get(url).content.decode()
    assert "We received your {{ case.noun }}" in html  # the shipped default, v1
    v1 = LetterTemplate.objects.get(program="ump", kind="acknowledgement")
    body = v1.body.replace("What happens next", "What we do next")
    # check and preview with a case: the unknown name is reported
    preview = client.post(
        url,
        {
            "subject": v1.subject,
            "body": body + "<p>{{ case.colour }}</p>",
            "based_on": 1,
            "preview_case": appeal.number,
            "preview": "1",
        },
    ).content.decode()
    assert 'srcdoc="&lt;!doctype html&gt;' in preview and "What we do next" in preview
    assert "case.colour" in preview
    assert LetterTemplate.objects.filter(program="ump", kind="acknowledgement").count() == 1
    # saving without saying why is refused, with the text kept
    refused = client.post(url, {"subject": v1.subject, "body": body, "based_on": 1, "save": "1"})
    assert "say what changed" in refused.content.decode()
    saved = client.post(
        url, {"subject": v1.subject, "body": body, "note": "warmer heading", "based_on": 1}
    )
    assert saved.status_code == 302
    v2 = LetterTemplate.objects.get(program="ump", kind="acknowledgement", version=2)
    assert (v2.created_by, v2.note) == (staff["root"], "warmer heading")
    html = client.get(url).content.decode()
    assert "warmer heading" in html and "v2" in html
    # a save based on the old version is refused (someone saved since)
    again = client.post(
        url, {"subject": v1.subject, "body": body + "<p>x</p>", "note": "n", "based_on": 1}
    )
    assert "since you opened version 1" in again.content.decode()


def test_only_administrators_edit_templates(client, staff):
    client.force_login(staff["sam"])
    assert client.get("/desk/admin/letters/").status_code == 403
    assert client.get("/desk/admin/letters/ump/decision/").status_code == 403
    client.force_login(staff["root"])
    assert client.get("/desk/admin/letters/ump/postcard/").status_code == 404
    assert client.get("/desk/admin/letters/nowhere/decision/").status_code == 404


def test_intake_records_whether_the_member_agrees_to_email(client, staff):
    from appealdesk.cases.models import Party
    from tests.desk.test_intake import form

    client.force_login(staff["alice"])
    for name, consent in (("Ada Yes", "on"), ("Bo No", None)):
        data = form(confirm="1", member_name=name, member_email=f"{name[:2].lower()}@example.org")
        if consent:
            data["member_email_consent"] = consent
        assert client.post("/desk/intake/?program=ump", data).status_code == 302
    consents = dict(Party.objects.values_list("name", "email_consent"))
    assert consents == {"Ada Yes": True, "Bo No": False}
    case = Case.objects.get(member__name="Ada Yes")
    assert "letters by e-mail" in page(client, case)
