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
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from appealdesk.access import roles
from appealdesk.access.log import log_members
from appealdesk.cases.documents import document_store, files_undone_on_error
from appealdesk.cases.errors import DomainError
from appealdesk.cases.models import Authorization, Party
from appealdesk.cases.providers import provider_for_intake
from appealdesk.cases.services import case_receive, language_of, party_language_set
from appealdesk.desk.forms import IntakeForm, member_party
from appealdesk.desk.views import intake_mail as mail
from appealdesk.desk.views.intake_fhir import fhir_prefill
from appealdesk.policy import AssessError, assess, default_registry
from appealdesk.policy.assess import Program, program_for
from appealdesk.policy.highlight import marked

LAST_PROGRAM = "intake_program"


def _program(request: HttpRequest) -> tuple[Program, list[tuple[str, str]]]:
    registry = default_registry()
    names = registry.programs()
    # the program asked for, else the one this person took in last (intake works one program
    # for hours), else the first
    wanted = (
        request.GET.get("program")
        or request.POST.get("program")
        or request.session.get(LAST_PROGRAM)
        or names[0]
    )
    if wanted not in names:
        wanted = names[0]
    request.session[LAST_PROGRAM] = wanted
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
        if not _kind_settled(form):
            return _page(request, form, program, programs, status=422)
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


@require_POST
def intake_fhir(request: HttpRequest) -> HttpResponse:
    """Intake prefilled from an uploaded FHIR bundle (a PAS ClaimResponse or CARIN / PDex
    EOB): the form starts from what the decision says (`fhir_prefill`), nothing is stored until
    it is confirmed."""
    if not roles.may(request.user, "receive"):
        return HttpResponseForbidden("Taking in requests is for intake, analysts and supervisors.")
    program, programs = _program(request)
    with timezone.override(program.tz):
        initial, member, problems = fhir_prefill(request, program)
        if problems:
            for problem in problems:
                messages.error(request, problem)
            return redirect(f"{reverse('desk:intake')}?program={program.pack.program}")
        form = IntakeForm(program=program, user=request.user, initial=initial)
        return _page(request, form, program, programs, member=member)


def _kind_settled(form: IntakeForm) -> bool:
    """Clocks never start on a guess: when the text leaves the kind unclear (its clocks are
    provisional), intake says what the person asks for or the category before taking it in."""
    d = form.cleaned_data
    if d.get("requested") or d.get("category") or form.override():
        return True
    try:
        kind = assess(form.request_dict())["classification"].get("kind") or {}
    except AssessError:
        return True  # the service refuses it with the field named
    if kind.get("status") != "needs_review":
        return True
    form.add_error(
        "requested",
        f"The kind is not clear from the text ({kind.get('reason') or 'several readings'}): "
        "choose what the person asks for, or the category, before taking it in.",
    )
    return False


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
                language=language_of(d["member_language"]),
            )
        representative = None
        if d["representative_name"]:
            representative = Party.objects.create(
                role="authorized_rep", name=d["representative_name"]
            )
        provider = None
        if d["provider_name"] or d["provider_npi"]:
            provider = provider_for_intake(
                name=d["provider_name"],
                npi=d["provider_npi"],
                phone=d["provider_phone"],
                fax=d["provider_fax"],
            ).party
        case = case_receive(
            request=mail.exact_receipt(form.request_dict(), item),
            actor=request.user,
            member=member,
            representative=representative,
            provider=provider,
            summary=d["summary"],
            backdate_reason=d["backdate_reason"],
            override=form.override() or None,
            override_reason=d["override_reason"],
            source_reference=d["source_reference"],
            source_focus=d["source_focus"],
        )
        if d["member_language"]:  # told for a member on file: changed with its event
            party_language_set(
                member,
                language=language_of(d["member_language"]),
                actor=request.user,
                case=case,
                how="told to intake",
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
    panel = _panel(form, program)
    context = {
        "form": form,
        "program": program,
        "programs": programs,
        "panel": panel,
        "reading": _reading(form, panel),
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
    _show_proposal(form, proposal["classification"])
    return {"proposal": proposal, "final": final}


def _show_proposal(form: IntakeForm, classification: dict[str, Any]) -> None:
    """The classifier's proposal in the fields themselves: when the category (or what the person
    asks for) is left to the text, the empty choice names what the text was read as."""
    category = classification.get("category")
    if classification.get("status") == "classified" and category:
        label = dict(form.fields["category"].choices).get(category, category)
        _first_choice(form, "category", f"Proposed: {label}")
    elif classification.get("status") == "needs_review":
        _first_choice(form, "category", "Needs review: choose a category")
    requested = classification.get("requested") or {}
    if requested.get("status") == "proposed" and requested.get("value"):
        _first_choice(form, "requested", f"Proposed: {requested['value'].replace('_', ' ')}")
    elif requested.get("status") == "needs_review":
        _first_choice(form, "requested", "Needs review: choose what the person asks for")


def _first_choice(form: IntakeForm, name: str, label: str) -> None:
    field = form.fields[name]
    field.choices = [("", label), *list(field.choices)[1:]]


def _reading(form: IntakeForm, panel: dict[str, Any]) -> list[tuple[str, bool]]:
    """The caller's text with the words that pushed toward the proposed category marked."""
    text = form.data.get("text") if form.is_bound else None
    classification = (panel.get("proposal") or {}).get("classification") or {}
    evidence = [e["term"] for e in classification.get("evidence") or []]
    return marked(str(text), evidence) if text and evidence else []


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
        panel = _panel(form, program)
        context = {"panel": panel, "program": program, "form": form}
        context["reading"] = _reading(form, panel)
        return render(request, "desk/_assess_live.html", context)


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


@require_GET
def party_details(request: HttpRequest, pk: int) -> HttpResponse:
    """The picked member's details, to verify with the caller (htmx, issue 18 item 7): name,
    subscriber ID, phone, address, e-mail and consent, letters' language. Only a member intake
    may see (`roles.visible_members`), and the read is logged as the search's is."""
    if not roles.may(request.user, "receive"):
        return HttpResponseForbidden()
    party = member_party(pk, request.user)
    if party is None:
        return render(request, "desk/_party_details.html", {"party": None}, status=404)
    log_members(request, [party], "member details at intake")
    return render(request, "desk/_party_details.html", {"party": party})
