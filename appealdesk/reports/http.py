"""Reports as HTTP downloads, shared by the desk and the API: the universe streamed (CSV as it
is read; XLSX written to a temporary file, then sent in blocks), the other reports as files."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone

from appealdesk.access.log import log_access
from appealdesk.reports import export, universe
from appealdesk.reports.filters import ReportFilter

UNIVERSE_LOG = "universe export"


def file_name(report: str, f: ReportFilter, fmt: str) -> str:
    parts = ["appealdesk", report, f.program or "all"]
    if f.date_from or f.date_to:
        parts.append(f"{f.date_from or 'start'}-{f.date_to or 'end'}")
    return "-".join(parts) + f".{fmt}"


def _attachment(response: Any, name: str) -> Any:
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


def universe_response(
    request: HttpRequest, f: ReportFilter, *, fmt: str, user: Any, within: Q | None
) -> StreamingHttpResponse:
    """The universe of the cases the user may see, streamed. One access-log row stands for the
    whole export (case number "*", the filter in the logged path), not one per case."""
    log_access(request, "*", None, UNIVERSE_LOG, True, user)
    now = timezone.now()
    batches = universe.rows(f, within=within, now=now)
    if fmt == "xlsx":
        body = export.file_chunks(export.xlsx_file(universe.header(), batches, title="universe"))
    else:
        body = export.csv_chunks(universe.header(), batches)
    response = StreamingHttpResponse(body, content_type=export.CONTENT_TYPES[fmt])
    return _attachment(response, file_name("universe", f, fmt))


def table_response(
    report: str, f: ReportFilter, rows: Sequence[Any], kind: type, *, fmt: str
) -> HttpResponse:
    """A report's rows (a few hundred at most) as a CSV, XLSX or JSON file."""
    header, values = export.table(rows, kind)
    if fmt == "json":
        body = json.dumps([dataclasses.asdict(r) for r in rows], default=_json, indent=1).encode()
    elif fmt == "xlsx":
        with export.xlsx_file(header, [values], title=report) as out:
            body = out.read()
    else:
        body = b"".join(export.csv_chunks(header, [values]))
    response = HttpResponse(body, content_type=export.CONTENT_TYPES[fmt])
    return _attachment(response, file_name(report, f, fmt))  # type: ignore[no-any-return]


def _json(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return export.plain(value)
    raise TypeError(type(value).__name__)
