"""Readable renderings for people: a pack with its sources, an assessment as intake sees it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from appealdesk.policy.loader import LoadedPack
from appealdesk.policy.schema import Interpretation, Source
from appealdesk.policy.wording import next_level_words, span_words, window_words


def _cite(source: Source | None) -> str:
    return source.cite() if source else ""


def _block(out: Console, head: str, lines: list[tuple[str, str]]) -> None:
    out.print(f"[bold]{escape(head)}[/bold]")
    for label, text in lines:
        if text:
            out.print(f"  [dim]{label}:[/dim] {escape(text)}")


def render_pack(loaded: LoadedPack, out: Console) -> None:
    """Every rule of a pack in reading order, each with the sentence it encodes."""
    p = loaded.pack
    out.rule(f"{p.program} {p.version}: {p.name}")
    out.print(
        f"effective from {p.effective_from}, time zone {p.time_zone}, file "
        f"{loaded.file.name}, sha256 {loaded.sha256[:16]}",
        markup=False,
    )
    cal = p.calendar
    projected = [str(y.year) for y in cal.years if y.status == "projected"]
    _block(
        out,
        f"calendar {cal.id}",
        [
            ("note", cal.note or ""),
            ("source", _cite(cal.source)),
            ("list", cal.authority or ""),
            ("years", ", ".join(f"{y.year} ({y.status})" for y in cal.years)),
            ("projected", ", ".join(projected)),
            ("rules", "; ".join(f"{r.name}: {_cite(r.source)}" for r in cal.rules)),
            ("not holidays", "; ".join(f"{x.name}: {_cite(x.source)}" for x in cal.not_holidays)),
        ],
    )

    out.rule("categories", align="left")
    for cid, cat in p.categories.items():
        _block(
            out,
            f"{cid} ({cat.class_})",
            [
                ("label", cat.label),
                ("phrases", ", ".join(cat.phrases)),
                ("source", _cite(cat.source)),
            ],
        )
    out.rule("handlers", align="left")
    for hid, h in p.handlers.items():
        contact = "; ".join(
            x
            for x in (
                h.phone and f"phone {h.phone}",
                h.tty and f"TRS {h.tty}",
                h.hours,
                h.mail,
                h.fax and f"fax {h.fax}",
            )
            if x
        )
        email = h.email if h.email_accepted else "not accepted"
        _block(
            out,
            f"{hid}: {h.name}",
            [
                ("role", h.role),
                ("contact", contact),
                ("email", email or ""),
                ("source", _cite(h.source)),
            ],
        )
    if p.letters is not None:
        _block(
            out,
            f"letters are signed by {p.letters.sender} when the case's handler cannot sign them",
            [("source", _cite(p.letters.source))],
        )
    for phase in ("kind", "handler", "admission"):
        out.rule(f"rules: {phase} (first match wins)", align="left")
        for rule in getattr(p.rules, phase):
            then = ", ".join(f"{k}={v}" for k, v in rule.then.model_dump(exclude_none=True).items())
            _block(
                out,
                rule.id,
                [
                    ("when", str(rule.when or "always")),
                    ("then", then),
                    ("why", rule.reason),
                    ("interpretation", rule.interpretation or ""),
                    ("source", _cite(rule.source)),
                ],
            )
    for process in p.processes:
        level = f" (level {process.level})" if process.level else ""
        out.rule(f"process: {process.label}{level}", align="left")
        for variant in process.filing:
            windows = variant.all_windows
            texts = [window_words(w) for w in windows] or [variant.reason or "none"]
            sources: list[Source | None] = [w.source for w in windows] or [variant.source]
            _block(
                out,
                "filing window" if len(windows) < 2 else "filing windows",
                [
                    ("when", str(variant.when or "always")),
                    *(("rule", text) for text in texts),
                    ("interpretation", variant.interpretation or ""),
                    *(("source", _cite(src)) for src in sources),
                ],
            )
        for clock in process.clocks:
            text = f"{span_words(clock.length, clock.unit)} from {clock.starts}"
            if clock.track == "urgent":
                text += " (urgent track: the request is expedited)"
            ext = clock.extension
            extension = f"{ext.requires.replace('_', ' ')} ({ext.reason})" if ext else ""
            if ext is not None and ext.up_to is not None:
                extension += f", up to {span_words(ext.up_to.length, ext.up_to.unit)}"
            _block(
                out,
                f"clock {clock.id}: {clock.label}",
                [
                    ("due", text),
                    ("extension", extension),
                    ("interpretation", clock.interpretation or ""),
                    ("source", _cite(clock.source)),
                ],
            )
        for item in process.required:
            _block(
                out, f"required {item.id}", [("label", item.label), ("source", _cite(item.source))]
            )
        for note in process.notes:
            _block(out, "note", [("text", note.text), ("source", _cite(note.source))])
        if process.next_level:
            nl = process.next_level
            _block(
                out,
                f"next level: {nl.kind} {nl.level or ''}".strip(),
                [("source", _cite(nl.source))],
            )
    render_interpretations(loaded, out)


def render_interpretations(loaded: LoadedPack, out: Console) -> None:
    """Every gap the pack fills where its seed is silent, each once with the places that use
    it (`assess` lists one in `warnings` when it decided the answer)."""
    found = loaded.pack.interpretations()
    out.rule(f"interpretations: where the seed leaves a gap ({len(found)})", align="left")
    if not found:
        out.print("none: every rule follows from its seed", markup=False)
    by_text: dict[str, list[Interpretation]] = {}
    for item in found:
        by_text.setdefault(item.text, []).append(item)
    for n, (text, places) in enumerate(by_text.items(), 1):
        _block(
            out,
            f"{n}. {places[0].subject}"
            + (f" (and {len(places) - 1} more)" if len(places) > 1 else ""),
            [
                ("reading", text),
                ("decides", "; ".join(f"{p.subject} [{p.path}]" for p in places)),
                ("source", _cite(places[0].source)),
            ],
        )


def _when(instant: str) -> str:
    return dt.datetime.fromisoformat(instant).strftime("%a %Y-%m-%d %H:%M:%S %z")


def print_assessment(result: dict[str, Any], out: Console) -> None:
    level = f" level {result['level']}" if result["level"] else ""
    expedited = " (expedited)" if result["expedited"] else ""
    out.print(
        f"[bold]{result['kind']}{level}{expedited}[/bold] — {result['disposition']}  "
        f"[dim]{result['program']} {result['pack_version']}, received "
        f"{result['received_at']}[/dim]"
    )
    handler = result["handler"]
    if handler:
        contact = ", ".join(x for x in (handler["phone"], handler["mail"]) if x)
        out.print(
            f"  handler: {escape(handler['name'])}" + (f" ({escape(contact)})" if contact else "")
        )
    if result["rejection"]:
        out.print(
            f"  [red]rejected ({result['rejection']['code']})[/red]: "
            f"{escape(result['rejection']['message'])}"
        )
    filing = result["filing"]
    if filing:
        state = {
            True: "[green]in time[/green]",
            False: "[red]too late[/red]",
            None: "[yellow]unknown[/yellow]",
        }[filing["timely"]]
        days = f"last day {filing['last_day'] or '?'}"
        if filing.get("direction") == "not_before" or filing.get("first_day"):
            days = f"first day {filing.get('first_day') or '?'}" + (
                f", {days}" if filing.get("last_day") else ""
            )
        out.print(f"  filing: {state}; {days} ({filing['rule']})")
    if result["deadlines"]:
        grid = Table("clock", "length", "from", "due", box=None, padding=(0, 2))
        for column in grid.columns:
            column.overflow = "fold"
        for d in result["deadlines"]:
            due = _when(d["due_at"]) if d.get("due_at") else "[dim]pending[/dim]"
            if d.get("due") == "immediately":
                due = f"immediately ({due})"
            if d.get("provisional"):
                due += " [yellow](provisional: the kind needs review)[/yellow]"
            grid.add_row(d["clock"], span_words(d["length"], d["unit"]), d["starts"], due)
        out.print(grid)
    if result["missing"]:
        out.print(f"  missing: {', '.join(result['missing'])}", markup=False)
    if result["next_level"]:
        out.print(f"  next: {next_level_words(result['next_level'])}", markup=False)
    for note in result["notes"]:
        out.print(f"  note: {note}", markup=False)
    for warning in result["warnings"]:
        out.print(f"  [yellow]warning:[/yellow] {escape(warning)}")
    for reason in result["reasons"]:
        out.print(f"  [dim]why: {escape(reason)}[/dim]")
