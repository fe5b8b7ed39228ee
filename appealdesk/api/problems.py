"""Errors as `application/problem+json` (RFC 9457): a stable `type`, a title, the HTTP
status, a message a person can act on (`detail`) and, where one field is at fault, `field`."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from appealdesk.cases.errors import DomainError, InvalidTransition, Refused, StaleVersion
from appealdesk.policy.quoting import clipped

PROBLEM = "application/problem+json"
BASE = "urn:appealdesk:problem:"

TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    422: "Invalid input",
    428: "Precondition required",
}


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str
    field: str | None = None
    errors: list[dict[str, Any]] | None = None


class ApiProblem(Exception):
    def __init__(self, status: int, code: str, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.field = status, code, detail, field


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    field: str | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> HttpResponse:
    import json

    # values are quoted by their first 80 characters where messages are made; clipping here
    # keeps any message that still carries a long value to one readable line
    body: dict[str, Any] = {
        "type": BASE + code,
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": clipped(detail),
    }
    if field:
        body["field"] = clipped(field, 200)
    if errors is not None:
        body["errors"] = [{**e, "message": clipped(str(e.get("message", "")))} for e in errors[:20]]
    return HttpResponse(json.dumps(body), status=status, content_type=PROBLEM)


def status_of(exc: DomainError) -> int:
    # a stale version or a move the state does not allow conflicts with the case as it is;
    # a rule's refusal and bad values are input the caller can change
    if isinstance(exc, StaleVersion | InvalidTransition):
        return 409
    if isinstance(exc, Refused):
        return 422
    return 422


def field_of(loc: Any) -> str | None:
    """The field as the caller wrote it: ninja's location starts with the source ("body",
    "query", "path", "form") and, for a JSON body, the name of the body's parameter."""
    parts = list(loc)[1:]
    if loc and loc[0] == "body":
        parts = parts[1:] or ["body"]
    return ".".join(str(p) for p in parts) or None


def install(api: NinjaAPI) -> None:
    def domain(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem(status_of(exc), exc.code, exc.message, field=exc.field)

    def api_problem(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem(exc.status, exc.code, exc.detail, field=exc.field)

    def not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem(404, "not_found", "No such resource, or not one you may see.")

    def invalid(request: HttpRequest, exc: Any) -> HttpResponse:
        errors = [
            {"field": field_of(e.get("loc", ())), "message": e.get("msg", "")} for e in exc.errors
        ]
        first = errors[0] if errors else {"field": None, "message": "invalid input"}
        message = str(first["message"])
        detail = f"{first['field']}: {message}" if first["field"] else message
        return problem(422, "invalid_input", detail, field=first["field"], errors=errors)

    def unauthenticated(request: HttpRequest, exc: Any) -> HttpResponse:
        response = problem(
            401,
            "unauthenticated",
            "Send an API key (Authorization: Bearer ad_…, or X-API-Key) or sign in to the desk.",
        )
        response["WWW-Authenticate"] = 'Bearer realm="appealdesk"'
        return response

    def http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        if exc.status_code == 403 and "CSRF" in str(exc):
            # the desk session writes only with the CSRF token of the desk's pages
            return problem(
                403,
                "csrf_failed",
                "a write with the desk's session needs its CSRF token (X-CSRFToken header); "
                "other clients use an API key",
            )
        code = {400: "bad_request", 403: "forbidden"}.get(exc.status_code, "error")
        return problem(exc.status_code, code, str(exc))

    api.add_exception_handler(DomainError, domain)
    api.add_exception_handler(ApiProblem, api_problem)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(ValidationError, invalid)
    api.add_exception_handler(AuthenticationError, unauthenticated)
    api.add_exception_handler(HttpError, http_error)
