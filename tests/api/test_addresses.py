"""Invalid e-mail addresses are refused where they enter the API (issue 15): the letter task
later failed on them and the letter stayed "sending" (tests/correspondence/test_addresses.py)."""

from __future__ import annotations

import pytest

from appealdesk.cases.models import Party
from tests.conftest import ump

pytestmark = pytest.mark.django_db

INVALID = ["a@b@c", "x@", "pat doe@", "a@b..c", "a@b\nBcc: x@y.org", "pat@example.org\r"]


@pytest.mark.parametrize("email", INVALID)
@pytest.mark.parametrize("role", ["member", "representative", "provider"])
def test_the_api_refuses_an_invalid_address(callers, email, role):
    body = {
        "request": ump(),
        "backdate_reason": "late",
        role: {"name": "Lee Roe", "email": email, "email_consent": True},
    }
    response = callers["alice"].call("POST", "/cases", body)
    assert response.status_code == 422, response.content
    assert response.json()["field"] == f"{role}.email"
    assert not Party.objects.filter(name="Lee Roe").exists()


def test_a_valid_address_is_kept(callers):
    body = {
        "request": ump(),
        "backdate_reason": "late",
        "member": {"name": "Lee Roe", "email": "lee.roe@example.org", "email_consent": True},
    }
    assert callers["alice"].call("POST", "/cases", body).status_code == 201
    assert Party.objects.get(name="Lee Roe").email == "lee.roe@example.org"
