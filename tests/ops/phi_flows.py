"""Flows whose requests carry members' names and identifiers in every place a request can (a
search query, a path, an API body, a refused API body), run by test_logs.py in a pytest of
its own with the JSON log written to a file. Not collected on its own (no `test_` file name).
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.api.conftest import key_of
from tests.api.test_idempotency import new_case

pytestmark = pytest.mark.django_db
NAME, SUBSCRIBER = "Zelda Quintavalle", "ZQ99887766"


def test_desk_searches_and_paths_with_a_name(client, staff, appeal):
    client.force_login(staff["bob"])
    assert client.get("/desk/search/", {"q": NAME}).status_code == 200
    assert client.get("/desk/search/", {"q": SUBSCRIBER}).status_code == 200
    assert client.get("/desk/", {"q": "Pat Doe"}).status_code == 200
    assert client.get(f"/desk/cases/{NAME} {SUBSCRIBER}/").status_code == 404
    assert client.get(f"/portal/cases/{SUBSCRIBER}/").status_code in (302, 403, 404)


def test_api_bodies_with_a_name(staff):
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key_of(staff['alice'])}")
    body = new_case(NAME)
    body["member"]["subscriber_id"] = SUBSCRIBER
    made = api.post(
        "/api/v1/cases", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="phi-1"
    )
    assert made.status_code == 201, made.content
    again = api.post(
        "/api/v1/cases", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="phi-1"
    )
    assert again.json()["number"] == made.json()["number"]
    assert api.get(f"/api/v1/cases/{made.json()['number']}").status_code == 200
    refused = api.post(
        "/api/v1/cases",
        {"member": {"name": NAME, "subscriber_id": SUBSCRIBER}, "request": {"program": NAME}},
        content_type="application/json",
    )
    assert refused.status_code in (400, 422)
    assert api.get("/api/v1/cases", {"q": NAME}).status_code in (200, 400, 422)
