"""Extension consent across the two sides (UMP appeals past 30 days need the member's written
permission): the analyst asks on the desk, the member agrees on the portal with her
e-signature, and the desk shows the clock extended with the signed consent on file."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from tests.e2e.helpers import assert_accessible, open_action, screenshot
from tests.e2e.portal import PHONE

PT = ZoneInfo("America/Los_Angeles")


def test_consent_asked_on_the_desk_and_given_on_the_portal(page_as, portal_as, desk):
    number = desk.portal["consent_case"]
    new_day = dt.datetime.now(PT).date() + dt.timedelta(days=45)
    staff = page_as("bob")
    staff.goto(desk.case_url(number))
    panel = open_action(staff, "ask_consent")
    panel.locator("select").first.select_option(index=0)
    panel.locator("input[type=date]").fill(new_day.isoformat())
    panel.locator("textarea").fill("We are waiting for your doctor's records.")
    panel.get_by_role("button", name="Ask").click()
    staff.get_by_text("Consent asked for on the portal").wait_for()

    member = portal_as(desk.portal["member"], viewport=PHONE)
    member.goto(desk.url(f"/portal/cases/{number}/"))
    member.get_by_role("heading", name="May we take more time?").wait_for()
    assert "We are waiting for your doctor's records." in member.inner_text("main")
    assert_accessible(member, "consent question")
    screenshot(member, "portal-consent-question-phone")
    form = member.locator("form.signature")
    form.get_by_label("Yes, I agree to the new date").check()
    form.locator("input[name$=typed_name]").fill(desk.portal["member_name"])
    form.locator("input[name$=agree]").check()
    form.locator("button[type=submit]").click()
    member.wait_for_url(f"**/portal/cases/{number}/")
    day = f"{new_day:%B} {new_day.day}, {new_day.year}"
    member.get_by_text(f"We will decide by {day}").first.wait_for()
    screenshot(member, "portal-consent-given-phone")

    (state, due) = desk.query(
        "SELECT k.state, k.due_date FROM cases_clock k JOIN cases_case c ON c.id = k.case_id "
        "WHERE c.number = ? AND k.clock_id = 'decision'",
        number,
    )[0]
    assert (state, due) == ("extended", new_day.isoformat())
    consent = desk.query(
        "SELECT d.kind FROM cases_extension e JOIN cases_document d "
        "ON d.id = e.consent_document_id JOIN cases_clock k ON k.id = e.clock_id "
        "JOIN cases_case c ON c.id = k.case_id WHERE c.number = ?",
        number,
    )
    assert consent == [("written_consent",)]
    staff.goto(desk.case_url(number))
    assert "given" in staff.inner_text("main").lower()
