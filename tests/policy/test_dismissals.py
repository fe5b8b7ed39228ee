"""Dismissal reasons carried forward (issue 20 item 2; SPEC 5.2 "dismissed ... the reason is part
of the outcome, so a later level can tell a late request from a withdrawn one"), and the
invariant that `filing.timely` and `rejection` never contradict each other (SPEC 7).

Each row below was worked by hand from the seed; the comment above each table names the
sentences, and docs/packs.md ("Dismissed priors") says why `dismissed_not_appealable` and
`dismissed_withdrawn` lead where they do.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given, settings

from appealdesk.policy import AssessError, assess
from appealdesk.policy.vocabulary import OUTCOMES
from tests.conftest import genex, ump
from tests.policy.strategies import requests

L1 = {"kind": "appeal", "level": 1}
L2 = {"kind": "appeal", "level": 2}
EXPEDITED = {"kind": "expedited_appeal"}
IRO = {"kind": "external_review"}
# ump(): received 2026-03-02, notice of the action 2026-01-05, so the first-level window (and
# any window counted from that date) ends on 2026-07-04.
LAST_DAY = "2026-07-04"


def answer(**fields: Any) -> tuple[Any, ...]:
    result = assess(ump(**fields))
    filing = result["filing"]
    return (
        result["kind"],
        result["level"],
        result["disposition"],
        (result["rejection"] or {}).get("code"),
        None if filing is None else filing["timely"],
        None if filing is None else filing["last_day"],
    )


# -- UMP: after an untimely dismissal the path is closed ----------------------------------------
# seed: "If you don't request an appeal within this time period, your appeal will not be reviewed
#        and you will not be able to continue further appeals (second-level and independent
#        review)."  / (level 2) "... (independent review)."
# seed: "An expedited appeal replaces the first- and second-level appeals."
CLOSED = [
    (L1, {"requested": "appeal"}, ("appeal", 2)),
    (L1, {"requested": "external_review"}, ("external_review", None)),
    (L2, {"requested": "external_review"}, ("external_review", None)),
    (EXPEDITED, {"requested": "external_review"}, ("external_review", None)),
    (EXPEDITED, {"requested": "appeal", "filed_by": "provider", "expedited": True}, None),
    # a provider's urgent review or an IRO asked by the provider: closed before who may ask
    (EXPEDITED, {"requested": "external_review", "filed_by": "provider"}, None),
]


@pytest.mark.parametrize(("prior", "fields", "kind_level"), CLOSED)
def test_after_an_untimely_dismissal_the_path_is_closed(prior, fields, kind_level):
    kind, level, disposition, code, timely, last_day = answer(
        prior={**prior, "outcome": "dismissed_untimely"}, **fields
    )
    if kind_level is not None:
        assert (kind, level) == kind_level
    # refused as untimely, and the filing says the same: not in time, no day that would be
    assert (disposition, code, timely, last_day) == ("reject", "untimely", False, None)


def test_a_closed_path_names_the_usual_window_of_the_level_asked_for():
    # a claimed process failure does not reopen a path the member's own lateness closed, and
    # the filing names the independent review's usual window, with no day in time
    prior = {**L2, "outcome": "dismissed_untimely", "process_failure": True}
    result = assess(ump(requested="external_review", prior=prior))
    assert result["rejection"]["code"] == "untimely"
    assert result["filing"] == {
        "timely": False,
        "last_day": None,
        "rule": "180 days after the date of the second-level or expedited appeal decision letter",
        "basis": None,
        "basis_date": None,
        "starts": "decision letter date",
    }


def test_the_untimely_closure_needs_no_warning_but_plain_dismissed_gets_two():
    specific = assess(ump(prior={**L1, "outcome": "dismissed_untimely"}))
    assert specific["warnings"] == []
    plain = assess(ump(prior={**L1, "outcome": "dismissed"}))
    assert (plain["disposition"], plain["rejection"]["code"]) == ("reject", "untimely")
    assert plain["filing"]["timely"] is False
    assert "level 2 because it follows the level-1 dismissal" in plain["reasons"]
    # the input does not say why, and the pack's reading of it decided the answer
    assert any("does not say why the earlier request was dismissed" in w for w in plain["warnings"])
    assert any("path-closed-after-dismissal-reason-unknown" in w for w in plain["warnings"])


# -- UMP: after a not-appealable dismissal no later level is available --------------------------
# seed: "You cannot appeal to the plan a decision by your provider that you are not medically
#        appropriate for the Program."
# seed: "If you disagree with the decisions made on your first-level appeal, you may request a
#        second-level appeal."  (there was no first-level decision)
# seed: "You may request an external or independent review when the denial is based on the
#        plan's decision to" deny, modify, reduce or terminate (the COE finding is the provider's)
@pytest.mark.parametrize(
    ("prior", "fields"),
    [
        (L1, {"requested": "appeal"}),
        (L1, {"requested": "appeal", "level": 2}),
        (L1, {"requested": "external_review"}),
        (L2, {"requested": "external_review"}),
        (EXPEDITED, {"requested": "external_review"}),
        # the next request late as well: still "not appealable", never "untimely"
        (L1, {"requested": "appeal", "received_at": "2026-12-01T09:00:00-08:00"}),
    ],
)
def test_after_a_not_appealable_dismissal_no_later_level_follows(prior, fields):
    result = assess(ump(prior={**prior, "outcome": "dismissed_not_appealable"}, **fields))
    assert result["disposition"] == "reject"
    assert result["rejection"]["code"] == "not_appealable"
    assert result["filing"] is None  # no window applies to a matter that cannot be appealed
    assert result["next_level"] is None and result["deadlines"] == []


# -- UMP: after a withdrawal the same level may be requested again within its window -----------
# seed: "You may request a first-level appeal verbally or in writing no more than 180 days after
#        you receive notice of the action leading to the appeal."
# seed: "Second-level appeals must be submitted no more than 180 days after the date of the
#        letter responding to your first-level appeal."
# seed: "You must request an independent review no more than 180 days after the date of the
#        letter responding to your second-level appeal (or expedited appeal)."
WITHDRAWN = [
    # the first-level appeal again, counted from the notice of the action
    (L1, {}, ("appeal", 1, "accept", None, True, LAST_DAY)),
    (
        L1,
        {"received_at": "2026-07-05T09:00:00-07:00"},
        ("appeal", 1, "reject", "untimely", False, LAST_DAY),
    ),
    # no first-level decision: a second level or an IRO is not available yet
    (L1, {"level": 2}, ("appeal", 2, "reject", "not_eligible_yet", None, None)),
    (
        L1,
        {"requested": "external_review"},
        ("external_review", None, "reject", "not_eligible_yet", None, None),
    ),
    # the second-level appeal again, counted from the first-level letter (given as notice_date)
    (L2, {"notice_date": "2026-02-20"}, ("appeal", 2, "accept", None, True, "2026-08-19")),
    (
        L2,
        {"notice_date": "2026-02-20", "prior_letter_date": "2026-03-01"},
        ("appeal", 2, "accept", None, True, "2026-08-19"),
    ),
    (
        L2,
        {"requested": "external_review"},
        ("external_review", None, "reject", "not_eligible_yet", None, None),
    ),
    # the expedited appeal again (the first-level window), not yet an IRO
    (
        EXPEDITED,
        {"filed_by": "provider", "expedited": True},
        ("expedited_appeal", None, "accept", None, True, LAST_DAY),
    ),
    (
        EXPEDITED,
        {"requested": "external_review", "filed_by": "provider"},
        ("external_review", None, "reject", "not_eligible_yet", None, None),
    ),
    (EXPEDITED, {"level": 2}, ("appeal", 2, "reject", "not_eligible_yet", None, None)),
    # the independent review again, within the window of the letter it reviews
    (
        IRO,
        {"requested": "external_review", "notice_date": "2026-02-01"},
        ("external_review", None, "accept", None, True, "2026-07-31"),
    ),
]


@pytest.mark.parametrize("outcome", ["dismissed_withdrawn", "withdrawn"])
@pytest.mark.parametrize(("prior", "fields", "expected"), WITHDRAWN)
def test_after_a_withdrawal_the_same_level_may_be_requested_again(outcome, prior, fields, expected):
    fields = dict(fields)
    letter = fields.pop("prior_letter_date", None)
    prior = {**prior, "outcome": outcome, **({"letter_date": letter} if letter else {})}
    assert answer(prior=prior, **fields) == expected


def test_a_withdrawal_says_why_the_level_stays_the_same():
    result = assess(ump(prior={**L1, "outcome": "dismissed_withdrawn"}))
    assert any("level 1 again" in r and "withdrawn" in r for r in result["reasons"])
    assert result["next_level"]["level"] == 2  # once decided, the second level follows


def test_upheld_and_overturned_priors_are_unchanged():
    # seed: "If you disagree with the decisions made on your first-level appeal, you may
    #        request a second-level appeal."
    upheld = answer(prior={**L1, "outcome": "upheld", "letter_date": "2026-02-20"})
    assert upheld == ("appeal", 2, "accept", None, True, "2026-08-19")
    overturned = answer(prior={**L1, "outcome": "overturned", "letter_date": "2026-02-20"})
    assert overturned[2:4] == ("reject", "not_appealable")


# -- Genex: a grievance has one level; a new one is judged on its own -------------------------
# seed: "In the event that a complaint may not be settled at the informal level and the party is
#        still dissatisfied, a formal grievance may be filed within one year of occurrence."
DISMISSED_OR_WITHDRAWN = sorted(o for o in OUTCOMES if "dismissed" in o or o == "withdrawn")


@pytest.mark.parametrize("outcome", DISMISSED_OR_WITHDRAWN)
@pytest.mark.parametrize(
    ("occurrence", "expected"),
    [
        ("2026-01-05", ("accept", None, True, "2027-01-05")),
        ("2025-02-01", ("reject", "untimely", False, "2026-02-01")),
    ],
)
def test_genex_grievance_after_a_dismissal_is_judged_by_its_own_window(
    outcome, occurrence, expected
):
    result = assess(
        genex(prior={"kind": "grievance", "outcome": outcome}, occurrence_date=occurrence)
    )
    filing = result["filing"]
    got = (
        result["disposition"],
        (result["rejection"] or {}).get("code"),
        filing["timely"],
        filing["last_day"],
    )
    assert got == expected
    assert any("grievance-after-dismissal" in w for w in result["warnings"])


# -- the invariant: filing and rejection never contradict each other ---------------------------
def check_filing_and_rejection_agree(result: dict[str, Any]) -> None:
    code = (result["rejection"] or {}).get("code")
    filing = result["filing"]
    if code == "untimely":
        assert filing is not None and filing["timely"] is False, result["reasons"]
    if filing is not None and filing["timely"] is False and result["disposition"] != "informal":
        # (an informal Genex answer is not a filing: its window is the formal grievance's)
        assert code == "untimely", result["reasons"]
    if filing is not None and filing["timely"] is True:
        assert code != "untimely"


@settings(max_examples=600, deadline=None)
@given(request=requests())
def test_filing_and_rejection_never_contradict_each_other(request):
    try:
        result = assess(request)
    except AssessError:
        return
    check_filing_and_rejection_agree(result)


PRIORS = [None, L1, L2, EXPEDITED, IRO]
RECEIVED = ["2026-03-02T10:15:00-08:00", "2026-12-01T09:00:00-08:00"]  # in time, late


def grid() -> list[dict[str, Any]]:
    """Every dismissal outcome after every kind of earlier level, for every request kind and
    filer, received in time and late."""
    rows = []
    for prior, outcome, requested, filed_by, received, letter in itertools.product(
        PRIORS,
        [*sorted(OUTCOMES), None],
        ["appeal", "external_review", "complaint"],
        ["member", "provider"],
        RECEIVED,
        [None, "2026-02-20"],
    ):
        fields: dict[str, Any] = {
            "requested": requested,
            "filed_by": filed_by,
            "received_at": received,
        }
        if prior is not None:
            fields["prior"] = {**prior, "outcome": outcome, "letter_date": letter}
        rows.append(ump(**fields))
        rows.append(genex(**{k: v for k, v in fields.items() if k != "requested"}))
    return rows


def test_filing_and_rejection_agree_over_every_dismissal_combination():
    checked = 0
    for request in grid():
        try:
            result = assess(request)
        except AssessError as exc:
            assert exc.field == "level"  # an appeal after level 2 has no level 3
            continue
        check_filing_and_rejection_agree(result)
        checked += 1
    assert checked > 2000
