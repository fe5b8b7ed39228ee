"""Sign-in in a browser: the lockout after five wrong passwords, enrolling an authenticator on
first sign-in, and a case of another team that answers 404 and is written to the access log."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.helpers import assert_accessible, screenshot, sign_in, totp


def test_case_of_another_team_is_not_found_and_the_attempt_is_logged(page_as, desk):
    """(5) Gina works Genex intake: a UMP case's URL answers 404 (never 403, which would confirm
    the case exists) and the refused look is in the access log."""
    number = desk.cases["hidden"]
    page = page_as("gina")
    answer = page.goto(desk.case_url(number))
    assert answer is not None and answer.status == 404
    expect(page.locator("h1")).to_have_text("Not found")
    expect(page.locator("main")).not_to_contain_text(number)
    assert_accessible(page, "the not-found page", by_the_way=True)
    # the same for an action posted to it
    answer = page.request.post(desk.url(f"/desk/cases/{number}/assign/"), fail_on_status_code=False)
    assert answer.status in (403, 404)  # no CSRF token: refused either way, never performed

    rows = desk.query(
        "SELECT username, case_number, case_id IS NOT NULL, allowed, what, path "
        "FROM desk_accesslog WHERE username = ? AND case_number = ? ORDER BY id",
        "gina",
        number,
    )
    assert rows, "no access-log row for the refused look"
    username, case_number, known, allowed, what, path = rows[0]
    assert (username, case_number, known, allowed) == ("gina", number, 1, 0)
    assert what == "case page (refused)"
    assert path == f"/desk/cases/{number}/"

    # someone of the case's team opens it, and that look is logged as allowed
    page = page_as("bob")
    assert page.goto(desk.case_url(number)).status == 200
    allowed = desk.query(
        "SELECT allowed FROM desk_accesslog WHERE username = 'bob' AND case_number = ?", number
    )
    assert (1,) in allowed


def test_five_wrong_passwords_lock_the_account(page_as, desk):
    """(6) Five wrong passwords, then the right one: the account is locked (django-axes)."""
    page = page_as(None)
    sign_in(page, desk.base, "lou", "not-the-password")
    expect(page.locator(".errorlist.nonfield")).to_contain_text(
        "Please enter a correct username and password"
    )
    for attempt in range(2, 6):
        sign_in(page, desk.base, "lou", f"wrong-{attempt}")
    sign_in(page, desk.base, "lou", desk.password)
    expect(page.locator("h1")).to_have_text("Account locked")
    expect(page.locator("main")).to_contain_text("Too many wrong passwords")
    assert "/desk/mfa" not in page.url
    assert_accessible(page, "the account-locked page", by_the_way=True)
    screenshot(page, "locked")
    # still locked: the desk does not open
    page.goto(desk.url("/desk/"))
    assert "/desk/login/" in page.url


def test_first_sign_in_enrols_an_authenticator(page_as, desk):
    """(7) Nina has no authenticator: her first sign-in asks her to scan the key, confirm a code
    and keep her recovery codes; then the desk opens."""
    page = page_as(None)
    sign_in(page, desk.base, "nina", desk.password)
    page.wait_for_url(re.compile(r"/desk/mfa/setup/"))
    expect(page.locator("h1")).to_have_text("Set up two-factor sign-in")
    expect(page.locator(".qr svg")).to_be_visible()
    key = page.locator("#totp-key")
    key_hex = key.get_attribute("data-hex")
    assert key_hex and re.fullmatch(r"[0-9a-f]{40}", key_hex), key_hex
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{1,4})+", key.inner_text()), key.inner_text()
    assert_accessible(page, "the MFA setup page", by_the_way=True)
    screenshot(page, "mfa-setup")

    # a wrong code is refused, in words
    page.fill("#id_token", "000000" if totp(key_hex) != "000000" else "111111")
    page.get_by_role("button", name="Confirm and turn on").click()
    expect(page.locator(".errorlist")).to_contain_text("That code does not match")
    # django-otp throttles the device after a failure (1 s, then 2 s, …): wait it out
    page.wait_for_timeout(1_100)

    page.fill("#id_token", totp(key_hex))
    page.get_by_role("button", name="Confirm and turn on").click()
    codes = page.locator("#recovery-codes li")
    expect(codes).to_have_count(10)
    for code in codes.all_inner_texts():
        assert re.fullmatch(r"[0-9a-f]{5}-[0-9a-f]{5}", code), code
    assert_accessible(page, "the recovery-codes page", by_the_way=True)
    page.get_by_role("link", name="Continue").click()
    page.wait_for_url(desk.url("/desk/"))
    expect(page.locator("h1")).to_have_text("Worklist")
    # the device is confirmed in the database
    rows = desk.query(
        "SELECT d.confirmed FROM otp_totp_totpdevice d JOIN auth_user u ON u.id = d.user_id "
        "WHERE u.username = 'nina'"
    )
    assert rows == [(1,)]
