"""Personas for the desk: alice intake and bob analyst on the UMP medical team, carol an
administrative reviewer on no team, sam the UMP supervisor, olga an analyst of the pharmacy
team, root an administrator."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from appealdesk.cases.models import Party, StaffProfile, Team
from appealdesk.cases.services import case_receive
from tests.conftest import ump


@pytest.fixture(autouse=True)
def _desk_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MFA = "optional"  # tests of the second factor set it back to required


def make_user(name: str, *groups: str, teams=(), manager=None, admin=False, clinical=False, **kw):
    user = get_user_model().objects.create_user(
        name, f"{name}@example.org", "right-password", is_staff=True, **kw
    )
    user.groups.set([Group.objects.get_or_create(name=g)[0] for g in groups])
    profile = StaffProfile.objects.create(
        user=user, manager=manager, administrative_reviewer=admin, clinical_reviewer=clinical
    )
    profile.teams.set(teams)
    return user


@pytest.fixture
def medical(db):
    return Team.objects.create(name="UMP medical", program="ump", handler="regence")


@pytest.fixture
def pharmacy(db):
    return Team.objects.create(name="UMP pharmacy", program="ump", handler="wsrxs")


@pytest.fixture
def staff(db, medical, pharmacy) -> dict[str, Any]:
    sam = make_user("sam", "supervisor", teams=[medical])
    return {
        "alice": make_user("alice", "intake", teams=[medical], manager=sam),
        "bob": make_user("bob", "analyst", teams=[medical], manager=sam),
        "carol": make_user("carol", "administrative_reviewer", manager=sam, admin=True),
        "dave": make_user("dave", "administrative_reviewer", manager=sam, admin=True),
        "sam": sam,
        "olga": make_user("olga", "analyst", teams=[pharmacy]),
        "root": make_user("root", is_superuser=True),
    }


@pytest.fixture
def member(db):
    return Party.objects.create(
        role="member", name="Pat Doe", subscriber_name="Pat Doe", subscriber_id="W1234567"
    )


def local_now(hours_ago: float = 1) -> str:
    moment = timezone.now() - dt.timedelta(hours=hours_ago)
    return moment.astimezone(dt.timezone(dt.timedelta(hours=-8))).isoformat(timespec="seconds")


@pytest.fixture
def receive(staff, member):
    """A request taken in by alice an hour ago (so desk actions, which run at the real now,
    follow it)."""

    def make(**fields: Any):
        notice = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
        request = ump(**{"received_at": local_now(), "notice_date": notice, **fields})
        return case_receive(
            request=request,
            actor=staff["alice"],
            member=member,
            backdate_reason="entered after the call",
        )

    return make


@pytest.fixture
def appeal(receive):
    return receive()


@pytest.fixture
def drug_appeal(receive):
    return receive(service="prescription", category="coverage_denial")
