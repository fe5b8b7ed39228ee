"""The second factor, for the desk, the portal and the admin: a TOTP authenticator
(django-otp), enrolled by scanning its key and confirming one code, and single-use recovery
codes. Wrong codes are throttled by the devices themselves."""

from __future__ import annotations

import base64
import secrets
from typing import Any

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice


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


def has_authenticator(user: Any) -> bool:
    """The person enrolled an authenticator (or holds recovery codes): the devices a code is
    typed for, not the identity provider's stand-in (`models.IdentityProviderDevice`)."""
    return any(
        cls.objects.devices_for_user(user, confirmed=True).exists()
        for cls in (TOTPDevice, StaticDevice)
    )


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
        codes = new_recovery_codes(request.user)
    otp_login(request, device)
    return codes


def enrolment_key(device: TOTPDevice, title: str) -> dict[str, str]:
    """The key to enrol: as a QR code (SVG), in base32 groups to type, and as hex."""
    return {
        "qr": segno.make(device.config_url, error="m").svg_inline(scale=4, title=title),
        "secret": _base32(device.bin_key),
        "key": device.bin_key.hex(),
    }


def new_recovery_codes(user: Any) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name="recovery codes", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [secrets.token_hex(5) for _ in range(settings.RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def _base32(key: bytes) -> str:
    text = base64.b32encode(key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))
