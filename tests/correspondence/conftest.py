"""Realistic cases of both programs, each built through the services (so its history, clocks
and documents are real), for every kind of letter; an SMTP server on 127.0.0.1 that keeps
what it receives; helpers to read a PDF's text and structure.

The personas are the case core's (tests/cases/conftest.py): alice intake, bob analyst, carol
and dave administrative reviewers, grace clinical reviewer. Pat Doe is the member.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass, field
from typing import Any

import pypdf
import pytest
from aiosmtpd.controller import Controller
from django.test import Client

from appealdesk.api.models import SCOPES, ApiKey
from appealdesk.cases import services as sv
from appealdesk.cases.models import Case, Party
from tests.cases.conftest import (  # noqa: F401  (fixtures: the case core's personas)
    _fast_settings,
    people,
    team,
)
from tests.conftest import genex, ump
from tests.desk.conftest import (  # noqa: F401  (the desk's personas, for the desk's tests)
    _desk_settings,
    appeal,
    medical,
    pharmacy,
    receive,
    staff,
)
from tests.mailbox import Mailbox, free_port


def at(text: str) -> dt.datetime:
    """An instant written in local time with its offset, e.g. '2026-03-02T10:15-08:00'."""
    return dt.datetime.fromisoformat(text)


@pytest.fixture
def member(db):
    return Party.objects.create(
        role="member",
        name="Pat Doe",
        subscriber_name="Pat Doe",
        subscriber_id="W1234567",
        patient_name="Pat Doe",
        address="1200 Pine Street, Apt 4\nOlympia, WA 98501",
        phone="360-555-0142",
        email="pat.doe@example.org",
        email_consent=True,
    )


@pytest.fixture
def paper_member(db):
    """A member with an e-mail address who has not agreed to letters by e-mail."""
    return Party.objects.create(
        role="member",
        name="Lee Roe",
        subscriber_name="Lee Roe",
        subscriber_id="W7654321",
        address="88 Elm Road\nSpokane, WA 99201",
        email="lee.roe@example.org",
        email_consent=False,
    )


@pytest.fixture
def worker(db):
    return Party.objects.create(
        role="member",
        name="Maria Lopez",
        address="402 Harbor Way\nOxnard, CA 93030",
        phone="805-555-0199",
        email="maria.lopez@example.org",
        email_consent=True,
    )


@dataclass
class Cases:
    """Builds one case of each kind the letters need, through the services."""

    people: dict[str, Any]
    member: Party
    worker: Party
    made: dict[str, Case] = field(default_factory=dict)

    def receive(self, request: dict[str, Any], *, now: dt.datetime, member: Party | None = None):
        return sv.case_receive(
            request=request,
            actor=self.people["alice"],
            member=member or self.member,
            now=now,
            backdate_reason="entered from the mail log",
            summary="Claim for the March 3 office visit was denied.",
        )

    # -- UMP ----------------------------------------------------------------------------------
    def ump_appeal(self, **fields: Any) -> Case:
        """A first-level appeal of a denied claim, mailed, received Mon 2 March 2026."""
        request = ump(received_at="2026-03-02T10:15:00-08:00", **fields)
        return self.receive(request, now=at("2026-03-02T11:00-08:00"))

    def ump_decided(self, outcome: str = "upheld", **fields: Any) -> Case:
        case = self.ump_appeal(provided=["subscriber_name", "subscriber_id"], **fields)
        return sv.case_decide(
            case,
            actor=self.people["carol"],
            outcome=outcome,
            action="deny" if outcome != "overturned" else "",
            decided_at=at("2026-03-12T15:00-07:00"),
            letter_date=dt.date(2026, 3, 13),
            reason="The plan covers one routine eye exam a year; this was the second in 2026.",
            now=at("2026-03-12T15:05-07:00"),
        )

    def ump_level2_decided(self) -> Case:
        first = self.ump_decided()
        second = sv.case_escalate(
            first,
            actor=self.people["alice"],
            received_at="2026-04-20T09:00:00-07:00",
            channel="mail",
            backdate_reason="entered from the mail log",
            now=at("2026-04-20T10:00-07:00"),
        )
        return sv.case_decide(
            second,
            actor=self.people["dave"],
            outcome="upheld",
            action="deny",
            decided_at=at("2026-05-01T11:00-07:00"),
            letter_date=dt.date(2026, 5, 1),
            reason="The second-level reviewers agree: the benefit limit is one exam a year.",
            now=at("2026-05-01T11:05-07:00"),
        )

    def ump_expedited_decided(self) -> Case:
        request = ump(
            received_at="2026-03-02T10:15:00-08:00",
            channel="fax",
            filed_by="provider",
            category="coverage_denial",
            expedited=True,
        )
        case = self.receive(request, now=at("2026-03-02T10:30-08:00"))
        return sv.case_decide(
            case,
            actor=self.people["grace"],
            outcome="partially_overturned",
            action="reduce",
            decided_at=at("2026-03-03T16:00-08:00"),
            letter_date=dt.date(2026, 3, 3),
            reason="Six of the ten requested infusions are medically necessary now.",
            now=at("2026-03-03T16:05-08:00"),
        )

    def ump_iro(self) -> Case:
        second = self.ump_level2_decided()
        return sv.case_escalate(
            second,
            actor=self.people["alice"],
            received_at="2026-06-01T09:00:00-07:00",
            channel="mail",
            requested="external_review",
            backdate_reason="entered from the mail log",
            now=at("2026-06-01T10:00-07:00"),
        )

    def ump_complaint_extended(self) -> Case:
        request = ump(
            received_at="2026-03-02T10:15:00-08:00",
            requested="complaint",
            category="wait_time",
            written=True,
        )
        case = self.receive(request, now=at("2026-03-02T11:00-08:00"))
        clock = case.clocks.get(clock_id="response")
        sv.clock_extend(
            clock,
            actor=self.people["bob"],
            new_due_at=at("2026-04-15T23:59-07:00"),
            reason="we are waiting for the clinic's scheduling records",
            now=at("2026-03-20T09:00-07:00"),
        )
        return Case.objects.get(pk=case.pk)

    def ump_complaint_decided(self) -> Case:
        case = self.ump_complaint_extended()
        return sv.case_decide(
            case,
            actor=self.people["carol"],
            outcome="partially_overturned",
            decided_at=at("2026-04-02T10:00-07:00"),
            reason="The clinic has added Saturday appointments; we reminded it of the "
            "plan's access standards.",
            now=at("2026-04-02T10:05-07:00"),
        )

    def ump_dismissed(self, reason: str) -> Case:
        fields: dict[str, Any] = {}
        if reason == "untimely":
            fields = {"notice_date": "2025-06-01"}
        elif reason == "not_appealable":
            fields = {"category": "coe_medical_appropriateness", "service": "coe"}
        case = self.ump_appeal(**fields)
        note = {"withdrawn": "The member called on March 5 to withdraw the appeal."}.get(reason, "")
        return sv.case_dismiss(
            case,
            actor=self.people["bob"],
            reason=reason,
            note=note,
            now=at("2026-03-05T09:00-08:00"),
        )

    def ump_redirected(self) -> Case:
        return self.ump_appeal(category="eligibility_enrollment")

    # -- Genex --------------------------------------------------------------------------------
    def genex_grievance(self, **fields: Any) -> Case:
        """A mailed grievance about a late UR decision, received Wed 4 March 2026."""
        request = genex(received_at="2026-03-04T09:00:00-08:00", **fields)
        return self.receive(request, now=at("2026-03-04T10:00-08:00"), member=self.worker)

    def genex_decided(self) -> Case:
        case = self.genex_grievance()
        case = sv.case_record_milestone(
            case,
            actor=self.people["bob"],
            milestone="investigation_concluded",
            at=at("2026-03-25T12:00-07:00"),
            now=at("2026-03-25T12:05-07:00"),
        )
        return sv.case_decide(
            case,
            actor=self.people["carol"],
            outcome="overturned",
            decided_at=at("2026-03-27T10:00-07:00"),
            reason="The decision on the request was made on day 9, after the five business "
            "days the Labor Code allows. We have retrained the unit and changed its work queue.",
            now=at("2026-03-27T10:05-07:00"),
        )

    def genex_dismissed(self) -> Case:
        case = self.genex_grievance(occurrence_date="2024-12-01")
        return sv.case_dismiss(
            case, actor=self.people["bob"], reason="untimely", now=at("2026-03-05T09:00-08:00")
        )

    def genex_redirected(self) -> Case:
        return self.genex_grievance(category="clinical_determination")


@pytest.fixture
def cases(request, db, member, worker) -> Cases:
    return Cases(people=request.getfixturevalue("people"), member=member, worker=worker)


# -- reading PDFs -----------------------------------------------------------------------------
def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def words(text: str) -> str:
    """Text with its line breaks and runs of spaces made single spaces (PDF text wraps)."""
    return " ".join(text.split())


# -- an SMTP server on 127.0.0.1 ----------------------------------------------------------------
@pytest.fixture
def smtp(settings):
    """An aiosmtpd server on a free port of 127.0.0.1, with Django's SMTP backend pointed at it
    (pytest-django switches to the in-memory backend: this test asks for SMTP again), and the
    immediate task backend so a send runs when its transaction commits."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "appeals@ump.example.org"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    yield mailbox
    controller.stop()


# -- API callers --------------------------------------------------------------------------------
@dataclass
class Caller:
    """Someone calling API v1 with a key (or without one)."""

    headers: dict[str, str]

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        kwargs: dict[str, Any] = {"headers": {**self.headers, **headers}}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(Client(), method.lower())(f"/api/v1{path}", **kwargs)


@pytest.fixture
def callers(request) -> dict[str, Caller]:
    """The desk's personas, each with a key of every scope; bob also with a read-only one."""
    desk_staff = request.getfixturevalue("staff")

    def key(user: Any, *scopes: str) -> Caller:
        _, text = ApiKey.issue(
            name=f"{user.username} client", user=user, scopes=list(scopes or SCOPES)
        )
        return Caller({"Authorization": f"Bearer {text}"})

    found = {name: key(desk_staff[name]) for name in ("alice", "bob", "carol", "sam", "olga")}
    found["bob read-only"] = key(desk_staff["bob"], "cases:read")
    found["nobody"] = Caller({})
    return found


def etag_of(case: Case) -> str:
    case.refresh_from_db()
    return f'"v{case.version}"'
