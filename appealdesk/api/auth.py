"""Who is calling: an API key (`Authorization: Bearer ad_…` or `X-API-Key`), an OAuth 2.0
access token of the configured provider (`Authorization: Bearer <JWT>`, `tokens`), or the
desk's session (with its CSRF token on writes, and the second factor where required)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, APIKeyHeader, HttpBearer

from appealdesk.access import roles
from appealdesk.accounts.idle import idle_out
from appealdesk.api import keycache, tokens
from appealdesk.api.models import SCOPES, ApiKey, digest


@dataclass(frozen=True)
class Caller:
    user: Any
    scopes: frozenset[str]
    key: ApiKey | None = field(default=None)
    client: str | None = field(default=None)  # the OAuth client of an access token

    @property
    def owner(self) -> str:
        """Whose idempotency keys these are."""
        if self.client:
            return f"oauth:{self.client}"[:80]
        return f"key:{self.key.prefix}" if self.key else f"user:{self.user.pk}"

    @property
    def label(self) -> str:
        if self.client:
            return f"{self.user.get_username()} via OAuth client {self.client}"
        return f"{self.user.get_username()} via {self.key.name}" if self.key else "session"


def _from_key(request: HttpRequest, text: str | None) -> Caller | None:
    if not text or not text.startswith("ad_") or text.count("_") < 2:
        return None
    prefix = text.split("_", 2)[1]
    key = keycache.remembered(prefix)
    if key is not None:
        # remembered a few seconds; its revocation and its user's state read now
        if not hmac.compare_digest(key.digest, digest(text)) or not keycache.still_usable(key):
            return None
    else:
        key = ApiKey.objects.select_related("user").filter(prefix=prefix).first()
        if key is None or not hmac.compare_digest(key.digest, digest(text)) or not key.usable():
            return None
        if not key.user.is_active:
            return None
        keycache.remember(prefix, key)
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)  # once a minute at most
        key.last_used_at = now
    return Caller(user=key.user, scopes=frozenset(key.scopes) & set(SCOPES), key=key)


def _from_token(text: str) -> Caller | None:
    """The caller of an OAuth 2.0 access token (a JWT of the configured provider), if any."""
    if not settings.API_TOKENS or not tokens.looks_like_jwt(text):
        return None
    claims = tokens.verify(text)
    found = tokens.service_caller(claims) if claims is not None else None
    if found is None:
        return None
    user, scopes, client = found
    return Caller(user=user, scopes=scopes, client=client)


def key_caller(request: HttpRequest) -> Caller | None:
    """The caller of an API key (`Authorization: Bearer ad_…` or `X-API-Key`) or an access
    token (`Authorization: Bearer <JWT>`), for the views outside ninja (the FHIR edge); no
    desk session."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return _from_key(request, token.strip()) or _from_token(token.strip())
    return _from_key(request, request.headers.get("X-API-Key"))


class BearerKey(HttpBearer):
    """`Authorization: Bearer`: an API key, or an access token of the configured provider."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Caller | None:
        return _from_key(request, token) or _from_token(token)


class HeaderKey(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller | None:
        return _from_key(request, key)


class DeskSession(APIKeyCookie):
    """The desk's own pages call the API with the signed-in user's session (CSRF checked)."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        # Only a usable desk session is checked for its CSRF token: a request without one
        # (a missing, expired or revoked API key) is unauthenticated (401), not a CSRF 403.
        if _desk_user(request) is None:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller | None:
        user = _desk_user(request)
        if key is None or user is None:
            return None
        # the desk's idle rule holds here too: a session left idle is signed out, not used
        if idle_out(request, "desk_seen", settings.SESSION_IDLE_SECONDS):
            return None
        return Caller(user=user, scopes=frozenset(SCOPES))


def _desk_user(request: HttpRequest) -> Any:
    user = getattr(request, "user", None)
    if user is None or not (user.is_authenticated and user.is_staff and user.is_active):
        return None
    if settings.MFA == "required" and not user.is_verified():
        return None
    return user


AUTH = [BearerKey(), HeaderKey(), DeskSession()]


def caller(request: HttpRequest) -> Caller:
    found: Caller = request.auth  # type: ignore[attr-defined]
    return found


def may(request: HttpRequest, action: str) -> bool:
    return roles.may(caller(request).user, action)
