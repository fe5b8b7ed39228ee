"""Every service: its happy path, its refusals (nothing half-written), and its event."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from appealdesk.cases import services as sv
from appealdesk.cases.errors import InvalidInput, InvalidTransition, Refused, StaleVersion
from appealdesk.cases.models import Case, Clock, Event, Extension
from tests.cases.conftest import NOW, genex_request, ump_request

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)
LATER = dt.datetime(2026, 3, 21, 17, tzinfo=dt.UTC)
D = dt.timedelta(days=1)


def clocks(case):
    return {c.clock_id: c for c in Clock.objects.filter(case=case).exclude(state="cancelled")}


def actions(case):
    return list(Event.objects.filter(case=case).values_list("action", flat=True))


def unchanged(case, version):
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.version == version
    return fresh


# -- case_receive -----------------------------------------------------------------------------
def test_receive_stores_the_case_its_clocks_and_one_event(receive, team):
    case = receive()
    assert case.number == f"UMP-2026-{case.pk:07d}"
    assert case.matter_id == case.pk and case.team == team
    assert (case.kind, case.level, case.state, case.disposition) == (
        "appeal",
        1,
        "received",
        "accept",
    )
    assert case.received_at == dt.datetime(2026, 3, 2, 18, 15, tzinfo=dt.UTC)
    assert case.received_at != case.created_at  # entered by intake, not the insert time
    c = clocks(case)
    assert set(c) == {"acknowledge", "decision_target", "decision"}
    assert c["acknowledge"].due_at == dt.datetime(2026, 3, 5, 18, 15, tzinfo=dt.UTC)
    assert c["decision"].due_date == dt.date(2026, 4, 1)
    assert c["decision"].extension_rule["requires"] == "written_consent"
    assert case.next_due_at == c["acknowledge"].due_at
    assert case.pack.sha256 and "program: ump" in case.pack.text
    assert actions(case) == ["case.received"]


def test_backdating_needs_a_reason(receive):
    late = NOW + 3 * D
    with pytest.raises(InvalidInput) as info:
        receive(now=late)
    assert info.value.field == "backdate_reason"
    assert Case.objects.count() == 0


def test_backdating_with_a_reason_is_recorded(people, member):
    case = sv.case_receive(
        request=ump_request(),
        actor=people["alice"],
        member=member,
        backdate_reason="mail date-stamped Monday, opened Thursday",
        now=NOW + 3 * D,
    )
    event = Event.objects.get(case=case)
    assert event.after["backdate_reason"].startswith("mail date-stamped")
    assert case.received_at < case.created_at


def test_future_receipt_is_refused(receive):
    with pytest.raises(InvalidInput, match="future"):
        receive(now=NOW - 2 * D)


def test_bad_request_is_refused_with_the_field(receive):
    with pytest.raises(InvalidInput) as info:
        receive(category="nonsense")
    assert info.value.field == "category"


def test_override_needs_a_reason_and_keeps_the_proposal(people, member):
    with pytest.raises(InvalidInput):
        sv.case_receive(
            request=ump_request(),
            actor=people["alice"],
            member=member,
            now=NOW,
            override={"category": "wait_time"},
        )
    case = sv.case_receive(
        request=ump_request(),
        actor=people["alice"],
        member=member,
        now=NOW,
        override={"category": "wait_time", "requested": "complaint"},
        override_reason="caller only wants to complain about the wait",
    )
    assert case.kind == "complaint"
    event = Event.objects.get(case=case)
    assert event.before["proposal"]["kind"] == "appeal"
    assert event.reason.startswith("caller only")


def test_redirect_is_stored_closed(receive):
    case = receive(category="eligibility_enrollment")
    assert case.state == "redirected" and not case.is_open and case.handler == "pebb"
    assert clocks(case) == {}


def test_duplicate_is_flagged_not_merged(receive):
    first = receive()
    second = receive()
    assert second.duplicate_of_id == first.pk and second.pk != first.pk


# -- reclassify -------------------------------------------------------------------------------
def test_reclassify_keeps_received_at_and_replaces_live_clocks(receive, people):
    case = receive(requested="complaint", category="wait_time")
    assert set(clocks(case)) == {"response"}
    sv.case_reclassify(
        case,
        actor=people["bob"],
        changes={"category": "claim_payment"},
        reason="the caller's issue is a denied claim: an appeal",
        now=NOW + H,
    )
    case.refresh_from_db()
    assert case.kind == "appeal" and case.received_at == dt.datetime(
        2026, 3, 2, 18, 15, tzinfo=dt.UTC
    )
    assert set(clocks(case)) == {"acknowledge", "decision_target", "decision"}
    assert Clock.objects.get(case=case, clock_id="response").state == "cancelled"
    event = Event.objects.filter(case=case).last()
    assert event.action == "case.reclassified" and event.before["kind"] == "complaint"


def test_reclassify_needs_a_reason_and_cannot_move_receipt(receive, people):
    case = receive()
    with pytest.raises(InvalidInput):
        sv.case_reclassify(case, actor=people["bob"], changes={"level": 2}, reason=" ")
    with pytest.raises(InvalidInput, match="keeps received_at"):
        sv.case_reclassify(
            case,
            actor=people["bob"],
            reason="x",
            changes={"received_at": "2026-03-01T10:00:00-08:00"},
        )
    unchanged(case, 1)


# -- information -------------------------------------------------------------------------------
def test_request_and_receive_information(receive, people):
    case = receive(provided=["subscriber_name"])
    info = sv.case_request_information(
        case, actor=people["bob"], note="please send the EOB", now=NOW + H
    )
    case.refresh_from_db()
    assert case.state == "awaiting_information" and "eob" in info.items
    sv.case_receive_information(case, actor=people["bob"], items=["eob", "phone"], now=NOW + 2 * H)
    case.refresh_from_db()
    assert case.state == "in_review"
    assert "eob" not in case.missing and "daytime_phone" not in case.missing
    assert actions(case)[-2:] == ["case.information_requested", "case.information_received"]


# -- extensions --------------------------------------------------------------------------------
def test_ump_appeal_past_30_days_needs_written_consent(receive, people, consent):
    case = receive()
    decision = clocks(case)["decision"]
    later = decision.due_at + 14 * D
    with pytest.raises(Refused, match="written permission of member or authorized rep"):
        sv.clock_extend(
            decision,
            actor=people["bob"],
            new_due_at=later,
            reason="waiting for medical records",
            now=NOW + D,
        )
    unchanged(case, 1)
    assert Extension.objects.count() == 0 and actions(case) == ["case.received"]

    sv.clock_extend(
        decision,
        actor=people["bob"],
        new_due_at=later,
        consent_document=consent,
        reason="waiting for medical records",
        now=NOW + D,
    )
    decision.refresh_from_db()
    assert decision.state == "extended" and decision.due_at == later
    assert decision.original_due_at == later - 14 * D
    assert Extension.objects.get().consent_document == consent
    assert actions(case)[-1] == "clock.extended"


def test_complaint_extension_by_notice(receive, people):
    case = receive(requested="complaint", category="wait_time")
    response = clocks(case)["response"]
    sv.clock_extend(
        response,
        actor=people["bob"],
        new_due_at=response.due_at + 10 * D,
        reason="we need more time",
        now=NOW + D,
    )
    assert Extension.objects.get().requires == "notice"


def test_an_extension_never_shortens_and_targets_do_not_extend(receive, people, consent):
    case = receive()
    c = clocks(case)
    with pytest.raises(InvalidInput, match="later"):
        sv.clock_extend(
            c["decision"],
            actor=people["bob"],
            new_due_at=c["decision"].due_at - D,
            reason="x",
            consent_document=consent,
            now=NOW,
        )
    with pytest.raises(Refused, match="cannot be extended"):
        sv.clock_extend(
            c["acknowledge"],
            actor=people["bob"],
            new_due_at=c["acknowledge"].due_at + D,
            reason="x",
            now=NOW,
        )


def test_pause_only_where_the_pack_allows(receive, people):
    case = receive()
    with pytest.raises(Refused, match="cannot be paused"):
        sv.clock_pause(clocks(case)["decision"], actor=people["bob"], reason="x", now=NOW)


def test_pause_and_resume_move_the_due_time_by_the_pause(receive, people):
    case = receive()
    decision = clocks(case)["decision"]
    Clock.objects.filter(pk=decision.pk).update(pausable=True)  # as a pack with pausable: true
    decision.refresh_from_db()
    due = decision.due_at
    sv.clock_pause(decision, actor=people["bob"], reason="member asked to hold", now=NOW)
    decision.refresh_from_db()  # the caller's view of the case moves on with it
    sv.clock_resume(decision, actor=people["bob"], reason="member is back", now=NOW + 3 * D)
    decision.refresh_from_db()
    assert decision.state == "running" and decision.due_at == due + 3 * D
    assert actions(case)[-2:] == ["clock.paused", "clock.resumed"]


# -- assignment and independence (SPEC 5.4) ----------------------------------------------------
def decided_level_one(receive, people, reviewer="carol"):
    case = receive()
    sv.case_assign(case, actor=people["bob"], reviewer=people[reviewer], now=NOW)
    sv.case_decide(
        case,
        actor=people[reviewer],
        outcome="upheld",
        action="deny",
        decided_at=NOW + D,
        now=NOW + D,
    )
    sv.case_record_notice(
        case, actor=people["bob"], notice="decision", medium="written", at=NOW + D, now=NOW + D
    )
    return sv.case_escalate(
        case,
        actor=people["alice"],
        channel="mail",
        received_at="2026-03-20T09:00:00-07:00",
        now=dt.datetime(2026, 3, 20, 16, 5, tzinfo=dt.UTC),
    )


def test_level_two_refuses_the_level_one_decider(receive, people):
    level2 = decided_level_one(receive, people)
    assert level2.level == 2
    with pytest.raises(Refused, match="carol decided appeal level 1"):
        sv.case_assign(level2, actor=people["bob"], reviewer=people["carol"], now=LATER)
    sv.case_assign(level2, actor=people["bob"], reviewer=people["dave"], now=LATER)
    assert Case.objects.get(pk=level2.pk).state == "in_review"


def test_level_two_refuses_a_subordinate_of_the_level_one_decider(receive, people):
    level2 = decided_level_one(receive, people, reviewer="erin")
    with pytest.raises(Refused, match="frank reports to erin"):
        sv.case_assign(level2, actor=people["bob"], reviewer=people["frank"], now=LATER)
    assert actions(level2) == ["case.received"]


def test_reviewer_skill_follows_the_category(receive, people):
    clinical = receive(category="coverage_denial")
    with pytest.raises(Refused, match="not an clinical reviewer"):
        sv.case_assign(clinical, actor=people["bob"], reviewer=people["carol"], now=NOW)
    sv.case_assign(clinical, actor=people["bob"], reviewer=people["grace"], now=NOW)


# -- decisions, notices, milestones -------------------------------------------------------------
def test_decide_and_notify_meet_their_clocks(receive, people):
    case = receive()
    sv.case_record_notice(
        case,
        actor=people["bob"],
        notice="acknowledgement",
        medium="written",
        at=NOW + H,
        now=NOW + H,
    )
    sv.case_decide(
        case, actor=people["carol"], outcome="overturned", decided_at=NOW + 5 * D, now=NOW + 5 * D
    )
    sv.case_record_notice(
        case,
        actor=people["bob"],
        notice="decision",
        medium="written",
        at=NOW + 6 * D,
        now=NOW + 6 * D,
    )
    case.refresh_from_db()
    c = clocks(case)
    assert {k: v.state for k, v in c.items()} == {
        "acknowledge": "met",
        "decision_target": "met",
        "decision": "met",
    }
    assert case.state == "notified" and case.letter_date == dt.date(2026, 3, 7)
    assert actions(case) == [
        "case.received",
        "notice.acknowledgement",
        "case.decided",
        "notice.decision",
    ]


def test_a_late_acknowledgement_is_recorded_as_missed(receive, people):
    case = receive()
    sv.case_record_notice(
        case,
        actor=people["bob"],
        notice="acknowledgement",
        medium="written",
        at=NOW + 4 * D,
        now=NOW + 4 * D,
    )
    ack = clocks(case)["acknowledge"]
    assert ack.state == "missed" and ack.met_at == NOW + 4 * D


def test_expedited_written_notice_starts_at_the_decision(people, member):
    case = sv.case_receive(
        request=ump_request(filed_by="provider", expedited=True),
        actor=people["alice"],
        member=member,
        now=NOW,
    )
    assert clocks(case)["written_notice"].state == "pending"
    decided = NOW + 30 * H
    sv.case_decide(case, actor=people["carol"], outcome="upheld", decided_at=decided, now=decided)
    c = clocks(case)
    assert c["decision"].state == "met"
    assert c["written_notice"].state == "running"
    assert c["written_notice"].due_at == decided + 72 * H


def test_notice_of_a_decision_before_the_decision_is_refused(receive, people):
    case = receive()
    with pytest.raises(InvalidTransition, match="record the decision before its notice"):
        sv.case_record_notice(
            case, actor=people["bob"], notice="decision", medium="written", now=NOW
        )


def test_genex_investigation_concluded_starts_the_decision_notice(people, member):
    case = sv.case_receive(
        request=genex_request(),
        actor=people["alice"],
        member=member,
        now=dt.datetime(2026, 11, 25, 17, 5, tzinfo=dt.UTC),
    )
    assert clocks(case)["acknowledge"].due_date == dt.date(2026, 12, 4)
    concluded = dt.datetime(2026, 12, 18, 23, tzinfo=dt.UTC)  # 15:00 PST
    sv.case_record_milestone(
        case, actor=people["bob"], milestone="investigation_concluded", at=concluded, now=concluded
    )
    c = clocks(case)
    assert c["investigation"].state == "met"
    assert c["decision_notice"].due_date == dt.date(2027, 1, 17)
    assert actions(case)[-1] == "milestone.investigation_concluded"
    with pytest.raises(InvalidInput, match="not an event of genex-ur"):
        sv.case_record_milestone(case, actor=people["bob"], milestone="lunch", now=concluded)


def test_decide_refuses_a_dismissed_outcome_and_bad_transitions(receive, people):
    case = receive()
    with pytest.raises(InvalidInput):
        sv.case_decide(case, actor=people["carol"], outcome="dismissed", now=NOW)
    sv.case_dismiss(case, actor=people["bob"], reason="withdrawn", now=NOW)
    with pytest.raises(InvalidTransition, match="dismissed: it cannot become decided"):
        sv.case_decide(case, actor=people["carol"], outcome="upheld", now=NOW)


# -- dismiss, escalate, reopen -----------------------------------------------------------------
def test_dismiss_cancels_clocks_and_closes(receive, people):
    case = receive()
    sv.case_dismiss(
        case, actor=people["bob"], reason="withdrawn", note="member withdrew by phone", now=NOW
    )
    case.refresh_from_db()
    assert case.state == "dismissed" and case.outcome == "withdrawn" and not case.is_open
    assert clocks(case) == {}
    event = Event.objects.filter(case=case).last()
    assert event.action == "case.dismissed" and event.after["cancelled_clocks"]
    with pytest.raises(InvalidInput, match="reason must be one of"):
        sv.case_dismiss(case, actor=people["bob"], reason="bored", now=NOW)


def test_escalation_checks_the_window_against_the_decision_letter(receive, people):
    level2 = decided_level_one(receive, people)
    assert level2.prior_id and level2.matter_id == level2.prior.matter_id
    assert level2.assessment["filing"]["basis"] == "prior.letter_date"
    assert level2.assessment["filing"]["last_day"] == "2026-08-30"  # 3 March letter + 180
    assert "case.escalated" in actions(level2.prior)


def test_escalation_after_day_180_is_recorded_as_untimely(receive, people):
    case = receive()
    sv.case_decide(case, actor=people["carol"], outcome="upheld", decided_at=NOW + D, now=NOW + D)
    late = sv.case_escalate(
        case,
        actor=people["alice"],
        channel="mail",
        received_at="2026-09-15T09:00:00-07:00",
        now=dt.datetime(2026, 9, 15, 16, 5, tzinfo=dt.UTC),
    )
    assert late.disposition == "reject"
    assert late.assessment["rejection"]["code"] == "untimely"
    assert clocks(late) == {}


def test_immediate_independent_review_after_a_missed_timeline(receive, people):
    case = receive()
    much_later = NOW + 40 * D
    iro = sv.case_escalate(
        case,
        actor=people["alice"],
        channel="mail",
        requested="external_review",
        received_at=much_later.isoformat(),
        now=much_later,
    )
    assert iro.kind == "external_review" and iro.disposition == "accept"
    assert iro.request["prior"]["plan_missed_deadline"] is True


def test_escalation_before_a_decision_is_refused(receive, people):
    case = receive()
    with pytest.raises(InvalidTransition, match="follows its decision"):
        sv.case_escalate(
            case,
            actor=people["alice"],
            channel="mail",
            received_at="2026-03-03T09:00:00-08:00",
            now=NOW + D,
        )


def test_reopen(receive, people):
    case = receive()
    sv.case_dismiss(case, actor=people["bob"], reason="untimely", now=NOW)
    with pytest.raises(InvalidInput):
        sv.case_reopen(case, actor=people["bob"], reason="", now=NOW)
    sv.case_reopen(case, actor=people["bob"], reason="date-stamp was misread", now=NOW + H)
    case.refresh_from_db()
    assert case.state == "reopened" and case.is_open
    assert actions(case)[-1] == "case.reopened"
    with pytest.raises(InvalidTransition):
        sv.case_reopen(case, actor=people["bob"], reason="again", now=NOW + 2 * H)


def test_close_after_notice_only(receive, people):
    case = receive()
    with pytest.raises(InvalidTransition, match="cannot become closed"):
        sv.case_close(case, actor=people["bob"], now=NOW)
    sv.case_decide(case, actor=people["carol"], outcome="upheld", now=NOW + D)
    sv.case_record_notice(
        case, actor=people["bob"], notice="decision", medium="written", now=NOW + D
    )
    sv.case_close(case, actor=people["bob"], note="no further contact", now=NOW + 2 * D)
    case.refresh_from_db()
    assert case.state == "closed" and not case.is_open and case.closed_at == NOW + 2 * D
    assert actions(case)[-1] == "case.closed"


# -- optimistic locking and the audit trail -----------------------------------------------------
def test_a_stale_version_is_refused_with_who_and_when(receive, people):
    case = receive()
    stale_copy = Case.objects.get(pk=case.pk)
    sv.case_assign(case, actor=people["bob"], owner=people["bob"], now=NOW + H)
    with pytest.raises(StaleVersion) as info:
        sv.case_assign(stale_copy, actor=people["carol"], owner=people["carol"], now=NOW + 2 * H)
    assert "changed by bob" in info.value.message and "reload" in info.value.message
    assert Case.objects.get(pk=case.pk).owner == people["bob"]
    assert actions(case) == ["case.received", "case.assigned"]


def test_events_cannot_be_altered_or_deleted_by_sql(receive):
    case = receive()
    event = Event.objects.get(case=case)
    from django.db import transaction
    from django.db.utils import DatabaseError

    for sql in (
        "UPDATE cases_event SET action = 'forged' WHERE id = %s",
        "DELETE FROM cases_event WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert Event.objects.get(pk=event.pk).action == "case.received"


def test_clocks_refresh_marks_missed_once(receive, people):
    case = receive()
    first = sv.clocks_refresh(now=NOW + 4 * D)
    assert first["missed"] == 1  # acknowledge (72 h) passed; the day clocks still run
    assert sv.clocks_refresh(now=NOW + 4 * D)["missed"] == 0
    assert clocks(case)["acknowledge"].state == "missed"
    assert actions(case).count("clock.missed") == 1
    assert sv.clocks_refresh(now=NOW + 12 * D)["at_risk"] == 1  # the 14-day target at 80 %
