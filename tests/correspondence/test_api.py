"""Letters and the case-file packet in API v1: the same services, scopes, roles, access log and
If-Match rules as every other action (tests/api/conftest.py makes the callers)."""

from __future__ import annotations

import pytest

from appealdesk.cases.models import ClockState
from appealdesk.correspondence.models import Letter
from tests.correspondence.conftest import etag_of

pytestmark = pytest.mark.django_db


def test_list_preview_generate_send_and_mail(
    callers, appeal, smtp, django_capture_on_commit_callbacks
):
    bob = callers["bob"]
    listed = bob.call("GET", f"/cases/{appeal.number}/letters").json()
    assert listed["letters"] == []
    kinds = {k["kind"]: k for k in listed["kinds"]}
    assert kinds["acknowledgement"]["applies"] is True
    assert kinds["decision"] == {
        "kind": "decision",
        "label": "Decision",
        "applies": False,
        "why_not": "record the decision first",
    }
    preview = bob.call("GET", f"/cases/{appeal.number}/letters/preview?kind=acknowledgement")
    assert preview.status_code == 200
    assert "We received your first-level appeal" in preview.json()["html"]
    # an action needs If-Match
    body = {"kind": "acknowledgement"}
    assert bob.call("POST", f"/cases/{appeal.number}/letters", body).status_code == 428
    made = bob.call(
        "POST", f"/cases/{appeal.number}/letters", body, **{"If-Match": etag_of(appeal)}
    )
    assert made.status_code == 201, made.content
    letter = made.json()
    stored = Letter.objects.get(pk=letter["id"])
    assert letter["sha256"] == stored.document.sha256 and letter["status"] == "generated"
    assert letter["template_version"] == 1 and letter["facts"]["sender"] == "regence"
    assert made["ETag"] == etag_of(appeal)
    assert bob.call("GET", f"/cases/{appeal.number}/letters/{letter['id']}").json() == letter
    # e-mailed: 202, sent through the queue, the notice recorded (the ETag moves on)
    before = etag_of(appeal)
    with django_capture_on_commit_callbacks(execute=True):
        sent = bob.call(
            "POST", f"/cases/{appeal.number}/letters/{letter['id']}/send", **{"If-Match": before}
        )
    assert sent.status_code == 202, sent.content
    assert Letter.objects.get(pk=letter["id"]).status == "sent"
    assert len(smtp.messages) == 1
    assert etag_of(appeal) != before
    assert appeal.clocks.get(clock_id="acknowledge").state == ClockState.MET
    # a second letter, mailed on paper
    other = bob.call(
        "POST", f"/cases/{appeal.number}/letters", body, **{"If-Match": etag_of(appeal)}
    ).json()
    mailed = bob.call(
        "POST",
        f"/cases/{appeal.number}/letters/{other['id']}/mailed",
        {},
        **{"If-Match": etag_of(appeal)},
    )
    assert mailed.status_code == 200 and mailed.json()["status"] == "mailed"
    assert mailed.json()["mailed_by"] == "bob"
    again = bob.call(
        "POST",
        f"/cases/{appeal.number}/letters/{other['id']}/mailed",
        {},
        **{"If-Match": etag_of(appeal)},
    )
    assert again.status_code == 409 and "already recorded as mailed" in again.json()["detail"]


def test_refusals_are_problems(callers, appeal, paper_member):
    bob = callers["bob"]
    tag = {"If-Match": etag_of(appeal)}
    wrong = bob.call("POST", f"/cases/{appeal.number}/letters", {"kind": "decision"}, **tag)
    assert wrong.status_code == 409 and "record the decision first" in wrong.json()["detail"]
    unknown = bob.call("POST", f"/cases/{appeal.number}/letters", {"kind": "postcard"}, **tag)
    assert unknown.status_code == 422 and unknown.json()["field"] == "kind"
    stale = bob.call(
        "POST",
        f"/cases/{appeal.number}/letters",
        {"kind": "acknowledgement"},
        **{"If-Match": '"v9"'},
    )
    assert stale.status_code == 409
    assert bob.call("GET", f"/cases/{appeal.number}/letters/999").status_code == 404
    # a member who did not agree to e-mail
    appeal.member = paper_member
    appeal.save(update_fields=["member"])
    made = bob.call(
        "POST", f"/cases/{appeal.number}/letters", {"kind": "acknowledgement"}, **tag
    ).json()
    refused = bob.call(
        "POST", f"/cases/{appeal.number}/letters/{made['id']}/send", **{"If-Match": etag_of(appeal)}
    )
    assert refused.status_code == 422 and "has not agreed" in refused.json()["detail"]


def test_scopes_roles_and_visibility(callers, appeal):
    tag = {"If-Match": etag_of(appeal)}
    body = {"kind": "acknowledgement"}
    read_only = callers["bob read-only"]
    assert read_only.call("GET", f"/cases/{appeal.number}/letters").status_code == 200
    assert read_only.call("POST", f"/cases/{appeal.number}/letters", body, **tag).status_code == 403
    # a reviewer does not make letters
    assert callers["carol"].call(
        "POST", f"/cases/{appeal.number}/letters", body, **tag
    ).status_code in (
        403,
        404,
    )
    # the pharmacy team does not see the medical team's case
    for path in ("letters", "packet"):
        assert callers["olga"].call("GET", f"/cases/{appeal.number}/{path}").status_code == 404
    assert callers["nobody"].call("GET", f"/cases/{appeal.number}/packet").status_code == 401


def test_the_packet(callers, appeal):
    bob = callers["bob"]
    bob.call(
        "POST",
        f"/cases/{appeal.number}/letters",
        {"kind": "acknowledgement"},
        **{"If-Match": etag_of(appeal)},
    )
    response = bob.call("GET", f"/cases/{appeal.number}/packet?purpose=iro")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"%PDF-" in response.content[:8]
    assert bob.call("GET", f"/cases/{appeal.number}/packet?purpose=gift").status_code == 422


def test_intake_takes_the_members_email_consent(callers):
    import datetime as dt

    from django.utils import timezone

    from appealdesk.cases.models import Case
    from tests.conftest import ump
    from tests.desk.conftest import local_now

    notice = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    body = {
        "request": ump(received_at=local_now(0.5), notice_date=notice),
        "member": {"name": "Robin Roe", "email": "robin@example.org", "email_consent": True},
        "backdate_reason": "entered after the call",
    }
    made = callers["alice"].call("POST", "/cases", body)
    assert made.status_code == 201, made.content
    member = Case.objects.get(number=made.json()["number"]).member
    assert (member.email, member.email_consent) == ("robin@example.org", True)
