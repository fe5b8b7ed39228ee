"""Sign-in, two-factor enrolment and verification (django-otp TOTP + recovery codes), sign-out.

Failed passwords are counted by django-axes (settings: 5 failures lock the account for 15
minutes); the TOTP device throttles wrong codes itself.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from appealdesk.accounts.mfa import (
    enrol,
    enrolment_device,
    enrolment_key,
    has_authenticator,
    new_recovery_codes,
    verify_code,
)
from appealdesk.accounts.sso import local as sso_local


class DeskLoginView(LoginView):
    template_name = "desk/login.html"
    redirect_authenticated_user = True
    # while single sign-on is on, a password signs in a local administrator only (break-glass)
    authentication_form = sso_local.DeskAuthenticationForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["idle"] = "idle" in self.request.GET
        context["providers"] = sso_local.providers()  # "Sign in with …" buttons
        context["sso_refused"] = "sso" in self.request.GET
        return context


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("desk:login")


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return "/desk/"


@login_required
def mfa(request: HttpRequest) -> HttpResponse:
    """Verify with the authenticator (or a recovery code); enrol first if there is none."""
    user = request.user
    if not has_authenticator(user):
        return redirect(f"/desk/mfa/setup/?next={_next(request)}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        left = verify_code(request, form.cleaned_data["token"])
        if left is not None:
            if left >= 0:
                messages.warning(request, f"You signed in with a recovery code; {left} remain.")
            return redirect(_next(request))
        form.add_error("token", "That code is not valid (or was used already). Try the next one.")
    return render(request, "desk/mfa_verify.html", {"form": form, "next": _next(request)})


@login_required
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code (or type the key), confirm one code."""
    if has_authenticator(request.user):
        return redirect(f"/desk/mfa/?next={_next(request)}")
    form = TokenForm(request.POST or None)
    device = enrolment_device(request.user)
    if request.method == "POST" and form.is_valid():
        codes = enrol(request, device, form.cleaned_data["token"])
        if codes is not None:
            return render(request, "desk/mfa_codes.html", {"codes": codes, "next": _next(request)})
        form.add_error("token", "That code does not match: check the clock of your phone.")
    context = {"form": form, "next": _next(request), **enrolment_key(device, "QR code of the key")}
    return render(request, "desk/mfa_setup.html", context)


@login_required
@require_POST
def mfa_recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working); only with a verified session."""
    if not request.user.is_verified():
        return redirect("desk:mfa")
    codes = new_recovery_codes(request.user)
    return render(request, "desk/mfa_codes.html", {"codes": codes, "next": "/desk/"})


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own page: roles, teams, two-factor state, recovery codes left."""
    from appealdesk.access import roles
    from appealdesk.cases.models import Team

    user = request.user
    recovery = StaticDevice.objects.filter(user=user, name="recovery codes").first()
    context = {
        "roles": sorted(roles.ROLES[r] for r in roles.roles_of(user)),
        "teams": Team.objects.filter(id__in=roles.team_ids(user)).order_by("program", "name"),
        "enrolled": has_authenticator(user),
        "verified": user.is_verified(),
        "codes_left": recovery.token_set.count() if recovery else 0,
    }
    return render(request, "desk/account.html", context)
