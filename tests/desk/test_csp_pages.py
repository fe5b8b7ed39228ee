"""Issue 15 item 5: the pages keep to their Content-Security-Policy. No product template has an
inline script, an inline event handler or inline styles (the policy would refuse them and the
page would break quietly). The letter preview is tested in tests/correspondence."""

from __future__ import annotations

import re
from pathlib import Path

import appealdesk

ROOT = Path(appealdesk.__file__).parent
# what the CSP refuses in a page: a <script> without src (JSON data blocks are not run), an
# on…= handler, a style attribute, a <style> block
INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I),
    "event handler": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),
    "style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I),
    "style block": re.compile(r"<style[\s>]", re.I),
}
# letters and packet pages are documents for WeasyPrint (one self-contained file each), shown in
# the browser only inside a sandboxed preview frame: their <style> is allowed by its hash there
LETTER_DIRS = ("correspondence/templates", "correspondence/letters")


def page_templates() -> list[Path]:
    found = [
        p
        for p in ROOT.rglob("*.html")
        if "templates" in p.parts and not any(d in p.as_posix() for d in LETTER_DIRS)
    ]
    assert len(found) > 40
    return found


def test_no_page_template_has_inline_script_or_style():
    wrong = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in page_templates()
        for what, pattern in INLINE.items()
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert not wrong, wrong


def test_the_shipped_letters_have_no_style_attributes():
    wrong = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "correspondence" / "letters").rglob("*.html")
        if INLINE["style attribute"].search(p.read_text(encoding="utf-8"))
    ]
    assert not wrong, wrong


def test_htmx_does_not_inject_its_indicator_style():
    base = (ROOT / "desk" / "templates" / "desk" / "base.html").read_text(encoding="utf-8")
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false}\'>' in base
    assert base.index("htmx-config") < base.index("{% htmx_script %}")
