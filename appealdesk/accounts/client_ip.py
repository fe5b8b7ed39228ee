"""Where a request comes from: the address that sign-in lockout (django-axes) and the portal's
mail limits count by.

Directly on the Internet, that is the socket's address (REMOTE_ADDR). Behind TLS proxies
(`APPEALDESK_PROXY_COUNT` of them, each appending to X-Forwarded-For) the socket's address is the
nearest proxy's, the same for everyone, so the client is the entry that the outermost trusted
proxy appended: the `APPEALDESK_PROXY_COUNT`-th from the right. Entries further left were sent by
the client itself and are never trusted.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    proxies = settings.PROXY_COUNT
    remote = str(request.META.get("REMOTE_ADDR") or "")
    if proxies <= 0:
        return remote
    forwarded = [
        a.strip() for a in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if a.strip()
    ]
    if len(forwarded) < proxies:
        # fewer hops than configured: a request that did not come through the proxies
        return remote
    return forwarded[-proxies]
