"""Sign-in: argon2 hashes, lockout after failed passwords, TOTP enrolment with recovery codes,
the second factor at every sign-in where required, idle sessions ended."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.hashers import make_password
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db


def sign_in(client, name="bob", password="right-password"):
    return client.post("/desk/login/", {"username": name, "password": password})


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_passwords_are_hashed_with_argon2(settings):
    from appealdesk import settings as project

    # the tests use a fast hasher; the product's list is the one in its settings module
    settings.PASSWORD_HASHERS = project.PASSWORD_HASHERS
    assert make_password("x").startswith("argon2$")


def test_five_wrong_passwords_lock_the_account(client, staff):
    for _ in range(4):
        assert sign_in(client, password="wrong").status_code == 200
    assert sign_in(client, password="wrong").status_code == 429  # the fifth locks
    locked = sign_in(client)  # even the right password now
    assert locked.status_code == 429
    assert "Account locked" in locked.content.decode()
    assert client.get("/desk/").status_code == 302  # not signed in


def test_a_good_sign_in_resets_the_count(client, staff):
    for _ in range(4):
        sign_in(client, password="wrong")
    assert sign_in(client).status_code == 302
    client.post("/desk/logout/")
    for _ in range(4):
        sign_in(client, password="wrong")
    assert sign_in(client).status_code == 302


def test_mfa_enrolment_then_a_code_at_every_sign_in(client, staff, settings):
    settings.MFA = "required"
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the device waits after a wrong code; not here
    assert sign_in(client).status_code == 302
    first = client.get("/desk/", follow=True)
    assert first.redirect_chain[-1][0].startswith("/desk/mfa/setup/")
    page = first.content.decode()
    assert "<svg" in page and "Set up two-factor sign-in" in page
    device = TOTPDevice.objects.get(user=staff["bob"], confirmed=False)
    assert re.search(r'data-hex="([0-9a-f]+)"', page).group(1) == device.bin_key.hex()
    wrong = client.post("/desk/mfa/setup/", {"token": "000000", "next": "/desk/"})
    assert "does not match" in wrong.content.decode()
    done = client.post("/desk/mfa/setup/", {"token": code_for(device), "next": "/desk/"})
    codes = re.findall(r"<li>([0-9a-f]{5}-[0-9a-f]{5})</li>", done.content.decode())
    assert len(codes) == 10
    assert client.get("/desk/").status_code == 200  # verified for this session

    client.post("/desk/logout/")
    assert sign_in(client).status_code == 302
    assert client.get("/desk/")["Location"].startswith("/desk/mfa/")
    assert client.post("/desk/mfa/", {"token": codes[0]}).status_code == 302  # a recovery code
    assert client.get("/desk/").status_code == 200

    client.post("/desk/logout/")
    sign_in(client)
    used = client.post("/desk/mfa/", {"token": codes[0]})
    assert "not valid" in used.content.decode()  # each recovery code works once


def test_the_django_admin_needs_the_second_factor_too(client, staff, settings):
    settings.MFA = "required"
    client.force_login(staff["root"])
    response = client.get("/admin/")
    assert response.status_code == 302
    assert client.get("/admin/login/")["Location"].startswith("/desk/login/")


def test_an_idle_session_ends(client, staff, settings):
    settings.SESSION_IDLE_SECONDS = 60
    client.force_login(staff["bob"])
    assert client.get("/desk/").status_code == 200
    session = client.session
    session["desk_seen"] -= 120
    session.save()
    response = client.get("/desk/")
    assert response.status_code == 302 and "idle=1" in response["Location"]
    assert client.get("/desk/").status_code == 302


def test_the_account_page_makes_new_recovery_codes(client, staff, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    client.force_login(staff["bob"])
    assert "not set up" in client.get("/desk/account/").content.decode()
    client.get("/desk/mfa/setup/")
    device = TOTPDevice.objects.get(user=staff["bob"])
    first = client.post("/desk/mfa/setup/", {"token": code_for(device)}).content.decode()
    old = re.findall(r"<li>([0-9a-f]{5}-[0-9a-f]{5})</li>", first)
    page = client.get("/desk/account/").content.decode()
    assert "Recovery codes left</dt><dd>10" in page
    new = client.post("/desk/mfa/recovery-codes/").content.decode()
    fresh = re.findall(r"<li>([0-9a-f]{5}-[0-9a-f]{5})</li>", new)
    assert len(fresh) == 10 and not set(fresh) & set(old)


def test_an_idle_desk_session_cannot_call_the_api_either(client, staff, settings):
    import time

    client.force_login(staff["bob"])
    assert client.get("/api/v1/packs").status_code == 200
    session = client.session
    session["desk_seen"] = int(time.time()) - settings.SESSION_IDLE_SECONDS - 5
    session.save()
    assert client.get("/api/v1/packs").status_code == 401
    assert client.get("/desk/").status_code == 302  # and it was signed out
