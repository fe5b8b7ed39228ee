"""`appealdesk mailroom import DIR | poll | read`: the mailroom's commands (the worker does the
same every minute)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Annotated

import typer

mailroom_app = typer.Typer(
    help="The mailroom: import a scanner's folder, poll the mailboxes, read new items.",
    no_args_is_help=True,
)


def _setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appealdesk.settings")
    django.setup()


@mailroom_app.command("import")
def import_folder(
    directory: Annotated[Path, typer.Argument(help="the scanner's folder")],
    done: Annotated[
        Path | None, typer.Option(help="where done files go (default DIR/done)")
    ] = None,
    stamped_on: Annotated[
        str | None, typer.Option("--stamped-on", help="the date-stamp of this batch, YYYY-MM-DD")
    ] = None,
    program: Annotated[str, typer.Option(help="the program this mail is for, if known")] = "",
    settle: Annotated[
        float, typer.Option(min=0, help="skip files changed within this many seconds")
    ] = 5.0,
) -> None:
    """Store every file of DIR as a mailroom item, moving each to the done folder once stored."""
    if not directory.is_dir():
        typer.echo(f"error: {directory} is not a folder", err=True)
        raise typer.Exit(2)
    stamp = None
    if stamped_on:
        try:
            stamp = dt.date.fromisoformat(stamped_on)
        except ValueError:
            typer.echo(f"error: --stamped-on {stamped_on!r} is not a date (YYYY-MM-DD)", err=True)
            raise typer.Exit(2) from None
    _setup()
    from appealdesk.mailroom.folder import folder_import
    from appealdesk.mailroom.matching import program_zone

    zone = program_zone(program) if program and stamp else None
    result = folder_import(
        directory, done=done, stamped_on=stamp, tz=zone, program=program, settle_seconds=settle
    )
    typer.echo(
        f"{result.stored} stored, {result.seen_again} seen again, {result.moved} moved"
        + (f", {len(result.waiting)} still being written" if result.waiting else "")
    )


@mailroom_app.command("poll")
def poll() -> None:
    """Poll every mailbox of MAILROOM_IMAP once."""
    _setup()
    from appealdesk.mailroom.imap import poll_all

    failed = False
    for name, outcome in poll_all().items():
        if isinstance(outcome, str):
            failed = True
            typer.echo(f"{name}: failed: {outcome}", err=True)
        else:
            typer.echo(
                f"{name}: {outcome.stored} stored, {outcome.seen_again} seen again, "
                f"{outcome.refused} refused, {outcome.moved} moved"
            )
    if failed:
        raise typer.Exit(1)


@mailroom_app.command("read")
def read(limit: Annotated[int, typer.Option(min=1)] = 1000) -> None:
    """Read new items now (OCR, text, proposal) instead of waiting for the worker."""
    _setup()
    from appealdesk.mailroom.reader import items_read_pending

    typer.echo(f"{items_read_pending(limit=limit)} items read")
