"""A known world for the reports: cases of both programs taken in and worked through the
services at fixed past times, so every clock ends in a known state by NOW. Personas: sam
supervises UMP, gina supervises Genex, root administers, bob is a UMP analyst, rita reviews."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from appealdesk.cases import services as sv
from appealdesk.cases.models import Case, Clock, Party, StaffProfile, Team
from tests.cases.conftest import written_consent
from tests.conftest import genex, ump

UTC = dt.UTC
NOW = dt.datetime(2026, 6, 15, 19, 0, tzinfo=UTC)  # Monday 12:00 PDT
H, D = dt.timedelta(hours=1), dt.timedelta(days=1)


def at(text: str) -> dt.datetime:
    """A local time with its offset, e.g. '2026-01-05T10:00:00-08:00'."""
    return dt.datetime.fromisoformat(text).astimezone(UTC)


def make_user(name: str, *groups: str, teams=(), **kw: Any):
    user = get_user_model().objects.create_user(
        name, f"{name}@example.org", "right-password", is_staff=True, **kw
    )
    user.groups.set([Group.objects.get_or_create(name=g)[0] for g in groups])
    profile = StaffProfile.objects.create(
        user=user, administrative_reviewer=True, clinical_reviewer=True
    )
    profile.teams.set(teams)
    return user


@pytest.fixture(autouse=True)
def _report_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MFA = "optional"


@pytest.fixture
def people(db) -> dict[str, Any]:
    medical = Team.objects.create(name="UMP medical", program="ump", handler="regence")
    genex_team = Team.objects.create(
        name="Genex grievances", program="genex-ur", handler="genex-grievance-committee"
    )
    return {
        "sam": make_user("sam", "supervisor", teams=[medical]),
        "gina": make_user("gina", "supervisor", teams=[genex_team]),
        "root": make_user("root", is_superuser=True),
        "bob": make_user("bob", "analyst", teams=[medical]),
        "rita": make_user("rita", "administrative_reviewer"),
        "vera": make_user("vera", "administrative_reviewer"),
    }


@dataclass
class World:
    cases: dict[str, Case]
    people: dict[str, Any]

    def clock(self, name: str, clock_id: str) -> Clock:
        return Clock.objects.exclude(state="cancelled").get(
            case=self.cases[name], clock_id=clock_id
        )


def taken_in(member: Party, actor: Any) -> Callable[[dict[str, Any]], Case]:
    """Intake of a request at its own receipt time (entered ten minutes later, from the mail
    log)."""

    def receive(request: dict[str, Any]) -> Case:
        received = at(request["received_at"])
        return sv.case_receive(
            request=request,
            actor=actor,
            member=member,
            backdate_reason="entered from the mail log",
            now=received + 10 * dt.timedelta(minutes=1),
        )

    return receive


@pytest.fixture
def world(people) -> World:
    """Cases A–M (docs in each step); NOW is 2026-06-15 12:00 PDT."""
    bob, rita = people["bob"], people["rita"]
    member = Party.objects.create(role="member", name="Pat Doe", subscriber_id="W1234567")
    consent = written_consent()
    receive = taken_in(member, bob)

    def notice(case: Case, notice: str, medium: str, when: dt.datetime) -> None:
        sv.case_record_notice(case, actor=bob, notice=notice, medium=medium, at=when, now=when)

    def decide(case: Case, outcome: str, when: dt.datetime, by: Any = rita) -> None:
        sv.case_decide(case, actor=by, outcome=outcome, decided_at=when, now=when)

    c: dict[str, Case] = {}
    # A: appeal, every clock met; closed; later taken to level 2 (J)
    c["A"] = receive(ump(received_at="2026-01-05T10:00:00-08:00"))
    notice(c["A"], "acknowledgement", "written", at("2026-01-06T09:00:00-08:00"))
    decide(c["A"], "upheld", at("2026-01-15T15:00:00-08:00"))
    notice(c["A"], "decision", "written", at("2026-01-16T10:00:00-08:00"))
    sv.case_close(c["A"], actor=bob, now=at("2026-01-20T10:00:00-08:00"))
    # B: acknowledged late, decided late (overturned)
    c["B"] = receive(ump(received_at="2026-01-12T09:00:00-08:00", channel="fax"))
    notice(c["B"], "acknowledgement", "written", at("2026-01-16T09:00:00-08:00"))
    decide(c["B"], "overturned", at("2026-02-20T11:00:00-08:00"))
    notice(c["B"], "decision", "written", at("2026-02-21T11:00:00-08:00"))
    # C: a prescription appeal nobody worked: the sweep marks the acknowledgement missed on
    # Feb 25; its decision clocks are still running at NOW, long past due
    c["C"] = receive(
        ump(
            received_at="2026-02-16T13:00:00-08:00",
            service="prescription",
            category="coverage_denial",
            channel="portal",
        )
    )
    sv.clocks_refresh(now=at("2026-02-25T00:00:00-08:00"))
    # D: a fresh complaint, open on time at NOW
    c["D"] = receive(
        ump(
            received_at="2026-06-10T11:00:00-07:00",
            requested="complaint",
            category="wait_time",
            channel="phone",
        )
    )
    # E: expedited appeal decided within hours, both notices in time
    c["E"] = receive(
        ump(
            received_at="2026-03-02T08:00:00-08:00",
            filed_by="provider",
            expedited=True,
            category="coverage_denial",
            channel="fax",
        )
    )
    decide(c["E"], "overturned", at("2026-03-02T20:00:00-08:00"))
    notice(c["E"], "decision", "verbal", at("2026-03-02T21:00:00-08:00"))
    notice(c["E"], "decision", "written", at("2026-03-03T10:00:00-08:00"))
    # F: acknowledged, its decision extended with the member's written consent: open on time
    c["F"] = receive(ump(received_at="2026-05-20T10:00:00-07:00", channel="email"))
    notice(c["F"], "acknowledgement", "written", at("2026-05-21T10:00:00-07:00"))
    sv.clock_extend(
        Clock.objects.get(case=c["F"], clock_id="decision"),
        actor=bob,
        new_due_at=at("2026-07-31T23:59:59-07:00"),
        reason="records from the clinic",
        consent_document=consent,
        now=at("2026-06-01T10:00:00-07:00"),
    )
    # G: withdrawn: its clocks are cancelled and never count
    c["G"] = receive(ump(received_at="2026-04-01T10:00:00-07:00"))
    sv.case_dismiss(c["G"], actor=bob, reason="withdrawn", now=at("2026-04-03T10:00:00-07:00"))
    # H: Genex grievance: acknowledged, investigated; its decision notice now overdue
    c["H"] = receive(genex(received_at="2026-04-01T09:00:00-07:00", occurrence_date="2026-03-20"))
    notice(c["H"], "acknowledgement", "written", at("2026-04-02T09:00:00-07:00"))
    concluded = at("2026-04-20T15:00:00-07:00")
    sv.case_record_milestone(
        c["H"], actor=bob, milestone="investigation_concluded", at=concluded, now=concluded
    )
    # I: Genex grievance just in: decision notice pending (no investigation yet)
    c["I"] = receive(
        genex(
            received_at="2026-06-01T09:00:00-07:00",
            occurrence_date="2026-05-20",
            category="process_or_staff",
            channel="portal",
        )
    )
    # J: A at level 2, partially overturned
    c["J"] = sv.case_escalate(
        c["A"],
        actor=bob,
        received_at="2026-02-10T10:00:00-08:00",
        channel="mail",
        backdate_reason="mail log",
        now=at("2026-02-10T10:05:00-08:00"),
    )
    # (vera: rita decided level 1 and may not decide level 2)
    decide(c["J"], "partially_overturned", at("2026-03-05T10:00:00-08:00"), by=people["vera"])
    # K: reclassified to a prescription appeal: its first clocks are cancelled
    c["K"] = receive(ump(received_at="2026-03-10T10:00:00-07:00"))
    sv.case_reclassify(
        c["K"],
        actor=bob,
        changes={"service": "prescription", "category": "coverage_denial"},
        reason="a drug, not a claim",
        now=at("2026-03-11T10:00:00-07:00"),
    )
    notice(c["K"], "acknowledgement", "verbal", at("2026-03-11T11:00:00-07:00"))
    decide(c["K"], "upheld", at("2026-03-30T10:00:00-07:00"))
    # L and M: complaints whose response clock is paused (no shipped pack pauses a clock, so
    # the rows are set as a pausable pack would leave them): L paused before its due time
    # (on time: a paused clock's time stands still), M paused after it (overdue)
    c["L"] = receive(
        ump(
            received_at="2026-02-02T10:00:00-08:00",
            requested="complaint",
            category="wait_time",
            channel="phone",
        )
    )
    c["M"] = receive(
        ump(
            received_at="2026-02-03T10:00:00-08:00",
            requested="complaint",
            category="wait_time",
            channel="in_person",
        )
    )
    for name, paused in (("L", "2026-02-10T10:00:00-08:00"), ("M", "2026-04-10T10:00:00-07:00")):
        Clock.objects.filter(case=c[name], clock_id="response").update(
            state="paused", paused_at=at(paused)
        )
    for name in c:
        c[name].refresh_from_db()
    return World(cases=c, people=people)
