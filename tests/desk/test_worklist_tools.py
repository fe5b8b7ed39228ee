"""The worklist for people who live in it (issue 18 item 6): counts, saved views per person,
"assign to me" for one case or the checked ones, bulk actions for analysts through the same
service checks, and the keyboard script as a static file (the CSP allows no inline script)."""

from __future__ import annotations

import pytest

from appealdesk.cases import services as sv
from appealdesk.cases.models import Case
from appealdesk.desk.models import SavedView
from tests.desk.conftest import local_now

pytestmark = pytest.mark.django_db


def test_counts_of_the_tab(client, staff, receive):
    receive()
    receive(received_at=local_now(hours_ago=4 * 24))  # its 72-hour acknowledgement passed
    receive(filed_by="provider", expedited=True)
    client.force_login(staff["bob"])
    response = client.get("/desk/?tab=team")
    assert response.context["counts"] == {"total": 3, "expedited": 1, "overdue": 1, "at_risk": 0}
    assert "<strong>3</strong> open" in response.content.decode()
    assert client.get("/desk/?tab=mine").context["counts"]["total"] == 0


def test_saved_views_are_kept_per_person(client, staff):
    client.force_login(staff["bob"])
    response = client.post("/desk/views/", {"name": "overdue ones", "query": "tab=team&overdue=1"})
    assert response.status_code == 302 and response["Location"] == "/desk/?tab=team&overdue=1"
    page = client.get("/desk/?tab=team&overdue=1").content.decode()
    assert 'href="?tab=team&amp;overdue=1" aria-current="true">overdue ones<' in page
    view = SavedView.objects.get(owner=staff["bob"])
    assert client.post("/desk/views/", {"name": " ", "query": "tab=mine"}).status_code == 302
    assert SavedView.objects.count() == 1  # a view needs a name
    client.force_login(staff["sam"])
    assert "overdue ones" not in client.get("/desk/").content.decode()
    client.post(f"/desk/views/{view.pk}/delete/")
    assert SavedView.objects.filter(pk=view.pk).exists()  # not his to remove
    client.force_login(staff["bob"])
    client.post(f"/desk/views/{view.pk}/delete/")
    assert not SavedView.objects.exists()


def test_assign_to_me_one_case_or_the_checked_ones(client, staff, receive):
    cases = [receive() for _ in range(3)]
    client.force_login(staff["bob"])  # an analyst: bulk actions are his too
    page = client.get("/desk/?tab=team").content.decode()
    assert f'name="mine" value="{cases[0].number}"' in page
    client.post(
        "/desk/reassign/",
        {"mine": cases[0].number, f"version-{cases[0].number}": cases[0].version},
    )
    assert Case.objects.get(pk=cases[0].pk).owner == staff["bob"]
    client.post(
        "/desk/reassign/",
        {
            "to_me": "1",
            "cases": [c.number for c in cases[1:]],
            **{f"version-{c.number}": c.version for c in cases},
        },
    )
    assert [Case.objects.get(pk=c.pk).owner for c in cases] == [staff["bob"]] * 3
    page = client.get("/desk/?tab=team").content.decode()
    assert 'name="mine"' not in page  # all his already


def test_bulk_goes_through_the_service_checks(client, staff, receive):
    case = receive()
    shown = case.version
    sv.case_assign(case, actor=staff["sam"], owner=staff["alice"])
    client.force_login(staff["bob"])
    # a stale version (someone changed the case since the page was shown) is refused
    response = client.post(
        "/desk/reassign/",
        {"to_me": "1", "cases": [case.number], f"version-{case.number}": shown},
        follow=True,
    )
    assert Case.objects.get(pk=case.pk).owner == staff["alice"]
    assert f"{case.number}: " in response.content.decode()
    client.force_login(staff["olga"])  # the pharmacy team's analyst does not see the case
    client.post("/desk/reassign/", {"mine": case.number})
    assert Case.objects.get(pk=case.pk).owner == staff["alice"]


def test_keyboard_help_and_script_are_static(client, staff, receive):
    receive()
    client.force_login(staff["bob"])
    page = client.get("/desk/").content.decode()
    assert '<script src="/static/desk/desk.js" defer></script>' in page
    assert "<script>" not in page and 'id="shortcuts"' in page
    for key in ("/", "j", "k", "o", "?"):
        assert f"<kbd>{key}</kbd>" in page
