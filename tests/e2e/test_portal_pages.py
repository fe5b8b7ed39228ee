"""Every portal page on a phone (375 px) and a laptop (1280 px): no serious or critical WCAG 2.1
A/AA violation (axe-core), no sideways scrolling, a screenshot in var/screenshots/; and the
staff's page that checks representatives' authorizations."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import assert_accessible, no_horizontal_scroll, screenshot
from tests.e2e.portal import LAPTOP, PHONE

PAGES = {
    # name: (who, path, the heading it shows)
    "login": (None, "/portal/login/", "Sign in"),
    "password-reset": (None, "/portal/password/reset/", "Reset your password"),
    "home-member": ("member", "/portal/", "Hello, Maria Lopez"),
    "home-representative": ("representative", "/portal/", "Hello, Ruth Adams"),
    "file": ("member", "/portal/file/", "Send an appeal or complaint"),
    "authorizations": ("representative", "/portal/authorizations/", "Act for someone else"),
    "account": ("member", "/portal/account/", "Your account"),
    "provider-home": ("provider", "/portal/", "Hello, Dr. Lee Ng"),
    "provider-clinical": (
        "provider",
        "/portal/provider/clinical/",
        "Ask Genex for clinical appeals consideration",
    ),
}


@pytest.mark.parametrize("viewport", ["phone", "laptop"])
@pytest.mark.parametrize("name", list(PAGES))
def test_portal_page(name, viewport, portal_as, new_context, desk):
    who, path, heading = PAGES[name]
    size = PHONE if viewport == "phone" else LAPTOP
    if who is None:
        page = new_context(None, viewport=size).new_page()
    else:
        page = portal_as(desk.portal[who], viewport=size)
    page.goto(desk.url(path))
    page.get_by_role("heading", name=heading, exact=True).wait_for()
    assert_accessible(page, f"portal {name} ({viewport})")
    width, inner = no_horizontal_scroll(page)
    assert width <= inner, f"{name} scrolls sideways on a {viewport}: {width} > {inner}"
    screenshot(page, f"portal-{name}-{viewport}")


def test_a_representatives_member_is_listed_after_staff_approved(portal_as, desk):
    """Ruth's authorization for one member was approved in the demo: that member's requests are
    on her page; the other request (still being checked) shows only as waiting."""
    page = portal_as(desk.portal["representative"])
    page.goto(desk.url("/portal/"))
    text = page.inner_text("main")
    assert "being checked by our staff" in text
    for number in desk.portal["represented_cases"]:
        assert number in text
    if desk.portal["represented_cases"]:
        assert f"for {desk.portal['represented_member']}" in text
    else:
        assert "You have no requests yet." in text


def test_staff_check_authorizations_on_the_desk(page_as, desk):
    page = page_as("sam")
    page.goto(desk.url("/desk/authorizations/"))
    page.get_by_role("heading", name="Representatives' authorizations").wait_for()
    assert "Rita Waiting" in page.inner_text("main")
    assert_accessible(page, "desk authorizations")
    screenshot(page, "desk-authorizations")
