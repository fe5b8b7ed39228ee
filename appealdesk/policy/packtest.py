"""`appealdesk packs test`: a pack's table of worked cases, run through `assess`.

A cases file (`<pack>.cases.yaml`, beside the pack) lists requests and what the pack must
answer, each case citing the sentence of the source it was worked from:

    defaults: {channel: mail}            # merged into every request (optional)
    cases:
      - name: a grievance on the 60th day is in time
        source: {seed: "An enrollee must file a grievance no later than 60 days after …"}
        request: {received_at: "2026-03-02T10:15:00-05:00", occurrence_date: 2026-01-01}
        expect:
          kind: grievance
          disposition: accept
          filing: {timely: true, last_day: 2026-03-02}
          deadlines: {resolve: {due_date: 2026-04-01}, resolve_expedited: absent}

The expectations (each optional) are listed in `EXPECTATIONS`; dates may be written bare (YAML
dates) or quoted. A case's `seed:` must be a verbatim passage of the pack's seed document, as
the pack's own citations are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appealdesk.policy.assess import AssessError, assess
from appealdesk.policy.loader import (
    CASES_SUFFIX,
    LoadedPack,
    PackError,
    PackRegistry,
    Problem,
    find_seed,
    line_of,
    normalise,
    read_yaml,
)

ABSENT = "absent"  # a clock that must not run
# what a case may expect, and what it compares
EXPECTATIONS = {
    "kind": "the kind (complaint, grievance, appeal, …)",
    "level": "the level, or null",
    "disposition": "accept, reject, redirect or informal",
    "expedited": "true or false",
    "category": "the category the answer settles on",
    "handler": "the handler's id, or null",
    "rejection": "the rejection code (untimely, not_appealable, …), or null",
    "filing": "the filing verdict's fields that must match (timely, last_day, first_day, …), "
    "or null",
    "deadlines": "clock id: {field: value} (due_date, due_at, state, due, …) or absent; or a "
    "list of exactly the clocks that run",
    "missing": "the missing items, in any order",
    "unknown": "the inputs the answer depends on that were not given, in any order",
    "warnings": "words each of which some warning must contain; [] for none",
    "reasons": "words each of which some reason must contain",
    "notes": "words each of which some note must contain; [] for none",
    "error": "the request field a bad request is refused for (exit 2 / HTTP 422)",
}
CASE_KEYS = ("name", "source", "request", "expect")


@dataclass
class CaseResult:
    name: str
    line: int | None
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass
class Report:
    cases_file: Path
    results: list[CaseResult]

    @property
    def failed(self) -> list[CaseResult]:
        return [r for r in self.results if not r.ok]


def cases_file_for(pack_file: Path) -> Path:
    """Where a pack's cases live: `ump.yaml` -> `ump.cases.yaml`, beside it."""
    return pack_file.with_name(pack_file.name.removesuffix(".yaml") + CASES_SUFFIX)


def run_cases(cases_file: Path, pack: LoadedPack, registry: PackRegistry) -> Report:
    """Run every case of `cases_file` against `registry` (requests default to the program of
    `pack`, whose seed document the cases cite). Raises `PackError` for a malformed file."""
    name = str(cases_file)
    try:
        text = cases_file.read_text(encoding="utf-8")
    except OSError as exc:
        raise PackError(
            name,
            "",
            f"cannot read: {exc.strerror} — write the cases beside the pack as "
            f"{cases_file_for(pack.file).name}, or give the file's path",
        ) from None
    root, duplicates = read_yaml(text, name)
    problems = [Problem(name, line, path, message) for line, path, message in duplicates]
    cases = _cases(root, name, problems)
    if cases:
        problems += _check_cases(root, cases, pack, name)
    if problems:
        raise PackError.of(sorted(problems, key=lambda p: p.line or 0))
    defaults = {"program": pack.pack.program, **_plain(root.get("defaults") or {})}
    results = []
    for i, case in enumerate(cases):
        result = CaseResult(str(case["name"]), line_of(root, f"cases[{i}]"))
        request = {**defaults, **_plain(case["request"])}
        result.failures = _compare(request, _plain(case.get("expect") or {}), registry)
        results.append(result)
    return Report(cases_file, results)


def _cases(root: Any, name: str, problems: list[Problem]) -> list[Mapping[str, Any]]:
    if not isinstance(root, Mapping) or not isinstance(root.get("cases"), list):
        problems.append(
            Problem(
                name,
                line_of(root, "cases"),
                "cases",
                "a cases file is a mapping with a `cases:` list — write `cases:` and one "
                "`- name: …` entry per case (`appealdesk packs new` writes an example)",
            )
        )
        return []
    return list(root["cases"])


def _check_cases(root: Any, cases: Sequence[Any], pack: LoadedPack, name: str) -> list[Problem]:
    problems = []

    def problem(path: str, message: str) -> None:
        problems.append(Problem(name, line_of(root, path), path, message))

    seed_file = find_seed(pack.pack.seed_document, pack.file) if pack.pack.seed_document else None
    seed = normalise(seed_file.read_text(encoding="utf-8")) if seed_file else None
    if not isinstance(root.get("defaults", {}), Mapping):
        problem("defaults", "defaults is a mapping of request fields — e.g. {channel: mail}")
    for i, case in enumerate(cases):
        path = f"cases[{i}]"
        if not isinstance(case, Mapping):
            problem(path, "a case is a mapping — write name:, source:, request: and expect:")
            continue
        for key in case:
            if key not in CASE_KEYS:
                problem(f"{path}.{key}", f"unknown key `{key}` — use {', '.join(CASE_KEYS)}")
        for key in ("name", "source", "request"):
            if key not in case:
                problem(path, f"`{key}` is missing — {_CASE_HINTS[key]}")
        if not isinstance(case.get("request", {}), Mapping):
            problem(f"{path}.request", "a request is a mapping of SPEC 7 input fields")
        source = case.get("source")
        if source is not None and not (
            isinstance(source, Mapping) and any(source.get(k) for k in ("seed", "law", "spec"))
        ):
            problem(
                f"{path}.source", f"a source needs a seed, law or spec — {_CASE_HINTS['source']}"
            )
        elif isinstance(source, Mapping) and isinstance(source.get("seed"), str):
            if seed is None:
                problem(
                    f"{path}.source.seed",
                    "the pack has no seed document to quote — cite `law:` or `spec:` instead",
                )
            elif normalise(source["seed"]) not in seed:
                problem(
                    f"{path}.source.seed",
                    f"not a verbatim passage of {pack.pack.seed_document}: "
                    f"{source['seed'][:60]!r}… — copy the sentence exactly as the source says it",
                )
        expect = case.get("expect", {})
        if not isinstance(expect, Mapping):
            problem(f"{path}.expect", "expect is a mapping — e.g. {disposition: accept}")
            continue
        for key in expect:
            if key not in EXPECTATIONS:
                problem(
                    f"{path}.expect.{key}",
                    f"unknown expectation `{key}` — use one of: {', '.join(EXPECTATIONS)}",
                )
    return problems


_CASE_HINTS = {
    "name": "say in a few words what the case shows",
    "source": 'cite the sentence the case was worked from, e.g. {seed: "…"}',
    "request": "give the request, e.g. {received_at: '2026-03-02T10:15:00-05:00', …}",
}


def _plain(value: Any) -> Any:
    """YAML's dates and times as the ISO strings requests and answers use."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _compare(
    request: dict[str, Any], expect: Mapping[str, Any], registry: PackRegistry
) -> list[str]:
    try:
        result = assess(request, registry=registry)
    except AssessError as exc:
        if expect.get("error") == exc.field:
            return []
        return [f"the request was refused: {exc}"]
    if "error" in expect:
        return [f"error: expected the request to be refused for {expect['error']}, it was not"]
    failures: list[str] = []
    for key, wanted in expect.items():
        check = _CHECKS.get(key, _equal)
        failures += check(key, wanted, result)
    return failures


def _equal(key: str, wanted: Any, result: Mapping[str, Any]) -> list[str]:
    got = result.get(key)
    return [] if got == wanted else [f"{key}: expected {wanted!r}, got {got!r}"]


def _by_id(key: str, wanted: Any, result: Mapping[str, Any]) -> list[str]:
    got = result.get(key)
    field_name = "id" if key == "handler" else "code"
    got_id = got.get(field_name) if isinstance(got, Mapping) else got
    return [] if got_id == wanted else [f"{key}: expected {wanted!r}, got {got_id!r}"]


def _subset(key: str, wanted: Any, got: Any) -> list[str]:
    if wanted is None or not isinstance(wanted, Mapping) or not isinstance(got, Mapping):
        return [] if got == wanted else [f"{key}: expected {wanted!r}, got {got!r}"]
    return [
        f"{key}.{k}: expected {v!r}, got {got.get(k)!r}"
        for k, v in wanted.items()
        if got.get(k) != v
    ]


def _filing(key: str, wanted: Any, result: Mapping[str, Any]) -> list[str]:
    return _subset(key, wanted, result.get(key))


def _deadlines(key: str, wanted: Any, result: Mapping[str, Any]) -> list[str]:
    running = {d["clock"]: d for d in result["deadlines"]}
    if isinstance(wanted, list):
        if sorted(running) == sorted(wanted):
            return []
        return [f"deadlines: expected exactly {sorted(wanted)}, got {sorted(running)}"]
    failures = []
    for clock, fields in (wanted or {}).items():
        got = running.get(clock)
        if fields == ABSENT or fields is None:
            if got is not None:
                failures.append(f"deadlines.{clock}: expected absent, but it runs")
        elif got is None:
            failures.append(f"deadlines.{clock}: expected, but it does not run")
        else:
            failures += _subset(f"deadlines.{clock}", fields, got)
    return failures


def _unordered(key: str, wanted: Any, result: Mapping[str, Any]) -> list[str]:
    got = result.get(key) or []
    if sorted(map(str, wanted or [])) == sorted(map(str, got)):
        return []
    return [f"{key}: expected {sorted(wanted or [])}, got {sorted(got)}"]


def _contains(key: str, wanted: Any, result: Mapping[str, Any]) -> list[str]:
    got = result.get(key) or []
    if not wanted:
        return [] if not got else [f"{key}: expected none, got {got}"]
    return [
        f"{key}: no {key[:-1]} contains {words!r} (got {got})"
        for words in wanted
        if not any(str(words) in item for item in got)
    ]


_CHECKS: dict[str, Callable[[str, Any, Mapping[str, Any]], list[str]]] = {
    "handler": _by_id,
    "rejection": _by_id,
    "filing": _filing,
    "deadlines": _deadlines,
    "missing": _unordered,
    "unknown": _unordered,
    "warnings": _contains,
    "reasons": _contains,
    "notes": _contains,
}
