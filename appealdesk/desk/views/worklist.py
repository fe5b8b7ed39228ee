"""The worklist: my cases, cases to review, and the team queue, by the next due clock."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from appealdesk.access import roles
from appealdesk.access.log import log_reads
from appealdesk.activity.selectors import unread_cases
from appealdesk.cases import selectors
from appealdesk.cases import services as sv
from appealdesk.cases.errors import DomainError
from appealdesk.cases.models import KIND_CHOICES, OPEN_STATES, Case, Team
from appealdesk.desk.forms import BulkAssignForm
from appealdesk.desk.models import SavedView
from appealdesk.desk.rows import row_html
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
    now = timezone.now()
    try:
        page = selectors.worklist(
            cursor=request.GET.get("cursor") or None, now=now, **scope, **filters
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("desk:worklist")
    # a worklist page shows names and subscriber IDs: one access-log row names its cases
    log_reads(request, page.items, f"worklist {tab}")
    # which of the page's cases have unread notifications: one indexed query per page
    unread = unread_cases(user, [item.id for item in page.items])
    bulk = roles.may(user, "assign")
    cases_url = reverse("desk:case", args=["-"])[:-2]
    # each row rendered once in Python (rows.py): the template engine was most of the time
    rows = [
        row_html(
            item,
            *of_row(item, now),
            unread=item.id in unread,
            bulk=bulk,
            username=user.get_username(),
            cases_url=cases_url,
        )
        for item in page.items
    ]
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
        "unread": unread,
        "next_query": next_query,
        "teams": teams,
        "filters": request.GET,
        "programs": sorted({t.program for t in teams}),
        "kinds": KIND_CHOICES,
        "states": [(s, s.replace("_", " ")) for s in OPEN_STATES],
        "handlers": sorted({t.handler for t in teams if t.handler}),
        # analysts assign cases too (SPEC 1): the same check as the case page's assign form
        "bulk": bulk,
        "counts": selectors.worklist_counts(now=now, **scope),
        "saved_views": list(SavedView.objects.filter(owner=user).order_by("name")),
        "view_query": _view_query(request),
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


def _view_query(request: HttpRequest) -> str:
    """The worklist's tab and filters as a saved view keeps them (never the page cursor)."""
    query = request.GET.copy()
    query.pop("cursor", None)
    return query.urlencode()


@require_POST
def bulk_assign(request: HttpRequest) -> HttpResponse:
    """Analysts and supervisors move checked cases to an owner at once, or take one case or
    the checked ones themselves ("assign to me"); each through case_assign, with the version
    the page showed, so the service's own checks apply to every case."""
    if not roles.may(request.user, "assign"):
        return HttpResponseForbidden("Only analysts and supervisors assign cases.")
    back = request.POST.get("back") or ""
    if not back or not url_has_allowed_host_and_scheme(back, {request.get_host()}):
        back = "desk:worklist"
    numbers = request.POST.getlist("cases")
    form = BulkAssignForm(request.POST)
    if one := request.POST.get("mine"):
        numbers, owner = [one], request.user
    elif request.POST.get("to_me") and numbers:
        owner = request.user
    elif form.is_valid() and numbers:
        owner = get_user_model().objects.get(pk=form.cleaned_data["owner"])
    else:
        messages.error(request, "Choose the cases and the new owner.")
        return redirect(back)
    visible = roles.visible_cases(request.user).filter(number__in=numbers)
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
                reason=(request.POST.get("reason") or "").strip()
                or ("assigned to self" if owner == request.user else "bulk reassignment"),
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


@require_POST
def view_save(request: HttpRequest) -> HttpResponse:
    """Keep the worklist's tab and filters under a name, for this user only."""
    name = (request.POST.get("name") or "").strip()[:80]
    query = (request.POST.get("query") or "").strip()[:500]
    if not name:
        messages.error(request, "Name the view to save it (e.g. 'expedited, overdue').")
        return redirect(f"{reverse('desk:worklist')}?{query}")
    SavedView.objects.update_or_create(owner=request.user, name=name, defaults={"query": query})
    messages.success(request, f"View '{name}' saved.")
    return redirect(f"{reverse('desk:worklist')}?{query}")


@require_POST
def view_delete(request: HttpRequest, view_id: int) -> HttpResponse:
    deleted, _ = SavedView.objects.filter(owner=request.user, pk=view_id).delete()
    if deleted:
        messages.success(request, "View removed.")
    return redirect("desk:worklist")
