"""Response headers for pages that carry members' health information (issue 15, item 5).

* Content-Security-Policy (django-csp, policy in settings.CONTENT_SECURITY_POLICY): scripts and
  styles from this site's own files only, no inline script, nothing framed from or by others.
  Two narrow additions, both per response:
  - a page that shows a letter preview in a sandboxed `<iframe srcdoc>` allows that letter's own
    styles by their hashes (`allow_letter_styles`): a srcdoc document inherits the page's policy,
    and a letter is one self-contained HTML file whose `<style>` WeasyPrint reads for the PDF;
  - the API's documentation page (Swagger UI, shipped by django-ninja) draws its icons from
    `data:` images in its stylesheet.
* `Cache-Control: no-store` and `Pragma: no-cache` on every answer the application makes (pages,
  API answers, exports, letters, documents): nothing with PHI stays in a browser's or a proxy's
  cache. Static files are answered by WhiteNoise before this middleware and keep their long
  caching (their names carry a content hash).
* Cross-Origin-Resource-Policy and Permissions-Policy, which Django does not set.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Callable

from csp.middleware import CSPMiddleware, PolicyParts
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

STYLE_BLOCK = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"""\sstyle\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
# paths whose pages need more than the site-wide policy, and what they need
PATH_UPDATES: dict[str, dict[str, list[str]]] = {"/api/v1/docs": {"img-src": ["data:"]}}
# features no page here uses, refused to the page and anything it frames
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def allow_letter_styles(request: HttpRequest, letter_html: str) -> None:
    """Let the page shown for `request` embed `letter_html` (a srcdoc preview) with its styles:
    each `<style>` block by its hash, and each `style="…"` attribute (an administrator may write
    one in a template) by its hash under 'unsafe-hashes'. Nothing else inline is allowed."""
    hashes: set[str] = getattr(request, "csp_style_hashes", set())
    hashes.update(_sha256(block) for block in STYLE_BLOCK.findall(letter_html))
    attributes = {
        _sha256(html.unescape(double or single))
        for double, single in STYLE_ATTRIBUTE.findall(letter_html)
    }
    if attributes:
        hashes.update(attributes | {"'unsafe-hashes'"})
    request.csp_style_hashes = hashes  # type: ignore[attr-defined]


class PolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, plus the per-response additions described above."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        extra: dict[str, list[str]] = {}
        for prefix, directives in PATH_UPDATES.items():
            if request.path.startswith(prefix):
                for name, sources in directives.items():
                    extra.setdefault(name, []).extend(sources)
        hashes = getattr(request, "csp_style_hashes", None)
        if hashes:
            extra.setdefault("style-src", []).extend(sorted(hashes))
        if extra:
            update = dict(parts.update or {})
            for name, sources in extra.items():
                update[name] = [*update.get(name, ()), *sources]
            parts.update = update
        return parts


class NoStoreMiddleware:
    """`Cache-Control: no-store` on everything the application answers (see the module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # a view's own caching headers do not survive: no answer here may be kept
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        response.headers.pop("Expires", None)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
