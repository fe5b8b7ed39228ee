"""Who may call what on the FHIR edge, like the REST API's matrix (tests/api/test_authorization.py):
every caller x every endpoint x a case of the medical team and one of the pharmacy team.

401 without a usable key (none, expired, revoked; a desk session is not a key here); 403 for a
key without the scope or a role that may not take cases in; 404 for a case the caller may not
see, the same answer as a case that does not exist; every case read is in the access log; the
metadata needs no key.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from appealdesk.access.models import AccessLog
from appealdesk.cases.models import Case
from tests.api.test_authorization import CALLERS  # the REST API's callers, the same list
from tests.fhir.conftest import bundle, call

pytestmark = pytest.mark.django_db

UNAUTHENTICATED = {
    "nobody",
    "bob expired",
    "bob revoked",
    "bob session+csrf",
    "bob session-no-csrf",
}
SEES = {
    "alice": {"medical"},
    "bob": {"medical"},
    "carol": set(),  # an administrative reviewer with no team, assigned nothing
    "sam": {"medical", "pharmacy"},
    "olga": {"pharmacy"},
}
SCOPES = {"bob read-only": {"cases:read"}, "bob assess-only": {"assess"}}
ALL_SCOPES = {"cases:read", "cases:write", "assess"}
RECEIVE = {"alice", "bob", "olga", "sam"}  # intake, analysts, the supervisor (SPEC 1)


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    scope: str | None
    on_case: bool = True
    create: bool = False


ENDPOINTS = [
    Endpoint("metadata", "GET", "/metadata", None, on_case=False),
    Endpoint("search", "GET", "/Task", "cases:read", on_case=False),
    Endpoint("read", "GET", "/Task/{number}", "cases:read"),
    Endpoint("everything", "GET", "/Task/{number}/$everything", "cases:read"),
    Endpoint("propose", "POST", "/$appeal-intake", "assess", on_case=False),
    Endpoint("create", "POST", "/$appeal-intake", "cases:write", on_case=False, create=True),
]


def expected(caller: str, endpoint: Endpoint, team: str) -> int:
    if endpoint.scope is None:
        return 200
    if caller in UNAUTHENTICATED:
        return 401
    if endpoint.scope not in SCOPES.get(caller, ALL_SCOPES):
        return 403
    user = caller.split()[0]
    if endpoint.create:
        return 201 if user in RECEIVE else 403
    if endpoint.on_case and team not in SEES[user]:
        return 404
    return 200


def _body() -> dict[str, Any]:
    found = bundle("pas-referral-denied")
    created = (timezone.now() - dt.timedelta(days=30)).isoformat(timespec="seconds")
    found["entry"][0]["resource"]["created"] = created
    return found


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
@pytest.mark.parametrize("team", ["medical", "pharmacy"])
def test_the_matrix(callers, appeal, drug_appeal, endpoint, team):
    case: Case = appeal if team == "medical" else drug_appeal
    path = endpoint.path.format(number=case.number)
    query = {"program": "ump", **({"create": "true"} if endpoint.create else {})}
    for name in CALLERS:
        before = AccessLog.objects.count()
        with transaction.atomic():
            sid = transaction.savepoint()
            body = _body() if endpoint.method == "POST" else None
            response = call(
                callers[name],
                endpoint.method,
                path,
                body,
                query=query if endpoint.method == "POST" else None,
            )
            want = expected(name, endpoint, team)
            assert response.status_code == want, (name, endpoint.name, response.json())
            if want == 401:
                assert response["WWW-Authenticate"].startswith("Bearer")
            if endpoint.on_case and want in (200, 404):
                row = AccessLog.objects.order_by("id")[before:].get()
                assert (row.case_number, row.allowed) == (case.number, want == 200)
            if endpoint.name == "search" and want == 200:
                shown = {e["resource"]["id"] for e in response.json().get("entry", [])}
                visible = {
                    c.number for c in (appeal, drug_appeal) if _team(c) in SEES[name.split()[0]]
                }
                assert shown == visible, name
            transaction.savepoint_rollback(sid)


def _team(case: Case) -> str:
    return "medical" if case.service == "medical" else "pharmacy"


def test_a_case_you_may_not_see_reads_like_one_that_does_not_exist(callers, drug_appeal):
    hidden = call(callers["bob"], "GET", f"/Task/{drug_appeal.number}")
    missing = call(callers["bob"], "GET", "/Task/UMP-2026-9999999")
    assert (hidden.status_code, hidden.content) == (missing.status_code, missing.content)
