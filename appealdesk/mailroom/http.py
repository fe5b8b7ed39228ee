"""The fax services' inbound endpoints (no session, no CSRF: each request is verified by its
signature or URL token instead). The body is read from the stream up to the size limit, so an
oversized request is refused without being held in memory."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from appealdesk.mailroom import fax

log = logging.getLogger(__name__)


def _answer(stored: Any) -> JsonResponse:
    return JsonResponse({"item": stored.item.pk, "created": stored.created})


def _refused(exc: fax.Refused, *, service: str, size: int) -> JsonResponse:
    fax.refuse(exc, service=service, size=size)
    return JsonResponse({"error": exc.code, "message": exc.reason}, status=exc.status)


def _length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _too_large(request: HttpRequest) -> fax.Refused | None:
    length, limit = _length(request), fax.max_bytes()
    if length > limit:
        return fax.Refused(
            413,
            "too_large",
            f"the request is {length / 1e6:.1f} MB; faxes may be at most {limit / 1e6:.0f} MB "
            "(MAILROOM_FAX_MAX_BYTES)",
        )
    return None


@csrf_exempt
@require_POST
def generic_inbound(request: HttpRequest) -> JsonResponse:
    now = timezone.now()
    refused = _too_large(request)
    if refused:
        return _refused(refused, service="generic", size=_length(request))
    limit = fax.max_bytes()
    body = request.read(limit + 1)  # a sender that lied about Content-Length stops here
    if len(body) > limit:
        refused = fax.Refused(413, "too_large", f"the body is over {limit / 1e6:.0f} MB")
        return _refused(refused, service="generic", size=len(body))
    try:
        inbound = fax.parse_generic(request.headers, body, now=now)
        return _answer(fax.receive(inbound, service="generic", now=now))
    except fax.Refused as exc:
        return _refused(exc, service="generic", size=len(body))


def _form(request: HttpRequest) -> tuple[dict[str, str], dict[str, bytes]]:
    params = {name: request.POST[name] for name in request.POST}
    files = {name: request.FILES[name].read() for name in request.FILES}
    return params, files


@csrf_exempt
@require_POST
def phaxio_inbound(request: HttpRequest) -> JsonResponse:
    now = timezone.now()
    refused = _too_large(request)
    if refused:
        return _refused(refused, service="phaxio", size=_length(request))
    params, files = _form(request)
    url = (
        str(fax.config.setting("MAILROOM_PHAXIO_CALLBACK_URL", "")) or request.build_absolute_uri()
    )
    try:
        inbound = fax.parse_phaxio(
            url=url,
            signature=request.headers.get("X-Phaxio-Signature", ""),
            params=params,
            files=files,
            now=now,
        )
        return _answer(fax.receive(inbound, service="phaxio", now=now))
    except fax.Refused as exc:
        return _refused(exc, service="phaxio", size=_length(request))


@csrf_exempt
@require_POST
def faxto_inbound(request: HttpRequest, token: str) -> JsonResponse:
    now = timezone.now()
    refused = _too_large(request)
    if refused:
        return _refused(refused, service="faxto", size=_length(request))
    params, files = _form(request)
    try:
        inbound = fax.parse_faxto(token=token, params=params, files=files, now=now)
        return _answer(fax.receive(inbound, service="faxto", now=now))
    except fax.Refused as exc:
        return _refused(exc, service="faxto", size=_length(request))
