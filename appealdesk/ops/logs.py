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
