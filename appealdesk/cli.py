"""The `appealdesk` command.

Exit codes: 0 success, 1 a pack that does not validate or an event chain that is broken, 2 bad
input (one line naming the field).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from appealdesk.access.cli import audit_app
from appealdesk.classifier_cli import classifier_app
from appealdesk.mailroom.cli import mailroom_app
from appealdesk.reports.cli import report_app

app = typer.Typer(
    help="appealdesk: complaints, grievances and appeals with regulatory clocks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
packs_app = typer.Typer(
    help="Policy packs: list, show, validate, test, diff, and start a new one.",
    no_args_is_help=True,
)
app.add_typer(packs_app, name="packs")
app.add_typer(report_app, name="report")
app.add_typer(mailroom_app, name="mailroom")
app.add_typer(classifier_app, name="classifier")
app.add_typer(audit_app, name="audit")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _fail(message: str, code: int = 2) -> NoReturn:
    from appealdesk.policy.quoting import clipped

    # one line, whatever a value quoted in it held
    err.print(f"error: {clipped(' '.join(message.splitlines()))}", markup=False)
    raise typer.Exit(code)


def _read_json(source: str) -> Any:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        _fail(f"FILE: cannot read {source}: {exc.strerror}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        _fail(f"request: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})")
    except RecursionError:
        _fail("request: the JSON is nested too deep to read")


@app.command()
def assess(
    file: Annotated[str | None, typer.Argument(help="request JSON file, or - for stdin")] = None,
    schema: Annotated[bool, typer.Option("--schema", help="print the JSON Schemas")] = False,
    table: Annotated[bool, typer.Option("--table", help="a readable summary")] = False,
) -> None:
    """Assess one request (SPEC section 7) without storing anything."""
    from appealdesk.policy import AssessError, PackError
    from appealdesk.policy import assess as run_assess
    from appealdesk.policy.contract import json_schemas

    if schema:
        out.print(json.dumps(json_schemas(), indent=2), markup=False)
        return
    if file is None:
        _fail("FILE: give a request file, or - to read standard input")
    request = _read_json(file)
    try:
        result = run_assess(request)
    except AssessError as exc:
        _fail(str(exc))
    except PackError as exc:
        _fail(f"pack: {exc}", 1)
    if table:
        _print_assessment(result)
    else:
        out.print(json.dumps(result, indent=2, ensure_ascii=False), markup=False)


@packs_app.command("list")
def packs_list() -> None:
    """Every program and pack version, with the dates they take effect."""
    from appealdesk.policy import default_registry

    registry = _registry(default_registry)
    grid = Table("program", "version", "effective from", "name", "file", "sha256")
    for column in grid.columns[:2]:
        column.overflow = "fold"  # ids whole, however narrow the terminal
    for program in registry.programs():
        for loaded in registry.versions(program):
            p = loaded.pack
            grid.add_row(
                p.program,
                p.version,
                p.effective_from.isoformat(),
                p.name,
                loaded.file.name,
                loaded.sha256[:12],
            )
    out.print(grid)


@packs_app.command("show")
def packs_show(
    program: str,
    version: Annotated[str | None, typer.Option(help="a version; default: the latest")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="the pack as JSON")] = False,
) -> None:
    """The rules of one pack, each with the seed sentence it encodes."""
    chosen = _version(program, version, "ID")
    if as_json:
        out.print(chosen.pack.model_dump_json(indent=2, by_alias=True), markup=False)
        return
    from appealdesk.policy.render import render_pack

    render_pack(chosen, out)


@packs_app.command("validate")
def packs_validate(files: Annotated[list[Path], typer.Argument(help="pack YAML files")]) -> None:
    """Check pack files: schema, cross-references, seed citations, calendar pin. Every problem
    is listed, one per line: FILE:LINE: PATH: what is wrong — what to write instead."""
    from appealdesk.policy import PackError, load_pack_file
    from appealdesk.policy.loader import CASES_SUFFIX

    failed = 0
    for file in files:
        if file.name.endswith(CASES_SUFFIX):
            # a pack's worked cases, not a pack (a shell glob of a packs folder takes both)
            out.print(f"skipped: {file}: worked cases — run `appealdesk packs test`", markup=False)
            continue
        try:
            loaded = load_pack_file(file)
        except PackError as exc:
            failed += 1
            for problem in exc.problems:
                err.print(str(problem), markup=False)
            count = len(exc.problems)
            err.print(f"invalid: {file}: {count} problem{'s' if count > 1 else ''}", markup=False)
        else:
            p = loaded.pack
            out.print(
                f"ok: {file}: {p.program} {p.version} (effective {p.effective_from}), "
                f"{sum(1 for _ in _rules(p))} rules",
                markup=False,
            )
    if failed:
        raise typer.Exit(1)


@packs_app.command("test")
def packs_test(
    pack: Annotated[str, typer.Argument(help="a pack file, or a program id")],
    cases: Annotated[
        Path | None,
        typer.Argument(help="the cases file (default: the pack's NAME.cases.yaml beside it)"),
    ] = None,
) -> None:
    """Run a pack's worked cases (request -> kind, disposition, due dates) through assess."""
    from appealdesk.policy import PackError
    from appealdesk.policy.packtest import cases_file_for, run_cases

    loaded, registry = _pack_and_registry(pack)
    cases_file = cases or cases_file_for(loaded.file)
    try:
        report = run_cases(cases_file, loaded, registry)
    except PackError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False)
        raise typer.Exit(1) from None
    for result in report.results:
        where = f"{cases_file}:{result.line}" if result.line else str(cases_file)
        if result.ok:
            out.print(f"ok    {result.name}", markup=False)
            continue
        out.print(f"FAIL  {result.name} ({where})", markup=False)
        for failure in result.failures:
            out.print(f"        {failure}", markup=False)
    failed, total = len(report.failed), len(report.results)
    out.print(f"{total - failed} of {total} cases pass ({cases_file})", markup=False)
    if failed:
        raise typer.Exit(1)


@packs_app.command("new")
def packs_new(
    name: Annotated[str, typer.Argument(help="the program id, e.g. dmhc-grievance")],
    folder: Annotated[Path, typer.Option("--dir", help="where to write the files")] = Path("."),
    source: Annotated[
        Path | None, typer.Option(help="a text file of the rules, copied as the seed document")
    ] = None,
) -> None:
    """Write a commented pack skeleton that validates, its cases file and its source file."""
    from appealdesk.policy.skeleton import SkeletonError, write_skeleton

    try:
        written = write_skeleton(name, folder, source)
    except SkeletonError as exc:
        _fail(str(exc))
    for file in written:
        out.print(f"wrote {file}", markup=False)
    out.print(
        f"next: put the rules' text in {written[2]}, edit {written[0]}, then `appealdesk packs "
        f"validate {written[0]}` and `appealdesk packs test {written[0]}`",
        markup=False,
    )


@packs_app.command("diff")
def packs_diff(
    program: Annotated[str, typer.Argument(help="the program id")],
    version_a: Annotated[str, typer.Argument(help="the older version, or a pack file")],
    version_b: Annotated[str, typer.Argument(help="the newer version, or a pack file")],
) -> None:
    """The rules added, removed, changed and moved from one version to another, each with its
    citation."""
    from appealdesk.policy.diff import pack_diff

    old, new = _version_or_file(program, version_a), _version_or_file(program, version_b)
    changes = pack_diff(old.pack, new.pack)
    counts = {k: sum(1 for c in changes if c.change == k) for k in ("added", "removed", "changed")}
    moved = sum(1 for c in changes if c.change == "moved")
    out.print(
        f"{program} {old.pack.version} → {new.pack.version}: "
        + ", ".join(f"{n} {k}" for k, n in counts.items())
        + (f", {moved} moved" if moved else ""),
        markup=False,
    )
    marks = {"added": "+", "removed": "-", "changed": "~", "moved": "↕"}
    for change in changes:
        out.print(f"{marks[change.change]} {change.key} ({change.what})", markup=False)
        if change.summary:
            out.print(f"    {change.summary}", markup=False)
        if change.cite:
            out.print(f"    [{change.cite}]", markup=False)


@app.command()
def calendar(
    program: str,
    year: Annotated[int, typer.Argument(min=1900, max=2200)] = dt.date.today().year,
    diff: Annotated[
        bool, typer.Option("--diff", help="the dates where the holidays package differs, and why")
    ] = False,
    version: Annotated[str | None, typer.Option(help="a pack version; default: the latest")] = None,
) -> None:
    """The holidays of a program's business-day calendar for one year, each with its source."""
    import importlib.metadata

    from appealdesk.policy.assess import program_for

    cal = program_for(_version(program, version, "PROGRAM")).calendar
    out.print(cal.description, markup=False)
    out.print(f"{year}: {cal.year_status(year)}; source: {cal.year_source(year)}", markup=False)
    if not diff:
        grid = Table("date", "weekday", "holiday", "source")
        for entry in cal.entries(year):
            grid.add_row(
                entry.date.isoformat(), entry.date.strftime("%A"), entry.name, entry.source
            )
        out.print(grid)
        return
    source = cal.spec.crosscheck or cal.spec.holidays
    if source is None:
        _fail(f"--diff: the {cal.id} calendar names no holidays package to compare with")
    installed = importlib.metadata.version("holidays")
    pinned = source.package_version
    out.print(
        f"compared with holidays {installed} ({cal.region(source)})"
        + (f"; the pack was checked against {pinned}" if pinned != installed else ""),
        markup=False,
    )
    differences = cal.crosscheck_diff(year)
    for d in differences:
        effect = "business days change" if d.business else "a weekend day: counts unchanged"
        out.print(
            f"{d.date} {d.date.strftime('%A'):<9} package: {d.package or '-'} | "
            f"pack: {d.pack or '-'} | {effect}\n    why: {d.reason}",
            markup=False,
        )
    moved = sum(d.business for d in differences)
    out.print(
        f"{len(differences)} dates differ in {year}, {moved} of them on weekdays "
        "(those change business-day counts)",
        markup=False,
    )


@app.command()
def tour() -> None:
    """A guided tour: assess example requests of both programs and show what intake would see."""
    from appealdesk.demo import run_demo

    run_demo(out)


def _django() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appealdesk.settings")
    django.setup()


def _collect_static() -> str:
    """collectstatic, unless the folder already holds these very sources collected: WhiteNoise
    compresses every file (gzip and Brotli), most of `init`'s time (a minute on two busy cores),
    paid again by every `init` of an installation and of a test. The sources' names, sizes and
    times, with the storage that collected them, are kept beside the files and compared."""
    import hashlib

    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders
    from django.core.management import call_command

    found = []
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            stat = Path(storage.path(path)).stat()
            found.append(f"{storage.location}\0{path}\0{stat.st_size}\0{stat.st_mtime_ns}")
    found.append(settings.STORAGES["staticfiles"]["BACKEND"])
    digest = hashlib.sha256("\n".join(sorted(found)).encode()).hexdigest()
    root = Path(settings.STATIC_ROOT)
    stamp = root / ".sources.sha256"
    if (root / "staticfiles.json").exists() and stamp.exists() and stamp.read_text() == digest:
        return f"static files up to date in {root}"
    call_command("collectstatic", verbosity=0, interactive=False)
    stamp.write_text(digest)
    return f"static files collected into {root} ({len(found) - 1} sources)"


@app.command()
def static() -> None:
    """Collect the static files (compressed, with a manifest) into APPEALDESK_STATIC_ROOT or the
    data folder's `static/`, unless they are already those of these sources; `init` does this
    too. Run once at install on a machine that serves several web servers' code."""
    _django()
    out.print(_collect_static(), markup=False)


@app.command()
def init(
    admin: Annotated[str, typer.Option(help="username of the administrator")] = "admin",
) -> None:
    """Create or upgrade the database (migrate), collect static files, create an administrator.

    The administrator's password is $APPEALDESK_ADMIN_PASSWORD, or generated and printed once.
    """
    import os
    import secrets

    _django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    out.print(_collect_static(), markup=False)
    db = settings.DATABASES["default"]
    out.print(f"database ready: {db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']}", markup=False)
    User = get_user_model()
    if User.objects.filter(username=admin).exists():
        out.print(f"administrator {admin!r} exists", markup=False)
        return
    password = os.environ.get("APPEALDESK_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
    try:
        # the administrator's password meets the policy of every other account
        validate_password(password, User(username=admin))
    except ValidationError as exc:
        _fail(f"APPEALDESK_ADMIN_PASSWORD: {' '.join(exc.messages)}")
    User.objects.create_superuser(admin, f"{admin}@localhost", password)
    shown = (
        "from $APPEALDESK_ADMIN_PASSWORD" if "APPEALDESK_ADMIN_PASSWORD" in os.environ else password
    )
    out.print(f"administrator created: {admin} / {shown}", markup=False)


@app.command()
def demo(
    cases: Annotated[int, typer.Option(min=1, max=100_000, help="how many requests")] = 400,
    seed: Annotated[int, typer.Option(help="random seed (same seed, same data)")] = 7,
) -> None:
    """Load realistic demo data: staff, teams, members and cases in every state, with history."""
    _django()
    from appealdesk.cases.errors import DomainError
    from appealdesk.demo.data import PORTAL_ACCOUNTS, load_demo

    try:
        summary = load_demo(cases=cases, seed=seed, say=lambda s: out.print(s, markup=False))
    except DomainError as exc:
        out.print(f"{exc.message}: nothing done", markup=False)
        return
    states = ", ".join(f"{k} {v}" for k, v in sorted(summary["states"].items()))
    out.print(
        f"{summary['cases']} cases ({states}); {summary['missed']} clocks marked missed",
        markup=False,
    )
    out.print(
        f"demo staff: {', '.join(summary['users'])} (password: {summary['password']}; "
        "sam is a supervisor and administrator)",
        markup=False,
    )
    out.print(
        f"portal (/portal/): {', '.join(PORTAL_ACCOUNTS)} (member, representative, provider; "
        f"password: {summary['password']})",
        markup=False,
    )


@app.command()
def serve(
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64)] = 2,
    host: Annotated[str, typer.Option(help="listen address")] = "127.0.0.1",
    task_worker: Annotated[
        bool | None,
        typer.Option(
            "--task-worker/--no-task-worker",
            help="also run `appealdesk worker` (default: yes on the embedded SQLite database, "
            "no with DATABASE_URL, where workers run as their own service)",
            show_default=False,
        ),
    ] = None,
    max_requests: Annotated[
        int,
        typer.Option(
            min=0,
            envvar="APPEALDESK_MAX_REQUESTS",
            help="a worker is replaced after this many requests (0: never); bounds what a "
            "long-running worker's memory can grow to",
        ),
    ] = 2000,
    max_requests_jitter: Annotated[
        int,
        typer.Option(
            min=0,
            envvar="APPEALDESK_MAX_REQUESTS_JITTER",
            help="up to this many more, at random per worker, so they are not replaced at once",
        ),
    ] = 200,
) -> None:
    """Run the production WSGI server (gunicorn), and on the embedded default a task worker."""
    import os

    # the workers keep their database connection between requests (checked before reuse);
    # set APPEALDESK_CONN_MAX_AGE to change it, 0 for one connection per request
    os.environ.setdefault("APPEALDESK_CONN_MAX_AGE", "600")

    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "appealdesk.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        # no gunicorn access log: it writes the path and query (a search for a member's name);
        # the application's JSON request line names the URL pattern and the request id
        "--graceful-timeout",
        "10",
        # a sync worker is killed when one request outlasts --timeout (30 s by default): a
        # report export streams for minutes (a million-case universe) and would be cut short
        "--timeout",
        "3600",
        "--max-requests",
        str(max_requests),
        "--max-requests-jitter",
        str(max_requests_jitter),
    ]
    if task_worker is None:
        task_worker = not os.environ.get("DATABASE_URL")
    out.print(f"appealdesk on http://{host}:{port}/desk/ (Ctrl-C stops it)", markup=False)
    if not task_worker:
        os.execvp(sys.executable, command)
    from appealdesk.supervise import run_together

    out.print("with a task worker (webhook deliveries) beside it", markup=False)
    worker_command = [sys.executable, "-m", "appealdesk.cli", "worker"]
    raise typer.Exit(run_together(command, worker_command, lambda s: err.print(s, markup=False)))


@app.command()
def worker(
    batch: Annotated[bool, typer.Option("--batch", help="run the due tasks, then exit")] = False,
    interval: Annotated[
        float, typer.Option(min=0.1, help="seconds between looks at an empty queue")
    ] = 1.0,
) -> None:
    """Run the task worker (Django's db_worker): sends webhook deliveries and retries them;
    every minute it queues again any delivery whose task was lost, sweeps the clocks
    (`appealdesk sweep`) and runs the mailroom (mailboxes, reading, unprocessed warnings); every
    quarter hour it queues the e-mail digests of unread notifications; every hour it creates the
    access log's partitions ahead (PostgreSQL) and, once a week, the unusual-access report."""
    _django()
    import logging

    from django.core.management import call_command

    from appealdesk.access.privacy import access_upkeep
    from appealdesk.activity.digest import digests_start
    from appealdesk.cases.sweeper import repeat, sweep_start
    from appealdesk.mailroom.worker import mailroom_start
    from appealdesk.webhooks.tasks import deliveries_requeue_overdue, safety_net_start

    deliveries_requeue_overdue()  # whatever was lost while no worker ran
    options = ["--no-reload", "--no-startup-delay", "--interval", str(interval)]
    if batch:
        call_command("db_worker", "--batch", *options)
        return
    import os

    if os.environ.get("APPEALDESK_WARM_LETTERS", "1") != "0":
        from appealdesk.correspondence.warm import warm_letters

        warm_letters()  # WeasyPrint and the letters' fonts loaded before the first task
    safety_net_start(every_seconds=60)
    sweep_start(every_seconds=60)
    mailroom_start(every_seconds=60)  # mailboxes, unread items, unprocessed-item warnings
    digests_start(every_seconds=900)  # the e-mail digests of unread notifications
    # the access log's partitions ahead and the weekly unusual-access report (docs/audit.md)
    repeat("access-upkeep", 3600, access_upkeep.enqueue, logging.getLogger("appealdesk.access"))
    call_command("db_worker", *options)


@app.command()
def sweep(
    batch: Annotated[int, typer.Option(min=1, help="clocks claimed per transaction")] = 1000,
    pause: Annotated[
        float, typer.Option(min=0.0, help="seconds to sleep between batches (a busy database)")
    ] = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="the run's counts as JSON")] = False,
) -> None:
    """Sweep the clocks once (the worker does it every minute): mark missed clocks, warn of those
    at risk, notify owners and supervisors, flag immediate independent review. Safe to run
    beside workers and again after a crash: nothing is done twice."""
    _django()
    from appealdesk.cases.services import clocks_sweep

    run = clocks_sweep(batch=batch, pause=pause)
    if as_json:
        out.print(json.dumps({"id": run.pk, **run.counts}), markup=False)
        return
    seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0.0
    summary = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in run.counts.items())
    out.print(f"sweep {run.pk} in {seconds:.2f} s: {summary}", markup=False)


@app.command()
def verify(
    case: Annotated[
        str | None, typer.Option("--case", help="one case's chain (its number); prints its head")
    ] = None,
    seq: Annotated[
        int | None,
        typer.Option(min=1, help="with --case: print the hash of this event (a printed head)"),
    ] = None,
    batch: Annotated[int, typer.Option(min=1, help="events read per statement")] = 5000,
    files: Annotated[
        bool, typer.Option("--files/--no-files", help="also check every stored file's hash")
    ] = True,
) -> None:
    """Recompute the hash chain of every case's event log (docs/record.md) and name the first
    broken link of each broken chain: the case, the event, what differs; then check every stored
    file (documents, mailroom items, their parts and OCR) against its recorded SHA-256. Exit code
    1 when a chain is broken or a file missing or changed. Streams in keyset batches: memory
    stays flat for millions of events."""
    import time

    _django()
    from appealdesk.cases.chain import ChainCheck
    from appealdesk.cases.models import Case

    found = None
    if seq is not None and case is None:
        _fail("--seq: say which case (--case NUMBER)")
    if case is not None:
        found = Case.objects.filter(number=case.strip().upper()).first()
        if found is None:
            _fail(f"--case: no case numbered {case!r}")
    started = time.perf_counter()
    check = ChainCheck(case=found, batch=batch, seq=seq)
    broken = 0
    for link in check.run():
        broken += 1
        out.print(f"BROKEN {link.line()}", markup=False)
    seconds = time.perf_counter() - started
    if found is not None and check.head is not None and not broken:
        out.print(
            f"{found.number}: {check.head[0]} events, chain head {check.head[1]}", markup=False
        )
        if seq is not None:
            at = check.at_seq or "none: the chain is shorter"
            out.print(f"{found.number}: hash of event {seq}: {at}", markup=False)
    verdict = f"{broken} broken" if broken else "every link intact"
    out.print(
        f"checked {check.events:,} events in {check.chains:,} chains in {seconds:.1f} s: {verdict}",
        markup=False,
    )
    if files and found is None:
        from appealdesk.ops.integrity import verify_files

        stored = verify_files()
        for problem in stored.problems:
            out.print(f"FILE {problem.line()}", markup=False)
        said = f"{len(stored.problems)} problems" if stored.problems else "all intact"
        out.print(f"checked {stored.checked:,} stored files: {said}", markup=False)
        broken += len(stored.problems)
    if broken:
        raise typer.Exit(1)


@app.command()
def backup(
    first: Annotated[str, typer.Argument(help="a new, empty folder; or `verify`", metavar="DIR")],
    second: Annotated[
        str | None, typer.Argument(help="with `verify`: the backup's folder", show_default=False)
    ] = None,
) -> None:
    """Back up the database (SQLite online backup or pg_dump -Fc) and every stored file, with a
    SHA-256 manifest, into a new folder. `appealdesk backup verify DIR` checks a backup's files
    against its manifest (exit code 1 when one is missing or changed)."""
    _django()
    from appealdesk.ops import backup as ops_backup

    try:
        if first == "verify" and second is not None:
            summary = ops_backup.backup_verify(Path(second))
            for problem in summary.problems:
                out.print(f"PROBLEM {problem}", markup=False)
            verdict = f"{len(summary.problems)} problems" if summary.problems else "all intact"
            out.print(
                f"{summary.database} and {summary.files:,} files ({summary.bytes:,} bytes): "
                f"{verdict}",
                markup=False,
            )
            if summary.problems:
                raise typer.Exit(1)
            return
        if second is not None:
            _fail(f"one folder, or `verify` and a folder (got {first!r} {second!r})")
        ops_backup.backup(Path(first), say=lambda s: out.print(s, markup=False))
    except ops_backup.BackupError as exc:
        _fail(str(exc), 1)


@app.command()
def restore(
    folder: Annotated[Path, typer.Argument(help="the backup's folder", metavar="DIR")],
    force: Annotated[
        bool, typer.Option("--force", help="replace a database and files that are there")
    ] = False,
) -> None:
    """Restore a backup into an empty database and an empty file storage (refused otherwise,
    unless --force), then check every restored file against its recorded hash."""
    _django()
    from appealdesk.ops import backup as ops_backup

    try:
        check = ops_backup.restore(folder, force=force, say=lambda s: out.print(s, markup=False))
    except ops_backup.BackupError as exc:
        _fail(str(exc), 1)
    for problem in check.problems:
        out.print(f"PROBLEM {problem.line()}", markup=False)
    verdict = f"{len(check.problems)} problems" if check.problems else "every file intact"
    out.print(f"checked {check.checked:,} stored files: {verdict}", markup=False)
    if check.problems:
        raise typer.Exit(1)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def manage(ctx: typer.Context) -> None:
    """Django's management commands (appealdesk manage shell, … migrate, … check)."""
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["appealdesk manage", *ctx.args])


def _versions(program: str, argument: str) -> Any:
    """The loaded versions of a program, oldest first; an unknown program exits 2."""
    from appealdesk.policy import default_registry
    from appealdesk.policy.loader import UnknownProgram

    try:
        return _registry(default_registry).versions(program)
    except UnknownProgram as exc:
        _fail(f"{argument}: {exc}")


def _version(program: str, version: str | None, argument: str) -> Any:
    """One loaded version of a program (the latest when `version` is None)."""
    versions = _versions(program, argument)
    chosen = (
        versions[-1]
        if version is None
        else next((v for v in versions if v.pack.version == version), None)
    )
    if chosen is None:
        known = ", ".join(v.pack.version for v in versions)
        _fail(f"--version: {program} has no version {version}; known: {known}")
    return chosen


def _version_or_file(program: str, version: str) -> Any:
    """A version of `program` known to the registry, or a pack file (a version not installed
    yet)."""
    from appealdesk.policy import PackError, load_pack_file

    if version.endswith((".yaml", ".yml")) or Path(version).is_file():
        try:
            loaded = load_pack_file(version)
        except PackError as exc:
            _fail(f"pack: {exc.problems[0]}", 1)
        if loaded.pack.program != program:
            _fail(f"VERSION: {version} is a pack of {loaded.pack.program}, not {program}")
        return loaded
    versions = _versions(program, "ID")
    found = next((v for v in versions if v.pack.version == version), None)
    if found is None:
        known = ", ".join(v.pack.version for v in versions)
        _fail(f"VERSION: {program} has no version {version} — use one of: {known}, or a pack file")
    return found


def _pack_and_registry(pack: str) -> Any:
    """A pack file (tested on its own) or a program id (all its installed versions)."""
    from appealdesk.policy import PackError, PackRegistry, load_pack_file

    if pack.endswith((".yaml", ".yml")) or Path(pack).is_file():
        try:
            loaded = load_pack_file(pack)
        except PackError as exc:
            for problem in exc.problems:
                err.print(str(problem), markup=False)
            raise typer.Exit(1) from None
        return loaded, PackRegistry([loaded])
    from appealdesk.policy import default_registry

    versions = _versions(pack, "PACK")
    return versions[-1], _registry(default_registry)


def _registry(factory: Any) -> Any:
    from appealdesk.policy import PackError

    try:
        return factory()
    except PackError as exc:
        _fail(f"pack: {exc}", 1)


def _rules(pack: Any) -> Any:
    rules = pack.rules
    yield from (*rules.kind, *rules.handler, *rules.admission)
    for process in pack.processes:
        yield from (*process.filing, *process.clocks, *process.required, *process.notes)


def _print_assessment(result: dict[str, Any]) -> None:
    from appealdesk.policy.render import print_assessment

    print_assessment(result, out)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
