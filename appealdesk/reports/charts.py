"""Server-rendered SVG bar charts for the report pages, as coordinates for a template (in the
manner of the dashboard's chart): no script, a text description beside every chart, and the
table of the same figures under it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

# colours with at least 3:1 contrast against white (WCAG non-text contrast)
PALETTE = ["#0b4f8a", "#b7791f", "#2f8a4a", "#8e44ad", "#c0392b", "#5d6d7e", "#117a8b", "#a04000"]
STATUS_COLOURS = {
    "met": "#2f8a4a",
    "missed": "#c0392b",
    "open_overdue": "#b7791f",
    "open_on_time": "#5b7fa6",
    # outcomes: the plan's decision stands (blue), is reversed (ambers), or there is none
    "upheld": "#0b4f8a",
    "overturned": "#a04000",
    "partially_overturned": "#b7791f",
    "withdrawn": "#5d6d7e",
    "dismissed": "#8e44ad",
}

Series = Sequence[tuple[str, str, str]]  # (key, label, colour)


def series(keys: Sequence[str], labels: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """Each key with its words and a colour (a status keeps its own)."""
    labels = labels or {}
    return [
        (k, labels.get(k, k.replace("_", " ")), STATUS_COLOURS.get(k, PALETTE[i % len(PALETTE)]))
        for i, k in enumerate(keys)
    ]


def hbars(
    rows: Sequence[tuple[str, Sequence[int], str]],
    kinds: Series,
    *,
    share: bool,
    width: int = 1100,
    label_width: int = 300,
    note_width: int = 70,
) -> dict[str, Any]:
    """One horizontal stacked bar per row: (label, a value per series, a note at its end).
    `share`: every bar is the whole width (parts of 100%); otherwise bars scale to the largest
    total."""
    bar_h, gap, top = 18, 8, 6
    span = width - label_width - note_width - 10
    largest = max([sum(values) for _, values, _ in rows] + [1])
    out = []
    for i, (label, values, note) in enumerate(rows):
        y = top + i * (bar_h + gap)
        total = sum(values)
        scale = span / (total if share else largest) if total else 0
        x = float(label_width)
        segments = []
        for (key, words, colour), value in zip(kinds, values, strict=True):
            w = value * scale
            if value:
                segments.append(
                    {
                        "x": round(x, 1),
                        "w": round(max(w, 1), 1),
                        "fill": colour,
                        "title": words,
                        "value": value,
                        "key": key,
                    }
                )
            x += w
        out.append(
            {
                "label": label,
                "short": _fit(label, label_width),
                "y": y,
                "ty": y + bar_h - 5,
                "h": bar_h,
                "segments": segments,
                "note": note,
                "nx": label_width + span + 8,
                "empty": not total,
            }
        )
    height = top * 2 + len(rows) * (bar_h + gap)
    return {
        "width": width,
        "height": max(height, 30),
        "rows": out,
        "legend": [{"label": w, "fill": c} for _, w, c in kinds],
        "lx": label_width - 6,
        "x0": label_width,
    }


def vbars(
    columns: Sequence[tuple[str, Sequence[int]]],
    kinds: Series,
    *,
    width: int = 1100,
    height: int = 260,
) -> dict[str, Any]:
    """One vertical stacked bar per column (a period): (label, a value per series)."""
    left, bottom, top = 44, 34, 12
    plot = height - bottom - top
    ticks = _ticks(max([sum(values) for _, values in columns] + [1]))
    ceiling = ticks[-1]
    step = (width - left) / max(len(columns), 1)
    every = max(1, math.ceil(len(columns) / 12))  # at most about twelve labels fit
    out = []
    for i, (label, values) in enumerate(columns):
        x = left + i * step
        y = float(height - bottom)
        segments = []
        for (key, words, colour), value in zip(kinds, values, strict=True):
            h = plot * value / ceiling
            y -= h
            if value:
                segments.append(
                    {
                        "y": round(y, 1),
                        "h": round(h, 1),
                        "fill": colour,
                        "title": words,
                        "value": value,
                        "key": key,
                    }
                )
        out.append(
            {
                "label": label,
                "show_label": i % every == 0,
                "x": round(x + step * 0.12, 1),
                "w": round(step * 0.76, 1),
                "lx": round(x + step / 2, 1),
                "total": sum(values),
                "segments": segments,
            }
        )
    axis = [{"value": t, "y": round(height - bottom - plot * t / ceiling, 1)} for t in ticks]
    return {
        "width": width,
        "height": height,
        "columns": out,
        "axis": axis,
        "base": height - bottom,
        "left": left,
        "legend": [{"label": w, "fill": c} for _, w, c in kinds],
    }


def _fit(label: str, width: int) -> str:
    """The label cut to the space before the bars (11 px text: about 6.5 px a character)."""
    room = int(width / 6.5) - 1
    return label if len(label) <= room else label[: room - 1] + "…"


def _ticks(largest: int) -> list[int]:
    """0 and round steps (1, 2, 5, 10, 20, 50…) up to the first at or above the largest value,
    four steps at most."""
    step = 1
    while largest / step > 4:
        for factor in (2, 2.5, 2):
            step = int(step * factor)
            if largest / step <= 4:
                break
    return list(range(0, math.ceil(largest / step) * step + 1, step))
