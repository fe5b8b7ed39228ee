"""Issue 15: the e-mails a visitor can make the portal send (registration, password reset, the
confirmation link again) are limited per address and per source; past a limit nothing is sent
and the page answers as before, so the limit tells nobody whether an address has an account."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client

from appealdesk.accounts.models import MailQuota, PortalAccount
from tests.portal.conftest import PASSWORD, make_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.PORTAL_MAIL_PER_ADDRESS = 2
    settings.PORTAL_MAIL_PER_SOURCE = 4
    settings.PORTAL_MAIL_WINDOW_MINUTES = 60


def visitor(address: str = "203.0.113.5") -> Client:
    return Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR=address)


def register(c: Client, email: str, capture) -> str:
    form = {
        "kind": "member",
        "name": "Someone",
        "email": email,
        "password": "a long enough passphrase",
        "password2": "a long enough passphrase",
    }
    with capture(execute=True):
        page = c.post("/portal/register/", form)
    assert page.status_code == 200
    return page.content.decode()


def reset(c: Client, email: str):
    return c.post("/portal/password/reset/", {"email": email})


def test_registration_mail_is_limited_per_address(django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    make_account("taken@example.org")
    answers = [register(visitor(f"203.0.113.{i}"), "taken@example.org", capture) for i in range(4)]
    assert len(mail.outbox) == 2  # two warnings to the owner, then nothing
    assert all("Check your e-mail" in a for a in answers)
    # a new address: the same limit, the same answers; the account and one warning, then nothing
    for i in range(3):
        assert "Check your e-mail" in register(visitor(f"198.51.100.{i}"), "new@x.org", capture)
    assert len(mail.outbox) == 4
    assert PortalAccount.objects.filter(user__username="new@x.org").count() == 1


def test_registration_mail_is_limited_per_source(django_capture_on_commit_callbacks):
    c = visitor()
    for i in range(6):
        register(c, f"person{i}@example.org", django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 4
    assert PortalAccount.objects.count() == 4
    # another source is not held up
    register(visitor("198.51.100.1"), "other@example.org", django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 5


def test_password_reset_is_limited_and_answers_the_same(maria):
    email = maria.user.email
    answers = [reset(visitor(f"203.0.113.{i}"), email) for i in range(3)]
    assert [a.status_code for a in answers] == [302, 302, 302]
    assert {a["Location"] for a in answers} == {"/portal/password/reset/sent/"}
    assert len(mail.outbox) == 2
    # an address without an account counts the same (the limit reveals nothing)
    for i in range(3):
        reset(visitor(f"198.51.100.{i}"), "nobody@example.org")
    counted = MailQuota.objects.filter(key__startswith="address:")
    assert sorted(counted.values_list("count", flat=True)) == [3, 3]


def test_the_link_again_is_limited(settings):
    account = make_account("late@example.org", verified=False)
    c = visitor()
    c.post("/portal/login/", {"username": account.user.email, "password": PASSWORD})
    for _ in range(3):
        page = c.post("/portal/check-email/", follow=True)
        assert "We sent the link again." in page.content.decode()
    assert len(mail.outbox) == 2


def test_a_new_window_starts_afresh(maria):
    for i in range(3):
        reset(visitor(f"203.0.113.{i}"), maria.user.email)
    assert len(mail.outbox) == 2
    MailQuota.objects.update(window_start=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    reset(visitor(), maria.user.email)
    assert len(mail.outbox) == 3
    assert MailQuota.objects.count() == 2  # the old windows went


def test_addresses_are_not_kept_in_clear(maria):
    reset(visitor(), maria.user.email)
    assert not MailQuota.objects.filter(key__contains="maria").exists()
