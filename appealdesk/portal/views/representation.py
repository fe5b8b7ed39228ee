"""Acting for someone else: the list of one's authorizations and the request to act for a member
(with the member's signed authorization document, checked by staff before anything is shown)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from appealdesk.access import scope
from appealdesk.accounts.models import PortalAccount
from appealdesk.cases.errors import DomainError
from appealdesk.portal import representation
from appealdesk.portal.uploads import checked_upload

STATUS_WORDS = {
    "pending": _l("Our staff are checking it"),
    "approved": _l("Approved"),
    "refused": _l("Not accepted"),
    "expired": _l("Expired"),
}


class AuthorizationForm(forms.Form):
    member_name = forms.CharField(
        label=_l("The member's full name"),
        max_length=200,
        help_text=_l("As it is on their plan card or claim papers."),
    )
    identifier = forms.CharField(
        label=_l("Their subscriber ID or claim number"),
        max_length=40,
        help_text=_l(
            'Uniform Medical Plan: the ID on the plan card, starting with a "W". '
            "Genex (workers' compensation): the claim number."
        ),
    )
    relationship = forms.CharField(
        label=_l("How you are related to them"),
        max_length=100,
        help_text=_l("For example: daughter, spouse, attorney, legal guardian."),
    )
    document = forms.FileField(
        label=_l("Their signed authorization"),
        help_text=_l("A PDF or a photo (PNG, JPEG, GIF or TIFF) of the signed form."),
    )
    typed_name = forms.CharField(label=_l("Type your full name to sign"), max_length=200)
    agree = forms.BooleanField(label=_l(representation.AUTHORIZATION_STATEMENT))

    def clean_document(self) -> Any:
        return checked_upload(self.cleaned_data["document"])

    def clean_identifier(self) -> str:
        value: str = self.cleaned_data["identifier"].strip().upper()
        if not value.replace("-", "").isalnum():
            raise forms.ValidationError(_("Use only the letters and digits of the number."))
        return value


def _account(request: HttpRequest) -> PortalAccount:
    account = scope.account_of(request)
    if account.kind == PortalAccount.PROVIDER:
        raise Http404("Providers do not act as representatives here.")
    return account


def authorizations(request: HttpRequest) -> HttpResponse:
    account = _account(request)
    form = AuthorizationForm()
    status = 200
    if request.method == "POST":
        form = AuthorizationForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                representation.authorization_request(
                    account=account,
                    member_name=data["member_name"],
                    identifier=data["identifier"],
                    relationship=data["relationship"],
                    upload=data["document"],
                    typed_name=data["typed_name"],
                    http=request,
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(
                    request,
                    _(
                        "We received your request. Our staff will check the authorization; "
                        "until then you will not see this person's requests."
                    ),
                )
                return redirect("portal:authorizations")
        status = 400
    rows = [
        {"a": a, "status": representation.authorization_status(a)}
        for a in representation.authorizations_of(account)
    ]
    for row in rows:
        row["words"] = STATUS_WORDS[row["status"]]
    return render(
        request,
        "portal/authorizations.html",
        {"account": account, "rows": rows, "form": form},
        status=status,
    )


urlpatterns: list[URLPattern] = [
    path("authorizations/", authorizations, name="authorizations"),
]
