"""The portal in a browser: opening an account with the confirmation e-mail, what a
representative sees before staff checked the authorization (nothing), a member asking for
someone else's case (404, logged), the Spanish pages; axe-core on each, phone-sized."""

from __future__ import annotations

from tests.e2e.helpers import assert_accessible, no_horizontal_scroll, screenshot
from tests.e2e.portal import LAPTOP, PHONE, link_in, mail_to, portal_sign_in


def test_open_an_account_confirm_the_address_and_sign_in(new_context, desk):
    page = new_context(None, viewport=PHONE).new_page()
    page.goto(desk.url("/portal/register/"))
    assert_accessible(page, "portal registration")
    screenshot(page, "portal-register-phone")
    page.get_by_label("a member of the plan (or the injured worker)").check()
    page.get_by_label("Full name").fill("Nora Newmember")
    page.get_by_label("E-mail address").fill("Nora@Example.org")
    page.get_by_label("Subscriber ID (members, optional)").fill("W5550001")
    page.locator("#id_password").fill("a long enough passphrase")
    page.locator("#id_password2").fill("a long enough passphrase")
    page.get_by_role("button", name="Create the account").click()
    page.get_by_role("heading", name="Check your e-mail").wait_for()
    assert no_horizontal_scroll(page)[0] <= PHONE["width"]

    body = mail_to(desk.mailbox, "nora@example.org", "Confirm your e-mail address")
    page.goto(link_in(body))
    page.wait_for_url("**/portal/login/")
    assert "Your e-mail address is confirmed" in page.content()
    portal_sign_in(page, desk.base, "nora@example.org", "a long enough passphrase")
    page.wait_for_url(f"{desk.base}/portal/")
    page.get_by_role("heading", name="Hello, Nora Newmember").wait_for()
    assert "You have no requests yet." in page.content()
    assert_accessible(page, "portal home")
    screenshot(page, "portal-home-new-member-phone")


def test_a_representative_without_an_approved_authorization_sees_nothing(portal_as, desk):
    page = portal_as(desk.portal["waiting_representative"])
    page.goto(desk.url("/portal/"))
    text = page.inner_text("main")
    assert "being checked by our staff" in text
    assert "You have no requests yet." in text
    assert desk.portal["other_case"] not in page.content()
    answer = page.goto(desk.url(f"/portal/cases/{desk.portal['other_case']}/"))
    assert answer.status == 404
    refused = desk.query(
        "SELECT allowed FROM desk_accesslog WHERE username = ? AND case_number = ?",
        desk.portal["waiting_representative"],
        desk.portal["other_case"],
    )
    assert refused and all(allowed == 0 for (allowed,) in refused)
    screenshot(page, "portal-representative-waiting-phone")


def test_a_member_cannot_open_another_members_case(portal_as, desk):
    page = portal_as(desk.portal["member"])
    number = desk.portal["other_case"]
    answer = page.goto(desk.url(f"/portal/cases/{number}/"))
    assert answer.status == 404
    assert desk.portal["other_member"] not in page.content()
    rows = desk.query(
        "SELECT allowed, what FROM desk_accesslog WHERE username = ? AND case_number = ?",
        desk.portal["member"],
        number,
    )
    assert rows and rows[-1][0] == 0 and "refused" in rows[-1][1]


def test_the_portal_in_spanish(new_context, desk):
    for viewport, name in ((PHONE, "phone"), (LAPTOP, "laptop")):
        page = new_context(None, viewport=viewport, locale="es-US").new_page()
        page.goto(desk.url("/portal/login/"))
        assert page.locator("html").get_attribute("lang") == "es"
        page.get_by_role("heading", name="Iniciar sesión").wait_for()
        assert_accessible(page, f"portal sign-in in Spanish ({name})")
        screenshot(page, f"portal-login-es-{name}")
        # the switch back to English is a button in the header
        page.get_by_role("button", name="English").click()
        page.get_by_role("heading", name="Sign in").wait_for()
