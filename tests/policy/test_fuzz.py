"""Any combination of valid field values: a schema-valid answer or a clear AssessError."""

from __future__ import annotations

from hypothesis import given, settings

from appealdesk.policy import AssessError, assess
from appealdesk.policy.contract import AssessResult
from tests.policy.strategies import requests


@settings(max_examples=400, deadline=None)
@given(request=requests())
def test_assess_answers_or_names_the_field(request):
    try:
        result = assess(request)
    except AssessError as exc:
        assert exc.field and exc.message
        return
    AssessResult.model_validate(result)
    assert (result["rejection"] is None) == (result["disposition"] != "reject")
    if result["disposition"] != "accept":
        assert result["deadlines"] == [] and result["next_level"] is None
    for deadline in result["deadlines"]:
        assert ("due_at" in deadline) == (deadline["state"] == "running")
