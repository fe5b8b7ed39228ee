"""The portal's front page: the signed-in person's requests, and what they can do next."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from appealdesk.cases.models import Authorization
from appealdesk.desk.access import log_reads
from appealdesk.portal import scope, words


def home(request: HttpRequest) -> HttpResponse:
    account = scope.account_of(request)
    cases = list(
        scope.visible_cases(account).select_related("member").order_by("-received_at", "-id")[:200]
    )
    log_reads(request, cases, "portal case list")
    rows = [{"case": c, "kind": words.kind_words(c), "state": words.state_words(c)} for c in cases]
    pending = Authorization.objects.filter(
        representative_id=account.party_id, verified_at__isnull=True, refused_at__isnull=True
    ).select_related("member")
    context = {
        "account": account,
        "rows": rows,
        "represented": scope.represented_members(account),
        "pending": pending,
    }
    return render(request, "portal/home.html", context)
