"""Load and check the labelled request corpus (see README.md in this folder).

Pure Python (PyYAML only), no Django, so a test, the classifier build and a person at a shell can
all use it: ``python -m appealdesk.policy.corpus.check`` prints the counts and any problems.

A corpus file is JSON Lines named ``<program>.<lang>.<part>.jsonl``; each line is one request
with ``id, program, lang, text, category, requested, expedited, author, form, seed``. The
problems :func:`validate` reports are the ones that would make a label meaningless: an unknown
category or ``requested`` value for the program's pack, a duplicate id, a file whose name does
not match its rows, or a ``seed`` that is not a sentence of the pack's seed document.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

CORPUS_DIR = Path(__file__).resolve().parent
PACKS_DIR = CORPUS_DIR.parent / "packs"

FIELDS = (
    "id",
    "program",
    "lang",
    "text",
    "category",
    "requested",
    "expedited",
    "author",
    "form",
    "seed",
)
LANGS = frozenset({"en", "es"})
AUTHORS = frozenset(
    {
        "member",
        "representative",
        "provider_office",
        "injured_worker",
        "attorney",
        "employer",
        "other",
    }
)
FORMS = frozenset({"phone_note", "email", "letter", "fax_cover", "portal", "web_form"})


def load_corpus(folder: Path | str = CORPUS_DIR) -> list[dict[str, Any]]:
    """Every request of every ``*.jsonl`` file in `folder`, in file-name then line order.

    Each row gets ``_file`` and ``_line`` (where it came from) so a problem can point at it; a
    line that is not a JSON object raises ValueError naming the file and line.
    """
    rows: list[dict[str, Any]] = []
    for path in sorted(Path(folder).glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as error:
                    raise ValueError(f"{path.name}:{number}: not JSON ({error.msg})") from error
                if not isinstance(row, dict):
                    raise ValueError(f"{path.name}:{number}: a line must be a JSON object")
                row["_file"] = path.name
                row["_line"] = number
                rows.append(row)
    return rows


def load_packs(folder: Path | str = PACKS_DIR) -> dict[str, dict[str, Any]]:
    """The raw YAML of every pack in `folder`, by program id."""
    packs: dict[str, dict[str, Any]] = {}
    for path in sorted(Path(folder).glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "program" in data:
            data["_path"] = str(path)
            packs[str(data["program"])] = data
    return packs


def requested_values(pack: Mapping[str, Any]) -> set[str]:
    """The `requested` values the pack's kind rules test (anywhere inside a rule's `when`)."""
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if key == "requested":
                    found.update(value if isinstance(value, list) else [value])
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for rule in pack.get("rules", {}).get("kind", []):
        walk(rule.get("when", {}))
    return {str(value) for value in found if value is not None}


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _seed_text(pack: Mapping[str, Any]) -> str | None:
    document = pack.get("seed_document")
    if not document or "_path" not in pack:
        return None
    path = Path(str(pack["_path"])).parent / str(document)
    return _squash(path.read_text(encoding="utf-8")) if path.exists() else None


def validate(
    rows: Iterable[Mapping[str, Any]], packs: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """Problems found in `rows` against `packs` (program id -> raw pack YAML); empty when clean."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    seeds = {program: _seed_text(pack) for program, pack in packs.items()}
    allowed = {program: requested_values(pack) for program, pack in packs.items()}
    for row in rows:
        where = f"{row.get('_file', '?')}:{row.get('_line', '?')}"
        missing = [name for name in FIELDS if name not in row]
        if missing:
            problems.append(f"{where}: missing {', '.join(missing)}")
            continue
        rid, program = str(row["id"]), str(row["program"])
        if rid in seen:
            problems.append(f"{where}: id {rid} already used at {seen[rid]}")
        seen[rid] = where
        pack = packs.get(program)
        if pack is None:
            problems.append(f"{where}: no pack for program {program!r}")
            continue
        name = str(row.get("_file", ""))
        if name and not name.startswith(f"{program}.{row['lang']}."):
            problems.append(f"{where}: file name says another program or language than the row")
        if row["lang"] not in LANGS:
            problems.append(f"{where}: lang {row['lang']!r} is not one of {sorted(LANGS)}")
        if not isinstance(row["text"], str) or not row["text"].strip():
            problems.append(f"{where}: empty text")
        if row["category"] not in pack.get("categories", {}):
            problems.append(f"{where}: category {row['category']!r} is not in the {program} pack")
        if row["requested"] not in allowed[program]:
            problems.append(
                f"{where}: requested {row['requested']!r} is not tested by the {program} kind "
                f"rules ({', '.join(sorted(allowed[program]))})"
            )
        if not isinstance(row["expedited"], bool):
            problems.append(f"{where}: expedited must be true or false")
        if row["author"] not in AUTHORS:
            problems.append(f"{where}: author {row['author']!r} is not one of {sorted(AUTHORS)}")
        if row["form"] not in FORMS:
            problems.append(f"{where}: form {row['form']!r} is not one of {sorted(FORMS)}")
        seed = row["seed"]
        if seed is not None:
            text = seeds.get(program)
            if not isinstance(seed, str) or (text is not None and _squash(seed) not in text):
                problems.append(f"{where}: seed is not a sentence of the {program} seed document")
    return problems


def counts(rows: Iterable[Mapping[str, Any]]) -> dict[str, Counter[tuple[str, ...]]]:
    """Counts by program/lang, program/lang/category, author, form and requested."""
    table: dict[str, Counter[tuple[str, ...]]] = {
        "language": Counter(),
        "category": Counter(),
        "author": Counter(),
        "form": Counter(),
        "requested": Counter(),
        "expedited": Counter(),
    }
    for row in rows:
        key = (str(row["program"]), str(row["lang"]))
        table["language"][key] += 1
        table["category"][(*key, str(row["category"]))] += 1
        table["author"][(*key, str(row["author"]))] += 1
        table["form"][(*key, str(row["form"]))] += 1
        table["requested"][(*key, str(row["category"]), str(row["requested"]))] += 1
        if row["expedited"]:
            table["expedited"][key] += 1
    return table


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else CORPUS_DIR
    rows = load_corpus(folder)
    problems = validate(rows, load_packs())
    for name, table in counts(rows).items():
        print(f"## {name}")
        for key, number in sorted(table.items()):
            print(f"  {' / '.join(key)}: {number}")
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(rows)} requests, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
