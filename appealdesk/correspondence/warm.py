"""Letters ready before the first one is asked for (issue 22.6).

A new process paid for WeasyPrint's imports, Pango and fontconfig finding the letters' fonts
(DejaVu Sans, its bold and italic), the letter page template and the first layout, the packs'
programs (a letter's facts are assessed), the views behind the URLs: the first
decision letter on a fresh worker took 6.3 s where the next took 1-2 s. Each gunicorn worker
(appealdesk/wsgi.py; `serve` replaces them after a number of requests) and the task worker
render one tiny letter page at start, before they take work, so the first letter costs what the
others do.
"""

from __future__ import annotations

import logging
import time

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

log = logging.getLogger(__name__)

# what a letter's page lays out: its faces (regular, bold, italic), the letterhead's flex rows,
# the reference's grid, the running case number, a table, a box, a second page
SAMPLE = (
    '<div class="meta"><address class="to"><p>Warm Up</p><p>1 Main St</p></address>'
    '<div class="ref"><dl><dt>Case</dt><dd class="caseno">UMP-0000</dd></dl></div></div>'
    '<div class="contact"><div class="col"><p>a</p></div><div class="wide"><p>b</p></div></div>'
    "<h1>Warm-up</h1><h2>Why</h2><p><b>bold</b> <i>italic</i> <b><i>both</i></b></p>"
    "<ul><li>one</li></ul><table><tr><th>a</th><td>b</td></tr></table>"
    '<div class="box"><p class="deadline">Box</p></div>'
    '<div class="enclosure"><p>Enclosure</p></div>'
)


def warm_letters() -> float:
    """Render a one-page letter to PDF (nothing stored); the seconds it took. A failure is
    logged, never raised: a worker that cannot warm up still serves (and letters say why)."""
    start = time.perf_counter()
    try:
        from django.urls import get_resolver

        from appealdesk.correspondence.render import pdf_of
        from appealdesk.policy import default_registry
        from appealdesk.policy.assess import program_for

        get_resolver().url_patterns  # noqa: B018 (the views imported, as a first request would)
        registry = default_registry()
        for name in registry.programs():  # the packs a letter's facts are assessed under
            for loaded in registry.versions(name):
                program_for(loaded)

        page = render_to_string(
            "correspondence/letter.html",
            {"subject": "warm-up", "language": "en", "body": mark_safe(SAMPLE)},
        )
        pdf_of(page)
    except Exception:
        log.exception("letters: the warm-up render failed; the first letter will be slower")
    return time.perf_counter() - start
