"""The packs' own words on the portal, in the reader's language.

The packs are English YAML (each label next to the seed sentence it comes from). The portal
shows some of their labels to members — what to include, the name of a process, a clock — so
those labels go through the translation catalogue like any other portal text:
`pack_strings.py` lists them for `makemessages` (it is generated from the packs by
`./dev messages`, and a test keeps it in step with them), and `tr()` looks them up when a page
is drawn. A label the catalogue does not know is shown as the pack has it.

    python -m appealdesk.portal.packtext        # rewrite pack_strings.py from the packs
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.utils.translation import gettext

from appealdesk.policy.assess import Program
from appealdesk.policy.loader import default_registry

GENERATED = Path(__file__).with_name("pack_strings.py")


def pack_texts() -> list[str]:
    """Every label of every pack version a member can meet on the portal: processes, their
    clocks and required items."""
    registry = default_registry()
    found: set[str] = set()
    for program in registry.programs():
        for loaded in registry.versions(program):
            for process in loaded.pack.processes:
                found.add(process.label)
                found.update(clock.label for clock in process.clocks)
                found.update(item.label for item in process.required)
    return sorted(t for t in found if t)


def render() -> str:
    lines = [
        '"""The packs\' labels a member can read on the portal, for the translation catalogue.',
        "",
        "Generated from the packs by `python -m appealdesk.portal.packtext` (run by",
        "`./dev messages`); do not edit by hand.",
        '"""',
        "",
        "from django.utils.translation import gettext_noop",
        "",
        "PACK_STRINGS = [",
    ]
    lines += [f"    gettext_noop({text!r})," for text in pack_texts()]
    lines += ["]", ""]
    return "\n".join(lines)


def tr(text: str) -> str:
    """A pack label in the active language (as the pack has it when there is no translation)."""
    return gettext(text) if text else text


def item_labels(program: Program) -> dict[str, str]:
    """The pack's required items by id, each label in the active language."""
    labels: dict[str, str] = {}
    for process in program.pack.processes:
        for item in process.required:
            labels.setdefault(item.id, tr(item.label))
    return labels


if __name__ == "__main__":
    GENERATED.write_text(render())
    sys.stdout.write(f"{GENERATED}: {len(pack_texts())} pack labels\n")
