"""The outbox page: e-mail written to the outbox folder because no mail server is configured
(the embedded default and the demo; `correspondence.outbox`). For supervisors and
administrators: the messages are letters to members, so every look is logged."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.views.decorators.http import require_GET

from appealdesk.access import roles
from appealdesk.access.log import log_access
from appealdesk.correspondence import outbox

SHOWN = 200


def _allowed(request: HttpRequest) -> bool:
    return roles.may(request.user, "outbox")


@require_GET
def outbox_list(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        return HttpResponseForbidden("The outbox is for supervisors and administrators.")
    items, total = outbox.entries(SHOWN)
    log_access(request, "", None, "outbox list", True)
    context = {
        "items": items,
        "total": total,
        "shown": SHOWN,
        "active": settings.EMAIL_BACKEND.endswith("OutboxBackend"),
    }
    return render(request, "desk/outbox.html", context)


@require_GET
def outbox_message(request: HttpRequest, name: str) -> HttpResponse:
    if not _allowed(request):
        return HttpResponseForbidden("The outbox is for supervisors and administrators.")
    letter = outbox.read(name)
    log_access(request, "", None, "outbox message", letter is not None)
    if letter is None:
        raise Http404("no such message in the outbox")
    return render(request, "desk/outbox_message.html", {"letter": letter})


@require_GET
def outbox_attachment(request: HttpRequest, name: str, index: int) -> HttpResponse:
    if not _allowed(request):
        return HttpResponseForbidden("The outbox is for supervisors and administrators.")
    found = outbox.attachment(name, index)
    log_access(request, "", None, "outbox attachment", found is not None)
    if found is None:
        raise Http404("no such attachment")
    filename, content_type, data = found
    response = HttpResponse(data, content_type=content_type)
    # always a download, never rendered in the desk's origin
    safe = "".join(ch for ch in filename if ch.isalnum() or ch in "._- ")[:100] or "attachment"
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    return response
