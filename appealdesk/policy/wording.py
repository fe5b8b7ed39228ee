"""Pack spans, windows and next levels in words, shared by the CLI's renderings and the desk."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from appealdesk.policy.schema import Window


def span_words(length: int, unit: str) -> str:
    """`30 calendar days`, `1 month`, `immediately`."""
    if unit == "immediate":
        return "immediately"
    words = unit.replace("_", " ")
    return f"{length} {words.removesuffix('s') if length == 1 else words}"


def window_words(window: Window) -> str:
    """A window as a sentence: its rule, its span and direction, and what falls outside it."""
    direction = "no later than" if window.direction == "not_after" else "no earlier than"
    outside = {
        "hard": "refused outside it",
        "soft": "accepted with a warning outside it",
        "good_cause": "accepted outside it only with good cause",
    }[window.strength]
    span = span_words(window.length, window.unit)
    return f"{window.rule}: {direction} {span} after the {window.starts}; {outside}"


def next_level_words(nl: Mapping[str, Any]) -> str:
    """`appeal 2 within 180 days of the decision letter date`; `external_review (no filing
    window)` when the next level has none."""
    what = f"{nl['kind']} {nl['level']}" if nl.get("level") else str(nl["kind"])
    if nl.get("window_days") is not None:
        span = span_words(nl["window_days"], "calendar_days")
    elif nl.get("window_years") is not None:
        span = span_words(nl["window_years"], "years")
    elif nl.get("window_unit"):
        span = span_words(nl["window_length"], nl["window_unit"])
    else:
        return f"{what} (no filing window)"
    return f"{what} within {span} of the {nl['starts']}"
