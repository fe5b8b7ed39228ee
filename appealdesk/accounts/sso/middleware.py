"""The periodic check of an open single sign-on session (APPEALDESK_SSO_CHECK_MINUTES).

A person disabled or removed at the identity provider cannot sign in again; this ends the
sessions they already have. OpenID Connect: the provider's userinfo endpoint is asked with the
session's access token (`oidc.recheck`), which also brings roles and teams up to date. SAML has
no back channel to ask: the session ends and, on a page of the desk, the browser is sent to the
identity provider to sign in again (silently while its own session lasts; refused for a
disabled person).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from appealdesk.accounts.models import SignInEvent
from appealdesk.accounts.sso import oidc, provision


class SessionCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        info = request.session.get(provision.SESSION_KEY) if hasattr(request, "session") else None
        user = getattr(request, "user", None)
        if info and user is not None and user.is_authenticated:
            due = int(info.get("checked_at", 0)) + settings.SSO_CHECK_MINUTES * 60
            if time.time() >= due:
                ended = self._check(request, user, info)
                if ended is not None:
                    return ended
        return self.get_response(request)

    def _check(
        self, request: HttpRequest, user: object, info: dict[str, object]
    ) -> HttpResponse | None:
        protocol = str(info.get("protocol"))
        if protocol == "oidc" and settings.SSO_OIDC and oidc.recheck(request, user):
            request.session[provision.SESSION_KEY] = {**info, "checked_at": int(time.time())}
            return None
        provision.record(
            request,
            protocol,
            SignInEvent.ENDED,
            user=user,
            detail="the identity provider no longer vouches for this session"
            if protocol == "oidc"
            else "re-authentication at the identity provider is due",
        )
        logout(request)
        page = request.method == "GET" and request.path.startswith("/desk/")
        if protocol == "saml" and settings.SSO_SAML and page:
            return redirect(f"/saml2/login/?{urlencode({'next': request.get_full_path()})}")
        # the desk's guard sends the person to the sign-in page; the API answers 401
        return None
