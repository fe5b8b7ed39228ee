"""The request id and the request line: the first middleware, so its timing covers the rest."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from appealdesk.ops.logs import request_id, route_of
from appealdesk.ops.metrics import observe_request

log = logging.getLogger("appealdesk.request")
# an id a proxy or a client sent is kept when it is a plain token; anything else (a header
# stuffed with text to forge log lines) is replaced
GIVEN_ID = re.compile(r"^[A-Za-z0-9._:@-]{1,128}$")
HEADER = "X-Request-ID"


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(HEADER, "")
        rid = given if GIVEN_ID.match(given) else uuid.uuid4().hex
        request.request_id = rid  # type: ignore[attr-defined]
        # kept after this returns: Django logs an error answer ("Internal Server Error: …")
        # after the middleware; `request_finished` clears it (logs.forget_request_id)
        request_id.set(rid)
        started = time.perf_counter()
        response = self.get_response(request)
        seconds = time.perf_counter() - started
        # the URL pattern, never the path: a path or query can carry a name or a token
        route = route_of(request)
        observe_request(request.method or "", route, response.status_code, seconds)
        response[HEADER] = rid
        log.info(
            "%s %s %s",
            request.method,
            route,
            response.status_code,
            extra={
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "ms": round(seconds * 1000, 1),
            },
        )
        return response
