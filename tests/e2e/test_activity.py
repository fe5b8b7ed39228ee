"""Issue 18, items 2 and 3, as the team lives them in Chromium: an assignment told and read, a
member's portal answer telling the analyst, a note with a mention, a case returned to the
analyst. The new pages pass axe-core and are screenshotted into var/screenshots/."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.e2e.helpers import assert_accessible, open_action, screenshot


def notifications(page: Any, desk: Any) -> str:
    page.goto(desk.url("/desk/notifications/"))
    page.get_by_role("heading", name="Notifications", exact=True).wait_for()
    return page.inner_text("main")


def test_an_assignment_is_told_and_read(page_as, desk):
    number = desk.cases["assign"]
    bob = page_as("bob")
    bob.goto(desk.case_url(number))
    panel = open_action(bob, "assign")
    reviewer = panel.get_by_label("Reviewer")
    reviewer.select_option(reviewer.locator("option", has_text="Carol").get_attribute("value"))
    panel.get_by_role("button", name="Assign").click()
    expect(bob.locator(".messages, [role=status], .alert").first).to_contain_text(
        "Assignment saved"
    )

    carol = page_as("carol")
    carol.goto(desk.url("/desk/?tab=review"))
    row = carol.locator("tr", has=carol.get_by_role("link", name=number))
    expect(row.locator(".badge.unread")).to_be_visible()
    expect(carol.locator("#notifications-link .badge")).to_be_visible()
    screenshot(carol, "desk-worklist-unread")
    text = notifications(carol, desk)
    assert f"bob assigned you case {number} to review." in text
    expect(carol.locator("tr.unread", has_text=number).first).to_be_visible()
    assert_accessible(carol, "the notifications page")
    screenshot(carol, "desk-notifications")
    # read: the header's count is gone, and so is the worklist's marker
    carol.reload()
    expect(carol.locator("#notifications-link .badge")).to_have_count(0)
    carol.goto(desk.url("/desk/?tab=review"))
    row = carol.locator("tr", has=carol.get_by_role("link", name=number))
    expect(row.locator(".badge.unread")).to_have_count(0)


def test_a_portal_answer_tells_the_analyst(portal_as, page_as, desk):
    number = desk.portal["answer_case"]
    maria = portal_as(desk.portal["member"])
    maria.goto(desk.url(f"/portal/cases/{number}/"))
    maria.get_by_role("heading", name="We need information from you").first.wait_for()
    maria.get_by_label("Your message").fill("The EOB is attached.")
    maria.locator("input[name=info-eob]").set_input_files(
        files=[
            {
                "name": "eob.pdf",
                "mimeType": "application/pdf",
                "buffer": b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n",
            }
        ]
    )
    maria.get_by_role("button", name="Send").click()
    expect(maria.locator("main")).to_contain_text("Thank you: we received what you sent.")

    bob = page_as("bob")
    text = notifications(bob, desk)
    assert f"The member answered on the portal on case {number}" in text
    assert "The EOB is attached." in text


def test_a_note_with_a_mention(page_as, portal_as, desk):
    number = desk.cases["note"]
    bob = page_as("bob")
    bob.goto(desk.case_url(number))
    bob.get_by_role("heading", name="Internal notes").wait_for()
    bob.locator("#id_note-text").fill("@carol the member called: the EOB comes Monday. @grace FYI")
    bob.get_by_role("button", name="Add the note").click()
    expect(bob.locator("main")).to_contain_text("Note added. Told: carol.")
    notes = bob.locator("#notes")
    expect(notes).to_contain_text("the EOB comes Monday")
    assert_accessible(bob, "the case page with its notes")
    screenshot(bob, "desk-case-notes")

    carol = page_as("carol")
    text = notifications(carol, desk)
    assert re.search(rf"bob mentioned you in a note on case {number}: “@carol the member", text)
    carol.get_by_role("link", name=number).first.click()
    expect(carol.locator("#notes")).to_contain_text("the EOB comes Monday")


def test_return_to_the_analyst(page_as, desk):
    number = desk.cases["return"]
    carol = page_as("carol")
    carol.goto(desk.case_url(number))
    panel = open_action(carol, "return_to_analyst")
    panel.get_by_label("What the analyst must do").fill("The EOB for the March visit is missing.")
    panel.get_by_role("button", name="Return the case").click()
    # she is off the case: it leaves her list and her view (a reviewer sees only her cases)
    expect(carol.locator("body")).to_contain_text(f"Case {number} returned to bob.")
    carol.goto(desk.url("/desk/?tab=review"))
    expect(carol.get_by_role("link", name=number)).to_have_count(0)

    bob = page_as("bob")
    text = notifications(bob, desk)
    assert f"carol returned case {number} to you: “The EOB for the March visit is missing.”" in text
    bob.goto(desk.case_url(number))
    expect(bob.locator("#notes")).to_contain_text("Returned to the analyst")
    expect(bob.locator("#notes")).to_contain_text("The EOB for the March visit is missing.")
    screenshot(bob, "desk-case-returned")
