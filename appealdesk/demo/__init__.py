"""The guided demo: example requests of both programs, assessed as intake would see them."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from rich.console import Console
from rich.markup import escape


def examples() -> list[dict[str, Any]]:
    text = resources.files(__package__).joinpath("requests.json").read_text(encoding="utf-8")
    loaded: list[dict[str, Any]] = json.loads(text)
    return loaded


def run_demo(out: Console) -> None:
    from appealdesk.policy import assess
    from appealdesk.policy.render import print_assessment

    cases = examples()
    out.rule("appealdesk: what intake sees for each request (nothing is stored)")
    for number, case in enumerate(cases, 1):
        out.print()
        out.rule(f"[bold]{number}. {escape(case['title'])}[/bold]", align="left")
        out.print(f"[dim]{escape(json.dumps(case['request']))}[/dim]")
        print_assessment(assess(case["request"]), out)
    out.print()
    out.print(
        f"{len(cases)} requests assessed. Try your own: "
        "appealdesk assess request.json  (or --table for this view)."
    )
