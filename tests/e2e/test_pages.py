"""Every main page of the desk: no serious or critical WCAG 2.1 A/AA violation (axe-core), a
screenshot in var/screenshots/ at 1280x800, and no sideways scrolling at 1024 pixels."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import (
    SCREENSHOTS,
    assert_accessible,
    axe_violations,
    no_horizontal_scroll,
    screenshot,
)

OPEN_ALL_DETAILS = "document.querySelectorAll('details').forEach(d => { d.open = true; })"


def _intake(page: Any, desk: Any) -> None:
    """The intake form filled in, with the live assessment of what was typed."""
    page.goto(desk.url("/desk/intake/?program=ump"))
    notice = dt.datetime.now(ZoneInfo("America/Los_Angeles")).date() - dt.timedelta(days=40)
    page.fill("#id_member_name", "Priya Patel")
    page.fill("#id_subscriber_id", "W7200001")
    page.fill("#id_member_phone", "360-555-0142")
    page.select_option("#id_channel", "mail")
    page.select_option("#id_requested", "appeal")
    page.select_option("#id_category", "claim_payment")
    page.select_option("#id_service", "medical")
    page.fill("#id_notice_date", notice.isoformat())
    page.check("input[name=provided][value=subscriber_name]")
    expect(page.locator("#assess-verdict")).to_contain_text("Appeal, level 1")
    expect(page.locator("#assess-clocks")).to_contain_text("decision_target")


def _first_link(page: Any, desk: Any, start: str, pattern: str) -> None:
    page.goto(desk.url(start))
    href = page.locator(f"main a[href*='{pattern}']").first.get_attribute("href")
    page.goto(desk.url(href))


PAGES: dict[str, tuple[str | None, Callable[[Any, Any], None], str]] = {
    # name: (user, how to get there, the heading it shows)
    "login": (None, lambda p, d: p.goto(d.url("/desk/login/")), "Sign in to the staff desk"),
    "worklist": ("sam", lambda p, d: p.goto(d.url("/desk/")), "Worklist"),
    "intake": ("alice", _intake, "Take in a request"),
    "case": (
        "sam",
        lambda p, d: p.goto(d.case_url(d.cases["level2"])),
        "appeal level 2",
    ),
    "case-decided": (
        "sam",
        lambda p, d: p.goto(d.case_url(d.cases["level1"])),
        "appeal level 1",
    ),
    "dashboard": ("sam", lambda p, d: p.goto(d.url("/desk/dashboard/")), "Supervisor dashboard"),
    "search": ("sam", lambda p, d: p.goto(d.url("/desk/search/?q=W7000")), "Search"),
    "packs": ("sam", lambda p, d: p.goto(d.url("/desk/admin/packs/")), "Administration"),
    "pack": ("sam", lambda p, d: _first_link(p, d, "/desk/admin/packs/", "/packs/ump/"), "ump"),
    "calendar": (
        "sam",
        lambda p, d: _first_link(p, d, "/desk/admin/packs/", "/calendars/"),
        "Business-day calendar",
    ),
    "people": ("sam", lambda p, d: p.goto(d.url("/desk/admin/people/")), "People and teams"),
    "case-letter": (
        "sam",
        lambda p, d: p.goto(d.case_url(d.cases["level1"]) + "?letter=decision#letters"),
        "appeal level 1",
    ),
    "letter-templates": (
        "sam",
        lambda p, d: p.goto(d.url("/desk/admin/letters/")),
        "Administration",
    ),
    "letter-template": (
        "sam",
        lambda p, d: p.goto(d.url("/desk/admin/letters/ump/decision/")),
        "Administration",
    ),
}


@pytest.mark.parametrize("name", PAGES)
def test_page_is_accessible(page_as, desk, name):
    user, go, heading = PAGES[name]
    page = page_as(user)
    go(page, desk)
    expect(page.locator("h1").first).to_contain_text(heading)
    screenshot(page, name)
    # what is folded away (case actions, intake override) is checked unfolded too
    page.evaluate(OPEN_ALL_DETAILS)
    assert_accessible(page, f"the {name} page")


@pytest.mark.parametrize("name", ["worklist", "case"])
def test_page_fits_1024_pixels(page_as, desk, name):
    user, go, heading = PAGES[name]
    page = page_as(user, viewport={"width": 1024, "height": 768})
    go(page, desk)
    expect(page.locator("h1").first).to_contain_text(re.compile(re.escape(heading)))
    screenshot(page, f"{name}-1024")
    width, inner = no_horizontal_scroll(page)
    assert width <= inner, f"{name} scrolls sideways at 1024 px: {width} > {inner}"


def test_the_checker_finds_a_real_violation(page_as, desk):
    """The accessibility check is not vacuous: an unlabelled field and an image without a text
    alternative on a page are reported, with their selectors."""
    page = page_as(None)
    page.goto(desk.url("/desk/login/"))
    page.evaluate(
        """() => document.querySelector('main').insertAdjacentHTML('beforeend',
             '<input id="e2e-unlabelled"><img id="e2e-no-alt" src="/static/none.png">')"""
    )
    found = {v["id"]: [n["target"] for n in v["nodes"]] for v in axe_violations(page)}
    assert found.get("label") == [["#e2e-unlabelled"]], found
    assert found.get("image-alt") == [["#e2e-no-alt"]], found


def test_the_letter_preview_shows_the_letter(page_as, desk):
    """The preview on the case page is the letter itself, in a sandboxed frame."""
    page = page_as("sam")
    page.goto(desk.case_url(desk.cases["level1"]) + "?letter=decision#letters")
    letter = page.frame_locator("section#letters iframe")
    expect(letter.locator("h1")).to_contain_text("Our decision on your first-level appeal")
    expect(letter.locator("body")).to_contain_text("second-level appeal")
    frame = page.locator("section#letters iframe")
    frame.scroll_into_view_if_needed()
    frame.screenshot(path=str(SCREENSHOTS / "case-letter-preview.png"))
