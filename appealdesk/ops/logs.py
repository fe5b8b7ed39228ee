"""JSON logs, one object a line, each with the id of the request it belongs to.

No PHI: the request line names the URL *pattern* (`desk/cases/<str:number>/`), never the path
or the query string (a search for a member's name, a reset token), and the product's own log
calls name rows by their ids. `tests/ops/test_logs.py` runs desk, portal and API flows and
greps the log file for the members' names and identifiers.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from contextvars import ContextVar

from django.http import HttpRequest
from django.urls import Resolver404, resolve

# the id of the request being answered ("" outside a request: the worker, a command)
request_id: ContextVar[str] = ContextVar("appealdesk_request_id", default="")

# the request line's fields (RequestIdMiddleware passes them as `extra`)
FIELDS = ("method", "route", "status", "ms", "request_id")


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message", "request_id", …}`; an exception's traceback in
    `exception` (the code, never the local variables)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id.get(),
        }
        for field in FIELDS:
            if field in record.__dict__:
                entry[field] = record.__dict__[field]
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def forget_request_id(**kwargs: object) -> None:
    """`request_finished`: the request's lines are written; later lines belong to no request."""
    request_id.set("")


def route_of(request: HttpRequest) -> str:
    """The URL pattern the request's path matches (also when a middleware answered before the
    view was resolved), or "(no route)"."""
    match = request.resolver_match
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return "(no route)"
    return match.route


class WithheldPath(logging.Filter):
    """On the handlers: Django (`django.request`, `django.security.*`) writes the request's
    path into the message ("Not Found: /desk/cases/…"), and a path is the visitor's to type:
    it may hold a name. The line keeps the reason and names the URL pattern instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = record.__dict__.get("request")
        path = getattr(request, "path", None)
        if path is not None and isinstance(record.args, tuple) and path in record.args:
            route = route_of(request)
            record.args = tuple(route if arg == path else arg for arg in record.args)
        return True
