"""`appealdesk report timeliness|volumes|outcomes|aging|universe`: the reports on the command
line, as CSV (the default), XLSX or JSON, to standard output or a file. The command line
reads every case (it runs with the database's own rights); a universe export is written to
the access log all the same, once."""

from __future__ import annotations

import dataclasses
import getpass
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Annotated, Any, NoReturn

import typer

from appealdesk.policy.quoting import quoted

report_app = typer.Typer(
    help="Reports: timeliness, volumes, outcomes, aging, the case universe.",
    no_args_is_help=True,
)

Program = Annotated[str | None, typer.Option("--program", help="ump, genex-ur…")]
From = Annotated[str | None, typer.Option("--from", help="first local date, YYYY-MM-DD")]
To = Annotated[str | None, typer.Option("--to", help="last local date, YYYY-MM-DD")]
Handler = Annotated[str | None, typer.Option(help="handler id, e.g. regence")]
Kind = Annotated[str | None, typer.Option(help="complaint, appeal, grievance…")]
Level = Annotated[str | None, typer.Option(help="1, 2 or none")]
Expedited = Annotated[str | None, typer.Option(help="true or false")]
Category = Annotated[str | None, typer.Option(help="a category of the program")]
Channel = Annotated[str | None, typer.Option(help="phone, mail, fax, email, portal, in_person")]
Format = Annotated[str, typer.Option("--format", help="csv, xlsx or json")]
Output = Annotated[Path | None, typer.Option("--output", "-o", help="file (default: stdout)")]


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appealdesk.settings")
    django.setup()


def _filter(**given: Any) -> Any:
    from appealdesk.reports.filters import ReportFilter

    return ReportFilter.parse({k: v for k, v in given.items() if v is not None})


def _run(fmt: str, output: Path | None, write: Callable[[IO[bytes], str], None]) -> None:
    """Domain errors as one line and exit code 2; XLSX only to a file or a pipe."""
    from appealdesk.cases.errors import DomainError

    if fmt not in ("csv", "xlsx", "json"):
        _fail(f"--format: {quoted(fmt)} is not csv, xlsx or json")
    if fmt == "xlsx" and output is None and sys.stdout.isatty():
        _fail("--format xlsx: give --output FILE (a workbook is not for the terminal)")
    try:
        if output is None:
            write(sys.stdout.buffer, fmt)
            sys.stdout.buffer.flush()
        else:
            with output.open("wb") as out:
                write(out, fmt)
    except DomainError as exc:
        if output is not None:
            output.unlink(missing_ok=True)
        _fail(exc.message)


def _table(rows: list[Any], kind: type, name: str) -> Callable[[IO[bytes], str], None]:
    from appealdesk.reports import export

    def write(out: IO[bytes], fmt: str) -> None:
        header, values = export.table(rows, kind)
        if fmt == "json":
            data = [dataclasses.asdict(r) for r in rows]
            out.write(json.dumps(data, indent=1, default=export.plain).encode() + b"\n")
        elif fmt == "xlsx":
            with export.xlsx_file(header, [values], title=name) as workbook:
                out.write(workbook.read())
        else:
            for chunk in export.csv_chunks(header, [values]):
                out.write(chunk)

    return write


def _report(
    name: str,
    fmt: str,
    output: Path | None,
    read: Callable[[Any], tuple[list[Any], type]],
    **f: Any,
) -> None:
    _setup()
    from appealdesk.cases.errors import DomainError

    try:
        rows, kind = read(_filter(**f))
    except DomainError as exc:
        _fail(exc.message)
    _run(fmt, output, _table(rows, kind, name))


@report_app.command()
def timeliness(
    program: Program = None,
    date_from: From = None,
    date_to: To = None,
    basis: Annotated[str, typer.Option(help="received or due: what the dates are")] = "received",
    by: Annotated[
        str | None,
        typer.Option(help="handler, kind, level, expedited, month_received or month_due"),
    ] = None,
    handler: Handler = None,
    kind: Kind = None,
    level: Level = None,
    expedited: Expedited = None,
    category: Category = None,
    channel: Channel = None,
    fmt: Format = "csv",
    output: Output = None,
) -> None:
    """Clocks met, missed, open on time, open overdue (and pending) per program and clock."""

    def read(f: Any) -> tuple[list[Any], type]:
        from appealdesk.reports import selectors

        return selectors.timeliness(f, by=by), selectors.TimelinessRow

    _report(
        "timeliness",
        fmt,
        output,
        read,
        program=program,
        **{"from": date_from, "to": date_to},
        basis=basis,
        handler=handler,
        kind=kind,
        level=level,
        expedited=expedited,
        category=category,
        channel=channel,
    )


@report_app.command()
def volumes(
    program: Program = None,
    date_from: From = None,
    date_to: To = None,
    period: Annotated[str, typer.Option(help="month or week")] = "month",
    handler: Handler = None,
    kind: Kind = None,
    level: Level = None,
    expedited: Expedited = None,
    category: Category = None,
    channel: Channel = None,
    fmt: Format = "csv",
    output: Output = None,
) -> None:
    """Cases received per month or week, by program, kind, category and channel."""

    def read(f: Any) -> tuple[list[Any], type]:
        from appealdesk.reports import selectors

        return selectors.volumes(f, period=period), selectors.VolumeRow

    _report(
        "volumes",
        fmt,
        output,
        read,
        program=program,
        **{"from": date_from, "to": date_to},
        handler=handler,
        kind=kind,
        level=level,
        expedited=expedited,
        category=category,
        channel=channel,
    )


@report_app.command()
def outcomes(
    program: Program = None,
    date_from: From = None,
    date_to: To = None,
    handler: Handler = None,
    kind: Kind = None,
    level: Level = None,
    expedited: Expedited = None,
    category: Category = None,
    channel: Channel = None,
    fmt: Format = "csv",
    output: Output = None,
) -> None:
    """Outcomes per program, kind and level; overturn rate; average and p90 days to decision."""

    def read(f: Any) -> tuple[list[Any], type]:
        from appealdesk.reports import selectors

        return selectors.outcomes(f), selectors.OutcomeRow

    _report(
        "outcomes",
        fmt,
        output,
        read,
        program=program,
        **{"from": date_from, "to": date_to},
        handler=handler,
        kind=kind,
        level=level,
        expedited=expedited,
        category=category,
        channel=channel,
    )


@report_app.command()
def aging(
    program: Program = None,
    handler: Handler = None,
    kind: Kind = None,
    level: Level = None,
    expedited: Expedited = None,
    category: Category = None,
    channel: Channel = None,
    fmt: Format = "csv",
    output: Output = None,
) -> None:
    """Open cases by age (0-7, 8-14, 15-30, over 30 days since receipt), as of now."""

    def read(f: Any) -> tuple[list[Any], type]:
        from appealdesk.reports import selectors

        return selectors.aging(f), selectors.AgingRow

    _report(
        "aging",
        fmt,
        output,
        read,
        program=program,
        handler=handler,
        kind=kind,
        level=level,
        expedited=expedited,
        category=category,
        channel=channel,
    )


@report_app.command()
def universe(
    program: Program = None,
    date_from: From = None,
    date_to: To = None,
    basis: Annotated[str, typer.Option(help="received, or due: a clock due in the range")] = (
        "received"
    ),
    handler: Handler = None,
    kind: Kind = None,
    level: Level = None,
    expedited: Expedited = None,
    category: Category = None,
    channel: Channel = None,
    fmt: Format = "csv",
    output: Output = None,
) -> None:
    """One row per case (the audit universe), streamed: constant memory for any size."""
    _setup()
    from appealdesk.cases.errors import DomainError
    from appealdesk.desk.models import AccessLog
    from appealdesk.reports import export
    from appealdesk.reports import universe as cases
    from appealdesk.reports.http import UNIVERSE_LOG

    if fmt == "json":
        _fail("--format: the universe is csv or xlsx")
    try:
        f = _filter(
            program=program,
            **{"from": date_from, "to": date_to},
            basis=basis,
            handler=handler,
            kind=kind,
            level=level,
            expedited=expedited,
            category=category,
            channel=channel,
        )
    except DomainError as exc:
        _fail(exc.message)

    def write(out: IO[bytes], fmt: str) -> None:
        AccessLog.objects.create(
            user=None,
            username=f"cli:{getpass.getuser()}"[:150],
            case_number="*",
            what=UNIVERSE_LOG,
            allowed=True,
            path=f"appealdesk report universe {f.describe()}"[:300],
        )
        batches = cases.rows(f)
        if fmt == "xlsx":
            for block in export.file_chunks(
                export.xlsx_file(cases.header(), batches, title="universe")
            ):
                out.write(block)
        else:
            for chunk in export.csv_chunks(cases.header(), batches):
                out.write(chunk)

    _run(fmt, output, write)
