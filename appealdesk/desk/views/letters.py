"""Letters on the case page (preview, generate, e-mail, record as mailed), the case-file packet,
and the administrators' letter templates (each save a new version, with who, when and why)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appealdesk.access import roles
from appealdesk.access.log import case_for
from appealdesk.cases import packs
from appealdesk.cases.addresses import address_problem
from appealdesk.cases.errors import DomainError, InvalidInput
from appealdesk.cases.models import Case
from appealdesk.correspondence import catalog
from appealdesk.correspondence.context import letter_context, refusals
from appealdesk.correspondence.models import KIND_LABELS, Letter, LetterStatus, LetterTemplate
from appealdesk.correspondence.packet import PURPOSES, matter_cases, packet_build
from appealdesk.correspondence.render import letter_draft
from appealdesk.correspondence.services import (
    SENDABLE,
    STUCK_AFTER,
    letter_generate,
    letter_mark_mailed,
    letter_send,
)
from appealdesk.desk.forms import local_datetime
from appealdesk.headers import allow_letter_styles
from appealdesk.policy import default_registry


# -- the case page's letters section ----------------------------------------------------------
def letters_panel(request: HttpRequest, case: Case) -> dict[str, Any]:
    """The letters of the case, the kinds that apply now (with why the others do not), and the
    preview the user asked for (`?letter=<kind>`)."""
    versions = catalog.template_versions(case.program)
    why_not = refusals(case)
    available = [
        {"kind": kind, "label": KIND_LABELS[kind], "version": version, "why_not": why_not[kind]}
        for kind, version in versions.items()
    ]
    now = timezone.now()
    rows = []
    for letter in Letter.objects.filter(case=case).select_related(
        "rendered_by", "mailed_by", "party", "template", "send_requested_by"
    ):
        rows.append({"letter": letter, **_sending(letter, now)})
    wanted = request.GET.get("letter", "")
    preview: dict[str, Any] | None = None
    if wanted in versions:
        try:
            draft = letter_draft(case, wanted)
        except DomainError as exc:
            preview = {"kind": wanted, "label": KIND_LABELS[wanted], "error": exc.message}
        else:
            allow_letter_styles(request, draft.html)  # the srcdoc preview keeps its styles
            preview = {
                "kind": wanted,
                "label": KIND_LABELS[wanted],
                "subject": draft.subject,
                "html": draft.html,
                "addressee": draft.addressee,
                "version": draft.template.version,
                "language": draft.language,
            }
    return {
        "letters": rows,
        "letter_kinds": available,
        "preview": preview,
        "can_letter": roles.may(request.user, "letters"),
        "mailed_form": MailedForm(),
    }


def _sending(letter: Letter, now: dt.datetime) -> dict[str, Any]:
    party = letter.party
    stuck = (
        letter.status in (LetterStatus.QUEUED, LetterStatus.SENDING)
        and letter.send_requested_at is not None
        and letter.send_requested_at < now - STUCK_AFTER
    )
    open_to_send = letter.status in SENDABLE or stuck
    if party is None or not party.email:
        why = "no e-mail address on file"
    elif not party.email_consent:
        why = f"{party.name} has not agreed to e-mail"
    else:
        why = address_problem(party.email) or ""
    return {
        "can_email": open_to_send and not why,
        "email_why_not": why,
        "can_mail": letter.status in SENDABLE,
        "stuck": stuck,
    }


class MailedForm(forms.Form):
    at = local_datetime("Mailed at", required=False, help_text="empty: now")


def _back(case: Case, anchor: str = "letters") -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse('desk:case', args=[case.number])}#{anchor}")


def _letter_of(case: Case, letter_id: int) -> Letter:
    letter = Letter.objects.filter(case=case, pk=letter_id).select_related("party").first()
    if letter is None:
        raise Http404("No such letter on this case.")
    return letter


@require_POST
def letter_create(request: HttpRequest, number: str) -> HttpResponse:
    case = case_for(request, number, what="letter generate")
    if not roles.may(request.user, "letters"):
        return HttpResponseForbidden("You may not make letters.")
    kind = request.POST.get("kind", "")
    version = roles.as_int(request.POST.get("version"))
    try:
        letter = letter_generate(
            case,
            kind=kind,
            actor=request.user,
            note=request.POST.get("note", "")[:2000],
            expected_version=version,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(case)
    messages.success(
        request,
        f"{letter.kind_label} letter generated ({letter.pages} page"
        f"{'s' if letter.pages > 1 else ''}, template version {letter.template.version}).",
    )
    return _back(case)


@require_POST
def letter_email(request: HttpRequest, number: str, letter_id: int) -> HttpResponse:
    case = case_for(request, number, what="letter e-mail")
    if not roles.may(request.user, "letters"):
        return HttpResponseForbidden("You may not send letters.")
    try:
        letter = letter_send(_letter_of(case, letter_id), actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(case)
    if letter.status == LetterStatus.SENT:
        messages.success(request, f"Letter e-mailed to {letter.sent_to}.")
    elif letter.status == LetterStatus.FAILED:
        messages.error(request, f"The e-mail could not be sent: {letter.send_error}")
    else:
        messages.success(request, f"Letter queued to be e-mailed to {letter.sent_to}.")
    return _back(case)


@require_POST
def letter_mailed(request: HttpRequest, number: str, letter_id: int) -> HttpResponse:
    case = case_for(request, number, what="letter mailed")
    if not roles.may(request.user, "letters"):
        return HttpResponseForbidden("You may not record letters.")
    program = packs.program_of(case.pack_id)
    with timezone.override(program.tz):
        form = MailedForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Mailed at: enter a date and time, e.g. 2026-03-04 16:30.")
            return _back(case)
        try:
            letter = letter_mark_mailed(
                _letter_of(case, letter_id), actor=request.user, at=form.cleaned_data["at"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return _back(case)
        when = timezone.localtime(letter.mailed_at)
    messages.success(request, f"Recorded as mailed on {when:%b %-d, %Y %-I:%M %p %Z}.")
    return _back(case)


@require_GET
def case_packet(request: HttpRequest, number: str) -> HttpResponse:
    """The case file as one PDF (the member's free copy, or the IRO's)."""
    case = case_for(request, number, what="case file packet")
    purpose = request.GET.get("purpose", "copy")
    if purpose not in PURPOSES:
        purpose = "copy"
    packet = packet_build(
        case,
        cases=matter_cases(case, within=roles.visible_cases(request.user)),
        purpose=purpose,
        actor=request.user,
        notes=request.GET.get("notes") == "1",  # staff's internal notes only when chosen
    )
    response = HttpResponse(packet.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{case.number}-case-file.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


# -- administration: letter templates ---------------------------------------------------------
def _administrator(request: HttpRequest) -> HttpResponse | None:
    if not roles.may(request.user, "administer"):
        return HttpResponseForbidden("Administration is for administrators.")
    return None


@require_GET
def letter_templates(request: HttpRequest) -> HttpResponse:
    if refused := _administrator(request):
        return refused
    used = dict(
        Letter.objects.values("template__program")
        .annotate(n=Count("id"))
        .values_list("template__program", "n")
    )
    programs = []
    for program in default_registry().programs():
        versions = {lang: catalog.template_versions(program, lang) for lang in ("", "es")}
        latest = {
            (t.language, t.kind): t
            for t in LetterTemplate.objects.filter(program=program).select_related("created_by")
            if t.version == versions.get(t.language, {}).get(t.kind)
        }
        programs.append(
            {
                "id": program,
                "name": default_registry().latest(program).pack.name,
                "kinds": [
                    {
                        "kind": kind,
                        "label": label,
                        "version": versions[""].get(kind),
                        "template": latest.get(("", kind)),
                        "spanish": versions["es"].get(kind),
                        "spanish_template": latest.get(("es", kind)),
                    }
                    for kind, label in KIND_LABELS.items()
                ],
                "letters": used.get(program, 0),
            }
        )
    return render(
        request,
        "desk/admin_letters.html",
        {"programs": programs, "year": timezone.localdate().year},
    )


class TemplateForm(forms.Form):
    subject = forms.CharField(max_length=300, help_text="one line; a Django template")
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "true", "class": "mono"}),
        help_text="HTML with Django template tags: {{ case.number }}, {% if next_level %}…",
    )
    note = forms.CharField(
        label="What changed and why",
        required=False,
        max_length=2000,
        help_text="kept with the version; needed to save",
    )
    based_on = forms.IntegerField(widget=forms.HiddenInput, required=False)
    preview_case = forms.CharField(
        label="Preview with case", required=False, max_length=40, help_text="a case number"
    )


@require_http_methods(["GET", "POST"])
def letter_template(request: HttpRequest, program: str, kind: str) -> HttpResponse:
    if refused := _administrator(request):
        return refused
    if program not in default_registry().programs() or kind not in KIND_LABELS:
        raise Http404("No such program or kind of letter.")
    # each language of a kind has versions of its own (issue 18, item 9): ?language=es
    language = "es" if request.GET.get("language") == "es" else ""
    current = catalog.template_active(program, kind, language)
    history = list(
        LetterTemplate.objects.filter(program=program, kind=kind, language=language)
        .select_related("created_by")
        .annotate(n_letters=Count("letters"))
        .order_by("-version")
    )
    shown = current
    asked = roles.as_int(request.GET.get("version"))
    if asked is not None:
        shown = next((t for t in history if t.version == asked), current)
    preview: dict[str, Any] | None = None
    if request.method == "POST":
        form = TemplateForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            if "preview" in request.POST:
                preview = _template_preview(request, program, kind, d, language)
            else:
                try:
                    saved = catalog.template_save(
                        program=program,
                        kind=kind,
                        subject=d["subject"],
                        body=d["body"],
                        note=d["note"],
                        actor=request.user,
                        based_on=d["based_on"],
                        language=language,
                    )
                except DomainError as exc:
                    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                else:
                    messages.success(request, f"Version {saved.version} saved.")
                    return HttpResponseRedirect(
                        reverse("desk:letter_template", args=[program, kind])
                        + ("?language=es" if language else "")
                    )
    else:
        form = TemplateForm(
            initial={
                "subject": shown.subject if shown else "",
                "body": shown.body if shown else "",
                "based_on": current.version if current else 0,
            }
        )
    return render(
        request,
        "desk/admin_letter.html",
        {
            "program": program,
            "kind": kind,
            "label": KIND_LABELS[kind],
            "language": language,
            "languages": catalog.LETTER_LANGUAGES,
            "current": current,
            "shown": shown,
            "history": history,
            "form": form,
            "preview": preview,
            "year": timezone.localdate().year,
        },
    )


def _template_preview(
    request: HttpRequest, program: str, kind: str, data: dict[str, Any], language: str = ""
) -> dict[str, Any]:
    """The edited text checked (it compiles; names the sample case does not have are listed)
    and, with a case number, rendered for that case as the letter would be."""
    try:
        catalog.compile_template(data["subject"], "subject")
        catalog.compile_template(data["body"], "body")
    except InvalidInput as exc:
        return {"error": exc.message}
    number = (data.get("preview_case") or "").strip()
    if not number:
        return {"error": "The text compiles. Give a case number to see it as a letter."}
    case = roles.visible_cases(request.user).filter(number=number, program=program).first()
    if case is None:
        return {"error": f"No {program} case {number} that you may see."}
    case_for(request, number, what="letter template preview")
    draft_template = LetterTemplate(
        program=program,
        kind=kind,
        language=language,
        version=0,
        subject=data["subject"],
        body=data["body"],
    )
    try:
        draft = letter_draft(case, kind, template=draft_template)
    except DomainError as exc:
        return {"error": exc.message}
    checked = catalog.render_text(
        data["body"], letter_context(case, kind, now=timezone.now()), checking=True
    )
    unknown = sorted({part.split("⟧", 1)[0] for part in checked.split("⟦")[1:]})
    allow_letter_styles(request, draft.html)  # the srcdoc preview keeps its styles
    return {"html": draft.html, "subject": draft.subject, "unknown": unknown, "case": number}
