"""Errors are `application/problem+json` (RFC 9457): type, title, status, detail, and the field
at fault where there is one."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import ump

pytestmark = pytest.mark.django_db


def problem_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"].startswith("urn:appealdesk:problem:")
    assert body["title"] and body["detail"] and body["status"] == status
    return body


def test_401_says_how_to_authenticate(callers):
    response = callers["nobody"].call("GET", "/cases")
    body = problem_of(response, 401)
    assert body["type"].endswith("unauthenticated") and "API key" in body["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_key_is_401_like_no_key(callers):
    for text in ("ad_nope_nope", "ad_", "not-a-key", "ad_" + "x" * 500):
        response = Client().get("/api/v1/cases", headers={"Authorization": f"Bearer {text}"})
        assert problem_of(response, 401) == problem_of(callers["nobody"].call("GET", "/cases"), 401)


def test_403_names_the_missing_scope(callers):
    body = problem_of(callers["bob read-only"].call("POST", "/assess", ump()), 403)
    assert body["type"].endswith("insufficient_scope") and "'assess'" in body["detail"]


def test_403_for_the_role_says_what_it_may_not_do(callers, appeal):
    response = callers["alice"].call(
        "POST", f"/cases/{appeal.number}/decide", {"outcome": "upheld"}, **{"If-Match": '"v1"'}
    )
    body = problem_of(response, 403)
    assert body["type"].endswith("forbidden_action") and "decide" in body["detail"]


def test_403_of_a_session_without_its_csrf_token(callers):
    body = problem_of(callers["bob session-no-csrf"].call("POST", "/assess", ump()), 403)
    assert body["type"].endswith("csrf_failed") and "X-CSRFToken" in body["detail"]


def test_404(callers):
    body = problem_of(callers["bob"].call("GET", "/cases/UMP-2026-9999999"), 404)
    assert body["type"].endswith("not_found")
    for method in ("GET", "POST", "DELETE"):
        missing = Client().generic(method, "/api/v1/nowhere/at/all")
        assert problem_of(missing, 404)["type"].endswith("not_found")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/assess", ump(received_at="2026-03-02T10:15:00"), "received_at"),
        ("/assess", ump(channel="pigeon"), "channel"),
        ("/assess", ump(level=0), "level"),
        ("/cases", {"member": {"name": "Pat Doe"}}, "request"),
        ("/cases", {"request": ump(received_at="2026-03-02")}, "request.received_at"),
        ("/cases", {"request": ump(), "member_id": 0}, "member_id"),
        ("/cases", {"request": ump(), "member": {"name": ""}}, "member.name"),
        ("/cases", {"request": ump(), "summary": "a\x00b"}, "summary"),
        ("/cases", {"request": ump(provided=["eob\x00"])}, "request"),
        ("/cases", {"request": ump()}, "backdate_reason"),  # received in March: in the past
    ],
)
def test_422_names_the_field(callers, path, body, field):
    problem = problem_of(callers["bob"].call("POST", path, body), 422)
    assert problem["field"] == field, problem
    assert (
        problem["detail"].startswith(field)
        or field in problem["detail"]
        or field in ("backdate_reason",)
    )


def test_422_of_an_action_and_of_a_query(callers, appeal):
    response = callers["bob"].call(
        "POST", f"/cases/{appeal.number}/dismiss", {"reason": "bored"}, **{"If-Match": '"v1"'}
    )
    problem = problem_of(response, 422)
    assert problem["field"] == "reason" and problem["errors"][0]["field"] == "reason"
    assert problem_of(callers["bob"].call("GET", "/cases?limit=500"), 422)["field"] == "limit"
    assert problem_of(callers["bob"].call("GET", "/cases?cursor=abc"), 422)["field"] == "cursor"
    assert (
        problem_of(callers["bob"].call("GET", "/cases?received_from=May"), 422)["field"]
        == "received_from"
    )


def test_409_for_a_move_the_state_does_not_allow(callers, appeal):
    response = callers["bob"].call(
        "POST", f"/cases/{appeal.number}/close", {}, **{"If-Match": '"v1"'}
    )
    problem = problem_of(response, 409)
    assert problem["type"].endswith("invalid_transition")


def test_405_for_a_method_the_path_does_not_take(callers, appeal):
    response = callers["bob"].call("DELETE", f"/cases/{appeal.number}")
    assert problem_of(response, 405)["type"].endswith("method_not_allowed")
    assert response["Allow"] == "GET"


def test_400_for_a_body_that_is_not_json(callers):
    for raw in (b"{not json", b"\xff\xfe\x00", b""):
        response = Client().post(
            "/api/v1/cases",
            data=raw,
            content_type="application/json",
            headers=callers["bob"].headers,
        )
        assert response.status_code in (400, 422), raw
        problem_of(response, response.status_code)


def test_the_openapi_document_declares_problems(callers):
    schema = Client().get("/api/v1/openapi.json").json()
    create = schema["paths"]["/api/v1/cases"]["post"]["responses"]
    assert set(create) >= {"201", "400", "401", "403", "404", "409", "422"}
    assert "application/problem+json" in create["422"]["content"]
    # gunicorn refuses a request line past its limit itself (HTML): said where it can happen
    assert "414" in schema["paths"]["/api/v1/cases"]["get"]["responses"]
    action = schema["paths"]["/api/v1/cases/{number}/decide"]["post"]
    assert "428" in action["responses"]
    assert any(p["name"] == "If-Match" and p["required"] for p in action["parameters"])
