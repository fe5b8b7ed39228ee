"""Issue 15 item 5: the letter preview is a sandboxed srcdoc frame, which inherits the page's
Content-Security-Policy; the page allows the letter's own <style> by its hash (and nothing
else inline), so the preview looks like the letter and the policy stays strict."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from appealdesk.correspondence.render import letter_draft
from appealdesk.headers import allow_letter_styles

pytestmark = pytest.mark.django_db


def sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_the_letter_preview_keeps_its_styles_and_only_those(client, staff, appeal):
    case = appeal
    client.force_login(staff["bob"])
    plain = client.get(f"/desk/cases/{case.number}/")
    assert "style-src 'self';" in plain["Content-Security-Policy"] + ";"
    page = client.get(f"/desk/cases/{case.number}/?letter=acknowledgement")
    html = page.content.decode()
    assert "<iframe" in html and 'sandbox=""' in html
    policy = page["Content-Security-Policy"]
    style_src = next(d for d in policy.split("; ") if d.startswith("style-src"))
    blocks = re.findall(r"<style>(.*?)</style>", letter_draft(case, "acknowledgement").html, re.S)
    assert blocks and all(sha(b) in style_src for b in blocks)
    assert style_src.split()[1:] == ["'self'", *sorted(sha(b) for b in set(blocks))]
    assert "unsafe" not in policy


def test_style_attributes_an_administrator_wrote_are_allowed_by_hash_only(rf):
    request = rf.get("/")
    allow_letter_styles(request, '<p style="color: red">x</p><style>p{}</style>')
    assert request.csp_style_hashes == {sha("color: red"), sha("p{}"), "'unsafe-hashes'"}
