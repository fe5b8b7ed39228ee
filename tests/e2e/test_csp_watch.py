"""The browser tests' watch (helpers.watch) sees what it must: a page whose CSP refuses an
inline style and an inline script, and a script error, are all reported — so a page of the
product that breaks its policy fails the test that opens it."""

from __future__ import annotations

from typing import Any

from tests.e2e.helpers import watch

URL = "http://csp-watch.test/"
PAGE = """<!doctype html><html><head><title>t</title></head><body>
<p style="color: red">styled</p><script>window.ran = true;</script>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt=""></body></html>"""


def test_violations_and_errors_are_reported(browser: Any) -> None:
    context = browser.new_context()
    problems: list[str] = []
    watch(context, problems)
    try:
        # a real navigation (answered here), so the policy comes as a header as in the product
        context.route(
            URL,
            lambda route: route.fulfill(
                body=PAGE,
                content_type="text/html",
                headers={"Content-Security-Policy": "default-src 'none'"},
            ),
        )
        page = context.new_page()
        page.goto(URL)
        page.evaluate("setTimeout(() => { throw new Error('boom'); }, 0)")
        page.wait_for_timeout(300)
    finally:
        context.close()
    text = "\n".join(problems)
    assert "CSP violation: style-src-attr" in text, problems
    assert "CSP violation: script-src-elem" in text, problems
    assert "CSP violation: img-src" in text, problems
    assert "script error" in text and "boom" in text, problems


def test_a_deliberate_htmx_abort_is_not_a_fault(browser: Any) -> None:
    context = browser.new_context()
    problems: list[str] = []
    watch(context, problems)
    try:
        page = context.new_page()
        page.evaluate(
            "console.error('htmx:afterRequest, [object HTMLElement]');"
            "console.error('htmx:sendAbort, [object HTMLElement]');"
            "console.error('htmx:afterRequest, [object HTMLElement]');"
        )
        page.wait_for_timeout(200)
    finally:
        context.close()
    # the aborted pair is dropped; an afterRequest error without an abort (a network error) stays
    assert problems == ["console error on about:blank: htmx:afterRequest, [object HTMLElement]"]
