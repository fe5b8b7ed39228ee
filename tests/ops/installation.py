"""An installation run in child processes for the operations tests: its environment (nothing
of the test run's own APPEALDESK_* settings) and `python -m …` in it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def environment(**settings: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("APPEALDESK_")},
        "PYTHONPATH": str(ROOT),
        "APPEALDESK_LOG_FORMAT": "text",
        **settings,
    }


def python(
    env: dict[str, str], *args: str, ok: bool = True, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    """`python *args` in the installation; with `ok`, a failure shows its output."""
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if ok:
        assert done.returncode == 0, f"{args}: {done.stdout[-2000:]}{done.stderr[-2000:]}"
    return done
