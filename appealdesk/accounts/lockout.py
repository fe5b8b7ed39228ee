"""django-axes' answer to a locked-out sign-in: the portal's page or the desk's."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def locked(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    portal = request.path.startswith("/portal/")
    template = "portal/locked.html" if portal else "desk/locked.html"
    context = {"cooloff_timedelta": get_cool_off(request)}
    return render(request, template, context, status=settings.AXES_HTTP_RESPONSE_CODE)
