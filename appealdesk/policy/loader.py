"""Loading policy packs from YAML, with errors that name the file, the path and the line.

Several versions of one program may coexist; a request is governed by the version in force on
its local receipt date (SPEC section 2).
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import importlib.metadata
import os
import re
import types
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from appealdesk.policy.calendar import project
from appealdesk.policy.quoting import quoted
from appealdesk.policy.schema import ID, Pack, PackPathErrors, Source

BUNDLED_DIR = Path(__file__).with_name("packs")
SEEDS_DIR = BUNDLED_DIR / "seeds"
PACK_DIRS_ENV = "APPEALDESK_PACK_DIRS"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a pack: where (file, 1-based line, path inside the pack) and what,
    the message ending with " — " and what to write instead."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class PackError(ValueError):
    """A pack that cannot be used. `problems` lists everything wrong with it, in the order of
    the file; `file`, `path`, `line` and `message` are those of the first problem."""

    def __init__(
        self,
        file: str,
        path: str,
        message: str,
        line: int | None = None,
        problems: list[Problem] | None = None,
    ) -> None:
        self.problems = problems or [Problem(file, line, path, message)]
        first = self.problems[0]
        self.file, self.path, self.message, self.line = (
            first.file,
            first.path,
            first.message,
            first.line,
        )
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def of(cls, problems: list[Problem]) -> PackError:
        first = problems[0]
        return cls(first.file, first.path, first.message, first.line, problems)


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
        raise PackError(
            str(file), "", f"cannot read: {exc.strerror} — give the path of a pack's YAML file"
        ) from None
    return load_pack_text(text, file)


def load_pack_text(text: str, file: Path) -> LoadedPack:
    """Load and check a pack; every problem found is reported at once (`PackError.problems`):
    schema errors, or when the schema holds, broken cross-references, with the seed citations
    and the calendar pin checked either way."""
    name = str(file)
    root, duplicates = read_yaml(text, name)
    if not isinstance(root, dict):
        raise PackError(
            name,
            "",
            "a pack is a YAML mapping — start with `program:`, `version:`, … "
            "(`appealdesk packs new NAME` writes a commented skeleton)",
        )
    problems = [Problem(name, line, path, message) for line, path, message in duplicates]
    # Top-level `x-…` keys hold YAML anchors shared by several rules; they are not pack fields.
    data = {k: v for k, v in root.items() if not str(k).startswith("x-")}
    pack = None
    try:
        pack = Pack.model_validate(data).link()
    except ValidationError as exc:
        for err in exc.errors():
            path = _loc_to_path(err["loc"])
            problems.append(Problem(name, line_of(root, path), path, explain(err)))
    except PackPathErrors as exc:
        problems += [Problem(name, line_of(root, e.path), e.path, e.message) for e in exc.problems]
    problems += _check_sources(root, file, name)
    if pack is not None:
        problems += _check_calendar(pack, name, root)
    if problems:
        raise PackError.of(sorted(problems, key=lambda p: p.line or 0))
    assert pack is not None
    return LoadedPack(pack, file, text, hashlib.sha256(text.encode()).hexdigest())


# -- YAML that remembers its lines ------------------------------------------------------------
class LineDict(dict[Any, Any]):
    """A YAML mapping with the line of each key (`key_lines`) and of itself (`line`)."""

    line: int = 0
    key_lines: dict[Any, int]


class LineList(list[Any]):
    """A YAML sequence with the line of each item."""

    line: int = 0
    item_lines: list[int]


class _LineLoader(yaml.SafeLoader):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[int, str, str]] = []


_MERGE = "tag:yaml.org,2002:merge"


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> Iterator[LineDict]:
    data = LineDict()
    data.line, data.key_lines = node.start_mark.line + 1, {}
    yield data
    first: dict[Any, int] = {}
    for key_node, _value in node.value:
        if key_node.tag == _MERGE or not isinstance(key_node, yaml.ScalarNode):
            continue
        line = key_node.start_mark.line + 1
        if key_node.value in first:
            loader.duplicates.append(
                (
                    line,
                    key_node.value,
                    f"the key appears twice (first on line {first[key_node.value]}), and YAML "
                    "keeps only the last — keep one of them",
                )
            )
        first.setdefault(key_node.value, line)
    data.update(loader.construct_mapping(node, deep=True))  # flattens `<<:` merges first
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=True)
        data.key_lines[key] = key_node.start_mark.line + 1


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> Iterator[LineList]:
    data = LineList()
    data.line = node.start_mark.line + 1
    data.item_lines = [n.start_mark.line + 1 for n in node.value]
    yield data
    data.extend(loader.construct_sequence(node, deep=True))


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def read_yaml(text: str, name: str) -> tuple[Any, list[tuple[int, str, str]]]:
    """The document (mappings and lists that know their lines) and its duplicate keys."""
    loader = _LineLoader(text)
    try:
        return loader.get_single_data(), loader.duplicates
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise PackError(
            name,
            "",
            f"not valid YAML: {getattr(exc, 'problem', exc)} — check the indentation and "
            "quoting on this line or the one above it (a value holding ': ' or starting with "
            "'{', '[', '*', '&' or '@' needs quotes)",
            line,
        ) from None
    finally:
        loader.dispose()


def line_of(root: Any, path: str) -> int | None:
    """The 1-based line of `path` in the YAML, or of its deepest existing parent."""
    node = root
    line: int | None = getattr(root, "line", None) or None
    for name, index in _TOKEN.findall(path):
        if isinstance(node, LineDict) and name and name in node:
            line, node = node.key_lines.get(name, line), node[name]
        elif isinstance(node, LineList) and index and int(index) < len(node):
            line, node = node.item_lines[int(index)], node[int(index)]
        else:
            break
    return line


# -- what to write instead ----------------------------------------------------------------------
def explain(err: Any) -> str:
    """A pydantic error as "what is wrong — what to write instead"."""
    kind, ctx = err["type"], err.get("ctx") or {}
    field = next((str(p) for p in reversed(err["loc"]) if isinstance(p, str)), "this")
    message = str(err["msg"]).removeprefix("Value error, ")
    if kind == "value_error":
        return message  # the schema's own checks say what to write
    if kind == "missing":
        return f"`{field}` is missing — add `{field}: {_EXAMPLES.get(field, '…')}`"
    if kind == "extra_forbidden":
        return f"unknown key `{field}` — {_known_keys(err['loc'])}"
    got = _got(err)
    hint = _HINTS.get(kind)
    if kind in ("literal_error", "enum"):
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return f"`{field}` cannot be {err.get('input')!r} — write one of: {', '.join(choices)}"
    if kind in _BOUNDS:
        word, key = _BOUNDS[kind]
        hint = f"write a number {word} {ctx.get(key)}"
    elif kind == "string_pattern_mismatch" and ctx.get("pattern") == ID:
        hint = "ids are lower case letters, digits, '-' and '_', starting with a letter"
    elif kind == "too_short":
        hint = f"give at least {ctx.get('min_length', 1)} item(s)"
    return f"{message}{got} — {hint or 'see docs/packs.md for what this key takes'}"


_EXAMPLES = {
    "source": '{seed: "the sentence, verbatim"} (or law: / spec:)',
    "id": "a-short-id",
    "unit": "calendar_days",
    "length": "30",
    "basis": "[occurrence_date]",
    "rule": "60 days after the event",
    "starts": "date of the event",
    "untimely": "What the person is told when it comes too late.",
    "met_by": "[decided]",
    "program": "my-program",
    "version": '"2026.1"',
    "effective_from": "2026-01-01",
    "time_zone": "America/New_York",
    "calendar": "{id: federal, source: {law: …}}",
    "processes": "[{kind: grievance, label: Grievance, …}]",
    "rules": "{kind: […], handler: […]}",
    "handlers": "{my-handler: {name: …, role: …, source: …}}",
    "categories": "{my-category: {label: …, class: grievance, source: …}}",
    "label": "what a person reads",
    "reason": "why the rule decides so, in a sentence",
    "name": "the name people read",
    "window": "null (no filing window), or a window",
    "opens": "'09:00'",
    "closes": "'17:30'",
}
_HINTS = {
    "int_parsing": "write a whole number, e.g. 30",
    "int_type": "write a whole number, e.g. 30",
    "int_from_float": "write a whole number, e.g. 30",
    "float_parsing": "write a number, e.g. 0.8",
    "float_type": "write a number, e.g. 0.8",
    "bool_parsing": "write true or false",
    "bool_type": "write true or false",
    "string_type": "write text (quote it if it starts with a special character)",
    "date_parsing": "write a date as YYYY-MM-DD, e.g. 2026-01-01",
    "date_from_datetime_parsing": "write a date as YYYY-MM-DD, e.g. 2026-01-01",
    "date_type": "write a date as YYYY-MM-DD, e.g. 2026-01-01",
    "time_parsing": "write a time of day in quotes, e.g. '17:30'",
    "time_type": "write a time of day in quotes, e.g. '17:30'",
    "dict_type": "write a mapping here (`key: value` lines, or {key: value})",
    "model_type": "write a mapping here (`key: value` lines, or {key: value})",
    "model_attributes_type": "write a mapping here (`key: value` lines, or {key: value})",
    "tuple_type": "write a list here, e.g. [a, b], or one `- item` per line",
    "list_type": "write a list here, e.g. [a, b], or one `- item` per line",
    "string_pattern_mismatch": "see docs/packs.md for the form this key takes",
}
_BOUNDS = {
    "greater_than_equal": ("of at least", "ge"),
    "greater_than": ("greater than", "gt"),
    "less_than_equal": ("of at most", "le"),
    "less_than": ("less than", "lt"),
}


def _known_keys(loc: tuple[Any, ...]) -> str:
    """Remove the key; name the keys allowed there, the likeliest first."""
    model = _model_at(loc[:-1])
    if model is None:
        return "remove it"
    known = [f.alias or n for n, f in model.model_fields.items()]
    close = difflib.get_close_matches(str(loc[-1]), known, n=1)
    guess = f"did you mean `{close[0]}`? " if close else ""
    return f"{guess}remove it, or use one of: {', '.join(known)}"


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pack model that validates the mapping at `loc` (None where none does)."""
    current: Any = Pack
    for part in loc:
        current = _element(current)
        if isinstance(part, int) or current is None:
            continue
        if isinstance(current, type) and issubclass(current, BaseModel):
            fields = {f.alias or n: f for n, f in current.model_fields.items()}
            field = fields.get(str(part))
            current = field.annotation if field is not None else None
        else:  # a dict's key: its values are the element type
            current = typing.get_args(current)[-1] if typing.get_args(current) else None
    current = _element(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _element(annotation: Any) -> Any:
    """Optional[X] -> X; tuple[X, ...] -> X (a dict stays, its key is the next part)."""
    while True:
        origin = typing.get_origin(annotation)
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = origin in (typing.Union, types.UnionType) and len(args) == 1
        if not (optional or (origin is tuple and args)):
            return annotation
        annotation = args[0]


def _got(err: Any) -> str:
    if err["type"] in ("missing",):
        return ""
    value = err.get("input")
    if isinstance(value, (dict, list)) or value is None:
        return ""
    return f" (got {value!r})"


def _check_calendar(pack: Pack, name: str, root: Any) -> list[Problem]:
    spec = pack.calendar
    problems: list[Problem] = []
    source = spec.holidays
    installed = importlib.metadata.version("holidays")
    if source is not None and source.package_version != installed:
        path = "calendar.holidays.package_version"
        problems.append(
            Problem(
                name,
                line_of(root, path),
                path,
                f"the pack was checked against holidays {source.package_version} but "
                f"{installed} is installed — review the {spec.id} calendar for the "
                "new release and update the pin, or install the pinned release",
            )
        )
    for i, year in enumerate(spec.years):
        path = f"calendar.years[{i}].holidays"
        rules = {day: found[0] for day, found in project(spec, year.year).items()}
        listed = {entry.date: entry.name for entry in year.holidays}
        if year.status == "projected" and listed != rules:
            # a projected year is the statute's rules applied, nothing else
            differ = sorted(set(listed.items()) ^ set(rules.items()))
            shown = ", ".join(f"{day} {holiday}" for day, holiday in differ[:4])
            problems.append(
                Problem(
                    name,
                    line_of(root, path),
                    path,
                    f"{year.year} is projected, so it lists what the rules give; these differ: "
                    f"{shown} — list exactly the rules' days, or mark the year `published` "
                    "with its source",
                )
            )
        for j, entry in enumerate(year.holidays):
            if entry.date not in rules and entry.source is None:
                where = f"{path}[{j}]"
                problems.append(
                    Problem(
                        name,
                        line_of(root, where),
                        where,
                        f"{entry.date} {entry.name} is not a day the rules give — name its "
                        "source (e.g. the Governor's proclamation)",
                    )
                )
    return problems


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


def seed_places(document: str, pack_file: Path) -> list[Path]:
    """Where a pack's `seed_document` is looked for, in this order: beside the pack file (the
    path as written, relative to the pack's folder), the bundled packs folder (so a copy of a
    shipped pack still finds its seed), then the bundled seeds folder by file name."""
    return [pack_file.parent / document, BUNDLED_DIR / document, SEEDS_DIR / Path(document).name]


def find_seed(document: str, pack_file: Path) -> Path | None:
    return next((p for p in seed_places(document, pack_file) if p.is_file()), None)


def _raw_sources(node: Any, path: str, seen: set[int]) -> Iterator[tuple[str, str]]:
    """(path, seed) of every `seed:` citation in the YAML as written, shared anchors once."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(value, dict) and str(key).endswith("source"):
                seed = value.get("seed")
                if isinstance(seed, str):
                    yield f"{where}.seed", seed
            yield from _raw_sources(value, where, seen)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _raw_sources(value, f"{path}[{i}]", seen)


def _check_sources(root: dict[Any, Any], file: Path, name: str) -> list[Problem]:
    """A `seed:` citation must be a verbatim passage of the pack's seed document."""
    document = root.get("seed_document")
    if not isinstance(document, str):
        return []
    seed_file = find_seed(document, file)
    if seed_file is None:
        places = ", ".join(str(p) for p in seed_places(document, file))
        return [
            Problem(
                name,
                line_of(root, "seed_document"),
                "seed_document",
                f"{document} not found (looked in {places}) — put the source text beside "
                "the pack and give its path relative to the pack's folder",
            )
        ]
    seed = _seed_text(seed_file)
    return [
        Problem(
            name,
            line_of(root, path),
            path,
            f"not a verbatim passage of {document}: {quote[:60]!r}… — copy the sentence "
            "exactly as the source says it (quotes and white space may differ)",
        )
        for path, quote in _raw_sources(root, "", set())
        if normalise(quote) not in seed
    ]


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


# -- the registry -----------------------------------------------------------------------------
class UnknownProgram(LookupError):
    pass


class NoVersionInForce(LookupError):
    pass


CASES_SUFFIX = ".cases.yaml"  # a pack's `packs test` cases, beside it: not a pack


class PackRegistry:
    """All versions of all packs found in the bundled folder and `$APPEALDESK_PACK_DIRS`."""

    def __init__(self, packs: Iterable[LoadedPack], dirs: Iterable[Path] | None = None) -> None:
        self.dirs = list(dirs) if dirs is not None else None
        self._by_program: dict[str, list[LoadedPack]] = {}
        for loaded in packs:
            versions = self._by_program.setdefault(loaded.pack.program, [])
            for other in versions:
                if other.pack.version == loaded.pack.version:
                    raise PackError(
                        str(loaded.file),
                        "version",
                        f"{loaded.key} is also defined in {other.file} — give the new file "
                        "a version of its own",
                    )
                if other.pack.effective_from == loaded.pack.effective_from:
                    raise PackError(
                        str(loaded.file),
                        "effective_from",
                        f"{other.key} takes effect on the same day — a new version takes "
                        "effect on a later date",
                    )
            versions.append(loaded)
            versions.sort(key=lambda p: p.pack.effective_from)

    @classmethod
    def from_dirs(cls, dirs: Iterable[Path]) -> PackRegistry:
        """Every `*.yaml` pack of each folder (not `*.cases.yaml`); every problem of every
        file is reported at once."""
        dirs = list(dirs)
        loaded, problems = [], []
        for folder in dirs:
            for file in sorted(Path(folder).glob("*.yaml")):
                if file.name.endswith(CASES_SUFFIX):
                    continue
                try:
                    loaded.append(load_pack_file(file))
                except PackError as exc:
                    problems += exc.problems
        if problems:
            raise PackError.of(problems)
        return cls(loaded, dirs)

    def programs(self) -> list[str]:
        return sorted(self._by_program)

    def versions(self, program: str) -> list[LoadedPack]:
        try:
            return list(self._by_program[program])
        except KeyError:
            where = ""
            if self.dirs is not None:
                where = (
                    f"; packs are read from {', '.join(str(d) for d in self.dirs)} (the bundled "
                    f"folder, then each folder named in ${PACK_DIRS_ENV}, separated by "
                    f"{os.pathsep!r}) — put the pack's YAML file in one of them, or add its "
                    f"folder to ${PACK_DIRS_ENV}"
                )
            raise UnknownProgram(
                f"unknown program {quoted(program)}; known: {', '.join(self.programs())}{where}"
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
