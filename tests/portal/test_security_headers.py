"""Issue 15 item 5: every URL pattern of the product answers with a strict Content-Security-
Policy and `Cache-Control: no-store`. The patterns come from Django's resolver (so a new page is
checked without anyone listing it here), their parameters filled with the ids of one seeded case
that has a document, a letter, a portal member and a representative; desk, admin and API pages
are asked by an administrator, portal pages by the member."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from appealdesk.api.models import SCOPES, ApiKey
from appealdesk.cases import services as sv
from appealdesk.cases.documents import document_store
from appealdesk.portal import accounts
from tests.conftest import ump
from tests.desk.conftest import local_now
from tests.portal.conftest import authorize, make_account

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SITE_POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
)
# a stored document is served under its own, stricter policy (appealdesk/cases/documents.py)
DOCUMENT_POLICY = ("default-src 'none'", "sandbox")
# patterns with nothing to fill in: Django admin's catch-all, django-ninja's root regex, and
# "view on site" (a redirect to the object's own page, which is walked itself)
NOT_WALKED = {"admin/(?P<url>.*)$", "api/v1/^", "admin/r/<path:content_type_id>/<path:object_id>/"}
# pages that must answer 200 with PHI in them, so the walk checks real pages, not refusals
MUST_SHOW = {
    "desk/",
    "desk/cases/{number}/",
    "desk/cases/{number}/documents/{document_id}/",
    "desk/reports/universe.csv",
    "desk/admin/letters/ump/acknowledgement/",
    "api/v1/cases/{number}",
    "api/v1/cases/{number}/documents/{document_id}",
    "portal/cases/{number}/",
    "portal/cases/{number}/letters/{letter_id}/",
    "portal/cases/{number}/documents/{document_id}/",
    "admin/cases/party/{party}/change/",
    "admin/cases/case/{case}/change/",
}


def routes(resolver: URLResolver, prefix: str = "") -> Iterator[str]:
    for entry in resolver.url_patterns:
        pattern = entry.pattern
        if isinstance(pattern, RoutePattern):
            text = str(pattern._route)
        elif isinstance(pattern, RegexPattern):
            text = str(pattern._regex)
        else:  # pragma: no cover - Django has only these two
            raise AssertionError(f"unknown pattern {pattern!r}")
        if isinstance(entry, URLResolver):
            yield from routes(entry, prefix + text)
        else:
            assert isinstance(entry, URLPattern)
            yield prefix + text


def concrete(route: str, values: dict[str, Any]) -> str:
    """The route with its parameters filled in (`<conv:name>` or a regex's named groups)."""
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m.group(1)]), path)
    return "/" + path.replace("^", "").replace("$", "")


@pytest.fixture
def world(maria, staff, settings) -> dict[str, Any]:
    """One case of Maria's with a document, a mailed letter and an approved representative."""
    from appealdesk.correspondence.services import letter_generate, letter_mark_mailed

    notice = (timezone.localdate() - timezone.timedelta(days=30)).isoformat()
    case = sv.case_receive(
        request=ump(received_at=local_now(), notice_date=notice, channel="portal"),
        actor=staff["alice"],
        member=maria.party,
        backdate_reason="test",
    )
    document = document_store(
        SimpleUploadedFile("eob.pdf", PDF, content_type="application/pdf"),
        kind="eob",
        case=case,
        actor=maria.user,
    )
    letter = letter_generate(case, kind="acknowledgement", actor=staff["bob"])
    letter_mark_mailed(letter, actor=staff["bob"])
    ruth = make_account("ruth@example.org", "authorized_rep", name="Ruth Adams")
    authorization = authorize(ruth, maria.party)
    ApiKey.issue(user=staff["root"], name="walk", scopes=sorted(SCOPES))
    # a faxed page in the mailroom: its queue, page, viewer and page images carry PHI too
    from appealdesk.mailroom.services import item_store

    item = item_store(
        source="fax",
        raw=PDF,
        received_at=timezone.now(),
        received_basis="fax provider's timestamp",
        source_id="walk-1",
        program="ump",
    ).item
    return {
        "item_id": item.pk,
        "part_id": item.parts.order_by("position").first().pk,
        "page": 1,
        "case": case,
        "number": case.number,
        "document_id": document.pk,
        "letter_id": letter.pk,
        "pk": authorization.pk,
        "request_id": 1,
        "job_id": 1,  # no such job: a 404 still carries the headers
        "action": "assign",
        "program": "ump",
        "version": "2026.2",
        "year": timezone.localdate().year,
        "kind": "acknowledgement",
        "report": "universe",
        "fmt": "csv",
        # the outbox: a name that is no message (404 still answers with the headers)
        "name": "20260101T000000000000Z-" + "0" * 32 + ".eml",
        "index": 0,
        "app_label": "cases",
        "id": staff["root"].pk,
        "pk_user": staff["root"].pk,
        "view_id": 1,
        "token": accounts.verification_token(maria.user),
        "uidb64": urlsafe_base64_encode(force_bytes(maria.user.pk)),
        "maria": maria,
    }


def admin_object(route: str) -> Any:
    """The first row of the model an admin route is about (None if it has none)."""
    match = re.match(r"admin/(\w+)/(\w+)/", route)
    if match is None:
        return None
    for model in admin.site._registry:
        if (model._meta.app_label, model._meta.model_name) == match.groups():
            return model._default_manager.order_by("pk").first()
    return None


def check(response: Any, path: str) -> list[str]:
    """What is wrong with the headers of one answer (empty if nothing)."""
    wrong = []
    policy = response.get("Content-Security-Policy", "")
    expected = DOCUMENT_POLICY if policy.startswith("default-src 'none'") else SITE_POLICY
    missing = [d for d in expected if d not in policy]
    if missing or "unsafe-inline" in policy or "unsafe-eval" in policy:
        wrong.append(f"{path}: Content-Security-Policy {policy!r} (missing {missing})")
    if response.get("Cache-Control") != "no-store" or response.get("Pragma") != "no-cache":
        wrong.append(
            f"{path}: Cache-Control {response.get('Cache-Control')!r}, "
            f"Pragma {response.get('Pragma')!r}"
        )
    return wrong


def test_every_page_has_a_strict_policy_and_is_not_stored(world, staff, settings):
    settings.MFA = "optional"
    desk = Client()
    desk.force_login(staff["root"])
    portal = Client(HTTP_HOST="127.0.0.1")
    portal.force_login(world["maria"].user)
    values = dict(world)
    values["token"] = world["token"]
    wrong: list[str] = []
    shown: set[str] = set()
    walked = 0
    for route in routes(get_resolver()):
        if route in NOT_WALKED:
            continue
        values["pk"] = world["pk"]
        if route.startswith("admin/") and ("object_id>" in route or "<int:pk>" in route):
            row = admin_object(route)
            if row is None:
                continue  # a model with no rows: its list page is walked
            values["object_id"] = values["pk"] = row.pk
        if "password/reset/<uidb64>/<token>" in route:
            values["token"] = default_token_generator.make_token(world["maria"].user)
        path = concrete(route, values)
        values["token"] = world["token"]
        client = portal if path.startswith("/portal/") else desk
        response = client.get(path)
        walked += 1
        assert response.status_code < 500, f"{path}: {response.status_code}"
        wrong += check(response, path)
        if response.status_code == 200:
            shown.add(path)
        if getattr(response, "streaming", False):
            # read through the test client's wrapper, which closes the response without
            # request_finished closing the test's database connection (PostgreSQL)
            b"".join(response.streaming_content)
    assert not wrong, "\n".join(wrong)
    assert walked > 150  # the whole resolver, admin included
    ids = {**values, "party": world["maria"].party.pk, "case": world["case"].pk}
    assert {p.format(**ids) for p in MUST_SHOW} <= {p.lstrip("/") for p in shown}, sorted(shown)


def test_an_api_answer_to_a_key_is_not_stored_either(world, staff):
    _, secret = ApiKey.issue(user=staff["root"], name="headers", scopes=sorted(SCOPES))
    response = Client().get(
        f"/api/v1/cases/{world['number']}", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert response.status_code == 200
    assert check(response, "api") == []
