"""Problem details quote at most the first 80 characters of a bad value (issue 15)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ump

pytestmark = pytest.mark.django_db


def problem_of(response) -> tuple[int, Any, str]:
    assert response["Content-Type"] == "application/problem+json", response.content[:300]
    body = response.json()
    return response.status_code, body.get("field"), body["detail"]


def test_a_megabyte_value_is_quoted_by_its_first_80_characters(callers):
    for request_ in (ump(category="c" * 1_000_000), ump(received_at="2" * 1_000_000)):
        response = callers["bob"].call("POST", "/cases", {"request": request_})
        status, _, detail = problem_of(response)
        assert status == 422 and len(detail) < 600 and "(1000000 characters)" in detail
        assert len(response.content) < 5000


def test_a_long_path_value_is_quoted_by_its_first_80_characters(callers):
    response = callers["bob"].call("GET", f"/packs/ump/{'v' * 3000}")
    status, _, detail = problem_of(response)
    assert status == 404 and "(3000 characters)" in detail and len(detail) < 200
