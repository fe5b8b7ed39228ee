"""The intake panel shows what the request classifier read (issue 17, item 6): the proposed
category in plain sight with the words that point to it, or why it needs review, and which
clocks are provisional."""

from __future__ import annotations

import pytest

from appealdesk.cases.models import Case
from appealdesk.policy import default_registry
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


def _select(html: str, name: str) -> str:
    start = html.index(f'name="{name}"')
    return html[start : html.index("</select>", start)]


def test_the_proposal_is_in_the_fields_themselves_and_swapped_in_live(client, staff):
    client.force_login(staff["alice"])
    text = "You DENIED payment of my claim for the MRI on January 12. Please reconsider."
    panel = client.post(
        "/desk/intake/assess/?program=ump", form(category="", requested="", text=text)
    ).content.decode()
    # the live answer replaces the category and "asks for" fields out of band …
    assert 'id="category-field" hx-swap-oob="true"' in panel
    assert 'id="requested-field" hx-swap-oob="true"' in panel
    # … whose empty choice now names the proposal, kept selected: nothing is typed for the clerk
    category = _select(panel, "category")
    assert '<option value="" selected>Proposed: Claim payment' in category
    assert '<option value="" selected>Proposed: appeal' in _select(panel, "requested")
    assert "likely: <strong>claim payment</strong> (appeal)" in panel


def test_the_evidence_is_marked_in_the_callers_own_words(client, staff):
    client.force_login(staff["alice"])
    text = "You DENIED payment of my claim <b>for</b> the MRI. Please pay it."
    panel = client.post(
        "/desk/intake/assess/?program=ump", form(category="", requested="", text=text)
    ).content.decode()
    reading = panel[panel.index('id="text-reading"') :]
    assert "<mark>DENIED payment</mark>" in reading or "<mark>payment</mark>" in reading
    assert "<mark>claim</mark>" in reading
    assert "&lt;b&gt;for&lt;/b&gt;" in reading  # the caller's text is escaped, never markup


def test_a_chosen_category_keeps_its_choice_and_marks_nothing(client, staff):
    client.force_login(staff["alice"])
    panel = client.post(
        "/desk/intake/assess/?program=ump", form(text="you denied my claim")
    ).content.decode()
    assert '<option value="claim_payment" selected>' in _select(panel, "category")
    assert "Proposed from the text" not in panel
    assert "<mark>" not in panel[panel.index('id="text-reading"') :]


def test_the_full_page_shows_the_proposal_too(client, staff):
    """Without JavaScript ("Update the assessment"), the page itself carries the proposal."""
    client.force_login(staff["alice"])
    text = "Me negaron el pago de la resonancia magnética. Por favor reconsideren y paguen."
    page = client.post(
        "/desk/intake/?program=ump", form(category="", requested="", text=text, preview="1")
    ).content.decode()
    assert "Proposed: Claim payment" in _select(page, "category")
    assert "<mark>pago</mark>" in page or "<mark>paguen</mark>" in page


def test_confirm_refuses_a_kind_the_text_leaves_unclear(client, staff):
    client.force_login(staff["alice"])
    before = Case.objects.count()
    response = client.post(
        "/desk/intake/?program=ump",
        form(category="", requested="", text="Case UMP-2026-000123", confirm="1"),
    )
    assert response.status_code == 422
    assert "The kind is not clear from the text" in response.content.decode()
    assert Case.objects.count() == before


def test_confirm_takes_the_proposed_kind_and_records_what_was_asked(client, staff):
    client.force_login(staff["alice"])
    text = "you denied payment of my claim for the MRI on January 12. Please reconsider and pay it."
    response = client.post(
        "/desk/intake/?program=ump", form(category="", requested="", text=text, confirm="1")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.order_by("-pk").first()
    assert (case.kind, case.category, case.requested) == ("appeal", "claim_payment", "appeal")
    assert {"acknowledge", "decision"} <= set(case.clocks.values_list("clock_id", flat=True))


def test_intake_opens_on_the_program_taken_in_last(client, staff):
    client.force_login(staff["alice"])
    client.get("/desk/intake/?program=genex-ur")
    page = client.get("/desk/intake/").content.decode()
    assert '<input type="hidden" name="program" value="genex-ur">' in page
    client.get("/desk/intake/?program=ump")
    assert 'name="program" value="ump">' in client.get("/desk/intake/").content.decode()
    response = client.get("/desk/intake/?program=nonsense")  # the first program, not an error
    first = default_registry().programs()[0]
    assert response.status_code == 200
    assert f'name="program" value="{first}">' in response.content.decode()


def test_the_callers_words_show_on_the_case_page(client, staff):
    client.force_login(staff["alice"])
    text = "you denied payment of my claim for the MRI. <script>x</script> Please pay it."
    client.post(
        "/desk/intake/?program=ump", form(category="", requested="", text=text, confirm="1")
    )
    case = Case.objects.order_by("-pk").first()
    page = client.get(f"/desk/cases/{case.number}/").content.decode()
    assert "In their words" in page
    assert "&lt;script&gt;x&lt;/script&gt; Please pay it." in page
