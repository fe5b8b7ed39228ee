"""The signed-in person's notifications from the clock sweep (SPEC 5.5): newest first; reading
the page marks them read."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from appealdesk.cases.models import Notification

SHOWN = 200


def notifications(request: HttpRequest) -> HttpResponse:
    mine = Notification.objects.filter(recipient=request.user)
    items = list(mine.select_related("case").order_by("-created_at", "-id")[:SHOWN])
    unread = [n.pk for n in items if n.read_at is None]
    if unread:
        mine.filter(pk__in=unread).update(read_at=timezone.now())
    return render(
        request,
        "desk/notifications.html",
        {"items": items, "unread": set(unread), "total": mine.count(), "shown": SHOWN},
    )
