"""A member's date of birth through the API: taken with a new member (a real date from 1900 to
today, written YYYY-MM-DD), and shown only to staff callers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from appealdesk.cases.models import Party
from tests.api.conftest import Caller, bearer, key_of
from tests.conftest import ump

pytestmark = pytest.mark.django_db


def new_case(caller, birth_date):
    body = {
        "request": ump(),
        "backdate_reason": "late",
        "member": {"name": "Lee Roe", "birth_date": birth_date},
    }
    return caller.call("POST", "/cases", body)


def test_a_new_members_date_of_birth_is_kept_and_shown_to_staff(callers, staff):
    created = new_case(callers["alice"], "1960-01-02")
    assert created.status_code == 201, created.content
    assert created.json()["member"]["birth_date"] == "1960-01-02"
    assert Party.objects.get(name="Lee Roe").birth_date.isoformat() == "1960-01-02"
    number = created.json()["number"]
    assert callers["bob"].call("GET", f"/cases/{number}").json()["member"]["birth_date"] == (
        "1960-01-02"
    )
    # the same key once its user is no longer staff: the case, without the date of birth
    former = Caller("former", bearer(key_of(staff["bob"])))
    staff["bob"].is_staff = False
    staff["bob"].save(update_fields=["is_staff"])
    answer = former.call("GET", f"/cases/{number}")
    assert answer.status_code == 200 and answer.json()["member"]["birth_date"] is None
    listed = former.call("GET", "/cases").json()["items"]
    assert [c["member"]["birth_date"] for c in listed if c["number"] == number] == [None]


@pytest.mark.parametrize(
    "birth_date", [0, 19600102, "1960-13-01", "1899-12-31", "tomorrow", "2199-01-01"]
)
def test_a_date_of_birth_that_cannot_be_is_422(callers, birth_date):
    if birth_date == "tomorrow":
        birth_date = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = new_case(callers["alice"], birth_date)
    assert response.status_code == 422, response.content
    assert response.json()["field"] == "member.birth_date"
    assert not Party.objects.filter(name="Lee Roe").exists()
