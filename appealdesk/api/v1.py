"""REST API v1 (`/api/v1/`): the same services and permissions as the desk, over HTTP.

Every case read is written to the access log; every action needs `If-Match` with the case's
ETag (a stale one answers 409); intake takes an `Idempotency-Key`. This module only assembles
the API: the endpoints are routers by resource (`appealdesk.api.routers`), their shared
helpers `appealdesk.api.common`.
"""

from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI

from appealdesk.api import problems
from appealdesk.api.auth import AUTH
from appealdesk.api.common import RENDERER
from appealdesk.api.routers import actions, assess, cases, documents, letters, reports


class AppealdeskAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """Errors are documented as what they are: `application/problem+json`. An operation
        with path or query parameters may also meet the server's limit on the request line
        (gunicorn: 4094 bytes, an HTML 414 before the application sees the request)."""
        schema = super().get_openapi_schema(**kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.get("responses", {})
                for code, response in responses.items():
                    content = response.get("content") or {}
                    if str(code).startswith(("4", "5")) and "application/json" in content:
                        response["content"] = {problems.PROBLEM: content["application/json"]}
                if any(p.get("in") in ("query", "path") for p in operation.get("parameters", [])):
                    responses.setdefault(
                        414, {"description": "the request line is longer than the server takes"}
                    )
        return schema

    def get_openapi_operation_id(self, operation: Any) -> str:
        return str(operation.view_func.__name__)

    @property
    def urls(self) -> Any:
        """ninja answers a method a path does not take with a plain-text 405: as a problem."""
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _method_not_allowed_as_problem(pattern.callback)
        # after every router's paths: anything else under /api/v1/ is a problem, not HTML
        return [*patterns, re_path(r"^", _unknown_path)], app_name, namespace


@csrf_exempt
def _unknown_path(request: HttpRequest) -> HttpResponse:
    return problems.problem(404, "not_found", "No such resource, or not one you may see.")


def _method_not_allowed_as_problem(view: Any) -> Any:
    @functools.wraps(view)  # keeps csrf_exempt: the API checks CSRF itself (desk session)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            problems.PROBLEM
        ):
            allowed = response.get("Allow", "")
            response = problems.problem(
                405, "method_not_allowed", f"{request.method} is not allowed here; use {allowed}"
            )
            response["Allow"] = allowed
        return response

    return wrapped


api = AppealdeskAPI(
    title="appealdesk API",
    version="1",
    description=(
        "Complaints, grievances and appeals with their regulatory clocks. Authenticate with "
        "an API key (`Authorization: Bearer ad_…` or `X-API-Key`); errors are "
        "`application/problem+json` (RFC 9457)."
    ),
    urls_namespace="api-v1",
    auth=AUTH,
    docs_url="/docs",
    renderer=RENDERER,
)
problems.install(api)

# in this order: a router's paths are tried in the order they were added, each before the
# catch-all of unknown paths
api.add_router("", assess.router)  # assess and packs
api.add_router("", cases.router)
api.add_router("", actions.router)
api.add_router("", documents.router)
api.add_router("", reports.router)
api.add_router("", letters.router)  # and the case-file packet
