"""Staff desk, end to end in a browser: intake with the live assessment, the case page's
actions, and the refusals a person must understand (consent, conflict of interest, stale
edits). Each test is one story of the issue."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.e2e.helpers import focus_ring, open_action, tab_to

PACIFIC = ZoneInfo("America/Los_Angeles")
CASE_URL = re.compile(r"/desk/cases/(UMP-\d{4}-\d{7})/$")
PDF = b"%PDF-1.4\n% signed consent of the member to extend the decision\n%%EOF\n"


def _today() -> dt.date:
    return dt.datetime.now(PACIFIC).date()


def _number(page) -> str:
    match = CASE_URL.search(page.url)
    assert match, page.url
    return match.group(1)


def _clock_row(page, clock_id: str):
    """The row of one clock in the case page's table (by its id, under the label)."""
    ident = page.locator("td:first-child .small", has_text=re.compile(rf"^{clock_id} ·"))
    return page.locator("section[aria-labelledby=clocks-h] tbody tr").filter(has=ident)


def _take_in(page, desk, *, name: str, subscriber_id: str, **choices: str) -> None:
    """Fill the UMP intake form (the caller confirms it)."""
    page.goto(desk.url("/desk/intake/?program=ump"))
    page.fill("#id_member_name", name)
    page.fill("#id_subscriber_id", subscriber_id)
    for field, value in choices.items():
        if field == "notice_date":
            page.fill("#id_notice_date", value)
        elif field == "expedited":
            page.check("#id_expedited")
        else:
            page.select_option(f"#id_{field}", value)


def test_phone_appeal_from_intake_to_written_decision_notice(page_as, desk):
    """(1) A phone appeal taken in at intake, acknowledged, assigned, decided (upheld) and its
    written decision notice recorded: the case is `notified` and the timeline tells it all."""
    page = page_as("alice")
    notice = (_today() - dt.timedelta(days=20)).isoformat()
    _take_in(
        page,
        desk,
        name="Quinn Quillfeather",
        subscriber_id="W7100001",
        channel="phone",
        requested="appeal",
        category="claim_payment",
        service="medical",
        notice_date=notice,
    )
    # the live panel (htmx) follows the form: an appeal, in time, with its three clocks
    expect(page.locator("#assess-verdict")).to_have_text(re.compile(r"^\s*Appeal, level 1\s*$"))
    clocks = page.locator("#assess-clocks")
    for clock in ("acknowledge", "decision_target", "decision,"):
        expect(clocks).to_contain_text(clock)
    expect(clocks).to_contain_text("72 hours")
    expect(page.locator("#assess-filing")).to_contain_text("In time")
    page.get_by_role("button", name="Confirm and take in").click()

    page.wait_for_url(CASE_URL)
    number = _number(page)
    expect(page.locator(".messages")).to_contain_text(f"{number} taken in: appeal.")
    expect(page.locator("h1")).to_contain_text("appeal level 1")
    expect(page.locator("h1 .badge").last).to_have_text("received")
    expect(page.locator("main")).to_contain_text("Quinn Quillfeather · W7100001")
    expect(page.locator("main")).to_contain_text("by phone")

    # intake records the acknowledgement
    panel = open_action(page, "record_notice")
    panel.locator("#id_record_notice-notice").select_option("acknowledgement")
    panel.locator("#id_record_notice-medium").select_option("written")
    panel.get_by_role("button", name="Record the notice").click()
    expect(page.locator(".messages")).to_contain_text("Written acknowledgement notice recorded.")
    expect(_clock_row(page, "acknowledge")).to_contain_text("met")

    # the supervisor assigns a reviewer, decides and sends the written decision
    page = page_as("sam")
    page.goto(desk.case_url(number))
    panel = open_action(page, "assign")
    panel.locator("#id_assign-owner").select_option(label="Bob Analyst")
    panel.locator("#id_assign-reviewer").select_option(label="Dave Reviewer")
    panel.locator("#id_assign-reason").fill("claims appeals go to Dave this week")
    panel.get_by_role("button", name="Assign").click()
    expect(page.locator(".messages")).to_contain_text("Assignment saved.")
    expect(page.locator("h1 .badge").last).to_have_text("in review")

    panel = open_action(page, "decide")
    panel.get_by_label("upheld", exact=True).check()
    panel.locator("#id_decide-action_taken").select_option("deny")
    panel.locator("#id_decide-reason").fill("The plan pays this code at the network rate.")
    # taken in without every required record: the form asks to confirm (issue 18 item 4)
    panel.locator("#id_decide-decide_missing").check()
    panel.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".messages")).to_contain_text("Decision recorded: upheld.")
    expect(page.locator("h1 .badge").last).to_have_text("decided")

    panel = open_action(page, "record_notice")
    expect(panel.locator("#id_record_notice-notice")).to_have_value("decision")
    panel.locator("#id_record_notice-medium").select_option("written")
    panel.get_by_role("button", name="Record the notice").click()
    expect(page.locator(".messages")).to_contain_text("Written decision notice recorded.")
    expect(page.locator("h1 .badge").last).to_have_text("notified")
    expect(page.locator("main dl.kv").first).to_contain_text("outcome upheld")
    expect(page.locator("main dl.kv").first).to_contain_text("decided by dave")
    expect(_clock_row(page, "decision")).to_contain_text("met")

    timeline = page.locator("ol.timeline > li strong")
    expect(timeline).to_have_text(
        [
            "Request taken in",
            "Acknowledgement recorded",
            "Assigned",
            "Decided",
            "Decision notice recorded",
        ]
    )
    expect(page.locator("ol.timeline")).to_contain_text("claims appeals go to Dave this week")
    expect(page.locator("ol.timeline")).to_contain_text(
        "The plan pays this code at the network rate."
    )


def test_expedited_appeal_shows_its_72_hour_clocks(page_as, desk):
    """(2) An expedited appeal faxed by the provider: decision and verbal notice due 72 hours
    after receipt; the written notice waits for the decision."""
    page = page_as("alice")
    _take_in(
        page,
        desk,
        name="Rosa Rapid",
        subscriber_id="W7100002",
        filed_by="provider",
        channel="fax",
        requested="appeal",
        category="coverage_denial",
        service="medical",
        notice_date=(_today() - dt.timedelta(days=2)).isoformat(),
        expedited="on",
    )
    expect(page.locator("#assess-verdict")).to_contain_text("Expedited appeal — expedited")
    expect(page.locator("#assess-clocks")).to_contain_text("written_notice")
    page.get_by_role("button", name="Confirm and take in").click()
    page.wait_for_url(CASE_URL)

    expect(page.locator("h1")).to_contain_text("expedited appeal")
    expect(page.locator("h1 .badge.exp")).to_have_text("expedited")
    received = page.locator("dl.kv dd").nth(1).inner_text()
    assert "by fax" in received, received
    rows = page.locator("section[aria-labelledby=clocks-h] tbody tr")
    expect(rows).to_have_count(3)
    for clock in ("decision", "verbal_notice"):
        row = _clock_row(page, clock)
        expect(row).to_contain_text(f"{clock} · 72 hours from received")
        expect(row).to_contain_text("running")
        expect(row.locator(".rag")).to_contain_text(re.compile(r"(2 days 2\d|3 days|71|72) hours?"))
    written = _clock_row(page, "written_notice")
    expect(written).to_contain_text("written_notice · 72 hours from decided")
    expect(written).to_contain_text("starts when decided")
    expect(written).to_contain_text("pending")


def test_extension_needs_the_members_written_consent(page_as, desk):
    """(3) Extending a UMP appeal's `decision` clock without the member's written permission is
    refused in words; with the signed consent attached it is accepted and the new due shows."""
    number = desk.cases["extend"]
    page = page_as("bob")
    page.goto(desk.case_url(number))
    before = _clock_row(page, "decision").locator("td").nth(1).inner_text()

    new_due = dt.datetime.combine(_today() + dt.timedelta(days=45), dt.time(17, 0))
    panel = open_action(page, "extend")
    clock = panel.locator("#id_extend-clock option", has_text="(decision)")
    panel.locator("#id_extend-clock").select_option(clock.get_attribute("value"))
    panel.locator("#id_extend-new_due_at").fill(new_due.strftime("%Y-%m-%dT%H:%M"))
    panel.locator("#id_extend-reason").fill("waiting for the surgeon's records")
    with page.expect_response(lambda r: r.url.endswith("/extend/")) as refused:
        panel.get_by_role("button", name="Extend").click()
    assert refused.value.status == 422
    panel = page.locator("#action-extend")
    expect(panel).to_have_attribute("open", "")
    error = panel.locator(".errorlist")
    expect(error).to_contain_text("written permission of")
    expect(error).to_contain_text("attach the signed consent")
    # what was typed is still there; the clock did not move
    expect(panel.locator("#id_extend-reason")).to_have_value("waiting for the surgeon's records")
    assert _clock_row(page, "decision").locator("td").nth(1).inner_text() == before

    panel.locator("#id_extend-consent_document").set_input_files(
        {"name": "consent.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    panel.get_by_role("button", name="Extend").click()
    shown = new_due.replace(tzinfo=PACIFIC)
    words = f"{shown:%b} {shown.day}, {shown.year} 5:00 PM {shown:%Z}"
    expect(page.locator(".messages")).to_contain_text(f"extended to {words}.")
    row = _clock_row(page, "decision")
    expect(row).to_contain_text(f"{shown:%a %b} {shown.day}, {shown.year} 5:00 PM {shown:%Z}")
    expect(row).to_contain_text("extended")
    expect(row).to_contain_text("was ")
    expect(page.locator("section[aria-labelledby=clocks-h]")).to_contain_text("consent on file")
    expect(page.locator("section[aria-labelledby=docs-h]")).to_contain_text("consent.pdf")
    expect(page.locator("ol.timeline")).to_contain_text("Clock extended")


def test_reviewer_who_decided_level_one_is_refused_for_level_two(page_as, desk):
    """(4) Carol decided level 1 of the matter: she may not review level 2 (SPEC 5.4)."""
    page = page_as("bob")
    page.goto(desk.case_url(desk.cases["level2"]))
    expect(page.locator("h1")).to_contain_text("appeal level 2")
    expect(page.locator("section[aria-labelledby=linked-h]")).to_contain_text(desk.cases["level1"])
    panel = open_action(page, "assign")
    panel.locator("#id_assign-reviewer").select_option(label="Carol Reviewer")
    with page.expect_response(lambda r: r.url.endswith("/assign/")) as refused:
        panel.get_by_role("button", name="Assign").click()
    assert refused.value.status == 422
    error = page.locator("#action-assign .errorlist")
    expect(error).to_contain_text(
        f"carol decided appeal level 1 of this matter (case {desk.cases['level1']})"
    )
    expect(error).to_contain_text("a later level needs a reviewer who took no part in it")
    expect(page.locator("h1 .badge").last).to_have_text("received")
    expect(page.locator("dl.kv").first).to_contain_text("reviewer —")

    # another reviewer is fine
    panel = page.locator("#action-assign")
    panel.locator("#id_assign-reviewer").select_option(label="Dave Reviewer")
    panel.get_by_role("button", name="Assign").click()
    expect(page.locator(".messages")).to_contain_text("Assignment saved.")
    expect(page.locator("dl.kv").first).to_contain_text("reviewer dave")


def test_stale_edit_keeps_what_was_typed(new_context, desk):
    """Two people on one case: the second to submit is told who changed it, with a 409, and
    keeps what they typed; sent again, it goes through."""
    url = desk.case_url(desk.cases["stale"])
    bob = new_context("bob").new_page()
    sam = new_context("sam").new_page()
    bob.goto(url)
    sam.goto(url)

    panel = open_action(sam, "assign")
    panel.locator("#id_assign-owner").select_option(label="Dave Reviewer")
    panel.get_by_role("button", name="Assign").click()
    expect(sam.locator(".messages")).to_contain_text("Assignment saved.")

    panel = open_action(bob, "record_notice")
    panel.locator("#id_record_notice-notice").select_option("acknowledgement")
    panel.locator("#id_record_notice-note").fill("Told the member by letter, copy in the file")
    with bob.expect_response(lambda r: r.url.endswith("/record_notice/")) as stale:
        panel.get_by_role("button", name="Record the notice").click()
    assert stale.value.status == 409
    panel = bob.locator("#action-record_notice")
    expect(panel).to_have_attribute("open", "")
    expect(panel.locator(".errorlist")).to_contain_text(
        f"Case {desk.cases['stale']} was changed by sam at "
    )
    expect(panel.locator(".errorlist")).to_contain_text("Your entries are kept below.")
    expect(panel.locator("#id_record_notice-note")).to_have_value(
        "Told the member by letter, copy in the file"
    )
    # the page now shows the other change, and the retry is based on it
    expect(bob.locator("dl.kv").first).to_contain_text("owner dave")
    panel.get_by_role("button", name="Record the notice").click()
    expect(bob.locator(".messages")).to_contain_text("Written acknowledgement notice recorded.")


def test_keyboard_only_intake_and_case_action(page_as, desk):
    """Take a request in and record its acknowledgement with the keyboard alone: Tab to move,
    typing and typeahead in fields and lists, Space for boxes and disclosures, Enter to send."""
    page = page_as("alice")
    page.goto(desk.url("/desk/intake/?program=ump"))
    keys = page.keyboard

    # the skip link comes first and takes the focus to the content
    keys.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    assert focus_ring(page).startswith("solid"), focus_ring(page)

    tab_to(page, "#id_member_name")
    assert focus_ring(page).startswith("solid"), focus_ring(page)
    keys.type("Kim Keyboard")
    keys.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_subscriber_id"
    keys.type("W7100003")
    tab_to(page, "#id_channel")
    keys.type("mail")
    tab_to(page, "#id_requested")
    keys.type("appeal")
    tab_to(page, "#id_category")
    keys.type("Claim payment")
    tab_to(page, "#id_service")
    keys.type("Medical")
    tab_to(page, "#id_notice_date")
    notice = _today() - dt.timedelta(days=30)
    keys.type(notice.strftime("%m%d%Y"))
    tab_to(page, "input[name=provided][value=statement]")
    keys.press("Space")
    values = page.evaluate(
        """() => ['channel', 'requested', 'category', 'service', 'notice_date']
                 .map(n => document.getElementById('id_' + n).value)"""
    )
    assert values == ["mail", "appeal", "claim_payment", "medical", notice.isoformat()], values
    assert page.is_checked("input[name=provided][value=statement]")
    expect(page.locator("#assess-verdict")).to_contain_text("Appeal, level 1")

    tab_to(page, "button[name=confirm]")
    keys.press("Enter")
    page.wait_for_url(CASE_URL)
    expect(page.locator(".messages")).to_contain_text("taken in: appeal.")
    expect(page.locator("main")).to_contain_text("Kim Keyboard · W7100003")

    tab_to(page, "#action-record_notice > summary")
    keys.press("Space")
    expect(page.locator("#action-record_notice")).to_have_attribute("open", "")
    tab_to(page, "#id_record_notice-note")
    keys.type("sent with the standard letter")
    tab_to(page, "#action-record_notice button[type=submit]")
    keys.press("Enter")
    expect(page.locator(".messages")).to_contain_text("Written acknowledgement notice recorded.")
    expect(_clock_row(page, "acknowledge")).to_contain_text("met")
    expect(page.locator("ol.timeline")).to_contain_text("sent with the standard letter")
