"""Loading policy packs from YAML, with errors that name the file, the path and the line.

Several versions of one program may coexist; a request is governed by the version in force on
its local receipt date (SPEC section 2).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from appealdesk.policy.calendar import project
from appealdesk.policy.quoting import quoted
from appealdesk.policy.schema import Pack, PackPathError, Source

BUNDLED_DIR = Path(__file__).with_name("packs")
SEEDS_DIR = BUNDLED_DIR / "seeds"
PACK_DIRS_ENV = "APPEALDESK_PACK_DIRS"


class PackError(ValueError):
    """A pack that cannot be used: `file`, `path` inside it, `line` (1-based) and what is wrong."""

    def __init__(self, file: str, path: str, message: str, line: int | None = None) -> None:
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {path}: {message}" if path else f"{where}: {message}")
        self.file, self.path, self.message, self.line = file, path, message, line


@dataclass(frozen=True)
class LoadedPack:
    pack: Pack
    file: Path
    text: str
    sha256: str

    @property
    def key(self) -> str:
        return f"{self.pack.program}@{self.pack.version}"


def load_pack_file(path: str | Path) -> LoadedPack:
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise PackError(str(file), "", f"cannot read: {exc.strerror}") from None
    return load_pack_text(text, file)


def load_pack_text(text: str, file: Path) -> LoadedPack:
    name = str(file)
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise PackError(name, "", f"not valid YAML: {getattr(exc, 'problem', exc)}", line) from None
    if not isinstance(data, dict):
        raise PackError(name, "", "a pack is a YAML mapping (program:, version:, …)")
    # Top-level `x-…` keys hold YAML anchors shared by several rules; they are not pack fields.
    data = {k: v for k, v in data.items() if not str(k).startswith("x-")}
    try:
        pack = Pack.model_validate(data).link()
    except ValidationError as exc:
        err = exc.errors()[0]
        path = _loc_to_path(err["loc"])
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        message = f"{err['msg']}{_got(err)}{more}"
        raise PackError(name, path, message, _line_of(root, path)) from None
    except PackPathError as exc:
        raise PackError(name, exc.path, exc.message, _line_of(root, exc.path)) from None
    _check_calendar(pack, name, root)
    _check_sources(pack, file, name, root)
    return LoadedPack(pack, file, text, hashlib.sha256(text.encode()).hexdigest())


def _got(err: Any) -> str:
    if err["type"] in ("missing",):
        return ""
    value = err.get("input")
    if isinstance(value, (dict, list)) or value is None:
        return ""
    return f" (got {value!r})"


def _check_calendar(pack: Pack, name: str, root: yaml.Node | None) -> None:
    spec = pack.calendar
    source = spec.holidays
    installed = importlib.metadata.version("holidays")
    if source is not None and source.package_version != installed:
        path = "calendar.holidays.package_version"
        raise PackError(
            name,
            path,
            f"the pack was checked against holidays {source.package_version} but "
            f"{installed} is installed; review the {spec.id} calendar for the "
            "new release and update the pin, or install the pinned release",
            _line_of(root, path),
        )
    for i, year in enumerate(spec.years):
        path = f"calendar.years[{i}].holidays"
        rules = {day: found[0] for day, found in project(spec, year.year).items()}
        listed = {entry.date: entry.name for entry in year.holidays}
        if year.status == "projected" and listed != rules:
            # a projected year is the statute's rules applied, nothing else
            differ = sorted(set(listed.items()) ^ set(rules.items()))
            shown = ", ".join(f"{day} {holiday}" for day, holiday in differ[:4])
            raise PackError(
                name,
                path,
                f"{year.year} is projected, so it lists what the rules give; these differ: {shown}",
                _line_of(root, path),
            )
        for j, entry in enumerate(year.holidays):
            if entry.date not in rules and entry.source is None:
                raise PackError(
                    name,
                    f"{path}[{j}]",
                    f"{entry.date} {entry.name} is not a day the rules give: name its source "
                    "(e.g. the Governor's proclamation)",
                    _line_of(root, f"{path}[{j}]"),
                )


# -- seed citations ---------------------------------------------------------------------------
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "‑": "-", "–": "-", "\u00a0": " "})


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.translate(_QUOTES)).strip()


@cache
def _seed_text(path: Path) -> str:
    return normalise(path.read_text(encoding="utf-8"))


def iter_sources(node: Any, path: str = "") -> Iterator[tuple[str, Source]]:
    """Every `source` in a pack, with its path."""
    if isinstance(node, Source):
        yield path, node
        return
    if isinstance(node, dict):
        items: Iterable[tuple[str, Any]] = ((f"{path}.{k}", v) for k, v in node.items())
    elif isinstance(node, tuple):
        items = ((f"{path}[{i}]", v) for i, v in enumerate(node))
    elif hasattr(node, "__pydantic_fields__"):
        items = ((f"{path}.{k}" if path else k, getattr(node, k)) for k in node.__pydantic_fields__)
    else:
        return
    for sub_path, value in items:
        yield from iter_sources(value, sub_path)


def _check_sources(pack: Pack, file: Path, name: str, root: yaml.Node | None) -> None:
    """A `seed:` citation must be a verbatim passage of the pack's seed document."""
    if pack.seed_document is None:
        return
    # beside the pack file; else the bundled seeds (a pack read back from a case's snapshot
    # has no folder of its own)
    candidates = (file.parent / pack.seed_document, SEEDS_DIR / Path(pack.seed_document).name)
    seed_file = next((c for c in candidates if c.exists()), candidates[0])
    if not seed_file.exists():
        raise PackError(
            name,
            "seed_document",
            f"{pack.seed_document} not found",
            _line_of(root, "seed_document"),
        )
    seed = _seed_text(seed_file)
    for path, source in iter_sources(pack):
        if source.seed and normalise(source.seed) not in seed:
            raise PackError(
                name,
                f"{path}.seed",
                f"not a verbatim passage of {pack.seed_document}: {source.seed[:60]!r}…",
                _line_of(root, f"{path}.seed"),
            )


# -- error locations --------------------------------------------------------------------------
def _loc_to_path(loc: Iterable[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _line_of(root: yaml.Node | None, path: str) -> int | None:
    """The 1-based line of `path` in the YAML, or of its deepest existing parent."""
    node = root
    line = root.start_mark.line + 1 if root is not None else None
    for name, index in _TOKEN.findall(path):
        if isinstance(node, yaml.MappingNode) and name:
            match = next((v for k, v in node.value if getattr(k, "value", None) == name), None)
            if match is None:
                break
            node = match
        elif isinstance(node, yaml.SequenceNode) and index:
            i = int(index)
            if i >= len(node.value):
                break
            node = node.value[i]
        else:
            break
        line = node.start_mark.line + 1
    return line


# -- the registry -----------------------------------------------------------------------------
class UnknownProgram(LookupError):
    pass


class NoVersionInForce(LookupError):
    pass


class PackRegistry:
    """All versions of all packs found in the bundled folder and `$APPEALDESK_PACK_DIRS`."""

    def __init__(self, packs: Iterable[LoadedPack]) -> None:
        self._by_program: dict[str, list[LoadedPack]] = {}
        for loaded in packs:
            versions = self._by_program.setdefault(loaded.pack.program, [])
            for other in versions:
                if other.pack.version == loaded.pack.version:
                    raise PackError(
                        str(loaded.file),
                        "version",
                        f"{loaded.key} is also defined in {other.file}",
                    )
                if other.pack.effective_from == loaded.pack.effective_from:
                    raise PackError(
                        str(loaded.file),
                        "effective_from",
                        f"{other.key} takes effect on the same day",
                    )
            versions.append(loaded)
            versions.sort(key=lambda p: p.pack.effective_from)

    @classmethod
    def from_dirs(cls, dirs: Iterable[Path]) -> PackRegistry:
        files = [f for d in dirs for f in sorted(Path(d).glob("*.yaml"))]
        return cls(load_pack_file(f) for f in files)

    def programs(self) -> list[str]:
        return sorted(self._by_program)

    def versions(self, program: str) -> list[LoadedPack]:
        try:
            return list(self._by_program[program])
        except KeyError:
            raise UnknownProgram(
                f"unknown program {quoted(program)}; known: {', '.join(self.programs())}"
            ) from None

    def in_force(self, program: str, on: dt.date) -> LoadedPack:
        versions = self.versions(program)
        chosen = None
        for loaded in versions:
            if loaded.pack.effective_from <= on:
                chosen = loaded
        if chosen is None:
            first = versions[0].pack
            raise NoVersionInForce(
                f"no version of {program} is in force on {on.isoformat()}; the first, "
                f"{first.version}, takes effect on {first.effective_from.isoformat()}"
            )
        return chosen

    def latest(self, program: str) -> LoadedPack:
        return self.versions(program)[-1]


def pack_dirs() -> list[Path]:
    extra = [Path(p) for p in os.environ.get(PACK_DIRS_ENV, "").split(os.pathsep) if p]
    return [BUNDLED_DIR, *extra]


@cache
def default_registry() -> PackRegistry:
    return PackRegistry.from_dirs(pack_dirs())
