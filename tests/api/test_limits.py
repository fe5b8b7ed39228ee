"""Input at the edges on the API (issue 15): dates at the ends of the calendar, JSON nested
hundreds of levels deep answer 422 naming the field, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appealdesk.policy.contract import EARLIEST, LATEST
from tests.api.conftest import etag_of
from tests.conftest import ump
from tests.policy.test_limits import extreme_dates, extreme_instants, nested

pytestmark = pytest.mark.django_db
RANGE = f"{EARLIEST.isoformat()} to {LATEST.isoformat()}"


def problem_of(response) -> tuple[int, Any, str]:
    assert response["Content-Type"] == "application/problem+json", response.content[:300]
    body = response.json()
    return response.status_code, body.get("field"), body["detail"]


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (ump(received_at="0001-01-01T00:00+14:00"), "request.received_at"),
        (ump(received_at="9999-12-31T23:59-12:00"), "request.received_at"),
        (ump(notice_date="9999-12-31"), "request.notice_date"),
        (ump(notice_date="0001-01-01"), "request.notice_date"),
        (ump(events={"decided_at": "9999-12-31T23:59Z"}), "request.events"),
    ],
)
@pytest.mark.parametrize("path", ["/cases", "/assess"])
def test_the_ends_of_the_calendar_are_422(callers, request_, field, path):
    body = {"request": request_, "backdate_reason": "late"} if path == "/cases" else request_
    status, found, detail = problem_of(callers["bob"].call("POST", path, body))
    assert status == 422 and RANGE in detail
    assert found == (field if path == "/cases" else field.removeprefix("request."))


@pytest.mark.parametrize(
    "body",
    [
        {"override": {"category": nested(900)}, "override_reason": "x"},
        {"override": {"anything": nested(900)}, "override_reason": "x"},
        {"override": nested(300), "override_reason": "x"},
        {"request": ump(extra=nested(300))},
    ],
    ids=["override-category", "override-other", "override-itself", "request-extra"],
)
def test_json_nested_hundreds_deep_is_4xx(callers, body):
    body = {"request": ump(), "backdate_reason": "late", **body}
    status, field, detail = problem_of(callers["bob"].call("POST", "/cases", body))
    if status == 400:
        # deeper than the JSON parser goes on this thread's stack: the body is not read at all
        assert detail == "Cannot parse request body"
    else:
        assert status == 422 and field in ("override", "request") and "levels deep" in detail


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("decide", {"outcome": "upheld", "decided_at": "9999-12-31T23:59:59-12:00"}, "decided_at"),
        ("decide", {"outcome": "upheld", "decided_at": "0001-01-01T00:00+14:00"}, "decided_at"),
        ("decide", {"outcome": "upheld", "letter_date": "9999-12-31"}, "letter_date"),
        (
            "extend",
            {"clock": "decision", "new_due_at": "9999-12-31T23:59:59-12:00", "reason": "x"},
            "new_due_at",
        ),
        (
            "receive-information",
            {"items": ["eob"], "received_at": "0001-01-01T00:00+14:00"},
            "received_at",
        ),
        (
            "record-notice",
            {"notice": "acknowledgement", "medium": "written", "at": "9999-12-31T23:59:59-12:00"},
            "at",
        ),
        ("milestone", {"milestone": "x", "at": "0001-01-01T00:00+14:00"}, "at"),
        (
            "escalate",
            {"received_at": "9999-12-31T23:59:59-12:00", "channel": "mail"},
            "received_at",
        ),
        ("reclassify", {"changes": nested(300), "reason": "x"}, "changes"),
        ("reclassify", {"changes": {"notice_date": "9999-12-31"}, "reason": "x"}, "notice_date"),
    ],
)
def test_case_actions_refuse_the_ends_of_the_calendar(callers, appeal, path, body, field):
    response = callers["bob"].call(
        "POST", f"/cases/{appeal.number}/{path}", body, **{"If-Match": etag_of(appeal)}
    )
    status, found, _ = problem_of(response)
    assert status == 422 and found == field


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    received_at=extreme_instants,
    notice_date=extreme_dates,
    decided_at=extreme_instants,
    override=st.integers(0, 1000).map(nested),
)
def test_the_api_answers_4xx_never_5xx(callers, received_at, notice_date, decided_at, override):
    body = {
        "request": ump(
            received_at=received_at, notice_date=notice_date, events={"decided_at": decided_at}
        ),
        "backdate_reason": "late",
        "override": {"service": override},
        "override_reason": "x",
    }
    for path, sent in (("/assess", body["request"]), ("/cases", body)):
        response = callers["bob"].call("POST", path, sent)
        assert response.status_code < 500, response.content[:300]
        if response.status_code >= 400:
            assert response["Content-Type"] == "application/problem+json"
            json.loads(response.content)
