"""Representatives' authorizations sent on the portal, checked by staff (intake, supervisors,
administrators): the document, the member it names and the member records with the same
identifier; approve (optionally until a date, optionally re-pointed to the right member record)
or refuse with a reason the representative reads. Until approved the representative sees nothing
of the member (portal/scope.py).

Included by the desk's urls (`desk:authorizations`, `desk:authorization_document`,
`desk:authorization_approve`, `desk:authorization_refuse`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_POST

from appealdesk.access import roles
from appealdesk.access.log import log_access
from appealdesk.cases import authorizations as representation
from appealdesk.cases.documents import document_response
from appealdesk.cases.errors import DomainError
from appealdesk.cases.models import Authorization, Party
from appealdesk.cases.ranges import date_within_range

CHECKERS = frozenset({roles.INTAKE, roles.SUPERVISOR, roles.ADMINISTRATOR})
RECENT = 20


def may_check(user: Any) -> bool:
    return bool(roles.roles_of(user) & CHECKERS)


class ApproveForm(forms.Form):
    member = forms.ModelChoiceField(
        queryset=Party.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        label="The member record it is for",
    )
    expires_on = forms.DateField(
        required=False,
        label="Valid until (optional)",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[date_within_range],
    )

    def __init__(self, *args: Any, authorization: Authorization, **kwargs: Any) -> None:
        super().__init__(*args, prefix=f"a{authorization.pk}", **kwargs)
        matches = representation.member_matches(authorization)
        field = self.fields["member"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Party.objects.filter(pk__in=[p.pk for p in matches]).order_by("id")
        field.label_from_instance = _party_label  # type: ignore[method-assign]
        field.initial = authorization.member_id


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label="Why it cannot be accepted (the representative reads this)",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )

    def __init__(self, *args: Any, authorization: Authorization, **kwargs: Any) -> None:
        super().__init__(*args, prefix=f"r{authorization.pk}", **kwargs)


def _party_label(party: Party) -> str:
    cases = party.member_cases.count()
    return f"{party.name} · {party.subscriber_id} · record #{party.pk} · {cases} case(s)"


def _allowed(request: HttpRequest) -> HttpResponse | None:
    if not may_check(request.user):
        return HttpResponseForbidden(
            "Checking representatives' authorizations is for intake, supervisors and "
            "administrators."
        )
    return None


def _rows(
    bound: dict[int, tuple[ApproveForm | None, RefuseForm | None]] | None = None,
) -> list[dict[str, Any]]:
    bound = bound or {}
    rows = []
    for a in representation.pending_authorizations():
        approve, refuse = bound.get(a.pk, (None, None))
        rows.append(
            {
                "a": a,
                "approve": approve or ApproveForm(authorization=a),
                "refuse": refuse or RefuseForm(authorization=a),
            }
        )
    return rows


def _render(request: HttpRequest, rows: list[dict[str, Any]], status: int = 200) -> HttpResponse:
    decided = (
        Authorization.objects.filter(requested_at__isnull=False)
        .exclude(verified_at__isnull=True, refused_at__isnull=True)
        .select_related("member", "representative", "verified_by", "refused_by")
        .order_by("-requested_at", "-id")[:RECENT]
    )
    return render(
        request,
        "desk/authorizations.html",
        {"rows": rows, "decided": decided, "recent": RECENT},
        status=status,
    )


@require_GET
def authorizations(request: HttpRequest) -> HttpResponse:
    return _allowed(request) or _render(request, _rows())


@require_GET
def authorization_document(request: HttpRequest, pk: int) -> HttpResponse:
    refused = _allowed(request)
    if refused:
        return refused
    authorization = get_object_or_404(Authorization.objects.select_related("document"), pk=pk)
    if authorization.document is None:
        raise Http404("This authorization has no document.")
    # no case yet: the read is logged under the authorization's number
    log_access(request, f"authorization {pk}", None, "authorization document", True)
    return document_response(authorization.document)


@require_POST
def authorization_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    refused = _allowed(request)
    if refused:
        return refused
    authorization = get_object_or_404(Authorization.objects.select_related("member"), pk=pk)
    form: ApproveForm | RefuseForm
    if decision == "approve":
        form = ApproveForm(request.POST, authorization=authorization)
    else:
        form = RefuseForm(request.POST, authorization=authorization)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if decision == "approve":
                representation.authorization_approve(
                    authorization,
                    actor=request.user,
                    member=data["member"],
                    expires_on=data["expires_on"],
                )
            else:
                representation.authorization_refuse(
                    authorization, actor=request.user, reason=data["reason"]
                )
        except DomainError as exc:
            if exc.field not in form.fields:  # e.g. someone else decided it meanwhile
                messages.error(request, exc.message)
                return redirect("desk:authorizations")
            form.add_error(exc.field, exc.message)
        else:
            done = "approved" if decision == "approve" else "refused"
            messages.success(
                request,
                f"Authorization for {authorization.member.name} {done}.",
            )
            return redirect("desk:authorizations")
    pair = (form, None) if isinstance(form, ApproveForm) else (None, form)
    return _render(request, _rows({authorization.pk: pair}), status=400)


urlpatterns: list[URLPattern] = [
    path("", authorizations, name="authorizations"),
    path("<int:pk>/document/", authorization_document, name="authorization_document"),
    path(
        "<int:pk>/approve/",
        authorization_decide,
        {"decision": "approve"},
        name="authorization_approve",
    ),
    path(
        "<int:pk>/refuse/",
        authorization_decide,
        {"decision": "refuse"},
        name="authorization_refuse",
    ),
]
