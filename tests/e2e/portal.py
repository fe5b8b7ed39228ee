"""Helpers of the portal's browser tests: signing in as a member, representative or provider,
the two viewports (a phone and a laptop), reading the e-mails the server sent."""

from __future__ import annotations

import re
import time
from typing import Any

PHONE = {"width": 375, "height": 740}
LAPTOP = {"width": 1280, "height": 800}


def portal_sign_in(page: Any, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/portal/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.locator("main form button[type=submit]").click()  # "Sign in", whatever the language


def mail_to(mailbox: Any, address: str, subject_part: str, timeout: float = 30) -> str:
    """The body of the newest e-mail to `address` whose subject contains `subject_part` (the
    server's task worker sends it; wait for it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for _, to, message in reversed(mailbox.messages):
            if address in to and subject_part in str(message["Subject"]):
                part = message.get_payload(decode=True) if not message.is_multipart() else None
                if part is None:
                    part = message.get_payload(0).get_payload(decode=True)
                return part.decode("utf-8")
        time.sleep(0.2)
    raise AssertionError(f"no e-mail to {address} about {subject_part!r} in {timeout} s")


def link_in(body: str) -> str:
    found = re.search(r"https?://\S+", body)
    assert found, body
    return found.group(0)
