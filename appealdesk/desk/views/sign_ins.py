"""Administration: the sign-in record (single sign-on sign-ins, accounts made by it, refusals,
sessions ended by its check, and every break-glass password sign-in of a local administrator)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from appealdesk.accounts.models import SignInEvent
from appealdesk.accounts.sso import local
from appealdesk.desk.views.administration import _administrator

SHOWN = 200


def sign_ins(request: HttpRequest) -> HttpResponse:
    if refused := _administrator(request):
        return refused
    events = SignInEvent.objects.select_related("user")
    context = {
        "events": events[:SHOWN],
        "shown": SHOWN,
        "break_glass": events.filter(method=SignInEvent.BREAK_GLASS)[:20],
        "providers": local.providers(),
        "year": timezone.localdate().year,
    }
    return render(request, "desk/admin_sign_ins.html", context)
