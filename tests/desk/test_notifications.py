"""The sweep on the desk (SPEC 5.5): the owner and the supervisor see a count in the header and
their notifications at /desk/notifications/ (read on sight); the dashboard shows the last run."""

from __future__ import annotations

import datetime as dt

import pytest

from appealdesk.cases import services as sv
from appealdesk.cases.models import Case, Clock

pytestmark = pytest.mark.django_db


def test_owner_and_supervisor_see_their_notifications_once(client, staff, appeal, medical):
    medical.supervisor = staff["sam"]
    medical.save(update_fields=["supervisor"])
    Case.objects.filter(pk=appeal.pk).update(owner=staff["bob"], team=medical)
    acknowledge = Clock.objects.get(case=appeal, clock_id="acknowledge")
    sv.clocks_sweep(now=acknowledge.due_at + dt.timedelta(minutes=1), worker="test")

    for who in ("bob", "sam"):
        client.force_login(staff[who])
        page = client.get("/desk/worklist/").content.decode()
        assert 'aria-label="1 unread"' in page
        page = client.get("/desk/notifications/").content.decode()
        assert appeal.number in page and "Confirm receipt of the appeal: missed" in page
        assert 'aria-label="1 unread"' not in client.get("/desk/worklist/").content.decode()
    client.force_login(staff["alice"])  # neither owner nor supervisor
    assert appeal.number not in client.get("/desk/notifications/").content.decode()


def test_the_dashboard_shows_the_last_sweep(client, staff, appeal):
    client.force_login(staff["sam"])
    assert "The sweep has not run yet" in client.get("/desk/dashboard/").content.decode()
    run = sv.clocks_sweep(worker="worker-7")
    page = client.get("/desk/dashboard/").content.decode()
    assert "worker-7" in page and f"{run.counts['missed']} clocks marked missed" in page
