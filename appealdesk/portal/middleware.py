"""Every portal page needs a signed-in portal account (never a staff account) with a verified
e-mail address, a second factor if the person turned one on, and a session that has not gone
idle. The desk and the admin stay in English; the portal speaks the visitor's language."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django_otp import user_has_device

from appealdesk.accounts.idle import idle_out

PORTAL = "/portal/"
# pages anyone may open: signing in, registering, confirming the address, resetting a password
OPEN = (
    "/portal/login/",
    "/portal/logout/",
    "/portal/register/",
    "/portal/verify/",
    "/portal/password/",
    "/portal/help/",
)
UNVERIFIED_OK = ("/portal/verify/", "/portal/check-email/")
MFA_PATHS = ("/portal/mfa/",)


class PortalMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if not path.startswith(PORTAL):
            # staff screens and the API are English-only: no Spanish Django messages there
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
            return self.get_response(request)
        if path == PORTAL or not path.startswith(OPEN):
            refused = self._check(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        user = request.user
        login = reverse("portal:login")
        if not user.is_authenticated:
            return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")
        if user.is_staff or not hasattr(user, "portal"):
            return render(request, "portal/not_portal.html", status=403)
        if idle_out(request, "portal_seen", settings.PORTAL_IDLE_SECONDS):
            return redirect(f"{login}?{urlencode({'idle': 1})}")
        account = user.portal
        request.portal_account = account  # type: ignore[attr-defined]
        if not account.verified and not request.path.startswith(UNVERIFIED_OK):
            return redirect("portal:check_email")
        if (
            not request.path.startswith(MFA_PATHS)
            and not user.is_verified()  # type: ignore[attr-defined]
            and user_has_device(user, confirmed=True)
        ):
            return redirect(
                f"{reverse('portal:mfa')}?{urlencode({'next': request.get_full_path()})}"
            )
        return None
