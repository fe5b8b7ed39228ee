"""The worklist: my cases, cases to review, and the team queue, by the next due clock."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from appealdesk.access import roles
from appealdesk.access.log import log_reads
from appealdesk.cases import selectors
from appealdesk.cases import services as sv
from appealdesk.cases.errors import DomainError
from appealdesk.cases.models import KIND_CHOICES, OPEN_STATES, Case, Team
from appealdesk.desk.forms import BulkAssignForm
from appealdesk.desk.timeleft import of_row

TABS = {"mine": "My cases", "review": "To review", "team": "Team queue"}
FLAGS = ("expedited", "at_risk", "overdue")


def _default_tab(user: Any) -> str:
    mine = roles.roles_of(user)
    if mine & roles.TEAM_ROLES or roles.ADMINISTRATOR in mine:
        return "team" if mine & {roles.INTAKE, roles.SUPERVISOR, roles.ADMINISTRATOR} else "mine"
    return "review"


def worklist(request: HttpRequest) -> HttpResponse:
    user = request.user
    tab = request.GET.get("tab") or _default_tab(user)
    if tab not in TABS:
        tab = "mine"
    my_teams = roles.team_ids(user)
    teams = list(Team.objects.filter(id__in=my_teams).order_by("program", "name"))
    filters: dict[str, Any] = {}
    for name in ("program", "kind", "state", "handler"):
        if value := request.GET.get(name):
            filters[name] = value
    if (level := request.GET.get("level")) in ("1", "2"):
        filters["level"] = int(level)
    if request.GET.get("expedited"):
        filters["expedited"] = True
    for flag in ("at_risk", "overdue"):
        if request.GET.get(flag):
            filters[flag] = True
    scope: dict[str, Any] = {}
    if tab == "mine":
        scope["owner"] = user
    elif tab == "review":
        scope["reviewer"] = user
    else:
        chosen = roles.as_int(request.GET.get("team"))
        scope["teams"] = [chosen] if chosen in my_teams else my_teams
    try:
        page = selectors.worklist(cursor=request.GET.get("cursor") or None, **scope, **filters)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("desk:worklist")
    # a worklist page shows names and subscriber IDs: one access-log row names its cases
    log_reads(request, page.items, f"worklist {tab}")
    now = timezone.now()
    rows = [(item, *of_row(item, now)) for item in page.items]
    query = request.GET.copy()
    query.pop("cursor", None)
    next_query = None
    if page.next_cursor:
        query["cursor"] = page.next_cursor
        next_query = query.urlencode()
    base = request.GET.copy()
    base.pop("cursor", None)
    base.pop("tab", None)
    context = {
        "tab": tab,
        "tabs": TABS,
        "tab_query": base.urlencode(),
        "rows": rows,
        "next_query": next_query,
        "teams": teams,
        "filters": request.GET,
        "programs": sorted({t.program for t in teams}),
        "kinds": KIND_CHOICES,
        "states": [(s, s.replace("_", " ")) for s in OPEN_STATES],
        "handlers": sorted({t.handler for t in teams if t.handler}),
        "bulk": roles.may(user, "bulk_assign"),
        "staff": get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .order_by("username")
        .values_list("pk", "username"),
    }
    template = (
        "desk/_worklist_rows.html"
        if request.htmx and request.htmx.target == "worklist-rows"
        else "desk/worklist.html"
    )
    return render(request, template, context)


@require_POST
def bulk_assign(request: HttpRequest) -> HttpResponse:
    """A supervisor moves many cases to another owner at once (each through case_assign)."""
    if not roles.may(request.user, "bulk_assign"):
        return HttpResponseForbidden("Only supervisors reassign in bulk.")
    numbers = request.POST.getlist("cases")
    visible = roles.visible_cases(request.user).filter(number__in=numbers)
    form = BulkAssignForm(request.POST)
    back = request.POST.get("back") or ""
    if not back or not url_has_allowed_host_and_scheme(back, {request.get_host()}):
        back = "desk:worklist"
    if not form.is_valid() or not numbers:
        messages.error(request, "Choose the cases and the new owner.")
        return redirect(back)
    owner = get_user_model().objects.get(pk=form.cleaned_data["owner"])
    done, refused = [], []
    cases: dict[str, Case] = {c.number: c for c in visible}
    for number in numbers:
        case = cases.get(number)
        if case is None:
            refused.append(f"{number}: not found")
            continue
        try:
            sv.case_assign(
                case,
                actor=request.user,
                owner=owner,
                reason=form.cleaned_data["reason"] or "bulk reassignment",
                expected_version=roles.as_int(request.POST.get(f"version-{number}")),
            )
        except DomainError as exc:
            refused.append(f"{number}: {exc.message}")
        else:
            done.append(number)
    if done:
        messages.success(request, f"{len(done)} case(s) now owned by {owner.get_username()}.")
    for line in refused:
        messages.error(request, line)
    return redirect(back)
