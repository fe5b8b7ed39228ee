"""What changed between two versions of a pack: every rule, clock, window, category, handler
and setting added, removed, changed or moved, each with the citation it carries.

Items are matched by their identity, not their place: rules, clocks, required items, categories,
handlers and services by id; a process by kind and level; a filing variant by its `when:`; a
note by its text. A rule that keeps its id but changes place within its phase is `moved`: the
first match wins, so the order is part of the rule.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from appealdesk.policy.schema import Pack, Process, Source

ChangeKind = Literal["added", "removed", "changed", "moved"]
SETTINGS = ("name", "effective_from", "time_zone", "seed_document", "description")
SECTIONS = ("calendar", "intake", "events", "classifier", "letters", "sweep")


@dataclass(frozen=True)
class Change:
    change: ChangeKind
    key: str  # where, e.g. "rules.kind retro-eligibility-redirect", "appeal 1 clock decision"
    what: str  # kind rule, clock, filing window, category, …
    fields: tuple[tuple[str, Any, Any], ...]  # (field, before, after) of a changed item
    cite: str  # the citation of the new item (the old one's when removed)
    position: tuple[int | None, int | None] = (None, None)  # a rule's place, before and after

    @property
    def summary(self) -> str:
        if self.change == "moved":
            before, after = self.position
            return f"moved from #{(before or 0) + 1} to #{(after or 0) + 1} (first match wins)"
        return "; ".join(f"{name}: {_short(old)} → {_short(new)}" for name, old, new in self.fields)


@dataclass(frozen=True)
class _Item:
    what: str
    value: Any  # JSON-ready
    cite: str
    position: int | None = None


def pack_diff(old: Pack, new: Pack) -> list[Change]:
    """Every difference from `old` to `new`, in the order of the newer pack."""
    before, after = dict(_items(old)), dict(_items(new))
    changes: list[Change] = []
    for key, item in after.items():
        was = before.get(key)
        if was is None:
            changes.append(Change("added", key, item.what, (), item.cite))
            continue
        fields = tuple(_fields(was.value, item.value))
        if fields:
            changes.append(Change("changed", key, item.what, fields, item.cite))
        if was.position is not None and was.position != item.position:
            changes.append(
                Change("moved", key, item.what, (), item.cite, (was.position, item.position))
            )
    changes += [
        Change("removed", key, item.what, (), item.cite)
        for key, item in before.items()
        if key not in after
    ]
    return _drop_shifted(changes)


def _drop_shifted(changes: list[Change]) -> list[Change]:
    """A rule added or removed shifts every later rule of its phase by one: that shift is not a
    move of theirs. Only a rule whose order among the rules both versions share changed is."""
    moved = [c for c in changes if c.change == "moved"]
    if not moved:
        return changes
    by_phase: dict[str, list[Change]] = {}
    for change in moved:
        by_phase.setdefault(change.key.rsplit(" ", 1)[0], []).append(change)
    real: set[str] = set()
    for group in by_phase.values():
        old_order = [c.key for c in sorted(group, key=lambda c: c.position[0] or 0)]
        new_order = [c.key for c in sorted(group, key=lambda c: c.position[1] or 0)]
        real |= {a for a, b in zip(old_order, new_order, strict=True) if a != b}
    return [c for c in changes if c.change != "moved" or c.key in real]


def _items(pack: Pack) -> Iterator[tuple[str, _Item]]:
    yield "settings", _Item("settings", {k: _json(getattr(pack, k)) for k in SETTINGS}, "")
    for section in SECTIONS:
        value = getattr(pack, section)
        source = getattr(value, "source", None)
        yield section, _Item(section, _json(value), _cite(source))
    for section, what in (("services", "service"), ("handlers", "handler")):
        for key, value in getattr(pack, section).items():
            yield f"{section} {key}", _Item(what, _json(value), _cite(value.source))
    for key, category in pack.categories.items():
        yield f"categories {key}", _Item("category", _json(category), _cite(category.source))
    for phase in ("kind", "handler", "admission"):
        for i, rule in enumerate(getattr(pack.rules, phase)):
            yield (
                f"rules.{phase} {rule.id}",
                _Item(f"{phase} rule", _json(rule), _cite(rule.source), i),
            )
    for process in pack.processes:
        yield from _process_items(process)


def _process_items(process: Process) -> Iterator[tuple[str, _Item]]:
    name = f"{process.kind} {process.level}" if process.level else process.kind
    nxt = process.next_level
    yield (
        f"{name}",
        _Item(
            "process",
            {"label": process.label, "next_level": _json(nxt)},
            _cite(nxt.source) if nxt else "",
        ),
    )
    for variant in process.filing:
        when = json.dumps(variant.when, sort_keys=True) if variant.when else "always"
        windows = variant.all_windows
        cite = _cite(windows[0].source) if windows else _cite(variant.source)
        yield f"{name} filing when {when}", _Item("filing window", _json(variant), cite)
    for clock in process.clocks:
        yield f"{name} clock {clock.id}", _Item("clock", _json(clock), _cite(clock.source))
    for item in process.required:
        yield f"{name} required {item.id}", _Item("required item", _json(item), _cite(item.source))
    for note in process.notes:
        yield f"{name} note {note.text[:60]}", _Item("note", _json(note), _cite(note.source))


def _json(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _fields(old: Any, new: Any, prefix: str = "") -> Iterator[tuple[str, Any, Any]]:
    """The leaves that differ, by dotted path (lists compared whole)."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            yield from _fields(old.get(key), new.get(key), f"{prefix}.{key}" if prefix else key)
    elif old != new:
        yield prefix or "value", old, new


def _cite(source: Source | None) -> str:
    return source.cite() if source is not None else ""


def _short(value: Any, limit: int = 80) -> str:
    text = "—" if value is None else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"
