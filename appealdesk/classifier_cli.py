"""`appealdesk classifier …`: build, measure and explain the request classifier (issue 17).

    appealdesk classifier train [--check]
    appealdesk classifier eval [--corpus DIR] [--program ump]
    appealdesk classifier explain "text…" [--program ump]

Exit codes as the rest of the command: 0 success, 1 a measure below its bar (eval) or a
committed model that differs from a fresh build (train --check), 2 bad input.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

classifier_app = typer.Typer(
    help="The request classifier: train, eval, explain.", no_args_is_help=True
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"error: {message}", markup=False)
    raise typer.Exit(code)


@classifier_app.command("train")
def train_command(
    check: Annotated[
        bool, typer.Option("--check", help="only compare the committed models with a fresh build")
    ] = False,
) -> None:
    """Train every program that has examples (fixed seed) and write models/ and its manifest."""
    from appealdesk.policy import train

    try:
        lines = train.build(check=check)
    except ValueError as exc:
        _fail(f"corpus: {exc}")
    for line in lines:
        out.print(line, markup=False)


@classifier_app.command("eval")
def eval_command(
    corpus: Annotated[
        Path | None, typer.Option(help="a corpus folder instead of the shipped one")
    ] = None,
    program: Annotated[str | None, typer.Option(help="only this program")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="the figures as JSON")] = False,
) -> None:
    """Accuracy, macro-F1, confusion matrix and wrong-but-not-flagged share on a held-out 20%."""
    from appealdesk.policy import evaluate

    if corpus is not None and not corpus.is_dir():
        _fail(f"--corpus: {corpus} is not a folder")
    try:
        reports = evaluate.evaluate(corpus=corpus)
    except ValueError as exc:
        _fail(f"corpus: {exc}")
    if program is not None:
        reports = [r for r in reports if r.program == program]
        if not reports:
            _fail(f"--program: no examples for {program!r} in the corpus")
    if not reports:
        _fail("corpus: no examples for any program")
    if as_json:
        out.print(json.dumps([r.__dict__ for r in reports], indent=2), markup=False)
    else:
        for report in reports:
            _print_report(report)
    if not all(r.passes() for r in reports):
        raise typer.Exit(1)


def _print_report(r: object) -> None:
    from appealdesk.policy.evaluate import MACRO_F1_BAR, WRONG_UNFLAGGED_BAR, ProgramReport

    assert isinstance(r, ProgramReport)
    verdict = "meets" if r.passes() else "BELOW"
    out.print(
        f"\n{r.program}: trained on {r.train_size}, held out {r.test_size} "
        f"({verdict} the bars: macro-F1 >= {MACRO_F1_BAR}, "
        f"wrong and not flagged <= {WRONG_UNFLAGGED_BAR:.0%})",
        markup=False,
    )
    out.print(
        f"  accuracy {r.accuracy:.3f}  macro-F1 {r.macro_f1:.3f}  flagged needs_review "
        f"{r.flagged:.1%}  wrong and not flagged {r.wrong_unflagged:.1%} of requests "
        f"({r.wrong_unflagged_of_wrong:.0%} of the wrong answers)",
        markup=False,
    )
    out.print(
        f"  requested {r.requested_accuracy:.3f}  expedited {r.expedited_accuracy:.3f}  "
        f"kind (assess from the text alone) {r.kind_accuracy:.3f}, kind wrong and not flagged "
        f"{r.kind_wrong_unflagged:.1%}  calibration error (ECE) {r.ece:.3f}",
        markup=False,
    )
    # columns are numbered (the labels are long); row n is the true category n
    numbers = [str(i) for i in range(1, len(r.labels) + 1)]
    table = Table("true \\ proposed", *numbers, "F1", title="confusion matrix", box=None)
    for n, label, row in zip(numbers, r.labels, r.confusion, strict=True):
        f1 = r.f1.get(label)
        cells = [f"[bold]{k}[/bold]" if i == int(n) - 1 else str(k) for i, k in enumerate(row)]
        table.add_row(f"{n} {label}", *cells, f"{f1:.2f}" if f1 is not None else "")
    out.print(table)
    rel = Table("probability", "requests", "mean probability", "share right", title="reliability")
    for name, count, mean_p, acc in r.reliability:
        rel.add_row(name, str(count), f"{mean_p:.3f}", f"{acc:.3f}")
    out.print(rel)
    for rid, truth, guess, p, text in r.mistakes:
        out.print(f"  wrong, not flagged: {rid} {truth} → {guess} ({p:.2f}): {text}", markup=False)


@classifier_app.command("explain")
def explain_command(
    text: Annotated[str, typer.Argument(help="the request's text, or - for stdin")],
    program: Annotated[str, typer.Option(help="the program whose model reads it")] = "ump",
    as_json: Annotated[bool, typer.Option("--json", help="the classification as JSON")] = False,
) -> None:
    """What the classifier proposes for a text, the words that pushed, and the runner-up."""
    import sys

    from appealdesk.policy import PackError, default_registry
    from appealdesk.policy.assess import program_for
    from appealdesk.policy.classify import classify_model
    from appealdesk.policy.loader import UnknownProgram

    if text == "-":
        text = sys.stdin.read()
    try:
        loaded = default_registry().latest(program)
    except UnknownProgram as exc:
        _fail(f"--program: {exc}")
    except PackError as exc:
        _fail(f"pack: {exc}", 1)
    model = program_for(loaded).model
    if model is None:
        _fail(
            f"--program: {program} has no trained model; add examples and run "
            "`appealdesk classifier train`"
        )
    c = classify_model(loaded.pack, model, text).as_dict()
    if as_json:
        out.print(json.dumps(c, indent=2, ensure_ascii=False), markup=False)
        return
    if c["status"] == "classified":
        out.print(f"category: {c['category']} (probability {c['confidence']})", markup=False)
    else:
        out.print(f"needs review: {c['review_reason']}", markup=False)
        if c["class"]:
            out.print(f"it reads as: {c['class']}", markup=False)
    words = c["evidence"]
    assert isinstance(words, list)
    if words:
        pushed = ", ".join(f"{w['term']} ({w['weight']:+.2f})" for w in words)
        out.print(f"words that pushed toward it: {pushed}", markup=False)
    runner = c["runner_up"]
    if isinstance(runner, dict):
        out.print(
            f"runner-up: {runner['category']} (probability {runner['probability']})", markup=False
        )
    for head in ("requested", "expedited"):
        proposal = c[head]
        if isinstance(proposal, dict):
            out.print(
                f"{head}: {proposal['value']} (probability {proposal['probability']}, "
                f"{proposal['status'].replace('_', ' ')})",
                markup=False,
            )
