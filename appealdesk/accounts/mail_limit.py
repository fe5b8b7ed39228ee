"""A limit on the e-mails anyone can make the portal send: per address and per source.

Registration, a password reset and "send the link again" each send mail to an address the
visitor types (or to their own). Without a limit anyone can flood a mailbox, or use the portal to
send mail in bulk. Each request counts against the address (a keyed hash of it, so no address is
kept) and against the source address (`client_ip.client_address`), in a fixed window; past
either limit nothing is sent, and the page answers exactly as if it had been: the limit must not
tell whether an address has an account.

The counters are rows (`MailQuota`), not a per-process cache: every gunicorn worker and the
worker process share them, and a restart does not reset them.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from appealdesk.accounts.client_ip import client_address
from appealdesk.accounts.models import MailQuota

log = logging.getLogger(__name__)
SALT = "appealdesk.portal.mail_limit"  # kept: the hashes already stored stay valid


def address_key(email: str) -> str:
    return "address:" + salted_hmac(SALT, email.strip().lower()).hexdigest()[:40]


def source_key(request: HttpRequest) -> str:
    return "source:" + client_address(request)[:90]


def _count(key: str, limit: int, now: dt.datetime, window: dt.timedelta) -> bool:
    """Count one more request under `key`; True while it is within `limit`."""
    row, _ = MailQuota.objects.select_for_update().get_or_create(
        key=key, defaults={"window_start": now}
    )
    if now - row.window_start >= window:
        row.window_start, row.count = now, 0
    row.count += 1
    row.save(update_fields=["window_start", "count"])
    return row.count <= limit


def allow(request: HttpRequest, email: str, what: str) -> bool:
    """May the portal send `what` to `email` for this request? Counts the request either way."""
    now = timezone.now()
    window = dt.timedelta(minutes=settings.PORTAL_MAIL_WINDOW_MINUTES)
    with transaction.atomic():
        # old windows go as new ones are counted, so the table stays the size of one window
        MailQuota.objects.filter(window_start__lte=now - window).delete()
        by_address = _count(address_key(email), settings.PORTAL_MAIL_PER_ADDRESS, now, window)
        by_source = _count(source_key(request), settings.PORTAL_MAIL_PER_SOURCE, now, window)
    if by_address and by_source:
        return True
    log.warning(
        "portal mail limit: %s not sent (%s limit reached, source %s)",
        what,
        "address" if not by_address else "source",
        client_address(request),
    )
    return False
