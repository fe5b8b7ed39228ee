"""The test provider's claims and tokens.

Claims: the person's name, e-mail, groups (their Django groups here, less the `mfa` marker)
and `amr`: ["pwd", "mfa", "otp"] for someone in the `mfa` group (they would have used a second
factor here), else ["pwd"]. Access tokens are RS256 JWTs signed with the OIDC key, under the kid
the provider's JWKS publishes, so a resource server can check them without asking back."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
from django.conf import settings
from jwcrypto import jwk
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings

MFA_GROUP = "mfa"


class Validator(OAuth2Validator):
    oidc_claim_scope = None  # every claim below whatever the scopes: the test reads them all

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        user = request.user
        groups = list(user.groups.values_list("name", flat=True))
        return {
            "preferred_username": user.username,
            "email": user.email,
            "given_name": user.first_name,
            "family_name": user.last_name,
            "groups": [g for g in groups if g != MFA_GROUP],
            "amr": ["pwd", "mfa", "otp"] if MFA_GROUP in groups else ["pwd"],
        }

    def validate_bearer_token(self, token: str, scopes: Any, request: Any) -> bool:
        # a person disabled here: their tokens stop working at once (userinfo answers 401)
        valid = bool(super().validate_bearer_token(token, scopes, request))
        user = getattr(request, "user", None)
        return valid and (user is None or user.is_active)


def jwt_access_token(request: Any, refresh_token: bool = False) -> str:
    now = int(time.time())
    key = jwk.JWK.from_pem(settings.PRIVATE_KEY.encode())
    claims: dict[str, Any] = {
        "iss": oauth2_settings.OIDC_ISS_ENDPOINT,
        "aud": settings.API_AUDIENCE,
        "iat": now,
        "nbf": now,
        "exp": now + oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS,
        "jti": uuid.uuid4().hex,
        "client_id": request.client.client_id,
        "scope": " ".join(request.scopes or []),
    }
    if getattr(request, "user", None) is not None:
        claims["sub"] = str(request.user.pk)
    return jwt.encode(
        claims, settings.PRIVATE_KEY, algorithm="RS256", headers={"kid": key.thumbprint()}
    )
