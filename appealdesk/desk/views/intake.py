"""Intake: record a request with its true receipt time; the live assessment panel shows what
the policy engine proposes (kind, level, handler, filing window, missing items, clocks), and the
coordinator confirms it or overrides it with a reason."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from appealdesk.access import roles
from appealdesk.access.log import log_members
from appealdesk.cases.documents import document_store, files_undone_on_error
from appealdesk.cases.errors import DomainError
from appealdesk.cases.models import Authorization, Party
from appealdesk.cases.services import case_receive
from appealdesk.desk.forms import IntakeForm, member_party
from appealdesk.desk.views import intake_mail as mail
from appealdesk.policy import AssessError, assess, default_registry
from appealdesk.policy.assess import Program, program_for


def _program(request: HttpRequest) -> tuple[Program, list[tuple[str, str]]]:
    registry = default_registry()
    names = registry.programs()
    wanted = request.GET.get("program") or request.POST.get("program") or names[0]
    if wanted not in names:
        wanted = names[0]
    today = timezone.localdate()
    choices = [(n, registry.in_force(n, today).pack.name) for n in names]
    return program_for(registry.in_force(wanted, today)), choices


def intake(request: HttpRequest) -> HttpResponse:
    if not roles.may(request.user, "receive"):
        return HttpResponseForbidden("Taking in requests is for intake, analysts and supervisors.")
    # opened from a mailroom item: the form starts from what reading found (`mail.prefill`)
    item = mail.item_for_intake(request)
    program, programs = _program(request)
    with timezone.override(program.tz):
        receipt = {"received_at": item.received_at} if item is not None else None
        if request.method != "POST":
            initial: dict[str, Any] = {
                "received_at": timezone.localtime().replace(second=0, microsecond=0)
            }
            member = None
            if item is not None:
                prefilled, member = mail.prefill(item, request)
                initial.update(prefilled)
            form = IntakeForm(program=program, user=request.user, initial=initial)
            mail.lock_receipt(form, item)
            return _page(request, form, program, programs, member=member)
        form = IntakeForm(
            request.POST, request.FILES, program=program, user=request.user, initial=receipt
        )
        mail.lock_receipt(form, item)
        if not form.is_valid() or "preview" in request.POST:
            return _page(request, form, program, programs, status=200 if form.is_valid() else 422)
        try:
            case = _receive(request, form, item)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            return _page(request, form, program, programs, status=422)
    messages.success(request, f"{case.number} taken in: {case.kind.replace('_', ' ')}.")
    if not roles.can_see(request.user, case):
        # routed to a team whose cases this user does not work
        messages.info(request, f"It went to {case.team or 'no team'}, whose cases you do not see.")
        return redirect(f"{request.path}?program={case.program}")
    return redirect("desk:case", number=case.number)


def _receive(request: HttpRequest, form: IntakeForm, item: Any = None) -> Any:
    d = form.cleaned_data
    with transaction.atomic(), files_undone_on_error():
        member = member_party(d["member"], request.user)
        if member is None:
            member = Party.objects.create(
                role="member",
                name=d["member_name"],
                subscriber_name=d["member_name"],
                patient_name=d["member_name"],
                subscriber_id=d["subscriber_id"],
                birth_date=d["member_birth_date"],
                phone=d["member_phone"],
                address=d["member_address"],
                email=d["member_email"],
                email_consent=bool(d["member_email"] and d["member_email_consent"]),
            )
        representative = None
        if d["representative_name"]:
            representative = Party.objects.create(
                role="authorized_rep", name=d["representative_name"]
            )
        case = case_receive(
            request=mail.exact_receipt(form.request_dict(), item),
            actor=request.user,
            member=member,
            representative=representative,
            summary=d["summary"],
            backdate_reason=d["backdate_reason"],
            override=form.override() or None,
            override_reason=d["override_reason"],
        )
        if representative is not None:
            upload = d.get("authorization")
            document = (
                document_store(upload, kind="authorization", case=case, actor=request.user)
                if upload
                else None
            )
            Authorization.objects.create(
                member=member, representative=representative, document=document
            )
        for upload in request.FILES.getlist("documents"):
            document_store(upload, kind="evidence", case=case, actor=request.user)
        if item is not None:  # the item's pages become the case's, or nothing is taken in
            mail.opened_as_case(request, item, case)
    return case


def _page(
    request: HttpRequest,
    form: IntakeForm,
    program: Program,
    programs: list[tuple[str, str]],
    status: int = 200,
    member: Party | None = None,
) -> HttpResponse:
    context = {
        "form": form,
        "program": program,
        "programs": programs,
        "panel": _panel(form, program),
        "member": member or _chosen_member(request, form),
        "item": mail.item_of(form),
    }
    return render(request, "desk/intake.html", context, status=status)


def _chosen_member(request: HttpRequest, form: IntakeForm) -> Party | None:
    """The member picked from the search, shown with their details: a read, logged."""
    member = member_party(roles.as_int(form.data.get("member")), request.user)
    if member is not None and form.is_bound:
        log_members(request, [member], "intake member")
    return member if form.is_bound else None


def _panel(form: IntakeForm, program: Program) -> dict[str, Any]:
    """What `assess` proposes for the form as it stands (and with the override, if any)."""
    if not form.is_bound:
        return {
            "hint": "As you type, the proposal appears here: what the request is, who handles "
            "it, whether it is in time, what is missing, and every clock with its due time."
        }
    if not form.is_valid() and any(
        f in form.errors for f in ("received_at", "notice_date", "occurrence_date", "level")
    ):
        return {"error": "Fill in a valid receipt time and dates to see the assessment."}
    try:
        proposal = assess(form.request_dict())
        override = form.override() if hasattr(form, "cleaned_data") else {}
        final = assess({**form.request_dict(), **override}) if override else None
    except AssessError as exc:
        return {"error": f"{exc.field}: {exc.message}"}
    return {"proposal": proposal, "final": final}


@require_POST
def intake_assess(request: HttpRequest) -> HttpResponse:
    """The live panel (htmx): the form as typed so far, assessed, nothing stored."""
    if not roles.may(request.user, "receive"):
        return HttpResponseForbidden()
    program, _ = _program(request)
    with timezone.override(program.tz):
        item = mail.item_for_assess(request)
        receipt = {"received_at": item.received_at} if item is not None else None
        form = IntakeForm(request.POST, program=program, user=request.user, initial=receipt)
        mail.lock_receipt(form, item)
        form.is_valid()
        return render(
            request, "desk/_assessment.html", {"panel": _panel(form, program), "program": program}
        )


@require_GET
def party_search(request: HttpRequest) -> HttpResponse:
    """Members by name or subscriber ID, for intake (htmx)."""
    if not roles.may(request.user, "receive"):
        return HttpResponseForbidden()
    q = request.GET.get("member_q", "").strip()
    # the one rule for members (`roles.visible_members`): never the members of other teams' cases
    members = roles.visible_members(request.user).filter(
        Q(name__icontains=q) | Q(subscriber_id__iexact=q)
    )
    found = list(members.distinct().order_by("name", "pk")[:10]) if len(q) >= 2 else []
    log_members(request, found, "member search")
    return render(request, "desk/_parties.html", {"parties": found, "q": q})
