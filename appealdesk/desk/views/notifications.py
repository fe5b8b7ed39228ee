"""The signed-in person's notifications, newest first: from the clock sweep (SPEC 5.5) and from
what people did to her cases (`appealdesk.activity`). Reading the page marks them read; the
e-mail digest is turned on and off here."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from appealdesk.activity.digest import digest_choose, digest_chosen
from appealdesk.activity.selectors import mark_read
from appealdesk.cases.models import Notification

SHOWN = 200


def notifications(request: HttpRequest) -> HttpResponse:
    mine = Notification.objects.filter(recipient=request.user)
    items = list(mine.select_related("case").order_by("-created_at", "-id")[:SHOWN])
    unread = [n.pk for n in items if n.read_at is None]
    if unread:
        mark_read(request.user, ids=unread)
    return render(
        request,
        "desk/notifications.html",
        {
            "items": items,
            "unread": set(unread),
            "total": mine.count(),
            "shown": SHOWN,
            "digest": digest_chosen(request.user),
        },
    )


@require_POST
def digest(request: HttpRequest) -> HttpResponse:
    on = request.POST.get("digest") == "on"
    digest_choose(request.user, on=on)
    messages.success(
        request,
        "The daily e-mail digest is on: unread notifications, at most once a day."
        if on
        else "The e-mail digest is off.",
    )
    return redirect("desk:notifications")
