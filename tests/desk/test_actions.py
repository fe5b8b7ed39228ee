"""Working a case on the desk: every action calls its service; refusals are shown in words;
a stale edit says who changed the case and keeps what the user typed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from appealdesk.cases import services as sv
from appealdesk.cases.models import Case, Event

pytestmark = pytest.mark.django_db


def act(client, case, action, *, version=None, **fields):
    data = {f"{action}-{k}": v for k, v in fields.items()}
    data[f"{action}-version"] = (
        version if version is not None else Case.objects.get(pk=case.pk).version
    )
    return client.post(f"/desk/cases/{case.number}/{action}/", data)


def events(case):
    return list(Event.objects.filter(case=case).values_list("action", flat=True))


def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_phone_appeal_worked_to_its_notice(client, staff, appeal):
    """Acknowledge, assign a reviewer, decide, record the written notice."""
    client.force_login(staff["bob"])
    page = client.get(f"/desk/cases/{appeal.number}/").content.decode()
    assert "Confirm receipt of the appeal" in page and "left" in page  # the 72-hour clock
    assert (
        act(client, appeal, "record_notice", notice="acknowledgement", medium="written").status_code
        == 302
    )
    assert (
        act(client, appeal, "assign", owner=staff["bob"].pk, reviewer=staff["carol"].pk).status_code
        == 302
    )
    client.force_login(staff["carol"])
    response = act(
        client,
        appeal,
        "decide",
        outcome="upheld",
        action_taken="deny",
        reason="plan terms",
        decide_missing="on",  # the fixture's appeal lacks required records: confirmed
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    client.force_login(staff["bob"])
    assert (
        act(client, appeal, "record_notice", notice="decision", medium="written").status_code == 302
    )
    case = Case.objects.get(pk=appeal.pk)
    assert (
        case.state == "notified" and case.outcome == "upheld" and case.decided_by == staff["carol"]
    )
    assert events(case) == [
        "case.received",
        "notice.acknowledgement",
        "case.assigned",
        "case.decided",
        "notice.decision",
    ]
    clocks = {c.clock_id: c.state for c in case.clocks.all()}
    assert clocks == {"acknowledge": "met", "decision_target": "met", "decision": "met"}
    timeline = client.get(f"/desk/cases/{appeal.number}/").content.decode()
    assert "Decision notice recorded" in timeline and "Decided" in timeline


def test_an_extension_is_refused_without_consent_and_taken_with_it(client, staff, appeal):
    # seed: "...more than 30 days... only with the written permission of the member..."
    client.force_login(staff["bob"])
    decision = appeal.clocks.get(clock_id="decision")
    later = local(decision.due_at + dt.timedelta(days=14))
    refused = act(client, appeal, "extend", clock=decision.pk, new_due_at=later, reason="records")
    assert refused.status_code == 422
    assert "written permission" in refused.content.decode()
    assert "records" in refused.content.decode()  # what was typed is kept
    consent = SimpleUploadedFile("consent.pdf", b"%PDF-1.4 signed consent", "application/pdf")
    data = {
        "extend-version": Case.objects.get(pk=appeal.pk).version,
        "extend-clock": decision.pk,
        "extend-new_due_at": later,
        "extend-reason": "waiting for the medical records",
        "extend-consent_document": consent,
    }
    accepted = client.post(f"/desk/cases/{appeal.number}/extend/", data)
    assert accepted.status_code == 302
    decision.refresh_from_db()
    assert decision.state == "extended" and decision.extensions.get().consent_document is not None


def test_a_reviewer_who_decided_the_earlier_level_is_refused(client, staff, appeal):
    # seed: "...reviewers who were not involved in the initial decision..."
    sv.case_assign(appeal, actor=staff["sam"], reviewer=staff["carol"])
    sv.case_decide(appeal, actor=staff["carol"], outcome="upheld", action="deny")
    sv.case_record_notice(appeal, actor=staff["bob"], notice="decision", medium="written")
    level2 = sv.case_escalate(
        appeal, actor=staff["alice"], channel="mail", received_at=timezone.now().isoformat()
    )
    assert level2.level == 2
    client.force_login(staff["sam"])
    refused = act(client, level2, "assign", reviewer=staff["carol"].pk, reason="")
    assert refused.status_code == 422
    assert "carol decided appeal level 1 of this matter" in refused.content.decode()
    assert act(client, level2, "assign", reviewer=staff["dave"].pk).status_code == 302


def test_a_stale_edit_names_who_changed_the_case_and_keeps_the_typed_text(client, staff, appeal):
    seen = appeal.version
    sv.case_request_information(appeal, actor=staff["sam"], items=["eob"])
    client.force_login(staff["bob"])
    response = act(
        client,
        appeal,
        "dismiss",
        version=seen,
        reason="withdrawn",
        note="member called to withdraw",
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert f"Case {appeal.number} was changed by sam at " in page
    assert "member called to withdraw" in page  # nothing typed is lost
    assert "Reload the case" in page
    assert Case.objects.get(pk=appeal.pk).state == "awaiting_information"


def test_refused_transitions_are_explained(client, staff, appeal):
    client.force_login(staff["bob"])
    response = act(client, appeal, "record_notice", notice="decision", medium="written")
    assert response.status_code == 422
    assert "record the decision before its notice" in response.content.decode()


def test_actions_of_other_roles_are_refused(client, staff, appeal):
    client.force_login(staff["alice"])  # intake does not decide
    assert act(client, appeal, "decide", outcome="upheld").status_code == 403
    page = client.get(f"/desk/cases/{appeal.number}/").content.decode()
    assert 'id="action-decide"' not in page and 'id="action-record_notice"' in page


def test_information_requested_then_received(client, staff, appeal):
    client.force_login(staff["bob"])
    assert act(client, appeal, "request_information", items=["eob", "statement"]).status_code == 302
    assert Case.objects.get(pk=appeal.pk).state == "awaiting_information"
    assert act(client, appeal, "receive_information", items=["eob", "statement"]).status_code == 302
    case = Case.objects.get(pk=appeal.pk)
    assert case.state == "in_review" and "eob" not in case.missing


def test_dismiss_reopen_and_escalate_to_a_linked_case(client, staff, receive):
    late = receive(notice_date=(timezone.localdate() - dt.timedelta(days=200)).isoformat())
    assert late.disposition == "reject"
    client.force_login(staff["bob"])
    page = client.get(f"/desk/cases/{late.number}/").content.decode()
    assert 'id="action-dismiss"' in page  # offered; its form is fetched when opened
    form = client.get(f"/desk/cases/{late.number}/actions/dismiss/").content.decode()
    assert '<option value="untimely" selected>' in form  # the assessment's reason, preset
    assert act(client, late, "dismiss", reason="untimely").status_code == 302
    assert Case.objects.get(pk=late.pk).state == "dismissed"
    assert act(client, late, "reopen", reason="postmark found in time").status_code == 302
    assert Case.objects.get(pk=late.pk).state == "reopened"


def test_escalation_opens_the_linked_case(client, staff, appeal):
    sv.case_decide(appeal, actor=staff["carol"], outcome="upheld", action="deny")
    client.force_login(staff["bob"])
    response = act(
        client,
        appeal,
        "escalate",
        requested="appeal",
        received_at=local(timezone.now()),
        channel="mail",
    )
    assert response.status_code == 302
    linked = Case.objects.get(prior=appeal)
    assert response["Location"] == f"/desk/cases/{linked.number}/"
    assert linked.level == 2 and linked.matter_id == appeal.pk


def test_the_next_level_is_offered_only_where_the_pack_has_one(client, staff, appeal, member):
    from appealdesk.cases.models import Team
    from tests.conftest import genex
    from tests.desk.conftest import local_now

    sv.case_decide(appeal, actor=staff["carol"], outcome="upheld", action="deny")
    client.force_login(staff["sam"])
    assert 'id="action-escalate"' in client.get(f"/desk/cases/{appeal.number}/").content.decode()
    team = Team.objects.create(name="Genex", program="genex-ur")
    staff["sam"].staff.teams.add(team)
    grievance = sv.case_receive(
        request=genex(
            received_at=local_now(),
            occurrence_date=(timezone.localdate() - dt.timedelta(days=20)).isoformat(),
            written=True,
        ),
        actor=staff["alice"],
        member=member,
        team=team,
        backdate_reason="entered after the call",
    )
    sv.case_decide(grievance, actor=staff["sam"], outcome="upheld")
    page = client.get(f"/desk/cases/{grievance.number}/").content.decode()
    assert grievance.kind == "grievance" and 'id="action-escalate"' not in page  # no next level


def test_bulk_reassignment_by_a_supervisor(client, staff, receive):
    cases = [receive() for _ in range(3)]
    client.force_login(staff["alice"])  # intake assigns nothing (analysts do: issue 18)
    assert client.post("/desk/reassign/", {"cases": [c.number for c in cases]}).status_code == 403
    client.force_login(staff["sam"])
    response = client.post(
        "/desk/reassign/",
        {
            "cases": [c.number for c in cases[:2]],
            "owner": staff["bob"].pk,
            "reason": "alice on leave",
            **{f"version-{c.number}": c.version for c in cases},
        },
    )
    assert response.status_code == 302
    owners = [Case.objects.get(pk=c.pk).owner for c in cases]
    assert owners == [staff["bob"], staff["bob"], None]


def test_an_action_that_does_not_apply_is_refused(client, staff, appeal):
    client.force_login(staff["bob"])
    response = act(client, appeal, "close", note="too early")
    assert (
        response.status_code == 422
        and "does not apply to a received case" in response.content.decode()
    )


def test_a_stale_extension_keeps_no_consent_file(client, staff, appeal, settings):
    seen = appeal.version
    sv.case_request_information(appeal, actor=staff["sam"], items=["eob"])
    client.force_login(staff["bob"])
    decision = appeal.clocks.get(clock_id="decision")
    data = {
        "extend-version": seen,
        "extend-clock": decision.pk,
        "extend-new_due_at": local(decision.due_at + dt.timedelta(days=10)),
        "extend-reason": "records",
        "extend-consent_document": SimpleUploadedFile("c.pdf", b"%PDF-1.4 consent"),
    }
    assert client.post(f"/desk/cases/{appeal.number}/extend/", data).status_code == 409
    assert not appeal.documents.exists()
    stored = settings.MEDIA_ROOT / "documents"
    assert not stored.exists() or not any(p.is_file() for p in stored.rglob("*"))
