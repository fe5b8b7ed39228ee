"""The FHIR edge's callers are the REST API's (tests/api/conftest.py): the desk's personas, each
with an API key, and keys that must not work. Every FHIR answer a test reads goes through
`valid`, which validates it with `fhir.resources` (R4B) and round-trips it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from fhir.resources.R4B import get_fhir_model_class

from tests.api.conftest import (  # noqa: F401  (fixtures, shared with the API's tests)
    Caller,
    _desk_settings,
    appeal,
    callers,
    drug_appeal,
    local_now,
    medical,
    member,
    pharmacy,
    receive,
    staff,
)

BUNDLES = Path(__file__).parent / "bundles"
BASE = "/fhir/r4"
FHIR_JSON = "application/fhir+json"


def bundle(name: str) -> dict[str, Any]:
    return copy.deepcopy(json.loads((BUNDLES / f"{name}.json").read_text()))


def valid(body: dict[str, Any]) -> Any:
    """The resource as fhir.resources reads it; what it writes back reads the same again."""
    model = get_fhir_model_class(body["resourceType"])
    first = model.model_validate(body)
    again = model.model_validate(json.loads(first.model_dump_json()))
    assert again.model_dump_json() == first.model_dump_json()
    return first


def call(
    caller: Caller | None,
    method: str,
    path: str,
    body: Any = None,
    *,
    query: dict[str, str] | list[tuple[str, str]] | None = None,
    content_type: str = FHIR_JSON,
) -> Any:
    """A request to /fhir/r4/…; the answer is FHIR JSON and, being a resource, valid."""
    client = (caller.client if caller else None) or Client(enforce_csrf_checks=True)
    headers = dict(caller.headers) if caller else {}
    url = f"{BASE}{path}" + (f"?{urlencode(query)}" if query else "")
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs.update(data=body if isinstance(body, (str, bytes)) else json.dumps(body))
        kwargs["content_type"] = content_type
    response = getattr(client, method.lower())(url, **kwargs)
    assert response["Content-Type"].startswith(FHIR_JSON), response.content[:300]
    response.resource = valid(response.json())
    return response


def parameter(parameters: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [p for p in parameters["parameter"] if p["name"] == name]


def part(param: dict[str, Any], name: str) -> Any:
    found = next(p for p in param["part"] if p["name"] == name)
    return next(v for k, v in found.items() if k.startswith("value"))


@pytest.fixture
def bob(callers) -> Caller:  # noqa: F811 (the API tests' fixture)
    return callers["bob"]
