"""Portal accounts: registering, the confirmation link, signing in (throttled, never staff),
the optional authenticator, idle sessions, password reset, and the language switch."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from appealdesk.accounts.models import PortalAccount
from appealdesk.cases.models import Party
from appealdesk.portal import accounts
from tests.portal.conftest import PASSWORD, make_account

pytestmark = pytest.mark.django_db

NEW = {
    "kind": "member",
    "name": "Maria Lopez",
    "email": "Maria.Lopez@Example.org",
    "subscriber_id": "w1234567",
    "password": "a long enough passphrase",
    "password2": "a long enough passphrase",
}


def client() -> Client:
    return Client(HTTP_HOST="127.0.0.1")


def sign_in(c: Client, email: str, password: str = PASSWORD):
    return c.post("/portal/login/", {"username": email, "password": password})


def link_in(message) -> str:
    url = re.search(r"https?://\S+", message.body).group(0)
    return "/" + url.split("/", 3)[3]


def test_register_confirm_then_sign_in(django_capture_on_commit_callbacks):
    c = client()
    with django_capture_on_commit_callbacks(execute=True):
        page = c.post("/portal/register/", NEW)
    assert page.status_code == 200 and "Check your e-mail" in page.content.decode()
    account = PortalAccount.objects.get(user__username="maria.lopez@example.org")
    assert account.kind == "member" and account.email_verified_at is None
    assert account.party.role == "member" and account.party.subscriber_id == "W1234567"
    assert not account.user.is_staff
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["maria.lopez@example.org"]

    # signed in before confirming: only the "check your e-mail" page
    assert sign_in(c, "maria.lopez@example.org", NEW["password"]).status_code == 302
    assert c.get("/portal/")["Location"] == "/portal/check-email/"
    c.post("/portal/check-email/")  # the link again
    assert len(mail.outbox) == 2

    assert c.get(link_in(mail.outbox[0])).status_code == 302
    account.refresh_from_db()
    assert account.email_verified_at is not None
    assert c.get("/portal/").status_code == 200


def test_passwords_are_checked_and_hashed(settings):
    from appealdesk import settings as project

    settings.PASSWORD_HASHERS = project.PASSWORD_HASHERS
    weak = client().post(
        "/portal/register/", {**NEW, "password": "password", "password2": "password"}
    )
    assert "too common" in weak.content.decode() or "too short" in weak.content.decode()
    client().post("/portal/register/", NEW)
    user = get_user_model().objects.get(username="maria.lopez@example.org")
    assert user.password.startswith("argon2$")


def test_an_address_that_has_an_account_is_not_revealed():
    make_account("maria.lopez@example.org")
    page = client().post("/portal/register/", NEW)
    assert page.status_code == 200 and "Check your e-mail" in page.content.decode()
    assert PortalAccount.objects.count() == 1  # nothing new
    assert "already has one" in mail.outbox[0].body  # the owner is told, by e-mail


def test_a_tampered_or_old_link_does_not_confirm(settings):
    account = make_account("x@example.org", verified=False)
    token = accounts.verification_token(account.user)
    assert client().get(f"/portal/verify/{token[:-2]}xx/").status_code == 400
    settings.PORTAL_VERIFY_DAYS = 0
    time.sleep(1.1)
    assert client().get(f"/portal/verify/{token}/").status_code == 400
    account.refresh_from_db()
    assert account.email_verified_at is None


def test_providers_need_a_valid_npi():
    bad = client().post("/portal/register/", {**NEW, "kind": "provider", "npi": "1234567890"})
    assert "not valid" in bad.content.decode()
    client().post("/portal/register/", {**NEW, "kind": "provider", "npi": "1234567893"})
    account = PortalAccount.objects.get()
    assert account.kind == "provider" and account.party.role == "provider"


def test_five_wrong_passwords_lock_the_portal_account(maria):
    c = client()
    for _ in range(4):
        assert sign_in(c, maria.user.email, "wrong").status_code == 200
    locked = sign_in(c, maria.user.email, "wrong")
    assert locked.status_code == 429
    assert "Account locked" in locked.content.decode()
    assert "/portal/password/reset/" in locked.content.decode()  # the portal's page
    assert sign_in(c, maria.user.email).status_code == 429


def test_staff_cannot_use_the_portal_and_members_cannot_use_the_desk(staff, maria):
    c = client()
    page = sign_in(c, "bob", "right-password")  # the portal signs in by e-mail; bob is staff
    assert page.status_code == 200
    c.force_login(staff["bob"])
    assert c.get("/portal/").status_code == 403
    m = client()
    assert sign_in(m, maria.user.email).status_code == 302
    assert m.get("/desk/").status_code == 403
    assert m.get("/admin/").status_code in (302, 403)
    get_user_model().objects.create_user(
        "sue@example.org", "sue@example.org", PASSWORD, is_staff=True
    )
    refused = sign_in(client(), "sue@example.org")
    assert refused.status_code == 200
    assert "Staff accounts sign in at the staff desk" in refused.content.decode()


def test_a_user_without_a_portal_account_is_refused(db):
    user = get_user_model().objects.create_user("plain@example.org", "plain@example.org", "x")
    c = client()
    c.force_login(user)
    assert c.get("/portal/").status_code == 403


def test_idle_portal_sessions_end(maria, settings):
    c = client()
    sign_in(c, maria.user.email)
    assert c.get("/portal/").status_code == 200
    session = c.session
    session["portal_seen"] = int(time.time()) - settings.PORTAL_IDLE_SECONDS - 5
    session.save()
    gone = c.get("/portal/")
    assert gone.status_code == 302 and "idle=1" in gone["Location"]
    assert c.get("/portal/").status_code == 302  # signed out


def test_the_authenticator_is_optional_and_then_asked_at_every_sign_in(maria, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    c = client()
    sign_in(c, maria.user.email)
    page = c.get("/portal/account/").content.decode()
    assert "<svg" in page
    device = TOTPDevice.objects.get(user=maria.user, confirmed=False)
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    done = c.post("/portal/account/", {"token": code})
    assert len(re.findall(r"<code>[0-9a-f]{5}-[0-9a-f]{5}</code>", done.content.decode())) == 10
    c.post("/portal/logout/")
    sign_in(c, maria.user.email)
    assert c.get("/portal/")["Location"].startswith("/portal/mfa/")
    assert "not valid" in c.post("/portal/mfa/", {"token": "000000"}).content.decode()
    # the next step's code: the one used to enrol cannot be replayed
    code = (
        f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=1):06d}"
    )
    assert c.post("/portal/mfa/", {"token": code, "next": "/portal/"}).status_code == 302
    assert c.get("/portal/").status_code == 200


def test_password_reset_goes_through_the_queue(maria):
    c = client()
    c.post("/portal/password/reset/", {"email": maria.user.email})
    assert len(mail.outbox) == 1
    link = link_in(mail.outbox[0])
    form = c.get(link, follow=True)
    assert form.status_code == 200
    target = form.redirect_chain[-1][0]
    c.post(
        target,
        {"new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"},
    )
    assert sign_in(client(), maria.user.email, "a brand new passphrase").status_code == 302
    # staff addresses get nothing from the portal's reset
    staff_user = get_user_model().objects.create_user("s", "s@example.org", "x", is_staff=True)
    c.post("/portal/password/reset/", {"email": staff_user.email})
    assert len(mail.outbox) == 1


def test_spanish_on_the_portal_english_on_the_desk(maria, staff):
    c = client()
    c.force_login(maria.user)
    c.post("/i18n/setlang/", {"language": "es", "next": "/portal/"})
    page = c.get("/portal/").content.decode()
    assert '<html lang="es">' in page
    assert "Mis solicitudes" in page  # "My requests"
    d = client()
    d.cookies["appealdesk_language"] = "es"
    login = d.get("/desk/login/").content.decode()
    assert "Sign in to the staff desk" in login


def test_a_members_party_is_theirs_alone(maria, ivan):
    assert maria.party_id != ivan.party_id
    assert Party.objects.filter(portal_accounts__isnull=False).count() == 2


@pytest.mark.parametrize(
    ("typed", "matches"),
    [
        ("Lee Ng", True),
        ("lee  NG, MD", True),
        ("Dr. Lee Ng", True),
        ("Lee Ngo", False),
        ("Ng", False),
        ("", False),
    ],
)
def test_a_signature_is_the_account_holders_name(dr_ng, typed, matches):
    from appealdesk.portal.common import name_matches

    assert name_matches(typed, dr_ng) is matches  # the account's name is "Dr. Lee Ng"


def test_staff_link_a_member_account_to_her_record_in_the_admin(staff, ivan):
    from appealdesk.cases.models import Party

    record = Party.objects.create(role="member", name="Ivan Petrov", subscriber_id="W7654321")
    c = client()
    c.force_login(staff["root"])
    url = f"/admin/accounts/portalaccount/{ivan.pk}/change/"
    assert c.get(url).status_code == 200
    assert c.post(url, {"party": record.pk}).status_code == 302
    ivan.refresh_from_db()
    assert ivan.party == record and ivan.linked_by == staff["root"] and ivan.linked_at
    assert c.get("/admin/cases/signature/").status_code == 200
