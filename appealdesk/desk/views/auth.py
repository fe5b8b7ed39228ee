"""Sign-in, two-factor enrolment and verification (django-otp TOTP + recovery codes), sign-out.

Failed passwords are counted by django-axes (settings: 5 failures lock the account for 15
minutes); the TOTP device throttles wrong codes itself.
"""

from __future__ import annotations

import secrets
from typing import Any

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice


class DeskLoginView(LoginView):
    template_name = "desk/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["idle"] = "idle" in self.request.GET
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


def verify_code(request: HttpRequest, code: str) -> int | None:
    """Check a code from the authenticator or a recovery code and mark the session verified.
    None if it matches nothing; -1 for an authenticator code; else the recovery codes left."""
    token = code.replace(" ", "").replace("-", "")
    for device_class in (TOTPDevice, StaticDevice):
        for device in device_class.objects.devices_for_user(request.user, confirmed=True):
            if device.verify_token(token):
                otp_login(request, device)
                return device.token_set.count() if isinstance(device, StaticDevice) else -1
    return None


@login_required
def mfa(request: HttpRequest) -> HttpResponse:
    """Verify with the authenticator (or a recovery code); enrol first if there is none."""
    user = request.user
    if not user_has_device(user, confirmed=True):
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
    if user_has_device(request.user, confirmed=True):
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


def enrolment_device(user: Any) -> TOTPDevice:
    """The authenticator being enrolled (made on first sight, confirmed by its first code)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def enrol(request: HttpRequest, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the device with a code from the app: then the session is verified and the
    recovery codes are made (returned, to show once). None if the code does not match."""
    if not device.verify_token(code.replace(" ", "")):
        return None
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(request.user)
    otp_login(request, device)
    return codes


def enrolment_key(device: TOTPDevice, title: str) -> dict[str, str]:
    """The key to enrol: as a QR code (SVG), in base32 groups to type, and as hex."""
    return {
        "qr": segno.make(device.config_url, error="m").svg_inline(scale=4, title=title),
        "secret": _base32(device.bin_key),
        "key": device.bin_key.hex(),
    }


@login_required
@require_POST
def mfa_recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working); only with a verified session."""
    if not request.user.is_verified():
        return redirect("desk:mfa")
    codes = _new_recovery_codes(request.user)
    return render(request, "desk/mfa_codes.html", {"codes": codes, "next": "/desk/"})


def _new_recovery_codes(user: Any) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name="recovery codes", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [secrets.token_hex(5) for _ in range(settings.RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def _base32(key: bytes) -> str:
    import base64

    text = base64.b32encode(key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own page: roles, teams, two-factor state, recovery codes left."""
    from appealdesk.cases.models import Team
    from appealdesk.desk import roles

    user = request.user
    recovery = StaticDevice.objects.filter(user=user, name="recovery codes").first()
    context = {
        "roles": sorted(roles.ROLES[r] for r in roles.roles_of(user)),
        "teams": Team.objects.filter(id__in=roles.team_ids(user)).order_by("program", "name"),
        "enrolled": user_has_device(user, confirmed=True),
        "verified": user.is_verified(),
        "codes_left": recovery.token_set.count() if recovery else 0,
    }
    return render(request, "desk/account.html", context)
