"""Administrators' rationale templates (issue 18, item 4): per program, the active version of
each (outcome, name), its history, and an editor whose save is a new version."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from appealdesk.cases.errors import DomainError
from appealdesk.cases.services import DECISION_OUTCOMES
from appealdesk.correspondence.models import RationaleTemplate
from appealdesk.correspondence.rationales import NAMES, rationale_save, rationales_active
from appealdesk.desk.views.letters import _administrator
from appealdesk.policy import default_registry


class RationaleForm(forms.Form):
    outcome = forms.ChoiceField(choices=[(o, o.replace("_", " ")) for o in DECISION_OUTCOMES])
    name = forms.CharField(max_length=100, help_text="what reviewers pick, e.g. “not covered”")
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "true"}),
        help_text="plain words for the member; names in double braces are filled in: "
        + ", ".join("{{ " + n + " }}" for n in NAMES),
    )
    note = forms.CharField(
        label="What changed and why", max_length=2000, help_text="kept with the version"
    )
    based_on = forms.IntegerField(widget=forms.HiddenInput, required=False)


@require_http_methods(["GET", "POST"])
def rationale_templates(request: HttpRequest, program: str) -> HttpResponse:
    """The program's rationale templates; `?edit=<id>` opens one in the editor (its next save
    is a new version of it); without it the editor makes a new one."""
    if refused := _administrator(request):
        return refused
    if program not in default_registry().programs():
        raise Http404("No such program.")
    active = rationales_active(program)
    editing = next((t for t in active if str(t.pk) == request.GET.get("edit")), None)
    if request.method == "POST":
        form = RationaleForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                saved = rationale_save(
                    program=program,
                    outcome=d["outcome"],
                    name=d["name"],
                    text=d["text"],
                    note=d["note"],
                    actor=request.user,
                    based_on=d["based_on"] if d["based_on"] is not None else 0,
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"“{saved.name}” version {saved.version} saved.")
                return HttpResponseRedirect(reverse("desk:rationale_templates", args=[program]))
    elif editing is not None:
        form = RationaleForm(
            initial={
                "outcome": editing.outcome,
                "name": editing.name,
                "text": editing.text,
                "based_on": editing.version,
            }
        )
    else:
        form = RationaleForm(initial={"based_on": 0})
    history = (
        list(
            RationaleTemplate.objects.filter(
                program=program, outcome=editing.outcome, name=editing.name
            )
            .select_related("created_by")
            .order_by("-version")
        )
        if editing is not None
        else []
    )
    return render(
        request,
        "desk/admin_rationales.html",
        {
            "program": program,
            "programs": default_registry().programs(),
            "active": active,
            "editing": editing,
            "history": history,
            "form": form,
            "names": NAMES,
            "year": timezone.localdate().year,
        },
    )
