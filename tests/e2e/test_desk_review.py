"""The reviewer's workspace, the decision sent in one action, the letters queue and the
provider named at intake, in Chromium (issue 18, items 4, 5 and 7):

* the decision sent in one action: progress while the task worker makes the PDF, the letter
  e-mailed to the member (the tests' SMTP server receives it), the case `notified`;
* a member's address the mail server refuses: the progress says so in words, the letter is in
  the supervisors' letters queue, recorded there as printed and mailed;
* the reviewer's workspace: the caller's words, the missing-records warning and the decide form
  asking to confirm, a PDF uploaded and shown on the page as pages drawn by the server;
* a rationale template written by an administrator, picked in the decide form (htmx fills it);
* a provider named at intake by NPI: the request shows on the provider's portal.

axe-core on every new page; screenshots in var/screenshots/."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from tests.e2e.helpers import assert_accessible, open_action, screenshot
from tests.e2e.test_case_flows import CASE_URL, _number, _take_in, _today
from tests.mailroom.pages import pdf_of

SENT_WITHIN_MS = 90_000  # a cold worker's first PDF, on a loaded 2-core machine


def _taken_in(page_as, desk, *, name: str, subscriber_id: str, **fields: str) -> str:
    page = page_as("alice")
    _take_in(
        page,
        desk,
        name=name,
        subscriber_id=subscriber_id,
        channel="phone",
        requested="appeal",
        category="claim_payment",
        service="medical",
        notice_date=(_today() - dt.timedelta(days=20)).isoformat(),
    )
    for field, value in fields.items():
        if field == "member_email_consent":
            page.check("#id_member_email_consent")
        else:
            page.fill(f"#id_{field}", value)
    page.get_by_role("button", name="Confirm and take in").click()
    page.wait_for_url(CASE_URL)
    return _number(page)


def _assigned(page, desk, number: str) -> None:
    page.goto(desk.case_url(number))
    panel = open_action(page, "assign")
    panel.locator("#id_assign-owner").select_option(label="Bob Analyst")
    panel.locator("#id_assign-reviewer").select_option(label="Dave Reviewer")
    panel.locator("#id_assign-reason").fill("claims appeals go to Dave this week")
    panel.get_by_role("button", name="Assign").click()
    expect(page.locator(".messages")).to_contain_text("Assignment saved.")


def _decided(page, reason: str = "The plan pays this code at the network rate.") -> None:
    panel = open_action(page, "decide")
    panel.get_by_label("upheld", exact=True).check()
    panel.locator("#id_decide-action_taken").select_option("deny")
    panel.locator("#id_decide-reason").fill(reason)
    panel.locator("#id_decide-decide_missing").check()
    panel.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".messages")).to_contain_text("Decision recorded: upheld.")


def _decision_sent(page_as, desk, *, name: str, subscriber_id: str, email: str):
    """A member who agreed to e-mail: taken in, assigned, decided, and "Send the decision"
    pressed by sam. The page (progress shown) and the case number."""
    number = _taken_in(
        page_as,
        desk,
        name=name,
        subscriber_id=subscriber_id,
        member_email=email,
        member_email_consent="on",
    )
    page = page_as("sam")
    _assigned(page, desk, number)
    _decided(page)
    section = page.locator("#send-decision")
    section.get_by_role("button", name="Send the decision").click()
    # the progress partial replaces itself every second until the letter went out or failed
    expect(page.locator("#send-progress ol.steps")).to_be_visible()
    return page, number


def test_the_decision_sent_in_one_action(page_as, desk):
    page, number = _decision_sent(
        page_as,
        desk,
        name="Omar Onestep",
        subscriber_id="W7300001",
        email="omar.onestep@example.org",
    )
    expect(page.locator("#send-words")).to_contain_text(
        "E-mailed to omar.onestep@example.org; the written notice is recorded.",
        timeout=SENT_WITHIN_MS,
    )
    expect(page.locator("#send-progress li.done")).to_have_count(4)
    sent = [m for m in desk.mailbox.messages if "omar.onestep@example.org" in m[1]]
    assert len(sent) == 1 and number in sent[0][2]["Subject"]
    page.goto(desk.case_url(number))
    expect(page.locator("h1 .badge").last).to_have_text("notified")
    expect(page.locator("section#letters tbody tr").first).to_contain_text("e-mailed")
    page.goto(desk.case_url(number) + "#letters")
    assert_accessible(page, "the case page after the decision was sent")
    screenshot(page, "case-decision-sent")


def test_a_refused_email_lands_in_the_letters_queue(page_as, desk):
    desk.mailbox.refuse.add("bounce.refused@example.org")
    page, number = _decision_sent(
        page_as,
        desk,
        name="Rhea Refused",
        subscriber_id="W7300002",
        email="bounce.refused@example.org",
    )
    expect(page.locator("#send-words")).to_contain_text(
        "could not be sent: the mail server refused the address", timeout=SENT_WITHIN_MS
    )
    expect(page.locator("#send-words")).to_contain_text("failed-letters queue")
    screenshot(page, "case-decision-send-failed")

    page.get_by_role("link", name="Letters queue").click()
    row = page.locator("#failed tbody tr", has_text=number)
    expect(row).to_contain_text("The mail server refused the address.")
    assert_accessible(page, "the letters queue")
    screenshot(page, "letters-queue")
    row.locator("summary", has_text="Record as printed and mailed").click()
    row.get_by_role("button", name="Record as mailed").click()
    expect(page.locator(".messages")).to_contain_text(f"{number}: recorded as printed and mailed.")
    expect(page.locator("#failed")).not_to_contain_text(number)
    page.goto(desk.case_url(number))
    expect(page.locator("h1 .badge").last).to_have_text("notified")


def test_the_reviewers_workspace(page_as, desk, tmp_path):
    words = "They billed me twice for the same MRI on March 3rd and nobody calls back."
    number = _taken_in(page_as, desk, name="Wren Workspace", subscriber_id="W7300003", text=words)

    admin = page_as("sam")
    admin.goto(desk.url("/desk/admin/rationales/ump/"))
    admin.select_option("#id_outcome", "upheld")
    admin.fill("#id_name", "paid at the network rate")
    admin.fill(
        "#id_text",
        "{{ member }}, we reviewed the {{ service }} claim of case {{ case_number }}: the plan "
        "pays it at the network rate.",
    )
    admin.fill("#id_note", "the first version")
    admin.get_by_role("button", name="Save as a new version").click()
    expect(admin.locator(".messages")).to_contain_text(
        "“paid at the network rate” version 1 saved."
    )
    assert_accessible(admin, "the rationale templates")
    screenshot(admin, "admin-rationale-templates")
    _assigned(admin, desk, number)

    page = page_as("dave")
    page.goto(desk.case_url(number))
    workspace = page.locator("#workspace")
    expect(workspace.locator("#missing-warning")).to_contain_text("Required records are missing")
    expect(workspace.locator("blockquote.caller-text")).to_have_text(words)
    # a PDF uploaded by the reviewer, shown on the page as pages the server drew
    eob = tmp_path / "eob-march.pdf"
    eob.write_bytes(pdf_of([["Explanation of benefits", "MRI, March 3"], ["page two"]]))
    page.select_option("#up-kind", "eob")
    page.set_input_files("#up-file", str(eob))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".messages")).to_contain_text("eob-march.pdf stored")
    page.locator("#workspace").get_by_role("link", name="eob-march.pdf").click()
    viewer = page.frame_locator("#document-view iframe")
    expect(viewer.locator("img").first).to_have_attribute("alt", "page 1 of eob-march.pdf")
    expect(viewer.locator("img")).to_have_count(2)
    shown = page.evaluate(
        "() => new Promise(done => { const f = document.querySelector('#document-view iframe');"
        " const i = f.contentDocument.querySelector('img');"
        " if (i.complete) done(i.naturalWidth); else i.onload = () => done(i.naturalWidth); })"
    )
    assert shown > 100, "the first page image did not load"

    # deciding with records missing asks to confirm; the rationale template fills the text
    panel = open_action(page, "decide")
    panel.get_by_label("upheld", exact=True).check()
    panel.locator("#id_decide-rationale_template").select_option(
        label="upheld: paid at the network rate (v1)"
    )
    expect(panel.locator("#id_decide-reason")).to_have_value(
        f"Wren Workspace, we reviewed the Medical services claim of case {number}: the plan "
        "pays it at "
        "the network rate."
    )
    expect(panel).to_contain_text("goes into the decision letter")
    assert_accessible(page, "the reviewer's workspace with a document and the decide form")
    screenshot(page, "case-reviewer-workspace")
    panel.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#action-decide")).to_contain_text(
        "Tick “Decide without the missing records”"
    )
    page.locator("#id_decide-decide_missing").check()
    page.locator("#action-decide").get_by_role("button", name="Record the decision").click()
    expect(page.locator(".messages")).to_contain_text("Decision recorded: upheld.")


def test_a_provider_named_at_intake_sees_the_request_on_the_portal(page_as, portal_as, desk):
    page = page_as("alice")
    _take_in(
        page,
        desk,
        name="Nora Npi",
        subscriber_id="W7300004",
        channel="fax",
        filed_by="provider",
        requested="appeal",
        category="claim_payment",
        service="medical",
        notice_date=(_today() - dt.timedelta(days=20)).isoformat(),
    )
    page.fill("#id_provider_name", "Dr. Lee Ng")
    page.fill("#id_provider_npi", "1234567890")  # one digit wrong
    page.fill("#id_provider_fax", "360-555-0199")
    page.get_by_role("button", name="Confirm and take in").click()
    expect(page.locator(".provider")).to_contain_text("this one is not valid")
    assert_accessible(page, "intake with the provider's fields and a refused NPI")
    screenshot(page, "intake-provider")
    page.fill("#id_provider_npi", "1234567893")
    page.get_by_role("button", name="Confirm and take in").click()
    page.wait_for_url(CASE_URL)
    number = _number(page)
    expect(page.locator("#provider-portal")).to_have_text("sees this case on the provider portal")

    portal = portal_as(desk.portal["provider"])
    portal.goto(desk.url("/portal/"))
    expect(portal.locator("main")).to_contain_text(number)
