"""Every desk page needs a signed-in staff member, verified with a second factor when the
installation requires it, whose session has not gone idle."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect
from django.urls import reverse

from appealdesk.desk import session_limit

OPEN_PATHS = ("/desk/login/", "/desk/logout/", "/admin/login/")
GUARDED = ("/desk/", "/admin/")
MFA_PATHS = ("/desk/mfa/",)


def idle_out(request: HttpRequest, key: str, idle_seconds: int) -> bool:
    """Sign out a session that went `idle_seconds` without a request (True if it did); else
    note this request's time under `key`, to the minute (a session write on every request
    would cost every page a write)."""
    now = int(time.time())
    last = request.session.get(key, now)
    # the absolute limit too (desk/session_limit.py): activity never extends a session past it
    if now - last > idle_seconds or session_limit.expired(request):
        logout(request)
        return True
    if now - last >= 60 or key not in request.session:
        request.session[key] = now
    return False


def mfa_pending(request: HttpRequest) -> bool:
    return settings.MFA == "required" and not request.user.is_verified()  # type: ignore[union-attr]


class StaffVerificationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if path.startswith(GUARDED) and not path.startswith(OPEN_PATHS):
            refused = self._check(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        user = request.user
        login = reverse("desk:login")
        if not user.is_authenticated:
            return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")
        if idle_out(request, "desk_seen", settings.SESSION_IDLE_SECONDS):
            return redirect(f"{login}?{urlencode({'idle': 1})}")
        if not user.is_staff:
            return HttpResponseForbidden("The staff desk is for staff accounts.")
        if not request.path.startswith(MFA_PATHS) and mfa_pending(request):
            return redirect(f"{reverse('desk:mfa')}?{urlencode({'next': request.get_full_path()})}")
        return None
