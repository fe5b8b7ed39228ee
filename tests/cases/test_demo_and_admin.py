"""The demo data loads through the services on both databases, and the admin shows it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from appealdesk.cases.errors import DomainError
from appealdesk.cases.models import Case, Event, Party
from appealdesk.demo.data import load_demo

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 18, tzinfo=dt.UTC)


@pytest.fixture
def demo(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path
    settings.MFA = "optional"  # the demo's mode (./dev up); the second factor has its own tests
    return load_demo(cases=60, seed=4, now=NOW, say=lambda _: None)


def test_demo_builds_cases_in_many_states_with_history(demo):
    assert demo["cases"] >= 55
    assert len(demo["states"]) >= 5
    assert Case.objects.count() >= demo["cases"]  # escalations add linked cases
    for case in Case.objects.all():
        assert Event.objects.filter(case=case, action="case.received").count() == 1
    assert Case.objects.exclude(prior=None).exists()  # escalated to a next level
    # an oral Genex grievance is resolved informally, never walked to a decision
    informal = Case.objects.filter(disposition="informal")
    assert not informal.filter(outcome__in=["upheld", "overturned", "partially_overturned"])
    assert not informal.filter(state__in=["decided", "notified"])
    with pytest.raises(DomainError, match="already loaded"):
        load_demo(cases=1, now=NOW, say=lambda _: None)


def test_the_demo_has_portal_accounts(demo, client):
    from appealdesk.accounts.models import PortalAccount

    accounts = {a.user.username: a for a in PortalAccount.objects.select_related("user")}
    assert set(accounts) == {"maria@example.org", "ruth@example.org", "ng@clinic.example"}
    assert all(a.verified and not a.user.is_staff for a in accounts.values())
    client.force_login(accounts["maria@example.org"].user)
    assert client.get("/portal/", HTTP_HOST="127.0.0.1").status_code == 200


def test_admin_lists_and_shows_cases_read_only(demo, client):
    client.force_login(get_user_model().objects.get(username="sam"))
    listing = client.get("/admin/cases/case/")
    assert listing.status_code == 200
    case = Case.objects.order_by("id").first()
    page = client.get(f"/admin/cases/case/{case.pk}/change/")
    assert page.status_code == 200
    assert case.number in page.content.decode()
    assert client.get("/admin/cases/event/").status_code == 200
    assert client.get("/admin/cases/event/add/").status_code == 403
    event = Event.objects.first()
    assert client.post(f"/admin/cases/event/{event.pk}/delete/").status_code == 403


def test_demo_members_have_dates_of_birth_shown_and_edited_in_the_admin(demo, client):
    members = Party.objects.filter(role="member")
    assert members.count() > 10 and not members.filter(birth_date=None).exists()
    assert members.values("birth_date").distinct().count() > 10
    client.force_login(get_user_model().objects.get(username="sam"))
    member = members.order_by("id").first()
    page = client.get(f"/admin/cases/party/{member.pk}/change/").content.decode()
    assert 'name="birth_date"' in page and member.birth_date.isoformat() in page
    assert "Birth date" in client.get("/admin/cases/party/").content.decode()


def test_the_desk_shows_the_demo_to_each_role(demo, client):
    users = get_user_model().objects
    client.force_login(users.get(username="sam"))
    worklist = client.get("/desk/").content.decode()
    assert worklist.count('href="/desk/cases/') >= 15
    assert client.get("/desk/dashboard/").status_code == 200
    case = Case.objects.filter(is_open=True).order_by("id").first()
    assert client.get(f"/desk/cases/{case.number}/").status_code == 200
    client.force_login(users.get(username="alice"))
    assert client.get("/desk/intake/").status_code == 200
