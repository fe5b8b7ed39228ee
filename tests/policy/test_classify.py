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


def test_a_tie_between_classes_needs_review():
    # one complaint phrase and one appeal phrase: no winner
    result = assess(ump(category=None, requested="appeal", text="rude staff and a claim denied"))
    assert result["classification"]["status"] == "needs_review"
    assert result["classification"]["class"] is None


def test_a_tie_within_one_class_still_knows_the_class():
    result = assess(
        ump(category=None, requested=None, text="claim denied and I want to be reimbursed")
    )
    assert result["classification"]["status"] == "needs_review"
    assert result["classification"]["class"] == "appeal"
    assert result["kind"] == "appeal"


def test_a_given_category_wins_over_text():
    result = assess(ump(category="wait_time", text="my claim was denied"))
    assert result["classification"]["status"] == "given"
    assert result["kind"] == "complaint"
