"""UMP (SPEC 4.1): one table row per rule, each citing the seed sentence it encodes."""

from __future__ import annotations

import pytest

from appealdesk.policy import assess
from tests.conftest import clocks, ump

# -- classification ---------------------------------------------------------------------------
# seed: "Note: If your issue is regarding denial of payment or nonprovision of medical services,
#        it is an appeal."
# seed: "A complaint is different from an appeal. A complaint can be verbal or written and deals
#        with: Dissatisfaction with medical care. Waiting time for medical services. Provider or
#        staff attitude or demeanor. Dissatisfaction with service provided by the health plan."
# seed: "An appeal is when you ... send ... a verbal or written request to reconsider a previous
#        decision about: Claims payment, processing, or reimbursement ...; A decision to deny,
#        modify, reduce, or terminate payment, coverage ...; A preauthorization."
CLASSIFICATION = [
    ("complaint", "claim_payment", "appeal"),
    ("complaint", "claim_processing", "appeal"),
    ("complaint", "reimbursement", "appeal"),
    ("complaint", "coverage_denial", "appeal"),
    ("complaint", "preauthorization", "appeal"),
    ("appeal", "claim_payment", "appeal"),
    ("appeal", "quality_of_care", "complaint"),
    ("complaint", "quality_of_care", "complaint"),
    ("complaint", "wait_time", "complaint"),
    ("complaint", "staff_attitude", "complaint"),
    ("complaint", "plan_service", "complaint"),
    (None, "claim_payment", "appeal"),
    (None, "plan_service", "complaint"),
]


@pytest.mark.parametrize(("requested", "category", "kind"), CLASSIFICATION)
def test_classification_follows_the_category_not_the_word_used(requested, category, kind):
    result = assess(ump(requested=requested, category=category))
    assert result["kind"] == kind
    assert result["disposition"] == "accept"
    assert result["level"] == (1 if kind == "appeal" else None)


def test_a_denial_called_a_complaint_says_why():
    result = assess(ump(requested="complaint", category="claim_payment"))
    assert any("it is an appeal" in r for r in result["reasons"])


# -- handlers ---------------------------------------------------------------------------------
# seed: "Regence BlueShield handles medical complaints and appeals."
# seed: "Washington State Rx Services handles complaints and appeals involving prescription drugs."
# seed: "Premera handles appeals for services related to the Centers of Excellence Program ..."
# seed: "For complaints or concerns about the quality of care you received from preferred (network
#        for UMP Plus) providers only, call UMP Customer Service at 1-888-849-3681 (TRS: 711)"
HANDLERS = [
    ({"service": "medical", "category": "claim_payment"}, "regence"),
    ({"service": "prescription", "category": "coverage_denial"}, "wsrxs"),
    ({"service": "coe", "category": "preauthorization"}, "premera"),
    (
        {"service": "medical", "category": "quality_of_care", "network_provider": True},
        "ump-customer-service",
    ),
    ({"service": "medical", "category": "quality_of_care", "network_provider": False}, "regence"),
    ({"service": "prescription", "category": "plan_service"}, "wsrxs"),
    ({"service": "coe", "category": "wait_time"}, "regence"),  # Premera: COE *appeals* only
    ({"service": "medical", "category": "eligibility_enrollment"}, "pebb"),
    ({"service": "medical", "category": "retro_eligibility"}, "pebb"),
]


@pytest.mark.parametrize(("fields", "handler"), HANDLERS)
def test_handler(fields, handler):
    assert assess(ump(**fields))["handler"]["id"] == handler


def test_handler_contact_data_comes_from_the_seed():
    wsrxs = assess(ump(service="prescription"))["handler"]
    assert wsrxs["phone"] == "1-888-361-1611"
    assert wsrxs["tty"] == "711"
    assert wsrxs["hours"] == "24 hours a day, 7 days a week"
    assert "PO Box 40168" in wsrxs["mail"]
    assert wsrxs["fax"] == "1-866-923-0412"
    assert wsrxs["email_accepted"] is False  # seed: "Email ... Not available."
    regence = assess(ump())["handler"]
    assert regence["email_accepted"] is True  # seed: "Secure email through your Regence account."
    assert "PO Box 2998" in regence["mail"] and "Tacoma, WA 98401-2998" in regence["mail"]
    premera = assess(ump(service="coe"))["handler"]
    assert premera["phone"] == "1-855-784-4563" and premera["fax"] == "1-800-995-2430"


def test_unknown_service_names_no_handler_and_says_so():
    result = assess(ump(service=None, category="claim_payment"))
    assert result["handler"] is None
    assert "service" in result["unknown"]


# -- redirects and not appealable -------------------------------------------------------------
# seed: "Appeals related to eligibility and enrollment are handled by the Public Employees
#        Benefits Board (PEBB) Program and governed by Washington Administrative Code (WAC)
#        chapter 182-16."
@pytest.mark.parametrize("category", ["eligibility_enrollment", "retro_eligibility"])
def test_eligibility_is_redirected_to_pebb(category):
    result = assess(ump(category=category))
    assert result["disposition"] == "redirect"
    assert result["handler"]["id"] == "pebb"
    assert result["handler"]["phone"] == "1-800-200-1004"
    assert result["deadlines"] == [] and result["next_level"] is None
    assert result["rejection"] is None and result["filing"] is None


# seed: "You cannot appeal to the plan a decision by your provider that you are not medically
#        appropriate for the Program."
def test_coe_medical_appropriateness_is_not_appealable():
    result = assess(ump(category="coe_medical_appropriateness", service=None))
    assert result["disposition"] == "reject"
    assert result["rejection"]["code"] == "not_appealable"
    assert result["handler"]["id"] == "premera"
    assert result["deadlines"] == [] and result["next_level"] is None


# -- complaints -------------------------------------------------------------------------------
# seed: "You will receive notice of the action on your complaint within 30 calendar days of our
#        receiving it. We will notify you if we need more time to respond."
def test_complaint_response_in_30_calendar_days_extendable_by_notice():
    result = assess(ump(requested="complaint", category="wait_time", notice_date=None))
    response = clocks(result)["response"]
    assert response["unit"] == "calendar_days" and response["length"] == 30
    assert response["due_date"] == "2026-04-01"
    assert response["due_at"] == "2026-04-01T23:59:59-07:00"
    assert response["extension"]["requires"] == "notice"
    # seed: "there isn't a formal deadline to do so."
    assert result["filing"] is None
    assert result["next_level"] is None
    assert result["missing"] == []


# seed: "Over the phone: If you want a written response, you must request one."
@pytest.mark.parametrize(
    ("requested_written", "notice"), [(True, "written"), (False, "verbal"), (None, "verbal")]
)
def test_phone_complaint_written_response_only_when_asked(requested_written, notice):
    result = assess(
        ump(
            requested="complaint",
            category="staff_attitude",
            channel="phone",
            written_response_requested=requested_written,
        )
    )
    assert result["kind"] == "complaint"
    assert clocks(result)["response"]["notice"] == notice
    assert clocks(result)["response"]["due_date"] == "2026-04-01"


def test_an_urgent_complaint_is_still_a_complaint_not_an_expedited_one():
    result = assess(ump(requested="complaint", category="wait_time", expedited=True))
    assert result["kind"] == "complaint" and result["expedited"] is False


def test_written_complaint_gets_a_written_response():
    result = assess(ump(requested="complaint", category="plan_service", channel="email"))
    assert clocks(result)["response"]["notice"] == "written"


# -- appeal filing windows --------------------------------------------------------------------
# seed: "You may request a first-level appeal verbally or in writing no more than 180 days after
#        you receive notice of the action leading to the appeal."
# seed: "If you don’t request an appeal within this time period, your appeal will not be reviewed
#        and you will not be able to continue further appeals"
WINDOW = [
    ("2026-07-04T23:30:00-07:00", True),  # day 180, late evening local (already 5 July in UTC)
    ("2026-07-05T00:00:01-07:00", False),  # day 181
    ("2026-01-05T08:00:00-08:00", True),  # the notice day itself
]


@pytest.mark.parametrize(("received_at", "timely"), WINDOW)
def test_level_one_window_day_180_vs_181(received_at, timely):
    result = assess(ump(received_at=received_at))
    assert result["filing"]["last_day"] == "2026-07-04"
    assert result["filing"]["timely"] is timely
    assert result["filing"]["rule"] == "180 days after notice"
    if timely:
        assert result["disposition"] == "accept"
        assert result["next_level"] == {
            "kind": "appeal",
            "level": 2,
            "window_days": 180,
            "window_years": None,
            "starts": "decision letter date",
        }
    else:
        assert result["disposition"] == "reject"
        assert result["rejection"]["code"] == "untimely"
        assert result["next_level"] is None
        assert result["deadlines"] == []


# seed: "Appealing a preauthorization denial: The date of the response from the plan denying the
#        preauthorization request." / "Coverage of a prescription drug: The date the drug was
#        initially prescribed."
def test_window_start_is_described_per_kind_of_notice():
    preauth = assess(ump(category="preauthorization"))["filing"]
    assert "preauthorization" in preauth["starts"]
    drug = assess(ump(category="coverage_denial", service="prescription"))["filing"]
    assert drug["starts"] == "date the drug was initially prescribed"


def test_unknown_notice_date_is_unknown_not_guessed():
    result = assess(ump(notice_date=None))
    assert result["filing"]["timely"] is None and result["filing"]["last_day"] is None
    assert "notice_date" in result["unknown"]
    assert result["disposition"] == "accept"


# seed: "Second-level appeals must be submitted no more than 180 days after the date of the letter
#        responding to your first-level appeal."
@pytest.mark.parametrize(
    ("received", "timely"),
    [("2026-10-17T12:00:00-07:00", True), ("2026-10-18T12:00:00-07:00", False)],
)
def test_level_two_window_counts_from_the_level_one_letter(received, timely):
    prior = {
        "kind": "appeal",
        "level": 1,
        "outcome": "upheld",
        "action": "deny",
        "letter_date": "2026-04-20",
    }
    result = assess(ump(received_at=received, prior=prior, notice_date="2025-01-01"))
    assert result["level"] == 2
    assert result["filing"]["basis"] == "prior.letter_date"
    assert result["filing"]["last_day"] == "2026-10-17"
    assert result["filing"]["timely"] is timely
    # seed: "...and you will not be able to continue further appeals (independent review)."
    assert (result["next_level"] is not None) is timely


def test_level_two_letter_date_may_come_as_notice_date():
    result = assess(ump(level=2, notice_date="2026-04-20", received_at="2026-05-01T09:00:00-07:00"))
    assert result["filing"]["basis"] == "notice_date"
    assert result["filing"]["last_day"] == "2026-10-17"


def test_after_an_untimely_level_one_the_path_is_closed():
    prior = {"kind": "appeal", "level": 1, "outcome": "dismissed"}
    result = assess(ump(prior=prior))
    assert result["disposition"] == "reject" and result["rejection"]["code"] == "untimely"
    iro = assess(ump(requested="external_review", prior=prior))
    assert iro["disposition"] == "reject" and iro["rejection"]["code"] == "untimely"


# -- appeal clocks ----------------------------------------------------------------------------
# seed: "The plan will send confirmation upon receipt of your appeal." + WAC 284-43-3030: 72 h
# seed: "The plan will decide on first- and second-level appeals within 14 days of receiving the
#        appeal but may take up to 30 days unless a different time limit applies"
# seed: "We will request written permission from you or your authorized representative when we
#        need an extension to the 30-day timeline, to get medical records or a second opinion."
@pytest.mark.parametrize("level", [1, 2])
def test_appeal_clocks(level):
    prior = {"kind": "appeal", "level": 1, "outcome": "upheld", "letter_date": "2026-02-20"}
    result = assess(ump(level=level, prior=prior if level == 2 else None))
    c = clocks(result)
    assert list(c) == ["acknowledge", "decision_target", "decision"]
    assert c["acknowledge"]["unit"] == "hours" and c["acknowledge"]["length"] == 72
    assert c["acknowledge"]["due_at"] == "2026-03-05T10:15:00-08:00"
    assert "due_date" not in c["acknowledge"]
    assert c["decision_target"]["due_date"] == "2026-03-16"
    assert c["decision_target"]["due_at"] == "2026-03-16T23:59:59-07:00"
    assert c["decision_target"]["binding"] is False
    assert c["decision"]["due_date"] == "2026-04-01"
    assert c["decision"]["extension"]["requires"] == "written_consent"
    assert c["decision"]["extension"]["consent_from"] == ["member", "authorized_rep"]


# seed: (who may appeal) "You, your treating provider, or an authorized representative may request
#        an appeal for you."
@pytest.mark.parametrize("filed_by", ["member", "provider", "authorized_rep"])
def test_anyone_of_the_three_may_appeal(filed_by):
    assert assess(ump(filed_by=filed_by))["disposition"] == "accept"


# seed: the list of what to include in an appeal
def test_required_information_for_an_appeal():
    result = assess(ump(provided=["subscriber_name", "subscriber_id"]))
    assert result["missing"] == [
        "patient_name",
        "providers",
        "service_dates",
        "mailing_address",
        "daytime_phone",
        "statement",
        "eob",
    ]
    everything = [
        "subscriber_name",
        "patient",
        "member_id",
        "providers",
        "dates_of_service",
        "address",
        "phone",
        "statement",
        "eob",
    ]
    assert assess(ump(provided=everything))["missing"] == []


def test_medical_records_for_clinical_denials_and_no_eob():
    missing = assess(ump(category="coverage_denial"))["missing"]
    assert "medical_records" in missing and "eob" not in missing
    assert "service_dates" not in assess(ump(category="preauthorization"))["missing"]


def test_unknown_provided_item_is_a_warning_not_an_error():
    result = assess(ump(provided=["subscriber_name", "favourite_colour"]))
    assert any("favourite_colour" in w for w in result["warnings"])


# -- expedited appeals ------------------------------------------------------------------------
# seed: "We will decide as soon as possible but always within 72 hours when your provider
#        determines a delay: ..."
# seed: "We will notify you (or your authorized representative) of our decision verbally within
#        72 hours, and will mail a written notification within 72 hours of the decision."
def test_expedited_appeal_clocks():
    result = assess(ump(filed_by="provider", expedited=True, channel="phone"))
    assert result["kind"] == "expedited_appeal" and result["expedited"] is True
    assert (
        result["level"] is None
    )  # seed: "An expedited appeal replaces the first- and second-level appeals."
    c = clocks(result)
    assert list(c) == ["decision", "verbal_notice", "written_notice"]
    assert c["decision"]["due_at"] == "2026-03-05T10:15:00-08:00"
    assert c["verbal_notice"]["due_at"] == "2026-03-05T10:15:00-08:00"
    assert c["written_notice"] == {
        "clock": "written_notice",
        "label": c["written_notice"]["label"],
        "unit": "hours",
        "length": 72,
        "starts": "decided",
        "met_by": ["notified_written"],
        "binding": True,
        "notice": "written",
        "state": "pending",
    }
    assert result["next_level"]["kind"] == "external_review"


def test_written_notice_runs_from_the_decision_when_it_is_known():
    result = assess(
        ump(filed_by="provider", expedited=True, events={"decided_at": "2026-03-03T09:00:00-08:00"})
    )
    written = clocks(result)["written_notice"]
    assert written["state"] == "running"
    assert written["started_at"] == "2026-03-03T09:00:00-08:00"
    assert written["due_at"] == "2026-03-06T09:00:00-08:00"


# seed: "You can ask your provider to request an expedited appeal ..." (medical)
def test_member_cannot_expedite_a_medical_appeal_alone():
    result = assess(ump(filed_by="member", expedited=True))
    assert result["kind"] == "appeal" and result["expedited"] is False
    assert result["level"] == 1


# seed: "You or your provider may request an expedited appeal if you or your provider thinks that
#        you need a medication immediately."  and the three-day supply
def test_prescription_expedited_by_member_with_three_day_supply_note():
    result = assess(
        ump(filed_by="member", expedited=True, service="prescription", category="coverage_denial")
    )
    assert result["kind"] == "expedited_appeal"
    assert result["handler"]["id"] == "wsrxs"
    assert any("three-day supply" in n for n in result["notes"])
    assert any("allowed amount minus the member cost-share" in n for n in result["notes"])
    medical = assess(ump(filed_by="provider", expedited=True))
    assert not any("three-day supply" in n for n in medical["notes"])


# -- independent review -----------------------------------------------------------------------
L2_UPHELD = {
    "kind": "appeal",
    "level": 2,
    "outcome": "upheld",
    "action": "deny",
    "letter_date": "2026-02-01",
}
EXPEDITED_UPHELD = {
    "kind": "expedited_appeal",
    "outcome": "upheld",
    "action": "terminate",
    "letter_date": "2026-02-01",
}

# seed: "You may request an external or independent review if you have gone through both a first-
#        and second-level appeal (or expedited appeal) and your appeal was based on one of the
#        issues listed above."
# seed: "You may also immediately request external review in the following situations: If the
#        plan has exceeded the timelines for response to your appeal without good cause and
#        without reaching a decision. If the plan has failed to adhere to the requirements of the
#        appeals process."
# seed: "Only the member or an authorized representative can request an independent review."
# seed: "If you disagree with the expedited appeal decision, your provider may request an urgent
#        expedited independent review."
IRO = [
    ("member", L2_UPHELD, "accept", None),
    ("authorized_rep", EXPEDITED_UPHELD, "accept", None),
    (
        "member",
        {**L2_UPHELD, "action": "modify", "outcome": "partially_overturned"},
        "accept",
        None,
    ),
    ("provider", L2_UPHELD, "reject", "not_eligible_requester"),
    ("provider", {**L2_UPHELD, "kind": "appeal"}, "reject", "not_eligible_requester"),
    ("provider", EXPEDITED_UPHELD, "accept", None),
    (
        "member",
        {"kind": "appeal", "level": 1, "outcome": "upheld", "action": "deny"},
        "reject",
        "not_eligible_yet",
    ),
    (
        "member",
        {
            "kind": "appeal",
            "level": 1,
            "outcome": None,
            "plan_missed_deadline": True,
            "good_cause": False,
        },
        "accept",
        None,
    ),
    (
        "member",
        {
            "kind": "appeal",
            "level": 1,
            "outcome": None,
            "plan_missed_deadline": True,
            "good_cause": True,
        },
        "reject",
        "not_eligible_yet",
    ),
    ("member", {"kind": "appeal", "level": 1, "process_failure": True}, "accept", None),
    ("member", {"kind": "appeal", "level": 2, "outcome": "overturned"}, "reject", "not_appealable"),
    ("member", {"kind": "appeal", "level": 2, "outcome": None}, "reject", "not_eligible_yet"),
]


@pytest.mark.parametrize(("filed_by", "prior", "disposition", "code"), IRO)
def test_independent_review_eligibility(filed_by, prior, disposition, code):
    result = assess(
        ump(
            requested="external_review",
            filed_by=filed_by,
            prior=prior,
            received_at="2026-03-02T10:15:00-08:00",
        )
    )
    assert result["kind"] == "external_review"
    assert result["disposition"] == disposition, result["reasons"]
    assert (result["rejection"] or {}).get("code") == code
    if disposition == "accept":
        assert result["next_level"] is None  # the IRO decision binds the plan


def test_iro_without_the_prior_decision_says_it_must_be_checked():
    result = assess(ump(requested="external_review", prior=None))
    assert result["disposition"] == "accept"
    assert any("must be checked" in r for r in result["reasons"])


def test_provider_urgent_iro_is_expedited():
    result = assess(ump(requested="external_review", filed_by="provider", prior=EXPEDITED_UPHELD))
    assert result["expedited"] is True


# seed: "You must request an independent review no more than 180 days after the date of the
#        letter responding to your second-level appeal (or expedited appeal)."
def test_iro_window_and_immediate_iro_without_a_letter():
    on_time = assess(
        ump(requested="external_review", prior=L2_UPHELD, received_at="2026-07-31T12:00:00-07:00")
    )
    assert on_time["filing"]["last_day"] == "2026-07-31" and on_time["filing"]["timely"] is True
    late = assess(
        ump(requested="external_review", prior=L2_UPHELD, received_at="2026-08-01T12:00:00-07:00")
    )
    assert late["disposition"] == "reject" and late["rejection"]["code"] == "untimely"
    immediate = assess(
        ump(
            requested="external_review",
            prior={"kind": "appeal", "level": 1, "plan_missed_deadline": True},
        )
    )
    assert immediate["disposition"] == "accept" and immediate["filing"] is None


# seed: "The plan—Regence BlueShield for medical services, and Washington State Rx Services for
#        prescription drugs—will send the relevant information and correspondence to the IRO."
@pytest.mark.parametrize(
    ("service", "handler"), [("medical", "regence"), ("prescription", "wsrxs")]
)
def test_iro_handler(service, handler):
    result = assess(ump(requested="external_review", prior=L2_UPHELD, service=service))
    assert result["handler"]["id"] == handler


# -- levels -----------------------------------------------------------------------------------
def test_level_three_is_refused_with_a_hint():
    with pytest.raises(ValueError, match=r"level: .*levels are 1, 2.*external_review"):
        assess(ump(level=3))


def test_level_inferred_from_the_prior_decision():
    result = assess(ump(prior={"kind": "appeal", "level": 1, "outcome": "upheld"}))
    assert result["level"] == 2
