"""Administration pages: the policy packs and their versions (every rule with its source),
the business-day calendars with their holidays, and the people, roles and teams."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from appealdesk.access import roles
from appealdesk.cases.models import PackSnapshot, Team
from appealdesk.policy import default_registry
from appealdesk.policy.assess import program_for
from appealdesk.policy.diff import pack_diff


def _administrator(request: HttpRequest) -> HttpResponse | None:
    if not roles.may(request.user, "administer"):
        return HttpResponseForbidden("Administration is for administrators.")
    return None


def packs(request: HttpRequest) -> HttpResponse:
    if refused := _administrator(request):
        return refused
    registry = default_registry()
    stored = dict(PackSnapshot.objects.annotate(n=Count("cases")).values_list("sha256", "n"))
    programs = [
        {
            "id": name,
            "versions": [
                {
                    "loaded": v,
                    "cases": stored.get(v.sha256),
                    "in_force": v is registry.in_force(name, timezone.localdate()),
                }
                for v in registry.versions(name)
            ],
        }
        for name in registry.programs()
    ]
    return render(
        request, "desk/admin_packs.html", {"programs": programs, "year": timezone.localdate().year}
    )


def pack(request: HttpRequest, program: str, version: str) -> HttpResponse:
    if refused := _administrator(request):
        return refused
    registry = default_registry()
    if program not in registry.programs():
        raise Http404("no such program")
    versions = registry.versions(program)
    loaded = next((v for v in versions if v.pack.version == version), None)
    if loaded is None:
        raise Http404("no such version")
    # what changed: from the version before this one, or from the one asked for (?compare=)
    others = [v for v in versions if v is not loaded]
    earlier = [v for v in versions if v.pack.effective_from < loaded.pack.effective_from]
    asked = request.GET.get("compare")
    base = next((v for v in others if v.pack.version == asked), None) if asked else None
    base = base or (earlier[-1] if earlier else None)
    return render(
        request,
        "desk/admin_pack.html",
        {
            "loaded": loaded,
            "pack": loaded.pack,
            "year": timezone.localdate().year,
            "others": others,
            "base": base,
            "changes": pack_diff(base.pack, loaded.pack) if base else None,
        },
    )


def calendar(request: HttpRequest, program: str, year: int) -> HttpResponse:
    if refused := _administrator(request):
        return refused
    registry = default_registry()
    if program not in registry.programs() or not 1900 <= year <= 2200:
        raise Http404("no such calendar")
    cal = program_for(registry.in_force(program, timezone.localdate())).calendar
    days = [{"date": e.date, "name": e.name, "source": e.source} for e in cal.entries(year)]
    return render(
        request,
        "desk/admin_calendar.html",
        {
            "program": program,
            "programs": registry.programs(),
            "year": year,
            "years": [year - 1, year + 1],
            "calendar": cal,
            "days": days,
            "status": cal.year_status(year),
            "year_source": cal.year_source(year),
        },
    )


def people(request: HttpRequest) -> HttpResponse:
    if refused := _administrator(request):
        return refused
    users = (
        get_user_model()
        .objects.filter(is_staff=True)
        .select_related("staff", "staff__manager")
        .prefetch_related("groups", "staff__teams")
        .order_by("username")
    )
    enrolled = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    rows: list[dict[str, Any]] = []
    for user in users:
        profile = getattr(user, "staff", None)
        rows.append(
            {
                "user": user,
                "roles": sorted(roles.ROLES.get(g.name, g.name) for g in user.groups.all()),
                "profile": profile,
                "teams": list(profile.teams.all()) if profile else [],
                "mfa": user.pk in enrolled,
            }
        )
    teams = (
        Team.objects.select_related("supervisor")
        .annotate(n=Count("members"))
        .order_by("program", "name")
    )
    return render(
        request,
        "desk/admin_people.html",
        {"rows": rows, "teams": teams, "year": timezone.localdate().year},
    )
