"""The report pages in Chromium: no serious or critical WCAG 2.1 A/AA violation (axe-core), a
screenshot in var/screenshots/, no sideways scrolling at 1024 pixels; a figure opens the list of
its cases; the universe downloads as a file with a row per case."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import assert_accessible, no_horizontal_scroll, screenshot

PAGES = {
    "reports-timeliness": ("/desk/reports/?from=2025-01-01&to=2027-12-31", "Timeliness per clock"),
    "reports-timeliness-by-handler": (
        "/desk/reports/?from=2025-01-01&to=2027-12-31&by=handler",
        "Timeliness per clock",
    ),
    "reports-volumes": ("/desk/reports/volumes/?from=2025-01-01&to=2027-12-31", "Received per"),
    "reports-aging": ("/desk/reports/aging/", "Open cases by age"),
    "reports-universe": ("/desk/reports/universe/", "Case universe"),
}


@pytest.mark.parametrize("name", PAGES)
def test_report_page_is_accessible(page_as, desk, name):
    path, heading = PAGES[name]
    page = page_as("sam")
    page.goto(desk.url(path))
    expect(page.locator("main h2").first).to_contain_text(heading)
    screenshot(page, name)
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    assert_accessible(page, f"the {name} page")


@pytest.mark.parametrize("name", ["reports-timeliness", "reports-volumes"])
def test_report_page_fits_1024_pixels(page_as, desk, name):
    path, heading = PAGES[name]
    page = page_as("sam", viewport={"width": 1024, "height": 768})
    page.goto(desk.url(path))
    expect(page.locator("main h2").first).to_contain_text(heading)
    width, inner = no_horizontal_scroll(page)
    assert width <= inner, f"{name} scrolls sideways at 1024 px: {width} > {inner}"


def test_a_figure_opens_its_cases(page_as, desk):
    page = page_as("sam")
    page.goto(desk.url(PAGES["reports-timeliness"][0]))
    figure = page.locator("td.num a").first
    count = int(figure.inner_text())
    figure.click()
    expect(page.locator("main h2").first).to_have_text(f"{count} case{'s' if count != 1 else ''}")
    assert page.locator("main tbody tr").count() == min(count, 50)
    screenshot(page, "reports-cases")
    assert_accessible(page, "the cases behind a figure")
    first = page.locator("main tbody a").first
    number = first.inner_text()
    first.click()  # on to the case itself
    expect(page.locator("h1").first).to_contain_text(number)


def test_the_universe_downloads_and_is_logged_once(page_as, desk):
    page = page_as("sam")
    page.goto(desk.url("/desk/reports/universe/?from=2000-01-01&to=2099-12-31"))
    with page.expect_download() as caught:
        page.get_by_role("link", name="CSV").click()
    download = caught.value
    assert download.suggested_filename == "appealdesk-universe-all-2000-01-01-2099-12-31.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert rows[0][:2] == ["program", "case_number"]
    numbers = {r[1] for r in rows[1:]}
    assert numbers and numbers <= {n for (n,) in desk.query("SELECT number FROM cases_case")}
    logged = desk.query(
        "SELECT case_number, path FROM desk_accesslog WHERE what = 'universe export'"
    )
    assert [n for n, _ in logged] == ["*"] and "from=2000-01-01" in logged[0][1]
