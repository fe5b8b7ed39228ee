"""Helpers of the browser tests: one-time codes, keyboard navigation, the axe-core check, and
the watch on every page for Content-Security-Policy violations and script errors."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import struct
import time
import warnings
from pathlib import Path
from typing import Any

import pytest

E2E = Path(__file__).resolve().parent
ROOT = E2E.parents[1]
AXE = E2E / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")


def unavailable(reason: str) -> None:
    """Skip, with the reason; under CI=true a missing tool is a failure, never a skip."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: a missing tool is a failure)", pytrace=False)
    pytest.skip(reason)


def totp(key_hex: str, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """RFC 6238 (HMAC-SHA1), as django-otp's TOTPDevice computes it."""
    counter = int((time.time() if at is None else at) // step)
    mac = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 10**digits:0{digits}d}"


def sign_in(page: Any, base: str, username: str, password: str) -> None:
    """Fill the sign-in form (the caller checks where it leads)."""
    page.goto(f"{base}/desk/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Sign in").click()


def focused(page: Any, selector: str) -> bool:
    return bool(page.evaluate("s => !!document.activeElement?.matches(s)", selector))


def tab_to(page: Any, selector: str, limit: int = 150) -> None:
    """Press Tab until the element matching `selector` has the focus (keyboard only: reading
    which element has the focus is all the page is asked)."""
    for _ in range(limit):
        if focused(page, selector):
            return
        page.keyboard.press("Tab")
    where = page.evaluate("document.activeElement?.outerHTML?.slice(0, 200)")
    raise AssertionError(f"{limit} presses of Tab never reached {selector}; focus is on {where}")


def focus_ring(page: Any) -> str:
    """The focused element's outline as computed (a keyboard user must see where they are)."""
    return str(
        page.evaluate(
            """() => { const s = getComputedStyle(document.activeElement);
                       return `${s.outlineStyle} ${s.outlineWidth}`; }"""
        )
    )


def open_action(page: Any, action: str) -> Any:
    """Open the case page's action panel <details id="action-…"> and return it."""
    panel = page.locator(f"#action-{action}")
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()
    return panel


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) on the page; the serious and critical ones."""
    if not AXE.exists():
        unavailable(f"axe-core is not installed ({AXE}): run `npm ci` in tests/e2e")
    # evaluated through the DevTools protocol, not added as an inline <script>: the page's CSP
    # (no inline script) would refuse that, and rightly
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"][:10]:
            lines.append(f"    {json.dumps(node['target'])}: {node.get('failureSummary', '')}")
    return "\n".join(lines)


def assert_accessible(page: Any, what: str, *, by_the_way: bool = False) -> None:
    """No serious or critical violation on the page. `by_the_way`: the check is a side note of
    a test about something else, which then goes on (with a warning) when axe-core is missing
    outside CI, instead of being skipped as a whole."""
    if by_the_way and not AXE.exists() and os.environ.get("CI") != "true":
        warnings.warn(f"axe-core missing: {what} not checked for accessibility", stacklevel=2)
        return
    violations = axe_violations(page)
    if violations:
        report = describe_violations(violations)
        print(f"axe-core on {what} ({page.url}):\n{report}")
        raise AssertionError(f"accessibility violations on {what}:\n{report}")


# Runs in every frame before the page's own scripts (injected by DevTools, so the CSP does not
# apply to it): each violation of the page's policy is reported on the console, marked.
CSP_WATCH = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.effectiveDirective} refused ${e.blockedURI || "inline"}`
    + ` on ${e.documentURI} (${e.sourceFile || "?"}:${e.lineNumber})`);
});
"""
# The browser's own "Failed to load resource: … 404" lines are how tests that expect a refusal
# (403, 404) look from the console; they are answers, not faults of the page.
NOT_A_FAULT = "Failed to load resource"
# htmx logs an aborted request as two errors (afterRequest, then sendAbort); intake's live
# assessment aborts the previous request on purpose (hx-sync="this:replace") as the user types.
HTMX_ABORT = ("htmx:afterRequest,", "htmx:sendAbort,")


def watch(context: Any, problems: list[str]) -> None:
    """Collect, from every page of `context`, each CSP violation, uncaught script error and
    console error into `problems` (the fixtures fail the test on any)."""
    context.add_init_script(CSP_WATCH)

    def on_console(message: Any) -> None:
        if message.text.startswith(HTMX_ABORT[1]):
            # the afterRequest just before it belongs to the same, deliberate abort
            if problems and HTMX_ABORT[0] in problems[-1]:
                problems.pop()
            return
        if message.type == "error" and not message.text.startswith(NOT_A_FAULT):
            problems.append(
                f"console error on {message.page.url if message.page else '?'}: {message.text}"
            )

    def on_page(page: Any) -> None:
        page.on("pageerror", lambda error: problems.append(f"script error on {page.url}: {error}"))

    context.on("console", on_console)
    context.on("page", on_page)


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")  # sticky panels where a reader first sees them
    page.screenshot(path=str(path), full_page=True)
    return path


def no_horizontal_scroll(page: Any) -> tuple[int, int]:
    """(scrollWidth, innerWidth) of the page: the first must not exceed the second."""
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    return int(width), int(inner)
