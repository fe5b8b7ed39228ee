"""Personas and helpers for the case core (named people, as the model projects do)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

from appealdesk.cases.models import Document, Party, StaffProfile, Team
from appealdesk.cases.services import case_receive
from tests.conftest import genex, ump

NOW = dt.datetime(2026, 3, 2, 18, 30, tzinfo=dt.UTC)  # 10:30 PST, after the requests below


def _user(name: str, *, manager=None, admin=False, clinical=False, teams=()):
    user = get_user_model().objects.create_user(name, f"{name}@example.org", "x-test-pass")
    profile = StaffProfile.objects.create(
        user=user, manager=manager, administrative_reviewer=admin, clinical_reviewer=clinical
    )
    profile.teams.set(teams)
    return user


@pytest.fixture
def team(db):
    return Team.objects.create(name="UMP medical", program="ump", handler="regence")


@pytest.fixture
def other_team(db):
    return Team.objects.create(name="UMP pharmacy", program="ump", handler="wsrxs")


@pytest.fixture
def people(db, team):
    """alice intake; bob analyst; carol and dave reviewers; erin manages frank; grace clinical."""
    erin = _user("erin", admin=True, teams=[team])
    return {
        "alice": _user("alice", teams=[team]),
        "bob": _user("bob", teams=[team]),
        "carol": _user("carol", admin=True, teams=[team]),
        "dave": _user("dave", admin=True, teams=[team]),
        "erin": erin,
        "frank": _user("frank", manager=erin, admin=True, teams=[team]),
        "grace": _user("grace", clinical=True, teams=[team]),
    }


@pytest.fixture
def member(db):
    return Party.objects.create(
        role="member",
        name="Pat Doe",
        subscriber_name="Pat Doe",
        subscriber_id="W1234567",
        patient_name="Pat Doe",
    )


def ump_request(**fields: Any) -> dict[str, Any]:
    return ump(**fields)


def genex_request(**fields: Any) -> dict[str, Any]:
    """A mailed Genex grievance received the day before Thanksgiving 2026."""
    return genex(
        **{"received_at": "2026-11-25T09:00:00-08:00", "occurrence_date": "2026-06-01", **fields}
    )


@pytest.fixture
def receive(db, people, member):
    def make(now: dt.datetime = NOW, **fields: Any):
        backdate = fields.pop("backdate_reason", "")
        request = fields.pop("request", None) or ump_request(**fields)
        return case_receive(
            request=request, actor=people["alice"], member=member, now=now, backdate_reason=backdate
        )

    return make


def written_consent() -> Document:
    """A member's written consent to more time, as a stored document."""
    return Document.objects.create(
        kind="written_consent",
        name="consent.pdf",
        content_type="application/pdf",
        size=4,
        sha256="0" * 64,
        file=ContentFile(b"%PDF", name="consent.pdf"),
    )


@pytest.fixture
def consent(db):
    return written_consent()


@pytest.fixture(autouse=True)
def _fast_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    # personas need passwords, not slow ones
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
