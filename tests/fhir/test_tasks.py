"""Out: each case as a Task (search, read, $everything) and the CapabilityStatement; every answer
validated by fhir.resources (`call` does it) and every case read in the access log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from appealdesk.access.models import AccessLog
from appealdesk.cases import services as sv
from appealdesk.cases.models import Case, Clock
from appealdesk.correspondence.services import letter_generate
from appealdesk.fhir import codes
from tests.fhir.conftest import call

pytestmark = pytest.mark.django_db


def test_a_case_as_a_task(bob, appeal):
    response = call(bob, "GET", f"/Task/{appeal.number}")
    assert response.status_code == 200
    task = response.json()
    assert (task["id"], task["status"], task["intent"]) == (appeal.number, "received", "order")
    assert task["businessStatus"]["coding"][0] == {
        "system": codes.system("case-state"),
        "code": "received",
        "display": "received",
    }
    assert task["code"]["coding"][0]["code"] == "appeal"
    # restriction.period.end: the binding clock due first (UMP's 30-day decision, not the
    # 14-day target)
    binding = (
        Clock.objects.filter(case=appeal, binding=True, state="running")
        .exclude(due_at=None)
        .order_by("due_at")
        .first()
    )
    assert binding is not None
    end = dt.datetime.fromisoformat(task["restriction"]["period"]["end"])
    assert end == binding.due_at
    assert task["owner"]["display"] == "Regence BlueShield"
    assert task["contained"][0]["resourceType"] == "Organization"
    assert task["for"]["identifier"]["value"] == "W1234567"
    assert response["ETag"] == f'W/"{appeal.version}"'
    row = AccessLog.objects.latest("id")
    assert (row.case_number, row.what, row.allowed) == (appeal.number, "fhir Task", True)


@pytest.mark.parametrize(
    ("state", "status"),
    [("decided", "in-progress"), ("notified", "completed"), ("dismissed", "rejected")],
)
def test_the_status_follows_the_state_and_the_outcome_is_an_output(
    bob, staff, appeal, state, status
):
    if state == "dismissed":
        sv.case_dismiss(appeal, actor=staff["sam"], reason="withdrawn")
    else:
        sv.case_decide(appeal, actor=staff["carol"], outcome="upheld", action="deny")
    if state == "notified":
        sv.case_record_notice(
            Case.objects.get(pk=appeal.pk), actor=staff["sam"], notice="decision", medium="written"
        )
    task = call(bob, "GET", f"/Task/{appeal.number}").json()
    assert (task["status"], task["businessStatus"]["coding"][0]["code"]) == (status, state)
    outcome = [o for o in task.get("output", []) if o["type"]["coding"][0]["code"] == "outcome"]
    if state != "dismissed":
        assert outcome[0]["valueCodeableConcept"]["coding"][0]["code"] == "upheld"


def test_everything_holds_the_patient_letters_and_notices(bob, staff, appeal):
    letter = letter_generate(appeal, kind="acknowledgement", actor=staff["bob"])
    sv.case_record_notice(
        Case.objects.get(pk=appeal.pk),
        actor=staff["bob"],
        notice="acknowledgement",
        medium="verbal",
    )
    response = call(bob, "GET", f"/Task/{appeal.number}/$everything")
    entries = response.json()["entry"]
    kinds = [e["resource"]["resourceType"] for e in entries]
    assert kinds == ["Task", "Patient", "DocumentReference", "Communication"]
    assert [e["search"]["mode"] for e in entries] == ["match", "include", "include", "include"]
    document = entries[2]["resource"]
    url = document["content"][0]["attachment"]["url"]
    assert url.endswith(f"/api/v1/cases/{appeal.number}/documents/{letter.document_id}")
    # the attachment is the REST API's authenticated download: the same key reads the PDF
    pdf = bob.call("GET", url.split("/api/v1", 1)[1])
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    notice = entries[3]["resource"]
    assert notice["medium"][0]["coding"][0]["code"] == "VERBAL"
    assert notice["about"] == [{"reference": f"Task/{appeal.number}"}]


def _cases(receive, n: int) -> list[Case]:
    return [receive() for _ in range(n)]


def test_search_by_page_one_query_for_the_cases_of_a_page(bob, receive):
    made = _cases(receive, 5)
    with CaptureQueriesContext(connection) as queries:
        first = call(bob, "GET", "/Task", query={"_count": "2"}).json()
    reads = [q["sql"] for q in queries if 'FROM "cases_case"' in q["sql"]]
    assert len(reads) == 1, reads  # the page, with the binding clock and member joined in
    assert [e["resource"]["id"] for e in first["entry"]] == [c.number for c in made[::-1][:2]]
    seen = []
    page = first
    while True:
        seen += [e["resource"]["id"] for e in page["entry"]]
        following = [link["url"] for link in page["link"] if link["relation"] == "next"]
        if not following:
            break
        page = call(bob, "GET", "/Task?" + following[0].split("?", 1)[1]).json()
    assert seen == [c.number for c in made[::-1]]


def test_search_parameters(bob, staff, receive, member):
    first, second = _cases(receive, 2)
    sv.case_dismiss(second, actor=staff["sam"], reason="withdrawn")

    def ids(**query: str) -> list[str]:
        return [
            e["resource"]["id"]
            for e in call(bob, "GET", "/Task", query=query).json().get("entry", [])
        ]

    assert ids(status="received") == [first.number]
    assert ids(status="rejected,received") == [second.number, first.number]
    assert ids(**{"business-status": "dismissed"}) == [second.number]
    assert ids(
        **{"patient.identifier": f"{codes.identifier_system('subscriber-id')}|W1234567"}
    ) == [
        second.number,
        first.number,
    ]
    assert ids(**{"patient.identifier": "W0000000"}) == []
    assert ids(identifier=first.number) == [first.number]
    assert ids(code="appeal,complaint") == [second.number, first.number]
    today = timezone.now().date()
    assert len(ids(_lastUpdated=f"ge{today.isoformat()}")) == 2
    assert ids(_lastUpdated=f"lt{today.isoformat()}") == []
    later = (timezone.now() + dt.timedelta(hours=1)).isoformat(timespec="seconds")
    assert ids(_lastUpdated=f"gt{later}") == []
    row = AccessLog.objects.latest("id")
    assert row.what == "fhir Task search" and row.allowed


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ({"_count": "0"}, "_count"),
        ({"_count": "1001"}, "_count"),
        ({"_count": "²"}, "_count"),
        ({"_cursor": "-1"}, "_cursor"),
        ({"status": "sleeping"}, "status"),
        ({"business-status": "x"}, "business-status"),
        ({"_lastUpdated": "ge2026-03-02T10:00:00"}, "_lastUpdated"),
        ({"_lastUpdated": "soon"}, "_lastUpdated"),
        ({"identifier": "http://elsewhere|X"}, "identifier"),
        ({"owner": "bob"}, "owner"),
        ({"status": "\x00"}, "status"),
    ],
)
def test_a_bad_search_parameter_is_named(bob, query, name):
    response = call(bob, "GET", "/Task", query=query)
    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == [name]


def test_the_capability_statement_says_what_is_supported(callers):
    statement = call(callers["nobody"], "GET", "/metadata").json()
    (rest,) = statement["rest"]
    (task,) = rest["resource"]
    assert task["type"] == "Task"
    assert {i["code"] for i in task["interaction"]} == {"read", "search-type"}
    assert {p["name"] for p in task["searchParam"]} == {
        "identifier",
        "patient.identifier",
        "status",
        "business-status",
        "code",
        "_lastUpdated",
    }
    assert [o["name"] for o in rest["operation"]] == ["appeal-intake"]


def test_an_unknown_path_or_method_is_an_operation_outcome(bob, appeal):
    assert call(bob, "GET", "/Patient").status_code == 404
    response = call(bob, "DELETE", f"/Task/{appeal.number}")
    assert response.status_code == 405 and response["Allow"] == "GET"
