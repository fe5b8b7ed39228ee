"""Issue 22.6: a worker renders one letter page at start (WeasyPrint, the letters' fonts, the
page template, the packs' programs, the views), so its first real letter is not the one that
loads them; a failure is logged, not raised, and the worker still serves."""

from __future__ import annotations

import logging
import sys

import pytest

from appealdesk.correspondence import render, warm


def test_the_warm_up_renders_a_letter_page_to_pdf(caplog):
    made: list[tuple[bytes, int]] = []
    real = render.pdf_of

    def kept(html: str) -> tuple[bytes, int]:
        assert "Warm-up" in html and "DejaVu Sans" in html  # the letters' page and style
        made.append(real(html))
        return made[-1]

    with caplog.at_level(logging.ERROR), pytest.MonkeyPatch.context() as patch:
        patch.setattr(render, "pdf_of", kept)
        assert warm.warm_letters() > 0
    assert not caplog.records
    pdf, pages = made[0]
    assert pdf.startswith(b"%PDF") and pages == 2  # the enclosure's page too
    assert "weasyprint" in sys.modules


def test_a_failed_warm_up_is_logged_not_raised(caplog, monkeypatch):
    def broken(html: str) -> tuple[bytes, int]:
        raise OSError("no fonts")

    monkeypatch.setattr(render, "pdf_of", broken)
    with caplog.at_level(logging.ERROR):
        warm.warm_letters()
    assert "warm-up render failed" in caplog.text
