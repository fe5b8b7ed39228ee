"""Issue 15 item 4: registering an address that has an account and one that has none do the
same work (one password hash, one queued e-mail), so the answer's time tells nothing about
which addresses have accounts. Counted, not timed: wall-clock tests are flaky and prove less."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.test import Client

from appealdesk.accounts import tasks
from appealdesk.portal import accounts
from tests.portal.conftest import make_account

pytestmark = pytest.mark.django_db


class CountingHasher(MD5PasswordHasher):
    """MD5 (fast), counting each hash it makes."""

    algorithm = "counting_md5"
    made: ClassVar[list[str]] = []

    def encode(self, password: str, salt: str) -> str:
        CountingHasher.made.append(password)
        return super().encode(password, salt)


FORM = {
    "kind": "member",
    "name": "Maria Lopez",
    "subscriber_id": "W1234567",
    "password": "a long enough passphrase",
    "password2": "a long enough passphrase",
}


def register(address: str, capture: Any, monkeypatch) -> tuple[list[str], int, int]:
    """Post the form; the passwords hashed, the tasks queued and the e-mails sent."""
    CountingHasher.made = []
    queued: list[tuple[Any, ...]] = []

    class CountingTask:
        """The e-mail task (a frozen dataclass, so wrapped rather than patched)."""

        def enqueue(self, *args: Any) -> Any:
            queued.append(args)
            return tasks.send_portal_email.enqueue(*args)

    monkeypatch.setattr(accounts, "send_portal_email", CountingTask())
    sent_before = len(mail.outbox)
    with capture(execute=True):
        page = Client(HTTP_HOST="127.0.0.1").post("/portal/register/", {**FORM, "email": address})
    assert page.status_code == 200 and "Check your e-mail" in page.content.decode()
    return list(CountingHasher.made), len(queued), len(mail.outbox) - sent_before


def test_an_existing_and_a_new_address_cost_the_same(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.PASSWORD_HASHERS = ["tests.portal.test_registration_timing.CountingHasher"]
    make_account("taken@example.org")
    taken = register("taken@example.org", django_capture_on_commit_callbacks, monkeypatch)
    new = register("new@example.org", django_capture_on_commit_callbacks, monkeypatch)
    # one Argon2-class hash of the submitted password on each path
    assert taken[0] == new[0] == [FORM["password"]]
    # one queued task and one e-mail on each path (the warning, the confirmation link)
    assert taken[1] == new[1] == 1
    assert taken[2] == new[2] == 1
