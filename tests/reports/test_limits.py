"""Report filters at the ends of the calendar (issue 15): a 422 naming the field, never the
OverflowError of the day after 9999-12-31."""

from __future__ import annotations

import pytest
from django.test import Client

from appealdesk.api.models import ApiKey
from appealdesk.policy.contract import RANGE

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("to=9999-12-31", "to"),
        ("from=0001-01-01", "from"),
        ("to=9999-12-31&basis=due", "to"),
        ("month_received=9999-12", "month_received"),
    ],
)
def test_report_dates_at_the_ends_of_the_calendar_are_422(people, query, field):
    _, key = ApiKey.issue(name="reports", user=people["sam"], scopes=["cases:read"])
    path = "cases" if query.startswith("month") else "timeliness"
    response = Client().get(
        f"/api/v1/reports/{path}?program=ump&{query}", headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 422, response.content[:300]
    assert response.json()["field"] == field and RANGE in response.json()["detail"]
