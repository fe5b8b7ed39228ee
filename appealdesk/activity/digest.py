"""The e-mail digest of unread notifications, for those who turned it on (the desk's
notifications page): at most one a day per person, listing what they have not read and were not
yet sent. The worker queues `send_digests` every quarter hour (`digests_start`); any number of
workers may: each person's digest is claimed with a conditional update (healthchecks'
`sendalerts`), so two workers never send the same one.

The e-mail names the case numbers and what happened, never a note's or a member's words: mail
is not a safe place for health details; the desk shows them after signing in."""

from __future__ import annotations

import datetime as dt
import logging
import threading

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from appealdesk.activity.notify import KINDS
from appealdesk.cases.models import Notification, StaffProfile
from appealdesk.cases.sweeper import repeat

log = logging.getLogger("appealdesk.activity")

EVERY = dt.timedelta(days=1)
LISTED = 50
SWEEP_WORDS = {
    "clock.at_risk": "a deadline is at risk",
    "clock.missed": "a deadline was missed",
    "case.immediate_iro": "open to immediate independent review",
}


def _due(now: dt.datetime) -> Q:
    return Q(digest=True) & (Q(digest_sent_at=None) | Q(digest_sent_at__lte=now - EVERY))


def digest_text(items: list[Notification]) -> str:
    lines = [
        f"* {n.case.number}: {KINDS.get(n.kind) or SWEEP_WORDS.get(n.kind, n.kind)} "
        f"({timezone.localtime(n.created_at):%b %-d, %H:%M})"
        for n in items
    ]
    link = settings.SITE_URL + reverse("desk:notifications")
    return (
        f"You have {len(items)} unread notification(s) on the appeals desk:\n\n"
        + "\n".join(lines)
        + f"\n\nRead them (and turn this digest off) at {link}\n"
    )


def digests_send(*, now: dt.datetime | None = None) -> int:
    """Send the digests that are due; how many were sent."""
    now = now or timezone.now()
    sent = 0
    for pk, user_id, email in StaffProfile.objects.filter(_due(now)).values_list(
        "pk", "user_id", "user__email"
    ):
        with transaction.atomic():
            if not StaffProfile.objects.filter(_due(now), pk=pk).update(digest_sent_at=now):
                continue  # another worker claimed it
            rows = Notification.objects.filter(recipient_id=user_id, read_at=None, emailed_at=None)
            items = list(rows.select_related("case").order_by("-created_at", "-id")[:LISTED])
            if not items or not email:
                continue
            # a failed send raises: the claim rolls back and the next round tries again
            send_mail(
                "Appeals desk: your unread notifications",
                digest_text(items),
                settings.DEFAULT_FROM_EMAIL,
                [email],
            )
            Notification.objects.filter(pk__in=[n.pk for n in items]).update(emailed_at=now)
            sent += 1
    return sent


@task()
def send_digests() -> int:
    return digests_send()


def digests_start(every_seconds: float) -> threading.Event:
    """Queue `send_digests` now and then every `every_seconds`; set the returned event to stop."""
    return repeat("digests", every_seconds, send_digests.enqueue, log)


def digest_choose(user: object, *, on: bool) -> StaffProfile:
    """Turn the person's digest on or off (a preference: no case changes, no event)."""
    profile, _ = StaffProfile.objects.get_or_create(user=user)
    if profile.digest != on:
        profile.digest = on
        profile.save(update_fields=["digest"])
    return profile


def digest_chosen(user: object) -> bool:
    return StaffProfile.objects.filter(user=user, digest=True).exists()
