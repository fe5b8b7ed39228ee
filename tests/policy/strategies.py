"""Hypothesis strategies for `assess` requests of both shipped programs (any combination of
valid field values), shared by the fuzz test and the invariants."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from appealdesk.policy.vocabulary import OUTCOMES

maybe = st.none().__or__
dates = st.dates(dt.date(2023, 1, 1), dt.date(2027, 12, 31)).map(dt.date.isoformat)
instants = st.datetimes(
    dt.datetime(2024, 1, 1), dt.datetime(2027, 12, 31), timezones=st.just(dt.UTC)
).map(lambda d: d.isoformat())
prior = st.fixed_dictionaries(
    {},
    optional={
        "kind": st.sampled_from(["appeal", "expedited_appeal", "complaint", "external_review"]),
        "level": st.integers(1, 3),
        "outcome": maybe(st.sampled_from(sorted(OUTCOMES))),
        "action": maybe(st.sampled_from(["deny", "modify", "reduce", "terminate"])),
        "plan_missed_deadline": maybe(st.booleans()),
        "good_cause": maybe(st.booleans()),
        "process_failure": maybe(st.booleans()),
        "letter_date": maybe(dates),
    },
)
CATEGORIES = {
    "ump": [
        "claim_payment",
        "claim_processing",
        "reimbursement",
        "coverage_denial",
        "preauthorization",
        "retro_eligibility",
        "eligibility_enrollment",
        "coe_medical_appropriateness",
        "quality_of_care",
        "wait_time",
        "staff_attitude",
        "plan_service",
    ],
    "genex-ur": [
        "ur_timeliness",
        "reviewer_licensure",
        "process_or_staff",
        "clinical_determination",
    ],
}


@st.composite
def requests(draw):
    program = draw(st.sampled_from(sorted(CATEGORIES)))
    optional = {
        "channel": st.sampled_from(["phone", "mail", "fax", "email", "portal", "in_person"]),
        "filed_by": st.sampled_from(["member", "authorized_rep", "provider"]),
        "written": st.booleans(),
        "written_response_requested": st.booleans(),
        "requested": st.sampled_from(
            ["complaint", "appeal", "grievance", "external_review", "clinical_appeal"]
        ),
        "category": st.sampled_from(CATEGORIES[program]),
        "service": st.sampled_from(["medical", "prescription", "coe"]),
        "level": st.integers(1, 2),
        "expedited": st.booleans(),
        "network_provider": st.booleans(),
        "notice_date": dates,
        "occurrence_date": dates,
        "prior": prior,
        "provided": st.lists(st.sampled_from(["subscriber_name", "eob", "signature", "name"])),
        "events": st.fixed_dictionaries(
            {}, optional={"decided_at": instants, "investigation_concluded_at": instants}
        ),
        "text": st.sampled_from(["", "my claim was denied", "rude staff", "late decision"]),
    }
    body = draw(
        st.fixed_dictionaries(
            {"program": st.just(program), "received_at": instants}, optional=optional
        )
    )
    if program == "genex-ur":
        body.pop("service", None)
    return body
