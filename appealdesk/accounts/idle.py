"""The idle time-out of a signed-in session, one rule for the desk, the portal and the API's
session use (ASVS V3.3: sessions end after a period of inactivity)."""

from __future__ import annotations

import time

from django.contrib.auth import logout
from django.http import HttpRequest

from appealdesk.accounts import session_limit


def idle_out(request: HttpRequest, key: str, idle_seconds: int) -> bool:
    """Sign out a session that went `idle_seconds` without a request (True if it did); else
    note this request's time under `key`, to the minute (a session write on every request
    would cost every page a write)."""
    now = int(time.time())
    last = request.session.get(key, now)
    # the absolute limit too (session_limit): activity never extends a session past it
    if now - last > idle_seconds or session_limit.expired(request):
        logout(request)
        return True
    if now - last >= 60 or key not in request.session:
        request.session[key] = now
    return False
