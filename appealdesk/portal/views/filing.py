"""Guided filing (`/portal/file/`), its live answer panel (`/portal/file/check/`), and the request
for the next level of a decided case (`/portal/cases/<number>/next/`).

The page works without JavaScript: "Check my request" posts the questions and the page comes
back with the answer and the details to fill in; `filing.js` only refreshes the answer as the
questions are answered.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from appealdesk.access import scope
from appealdesk.accounts.models import PortalAccount
from appealdesk.cases import packs
from appealdesk.cases.errors import DomainError
from appealdesk.cases.models import LIVE_CLOCK_STATES, Case, ClockState, Party
from appealdesk.correspondence.context import next_level as next_step
from appealdesk.portal import common, filing
from appealdesk.portal.forms_filing import FilingForm, NextLevelForm

DETAILS = (*filing.UMP_FIELDS, *filing.GENEX_FIELDS)
NEXT_OPEN = ("upheld", "partially_overturned")


def case_url(number: str) -> str:
    return f"{reverse('portal:home')}cases/{number}/"


def _prefill(party: Party | None, account: PortalAccount) -> dict[str, str]:
    who = party or account.party
    return {
        "subscriber_name": who.subscriber_name or who.name,
        "patient_name": who.patient_name or who.name,
        "subscriber_id": who.subscriber_id,
        "mailing_address": who.address,
        "daytime_phone": who.phone,
        "party_name": who.name,
        "party_address": who.address,
        "party_phone": who.phone,
    }


def _bound(request: HttpRequest, account: PortalAccount) -> FilingForm:
    """The posted form; details not on the page yet are prefilled from the member's record."""
    data = request.POST.copy()
    probe = FilingForm(data, account=account)
    chosen = data.get("for_whom")
    member = account.party if chosen == "self" else probe.members.get(chosen or "")
    if "details_shown" not in data:
        for name, value in _prefill(member, account).items():
            data.setdefault(name, value)
        data.setdefault("email_letters", "on" if account.party.email_consent else "")
        if not data["email_letters"]:
            del data["email_letters"]
    return FilingForm(data, request.FILES, account=account)


def _panel(
    form: FilingForm, account: PortalAccount, *, signed: bool = False
) -> dict[str, Any] | None:
    data = getattr(form, "cleaned_data", None) or {}
    program_id = data.get("program")
    if not program_id or not data.get("for_whom"):
        return None
    now = timezone.now()
    program = common.program_named(program_id, timezone.localdate())
    files = form.upload_names() + [
        f for f in ("eob", "medical_records") if form.data.get(f"has_{f}")
    ]
    provided = filing.provided_items(program_id, data, files, signed=signed)
    request = filing.build_request(
        program=program_id,
        answers=data,
        filed_by=form.filed_by(),
        provided=provided,
        now=now.astimezone(program.tz),
    )
    panel = filing.answer(request, program)
    panel["request"] = request
    panel["program"] = program_id
    return panel


def _page(
    request: HttpRequest, form: FilingForm | None, panel: Any, account: PortalAccount, **extra: Any
) -> HttpResponse:
    return render(
        request,
        "portal/file.html",
        {
            "form": form,
            "panel": panel,
            "nav": "file",
            "no_one": form is None,
            "is_rep": account.kind == PortalAccount.REPRESENTATIVE,
            **extra,
        },
    )


@require_http_methods(["GET", "POST"])
def file(request: HttpRequest) -> HttpResponse:
    account = scope.account_of(request)
    if account.kind == PortalAccount.PROVIDER:
        return redirect("portal:home")
    empty = FilingForm(account=account)
    if not empty.fields["for_whom"].choices:
        return _page(request, None, None, account)
    if request.method == "GET":
        return _page(request, empty, None, account)

    form = _bound(request, account)
    action = request.POST.get("action", "check")
    valid = form.is_valid()
    # questions with errors stop here; detail errors only count when filing
    question_errors = any(name in form.errors for name in FilingForm.QUESTIONS)
    if question_errors or "__all__" in form.errors:
        return _page(request, form, None, account)
    if action != "file":
        form.errors.clear()  # detail fields were not filled in yet: no errors on a check
        return _page(request, form, _panel(form, account), account)

    form.check_details()
    signed = bool(form.cleaned_data.get("agree")) and "typed_name" not in form.errors
    panel = _panel(form, account, signed=signed)
    if panel is None or not panel["submittable"] or not valid or form.errors:
        return _page(request, form, panel, account)
    member = form.member()
    if member is None or not scope.may_act_for(account, member):
        form.add_error("for_whom", _("You cannot file for this person."))
        return _page(request, form, panel, account)
    details = {
        name: str(form.cleaned_data.get(name) or "") for name in filing.fields_for(panel["program"])
    }
    uploads = (
        {name: form.cleaned_data.get(name) or [] for name in filing.UPLOAD_KINDS}
        if panel["program"] == "ump"
        else {}
    )
    try:
        case = filing.portal_file(
            account=account,
            user=request.user,
            member=member,
            request=panel["request"],
            details=details,
            uploads=uploads,
            typed_name=form.cleaned_data["typed_name"],
            email_letters=bool(form.cleaned_data.get("email_letters")),
            meta=request.META,
        )
    except DomainError as exc:
        form.add_error(None, str(exc))
        return _page(request, form, panel, account)
    return redirect(case_url(case.number))


@require_POST
def file_check(request: HttpRequest) -> HttpResponse:
    """The answer panel alone, for the page's script (the same words as after a full post)."""
    account = scope.account_of(request)
    form = _bound(request, account)
    form.is_valid()
    question_errors = any(name in form.errors for name in FilingForm.QUESTIONS)
    signed = bool(request.POST.get("agree")) and common.name_matches(
        request.POST.get("typed_name", ""), account
    )
    panel = None if question_errors else _panel(form, account, signed=signed)
    return render(request, "portal/_assess_panel.html", {"panel": panel, "live": True})


@require_http_methods(["GET", "POST"])
def next_level(request: HttpRequest, number: str) -> HttpResponse:
    account = scope.account_of(request)
    case = scope.case_for(request, number, what="next level")
    program = packs.program_of(case.pack_id)
    step = next_step(case, program)
    later = Case.objects.filter(prior=case).order_by("id").first()
    missed = (
        case.decided_at is None
        and case.clocks.filter(binding=True, met_at=None)
        .filter(
            Q(state=ClockState.MISSED) | Q(state__in=LIVE_CLOCK_STATES, due_at__lt=timezone.now())
        )
        .exists()
    )
    may_request = (
        later is None
        and ((step is not None and case.outcome in NEXT_OPEN) or missed)
        and account.kind != PortalAccount.PROVIDER
    )
    requested = "external_review" if step and step["is_independent_review"] else "appeal"
    if missed and step is None:
        requested = "external_review"
    today = timezone.now().astimezone(program.tz).date()
    late = bool(step and step.get("last_day") and step["last_day"] < today)
    may_send = may_request and not late and (step is None or step["available"])
    form = NextLevelForm(request.POST or None, request.FILES or None, account=account)
    error = ""
    if request.method == "POST" and may_send and form.is_valid():
        try:
            linked = filing.portal_escalate(
                case=case,
                account=account,
                user=request.user,
                requested=requested,
                statement=form.cleaned_data["statement"],
                testimony=form.cleaned_data.get("testimony") or [],
                typed_name=form.cleaned_data["typed_name"],
                program=program,
                meta=request.META,
            )
        except DomainError as exc:
            error = str(exc)
        else:
            return redirect(case_url(linked.number))
    return render(
        request,
        "portal/next_level.html",
        {
            "case": case,
            "step": step,
            "later": later,
            "missed": missed,
            "may_request": may_request,
            "may_send": may_send,
            "dismissed": case.state == "dismissed",
            "is_provider": account.kind == PortalAccount.PROVIDER,
            "last_day": filing.day(step["last_day"]) if step and step.get("last_day") else "",
            "late": late,
            "form": form,
            "error": error,
            "level_two": requested == "appeal" and step is not None and step.get("level") == 2,
        },
    )


urlpatterns: list[URLPattern] = [
    path("file/", file, name="file"),
    path("file/check/", file_check, name="file_check"),
    path("cases/<str:number>/next/", next_level, name="next_level"),
]
