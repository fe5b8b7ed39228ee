"""Issue 15 item 5 on the real server (gunicorn, WhiteNoise, the collected static files): pages
are no-store under the strict policy; static files, answered by WhiteNoise before the
application, keep their long caching (their names carry a content hash and no PHI)."""

from __future__ import annotations

import re
import urllib.request
from typing import Any


def headers(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as answer:
        return answer.headers, answer.read().decode("utf-8", "replace")


def test_pages_are_not_stored_and_static_files_are_cached(desk: Any) -> None:
    page, html = headers(desk.url("/desk/login/"))
    assert page["Cache-Control"] == "no-store" and page["Pragma"] == "no-cache"
    assert "script-src 'self'" in page["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
    css = re.search(r'href="(/static/desk/desk\.[0-9a-f]+\.css)"', html)
    assert css, "the desk's stylesheet is served under its hashed name"
    static, _ = headers(desk.url(css.group(1)))
    assert "no-store" not in static.get("Cache-Control", "")
    assert "max-age=315360000" in static["Cache-Control"]
