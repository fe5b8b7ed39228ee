"""The case page: header with clocks and countdowns, parties, documents, the timeline from the
event log, and the actions, each a form that calls one service."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from appealdesk.access import roles
from appealdesk.access.log import case_for, log_reads, looks_at_case
from appealdesk.access.models import AccessLog
from appealdesk.access.timeline import describe
from appealdesk.accounts.models import PortalAccount
from appealdesk.activity.selectors import mark_read
from appealdesk.cases import packs
from appealdesk.cases import services as sv
from appealdesk.cases.documents import document_response, document_store
from appealdesk.cases.errors import DomainError, StaleVersion
from appealdesk.cases.models import (
    Case,
    CaseFileRequest,
    Clock,
    ClockState,
    Extension,
    ExtensionConsentRequest,
)
from appealdesk.cases.selectors import case_search, case_timeline
from appealdesk.correspondence.rationales import rationale_fill as rationale_fill_text
from appealdesk.desk.forms import ACTION_FORMS, ActionForm, DecideForm, item_choices
from appealdesk.desk.timeleft import of_clock, status, target_missed
from appealdesk.desk.views.documents import SHOWN_AS_IS, VIEWABLE, document_inline
from appealdesk.desk.views.letters import letters_panel
from appealdesk.desk.views.sending import send_panel

# the clock states whose time can pass unmet (a paused clock's due time is not counting)
MISSABLE = (ClockState.RUNNING, ClockState.EXTENDED, ClockState.MISSED)
CASE_PAGE = (
    Case.objects.select_related(
        "member", "representative", "provider", "team", "owner", "reviewer", "decided_by", "pack"
    )
    .prefetch_related("clocks", "documents", "information_requests")
    # whether the provider sees the case on the portal (issue 18 item 7), in the same query
    .annotate(
        provider_on_portal=Exists(PortalAccount.objects.filter(party_id=OuterRef("provider_id")))
    )
)


@require_GET
def case_page(request: HttpRequest, number: str) -> HttpResponse:
    case = case_for(request, number, what="case page", queryset=CASE_PAGE)
    # what the user was told about this case is read once she opens it
    mark_read(request.user, case_id=case.pk)
    return _render(request, case)


# the reviewer's own actions: the assigned reviewer's, or a supervisor's (SPEC 5.4)
REVIEWER_ACTIONS = ("decide", "return_to_analyst")


def _may_take(user: Any, action: str, case: Case) -> bool:
    return action not in REVIEWER_ACTIONS or roles.may_decide(user, case)


def _render(
    request: HttpRequest, case: Case, bound: ActionForm | None = None, status_code: int = 200
) -> HttpResponse:
    program = packs.program_of(case.pack_id)
    now = timezone.now()
    with timezone.override(program.tz):
        clocks = sorted(
            (c for c in case.clocks.all() if c.state != ClockState.CANCELLED),
            key=lambda c: (c.due_at is None, c.due_at or now, c.pk),
        )
        rows = [
            {
                "clock": c,
                "status": of_clock(c.state, c.due_at, c.at_risk_at, c.met_at, now, c.binding),
            }
            for c in clocks
        ]
        opened = bound.action if bound is not None else request.GET.get("action")
        actions = _actions(request.user, case, program, bound, opened)
        # the note form sits with the notes, not among the actions
        note_form = next((a.form for a in actions if a.action == "note"), None)
        actions = [a for a in actions if a.action != "note"]
        timeline = case_timeline(case)
        linked = list(
            roles.visible_cases(request.user)
            .filter(matter_id=case.matter_id)
            .exclude(pk=case.pk)
            .only("number", "kind", "level", "state", "outcome", "received_at")
            .order_by("received_at", "pk")
        )
        documents = list(case.documents.all())
        extensions = list(
            Extension.objects.filter(clock__case=case)
            .select_related("clock", "by")
            .order_by("created_at")
        )
        context = {
            "case": case,
            "program": program,
            "handler": program.handlers.get(case.handler),
            "clocks": rows,
            **_header_badges(case, clocks, now),
            "events": [describe(e) for e in timeline],
            "notes": [describe(e) for e in timeline if e.action in sv.INTERNAL_ACTIONS],
            "note_form": note_form,
            "documents": documents,
            "viewable": VIEWABLE,
            "shown_as_is": SHOWN_AS_IS,
            "viewing": next((d for d in documents if str(d.pk) == request.GET.get("view")), None),
            "workspace": _workspace(request.user, case, program),
            "information_requests": list(case.information_requests.all()),
            "extensions": extensions,
            "linked": linked,
            "actions": actions,
            "open_form": opened,
            "can_upload": roles.may(request.user, "upload"),
            "stale": status_code == 409,
            "looks": _looks(request.user, case),
            "tz": program.pack.time_zone,
            **portal_requests(case),
            **letters_panel(request, case),
            # the latest "send decision" of the case: one query, whatever its state (the page's
            # queries stay the same for every case: tests/desk/test_queries.py)
            "send": send_panel(case),
        }
        return render(request, "desk/case.html", context, status=status_code)


@dataclass(frozen=True)
class Action:
    """An action of the case page: its form built only when it is open (a refused one, or
    `?action=`), else fetched when the user opens it (htmx, `action_form`)."""

    action: str
    title: str
    form: ActionForm | None


def _actions(
    user: Any, case: Case, program: Any, bound: ActionForm | None, opened: str | None
) -> list[Action]:
    found = []
    for name, form_class in ACTION_FORMS.items():
        if not roles.may(user, name):
            continue
        if bound is not None and bound.action == name:
            found.append(Action(name, form_class.title, bound))
            continue
        if not (form_class.offered(case, program) and _may_take(user, name, case)):
            continue
        built = name in (opened, "note")  # the note form is always on the page
        form = form_class(case=case, user=user) if built else None
        found.append(Action(name, form_class.title, form))
    return found


@require_GET
def action_form(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """One action's form, for the case page's action the user opened (htmx). `version` is the
    case version the page showed: a form opened later still refuses a stale edit."""
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        return render(request, "404.html", status=404)
    case = case_for(request, number, what=f"action form {action}", queryset=CASE_PAGE)
    if not roles.may(request.user, action) or not _may_take(request.user, action, case):
        return HttpResponseForbidden(f"You may not {action.replace('_', ' ')} this case.")
    program = packs.program_of(case.pack_id)
    with timezone.override(program.tz):
        version = roles.as_int(request.GET.get("version"))
        initial = {"version": version} if version is not None else {}
        form = form_class(case=case, user=request.user, initial=initial)
        if not form.applies():
            return HttpResponse(
                f'<p class="alert warning">{form.title} does not apply to this case any more: '
                "reload it.</p>"
            )
        return render(request, "desk/_action_form.html", {"case": case, "form": form})


def _workspace(user: Any, case: Case, program: Any) -> dict[str, Any] | None:
    """The reviewer's workspace (issue 18, item 4): for whoever may decide the case now, what
    is still missing and what was asked for and has not come (read from the prefetched rows)."""
    if case.state not in DecideForm.states or not roles.may(user, "decide"):
        return None
    if not roles.may_decide(user, case):
        return None
    labels = dict(item_choices(program))
    return {
        "missing": [labels.get(m, m.replace("_", " ")) for m in case.missing or []],
        "waiting": [
            item
            for r in case.information_requests.all()
            if r.received_at is None
            for item in r.items
        ],
    }


def _header_badges(case: Case, clocks: list[Clock], now: dt.datetime) -> dict[str, Any]:
    """The header's deadline, named by the binding clock it is about, and the non-binding
    targets already missed, each shown as a missed target (never as overdue)."""
    if not case.is_open:
        return {"status": None, "targets": []}
    unmet = [c for c in clocks if c.met_at is None and c.due_at is not None]
    named = next((c.clock_id for c in unmet if c.binding and c.due_at == case.next_due_at), "")
    targets = [
        target_missed(c.clock_id, c.due_at, now)
        for c in unmet
        if not c.binding and c.due_at < now and c.state in MISSABLE
    ]
    return {
        "status": status(case.next_due_at, case.next_at_risk_at, now, named),
        "targets": targets,
    }


def portal_requests(case: Case) -> dict[str, Any]:
    """What the member asked for on the portal: consent to more time (and their answer), and
    copies of the case file."""
    return {
        "consent_requests": list(
            ExtensionConsentRequest.objects.filter(case=case)
            .select_related("clock", "requested_by", "signature")
            .order_by("requested_at")
        ),
        "file_requests": list(
            CaseFileRequest.objects.filter(case=case)
            .select_related("account__user", "fulfilled_by")
            .order_by("requested_at")
        ),
    }


def _looks(user: Any, case: Case) -> list[AccessLog] | None:
    """Who opened the case lately: shown to supervisors (SPEC 8, the access log)."""
    mine = roles.roles_of(user)
    if not mine & {roles.SUPERVISOR, roles.ADMINISTRATOR}:
        return None
    return list(looks_at_case(case.pk).order_by("-at", "-id")[:15])


@require_POST
def case_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        return render(request, "404.html", status=404)
    case = case_for(request, number, what=f"action {action}", queryset=CASE_PAGE)
    if not roles.may(request.user, action):
        return HttpResponseForbidden(f"You may not {action.replace('_', ' ')} cases.")
    if not _may_take(request.user, action, case):
        return HttpResponseForbidden(
            f"{case.number} is assigned to {case.reviewer} for review: the decision is theirs."
        )
    program = packs.program_of(case.pack_id)
    with timezone.override(program.tz):
        form = form_class(request.POST, request.FILES, case=case, user=request.user)
        if not form.applies():
            form.is_valid()
            form.add_error(None, f"{form.title} does not apply to a {case.state} case.")
            return _render(request, case, form, 422)
        if form.is_valid():
            try:
                done = form.run()
            except StaleVersion as exc:
                # keep what the user typed; base a new try on the version now stored
                data = request.POST.copy()
                data[f"{form.prefix}-version"] = str(exc.current)
                form = form_class(data, request.FILES, case=case, user=request.user)
                form.is_valid()
                when = timezone.localtime(exc.changed_at) if exc.changed_at else None
                form.add_error(
                    None,
                    f"Case {case.number} was changed by {exc.changed_by}"
                    f"{f' at {when:%b %-d, %-I:%M %p %Z}' if when else ''} — reload it to see "
                    "what changed. Your entries are kept below.",
                )
                return _render(request, _reloaded(case), form, 409)
            except DomainError as exc:
                field = exc.field if exc.field in form.fields else None
                form.add_error(field, exc.message)
                return _render(request, _reloaded(case), form, 422)
            messages.success(request, done)
            if not roles.can_see(request.user, case):
                # a reviewer who returned the case is off it: her list, not a 404
                return redirect("desk:worklist")
            linked = getattr(form, "linked", None)
            if linked is not None and roles.can_see(request.user, linked):
                return redirect("desk:case", number=linked.number)
            return redirect("desk:case", number=case.number)
    return _render(request, case, form, 422)


def _reloaded(case: Case) -> Case:
    return CASE_PAGE.get(pk=case.pk)


@require_POST
def case_upload(request: HttpRequest, number: str) -> HttpResponse:
    case = case_for(request, number, what="upload")
    if not roles.may(request.user, "upload"):
        return HttpResponseForbidden("You may not add documents.")
    files = request.FILES.getlist("documents")
    if not files:
        messages.error(request, "Choose a file to upload.")
    for upload in files:
        try:
            kind = request.POST.get("kind") or "evidence"
            doc = document_store(upload, kind=kind, case=case, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{doc.name} stored (SHA-256 {doc.sha256[:12]}…).")
    return redirect("desk:case", number=case.number)


@require_GET
def document_download(request: HttpRequest, number: str, document_id: int) -> HttpResponse:
    """A document downloaded, or with `?inline=1` shown on the case page (sandboxed)."""
    inline = request.GET.get("inline") == "1"
    case = case_for(request, number, what="document viewed" if inline else "document")
    document = case.documents.filter(pk=document_id).first()
    if document is None:
        return render(request, "404.html", status=404)
    return document_inline(request, case, document) if inline else document_response(document)


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    results: list[Any] = case_search(query, within=roles.visible(request.user)) if query else []
    log_reads(request, results, "search result")
    if len(results) == 1 and results[0].number.lower() == query.lower():
        return redirect("desk:case", number=results[0].number)
    now = timezone.now()
    rows = [
        (c, status(c.next_due_at, c.next_at_risk_at, now) if c.is_open else None) for c in results
    ]
    return render(request, "desk/search.html", {"q": query, "rows": rows})


@require_GET
def rationale_fill(request: HttpRequest, number: str) -> HttpResponse:
    """The decide form's rationale filled from the template picked (htmx): the textarea, with
    the template's text for this case in it."""
    case = case_for(request, number, what="rationale template", queryset=CASE_PAGE)
    if not roles.may(request.user, "decide") or not roles.may_decide(request.user, case):
        return HttpResponseForbidden("Deciding this case is not yours.")
    form = DecideForm(case=case, user=request.user)
    chosen = form.rationales.get(request.GET.get(f"{form.prefix}-rationale_template", ""))
    text = rationale_fill_text(chosen, case) if chosen is not None else ""
    form = DecideForm(case=case, user=request.user, initial={"reason": text})
    return HttpResponse(str(form["reason"].as_widget()))
