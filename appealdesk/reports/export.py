"""Reports as files: CSV, XLSX and JSON, written batch by batch.

Memory stays constant for any size: rows arrive in batches (the universe reads keyset batches
of cases), CSV is encoded and handed on one batch at a time, and XLSX goes through openpyxl's
write-only workbook, which writes each row to a temporary file at once (it keeps no cells);
saving zips that file into another temporary file, which is then sent in blocks.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from openpyxl import Workbook

FORMATS = ("csv", "xlsx", "json")
SHEET_ROWS = 1_000_000
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def table(rows: Sequence[Any], kind: type) -> tuple[list[str], list[list[Any]]]:
    """A report's dataclass rows as a header and plain values."""
    names = [f.name for f in dataclasses.fields(kind)]
    return names, [[plain(getattr(r, n)) for n in names] for r in rows]


def plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# A text cell starting with one of these is read as a formula by spreadsheets (= + - @), or
# becomes one once a tab or carriage return is stripped (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def inert(value: Any) -> Any:
    """A cell value no spreadsheet runs: text that could start a formula gets a leading single
    quote, which spreadsheets show as text. Numbers stay numbers, and text that is only a
    negative number ("-3") is left as it is: it cannot be a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.match(value):
        return "'" + value
    return value


def csv_chunks(
    header: Sequence[str], batches: Iterable[Sequence[Sequence[Any]]]
) -> Iterator[bytes]:
    """UTF-8 CSV, one chunk per batch of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for batch in batches:
        writer.writerows([inert(value) for value in row] for row in batch)
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def xlsx_file(
    header: Sequence[str], batches: Iterable[Sequence[Sequence[Any]]], *, title: str
) -> IO[bytes]:
    """An XLSX workbook in an anonymous temporary file (gone when closed), rewound. A sheet
    holds at most SHEET_ROWS rows (Excel's limit is 1,048,576); more go on to the next sheet,
    each with the header. Empty values are left out (openpyxl writes no cell for None)."""
    workbook = Workbook(write_only=True)
    sheets, room = 1, SHEET_ROWS
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(list(header))
    for batch in batches:
        for row in batch:
            if room == 0:
                sheets, room = sheets + 1, SHEET_ROWS
                sheet = workbook.create_sheet(title=f"{title[:24]} {sheets}")
                sheet.append(list(header))
            sheet.append([None if value == "" else inert(value) for value in row])
            room -= 1
    out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (the caller reads and closes it)
    workbook.save(out)
    out.seek(0)
    return out


def file_chunks(file: IO[bytes], size: int = 64 * 1024) -> Iterator[bytes]:
    with file:
        while block := file.read(size):
            yield block
