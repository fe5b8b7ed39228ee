"""The mailroom in a browser: an intake clerk turns the demo's faxed appeal into a case (the
case is received at the fax's receipt instant, not when she opened it) and the e-mailed reply to
an information request into information received on its case; the queue and the item page pass
axe-core and are kept as screenshots (var/screenshots/mailroom-*.png)."""

from __future__ import annotations

import json
import re

from playwright.sync_api import expect

from tests.e2e.helpers import assert_accessible, screenshot

CASE_URL = re.compile(r"/desk/cases/([A-Z][A-Z-]*-\d{4}-\d{7})/$")  # UMP-…, GENEX-UR-…


def _item(desk, where: str, *params) -> tuple[int, str]:
    rows = desk.query(f"SELECT id, received_at FROM mailroom_item WHERE {where}", *params)
    assert rows, f"the demo has no mailroom item where {where}"
    return int(rows[0][0]), str(rows[0][1])


def test_the_queue_and_an_item_page(page_as, desk):
    fax_id, _ = _item(desk, "raw_name = ?", "fax-appeal.pdf")
    page = page_as("alice")
    page.goto(desk.url("/desk/"))
    link = page.locator("#mailroom-link")
    expect(link).to_have_text(re.compile(r"^Mailroom \(\d+\)$"))
    link.click()
    expect(page.get_by_role("heading", name="Mailroom")).to_be_visible()
    row = page.locator("tbody tr").filter(has=page.locator(f'a[href="/desk/mailroom/{fax_id}/"]'))
    expect(row).to_contain_text("fax")
    expect(row).to_contain_text(re.compile(r"(due in|overdue by) \d+ (hours?|minutes?)"))
    assert_accessible(page, "the mailroom queue")
    print("screenshot:", screenshot(page, "mailroom-queue"))
    row.locator("a").first.click()
    expect(page.locator("#proposal-h")).to_be_visible()
    expect(page.locator("#item-text")).to_contain_text("physical therapy")
    frame = page.frame_locator("iframe[sandbox]")
    expect(frame.locator("img").first).to_be_visible()
    # the page image really drew (a broken image has no natural width)
    width = frame.locator("img").first.evaluate("img => img.complete && img.naturalWidth")
    assert width and width > 100, width
    assert_accessible(page, "a mailroom item")
    print("screenshot:", screenshot(page, "mailroom-item"))


def test_an_intake_clerk_turns_a_fax_into_a_case(page_as, desk):
    fax_id, received = _item(desk, "raw_name = ?", "fax-appeal.pdf")
    page = page_as("alice")
    page.goto(desk.url(f"/desk/mailroom/{fax_id}/"))
    page.get_by_role("button", name="Open as a new case…").click()
    expect(page.locator("#from-item")).to_contain_text(f"item {fax_id}")
    expect(page.locator("#id_received_at")).to_be_disabled()
    expect(page.locator("#id_channel")).to_have_value("fax")
    expect(page.locator("#id_text")).to_have_value(re.compile("physical therapy"))
    # what reading could not know, the clerk sets from the letter
    page.select_option("#id_requested", "appeal")
    page.select_option("#id_category", "claim_payment")
    if page.locator("#id_service").count():
        page.select_option("#id_service", "medical")
    if not page.locator("input[name=member]:checked").count():
        expect(page.locator("#id_member_name")).not_to_have_value("")
    assert_accessible(page, "intake from a mailroom item")
    print("screenshot:", screenshot(page, "mailroom-intake"))
    page.get_by_role("button", name="Confirm and take in").click()
    page.wait_for_url(CASE_URL)
    number = CASE_URL.search(page.url).group(1)
    [(case_received,)] = desk.query("SELECT received_at FROM cases_case WHERE number = ?", number)
    assert case_received == received  # the fax's instant, to the second
    [(outcome, documents)] = desk.query(
        "SELECT i.outcome, (SELECT COUNT(*) FROM cases_document d WHERE d.case_id = i.case_id "
        "AND d.sha256 = (SELECT p.sha256 FROM mailroom_part p WHERE p.item_id = i.id)) "
        "FROM mailroom_item i WHERE i.id = ?",
        fax_id,
    )
    assert outcome == "opened_as_case" and documents == 1
    expect(page.get_by_text("fax-appeal.pdf").first).to_be_visible()


def test_an_emailed_reply_becomes_information_received(page_as, desk):
    reply_id, received = _item(desk, "source = 'email'")
    [(number,)] = desk.query(
        "SELECT c.number FROM cases_case c JOIN mailroom_item i ON i.subject LIKE "
        "'%' || c.number || '%' WHERE i.id = ?",
        reply_id,
    )
    page = page_as("alice")
    page.goto(desk.url(f"/desk/mailroom/{reply_id}/"))
    expect(page.locator("#item-text")).to_contain_text("medical records")
    expect(page.locator("#id_attach-case_number")).to_have_value(number)
    print("screenshot:", screenshot(page, "mailroom-reply"))
    page.get_by_role("button", name="Attach").click()
    page.wait_for_url(desk.case_url(number))
    expect(page.locator(".messages")).to_contain_text("Attached to")
    [(state,)] = desk.query("SELECT state FROM cases_case WHERE number = ?", number)
    assert state != "awaiting_information"
    [(at,)] = desk.query(
        "SELECT r.received_at FROM cases_informationrequest r JOIN cases_case c "
        "ON c.id = r.case_id WHERE c.number = ? ORDER BY r.id DESC LIMIT 1",
        number,
    )
    assert at == received  # information received at the e-mail's own instant


def test_a_batch_of_paper_scans_with_its_date_stamp(page_as, desk, tmp_path):
    from appealdesk.demo.mail import text_pdf

    files = []
    for n in (1, 2):
        path = tmp_path / f"paper-{n}.pdf"
        path.write_bytes(text_pdf([[f"Grievance letter {n}: nobody called me back, W1000000"]]))
        files.append(str(path))
    page = page_as("alice")
    page.goto(desk.url("/desk/mailroom/"))
    page.get_by_role("link", name="Upload scanned mail").click()
    assert_accessible(page, "the scan upload")
    page.select_option("#id_program", "ump")
    page.fill("#id_stamped_on", "2026-11-30")
    page.set_input_files("#id_files", files)
    page.get_by_role("button", name="Store the batch").click()
    page.wait_for_url(desk.url("/desk/mailroom/"))
    expect(page.locator(".messages")).to_contain_text("2 scan(s) stored as received on Nov 30")
    rows = desk.query(
        "SELECT received_basis FROM mailroom_item WHERE raw_name IN ('paper-1.pdf', 'paper-2.pdf')"
    )
    assert rows == [("date-stamp 2026-11-30",)] * 2


def test_another_programs_clerk_gets_no_such_item(page_as, desk):
    fax_id, _ = _item(desk, "raw_name = ?", "fax-appeal.pdf")
    page = page_as("gina")  # intake on the Genex team only
    answer = page.goto(desk.url(f"/desk/mailroom/{fax_id}/"))
    assert answer is not None and answer.status == 404
    [(allowed,)] = desk.query(
        "SELECT allowed FROM desk_accesslog WHERE username = 'gina' AND case_number = ? "
        "ORDER BY id DESC LIMIT 1",
        f"mailroom item {fax_id}",
    )
    assert allowed == 0


def test_a_scanned_form_without_an_id_finds_its_member_by_name_and_date_of_birth(page_as, desk):
    form_id, received = _item(desk, "raw_name = ?", "genex-grievance-form.pdf")
    [(proposal,)] = desk.query("SELECT proposal FROM mailroom_item WHERE id = ?", form_id)
    member_id = json.loads(proposal)["matched"]["member_id"]
    [(name, born)] = desk.query("SELECT name, birth_date FROM cases_party WHERE id = ?", member_id)
    page = page_as("alice")
    page.goto(desk.url(f"/desk/mailroom/{form_id}/"))
    expect(page.locator("#proposal-h")).to_be_visible()
    expect(page.get_by_text("(by name and date of birth)")).to_be_visible()
    expect(page.locator("#member-review")).to_have_count(0)  # sure: nothing to check
    page.get_by_role("button", name="Open as a new case…").click()
    chosen = page.locator(f'input[name=member][value="{member_id}"]')
    expect(chosen).to_be_checked()
    expect(page.locator("#party-results")).to_contain_text(f"{name} ·")
    expect(page.locator("#party-results")).to_contain_text("born ")
    assert_accessible(page, "intake from a scanned form, member by date of birth")
    print("screenshot:", screenshot(page, "mailroom-intake-dob"))
    page.select_option("#id_requested", "grievance")
    page.select_option("#id_category", "ur_timeliness")
    page.get_by_role("button", name="Confirm and take in").click()
    page.wait_for_url(CASE_URL)
    number = CASE_URL.search(page.url).group(1)
    [(case_member, case_received)] = desk.query(
        "SELECT member_id, received_at FROM cases_case WHERE number = ?", number
    )
    assert (case_member, case_received) == (member_id, received)
    assert born  # the demo's members have dates of birth
