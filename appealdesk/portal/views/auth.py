"""Signing up, confirming the address, signing in and out, resetting a password, and the
optional authenticator (TOTP) of a portal account."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from appealdesk.accounts import mail_limit
from appealdesk.accounts.mfa import enrol, enrolment_device, enrolment_key, verify_code
from appealdesk.accounts.models import PortalAccount
from appealdesk.accounts.passwords import QueuedPasswordResetForm
from appealdesk.policy.identifiers import npi_valid
from appealdesk.portal import accounts


class RegisterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_l("I am"),
        widget=forms.RadioSelect,
        choices=[
            (PortalAccount.MEMBER, _l("a member of the plan (or the injured worker)")),
            (PortalAccount.REPRESENTATIVE, _l("someone acting for a member (a representative)")),
            (PortalAccount.PROVIDER, _l("a doctor or other provider")),
        ],
    )
    name = forms.CharField(label=_l("Full name"), max_length=200)
    email = forms.EmailField(label=_l("E-mail address"))
    subscriber_id = forms.CharField(
        label=_l("Subscriber ID (members, optional)"),
        max_length=40,
        required=False,
        help_text=_l("On your plan card. UMP IDs start with a W."),
    )
    npi = forms.CharField(
        label=_l("National Provider Identifier (providers)"), max_length=10, required=False
    )
    organization = forms.CharField(
        label=_l("Practice or organization (providers)"), max_length=200, required=False
    )
    password = forms.CharField(
        label=_l("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_l("At least 12 characters, not a common password."),
    )
    password2 = forms.CharField(
        label=_l("Password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        elif data.get("password"):
            try:
                validate_password(data["password"])
            except forms.ValidationError as error:
                self.add_error("password", error)
        if data.get("kind") == PortalAccount.PROVIDER:
            npi = (data.get("npi") or "").strip()
            if not npi_valid(npi):
                self.add_error(
                    "npi", _("An NPI is 10 digits; this one is not valid (check digit).")
                )
        return data


def register(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # past the mail limit nothing is made or sent; the answer below is the same
        if mail_limit.allow(request, data["email"], "registration"):
            accounts.account_register(
                kind=data["kind"],
                name=data["name"],
                email=data["email"],
                password=data["password"],
                subscriber_id=data.get("subscriber_id") or "",
                npi=(data.get("npi") or "").strip(),
                organization=data.get("organization") or "",
            )
        # the same answer whether or not the address had an account already
        return render(request, "portal/check_email.html", {"email": data["email"]})
    return render(request, "portal/register.html", {"form": form})


def verify(request: HttpRequest, token: str) -> HttpResponse:
    user = accounts.check_token(token)
    if user is None:
        return render(request, "portal/verify_failed.html", status=400)
    accounts.account_verify(user)
    messages.success(request, _("Your e-mail address is confirmed. Sign in to continue."))
    if request.user.is_authenticated and request.user.pk == user.pk:
        return redirect("portal:home")
    return redirect("portal:login")


def check_email(request: HttpRequest) -> HttpResponse:
    """Signed in, address not confirmed yet: say so, and offer the link again."""
    if request.method == "POST":
        if mail_limit.allow(request, request.user.email, "confirmation link"):
            accounts.send_verification(request.user)
        messages.info(request, _("We sent the link again."))
    return render(request, "portal/check_email.html", {"email": request.user.email})


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_l("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def clean_username(self) -> str:
        return accounts.normalise_email(self.cleaned_data["username"])


class PortalLoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = False

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["idle"] = "idle" in self.request.GET
        return context

    def get_default_redirect_url(self) -> str:
        return "/portal/"

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        if form.get_user().is_staff:
            # staff use the desk; the portal never shows staff screens or staff sessions
            form.add_error(None, _("Staff accounts sign in at the staff desk."))
            return self.form_invalid(form)
        return super().form_valid(form)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("portal:login")


password_reset = auth_views.PasswordResetView.as_view(
    template_name="portal/password_reset.html",
    email_template_name="portal/password_reset_email.txt",
    subject_template_name="portal/password_reset_subject.txt",
    form_class=QueuedPasswordResetForm,
    success_url=reverse_lazy("portal:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="portal/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="portal/password_reset_confirm.html",
    success_url=reverse_lazy("portal:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="portal/password_reset_complete.html"
)


class CodeForm(forms.Form):
    token = forms.CharField(
        label=_l("Code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/portal/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}
    ):
        return target
    return "/portal/"


def mfa(request: HttpRequest) -> HttpResponse:
    """The second step of signing in, for accounts that turned on an authenticator."""
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        left = verify_code(request, form.cleaned_data["token"])
        if left is not None:
            if left >= 0:
                messages.warning(
                    request,
                    _("You used a recovery code; %(left)s remain.") % {"left": left},
                )
            return redirect(_next(request))
        form.add_error("token", _("That code is not valid (or was used already)."))
    return render(request, "portal/mfa_verify.html", {"form": form, "next": _next(request)})


def account(request: HttpRequest) -> HttpResponse:
    """The account page: who you are here, and the optional authenticator."""
    user = request.user
    enrolled = user_has_device(user, confirmed=True)
    context: dict[str, Any] = {"account": request.portal_account, "enrolled": enrolled}  # type: ignore[attr-defined]
    if not enrolled:
        device = enrolment_device(user)
        form = CodeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            codes = enrol(request, device, form.cleaned_data["token"])
            if codes is not None:
                return render(request, "portal/mfa_codes.html", {"codes": codes})
            form.add_error("token", _("That code does not match: check the clock of your phone."))
        context.update(form=form, **enrolment_key(device, _("QR code of the key")))
    return render(request, "portal/account.html", context)


@require_POST
def mfa_off(request: HttpRequest) -> HttpResponse:
    """Turn the authenticator off (only from a session verified with it)."""
    if request.user.is_verified():  # type: ignore[attr-defined]
        TOTPDevice.objects.filter(user=request.user).delete()
        StaticDevice.objects.filter(user=request.user).delete()
        messages.info(request, _("Two-step sign-in is off."))
    return redirect("portal:account")
