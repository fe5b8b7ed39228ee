"""Classification from free text: rules-first, with reasons and an honest confidence."""

from __future__ import annotations

import pytest

from appealdesk.policy import assess
from tests.conftest import genex, ump


@pytest.mark.parametrize(
    ("text", "category", "kind"),
    [
        ("Regence denied my claim for the MRI", "claim_payment", "appeal"),
        ("They said my knee surgery prior authorization was denied", "preauthorization", "appeal"),
        ("the front desk staff were rude and unprofessional", "staff_attitude", "complaint"),
        ("I waited three months to get an appointment", "wait_time", "complaint"),
        ("My coverage was terminated retroactively", "retro_eligibility", "appeal"),
    ],
)
def test_ump_text(text, category, kind):
    result = assess(ump(category=None, requested="complaint", text=text))
    assert result["classification"]["status"] == "classified"
    assert result["category"] == category
    assert result["kind"] == kind
    assert result["classification"]["matched"]
    assert 0.5 <= result["classification"]["confidence"] <= 1


@pytest.mark.parametrize(
    ("text", "category", "kind", "disposition"),
    [
        (
            "the UR decision was not made within the Labor Code time frames",
            "ur_timeliness",
            "grievance",
            "accept",
        ),
        (
            "the reviewing physician was not licensed in California",
            "reviewer_licensure",
            "grievance",
            "accept",
        ),
        (
            "please reconsider the non-certification of 24 physical therapy visits",
            "clinical_determination",
            "clinical_appeal",
            "redirect",
        ),
    ],
)
def test_genex_text(text, category, kind, disposition):
    result = assess(genex(category=None, text=text))
    assert (result["category"], result["kind"], result["disposition"]) == (
        category,
        kind,
        disposition,
    )


def test_unclear_text_needs_review_and_is_never_presented_as_certain():
    result = assess(
        ump(category=None, requested="complaint", text="I would like to talk to someone")
    )
    assert result["classification"]["status"] == "needs_review"
    assert result["category"] is None
    assert "category" in result["unknown"]
    assert result["kind"] == "complaint"  # what the person asked for, flagged for review
    assert any("needs review" in r for r in result["reasons"])


def test_two_issues_in_one_text_name_both_readings():
    # Issue 17 changed this: the phrase counter saw one complaint phrase and one appeal phrase
    # and gave up; the model weighs them (a denial makes it an appeal, the UMP seed says) and
    # names the other reading as the runner-up, or asks for review when they are close.
    result = assess(ump(category=None, requested="appeal", text="rude staff and a claim denied"))
    c = result["classification"]
    readings = {c["candidates"][0]["category"], c["runner_up"]["category"]}
    assert readings == {"claim_payment", "staff_attitude"}
    if c["status"] == "classified":
        assert result["category"] == "claim_payment" and result["kind"] == "appeal"
    else:
        assert c["class"] is None and "close" in c["review_reason"]


def test_two_appeal_readings_still_know_the_class():
    # Issue 17 changed this too: without `requested` the kind is proposed from the text, and
    # whichever appeal category wins, the class and so the kind are appeal.
    result = assess(
        ump(category=None, requested=None, text="claim denied and I want to be reimbursed")
    )
    c = result["classification"]
    assert c["class"] == "appeal"
    assert {c["candidates"][0]["category"], c["runner_up"]["category"]} == {
        "claim_payment",
        "reimbursement",
    }
    assert result["kind"] == "appeal"


def test_a_given_category_wins_over_text():
    result = assess(ump(category="wait_time", text="my claim was denied"))
    assert result["classification"]["status"] == "given"
    assert result["kind"] == "complaint"
