"""Dates at the ends of the calendar on the desk (issue 15): intake, its live panel and the
case actions answer with a form error naming the range, never a 500."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from appealdesk.policy.contract import RANGE
from tests.desk.test_actions import act
from tests.desk.test_intake import form
from tests.policy.test_limits import extreme_dates

pytestmark = pytest.mark.django_db

EXTREMES = [
    {"received_at": "0001-01-01T00:00"},
    {"received_at": "9999-12-31T23:59"},
    {"notice_date": "9999-12-31"},
    {"notice_date": "0001-01-01"},
]


@pytest.mark.parametrize("fields", EXTREMES)
def test_intake_refuses_the_ends_of_the_calendar(client, staff, fields):
    client.force_login(staff["alice"])
    page = client.post("/desk/intake/?program=ump", form(backdate_reason="late", **fields))
    assert page.status_code == 422 and RANGE in page.content.decode()
    panel = client.post("/desk/intake/assess/?program=ump", form(**fields))
    assert panel.status_code == 200 and "valid receipt time and dates" in panel.content.decode()


@pytest.mark.parametrize(
    ("action", "fields"),
    [
        ("decide", {"outcome": "upheld", "decided_at": "9999-12-31T23:59"}),
        ("decide", {"outcome": "upheld", "decided_at": "0001-01-01T00:00"}),
        ("decide", {"outcome": "upheld", "letter_date": "9999-12-31"}),
        (
            "record_notice",
            {"notice": "acknowledgement", "medium": "written", "at": "9999-12-31T23:59"},
        ),
    ],
)
def test_case_actions_refuse_the_ends_of_the_calendar(client, staff, appeal, action, fields):
    client.force_login(staff["sam"])
    response = act(client, appeal, action, **fields)
    assert response.status_code in (200, 422) and RANGE in response.content.decode()


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(notice_date=extreme_dates)
def test_intake_answers_never_5xx(client, staff, notice_date):
    client.force_login(staff["alice"])
    for url in ("/desk/intake/?program=ump", "/desk/intake/assess/?program=ump"):
        response = client.post(url, form(backdate_reason="late", notice_date=notice_date))
        assert response.status_code < 500


def test_intake_refuses_an_invalid_e_mail_address(client, staff):
    from appealdesk.cases.models import Party

    client.force_login(staff["alice"])
    page = client.post(
        "/desk/intake/?program=ump",
        form(member_email="a@b@c", member_email_consent="on", backdate_reason="late"),
    )
    assert page.status_code == 422 and "Enter a valid email address" in page.content.decode()
    assert not Party.objects.filter(name="Lee Park").exists()
