"""Scenario data for the browser tests, run as a subprocess against a fresh data folder.

Loads a small demo (staff sam…grace, teams, members, cases in every state, built through the
services), adds the people the scenarios need, gives the signed-in staff an authenticator with a
known key (so the tests can compute their codes) and takes in the cases the scenarios start
from. Prints one JSON object: the case numbers and the TOTP keys (hex) by username.

    APPEALDESK_DATA_DIR=... python tests/e2e/seed.py
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
from typing import Any

PASSWORD = "appealdesk-demo"  # the demo staff's password (appealdesk.demo.data.DEMO_PASSWORD)
OUTSIDER = "gina"  # intake on the Genex team only: UMP cases are not hers
LOCKED = "lou"  # the lockout test's account
NEWCOMER = "nina"  # no authenticator yet: the enrolment test's account
WITH_DEVICE = ("sam", "alice", "bob", "carol", "dave", OUTSIDER, LOCKED)


def totp_key(username: str) -> str:
    """A fixed 20-byte key per user, as hex (django-otp's TOTPDevice.key)."""
    return hashlib.sha1(f"appealdesk-e2e-{username}".encode()).hexdigest()


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appealdesk.settings")
    import django

    django.setup()

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from appealdesk.cases import services as sv
    from appealdesk.cases.models import Party, StaffProfile, Team
    from appealdesk.demo.data import DEMO_PASSWORD, load_demo

    assert DEMO_PASSWORD == PASSWORD
    now = timezone.now()
    load_demo(
        cases=int(os.environ.get("E2E_DEMO_CASES", "40")), seed=11, now=now, say=lambda s: None
    )

    User = get_user_model()
    staff = {u.username: u for u in User.objects.all()}
    genex_team = Team.objects.get(name="Genex Grievance Committee")
    ump_team = Team.objects.get(name="UMP medical (Regence)")

    def person(username: str, full: str, group: str, team: Team) -> Any:
        first, last = full.split(" ", 1)
        user = User.objects.create_user(
            username,
            f"{username}@e2e.appealdesk.test",
            PASSWORD,
            first_name=first,
            last_name=last,
            is_staff=True,
        )
        StaffProfile.objects.create(user=user, manager=staff["sam"]).teams.set([team])
        user.groups.set([Group.objects.get_or_create(name=group)[0]])
        return user

    with transaction.atomic():
        staff[OUTSIDER] = person(OUTSIDER, "Gina Genex", "intake", genex_team)
        staff[LOCKED] = person(LOCKED, "Lou Locked", "analyst", ump_team)
        staff[NEWCOMER] = person(NEWCOMER, "Nina Newcomer", "analyst", ump_team)
        for username in WITH_DEVICE:
            TOTPDevice.objects.create(
                user=staff[username], name="authenticator", key=totp_key(username), confirmed=True
            )

    def member(name: str, subscriber_id: str) -> Party:
        return Party.objects.create(
            role="member",
            name=name,
            subscriber_name=name,
            patient_name=name,
            subscriber_id=subscriber_id,
            phone="360-555-0100",
            address="1 Capitol Way, Olympia, WA 98501",
        )

    def take_in(who: Party, received: dt.datetime, **fields: Any) -> Any:
        local = received.astimezone(dt.timezone(dt.timedelta(hours=-8)))
        request = {
            "program": "ump",
            "received_at": local.isoformat(timespec="seconds"),
            "channel": "mail",
            "filed_by": "member",
            "requested": "appeal",
            "category": "claim_payment",
            "service": "medical",
            "notice_date": (local.date() - dt.timedelta(days=20)).isoformat(),
            "provided": ["subscriber_name", "subscriber_id", "statement"],
            **fields,
        }
        return sv.case_receive(
            request=request,
            actor=staff["alice"],
            member=who,
            summary=f"e2e: {request['category'].replace('_', ' ')}",
            backdate_reason="date-stamped in the mail room",
            now=received + dt.timedelta(minutes=30),
        )

    hours = dt.timedelta(hours=1)
    # (3) a level-1 appeal whose `decision` clock needs written consent to go past 30 days
    extend = take_in(member("Ezra Extend", "W7000001"), now - 3 * hours)
    # the stale-edit test's case
    stale = take_in(member("Stella Stale", "W7000002"), now - 4 * hours)
    # (5) a UMP case the Genex intake coordinator may not open
    hidden = take_in(member("Hugo Hidden", "W7000003"), now - 5 * hours)
    # (4) level 1 decided by carol, then the member asked for level 2
    start = now - dt.timedelta(days=20)
    first = take_in(member("Lev Leveltwo", "W7000004"), start)
    sv.case_assign(
        first,
        actor=staff["sam"],
        owner=staff["bob"],
        reviewer=staff["carol"],
        now=start + 2 * hours,
    )
    decided = start + dt.timedelta(days=10)
    sv.case_decide(
        first,
        actor=staff["carol"],
        outcome="upheld",
        action="deny",
        decided_at=decided,
        now=decided,
        reason="the plan's terms exclude it",
    )
    sv.case_record_notice(
        first,
        actor=staff["bob"],
        notice="decision",
        medium="written",
        at=decided + hours,
        now=decided + hours,
    )
    second = sv.case_escalate(
        first,
        actor=staff["alice"],
        channel="mail",
        received_at=(now - 2 * hours)
        .astimezone(dt.timezone(dt.timedelta(hours=-8)))
        .isoformat(timespec="seconds"),
        backdate_reason="opened after lunch",
        now=now - hours,
    )
    assert second.level == 2, second.level
    from appealdesk.accounts.models import PortalAccount

    maria = PortalAccount.objects.get(user__username="maria@example.org").party
    # a level-1 appeal of Maria's, by mail: the consent-to-more-time scenario
    consent_case = take_in(maria, now - 2 * hours)
    # issue 18: a level-1 appeal received 22 days ago and acknowledged the next day: its
    # non-binding 14-day decision target passed 8 days ago, the binding 30-day clock runs
    target = take_in(member("Tara Target", "W7000005"), now - dt.timedelta(days=22))
    sv.case_record_notice(
        target,
        actor=staff["bob"],
        notice="acknowledgement",
        medium="written",
        at=now - dt.timedelta(days=21),
        now=now - dt.timedelta(days=21),
    )
    # and an expedited appeal (72 hours): the worklist's own lane at the top
    expedited = take_in(
        member("Evan Expedited", "W7000006"), now - 5 * hours, filed_by="provider", expedited=True
    )
    portal = _portal_people(now)
    portal["consent_case"] = consent_case.number
    # issue 18: notifications, notes and the return to the analyst, each on its own case
    medical = ump_team
    assign = take_in(member("Ada Assign", "W7000005"), now - 3 * hours)
    sv.case_assign(assign, actor=staff["sam"], owner=staff["bob"], team=medical)
    note = take_in(member("Nora Note", "W7000006"), now - 3 * hours)
    sv.case_assign(note, actor=staff["sam"], owner=staff["bob"], reviewer=staff["carol"])
    back = take_in(member("Ray Return", "W7000007"), now - 3 * hours)
    sv.case_assign(back, actor=staff["sam"], owner=staff["bob"], reviewer=staff["carol"])
    # Maria's appeal owned by bob, waiting for her EOB: she answers on the portal
    answer = take_in(maria, now - 2 * hours)
    sv.case_assign(answer, actor=staff["sam"], owner=staff["bob"], team=medical)
    sv.case_request_information(
        answer, actor=staff["bob"], items=["eob"], note="Please send the EOB."
    )
    portal["answer_case"] = answer.number
    json.dump(
        {
            "portal": portal,
            "cases": {
                "extend": extend.number,
                "stale": stale.number,
                "hidden": hidden.number,
                "level1": first.number,
                "level2": second.number,
                "assign": assign.number,
                "note": note.number,
                "return": back.number,
                "target": target.number,
                "expedited": expedited.number,
            },
            "keys": {u: totp_key(u) for u in WITH_DEVICE},
            "password": PASSWORD,
        },
        sys.stdout,
    )


def _portal_people(now: Any) -> dict[str, Any]:
    """The portal's scenario people, beside the demo's maria (member), ruth (representative)
    and ng (provider): rita, a representative whose authorization staff have not checked yet."""
    from django.contrib.auth import get_user_model

    from appealdesk.accounts.models import PortalAccount
    from appealdesk.cases.models import Authorization, Case, Party

    maria = PortalAccount.objects.get(user__username="maria@example.org")
    others = Case.objects.exclude(member=maria.party).filter(member__isnull=False)
    other = others.order_by("id").first()
    assert other is not None
    rita_party = Party.objects.create(
        role="authorized_rep", name="Rita Waiting", email="rita@example.org"
    )
    user = get_user_model().objects.create_user("rita@example.org", "rita@example.org", PASSWORD)
    PortalAccount.objects.create(
        user=user, kind="authorized_rep", party=rita_party, email_verified_at=now
    )
    Authorization.objects.create(member=other.member, representative=rita_party, requested_at=now)
    mine = Case.objects.filter(member=maria.party).order_by("-received_at").first()
    ruth = PortalAccount.objects.get(user__username="ruth@example.org")
    approved = Authorization.objects.get(representative=ruth.party, verified_at__isnull=False)
    represented = list(Case.objects.filter(member=approved.member).values_list("number", flat=True))
    return {
        "password": PASSWORD,
        "member": "maria@example.org",
        "member_name": maria.party.name,
        "member_subscriber_id": maria.party.subscriber_id,
        "representative": "ruth@example.org",
        "waiting_representative": "rita@example.org",
        "provider": "ng@clinic.example",
        "other_case": other.number,
        "other_member": other.member.name,
        "member_case": mine.number if mine else None,
        "represented_member": approved.member.name,
        "represented_cases": represented,
    }


if __name__ == "__main__":
    main()
