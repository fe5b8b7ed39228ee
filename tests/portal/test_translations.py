"""The portal's Spanish catalogue: complete (every string translated, nothing fuzzy), up to date
with the sources (`./dev messages` was run after the last text change), and compiled (the
committed .mo says what the .po says)."""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.helpers import unavailable

PORTAL = Path(__file__).resolve().parents[2] / "appealdesk" / "portal"
PO = PORTAL / "locale" / "es" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(lines: list[str]) -> str:
    """The text of a PO string: its quoted lines joined, C escapes resolved (UTF-8 as is)."""
    text = "".join(re.match(r'^\s*"(.*)"\s*$', line).group(1) for line in lines)  # type: ignore[union-attr]
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(1)), text)


def _fields(lines: list[str]) -> list[tuple[str, list[str]]]:
    """(keyword, quoted lines) pairs of one entry, continuation lines joined to their keyword."""
    fields: list[tuple[str, list[str]]] = []
    for line in lines:
        if line.startswith("#"):
            continue
        match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (.*)$", line)
        if match:
            fields.append((match.group(1), [match.group(2)]))
        elif fields:
            fields[-1][1].append(line)
    return fields


def entries(path: Path) -> list[dict[str, Any]]:
    """The .po file's entries: msgctxt, msgid, msgid_plural, msgstr (list), fuzzy."""
    found: list[dict[str, Any]] = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if line.strip()]
        if not any(line.startswith("msgid ") for line in lines):
            continue
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        entry: dict[str, Any] = {"fuzzy": fuzzy, "msgstr": []}
        for key, chunk in _fields(lines):
            if key.startswith("msgstr"):
                entry["msgstr"].append(_unquote(chunk))
            else:
                entry[key] = _unquote(chunk)
        found.append(entry)
    return found


def messages() -> list[dict[str, Any]]:
    return [e for e in entries(PO) if e.get("msgid")]  # the header has an empty msgid


def test_every_portal_string_has_a_spanish_translation():
    missing = [e["msgid"] for e in messages() if not all(e["msgstr"]) or e["fuzzy"]]  # type: ignore[arg-type]
    assert not missing, f"untranslated or fuzzy: {missing[:10]} (run ./dev messages, translate)"
    assert len(messages()) > 50


def test_placeholders_survive_translation():
    for entry in messages():
        wanted = sorted(re.findall(r"%\(\w+\)s|\{\w+\}", str(entry["msgid"])))
        for text in entry["msgstr"]:  # type: ignore[attr-defined]
            assert sorted(re.findall(r"%\(\w+\)s|\{\w+\}", text)) == wanted, entry["msgid"]


def test_the_compiled_catalogue_matches_the_source():
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in messages():
        msgid = str(entry["msgid"])
        if "msgctxt" in entry:
            got = compiled.pgettext(str(entry["msgctxt"]), msgid)
        elif "msgid_plural" in entry:
            got = compiled.ngettext(msgid, str(entry["msgid_plural"]), 1)
        else:
            got = compiled.gettext(msgid)
        assert got == entry["msgstr"][0], f"{msgid!r}: .mo is stale (run ./dev messages)"  # type: ignore[index]


def test_the_catalogue_has_every_string_of_the_sources(tmp_path):
    if not shutil.which("xgettext"):
        unavailable("xgettext is not installed (apt-get install gettext)")
    copy = tmp_path / "portal"
    shutil.copytree(PORTAL, copy, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "appealdesk.settings"}
    django_admin = Path(os.sys.executable).with_name("django-admin")
    subprocess.run(
        [str(django_admin), "makemessages", "-l", "es", "--no-obsolete", "--no-location"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    fresh = {(e.get("msgctxt"), e["msgid"]) for e in entries(copy / PO.relative_to(PORTAL))}
    ours = {(e.get("msgctxt"), e["msgid"]) for e in entries(PO)}
    new = sorted(str(m) for _, m in fresh - ours if m)
    assert not new, f"strings not in the catalogue (run ./dev messages): {new[:10]}"


@pytest.mark.django_db
def test_the_portal_speaks_spanish_when_asked(client):
    client.cookies["appealdesk_language"] = "es"
    page = client.get("/portal/login/", HTTP_HOST="127.0.0.1").content.decode()
    assert '<html lang="es">' in page and "Iniciar sesión" in page
    english = client.get("/portal/login/", HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
    assert "Iniciar sesión" in english.content.decode()  # the chosen language wins


def test_the_packs_labels_are_listed_for_the_catalogue():
    """pack_strings.py lists exactly the labels the packs have now (`./dev messages` after a
    pack changes), so every label a member reads can be translated."""
    from appealdesk.portal.pack_strings import PACK_STRINGS
    from appealdesk.portal.packtext import pack_texts

    assert sorted(PACK_STRINGS) == pack_texts()


@pytest.mark.django_db
def test_a_pack_label_reads_in_spanish_on_the_portal():
    from django.utils import translation

    from appealdesk.portal.common import program_named
    from appealdesk.portal.packtext import item_labels

    with translation.override("es"):
        labels = item_labels(program_named("ump"))
    assert labels["eob"] != "A copy of the Explanation of Benefits"
    assert "Explicación de Beneficios" in labels["eob"]
