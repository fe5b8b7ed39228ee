"""In: the guides' example decisions (tests/fhir/bundles/README.md) give the right intake; a
bundle that does not validate is an OperationOutcome naming the element."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from appealdesk.cases.models import Case, Event, Party
from appealdesk.cases.selectors import case_search
from tests.fhir.conftest import bundle, call, parameter, part

pytestmark = pytest.mark.django_db
RECEIVED = "2026-03-02T10:15:00-08:00"


def propose(caller, body, **query: str) -> Any:
    return call(caller, "POST", "/$appeal-intake", body, query={"program": "ump", **query})


def value(parameters: dict[str, Any], name: str) -> Any:
    (found,) = parameter(parameters, name)
    return next(v for k, v in found.items() if k.startswith("value"))


def test_a_pas_preauthorization_denial_gives_a_level_1_medical_appeal(bob, member):
    response = propose(bob, bundle("pas-referral-denied"), received_at=RECEIVED)
    assert response.status_code == 200
    answer = response.json()
    assert answer["resourceType"] == "Parameters"
    assessment = json.loads(value(answer, "assessment"))
    assert (assessment["kind"], assessment["level"]) == ("appeal", 1)
    assert assessment["handler"]["id"] == "regence"  # seed: medical -> Regence BlueShield
    # seed: "180 days after ... a preauthorization denial: the date of the plan's response"
    assert assessment["filing"]["timely"] is True
    assert assessment["filing"]["last_day"] == "2026-07-04"
    assert value(answer, "noticeDate") == "2026-01-05"
    assert part(parameter(answer, "noticeDate")[0], "source") == "ClaimResponse.created"
    assert value(answer, "service") == "medical"
    assert value(answer, "category") == "preauthorization"
    assert value(answer, "sourceReference") == {"value": "AUTH0001"}
    assert value(answer, "focus") == {
        "type": "ClaimResponse",
        "reference": "http://example.org/fhir/ClaimResponse/ReferralAuthorizationResponseExample",
    }
    codes = {
        part(p, "code")["code"]
        for p in parameter(answer, "denialReason")
        if p["part"][0]["name"] == "code"
    }
    assert codes == {"A3", "0U"}  # X12 306 'not certified', X12 886 'medical necessity'
    assert value(answer, "review") is False
    assert part(parameter(answer, "member")[0], "id") == member.pk
    request = json.loads(value(answer, "request"))
    assert {"subscriber_id", "patient_name", "providers"} <= set(request["provided"])
    assert Case.objects.count() == 0  # a proposal stores nothing


def test_a_carin_pharmacy_eob_gives_a_prescription_appeal_to_wsrxs(bob, member):
    response = propose(bob, bundle("carin-pharmacy-denied"), received_at=RECEIVED)
    answer = response.json()
    assessment = json.loads(value(answer, "assessment"))
    # seed: prescription drugs -> Washington State Rx Services
    assert assessment["handler"]["id"] == "wsrxs"
    assert value(answer, "service") == "prescription"
    assert value(answer, "category") == "claim_payment"
    assert value(answer, "noticeDate") == "2026-01-05"  # seed: "usually the EOB date"
    assert value(answer, "sourceReference") == {
        "system": "https://www.xxxplan.com/fhir/EOBIdentifier",
        "value": "AW123412341234123412341234123412",
    }
    (reason,) = parameter(answer, "denialReason")
    assert part(reason, "code")["code"] == "197"  # CARC: precertification absent
    # no member has W7654321: none matched, nothing to review (a new member at intake)
    assert parameter(answer, "member") == [] and value(answer, "review") is False
    assert "eob" in json.loads(value(answer, "request"))["provided"]


def test_two_members_with_the_subscriber_id_are_never_guessed(bob, member):
    Party.objects.create(role="member", name="Pat Doe Jr", subscriber_id="W1234567")
    answer = propose(bob, bundle("pas-referral-denied"), received_at=RECEIVED).json()
    assert value(answer, "review") is True
    assert parameter(answer, "member") == [] and len(parameter(answer, "candidate")) == 2
    assert "2 members" in parameter(answer, "reviewReason")[0]["valueString"]


def test_a_subscriber_id_on_someone_else_is_for_review(bob, member):
    member.name = member.patient_name = member.subscriber_name = "Robin Roe"
    member.save()
    answer = propose(bob, bundle("pas-referral-denied"), received_at=RECEIVED).json()
    assert value(answer, "review") is True and parameter(answer, "member") == []
    assert "PAT DOE" in parameter(answer, "reviewReason")[0]["valueString"]


def test_a_certified_request_holds_no_denial_and_is_for_review(bob, member):
    approved = bundle("pas-referral-denied")
    action = approved["entry"][0]["resource"]["item"][0]["adjudication"][0]["extension"][0]
    action["extension"] = [action["extension"][0], action["extension"][2]]  # no reason code
    action["extension"][1]["valueCodeableConcept"]["coding"][0]["code"] = "A1"
    del approved["entry"][0]["resource"]["disposition"]
    answer = propose(bob, approved, received_at=RECEIVED).json()
    assert value(answer, "review") is True
    assert "no denial reason" in parameter(answer, "reviewReason")[0]["valueString"]


def _recent(name: str) -> dict[str, Any]:
    """The example with a decision a month ago (intake with create=true runs at the real now)."""
    found = bundle(name)
    created = (timezone.now() - dt.timedelta(days=30)).isoformat(timespec="seconds")
    for entry in found["entry"]:
        if entry["resource"]["resourceType"] in ("ClaimResponse", "ExplanationOfBenefit"):
            entry["resource"]["created"] = created
    return found


def test_create_takes_it_in_through_case_receive(bob, member):
    response = propose(bob, _recent("pas-referral-denied"), create="true")
    assert response.status_code == 201, response.json()
    case = Case.objects.get()
    assert response["Location"] == f"/fhir/r4/Task/{case.number}"
    assert value(response.json(), "task") == {"reference": f"Task/{case.number}"}
    assert (case.member, case.service, case.category) == (member, "medical", "preauthorization")
    assert case.source_reference == "AUTH0001"
    assert case.source_focus["type"] == "ClaimResponse"
    event = Event.objects.get(case=case, action="case.received")
    assert event.after["source_reference"] == "AUTH0001"
    # the desk's search finds it by the authorization number
    assert case_search("AUTH0001") == [case]
    task = call(bob, "GET", f"/Task/{case.number}").json()
    assert task["focus"]["identifier"] == {"value": "AUTH0001"}


def test_create_with_no_member_on_file_makes_the_member_from_the_bundle(bob, member):
    response = propose(bob, _recent("carin-pharmacy-denied"), create="true")
    assert response.status_code == 201
    case = Case.objects.get()
    assert (case.member.name, case.member.subscriber_id) == ("Alex Example", "W7654321")


def test_create_refuses_a_proposal_that_needs_review(bob, member):
    Party.objects.create(role="member", name="Pat Doe Jr", subscriber_id="W1234567")
    response = propose(bob, _recent("pas-referral-denied"), create="true")
    assert response.status_code == 422
    (issue,) = response.json()["issue"]
    assert issue["expression"] == ["member"] and "review" in issue["diagnostics"]
    assert Case.objects.count() == 0


def _set(path: list[Any], new: Any) -> dict[str, Any]:
    found = bundle("pas-referral-denied")
    where: Any = found
    for key in path[:-1]:
        where = where[key]
    if new is KeyError:
        del where[path[-1]]
    else:
        where[path[-1]] = new
    return found


CLAIM = ["entry", 0, "resource"]


@pytest.mark.parametrize(
    ("body", "status", "expression"),
    [
        (_set([*CLAIM, "created"], "last tuesday"), 422, "Bundle.entry[0].resource.created"),
        (_set(["type"], KeyError), 422, "Bundle.type"),
        (_set([*CLAIM, "status"], 7), 422, "Bundle.entry[0].resource.status"),
        (_set([*CLAIM, "resourceType"], "Appeal"), 422, "Bundle.entry[0].resource.resourceType"),
        (_set(["entry"], []), 422, "Bundle.entry"),
        (_set(["resourceType"], "Parameters"), 400, "resourceType"),
        ([1, 2], 400, "Bundle"),
    ],
    ids=[
        "bad-date",
        "no-type",
        "status-not-code",
        "unknown-type",
        "no-decision",
        "not-bundle",
        "array",
    ],
)
def test_a_bundle_that_does_not_validate_names_the_element(bob, body, status, expression):
    response = propose(bob, body, received_at=RECEIVED)
    assert response.status_code == status
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert expression in [e for issue in outcome["issue"] for e in issue.get("expression", [])]


def test_two_decisions_in_one_bundle_are_refused(bob):
    two = bundle("pas-referral-denied")
    two["entry"].append(bundle("carin-pharmacy-denied")["entry"][0])
    response = propose(bob, two, received_at=RECEIVED)
    assert (
        response.status_code == 422 and "exactly one" in response.json()["issue"][0]["diagnostics"]
    )


@pytest.mark.parametrize(
    ("query", "status", "expression"),
    [
        ({"program": "nope"}, 422, "program"),
        ({"received_at": "yesterday"}, 422, "received_at"),
        ({"channel": "pigeon"}, 422, "channel"),
        ({"create": "maybe"}, 400, "create"),
        ({"colour": "red"}, 400, "colour"),
    ],
)
def test_bad_parameters_name_the_parameter(bob, query, status, expression):
    response = call(
        bob,
        "POST",
        "/$appeal-intake",
        bundle("pas-referral-denied"),
        query={"program": "ump", **query},
    )
    assert response.status_code == status
    assert response.json()["issue"][0]["expression"] == [expression]


def test_not_json_and_not_fhir_json(bob):
    assert propose(bob, "{not json").status_code == 400
    response = call(
        bob,
        "POST",
        "/$appeal-intake",
        "<Bundle/>",
        query={"program": "ump"},
        content_type="application/xml",
    )
    assert response.status_code == 415


def test_a_member_of_another_teams_cases_is_not_matched(callers, staff):
    # the member of a pharmacy case only: olga's team sees them, bob's does not
    other = Party.objects.create(role="member", name="Pat Doe", subscriber_id="W1234567")
    _pharmacy_case(staff, other)
    for name, matched in (("bob", False), ("olga", True), ("sam", True)):
        answer = propose(callers[name], bundle("pas-referral-denied"), received_at=RECEIVED).json()
        assert bool(parameter(answer, "member")) is matched, name
    # a member with no case yet is anyone's to match (new at intake)
    Party.objects.create(role="member", name="Alex Example", subscriber_id="W7654321")
    answer = propose(callers["bob"], bundle("carin-pharmacy-denied"), received_at=RECEIVED).json()
    assert parameter(answer, "member")


def _pharmacy_case(staff, member) -> Case:
    from appealdesk.cases import services as sv
    from tests.conftest import ump

    notice = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    return sv.case_receive(
        request=ump(
            received_at=(timezone.now() - dt.timedelta(hours=1)).isoformat(timespec="seconds"),
            notice_date=notice,
            service="prescription",
            category="coverage_denial",
        ),
        actor=staff["olga"],
        member=member,
        backdate_reason="entered after the call",
    )
