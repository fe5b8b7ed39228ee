"""`appealdesk report timeliness|volumes|outcomes|public-metrics|aging|universe`: the reports
on the command line, as CSV (the default), XLSX or JSON, to standard output or a file. The
command line reads every case (it runs with the database's own rights); a universe export is
written to the access log all the same, once."""

from __future__ import annotations

import dataclasses
import getpass
import inspect
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Annotated, Any, NoReturn

import typer

from appealdesk.policy.quoting import quoted

report_app = typer.Typer(
    help="Reports: timeliness, volumes, outcomes, public metrics, aging, the case universe.",
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


def _option(name: str, annotation: Any, default: Any = None) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
    )


# The options every report command shares, in the order `--help` lists them: which program and
# dates, then the command's own options, then the rest of the filter, then where it goes.
PROGRAM = [_option("program", Program)]
DATES = [_option("date_from", From), _option("date_to", To)]
CASES = [
    _option("handler", Handler),
    _option("kind", Kind),
    _option("level", Level),
    _option("expedited", Expedited),
    _option("category", Category),
    _option("channel", Channel),
]
DESTINATION = [_option("fmt", Format, "csv"), _option("output", Output)]
FILTER_NAMES = {"date_from": "from", "date_to": "to"}  # as ReportFilter.parse reads them


@dataclass(frozen=True)
class ReportOptions:
    """The shared options as given: which cases (blank: any), the format and the file."""

    cases: dict[str, str | None]
    fmt: str
    output: Path | None

    def report_filter(self, **more: str | None) -> Any:
        """The cases as a ReportFilter, with the command's own filter options (`basis`)."""
        from appealdesk.reports.filters import ReportFilter

        given = {**self.cases, **more}
        return ReportFilter.parse({k: v for k, v in given.items() if v is not None})


def report_command(*, dates: bool = True) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """A `report` subcommand with the shared options (`--from`/`--to` only with `dates`). The
    function takes `options: ReportOptions` first, then its own options."""

    def register(command: Callable[..., None]) -> Callable[..., None]:
        own = list(inspect.signature(command, eval_str=True).parameters.values())[1:]
        which = [*PROGRAM, *(DATES if dates else [])]
        params = [
            *which,
            *(p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own),
            *CASES,
            *DESTINATION,
        ]
        filters = [p.name for p in (*which, *CASES)]

        def run(**given: Any) -> None:
            options = ReportOptions(
                cases={FILTER_NAMES.get(n, n): given.pop(n) for n in filters},
                fmt=given.pop("fmt"),
                output=given.pop("output"),
            )
            command(options, **given)

        # typer reads the command's name, help and options from these
        run.__name__, run.__doc__ = command.__name__, command.__doc__
        run.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in params}
        return report_app.command()(run)

    return register


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appealdesk.settings")
    django.setup()


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
    options: ReportOptions,
    read: Callable[[Any], tuple[list[Any], type]],
    **more: str | None,
) -> None:
    _setup()
    from appealdesk.cases.errors import DomainError

    try:
        rows, kind = read(options.report_filter(**more))
    except DomainError as exc:
        _fail(exc.message)
    _run(options.fmt, options.output, _table(rows, kind, name))


@report_command()
def timeliness(
    options: ReportOptions,
    basis: Annotated[str, typer.Option(help="received or due: what the dates are")] = "received",
    by: Annotated[
        str | None,
        typer.Option(help="handler, kind, level, expedited, month_received or month_due"),
    ] = None,
) -> None:
    """Clocks met, missed, open on time, open overdue (and pending) per program and clock."""

    def read(f: Any) -> tuple[list[Any], type]:
        from appealdesk.reports import selectors

        return selectors.timeliness(f, by=by), selectors.TimelinessRow

    _report("timeliness", options, read, basis=basis)


@report_command()
def volumes(
    options: ReportOptions,
    period: Annotated[str, typer.Option(help="month or week")] = "month",
) -> None:
    """Cases received per month or week, by program, kind, category and channel."""

    def read(f: Any) -> tuple[list[Any], type]:
        from appealdesk.reports import selectors

        return selectors.volumes(f, period=period), selectors.VolumeRow

    _report("volumes", options, read)


@report_command()
def outcomes(options: ReportOptions) -> None:
    """Outcomes per program, kind and level; overturn rate; average and p90 days to decision."""

    def read(f: Any) -> tuple[list[Any], type]:
        from appealdesk.reports import selectors

        return selectors.outcomes(f), selectors.OutcomeRow

    _report("outcomes", options, read)


@report_command()
def public_metrics(options: ReportOptions) -> None:
    """Per year of receipt, program and track: requests approved, denied, approved after
    appeal, extended and approved; average and median days to decision (CMS-0057-F)."""

    def read(f: Any) -> tuple[list[Any], type]:
        from appealdesk.reports import selectors

        return selectors.public_metrics(f), selectors.PublicRow

    _report("public metrics", options, read)


@report_command(dates=False)
def aging(options: ReportOptions) -> None:
    """Open cases by age (0-7, 8-14, 15-30, over 30 days since receipt), as of now."""

    def read(f: Any) -> tuple[list[Any], type]:
        from appealdesk.reports import selectors

        return selectors.aging(f), selectors.AgingRow

    _report("aging", options, read)


@report_command()
def universe(
    options: ReportOptions,
    basis: Annotated[str, typer.Option(help="received, or due: a clock due in the range")] = (
        "received"
    ),
) -> None:
    """One row per case (the audit universe), streamed: constant memory for any size."""
    _setup()
    from appealdesk.access.models import AccessLog
    from appealdesk.cases.errors import DomainError
    from appealdesk.reports import export
    from appealdesk.reports import universe as cases
    from appealdesk.reports.http import UNIVERSE_LOG

    if options.fmt == "json":
        _fail("--format: the universe is csv or xlsx")
    try:
        f = options.report_filter(basis=basis)
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

    _run(options.fmt, options.output, write)
