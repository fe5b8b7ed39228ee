"""Realistic demo data: staff, teams, members, and several hundred cases of both programs in
every state, each built through the services so its history (events) is real."""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from appealdesk.cases import services as sv
from appealdesk.cases.errors import DomainError
from appealdesk.cases.models import Case, Document, Party, StaffProfile, Team
from appealdesk.demo.mail import load_mailroom

DEMO_PASSWORD = "appealdesk-demo"

STAFF = [
    # username, full name, desk roles (groups), manager, administrative / clinical reviewer
    ("sam", "Sam Supervisor", "supervisor administrator", None, False, False),
    ("alice", "Alice Intake", "intake", "sam", False, False),
    ("bob", "Bob Analyst", "analyst", "sam", False, False),
    ("carol", "Carol Reviewer", "administrative_reviewer", "sam", True, False),
    ("dave", "Dave Reviewer", "administrative_reviewer", "sam", True, False),
    ("erin", "Erin Lead", "administrative_reviewer clinical_reviewer", "sam", True, True),
    ("frank", "Frank Nurse", "clinical_reviewer", "erin", False, True),
    ("grace", "Grace MD", "clinical_reviewer", "sam", False, True),
]

TEAMS = [
    ("UMP medical (Regence)", "ump", "regence", "administrative"),
    ("UMP pharmacy (WSRxS)", "ump", "wsrxs", "clinical"),
    ("UMP Centers of Excellence (Premera)", "ump", "premera", "clinical"),
    ("UMP intake and redirects", "ump", "", ""),
    ("Genex Grievance Committee", "genex-ur", "genex-grievance-committee", "administrative"),
    ("Genex appeals consideration", "genex-ur", "genex-appeals", "clinical"),
]

FIRST = [
    "Ana",
    "Ben",
    "Chloe",
    "Dmitri",
    "Elena",
    "Farah",
    "Gus",
    "Hana",
    "Ivan",
    "Jada",
    "Kai",
    "Lena",
    "Marco",
    "Nia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
]
LAST = [
    "Alvarez",
    "Brooks",
    "Chen",
    "Diaz",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Huang",
    "Ito",
    "Jensen",
    "Kim",
    "Lopez",
    "Moreau",
    "Nguyen",
    "Okafor",
    "Patel",
    "Reyes",
    "Singh",
]

# (weight, request template): the mix an A&G unit sees
TEMPLATES: list[tuple[int, dict[str, Any]]] = [
    (
        18,
        {
            "program": "ump",
            "requested": "appeal",
            "category": "claim_payment",
            "service": "medical",
            "channel": "mail",
        },
    ),
    (
        8,
        {
            "program": "ump",
            "requested": "complaint",
            "category": "claim_processing",
            "service": "medical",
            "channel": "phone",
        },
    ),
    (
        10,
        {
            "program": "ump",
            "requested": "appeal",
            "category": "coverage_denial",
            "service": "prescription",
            "channel": "fax",
        },
    ),
    (
        6,
        {
            "program": "ump",
            "requested": "appeal",
            "category": "preauthorization",
            "service": "coe",
            "channel": "mail",
        },
    ),
    (
        5,
        {
            "program": "ump",
            "requested": "appeal",
            "category": "coverage_denial",
            "service": "medical",
            "channel": "fax",
            "filed_by": "provider",
            "expedited": True,
        },
    ),
    (
        4,
        {
            "program": "ump",
            "requested": "appeal",
            "category": "coverage_denial",
            "service": "prescription",
            "channel": "phone",
            "expedited": True,
        },
    ),
    (
        10,
        {
            "program": "ump",
            "requested": "complaint",
            "category": "wait_time",
            "service": "medical",
            "channel": "phone",
        },
    ),
    (
        6,
        {
            "program": "ump",
            "requested": "complaint",
            "category": "quality_of_care",
            "service": "medical",
            "channel": "email",
            "network_provider": True,
        },
    ),
    (
        4,
        {
            "program": "ump",
            "requested": "complaint",
            "category": "staff_attitude",
            "service": "prescription",
            "channel": "phone",
            "written_response_requested": True,
        },
    ),
    (
        3,
        {
            "program": "ump",
            "requested": "appeal",
            "category": "eligibility_enrollment",
            "service": "medical",
            "channel": "mail",
        },
    ),
    (
        2,
        {
            "program": "ump",
            "requested": "appeal",
            "category": "coe_medical_appropriateness",
            "service": "coe",
            "channel": "mail",
        },
    ),
    (
        10,
        {
            "program": "genex-ur",
            "requested": "grievance",
            "category": "ur_timeliness",
            "channel": "mail",
        },
    ),
    (
        4,
        {
            "program": "genex-ur",
            "requested": "grievance",
            "category": "reviewer_licensure",
            "channel": "fax",
        },
    ),
    (
        4,
        {
            "program": "genex-ur",
            "requested": "grievance",
            "category": "process_or_staff",
            "channel": "phone",
        },
    ),
    (
        3,
        {
            "program": "genex-ur",
            "requested": "grievance",
            "category": "clinical_determination",
            "channel": "mail",
        },
    ),
    (
        3,
        {
            "program": "genex-ur",
            "requested": "clinical_appeal",
            "category": "clinical_determination",
            "channel": "phone",
            "filed_by": "provider",
        },
    ),
]
UMP_ITEMS = [
    "subscriber_name",
    "patient_name",
    "subscriber_id",
    "providers",
    "service_dates",
    "mailing_address",
    "daytime_phone",
    "statement",
    "eob",
    "medical_records",
]
GENEX_ITEMS = [
    "party_name",
    "party_address",
    "party_phone",
    "summary",
    "contact_history",
    "relief_sought",
    "signature",
    "date_signed",
]


DEMO_BATCH = 50


def load_demo(
    *,
    cases: int = 400,
    seed: int = 7,
    now: dt.datetime | None = None,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Create the demo. Refuses to run twice (it never touches data it did not make)."""
    now = now or timezone.now()
    if Team.objects.filter(name=TEAMS[0][0]).exists():
        raise DomainError("demo data is already loaded")
    rng = random.Random(seed)
    with transaction.atomic():
        staff = _staff()
        _teams(staff)
        members = _members(rng, 150)
        _portal_accounts(members, staff, now)
    states: Counter[str] = Counter()
    weights = [w for w, _ in TEMPLATES]
    for start in range(0, cases, DEMO_BATCH):
        # a batch of cases per transaction (each service still has its own savepoint): one
        # commit per case was a fifth of the demo's time on SQLite
        with transaction.atomic():
            for i in range(start, min(start + DEMO_BATCH, cases)):
                template = rng.choices([t for _, t in TEMPLATES], weights)[0]
                # half are recent (open work), half older (decided, closed, escalated)
                days = rng.uniform(0.1, 14) if rng.random() < 0.5 else rng.uniform(14, 120)
                age = dt.timedelta(days=days, minutes=rng.randrange(600))
                try:
                    case = _one_case(rng, template, members, staff, now - age, now)
                except DomainError as exc:  # a combination the rules refuse: part of the demo
                    say(f"  skipped one request: {exc.message}")
                    continue
                states[case.state] += 1
                if (i + 1) % 100 == 0:
                    say(f"  {i + 1} requests taken in")
    refreshed = sv.clocks_refresh(now=now)
    load_mailroom(now=now, say=say)  # what arrived by fax, mail and e-mail, waiting to be read
    return {
        "cases": sum(states.values()),
        "states": dict(states),
        "missed": refreshed["missed"],
        "users": [s[0] for s in STAFF],
        "password": DEMO_PASSWORD,
    }


def _demo_password(user: Any) -> None:
    """The demo password, hashed once for all eleven accounts (Argon2 for each was a tenth of
    the demo's time, paid by every test that loads the demo). They share a salt: the password
    is printed on the screen anyway."""
    user.password = _demo_hash()
    user.save(update_fields=["password"])


@functools.cache
def _demo_hash() -> str:
    return make_password(DEMO_PASSWORD)


def _staff() -> dict[str, Any]:
    users: dict[str, Any] = {}
    User = get_user_model()
    for username, full, groups, manager, admin, clinical in STAFF:
        first, last = full.split(" ", 1)
        user = User.objects.create_user(
            username,
            f"{username}@demo.appealdesk.test",
            password=None,
            first_name=first,
            last_name=last,
            is_staff=True,
            is_superuser=username == "sam",
        )
        _demo_password(user)
        StaffProfile.objects.create(
            user=user,
            manager=users.get(manager or ""),
            administrative_reviewer=admin,
            clinical_reviewer=clinical,
        )
        user.groups.set([Group.objects.get_or_create(name=g)[0] for g in groups.split()])
        users[username] = user
    return users


# a minimal one-page PDF (the demo's stand-in for a scanned, signed authorization form)
DEMO_AUTHORIZATION_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
PORTAL_ACCOUNTS = ("maria@example.org", "ruth@example.org", "ng@clinic.example")


def _portal_accounts(members: list[Party], staff: dict[str, Any], now: dt.datetime) -> None:
    """Portal sign-ins for the demo (password DEMO_PASSWORD): Maria, a member whose record staff
    linked to her account (she sees her cases, whatever the channel); Ruth, a representative
    with one authorization checked by staff and one still waiting; Dr. Ng, a provider."""
    from appealdesk.accounts.models import PortalAccount
    from appealdesk.cases.models import Authorization

    maria = members[0]
    maria.name = maria.subscriber_name = maria.patient_name = "Maria Lopez"
    maria.email = PORTAL_ACCOUNTS[0]
    maria.save(update_fields=["name", "subscriber_name", "patient_name", "email"])
    ruth = Party.objects.create(role="authorized_rep", name="Ruth Adams", email=PORTAL_ACCOUNTS[1])
    ng = Party.objects.create(
        role="provider", name="Dr. Lee Ng", email=PORTAL_ACCOUNTS[2], phone="206-555-0199"
    )
    User = get_user_model()
    for party, kind in (
        (maria, PortalAccount.MEMBER),
        (ruth, PortalAccount.REPRESENTATIVE),
        (ng, PortalAccount.PROVIDER),
    ):
        user = User.objects.create_user(party.email, party.email, password=None)
        _demo_password(user)
        PortalAccount.objects.create(
            user=user,
            kind=kind,
            party=party,
            email_verified_at=now,
            linked_at=now if kind == PortalAccount.MEMBER else None,
            linked_by=staff["sam"] if kind == PortalAccount.MEMBER else None,
            npi="1234567893" if kind == PortalAccount.PROVIDER else "",
            organization="Olympia Family Clinic" if kind == PortalAccount.PROVIDER else "",
        )
    Authorization.objects.create(
        member=members[1],
        representative=ruth,
        requested_at=now,
        verified_at=now,
        verified_by=staff["sam"],
    )
    # waiting for staff: the signed form is on file (a one-page PDF standing in for the scan)
    from django.core.files.base import ContentFile

    from appealdesk.cases.documents import document_store

    form = ContentFile(DEMO_AUTHORIZATION_PDF, name="authorization-signed.pdf")
    document = document_store(form, kind="authorization", case=None, actor=None)
    Authorization.objects.create(
        member=members[2], representative=ruth, requested_at=now, document=document
    )


def _teams(staff: dict[str, Any]) -> None:
    for name, program, handler, skill in TEAMS:
        team = Team.objects.create(
            name=name, program=program, handler=handler, skill=skill, supervisor=staff["sam"]
        )
        for user in staff.values():
            user.staff.teams.add(team)


def _members(rng: random.Random, n: int) -> list[Party]:
    people = []
    for i in range(n):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        people.append(
            Party(
                role="member",
                name=name,
                subscriber_name=name,
                subscriber_id=f"W{1000000 + i * 37:07d}",
                patient_name=name,
                # spread over 60 years without drawing from `rng` (the demo's cases stay the same)
                birth_date=dt.date(1945, 1, 1) + dt.timedelta(days=i * 7919 % (365 * 60)),
                phone=f"206-555-{1000 + i:04d}",
                address=f"{100 + i} Pine St, Olympia, WA 98501",
                email=f"member{i}@example.org",
                email_consent=i % 3 == 0,
            )
        )
    return Party.objects.bulk_create(people)


def _one_case(
    rng: random.Random,
    template: dict[str, Any],
    members: list[Party],
    staff: dict[str, Any],
    received: dt.datetime,
    now: dt.datetime,
) -> Case:
    local = received.astimezone(dt.timezone(dt.timedelta(hours=-8)))
    request = {**template, "received_at": local.isoformat(timespec="seconds")}
    request.setdefault("filed_by", rng.choice(["member", "member", "authorized_rep"]))
    if template["program"] == "ump":
        late = rng.random() < 0.06  # a few filed after the 180-day window
        request["notice_date"] = (
            local.date()
            - dt.timedelta(days=rng.choice([181, 200] if late else [5, 20, 45, 90, 170, 180]))
        ).isoformat()
        request["provided"] = rng.sample(UMP_ITEMS, rng.randrange(3, len(UMP_ITEMS)))
    else:
        late = rng.random() < 0.06
        request["occurrence_date"] = (
            local.date() - dt.timedelta(days=rng.choice([380, 400] if late else [10, 60, 200, 364]))
        ).isoformat()
        request["provided"] = rng.sample(GENEX_ITEMS, rng.randrange(4, len(GENEX_ITEMS) + 1))
    case = sv.case_receive(
        request=request,
        actor=staff["alice"],
        member=rng.choice(members),
        summary=_summary(template),
        now=received + dt.timedelta(minutes=5),
    )
    _progress(rng, case, staff, received, now)
    return case


def _summary(template: dict[str, Any]) -> str:
    return f"{template['category'].replace('_', ' ')} ({template['channel']})"


def _progress(
    rng: random.Random, case: Case, staff: dict[str, Any], received: dt.datetime, now: dt.datetime
) -> None:
    """Walk the case as far as its age allows: acknowledge, assign, ask, decide, notify."""

    def at(hours: float) -> dt.datetime | None:
        t = received + dt.timedelta(hours=hours)
        return t if t < now else None

    if case.disposition == "reject":
        t = at(rng.uniform(2, 48))
        if t:
            reason = case.assessment["rejection"]["code"]
            sv.case_dismiss(
                case,
                actor=staff["bob"],
                reason=reason if reason in sv.DISMISSAL_REASONS else "not_appealable",
                note=case.assessment["rejection"]["message"],
                now=t,
            )
        return
    if case.disposition == "informal":
        # an oral Genex grievance: resolved by phone, or the caller files in writing (seed:
        # informal resolution first; a formal grievance must be in writing) — never decided
        if t := at(rng.uniform(2, 72)):
            sv.case_dismiss(
                case,
                actor=staff["alice"],
                reason="withdrawn",
                note="resolved informally by phone; told that a formal grievance must be in "
                "writing",
                now=t,
            )
        return
    if case.state != "received":
        return
    clock_ids = set(case.clocks.values_list("clock_id", flat=True))
    if "acknowledge" in clock_ids and (t := at(rng.uniform(1, 80))):
        sv.case_record_notice(
            case, actor=staff["alice"], notice="acknowledgement", medium="written", at=t, now=t
        )
    reviewer = _reviewer(rng, case, staff)
    if (t := at(rng.uniform(2, 30))) and reviewer is not None:
        sv.case_assign(case, actor=staff["sam"], owner=staff["bob"], reviewer=reviewer, now=t)
    if case.missing and rng.random() < 0.3 and (t := at(rng.uniform(30, 60))):
        sv.case_request_information(case, actor=staff["bob"], now=t)
        if t2 := at(rng.uniform(100, 200)):
            sv.case_receive_information(case, actor=staff["bob"], items=list(case.missing), now=t2)
    decide_after = 48 if case.expedited else rng.uniform(100, 800)
    grievance = case.program == "genex-ur" and case.kind == "grievance"
    if grievance:
        # the Grievance Committee decides after its investigation (30 days of receipt)
        concluded = rng.uniform(100, 720)
        decide_after = concluded + rng.uniform(24, 500)
        if t := at(concluded):
            sv.case_record_milestone(
                case, actor=staff["bob"], milestone="investigation_concluded", at=t, now=t
            )
    if case.state in ("in_review", "awaiting_information", "received") and (t := at(decide_after)):
        if case.state == "awaiting_information":
            return
        outcome = rng.choice(["upheld", "upheld", "overturned", "partially_overturned"])
        sv.case_decide(
            case,
            actor=reviewer or staff["sam"],
            outcome=outcome,
            action="deny" if outcome != "overturned" else "",
            now=t,
            decided_at=t,
        )
        if case.expedited and (t2 := at(decide_after + rng.uniform(1, 20))):
            sv.case_record_notice(
                case, actor=staff["bob"], notice="decision", medium="verbal", at=t2, now=t2
            )
        if t3 := at(decide_after + rng.uniform(2, 60)):
            sv.case_record_notice(
                case, actor=staff["bob"], notice="decision", medium="written", at=t3, now=t3
            )
            if rng.random() < 0.5 and (t4 := at(decide_after + 200)):
                sv.case_close(case, actor=staff["bob"], now=t4)
            elif (
                outcome == "upheld"
                and case.kind == "appeal"
                and rng.random() < 0.6
                and (t5 := at(decide_after + rng.uniform(100, 600)))
            ):
                sv.case_escalate(
                    case,
                    actor=staff["alice"],
                    channel="mail",
                    received_at=t5.isoformat(timespec="seconds"),
                    now=t5,
                )
    elif case.kind == "appeal" and rng.random() < 0.1:
        decision = case.clocks.filter(clock_id="decision").first()
        if decision and decision.due_at and (t := at(20 * 24)):
            sv.clock_extend(
                decision,
                actor=staff["bob"],
                new_due_at=decision.due_at + dt.timedelta(days=14),
                reason="waiting for medical records",
                consent_document=_consent(case),
                now=t,
            )


def _reviewer(rng: random.Random, case: Case, staff: dict[str, Any]) -> Any:
    candidates = [staff[n] for n in ("carol", "dave", "erin", "frank", "grace")]
    rng.shuffle(candidates)
    for person in candidates:
        try:
            sv.check_reviewer(case, person)
        except DomainError:
            continue
        return person
    return None


def _consent(case: Case) -> Document:
    body = f"%PDF-1.4 demo written consent for {case.number}".encode()
    import hashlib

    return Document.objects.create(
        case=case,
        kind="written_consent",
        name=f"consent-{case.number}.pdf",
        content_type="application/pdf",
        size=len(body),
        sha256=hashlib.sha256(body).hexdigest(),
        file=ContentFile(body, name=f"consent-{case.number}.pdf"),
    )
