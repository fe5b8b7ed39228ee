"""Genex UR grievances (SPEC 4.2): one table row per rule, each citing its seed sentence."""

from __future__ import annotations

import pytest

from appealdesk.policy import assess
from tests.conftest import clocks, genex


# seed: "The Genex Services grievance process addresses all formal complaints regarding
#        non-clinical and non-determination-related Genex processes or services."
# seed: "Examples of grievances could be complaints that the UR decision was not done within time
#        frames established by the Labor Code or that the physician who rendered the determination
#        was not licensed."
@pytest.mark.parametrize("category", ["ur_timeliness", "reviewer_licensure", "process_or_staff"])
def test_non_clinical_complaints_are_grievances(category):
    result = assess(genex(category=category))
    assert result["kind"] == "grievance" and result["disposition"] == "accept"
    assert result["handler"]["id"] == "genex-grievance-committee"
    assert "P.O. Box 4379, Westlake Village, CA 91359" in result["handler"]["mail"]
    assert result["next_level"] is None


# seed: "These clinical issues should be addressed by the appeals process and should not be
#        submitted to the grievance process."
# seed: "The requesting physician may initiate an appeals consideration by contacting Genex at
#        800.844.4235."
def test_clinical_determination_sent_as_grievance_is_redirected_to_appeals_consideration():
    result = assess(genex(category="clinical_determination"))
    assert result["kind"] == "clinical_appeal"
    assert result["disposition"] == "redirect"
    assert result["handler"]["id"] == "genex-appeals"
    assert result["handler"]["phone"] == "800.844.4235"
    assert result["deadlines"] == [] and result["filing"] is None and result["rejection"] is None


@pytest.mark.parametrize(
    ("filed_by", "disposition", "code"),
    [
        ("provider", "accept", None),
        ("member", "reject", "not_eligible_requester"),
        ("authorized_rep", "reject", "not_eligible_requester"),
    ],
)
def test_appeals_consideration_is_initiated_by_the_requesting_physician(
    filed_by, disposition, code
):
    result = assess(
        genex(
            requested="clinical_appeal",
            category="clinical_determination",
            filed_by=filed_by,
            channel="phone",
        )
    )
    assert result["kind"] == "clinical_appeal"
    assert result["disposition"] == disposition
    assert (result["rejection"] or {}).get("code") == code


# seed: "Any party who has an inquiry or complaint may contact Genex at 800.844.4235 for verbal
#        resolution." / "Grievances must be submitted in writing and shall contain:"
@pytest.mark.parametrize(
    ("fields", "disposition"),
    [
        ({"channel": "phone"}, "informal"),
        ({"channel": "in_person"}, "informal"),
        ({"channel": "phone", "written": True}, "accept"),  # a written grievance handed over
        ({"channel": "mail", "written": False}, "informal"),
        ({"channel": "fax"}, "accept"),
        ({"channel": "portal"}, "accept"),
    ],
)
def test_a_formal_grievance_must_be_in_writing(fields, disposition):
    result = assess(genex(**fields))
    assert result["kind"] == "grievance"
    assert result["disposition"] == disposition
    if disposition == "informal":
        assert result["deadlines"] == []
        assert result["rejection"] is None
        assert any("in writing" in r for r in result["reasons"])
        # what a formal grievance must contain is still shown
        assert "signature" in result["missing"]


def test_unknown_channel_and_writing_is_flagged_not_guessed():
    result = assess(genex(channel=None))
    assert result["disposition"] == "accept"
    assert any("not known" in r for r in result["reasons"])


# seed: "...a formal grievance may be filed within one year of occurrence."
@pytest.mark.parametrize(
    ("occurrence", "received", "last_day", "timely"),
    [
        ("2025-03-02", "2026-03-02T10:00:00-08:00", "2026-03-02", True),
        ("2025-03-01", "2026-03-02T10:00:00-08:00", "2026-03-01", False),
        ("2024-02-29", "2025-02-28T16:00:00-08:00", "2025-02-28", True),  # 29 Feb -> 28 Feb
        ("2024-02-29", "2025-03-01T08:00:00-08:00", "2025-02-28", False),
    ],
)
def test_one_year_from_occurrence(occurrence, received, last_day, timely):
    result = assess(genex(occurrence_date=occurrence, received_at=received))
    assert result["filing"]["last_day"] == last_day
    assert result["filing"]["timely"] is timely
    assert result["filing"]["rule"] == "one year after occurrence"
    assert result["disposition"] == ("accept" if timely else "reject")
    if not timely:
        assert result["rejection"]["code"] == "untimely"
        assert result["next_level"] is None


# seed: "The Grievance Committee shall acknowledge receipt of the grievance within 5 business days
#        and shall investigate the grievance within 30 days of receipt."
# seed: "Upon conclusion of the investigation, the party shall be notified of the Grievance
#        Committee’s final decision in writing within 30 calendar days."
ACKNOWLEDGE = [
    # received                      5th business day   why
    ("2026-11-25T09:00:00-08:00", "2026-12-04"),  # Thanksgiving + day after + weekend skipped
    ("2026-11-26T09:00:00-08:00", "2026-12-04"),  # received on a holiday: counts from Monday
    ("2026-11-28T09:00:00-08:00", "2026-12-04"),  # received on a Saturday
    ("2026-03-02T10:15:00-08:00", "2026-03-09"),  # plain week
    ("2026-03-27T10:00:00-07:00", "2026-04-06"),  # Cesar Chavez Day (Tue 31 Mar) skipped
    ("2026-12-31T23:59:00-08:00", "2027-01-08"),  # New Year's Day skipped
]


@pytest.mark.parametrize(("received", "due_date"), ACKNOWLEDGE)
def test_acknowledge_in_five_california_business_days(received, due_date):
    ack = clocks(assess(genex(received_at=received, occurrence_date="2026-06-01")))["acknowledge"]
    assert ack["unit"] == "business_days" and ack["length"] == 5
    assert ack["due_date"] == due_date
    assert ack["due_at"].startswith(f"{due_date}T23:59:59-0")
    assert "US-CA" in ack["calendar"]


def test_investigation_and_decision_notice():
    result = assess(genex(received_at="2026-11-25T09:00:00-08:00", occurrence_date="2026-06-01"))
    c = clocks(result)
    assert list(c) == ["acknowledge", "investigation", "decision_notice"]
    assert c["investigation"]["due_date"] == "2026-12-25"
    assert c["decision_notice"]["state"] == "pending"
    assert "due_at" not in c["decision_notice"]
    concluded = assess(
        genex(
            received_at="2026-11-25T09:00:00-08:00",
            occurrence_date="2026-06-01",
            events={"investigation_concluded_at": "2026-12-18T15:00:00-08:00"},
        )
    )
    notice = clocks(concluded)["decision_notice"]
    assert notice["state"] == "running"
    assert notice["due_date"] == "2027-01-17"
    assert notice["due_at"] == "2027-01-17T23:59:59-08:00"


# seed: the eight things a grievance shall contain
def test_required_grievance_contents():
    result = assess(genex(provided=["name", "address", "telephone", "summary"]))
    assert result["missing"] == ["contact_history", "relief_sought", "signature", "date_signed"]
    everything = [
        "party_name",
        "party_address",
        "party_phone",
        "summary",
        "contact_history",
        "relief_sought",
        "signature",
        "date_signed",
    ]
    assert assess(genex(provided=everything))["missing"] == []


@pytest.mark.parametrize(
    ("category", "kind"),
    [
        ("ur_timeliness", "grievance"),
        ("clinical_determination", "clinical_appeal"),
        (None, "clinical_appeal"),
    ],
)
def test_an_appeal_at_genex_is_clinical_unless_it_is_about_a_process(category, kind):
    result = assess(genex(requested="appeal", category=category, filed_by="provider"))
    assert result["kind"] == kind


def test_genex_has_no_services_and_says_so():
    result = assess(genex(service="medical"))
    assert result["kind"] == "grievance"
    assert any("service" in w for w in result["warnings"])
