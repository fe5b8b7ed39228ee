"""The API's callers: the desk's personas (tests/desk/conftest.py) each with an API key, plus
keys that must not work (no scope, expired, revoked) and the desk session itself.

    alice intake, bob analyst, sam supervisor: the UMP medical team
    carol administrative reviewer: no team, the assigned reviewer of the medical case
    olga analyst: the UMP pharmacy team
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from appealdesk.api.models import SCOPES, ApiKey
from appealdesk.cases.models import Document
from tests.desk.conftest import (  # noqa: F401  (fixtures, shared with the desk's tests)
    _desk_settings,
    appeal,
    drug_appeal,
    local_now,
    medical,
    member,
    pharmacy,
    receive,
    staff,
)

API = "/api/v1"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@dataclass
class Caller:
    """How one caller authenticates: headers for every request, or a signed-in client."""

    name: str
    headers: dict[str, str] = field(default_factory=dict)
    client: Client | None = None
    csrf: str | None = None

    def call(
        self, method: str, path: str, body: Any = None, *, files: Any = None, **headers: str
    ) -> Any:
        client = self.client or Client(enforce_csrf_checks=True)
        all_headers = {**self.headers, **headers}
        if self.csrf and method != "GET":
            all_headers["X-CSRFToken"] = self.csrf
        kwargs: dict[str, Any] = {"headers": all_headers}
        if files is not None:
            kwargs["data"] = files
        elif body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(client, method.lower())(f"{API}{path}", **kwargs)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def key_of(user: Any, *scopes: str, **fields: Any) -> str:
    _, text = ApiKey.issue(
        name=f"{user.username} client", user=user, scopes=list(scopes or SCOPES), **fields
    )
    return text


def session_client(user: Any, *, csrf: bool) -> Caller:
    """The desk's session (CSRF enforced, as in a browser): with the CSRF token, or without."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    token = None
    if csrf:
        from django.middleware.csrf import _get_new_csrf_string

        token = _get_new_csrf_string()
        client.cookies["csrftoken"] = token
    return Caller("session+csrf" if csrf else "session-no-csrf", client=client, csrf=token)


@pytest.fixture
def callers(staff) -> dict[str, Caller]:  # noqa: F811 (the desk's fixture)
    past = timezone.now() - dt.timedelta(days=1)
    found = {"nobody": Caller("nobody")}
    for name in ("alice", "bob", "carol", "sam", "olga"):
        found[name] = Caller(name, bearer(key_of(staff[name])))
    found["bob X-API-Key"] = Caller("bob X-API-Key", {"X-API-Key": key_of(staff["bob"])})
    found["bob read-only"] = Caller("bob read-only", bearer(key_of(staff["bob"], "cases:read")))
    found["bob assess-only"] = Caller("bob assess-only", bearer(key_of(staff["bob"], "assess")))
    found["bob expired"] = Caller("bob expired", bearer(key_of(staff["bob"], expires_at=past)))
    found["bob revoked"] = Caller("bob revoked", bearer(key_of(staff["bob"], revoked_at=past)))
    found["bob session+csrf"] = session_client(staff["bob"], csrf=True)
    found["bob session-no-csrf"] = session_client(staff["bob"], csrf=False)
    return found


def document_on(case: Any, name: str = "eob.pdf") -> Document:
    return Document.objects.create(
        case=case,
        kind="eob",
        name=name,
        content_type="application/pdf",
        size=len(PDF),
        sha256=f"{case.pk:064d}",
        file=ContentFile(PDF, name=f"{case.pk}.pdf"),
    )


def etag_of(case: Any) -> str:
    case.refresh_from_db()
    return f'"v{case.version}"'
