"""OpenID Connect sign-in through mozilla-django-oidc (authorization code with PKCE), and the
userinfo re-check of an open session.

mozilla-django-oidc does the protocol: the authorization request with state, nonce and the
PKCE challenge, the code exchange, the ID token's signature against the provider's JWKS. It
does not check the ID token's issuer, audience or lifetime, so `verify_token` does. Who the
person is and what they may do is `provision`'s, shared with SAML.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from appealdesk.accounts.sso import provision

log = logging.getLogger("appealdesk.sso")
LEEWAY_SECONDS = 60  # clock difference allowed between this server and the provider


def provider_mfa(claims: dict[str, Any]) -> bool:
    """The provider asserts a second factor: an `amr` method of APPEALDESK_OIDC_MFA_AMR, or
    an `acr` of APPEALDESK_OIDC_MFA_ACR (OpenID Connect Core 2; RFC 8176)."""
    amr = claims.get("amr") or []
    amr = [amr] if isinstance(amr, str) else amr
    config = settings.SSO_OIDC
    return bool(set(amr) & set(config["OIDC_MFA_AMR"])) or (
        claims.get("acr") in set(config["OIDC_MFA_ACR"])
    )


def assertion(id_claims: dict[str, Any], userinfo: dict[str, Any]) -> provision.Assertion:
    claims = {**id_claims, **userinfo}
    subject = str(id_claims["sub"])
    username = str(claims.get("preferred_username") or claims.get("email") or subject)
    return provision.Assertion(
        protocol="oidc",
        issuer=str(id_claims["iss"]),
        subject=subject,
        username=username[:150],
        email=str(claims.get("email") or "")[:254],
        first_name=str(claims.get("given_name") or "")[:150],
        last_name=str(claims.get("family_name") or "")[:150],
        groups=provision.groups_in(claims),
        mfa=provider_mfa(id_claims),
    )


class OidcBackend(OIDCAuthenticationBackend):  # type: ignore[misc]
    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        payload: dict[str, Any] = super().verify_token(token, **kwargs)
        config = settings.SSO_OIDC
        audience = payload.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        now = time.time()
        expires, not_before = payload.get("exp"), payload.get("nbf")
        problems = [
            (payload.get("iss") != config["OIDC_OP_ISSUER"], "issuer"),
            (config["OIDC_RP_CLIENT_ID"] not in audiences, "audience"),
            (not isinstance(expires, int | float) or expires < now - LEEWAY_SECONDS, "expiry"),
            (isinstance(not_before, int | float) and not_before > now + LEEWAY_SECONDS, "nbf"),
            (not payload.get("sub"), "subject"),
        ]
        wrong = [name for bad, name in problems if bad]
        if wrong:
            raise SuspiciousOperation(f"ID token refused: wrong {', '.join(wrong)}")
        self.id_claims = payload
        return payload

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if str(userinfo.get("sub")) != str(payload["sub"]):
            # OpenID Connect Core 5.3.2: the userinfo `sub` must be the ID token's
            raise SuspiciousOperation("userinfo is about another subject than the ID token")
        return provision.sign_in(self.request, assertion(payload, userinfo))


def recheck(request: HttpRequest, user: Any) -> bool:
    """Ask the provider's userinfo endpoint about the session's person with the access token
    kept at sign-in: False (end the session) when the provider no longer answers for them (a
    disabled or removed account, a revoked or expired token) or gives them no role any more.
    A provider that cannot be reached keeps the session until the next check (logged): an
    outage at the provider must not sign every staff member out at once."""
    token = request.session.get("oidc_access_token")
    if not token:
        return False
    config = settings.SSO_OIDC
    try:
        answer = requests.get(
            config["OIDC_OP_USER_ENDPOINT"],
            headers={"Authorization": f"Bearer {token}"},
            timeout=config["OIDC_TIMEOUT"],
        )
    except requests.RequestException as exc:
        log.warning("OIDC session check: the provider did not answer (%s); kept", exc)
        return True
    if answer.status_code in (401, 403):
        return False
    if answer.status_code != 200:
        log.warning("OIDC session check: userinfo answered %s; kept", answer.status_code)
        return True
    claims = answer.json()
    identity = user.sso_identities.filter(protocol="oidc", subject=str(claims.get("sub"))).first()
    if identity is None:
        return False
    if not any(name in claims for name in settings.SSO_MAPPING["groups"]):
        # a userinfo without the groups (Entra ID's, Google's: groups come in the ID token
        # only) still vouches for the person; their roles stay as at sign-in
        return True
    said = assertion({"iss": identity.issuer, "sub": identity.subject}, claims)
    return provision.refresh(user, said)
