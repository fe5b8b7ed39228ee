"""`appealdesk audit`: the access log's months archived, pruned and verified (docs/audit.md)."""

from __future__ import annotations

import datetime as dt
import os
from typing import Annotated, NoReturn

import typer
from rich.console import Console

audit_app = typer.Typer(
    help="The access log: archive a month, prune archived months, verify the archives.",
    no_args_is_help=True,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appealdesk.settings")
    django.setup()


def _fail(message: str) -> NoReturn:
    err.print(f"error: {message}", markup=False)
    raise typer.Exit(2)


@audit_app.command()
def archive(
    month: Annotated[str, typer.Option("--month", help="the month to archive, YYYY-MM (UTC)")],
) -> None:
    """Write a finished month of the access log to a compressed JSON-lines file in the document
    storage, with a SHA-256 manifest chained to the previous month's. Months go in order."""
    _setup()
    from appealdesk.access.archive import ArchiveError, archive_month, month_parse

    try:
        done = archive_month(month_parse(month))
    except ArchiveError as exc:
        _fail(exc.message)
    out.print(
        f"{done.month:%Y-%m}: {done.rows:,} rows in {done.file_name} "
        f"(manifest {done.manifest_sha256[:16]}…)",
        markup=False,
    )


@audit_app.command()
def prune(
    before: Annotated[
        str, typer.Option("--before", help="remove months ending on or before this date")
    ],
) -> None:
    """Remove from the database the months before DATE that are archived, verified against the
    database, and older than the retention (APPEALDESK_AUDIT_RETENTION_YEARS, default 6); any
    other month is kept and said why. Exit code 1 when a month could not be verified."""
    _setup()
    from appealdesk.access.archive import prune as months_prune

    try:
        day = dt.date.fromisoformat(before.strip())
    except ValueError:
        _fail(f"--before: {before!r} is not a date written YYYY-MM-DD")
    outcome = months_prune(day)
    for month in outcome:
        verdict = "removed" if month.done else "kept"
        out.print(f"{month.month:%Y-%m}: {verdict}, {month.rows:,} rows: {month.why}", markup=False)
    if not outcome:
        out.print("nothing to prune: no archived month is past both dates", markup=False)
    if any(m.failed for m in outcome):
        raise typer.Exit(1)


@audit_app.command()
def verify() -> None:
    """Check every archive (its file, its lines, the manifest chain) and the months still in the
    database against their archives; on PostgreSQL, rows caught by the DEFAULT partition and
    months ahead without a partition. Exit code 1 on any problem."""
    _setup()
    from appealdesk.access.archive import chain_verify
    from appealdesk.access.models import AccessArchive

    checked, problems = chain_verify()
    for problem in problems:
        out.print(f"PROBLEM {problem}", markup=False)
    head = AccessArchive.objects.order_by("-month").first()
    if head is not None:
        # kept somewhere else (a ticket, the backup log), it proves no month was rewritten since
        out.print(f"chain head {head.month:%Y-%m} {head.manifest_sha256}", markup=False)
    verdict = f"{len(problems)} problems" if problems else "every archive intact"
    out.print(f"checked {checked} archived months: {verdict}", markup=False)
    if problems:
        raise typer.Exit(1)


@audit_app.command()
def partitions() -> None:
    """Create the access log's partitions ahead now (PostgreSQL; the worker does it hourly)."""
    _setup()
    from appealdesk.access.partitions import partitions_ensure

    created = partitions_ensure()
    out.print(
        f"created {', '.join(created)}" if created else "every partition exists", markup=False
    )
