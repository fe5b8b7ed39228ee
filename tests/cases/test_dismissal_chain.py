"""A dismissal's reason reaches the next level (SPEC 5.2: "the reason is part of the outcome, so
a later level can tell a late request from a withdrawn one"): the case records it, the event
says which outcome a later level is told, and escalation passes that outcome to `assess`."""

from __future__ import annotations

import datetime as dt

import pytest

from appealdesk.cases import services as sv
from appealdesk.cases.models import Case, Event
from tests.cases.conftest import NOW

pytestmark = pytest.mark.django_db

D = dt.timedelta(days=1)
LATER = NOW + 10 * D  # 2026-03-12, inside every window counted from 2026-01-05


def dismissed(receive, people, reason):
    case = receive()
    sv.case_dismiss(case, actor=people["bob"], reason=reason, note="by the book", now=NOW)
    return Case.objects.get(pk=case.pk)


def escalate(case, people, requested="appeal", at=LATER):
    return sv.case_escalate(
        case,
        actor=people["alice"],
        channel="mail",
        requested=requested,
        received_at=at.isoformat(),
        now=at,
    )


@pytest.mark.parametrize("reason", ["untimely", "not_appealable", "withdrawn"])
def test_the_dismissal_records_its_reason_and_the_outcome_a_later_level_is_told(
    receive, people, reason
):
    case = dismissed(receive, people, reason)
    assert case.dismissal_reason == reason
    event = Event.objects.filter(case=case, action="case.dismissed").get()
    assert event.after["reason"] == reason
    assert event.after["outcome"] == f"dismissed_{reason}"


# seed: "If you don't request an appeal within this time period, your appeal will not be
#        reviewed and you will not be able to continue further appeals (second-level and
#        independent review)."
@pytest.mark.parametrize("requested", ["appeal", "external_review"])
def test_after_an_untimely_dismissal_the_next_level_is_refused_as_untimely(
    receive, people, requested
):
    linked = escalate(dismissed(receive, people, "untimely"), people, requested)
    assert linked.request["prior"]["outcome"] == "dismissed_untimely"
    assert linked.disposition == "reject"
    assert linked.assessment["rejection"]["code"] == "untimely"
    assert linked.assessment["filing"]["timely"] is False
    assert not linked.clocks.exists()


# seed: "You cannot appeal to the plan a decision by your provider that you are not medically
#        appropriate for the Program."
def test_after_a_not_appealable_dismissal_the_next_level_is_not_appealable(receive, people):
    linked = escalate(dismissed(receive, people, "not_appealable"), people)
    assert linked.request["prior"]["outcome"] == "dismissed_not_appealable"
    assert linked.assessment["rejection"]["code"] == "not_appealable"
    assert linked.assessment["filing"] is None


# seed: "You may request a first-level appeal verbally or in writing no more than 180 days after
#        you receive notice of the action leading to the appeal."
def test_after_a_withdrawal_the_first_level_is_requested_again_within_its_window(receive, people):
    withdrawn = dismissed(receive, people, "withdrawn")
    assert withdrawn.outcome == "withdrawn" and withdrawn.letter_date is None
    again = escalate(withdrawn, people)
    assert again.request["prior"]["outcome"] == "dismissed_withdrawn"
    # the window of the withdrawn appeal, counted from the same notice of the action
    assert again.request["notice_date"] == "2026-01-05"
    assert (again.kind, again.level, again.disposition) == ("appeal", 1, "accept")
    assert again.assessment["filing"]["last_day"] == "2026-07-04"
    assert again.prior_id == withdrawn.pk and again.matter_id == withdrawn.matter_id
    assert set(again.clocks.values_list("clock_id", flat=True)) >= {"acknowledge", "decision"}
    late = escalate(withdrawn, people, at=dt.datetime(2026, 7, 6, 17, tzinfo=dt.UTC))
    assert late.assessment["rejection"]["code"] == "untimely"
    assert late.assessment["filing"] == {**again.assessment["filing"], "timely": False}


# seed: "Second-level appeals must be submitted no more than 180 days after the date of the
#        letter responding to your first-level appeal."
def test_a_withdrawn_second_level_is_requested_again_within_the_first_levels_window(
    receive, people
):
    first = receive()
    sv.case_decide(first, actor=people["carol"], outcome="upheld", decided_at=NOW, now=NOW)
    second = escalate(first, people, at=NOW + 2 * D)
    assert second.level == 2
    sv.case_dismiss(second, actor=people["bob"], reason="withdrawn", now=NOW + 3 * D)
    again = escalate(Case.objects.get(pk=second.pk), people, at=NOW + 20 * D)
    assert (again.level, again.disposition) == (2, "accept")
    letter = first.letter_date.isoformat()
    assert again.request["notice_date"] == letter
    assert again.assessment["filing"]["basis_date"] == letter
    assert again.assessment["filing"]["last_day"] == (first.letter_date + 180 * D).isoformat()


def test_a_case_dismissed_without_a_reason_passes_plain_dismissed_with_a_warning(receive, people):
    case = dismissed(receive, people, "untimely")
    # a row dismissed before reasons were kept
    Case.objects.filter(pk=case.pk).update(dismissal_reason="")
    linked = escalate(Case.objects.get(pk=case.pk), people)
    assert linked.request["prior"]["outcome"] == "dismissed"
    assert any("does not say why" in w for w in linked.assessment["warnings"])


def test_reopening_a_dismissal_undoes_it_for_later_levels(receive, people):
    case = dismissed(receive, people, "untimely")
    sv.case_reopen(case, actor=people["bob"], reason="date-stamp misread", now=NOW + D)
    case.refresh_from_db()
    assert (case.state, case.outcome, case.dismissal_reason) == ("reopened", "", "")
    event = Event.objects.filter(case=case, action="case.reopened").get()
    assert event.before == {
        "state": "dismissed",
        "outcome": "dismissed",
        "dismissal_reason": "untimely",
    }
    sv.case_decide(case, actor=people["carol"], outcome="upheld", now=NOW + 2 * D)
    linked = escalate(Case.objects.get(pk=case.pk), people, at=NOW + 3 * D)
    assert linked.request["prior"]["outcome"] == "upheld" and linked.disposition == "accept"


def test_reopening_a_decision_keeps_its_outcome(receive, people):
    case = receive()
    sv.case_decide(case, actor=people["carol"], outcome="upheld", now=NOW)
    sv.case_reopen(case, actor=people["bob"], reason="new records", now=NOW + D)
    case.refresh_from_db()
    assert case.outcome == "upheld"
