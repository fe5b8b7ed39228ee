"""The provider's pages: a UMP expedited appeal with the clinical attestation, and a Genex request
for clinical appeals consideration. "Check" asks `assess` and shows what the request is and what
we promise; "Send" files it (the records must be chosen again after a check: a page without
JavaScript cannot keep a chosen file)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from appealdesk.access import scope
from appealdesk.accounts.models import PortalAccount
from appealdesk.cases.errors import DomainError
from appealdesk.portal import provider
from appealdesk.portal.common import program_named
from appealdesk.portal.packtext import item_labels
from appealdesk.portal.uploads import FilesField

MAX_FILES = 10


def _past_date(value: dt.date) -> dt.date:
    if value > timezone.localdate():
        raise forms.ValidationError(_("This date is in the future."))
    return value


class SignedForm(forms.Form):
    """Signature fields: needed to send, not to check."""

    typed_name = forms.CharField(
        label=_l("Type your full name to sign"), max_length=200, required=False
    )

    def __init__(self, *args: Any, sending: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sending = sending

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.sending:
            if not (data.get("typed_name") or "").strip():
                self.add_error("typed_name", _("Type your full name to sign."))
            if not data.get("agree"):
                self.add_error("agree", _("Tick the box to sign."))
        return data


class ExpeditedForm(SignedForm):
    member_name = forms.CharField(label=_l("The member's (patient's) full name"), max_length=200)
    subscriber_id = forms.CharField(
        label=_l("Subscriber ID"),
        max_length=40,
        help_text=_l('On the member\'s plan card; it starts with a "W".'),
    )
    service = forms.ChoiceField(
        label=_l("What is it about?"),
        widget=forms.RadioSelect,
        choices=[
            ("medical", _l("Medical services")),
            ("prescription", _l("A prescription drug")),
            ("coe", _l("Centers of Excellence (knee or hip replacement, spine care)")),
        ],
    )
    category = forms.ChoiceField(
        label=_l("What was decided?"),
        widget=forms.RadioSelect,
        choices=[
            ("coverage_denial", _l("Coverage or a service was denied, reduced or stopped")),
            ("preauthorization", _l("A preauthorization was denied")),
        ],
        initial="coverage_denial",
    )
    denied = forms.CharField(
        label=_l("What was denied"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_l("The service, drug or stay, and the dates of service if known."),
    )
    notice_date = forms.DateField(
        label=_l("Date of the denial notice"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[_past_date],
    )
    service_dates = forms.CharField(
        label=_l("Dates of service (if known)"), max_length=200, required=False
    )
    member_address = forms.CharField(
        label=_l("The member's mailing address (if known)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        required=False,
    )
    member_phone = forms.CharField(
        label=_l("The member's daytime phone (if known)"), max_length=40, required=False
    )
    criteria = forms.MultipleChoiceField(
        label=_l("I have determined that a delay:"),
        widget=forms.CheckboxSelectMultiple,
        choices=[(k, _l(v)) for k, v in provider.CRITERIA.items()],
        error_messages={"required": _l("Tick at least one of the two criteria.")},
    )
    explanation = forms.CharField(
        label=_l("Clinical explanation"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
        help_text=_l("Why the usual time for an appeal would harm this member."),
    )
    records = FilesField(
        max_files=MAX_FILES,
        label=_l("Clinical records"),
        help_text=_l("PDF or pictures; you can choose several files."),
    )
    agree = forms.BooleanField(label=_l(provider.ATTESTATION_STATEMENT), required=False)

    def clean_subscriber_id(self) -> str:
        value: str = self.cleaned_data["subscriber_id"].strip().upper()
        # seed: "The subscriber's ID number (starting with a "W" on your ID card)."
        if not value.startswith("W") or not value[1:].isalnum():
            raise forms.ValidationError(_('The subscriber ID starts with a "W".'))
        return value


class ClinicalForm(SignedForm):
    worker_name = forms.CharField(label=_l("Injured worker's full name"), max_length=200)
    claim_number = forms.CharField(label=_l("Claim number"), max_length=40)
    determination = forms.CharField(
        label=_l("The determination you want reconsidered"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_l("For example: non-certification of 24 physical therapy visits."),
    )
    determination_date = forms.DateField(
        label=_l("Date of the determination letter"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[_past_date],
    )
    reasons = forms.CharField(
        label=_l("Clinical reasons"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
    )
    records = FilesField(
        max_files=MAX_FILES,
        label=_l("Clinical records"),
        help_text=_l("PDF or pictures; you can choose several files."),
    )
    agree = forms.BooleanField(label=_l(provider.CLINICAL_STATEMENT), required=False)


def _provider(request: HttpRequest) -> PortalAccount:
    account = scope.account_of(request)
    if account.kind != PortalAccount.PROVIDER:
        raise Http404("Provider pages are for provider accounts.")
    return account


def _labels(program: str) -> dict[str, str]:
    return item_labels(program_named(program, timezone.localdate()))


def _page(
    request: HttpRequest,
    *,
    form: SignedForm,
    template: str,
    build: Any,
    file: Any,
    program: str,
) -> HttpResponse:
    """Check or send, the same way for both requests: `build(data, now)` is the assess input,
    `file(data, assess_input, account)` files it."""
    account = _provider(request)
    panel = None
    if request.method == "POST":
        if form.is_valid():
            data, now = form.cleaned_data, timezone.now()
            try:
                assess_input = build(data, now)
                panel = provider.verdict(provider.check(assess_input), _labels(program))
                if form.sending and panel.accepted:
                    case = file(data, assess_input, account, now)
                    messages.success(request, _success(panel, case.number))
                    return redirect(f"/portal/cases/{case.number}/")
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        status = 200 if form.is_valid() else 400
    else:
        status = 200
    return render(
        request, template, {"form": form, "panel": panel, "account": account}, status=status
    )


def _success(panel: provider.Verdict, number: str) -> str:
    text = _("We received your request %(number)s.") % {"number": number}
    return " ".join([text, *panel.promises[:1]])


def _sending(request: HttpRequest) -> bool:
    return request.method == "POST" and "send" in request.POST


def expedited(request: HttpRequest) -> HttpResponse:
    form = ExpeditedForm(request.POST or None, request.FILES or None, sending=_sending(request))

    def build(data: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
        provided = ["subscriber_name", "patient_name", "subscriber_id", "providers", "statement"]
        optional = {
            "service_dates": "service_dates",
            "member_address": "mailing_address",
            "member_phone": "daytime_phone",
            "records": "medical_records",
        }
        provided += [item for name, item in optional.items() if data[name]]
        return provider.expedited_request(
            service=data["service"],
            category=data["category"],
            notice_date=data["notice_date"],
            provided=provided,
            now=now,
        )

    def file(
        data: dict[str, Any], assess_input: dict[str, Any], account: PortalAccount, now: dt.datetime
    ) -> Any:
        return provider.provider_file(
            account=account,
            request=assess_input,
            member_name=data["member_name"],
            identifier=data["subscriber_id"],
            summary="\n\n".join(
                v for v in (data["denied"], data["service_dates"], data["explanation"]) if v
            ),
            purpose="attestation",
            statement=provider.ATTESTATION_STATEMENT,
            signed={
                "criteria": data["criteria"],
                "criteria_text": [provider.CRITERIA[c] for c in data["criteria"]],
                "denied": data["denied"],
                "service_dates": data["service_dates"],
                "notice_date": data["notice_date"].isoformat(),
                "explanation": data["explanation"],
            },
            typed_name=data["typed_name"],
            uploads=data["records"],
            member_details={"address": data["member_address"], "phone": data["member_phone"]},
            http=request,
            now=now,
        )

    return _page(
        request,
        form=form,
        template="portal/provider_expedited.html",
        build=build,
        file=file,
        program="ump",
    )


def clinical(request: HttpRequest) -> HttpResponse:
    form = ClinicalForm(request.POST or None, request.FILES or None, sending=_sending(request))

    def build(data: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
        provided = ["statement"] + (["medical_records"] if data["records"] else [])
        return provider.clinical_request(
            determination_date=data["determination_date"], provided=provided, now=now
        )

    def file(
        data: dict[str, Any], assess_input: dict[str, Any], account: PortalAccount, now: dt.datetime
    ) -> Any:
        return provider.provider_file(
            account=account,
            request=assess_input,
            member_name=data["worker_name"],
            identifier=data["claim_number"],
            summary=f"{data['determination']}\n\n{data['reasons']}",
            purpose="filing",
            statement=provider.CLINICAL_STATEMENT,
            signed={
                "determination": data["determination"],
                "determination_date": data["determination_date"].isoformat(),
                "reasons": data["reasons"],
            },
            typed_name=data["typed_name"],
            uploads=data["records"],
            http=request,
            now=now,
        )

    return _page(
        request,
        form=form,
        template="portal/provider_clinical.html",
        build=build,
        file=file,
        program="genex-ur",
    )


urlpatterns: list[URLPattern] = [
    path("provider/expedited/", expedited, name="provider_expedited"),
    path("provider/clinical/", clinical, name="provider_clinical"),
]
