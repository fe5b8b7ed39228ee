"""Passwords (issue 15, ASVS V2.1.1 and V2.1.7): at least 12 characters for staff and portal
accounts, and not one of the passwords seen in breaches that Django ships and keeps up to date
(CommonPasswordValidator's list of about 20,000; checked offline, nothing is sent anywhere)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from appealdesk.demo.data import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("password", ["Xk4#pw-2vq9", "eleven-char"])
def test_eleven_characters_are_too_few(password):
    assert len(password) == 11
    with pytest.raises(ValidationError, match="at least 12 characters"):
        validate_password(password)


@pytest.mark.parametrize("password", ["qwerty123456", "1q2w3e4r5t6y", "123qweasdzxc"])
def test_a_breached_password_of_twelve_characters_is_refused(password):
    with pytest.raises(ValidationError, match="too common"):
        validate_password(password)


def test_twelve_uncommon_characters_and_the_demo_password_are_taken():
    validate_password("Xk4#pw-2vq9!")
    assert len(DEMO_PASSWORD) == 15
    validate_password(DEMO_PASSWORD)


def test_a_staff_password_change_is_checked(staff):
    from django.contrib.auth.forms import SetPasswordForm

    form = SetPasswordForm(
        staff["bob"], {"new_password1": "short-pass1", "new_password2": "short-pass1"}
    )
    assert not form.is_valid()
    assert "at least 12 characters" in str(form.errors)


def test_portal_registration_asks_for_twelve():
    from tests.portal.test_accounts import NEW

    client = Client(HTTP_HOST="127.0.0.1")
    assert "At least 12 characters" in client.get("/portal/register/").content.decode()
    short = "Tq8#mz-4wl1"
    response = client.post("/portal/register/", {**NEW, "password": short, "password2": short})
    assert "at least 12 characters" in response.content.decode()
    assert not get_user_model().objects.filter(username="maria.lopez@example.org").exists()


def test_init_refuses_a_short_administrator_password(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(APPEALDESK_DATA_DIR=str(tmp_path / "data"), APPEALDESK_ADMIN_PASSWORD="short-pass1")
    done = subprocess.run(
        [sys.executable, "-m", "appealdesk.cli", "init"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "error: APPEALDESK_ADMIN_PASSWORD: This password is too short. It must contain at "
        "least 12 characters."
    ]
