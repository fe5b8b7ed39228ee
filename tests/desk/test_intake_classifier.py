"""The intake panel shows what the request classifier read (issue 17, item 6): the proposed
category in plain sight with the words that point to it, or why it needs review, and which
clocks are provisional."""

from __future__ import annotations

import pytest

from tests.desk.test_intake import form

pytestmark = pytest.mark.django_db


def test_the_panel_shows_the_proposed_category_and_its_words(client, staff):
    client.force_login(staff["alice"])
    text = "you denied payment of my claim for the MRI on January 12. Please pay it."
    panel = client.post(
        "/desk/intake/assess/?program=ump", form(category="", text=text)
    ).content.decode()
    assert 'id="assess-category"' in panel
    assert "Proposed category:</strong> claim payment" in panel
    assert "<mark>claim</mark>" in panel or "<mark>payment</mark>" in panel
    assert "Runner-up:" in panel
    assert "provisional" not in panel


def test_the_panel_says_why_a_text_needs_review(client, staff):
    client.force_login(staff["alice"])
    panel = client.post(
        "/desk/intake/assess/?program=ump", form(category="", text="Case UMP-2026-000123")
    ).content.decode()
    assert "Category needs review:</strong> too little text to read" in panel
    assert "Proposed category" not in panel


def test_a_given_category_shows_no_proposal(client, staff):
    client.force_login(staff["alice"])
    panel = client.post("/desk/intake/assess/?program=ump", form(text="rude")).content.decode()
    assert 'id="assess-category"' not in panel
