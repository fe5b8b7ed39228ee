"""The portal's front page: the signed-in person's requests, and what they can do next."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from appealdesk.access import scope
from appealdesk.access.log import log_reads
from appealdesk.cases.models import Authorization
from appealdesk.portal import words

PAGE = 50


def _after(cursor: str | None) -> Q | None:
    """The requests older than the cursor "<received_at ISO>~<id>" (the last one shown); None
    for the first page or a cursor that does not parse (then the first page is shown)."""
    when, _, ident = (cursor or "").rpartition("~")
    try:
        received_at, pk = dt.datetime.fromisoformat(when), int(ident)
    except ValueError:
        return None
    return Q(received_at__lt=received_at) | Q(received_at=received_at, id__lt=pk)


def home(request: HttpRequest) -> HttpResponse:
    """The newest requests first, by pages of 50 (a provider or a representative may have
    hundreds), each page a keyset read on (received_at, id)."""
    account = scope.account_of(request)
    listed = scope.visible_cases(account).select_related("member")
    older = _after(request.GET.get("older"))
    if older is not None:
        listed = listed.filter(older)
    cases = list(listed.order_by("-received_at", "-id")[: PAGE + 1])
    more = len(cases) > PAGE
    cases = cases[:PAGE]
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
        "older": f"{cases[-1].received_at.isoformat()}~{cases[-1].pk}" if more else "",
        "paged": older is not None,
    }
    return render(request, "portal/home.html", context)
