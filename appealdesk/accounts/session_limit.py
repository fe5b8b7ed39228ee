"""The absolute session limit: a session ends a fixed time after its password sign-in, however
busy it is (ASVS V3.3.2).

The idle rule (`accounts.idle.idle_out`) alone never ends a session in use: every request
moves its idle clock, and every session write moves the cookie's expiry `SESSION_COOKIE_AGE`
ahead. So the sign-in instant is written into the session when anyone signs in (desk, portal,
admin: all through `django.contrib.auth.login`), and every guarded request (desk, portal, admin,
the API's desk session) checks it through `idle_out`. After `SESSION_ABSOLUTE_SECONDS` the person
signs in again, with the password and the second factor (signing out flushes the session, and
with it django-otp's verification).
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest

KEY = "signed_in_at"


def now() -> int:
    """The clock, in whole seconds (one place for tests to move it)."""
    return int(time.time())


def stamp(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """`user_logged_in` receiver: note when this session signed in. `login()` has just made a
    fresh session (new key, old data kept only for the same user), so this is the instant of
    the password check, not of some earlier session."""
    if request is not None and hasattr(request, "session"):
        request.session[KEY] = now()


def expired(request: HttpRequest) -> bool:
    """True when the session is past its absolute limit. A signed-in session without a sign-in
    instant was made before this rule existed (or by something that bypassed `login()`); it
    counts as expired, so no session outlives the limit by lacking the stamp."""
    signed_in = request.session.get(KEY)
    if not isinstance(signed_in, int):
        return True
    return now() - signed_in >= settings.SESSION_ABSOLUTE_SECONDS


def connect() -> None:
    user_logged_in.connect(stamp, dispatch_uid="appealdesk.accounts.session_limit.stamp")
