"""Password sign-in to the desk while single sign-on is on: only a local administrator, for
break-glass use (the identity provider is down or misconfigured), and every such sign-in is
recorded as one (`SignInEvent.BREAK_GLASS`, a WARNING in the security log) for the other
administrators to see on the desk. APPEALDESK_SSO_LOCAL_STAFF=1 keeps other staff's passwords
working during a move to single sign-on."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest

from appealdesk.accounts.models import SignInEvent
from appealdesk.accounts.sso import provision


def enabled() -> bool:
    return bool(settings.SSO_OIDC or settings.SSO_SAML)


def providers() -> list[dict[str, str]]:
    """The "Sign in with …" buttons of the desk's sign-in page."""
    found = []
    if settings.SSO_OIDC:
        found.append({"name": settings.SSO_OIDC["OIDC_NAME"], "url": "/oidc/authenticate/"})
    if settings.SSO_SAML:
        found.append({"name": settings.SSO_SAML["SAML_NAME"], "url": "/saml2/login/"})
    return found


class DeskAuthenticationForm(AuthenticationForm):
    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if enabled() and not user.is_superuser and not settings.SSO_LOCAL_STAFF:
            provision.record(
                self.request,
                SignInEvent.PASSWORD,
                SignInEvent.REFUSED,
                user=user,
                detail="password sign-in while single sign-on is on",
            )
            names = " or ".join(p["name"] for p in providers())
            raise forms.ValidationError(
                f"Staff sign in with {names}. Password sign-in is kept for administrators' "
                "emergency use.",
                code="sso_only",
            )


def on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """`user_logged_in` receiver: note a single sign-on session for its periodic check, and
    record a staff member's password sign-in (break-glass when single sign-on is on)."""
    if request is None or not hasattr(request, "session"):
        return
    pending = getattr(user, "sso_session", None)
    if pending is not None:
        request.session[provision.SESSION_KEY] = pending
        return
    request.session.pop(provision.SESSION_KEY, None)
    if not user.is_staff:
        return
    if enabled():
        provision.record(
            request,
            SignInEvent.BREAK_GLASS,
            SignInEvent.SIGNED_IN,
            user=user,
            detail="local administrator's password while single sign-on is on",
        )
    else:
        provision.record(request, SignInEvent.PASSWORD, SignInEvent.SIGNED_IN, user=user)


def not_a_password(request: HttpRequest, credentials: dict[str, Any] | None) -> bool:
    """django-axes' AXES_WHITELIST_CALLABLE: a sign-in without a user name is a single sign-on
    answer (OIDC's code, SAML's assertion), not a password guess. Counting its refusals would
    lock the source address out of single sign-on after five people without a role tried from
    one office behind one NAT; the identity provider throttles its own password guesses."""
    return not (credentials or {}).get("username")
