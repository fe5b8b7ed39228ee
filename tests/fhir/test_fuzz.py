"""The two endpoints never answer 5xx (issue 21): hypothesis makes JSON bodies for
`$appeal-intake` (arbitrary JSON, and the PAS example with one element replaced by arbitrary
JSON) and query strings for the Task search. Every answer is FHIR JSON and a valid resource."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fhir.conftest import bundle, call

pytestmark = pytest.mark.django_db
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def _paths(node: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [at] if at else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*at, key))
    elif isinstance(node, list):
        for n, value in enumerate(node):
            found += _paths(value, (*at, n))
    return found


EXAMPLE = bundle("pas-referral-denied")
PATHS = _paths(EXAMPLE)


def _replaced(path: tuple[Any, ...], new: Any) -> dict[str, Any]:
    found = bundle("pas-referral-denied")
    where: Any = found
    for key in path[:-1]:
        where = where[key]
    where[path[-1]] = new
    return found


def _no_5xx(response: Any) -> None:
    assert response.status_code < 500, response.content[:300]


@FUZZ
@given(body=json_values)
def test_intake_takes_any_json_without_a_5xx(callers, member, body):
    _no_5xx(call(callers["bob"], "POST", "/$appeal-intake", body, query={"program": "ump"}))


@FUZZ
@given(path=st.sampled_from(PATHS), new=json_values)
def test_intake_takes_a_damaged_example_without_a_5xx(callers, member, path, new):
    response = call(
        callers["bob"], "POST", "/$appeal-intake", _replaced(path, new), query={"program": "ump"}
    )
    _no_5xx(response)


names = st.sampled_from(
    [
        "status",
        "business-status",
        "code",
        "identifier",
        "patient.identifier",
        "_lastUpdated",
        "_count",
        "_cursor",
        "_format",
        "owner",
    ]
) | st.text(max_size=10)


@FUZZ
@given(pairs=st.lists(st.tuples(names, st.text(max_size=30)), max_size=4))
def test_task_search_takes_any_query_without_a_5xx(callers, appeal, pairs):
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
    _no_5xx(call(callers["bob"], "GET", f"/Task?{query}" if query else "/Task"))
