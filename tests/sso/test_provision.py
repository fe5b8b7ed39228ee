"""The one sign-in rule of both protocols, in-process: groups to roles and teams at every
sign-in, the account made once and found by the provider's identifier only, refusals recorded,
the provider's second factor verifying the session, and the desk's password form while single
sign-on is on (break-glass for administrators only)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from appealdesk.accounts.mfa import has_authenticator
from appealdesk.accounts.models import IdentityProviderDevice, SignInEvent, SsoIdentity
from appealdesk.accounts.sso import provision
from appealdesk.accounts.sso.local import DeskAuthenticationForm
from appealdesk.accounts.sso.oidc import provider_mfa
from appealdesk.cases.models import Team

MAPPING = {
    "groups": ["groups", "roles"],
    "roles": {"analysts": ["analyst"], "admins": ["administrator"], "leads": ["supervisor"]},
    "teams": {"analysts": ["UMP medical"], "leads": ["UMP medical", "no such team"]},
}
SAID = provision.Assertion(
    protocol="oidc",
    issuer="https://idp.example",
    subject="0001",
    username="pat",
    email="pat@example.org",
    first_name="Pat",
    last_name="Lee",
    groups=("analysts",),
    mfa=False,
)


@pytest.fixture(autouse=True)
def _sso(settings: Any, db: Any) -> None:
    settings.SSO_MAPPING = MAPPING
    settings.SSO_OIDC = {"OIDC_NAME": "Example", "OIDC_MFA_AMR": ["mfa"], "OIDC_MFA_ACR": ["gold"]}
    settings.SSO_SAML = {}
    settings.SSO_LOCAL_STAFF = False
    Team.objects.create(name="UMP medical", program="ump")


def _request() -> Any:
    return RequestFactory().get("/oidc/callback/", REMOTE_ADDR="10.0.0.9")


def _state(user: Any) -> tuple[set[str], set[str], bool]:
    user.refresh_from_db()
    return (
        set(user.groups.values_list("name", flat=True)),
        set(user.staff.teams.values_list("name", flat=True)),
        user.is_superuser,
    )


def test_first_sign_in_makes_the_account_and_later_ones_follow_the_groups() -> None:
    user = provision.sign_in(_request(), SAID)
    assert user.is_staff and not user.has_usable_password()
    assert _state(user) == ({"analyst"}, {"UMP medical"}, False)
    assert not hasattr(user, "otp_device")  # no second factor asserted: none given
    # the provider moves Pat to the leads and the admins; the analyst role goes
    again = provision.sign_in(_request(), replace(SAID, groups=("leads", "admins")))
    assert again.pk == user.pk
    assert _state(user) == ({"supervisor"}, {"UMP medical"}, True)
    events = list(SignInEvent.objects.order_by("id").values_list("outcome", "method", "ip"))
    assert events == [("created", "oidc", "10.0.0.9"), ("signed_in", "oidc", "10.0.0.9")]


def test_groups_are_read_from_every_named_claim() -> None:
    assert provision.groups_in({"groups": "analysts", "roles": ["leads", "analysts"]}) == (
        "analysts",
        "leads",
    )


def test_no_role_and_a_local_name_are_refused_and_recorded() -> None:
    assert provision.sign_in(_request(), replace(SAID, groups=("cafeteria",))) is None
    get_user_model().objects.create_user("pat", password="local-password-1")
    # a local account of the same name is never joined (that would hand it over)
    assert provision.sign_in(_request(), SAID) is None
    assert not SsoIdentity.objects.exists()
    details = list(SignInEvent.objects.order_by("id").values_list("outcome", "detail"))
    assert [d[0] for d in details] == ["refused", "refused"]
    assert "no appealdesk role" in details[0][1] and "already named 'pat'" in details[1][1]


def test_a_disabled_account_is_refused() -> None:
    user = provision.sign_in(_request(), SAID)
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    assert provision.sign_in(_request(), SAID) is None


def test_the_providers_second_factor_verifies_without_an_authenticator() -> None:
    user = provision.sign_in(_request(), replace(SAID, mfa=True))
    device = user.otp_device
    assert isinstance(device, IdentityProviderDevice) and device.confirmed
    assert not device.verify_token("123456")
    assert not has_authenticator(user)  # the local rule still sees no enrolled authenticator
    assert SignInEvent.objects.get().provider_mfa


@pytest.mark.parametrize(
    ("claims", "mfa"),
    [
        ({"amr": ["pwd", "mfa"]}, True),
        ({"amr": ["pwd"]}, False),
        ({"amr": "mfa"}, True),
        ({"acr": "gold"}, True),
        ({"acr": "silver", "amr": ["pwd"]}, False),
        ({}, False),
    ],
)
def test_oidc_second_factor_from_amr_or_acr(claims: dict[str, Any], mfa: bool) -> None:
    assert provider_mfa(claims) is mfa


def test_password_sign_in_is_break_glass_for_administrators_only(client: Any) -> None:
    users = get_user_model().objects
    users.create_user("ann", password="local-password-1", is_staff=True)
    users.create_superuser("root", "root@example.org", "local-password-1")
    form = DeskAuthenticationForm(
        _request(), data={"username": "ann", "password": "local-password-1"}
    )
    assert not form.is_valid()
    assert "Staff sign in with Example" in str(form.errors)
    answer = client.post("/desk/login/", {"username": "root", "password": "local-password-1"})
    assert answer.status_code == 302
    methods = list(SignInEvent.objects.order_by("id").values_list("username", "method", "outcome"))
    assert methods == [("ann", "password", "refused"), ("root", "break_glass", "signed_in")]


def test_single_sign_on_answers_do_not_count_as_password_guesses(client: Any) -> None:
    from axes.models import AccessAttempt
    from django.contrib.auth import authenticate

    request = _request()
    for _ in range(3):
        # a SAML answer djangosaml2 could not map: authenticate() fails without a user name
        assert authenticate(request=request, session_info={"ava": {}}) is None
    assert not AccessAttempt.objects.exists()
    client.post("/desk/login/", {"username": "pat", "password": "wrong-password-1"})
    assert AccessAttempt.objects.filter(username="pat").count() == 1  # passwords still count


@pytest.mark.parametrize(
    ("changes", "wrong"),
    [
        ({}, None),
        ({"iss": "https://elsewhere"}, "issuer"),
        ({"aud": ["someone-else"]}, "audience"),
        ({"exp": 1_000}, "expiry"),
        ({"nbf": 10**10}, "nbf"),
        ({"sub": ""}, "subject"),
    ],
)
def test_the_id_token_is_held_to_issuer_audience_and_lifetime(
    monkeypatch: pytest.MonkeyPatch, settings: Any, changes: dict[str, Any], wrong: str | None
) -> None:
    import time

    from django.core.exceptions import SuspiciousOperation
    from mozilla_django_oidc.auth import OIDCAuthenticationBackend

    from appealdesk.accounts.sso.oidc import OidcBackend

    settings.SSO_OIDC = {"OIDC_OP_ISSUER": "https://idp", "OIDC_RP_CLIENT_ID": "desk"}
    now = int(time.time())
    payload = {"iss": "https://idp", "aud": "desk", "exp": now + 60, "nbf": now, "sub": "1"}
    payload.update(changes)
    # the signature is mozilla-django-oidc's to check (against the JWKS); this is what follows
    monkeypatch.setattr(OIDCAuthenticationBackend, "verify_token", lambda *a, **k: payload)
    backend = OidcBackend.__new__(OidcBackend)
    if wrong is None:
        assert backend.verify_token("a.b.c") == payload
        return
    with pytest.raises(SuspiciousOperation, match=wrong):
        backend.verify_token("a.b.c")
