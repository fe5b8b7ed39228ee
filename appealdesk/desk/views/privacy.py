"""The privacy officer's pages (issue 24 item 4; docs/audit.md): find a member, then "who looked
at this member, and why" — every look at their details and cases, from the database and the
archived months, as a page and as CSV — and the weekly reports of unusual access. For the
privacy role (and administrators); the officer's own looks at a member are logged as well."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from itertools import islice

from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from appealdesk.access import privacy, roles
from appealdesk.access.log import log_members
from appealdesk.access.models import AccessReview
from appealdesk.cases.models import Case, Party
from appealdesk.reports import export

SHOWN = 500  # looks on the page; the CSV has them all
FOUND = 25  # members listed by a search
REFUSED = "The access log's accounting is for privacy officers."


def _refused(request: HttpRequest) -> HttpResponse | None:
    return None if roles.may(request.user, "privacy") else HttpResponseForbidden(REFUSED)


@require_GET
def privacy_search(request: HttpRequest) -> HttpResponse:
    if refused := _refused(request):
        return refused
    query = request.GET.get("q", "").strip()[:100]
    found: list[Party] = []
    if query:
        members = Party.objects.filter(role="member")
        found = list(
            members.filter(Q(subscriber_id=query.upper()) | Q(name__icontains=query)).order_by(
                "name", "pk"
            )[:FOUND]
        )
        log_members(request, found, "privacy member search")
    return render(request, "desk/privacy.html", {"q": query, "found": found, "more": FOUND})


def _member(request: HttpRequest, pk: int) -> Party:
    member = get_object_or_404(Party, pk=pk, role="member")
    log_members(request, [member], "privacy accounting")
    return member


@require_GET
def privacy_member(request: HttpRequest, pk: int) -> HttpResponse:
    if refused := _refused(request):
        return refused
    member = _member(request, pk)
    looks = list(islice(privacy.member_looks(member.pk), SHOWN + 1))
    context = {
        "member": member,
        "cases": Case.objects.filter(member=member).order_by("-received_at"),
        "looks": looks[:SHOWN],
        "more": len(looks) > SHOWN,
        "shown": SHOWN,
    }
    return render(request, "desk/privacy_member.html", context)


@require_GET
def privacy_member_csv(request: HttpRequest, pk: int) -> HttpResponse:
    if refused := _refused(request):
        return refused
    member = _member(request, pk)

    def batches() -> Iterator[list[list[str]]]:
        looks = privacy.member_looks(member.pk)
        while batch := [look.csv_row() for look in islice(looks, 1000)]:
            yield batch

    response = StreamingHttpResponse(
        export.csv_chunks(privacy.CSV_HEADER, batches()), content_type=export.CONTENT_TYPES["csv"]
    )
    name = f"appealdesk-access-member-{member.pk}-{dt.date.today():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def privacy_review(request: HttpRequest) -> HttpResponse:
    if refused := _refused(request):
        return refused
    today = dt.datetime.now(dt.UTC).date()
    week = privacy.week_start(today)
    context = {
        "week": week,
        "current": privacy.unusual_access(week),
        "reviews": AccessReview.objects.order_by("-week")[:12],
    }
    return render(request, "desk/privacy_review.html", context)
