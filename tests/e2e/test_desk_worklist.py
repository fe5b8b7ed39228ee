"""Issue 18 in the browser: which clock a badge is about, targets that are not alarms, the
expedited lane, a keyboard-only worklist, and a failed action's page that still works. Each
page is checked with axe-core and photographed at 1280 px and at 390 px (a phone)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.helpers import assert_accessible, no_horizontal_scroll, open_action, screenshot

PHONE = {"width": 390, "height": 844}


def test_targets_are_not_alarms_and_every_badge_names_its_clock(page_as, desk):
    number = desk.cases["target"]
    page = page_as("sam")
    page.goto(desk.url("/desk/?tab=team&program=ump"))
    row = page.locator(f"tr[data-number='{number}']")
    expect(row.locator(".rag-green, .rag-amber")).to_contain_text(re.compile(r"decision in \d"))
    expect(row.locator(".rag-target")).to_contain_text("decision target missed by")
    expect(row.locator(".rag-red")).to_have_count(0)
    # the expedited lane is at the top of the list
    first = page.locator("tr.case-row").first
    expect(first.locator(".badge.exp")).to_contain_text("expedited")
    expect(page.locator(f"tr[data-number='{desk.cases['expedited']}'] .badge.exp")).to_be_visible()
    screenshot(page, "issue18-worklist")
    assert_accessible(page, "the worklist with targets and lanes")

    page.goto(desk.case_url(number))
    head = page.locator("#case-head h1")
    expect(head.locator(".rag-target")).to_contain_text("decision target missed by")
    expect(head.locator(".rag-red")).to_have_count(0)
    expect(head).to_contain_text(re.compile(r"decision in \d"))
    screenshot(page, "issue18-case-header")
    assert_accessible(page, "the case page of a missed target")

    page.goto(desk.url("/desk/dashboard/"))
    expect(page.locator("#targets-missed .rag-target")).to_contain_text("target missed")
    assert int(page.locator("#count-target-missed").inner_text()) >= 1
    screenshot(page, "issue18-dashboard")
    assert_accessible(page, "the dashboard")


def test_the_worklist_case_and_dashboard_fit_a_phone(page_as, desk):
    page = page_as("sam", viewport=PHONE)
    for name, path in (
        ("worklist", "/desk/?tab=team"),
        ("case-header", f"/desk/cases/{desk.cases['target']}/"),
        ("dashboard", "/desk/dashboard/"),
    ):
        page.goto(desk.url(path))
        screenshot(page, f"issue18-{name}-390")
        width, inner = no_horizontal_scroll(page)
        assert width <= inner, f"{name} scrolls sideways at 390 px: {width} > {inner}"
    page.goto(desk.url("/desk/?tab=team"))
    assert_accessible(page, "the worklist at 390 px")


def test_the_worklist_by_keyboard_only(page_as, desk):
    page = page_as("bob")
    page.goto(desk.url("/desk/?tab=team"))
    rows = page.locator("tr.case-row")
    assert rows.count() >= 2
    page.keyboard.press("?")
    help_dialog = page.locator("#shortcuts")
    expect(help_dialog).to_be_visible()
    assert_accessible(page, "the worklist's shortcut help")
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()
    page.keyboard.press("j")
    expect(rows.nth(0)).to_have_class(re.compile("current"))
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(re.compile("current"))
    page.keyboard.press("k")
    expect(rows.nth(0)).to_have_class(re.compile("current"))
    number = rows.nth(0).get_attribute("data-number")
    expect(page.locator(f"tr[data-number='{number}'] .case-number a")).to_be_focused()
    page.keyboard.press("/")
    expect(page.locator("#global-search")).to_be_focused()
    page.keyboard.type("j")  # typing in the search box is typing, not moving
    expect(page.locator("#global-search")).to_have_value("j")
    page.keyboard.press("Escape")
    page.locator("#global-search").blur()
    page.keyboard.press("k")  # still the first case (nothing above it)
    page.keyboard.press("o")
    page.wait_for_url(f"**/desk/cases/{number}/")
    expect(page.locator("h1").first).to_contain_text(number)


def test_sorting_the_page_by_a_column(page_as, desk):
    page = page_as("sam")
    page.goto(desk.url("/desk/?tab=team"))
    page.get_by_role("button", name="Case", exact=True).click()
    numbers = page.locator("tr.case-row").evaluate_all("rows => rows.map(r => r.dataset.number)")
    assert numbers == sorted(numbers)
    expect(page.locator("th[aria-sort='ascending']")).to_have_count(1)


def test_a_failed_action_leaves_the_case_url_and_working_letter_links(page_as, desk):
    number = desk.cases["stale"]
    page = page_as("bob")
    page.goto(desk.case_url(number))
    panel = open_action(page, "extend")
    panel.locator("form").evaluate("form => { form.noValidate = true; }")  # the server says why
    panel.get_by_role("button", name="Extend").click()
    page.wait_for_load_state()
    expect(panel.locator(".errorlist").first).to_be_visible()
    assert page.url.split("#")[0] == desk.case_url(number)  # not the action's URL
    link = page.locator("#letters a[href*='?letter=']").first
    link.click()
    page.wait_for_url(re.compile(r"\?letter="))
    expect(page.locator("h1").first).to_contain_text(number)
