"""`Idempotency-Key` on intake: a retry never makes a second case; another body under the same
key is refused; keys belong to the client that sent them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from appealdesk.api.models import IdempotencyRecord
from appealdesk.cases.models import Case
from tests.api.conftest import Caller, bearer, key_of, local_now
from tests.conftest import ump

pytestmark = pytest.mark.django_db


def new_case(name: str = "Robin Roe") -> dict[str, Any]:
    notice = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    return {
        "request": ump(received_at=local_now(0.5), notice_date=notice, channel="phone"),
        "member": {"name": name, "subscriber_id": "W7654321"},
        "backdate_reason": "entered after the call",
    }


def create(caller: Caller, body: dict[str, Any], key: str | None) -> Any:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return caller.call("POST", "/cases", body, **headers)


def test_the_same_key_and_body_give_the_same_case(callers):
    body = new_case()
    first = create(callers["alice"], body, "intake-0001")
    second = create(callers["alice"], body, "intake-0001")
    assert first.status_code == second.status_code == 201
    assert first.json()["number"] == second.json()["number"]
    assert first["Location"] == second["Location"] == f"/api/v1/cases/{first.json()['number']}"
    assert "Idempotent-Replayed" not in first
    assert second["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1 and IdempotencyRecord.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(callers):
    assert create(callers["alice"], new_case(), "intake-0002").status_code == 201
    refused = create(callers["alice"], new_case("Someone Else"), "intake-0002")
    assert refused.status_code == 422
    assert refused["Content-Type"] == "application/problem+json"
    problem = refused.json()
    assert problem["type"].endswith("idempotency_key_reused")
    assert problem["field"] == "Idempotency-Key"
    assert Case.objects.count() == 1


def test_two_keys_make_two_cases(callers):
    body = new_case()
    one = create(callers["alice"], body, "intake-0003")
    two = create(callers["alice"], body, "intake-0004")
    assert one.json()["number"] != two.json()["number"]
    assert Case.objects.count() == 2


def test_without_a_key_every_post_is_a_new_case(callers):
    body = new_case()
    assert create(callers["alice"], body, None).status_code == 201
    assert create(callers["alice"], body, None).status_code == 201
    assert Case.objects.count() == 2 and IdempotencyRecord.objects.count() == 0


def test_keys_belong_to_the_client(callers, staff):
    """The same key text from two API keys (even of one user) is two requests."""
    body = new_case()
    other_key_of_alice = Caller("alice 2", bearer(key_of(staff["alice"])))
    numbers = {
        create(caller, body, "shared-key").json()["number"]
        for caller in (callers["alice"], callers["bob"], other_key_of_alice)
    }
    assert len(numbers) == 3 and Case.objects.count() == 3
    # and each replays its own
    again = create(other_key_of_alice, body, "shared-key")
    assert again["Idempotent-Replayed"] == "true" and again.json()["number"] in numbers
    assert Case.objects.count() == 3


def test_a_key_too_long_is_refused(callers):
    refused = create(callers["alice"], new_case(), "k" * 201)
    assert refused.status_code == 422 and refused.json()["field"] == "Idempotency-Key"
    assert Case.objects.count() == 0


def test_a_refused_request_leaves_the_key_free(callers):
    """A request that fails (no backdate reason) stores nothing under its key: the corrected
    request with the same key makes the case."""
    body = new_case()
    wrong = {**body, "backdate_reason": ""}
    assert create(callers["alice"], wrong, "intake-0005").status_code == 422
    assert IdempotencyRecord.objects.count() == 0
    assert create(callers["alice"], body, "intake-0005").status_code == 201
    assert Case.objects.count() == 1
