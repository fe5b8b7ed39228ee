"""The first decision letter on a fresh worker (issue 22.6), on a fresh SQLite database:

each measure runs in a new process, as a worker starts (Django set up, nothing rendered yet):
(a) cold: the first `letter_generate(case, "decision")` with nothing warmed (before);
(b) warm: the same after `warm_letters()`, which each worker runs at start before it serves
    (its own cost reported apart);
(c) the floor: bare WeasyPrint on the same HTML in that process (the median of 3 renders after
    the letter); the ratio (b)/(c), target <= 1.5x.

    .venv/bin/python bench/letters_first.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# run as a script, bench/ would be first on the path and bench/fhir.py would shadow the `fhir`
# package (fhir.resources): the project root instead
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != HERE)]


def child(case_pk: int, warm: bool) -> None:
    """One fresh worker: (optionally) warm, then the first letter, then WeasyPrint alone."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from appealdesk.cases.models import Case
    from appealdesk.correspondence.render import letter_draft, pdf_of
    from appealdesk.correspondence.services import letter_generate
    from appealdesk.correspondence.warm import warm_letters

    warm_seconds = warm_letters() if warm else 0.0
    case = Case.objects.get(pk=case_pk)
    actor = get_user_model().objects.get(username="bench-letters")
    start = time.perf_counter()
    letter = letter_generate(case, kind="decision", actor=actor)
    first = time.perf_counter() - start
    html = letter_draft(case, "decision").html
    floor = []
    for _ in range(3):
        start = time.perf_counter()
        pdf_of(html)
        floor.append(time.perf_counter() - start)
    print(
        json.dumps(
            {
                "warm": warm_seconds,
                "first": first,
                "floor": statistics.median(floor),
                "pages": letter.pages,
            }
        )
    )


def prepare() -> int:
    """A decided UMP appeal (bench/letters.py's scenarios); its id."""
    from django.core.management import call_command

    from bench.letters import people, scenarios  # sets Django up

    call_command("migrate", verbosity=0)
    analyst, reviewer = people()
    decided = [case for case, kind in scenarios(analyst, reviewer) if kind == "decision"]
    return int(decided[0].pk)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--warm", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.warm)
        return 0
    with tempfile.TemporaryDirectory(prefix="appealdesk-bench-letters-first-") as tmp:
        env = {
            **os.environ,
            "APPEALDESK_DATA_DIR": tmp,
            "DJANGO_SETTINGS_MODULE": "appealdesk.settings",
            "APPEALDESK_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        env.pop("DATABASE_URL", None)
        os.environ.update({k: env[k] for k in ("APPEALDESK_DATA_DIR", "DJANGO_SETTINGS_MODULE")})
        os.environ.pop("DATABASE_URL", None)
        case_pk = prepare()
        found: dict[str, list[dict[str, float]]] = {"cold": [], "warm": []}
        for _ in range(args.rounds):  # alternated, so both meet the same load
            for mode in ("cold", "warm"):
                command = [sys.executable, __file__, "--child", str(case_pk)]
                done = subprocess.run(
                    [*command, *(["--warm"] if mode == "warm" else [])],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                found[mode].append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(
        f"== first decision letter on a fresh process, {args.rounds} rounds (medians); "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    for mode, label in (("cold", "(a) cold (before)"), ("warm", "(b) warmed at start")):
        first = statistics.median(r["first"] for r in found[mode])
        floor = statistics.median(r["floor"] for r in found[mode])
        warm = statistics.median(r["warm"] for r in found[mode])
        extra = f"; the warm-up at start {warm:.2f} s" if mode == "warm" else ""
        print(
            f"{label}: first letter {first:.2f} s; (c) bare WeasyPrint, same HTML {floor:.2f} s; "
            f"ratio {first / floor:.2f}x (target <= 1.5x){extra}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
