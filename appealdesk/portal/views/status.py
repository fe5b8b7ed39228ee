"""The status page of one case, its downloads, and the answers a person gives online: the
information asked for, permission to take more time, a request for the free copy of the file.

Every case comes through `scope.case_for`: a case that is not the person's answers 404 and the
attempt is logged.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_GET, require_POST

from appealdesk.access import scope
from appealdesk.access.log import log_access
from appealdesk.cases import member_requests as requests
from appealdesk.cases import packs
from appealdesk.cases.documents import document_response
from appealdesk.cases.errors import DomainError, InvalidTransition, StaleVersion
from appealdesk.cases.models import (
    LIVE_CLOCK_STATES,
    Case,
    CaseFileRequest,
    ExtensionConsentRequest,
)
from appealdesk.correspondence.context import next_level
from appealdesk.correspondence.models import Letter, LetterStatus
from appealdesk.portal import common, status, words
from appealdesk.portal.packtext import item_labels
from appealdesk.portal.status import PORTAL_DOCUMENT_KINDS
from appealdesk.portal.uploads import FilesField

DELIVERED = (LetterStatus.SENT, LetterStatus.MAILED)
UPHELD = ("upheld", "partially_overturned")
ONLY_MEMBER = _l("Only the member or their authorized representative can answer this.")
# the free copy is an appellant's right (UMP seed: "You may also request copies of documents the
# plan has that are relevant to your appeal, which the plan will provide at no cost."); the
# Genex grievance text gives none
COPY_KINDS = frozenset({"appeal", "expedited_appeal", "external_review"})
ONLY_MEMBER_COPY = _l(
    "Only the member or their authorized representative can ask for a copy of the case file."
)
MOVED_ON = _l("Your request has moved on: this question no longer needs an answer.")


class InformationForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    items = forms.MultipleChoiceField(
        label=_l("What are you sending?"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    eob = FilesField(
        label=_l("Explanation of Benefits (EOB)"),
        required=False,
        help_text=_l("A PDF or a photo of each page."),
    )
    medical_records = FilesField(
        label=_l("Medical records"),
        required=False,
        help_text=_l("A PDF or a photo of each page."),
    )
    evidence = FilesField(
        label=_l("Other documents"),
        required=False,
        help_text=_l("A PDF or a photo of each page."),
    )
    message = forms.CharField(
        label=_l("Your message"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_l("Anything you want to tell us, for example the information we asked for."),
    )

    def __init__(self, *args: Any, case: Case, labels: dict[str, str], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"version": case.version})
        kwargs.setdefault("prefix", "info")
        super().__init__(*args, **kwargs)
        asked: list[str] = []
        for info in status.open_information_requests(case):
            asked += [i for i in info.items if i not in asked]
        field: Any = self.fields["items"]
        field.choices = [(i, labels.get(i, i.replace("_", " "))) for i in asked]
        if not asked:
            del self.fields["items"]
        if "eob" not in asked:
            del self.fields["eob"]
        if "medical_records" not in asked:
            del self.fields["medical_records"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (
            data.get("items")
            or data.get("message", "").strip()
            or any(data.get(k) for k in ("eob", "medical_records", "evidence"))
        ):
            raise forms.ValidationError(
                _("Choose what you are sending, attach a document or write a message.")
            )
        return data

    def uploads(self) -> list[tuple[Any, str]]:
        return [
            (u, kind)
            for kind in ("eob", "medical_records", "evidence")
            for u in self.cleaned_data.get(kind) or []
        ]


class ConsentForm(forms.Form):
    answer = forms.ChoiceField(
        label=_l("Your answer"),
        choices=[
            ("given", _l("Yes, I agree to the new date")),
            ("refused", _l("No, I do not agree")),
        ],
        widget=forms.RadioSelect,
    )
    typed_name = forms.CharField(
        label=_l("Type your full name to sign"), max_length=200, strip=True
    )
    agree = forms.BooleanField(
        label=_l("I understand that typing my name is my signature."), required=True
    )

    def __init__(self, *args: Any, asked: ExtensionConsentRequest, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"consent-{asked.pk}")
        super().__init__(*args, **kwargs)
        self.asked = asked


# -- pages ----------------------------------------------------------------------------------
@require_GET
def case_page(request: HttpRequest, number: str) -> HttpResponse:
    case = scope.case_for(request, number, what="case page")
    return _render(request, case)


def _render(
    request: HttpRequest,
    case: Case,
    *,
    info_form: InformationForm | None = None,
    consent_form: ConsentForm | None = None,
    status_code: int = 200,
    stale: bool = False,
) -> HttpResponse:
    account = scope.account_of(request)
    program = packs.program_of(case.pack_id)
    labels = item_labels(program)
    with timezone.override(program.tz):
        past, ahead = status.timeline(case, program)
        open_info = status.open_information_requests(case)
        consents = []
        # the pack's rule: permission "from you or your authorized representative"
        may_consent = scope.may_act_for(account, case.member)
        for asked in (
            ExtensionConsentRequest.objects.filter(case=case)
            .select_related("clock")
            .order_by("-requested_at")
        ):
            form = consent_form if consent_form and consent_form.asked.pk == asked.pk else None
            live = asked.clock.state in LIVE_CLOCK_STATES and may_consent
            consents.append(
                {
                    "asked": asked,
                    "new_day": common.day(common.local_day(asked.new_due_at, program)),
                    "answered_day": common.day(common.local_day(asked.answered_at, program))
                    if asked.answered_at
                    else "",
                    "live": live,
                    "form": form
                    or (None if asked.answer or not live else ConsentForm(asked=asked)),
                }
            )
        file_requests = list(CaseFileRequest.objects.filter(case=case).order_by("-requested_at"))
        step = next_level(case, program) if case.outcome in UPHELD else None
        context = {
            "may_act": may_consent,
            "may_ask_copy": may_consent and case.kind in COPY_KINDS,
            "account": account,
            "case": case,
            "kind": words.kind_words(case),
            "state": words.state_words(case),
            "outcome": str(words.OUTCOMES.get(case.outcome, "")) if case.outcome else "",
            "received_day": common.day(case.received_date),
            "past": past,
            "ahead": ahead,
            "late": _late(case),
            "dismissal": status.dismissal_words(case.dismissal_reason)
            if case.state == "dismissed"
            else "",
            "redirect": status.redirect_words(case, program) if case.state == "redirected" else "",
            "open_info": [
                {
                    "info": info,
                    "asked_day": common.day(common.local_day(info.requested_at, program)),
                    "items": [labels.get(i, i.replace("_", " ")) for i in info.items],
                }
                for info in open_info
            ],
            "info_form": info_form
            or (InformationForm(case=case, labels=labels) if open_info else None),
            "consents": consents,
            "may_consent": may_consent,
            "file_request": file_requests[0] if file_requests else None,
            "file_request_day": common.day(common.local_day(file_requests[0].requested_at, program))
            if file_requests
            else "",
            "next_step": step,
            "next_last_day": common.day(step["last_day"]) if step and step["last_day"] else "",
            "letters": [
                {
                    "letter": letter,
                    "title": LETTER_WORDS.get(letter.kind, letter.kind),
                    "day": common.day(common.local_day(letter.rendered_at, program)),
                }
                for letter in _letters(case)
            ],
            "documents": [
                {
                    "document": d,
                    "kind": DOCUMENT_WORDS.get(d.kind, d.kind),
                    "day": common.day(common.local_day(d.uploaded_at, program)),
                }
                for d in _documents(case).only("id", "case", "name", "kind", "uploaded_at")
            ],
            "stale": stale,
        }
        return render(request, "portal/case.html", context, status=status_code)


def _late(case: Case) -> str:
    """A request that came after its last day, said plainly, with that day (SPEC 4.1: "An
    untimely request is not reviewed")."""
    rejection = (case.assessment or {}).get("rejection") or {}
    if rejection.get("code") != "untimely":
        return ""
    last_day = ((case.assessment or {}).get("filing") or {}).get("last_day")
    if not last_day:
        return str(
            _("This request came after the last day to ask for it, so it cannot be reviewed.")
        )
    return _(
        "This request came after the last day to ask for it (%(day)s), so it cannot be reviewed."
    ) % {"day": common.day(dt.date.fromisoformat(last_day))}


def _letters(case: Case) -> list[Letter]:
    return list(
        Letter.objects.filter(case=case, status__in=DELIVERED)
        .select_related("document")
        .order_by("rendered_at", "id")
    )


def _documents(case: Case) -> Any:
    """What people filing on the portal uploaded to the case: never staff's own documents."""
    return case.documents.filter(
        kind__in=PORTAL_DOCUMENT_KINDS, uploaded_by__portal__isnull=False
    ).order_by("uploaded_at", "id")


LETTER_WORDS = {
    "acknowledgement": _l("We received your request"),
    "information_request": _l("We need more information"),
    "extension_notice": _l("We need more time"),
    "extension_consent_request": _l("We ask your permission to take more time"),
    "decision": _l("Our decision"),
    "dismissal": _l("Why we could not review your request"),
    "redirect": _l("Where your request went"),
    "iro_forwarding": _l("Your case went to the independent reviewer"),
}
DOCUMENT_WORDS = {
    "eob": _l("Explanation of Benefits"),
    "medical_records": _l("medical records"),
    "evidence": _l("document"),
    "testimony": _l("written testimony"),
    "written_consent": _l("your written permission"),
    "authorization": _l("representative's authorization"),
}


@require_GET
def letter_download(request: HttpRequest, number: str, letter_id: int) -> HttpResponse:
    case = scope.case_for(request, number, what="letter")
    letter = (
        Letter.objects.filter(case=case, pk=letter_id, status__in=DELIVERED)
        .select_related("document")
        .first()
    )
    if letter is None:
        log_access(request, case.number, case, f"portal letter {letter_id} (refused)", False)
        raise Http404("No such letter on this case.")
    return document_response(letter.document)


@require_GET
def document_download(request: HttpRequest, number: str, document_id: int) -> HttpResponse:
    case = scope.case_for(request, number, what="document")
    document = _documents(case).filter(pk=document_id).first()
    if document is None:
        log_access(request, case.number, case, f"portal document {document_id} (refused)", False)
        raise Http404("No such document on this case.")
    return document_response(document)


@require_POST
def information_send(request: HttpRequest, number: str) -> HttpResponse:
    case = scope.case_for(request, number, what="send information")
    program = packs.program_of(case.pack_id)
    if not status.open_information_requests(case):
        messages.info(request, _("We are not waiting for information on this request."))
        return redirect("portal:case", number=case.number)
    form = InformationForm(request.POST, request.FILES, case=case, labels=item_labels(program))
    if not form.is_valid():
        return _render(request, case, info_form=form, status_code=422)
    try:
        status.information_answer(
            case,
            account=scope.account_of(request),
            actor=request.user,
            items=form.cleaned_data.get("items") or [],
            uploads=form.uploads(),
            message=form.cleaned_data["message"],
            expected_version=form.cleaned_data["version"],
        )
    except StaleVersion:
        return _stale(request, case)
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _render(request, Case.objects.get(pk=case.pk), info_form=form, status_code=422)
    messages.success(request, _("Thank you: we received what you sent."))
    return redirect("portal:case", number=case.number)


def _stale(request: HttpRequest, case: Case) -> HttpResponse:
    return _render(request, Case.objects.get(pk=case.pk), status_code=409, stale=True)


@require_POST
def consent_answer(request: HttpRequest, number: str, request_id: int) -> HttpResponse:
    case = scope.case_for(request, number, what="extension consent")
    asked = (
        ExtensionConsentRequest.objects.filter(case=case, pk=request_id)
        .select_related("case", "clock")
        .first()
    )
    if asked is None:
        raise Http404("No such request on this case.")
    if asked.answer:
        messages.info(request, _("You already answered this request."))
        return redirect("portal:case", number=case.number)
    if not scope.may_act_for(scope.account_of(request), case.member):
        messages.error(request, ONLY_MEMBER)
        return redirect("portal:case", number=case.number)
    form = ConsentForm(request.POST, asked=asked)
    if not form.is_valid():
        return _render(request, case, consent_form=form, status_code=422)
    act = status.consent_give if form.cleaned_data["answer"] == "given" else status.consent_refuse
    try:
        act(
            asked,
            account=scope.account_of(request),
            actor=request.user,
            typed_name=form.cleaned_data["typed_name"],
            http=request,
        )
    except StaleVersion:
        return _stale(request, case)
    except InvalidTransition:
        messages.info(request, MOVED_ON)
        return redirect("portal:case", number=case.number)
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _render(request, Case.objects.get(pk=case.pk), consent_form=form, status_code=422)
    if form.cleaned_data["answer"] == "given":
        messages.success(request, _("Thank you: you agreed to the new date."))
    else:
        messages.success(request, _("Your answer is recorded: you did not agree to more time."))
    return redirect("portal:case", number=case.number)


@require_POST
def case_file_ask(request: HttpRequest, number: str) -> HttpResponse:
    case = scope.case_for(request, number, what="case file request")
    # the copy is the member's (or their representative's) to ask for, not the provider's
    if case.kind not in COPY_KINDS or not scope.may_act_for(scope.account_of(request), case.member):
        messages.error(request, ONLY_MEMBER_COPY)
        return redirect("portal:case", number=case.number)
    requests.case_file_request(case, account=scope.account_of(request), actor=request.user)
    messages.success(
        request, _("We will send you a free copy of your case file. You do not need to do more.")
    )
    return redirect("portal:case", number=case.number)


urlpatterns = [
    path("cases/<str:number>/", case_page, name="case"),
    path("cases/<str:number>/letters/<int:letter_id>/", letter_download, name="letter"),
    path("cases/<str:number>/documents/<int:document_id>/", document_download, name="document"),
    path("cases/<str:number>/information/", information_send, name="information_send"),
    path("cases/<str:number>/consent/<int:request_id>/", consent_answer, name="consent_answer"),
    path("cases/<str:number>/case-file/", case_file_ask, name="case_file_ask"),
]
