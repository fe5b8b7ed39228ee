"""OAuth 2.0 access tokens for machine-to-machine calls (issue 19, item 2), beside the API keys.

A client gets a token from the plan's identity provider with the client-credentials grant and
sends it as `Authorization: Bearer <JWT>`. The token is a JWT signed by the provider: its key is
found in the provider's JWKS (APPEALDESK_API_TOKEN_JWKS_URL, fetched by PyJWT's PyJWKClient and
kept for APPEALDESK_API_TOKEN_JWKS_CACHE_SECONDS; a key id not in the cached set fetches it
again, so the provider can rotate keys), and `iss`, `aud`, `exp` and `nbf` are checked. Only the
allow-listed public-key algorithms are accepted (never `none`, never a shared secret).

The client (`client_id`, else `azp`, `appid`, `cid` or `sub`) is mapped by
APPEALDESK_API_TOKEN_CLIENTS to a service user, whose roles and teams decide what it sees, as
for a key, and to scopes. A token that carries scopes itself (`scope`, `scp`, or Entra ID's
application `roles`) narrows those configured, never widens them.
"""

from __future__ import annotations

import logging
from typing import Any

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model

from appealdesk.api.models import SCOPES

log = logging.getLogger("appealdesk.api.tokens")
_jwks_clients: dict[str, jwt.PyJWKClient] = {}


def looks_like_jwt(text: str) -> bool:
    """A compact JWS (three base64url parts, a JSON header): worth checking as a token. API
    keys (`ad_…`) never look like one."""
    return text.startswith("eyJ") and text.count(".") == 2


def _jwks(config: dict[str, Any]) -> jwt.PyJWKClient:
    url = config["jwks_url"]
    client = _jwks_clients.get(url)
    if client is None:
        client = jwt.PyJWKClient(
            url, cache_jwk_set=True, lifespan=config["jwks_cache_seconds"], timeout=10
        )
        _jwks_clients[url] = client
    return client


def _claimed_scopes(claims: dict[str, Any]) -> set[str] | None:
    found: set[str] = set()
    present = False
    for name in ("scope", "scp", "roles"):
        value = claims.get(name)
        if value is None:
            continue
        present = True
        found.update(value.split() if isinstance(value, str) else (str(v) for v in value))
    return found if present else None


def verify(text: str) -> dict[str, Any] | None:
    """The token's claims if the configured provider signed it for this API and it is in its
    lifetime; None otherwise (logged, with the reason)."""
    config = settings.API_TOKENS
    if not config or not looks_like_jwt(text):
        return None
    try:
        algorithm = jwt.get_unverified_header(text).get("alg")
        if algorithm not in config["algorithms"]:
            raise jwt.InvalidAlgorithmError(f"algorithm {algorithm!r} is not allowed")
        key = _jwks(config).get_signing_key_from_jwt(text)
        claims: dict[str, Any] = jwt.decode(
            text,
            key.key,
            algorithms=config["algorithms"],
            audience=config["audience"],
            issuer=config["issuer"],
            leeway=config["leeway"],
            options={"require": ["exp", "iss", "aud"]},
        )
    except jwt.PyJWTError as exc:
        log.info("API access token refused: %s", exc)
        return None
    return claims


def service_caller(claims: dict[str, Any]) -> tuple[Any, frozenset[str], str] | None:
    """The service user, scopes and client id a verified token stands for; None for a client
    the settings do not map (logged: the provider issued it, someone must decide)."""
    config = settings.API_TOKENS
    client = str(
        claims.get("client_id")
        or claims.get("azp")  # Entra ID v2, OpenID Connect
        or claims.get("appid")  # Entra ID v1
        or claims.get("cid")  # Okta
        or claims.get("sub")
    )
    entry = config["clients"].get(client)
    if entry is None:
        log.warning("API access token of client %r: not in APPEALDESK_API_TOKEN_CLIENTS", client)
        return None
    user = get_user_model().objects.filter(username=entry["user"], is_active=True).first()
    if user is None:
        log.warning("API access token of client %r: no active user %r", client, entry["user"])
        return None
    scopes = set(entry.get("scopes", [])) & set(SCOPES)
    claimed = _claimed_scopes(claims)
    if claimed is not None:
        scopes &= claimed
    return user, frozenset(scopes), client
