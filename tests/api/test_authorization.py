"""Who may call what (SPEC 8 through the API): every caller x every endpoint x a case of the
medical team and one of the pharmacy team.

401 without a usable key (none, expired, revoked); 403 for a key without the scope, a role that
may not take the action, or a desk session writing without its CSRF token; 404 for a case the
caller may not see, byte for byte the 404 of a case that does not exist; every read of a case
is in the access log.

Each caller's request runs in a savepoint that is rolled back, so every caller meets the case in
the same state (an action that succeeds for one would otherwise change it for the next).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from appealdesk.access.models import AccessLog
from appealdesk.cases import services as sv
from appealdesk.cases.models import Case, Clock, Party, Team
from tests.api.conftest import PDF, Caller, document_on, etag_of, local_now
from tests.conftest import ump
from tests.desk.conftest import make_user

pytestmark = pytest.mark.django_db

NO_SUCH_CASE = "UMP-2026-9999999"
UNAUTHENTICATED = {"nobody", "bob expired", "bob revoked"}
NO_CSRF = {"bob session-no-csrf"}
# what each caller's user may see: its team's cases, and what it was assigned to review
SEES = {
    "alice": {"medical"},
    "bob": {"medical"},
    "carol": {"medical"},  # only as the assigned reviewer of the medical case
    "sam": {"medical", "pharmacy"},  # the supervisor: every case of the UMP program
    "olga": {"pharmacy"},
}
SCOPES = {"bob read-only": {"cases:read"}, "bob assess-only": {"assess"}}
ALL_SCOPES = {"cases:read", "cases:write", "assess"}
# who may take which action (SPEC 1), spelled out rather than read from roles.ACTIONS
INTAKE, ANALYST, REVIEWER, SUPERVISOR = {"alice"}, {"bob", "olga"}, {"carol"}, {"sam"}
MAY = {
    "receive": INTAKE | ANALYST | SUPERVISOR,
    "reclassify": INTAKE | ANALYST | SUPERVISOR,
    "request-information": ANALYST | SUPERVISOR,
    "receive-information": INTAKE | ANALYST | SUPERVISOR,
    "extend": ANALYST | SUPERVISOR,
    "pause": ANALYST | SUPERVISOR,
    "resume": ANALYST | SUPERVISOR,
    "assign": ANALYST | SUPERVISOR,
    "decide": REVIEWER | SUPERVISOR,
    "record-notice": INTAKE | ANALYST | SUPERVISOR,
    "milestone": ANALYST | SUPERVISOR,
    "dismiss": ANALYST | SUPERVISOR,
    "close": ANALYST | SUPERVISOR,
    "reopen": ANALYST | SUPERVISOR,
    "escalate": INTAKE | ANALYST | SUPERVISOR,
    "upload": INTAKE | ANALYST | SUPERVISOR | REVIEWER,
}


def user_of(caller: str) -> str:
    return caller.split()[0]


def scopes_of(caller: str) -> set[str]:
    return SCOPES.get(caller, ALL_SCOPES)


# -- the endpoints ----------------------------------------------------------------------------
@dataclass
class World:
    staff: dict[str, Any]
    cases: dict[str, Case]
    documents: dict[str, int]


@dataclass
class Endpoint:
    name: str
    method: str
    path: str  # {number} and {document} are filled in
    scope: str | None
    action: str | None = None  # the role check, if any
    ok: int = 200
    body: Callable[[Case, World], Any] = field(default=lambda case, world: None)
    prepare: Callable[[Case, World], None] = field(default=lambda case, world: None)
    on_case: bool = True

    def __str__(self) -> str:
        return self.name


def _decided(case: Case, world: World) -> None:
    sv.case_decide(case, actor=world.staff["sam"], outcome="upheld", action="deny")


def _notified(case: Case, world: World) -> None:
    _decided(case, world)
    sv.case_record_notice(
        Case.objects.get(pk=case.pk), actor=world.staff["sam"], notice="decision", medium="written"
    )


def _dismissed(case: Case, world: World) -> None:
    sv.case_dismiss(case, actor=world.staff["sam"], reason="withdrawn")


def _extend_body(case: Case, world: World) -> dict[str, Any]:
    clock = Clock.objects.get(case=case, clock_id="decision")
    assert clock.due_at is not None
    return {
        "clock": "decision",
        "new_due_at": (clock.due_at + dt.timedelta(days=14)).isoformat(),
        "reason": "the provider's records are on their way",
        "consent_document_id": world.documents[case.number],
    }


def _new_case(case: Case, world: World) -> dict[str, Any]:
    notice = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    return {
        "request": ump(received_at=local_now(0.5), notice_date=notice),
        "member": {"name": "Robin Roe", "subscriber_id": "W7654321"},
        "backdate_reason": "entered after the call",
    }


def _action(name: str, body: Any, *, ok: int = 200, prepare: Any = None) -> Endpoint:
    return Endpoint(
        name,
        "POST",
        f"/cases/{{number}}/{name}",
        "cases:write",
        action=name,
        ok=ok,
        body=body if callable(body) else (lambda case, world, body=body: body),
        prepare=prepare or (lambda case, world: None),
    )


ENDPOINTS = [
    Endpoint("list", "GET", "/cases", "cases:read", on_case=False),
    Endpoint("get", "GET", "/cases/{number}", "cases:read"),
    Endpoint("clocks", "GET", "/cases/{number}/clocks", "cases:read"),
    Endpoint("timeline", "GET", "/cases/{number}/timeline", "cases:read"),
    Endpoint("documents", "GET", "/cases/{number}/documents", "cases:read"),
    Endpoint("download", "GET", "/cases/{number}/documents/{document}", "cases:read"),
    Endpoint("upload", "POST", "/cases/{number}/documents", "cases:write", action="upload", ok=201),
    Endpoint(
        "create",
        "POST",
        "/cases",
        "cases:write",
        action="receive",
        ok=201,
        body=_new_case,
        on_case=False,
    ),
    Endpoint("assess", "POST", "/assess", "assess", body=lambda c, w: ump(), on_case=False),
    Endpoint("packs", "GET", "/packs", None, on_case=False),
    _action("reclassify", {"changes": {"category": "coverage_denial"}, "reason": "misfiled"}),
    _action("request-information", {"items": ["eob"], "note": "please send the EOB"}),
    _action("receive-information", {"items": ["eob"]}),
    _action("extend", _extend_body),
    # UMP has no clock that may pause: an allowed caller gets past the checks to the rule's
    # refusal (422), and resume finds no paused clock (409)
    _action("pause", {"clock": "decision", "reason": "waiting for records"}, ok=422),
    _action("resume", {"clock": "decision"}, ok=409),
    _action("assign", {"owner": "bob"}),
    _action("decide", {"outcome": "upheld", "action": "deny", "reason": "plan terms"}),
    _action("record-notice", {"notice": "acknowledgement", "medium": "written"}),
    # UMP has no program events of its own: past the checks, the service names the field
    _action("milestone", {"milestone": "investigation_concluded"}, ok=422),
    _action("dismiss", {"reason": "withdrawn", "note": "the member withdrew"}),
    _action("close", {"note": "done"}, prepare=_notified),
    _action("reopen", {"reason": "new evidence arrived"}, prepare=_dismissed),
    _action(
        "escalate",
        lambda case, world: {"received_at": local_now(0.05), "channel": "mail"},
        ok=201,
        prepare=_decided,
    ),
]
CALLERS = [
    "nobody",
    "alice",
    "bob",
    "carol",
    "sam",
    "olga",
    "bob X-API-Key",
    "bob read-only",
    "bob assess-only",
    "bob expired",
    "bob revoked",
    "bob session+csrf",
    "bob session-no-csrf",
]


def expected(caller: str, endpoint: Endpoint, team: str | None) -> int:
    """The status the caller must get: the order of the checks is authentication (and the
    session's CSRF token), scope, visibility, role."""
    if caller in UNAUTHENTICATED:
        return 401
    if caller in NO_CSRF and endpoint.method != "GET":
        return 403
    if endpoint.scope and endpoint.scope not in scopes_of(caller):
        return 403
    if team is not None and team not in SEES[user_of(caller)]:
        return 404
    if endpoint.action and user_of(caller) not in MAY[endpoint.action]:
        return 403
    return endpoint.ok


@pytest.fixture
def world(staff, appeal, drug_appeal) -> World:
    """The medical case (carol its reviewer) and the pharmacy case (erin, a clinical reviewer,
    its reviewer), each with a document."""
    sv.case_assign(appeal, actor=staff["root"], reviewer=staff["carol"])
    erin = make_user("erin", "clinical_reviewer", manager=staff["sam"], clinical=True)
    sv.case_assign(drug_appeal, actor=staff["root"], reviewer=erin)
    documents = {c.number: document_on(c).pk for c in (appeal, drug_appeal)}
    return World(staff, {"medical": appeal, "pharmacy": drug_appeal}, documents)


def call(caller: Caller, endpoint: Endpoint, number: str, world: World, case: Case | None) -> Any:
    path = endpoint.path.format(number=number, document=next(iter(world.documents.values())))
    if case is not None and "{document}" in endpoint.path:
        path = endpoint.path.format(number=number, document=world.documents[case.number])
    headers: dict[str, str] = {}
    if endpoint.action and endpoint.on_case and case is not None:
        headers["If-Match"] = etag_of(case)
    elif endpoint.action and endpoint.on_case:
        headers["If-Match"] = '"v1"'
    if endpoint.name == "upload":
        upload = SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")
        return caller.call("POST", path, files={"file": upload, "kind": "correspondence"})
    body = endpoint.body(case, world) if case is not None or not endpoint.on_case else None
    if endpoint.method == "POST" and body is None:
        body = endpoint.body(world.cases["medical"], world)
    return caller.call(endpoint.method, path, body, **headers)


def attempt(callers: dict[str, Caller], name: str, endpoint: Endpoint, world: World, team: str):
    """One caller's request on a case, in a savepoint rolled back afterwards; with the access
    log rows it wrote."""
    case = world.cases[team]
    with transaction.atomic():
        endpoint.prepare(Case.objects.get(pk=case.pk), world)
        before = AccessLog.objects.count()
        response = call(callers[name], endpoint, case.number, world, case)
        logged = list(AccessLog.objects.order_by("id")[before:].values())
        transaction.set_rollback(True)
    return response, logged


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.on_case], ids=str)
def test_case_endpoints(callers, world, endpoint):
    got: dict[tuple[str, str], int] = {}
    want: dict[tuple[str, str], int] = {}
    for name in CALLERS:
        for team in ("medical", "pharmacy"):
            response, logged = attempt(callers, name, endpoint, world, team)
            got[name, team] = response.status_code
            want[name, team] = expected(name, endpoint, team)
            if response.status_code >= 400:
                assert response["Content-Type"] == "application/problem+json", (name, team)
            if response.status_code == 404:
                _same_as_no_such_case(callers[name], endpoint, world, response)
            if endpoint.method == "GET" and response.status_code in (200, 404):
                # every read of a case, and every refused attempt, is in the access log
                number = world.cases[team].number
                assert [(r["case_number"], r["allowed"], r["username"]) for r in logged] == [
                    (number, response.status_code == 200, user_of(name))
                ], (name, team)
            if response.status_code in (401, 403) and endpoint.method == "GET":
                assert logged == [], (name, team)  # refused before the case was looked up
    assert got == want


def _same_as_no_such_case(caller: Caller, endpoint: Endpoint, world: World, seen: Any) -> None:
    """The 404 of a case the caller may not see says nothing a missing case would not."""
    with transaction.atomic():
        missing = call(caller, endpoint, NO_SUCH_CASE, world, None)
        transaction.set_rollback(True)
    assert missing.status_code == 404
    assert seen.content == missing.content
    assert seen["Content-Type"] == missing["Content-Type"]
    assert "ETag" not in seen and "ETag" not in missing


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if not e.on_case], ids=str)
def test_endpoints_without_a_case(callers, world, endpoint):
    got, want = {}, {}
    for name in CALLERS:
        with transaction.atomic():
            response = call(callers[name], endpoint, "", world, None)
            transaction.set_rollback(True)
        got[name] = response.status_code
        want[name] = expected(name, endpoint, None)
    assert got == want


def test_the_list_shows_what_the_caller_may_see_and_logs_each_page(callers, world):
    """One access-log row per page, naming every case it listed (issue 15: lists are PHI reads
    too, logged without a write per case)."""
    medical, pharmacy = world.cases["medical"], world.cases["pharmacy"]
    seen = {}
    for name in ("alice", "bob", "carol", "sam", "olga"):
        before = AccessLog.objects.count()
        page = callers[name].call("GET", "/cases").json()
        seen[name] = {item["number"] for item in page["items"]}
        logged = list(AccessLog.objects.order_by("id")[before:])
        assert len(logged) == 1
        row = logged[0]
        assert row.allowed and row.username == name and row.what == "api list"
        listed = set(Case.objects.filter(pk__in=row.case_ids).values_list("number", flat=True))
        assert listed == seen[name]
    assert seen == {
        "alice": {medical.number},
        "bob": {medical.number},
        "carol": {medical.number},
        "sam": {medical.number, pharmacy.number},
        "olga": {pharmacy.number},
    }


@pytest.fixture
def hidden_member(world):
    """A member whose only case is the pharmacy team's: the medical team may not read them."""
    member = Party.objects.create(
        role="member", name="Quinn Hidden", subscriber_id="W9990001", phone="360-555-0199"
    )
    sv.case_receive(
        request=ump(received_at=local_now(), service="prescription", category="coverage_denial"),
        actor=world.staff["olga"],
        member=member,
        backdate_reason="entered after the call",
    )
    return member


@pytest.mark.parametrize(
    ("name", "allowed"),
    [("alice", False), ("bob", False), ("sam", True), ("olga", True)],
)
def test_intake_by_api_takes_only_a_member_the_caller_may_read(
    callers, world, hidden_member, name, allowed
):
    """The attack: `member_id` counted up walks every member, and the new case shows the
    member's phone, address and e-mail. Refused in the same words as an id that does not
    exist; an allowed use is an access-log row naming the member."""
    body = {**_new_case(world.cases["medical"], world), "member_id": hidden_member.pk}
    del body["member"]
    with transaction.atomic():
        answer = callers[name].call("POST", "/cases", body)
        logged = list(AccessLog.objects.filter(what="api intake member", username=name))
        transaction.set_rollback(True)
    if allowed:
        assert answer.status_code == 201
        assert [row.member_ids for row in logged] == [[hidden_member.pk]]
    if not allowed:
        assert answer.status_code == 422
        text = answer.content.decode()
        assert "Quinn" not in text and "W9990001" not in text and "555-0199" not in text
        missing = {**body, "member_id": 2**40}
        assert answer.json()["detail"].replace(str(hidden_member.pk), "N") == (
            callers[name].call("POST", "/cases", missing).json()["detail"].replace(str(2**40), "N")
        )


def test_intake_and_assignment_by_api_refuse_another_programs_team(callers, world):
    genex = Team.objects.create(name="Genex grievances", program="genex-ur", handler="")
    body = {**_new_case(world.cases["medical"], world), "team_id": genex.pk}
    assert callers["sam"].call("POST", "/cases", body).status_code == 422
    case = world.cases["medical"]
    answer = callers["sam"].call(
        "POST", f"/cases/{case.number}/assign", {"team_id": genex.pk}, **{"If-Match": etag_of(case)}
    )
    assert answer.status_code == 422 and "works genex-ur cases" in answer.json()["detail"]
    assert not Case.objects.filter(team=genex).exists()


def test_a_key_acts_as_its_user(callers, world):
    """The action is recorded in the user's name and the key's."""
    case = world.cases["medical"]
    response = callers["bob"].call(
        "POST",
        f"/cases/{case.number}/record-notice",
        {"notice": "acknowledgement", "medium": "written"},
        **{"If-Match": etag_of(case)},
    )
    assert response.status_code == 200
    event = case.events.order_by("-id").first()
    assert event is not None and event.actor_id == world.staff["bob"].pk


def test_a_key_of_an_inactive_user_is_refused(callers, world):
    world.staff["bob"].is_active = False
    world.staff["bob"].save()
    assert callers["bob"].call("GET", "/cases").status_code == 401
