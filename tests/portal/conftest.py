"""Portal personas: Maria a member (UMP subscriber W1234567), Ruth a representative, Dr. Ng a
provider, and Ivan another member; plus the desk's staff (tests.desk.conftest) for staff-side
checks. `signed_in(account)` is a test client signed in as that account."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from appealdesk.accounts.models import PortalAccount
from appealdesk.cases.models import Authorization, Party
from tests.desk.conftest import (  # noqa: F401  (fixtures re-exported for portal tests)
    make_user,
    medical,
    pharmacy,
    staff,
)

PASSWORD = "portal-right-password"


@pytest.fixture(autouse=True)
def _portal_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MFA = "optional"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def make_account(
    email: str,
    kind: str = PortalAccount.MEMBER,
    *,
    name: str = "",
    verified: bool = True,
    **party: Any,
) -> PortalAccount:
    user = get_user_model().objects.create_user(email, email, PASSWORD)
    party.setdefault("name", name or email.split("@")[0].title())
    if kind == PortalAccount.MEMBER:
        party.setdefault("subscriber_name", party["name"])
    made = Party.objects.create(role=kind, email=email, **party)
    return PortalAccount.objects.create(
        user=user,
        kind=kind,
        party=made,
        email_verified_at=timezone.now() if verified else None,
        npi="1234567893" if kind == PortalAccount.PROVIDER else "",
    )


@pytest.fixture
def maria(db) -> PortalAccount:
    """A member whose account staff linked to her record (so filings for her by a provider or
    a representative find it)."""
    account = make_account(
        "maria@example.org",
        name="Maria Lopez",
        subscriber_id="W1234567",
        phone="206-555-0100",
        address="1 Main St\nOlympia, WA 98501",
    )
    account.linked_at = timezone.now()
    account.save(update_fields=["linked_at"])
    return account


@pytest.fixture
def ivan(db) -> PortalAccount:
    return make_account("ivan@example.org", name="Ivan Petrov", subscriber_id="W7654321")


@pytest.fixture
def ruth(db) -> PortalAccount:
    return make_account("ruth@example.org", PortalAccount.REPRESENTATIVE, name="Ruth Adams")


@pytest.fixture
def dr_ng(db) -> PortalAccount:
    return make_account("ng@clinic.example", PortalAccount.PROVIDER, name="Dr. Lee Ng")


def authorize(rep: PortalAccount, member: Party, *, verified: bool = True) -> Authorization:
    return Authorization.objects.create(
        member=member,
        representative=rep.party,
        requested_at=timezone.now(),
        verified_at=timezone.now() if verified else None,
    )


@pytest.fixture
def signed_in():
    def make(account: PortalAccount) -> Client:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(account.user)
        return client

    return make
