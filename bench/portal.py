"""Portal benchmark (issue 9): server time of the member's and the provider's pages through
Django's test client at the generated scale, with ratios measured in the same run against a
floor of the same reads done by hand (raw SQL, no ORM, no template):

(a) home page of a member with her generated cases (the list of her requests);
(b) status page of a sample of her cases (case, clocks, events, letters, documents);
(c) home page of a provider with 200 cases among all the others (the partial `case_provider`
    index: without it this page scanned every case);
(d) the live answer of the filing page (POST /portal/file/check/) against a bare `assess` call.

Run after bench/generate.py has loaded the database (DATABASE_URL, or SQLite in
APPEALDESK_DATA_DIR):
    .venv/bin/python bench/portal.py [--runs 200] [--cases 50]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appealdesk.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from appealdesk.accounts.models import PortalAccount  # noqa: E402
from appealdesk.cases.models import Case, Party  # noqa: E402
from appealdesk.policy import assess  # noqa: E402
from bench.desk import get, line, over_sample, queries_of, timed  # noqa: E402

FLOOR_HOME = (
    "SELECT c.id, c.number, c.kind, c.level, c.state, c.received_date, c.member_id, m.name "
    "FROM cases_case c LEFT JOIN cases_party m ON m.id = c.member_id "
    "WHERE c.{who}_id = %s ORDER BY c.received_at DESC, c.id DESC LIMIT 51"
)
FLOOR_CASE = [
    "SELECT c.*, m.name FROM cases_case c LEFT JOIN cases_party m ON m.id = c.member_id "
    "WHERE c.number = %s",
    "SELECT * FROM cases_clock WHERE case_id = %s AND state <> 'cancelled'",
    "SELECT * FROM cases_event WHERE case_id = %s ORDER BY at, id",
    "SELECT * FROM correspondence_letter WHERE case_id = %s",
    "SELECT * FROM cases_document WHERE case_id = %s",
]


def account(email: str, kind: str, party: Party) -> PortalAccount:
    user, _ = get_user_model().objects.get_or_create(username=email, defaults={"email": email})
    made, _ = PortalAccount.objects.get_or_create(
        user=user,
        defaults={
            "kind": kind,
            "party": party,
            "email_verified_at": timezone.now(),
            "linked_at": timezone.now(),
        },
    )
    return made


def signed_in(who: PortalAccount) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(who.user)
    return client


def floor(sql: str, *params: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.fetchall()


def ratio(name: str, page: float, bare: float) -> None:
    print(f"    ratio {name}: {page:.2f} / {bare:.2f} ms = {page / bare:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--cases", type=int, default=50, help="status pages sampled")
    args = parser.parse_args()
    total = Case.objects.count()
    if total < 1000:
        sys.exit("run bench/generate.py first")
    # the member with the most cases among the generated members
    member_id = (
        Case.objects.filter(member__name__startswith="Bench member")
        .values("member_id")
        .order_by("member_id")[:1]
        .get()["member_id"]
    )
    member = account("bench-member@example.org", "member", Party.objects.get(pk=member_id))
    provider_party = Party.objects.filter(name="Bench provider").first() or Party.objects.create(
        role="provider", name="Bench provider"
    )
    provider = account("bench-provider@example.org", "provider", provider_party)
    if not Case.objects.filter(provider=provider_party).exists():
        step = max(total // 200, 1)
        ids = list(Case.objects.order_by("id").values_list("id", flat=True)[::step][:200])
        Case.objects.filter(id__in=ids).update(provider=provider_party)
    mine = Case.objects.filter(member_id=member_id).count()
    print(f"portal at {total:,} cases; the member has {mine} cases, the provider 200")

    client = signed_in(member)
    # the framework floor: a signed-in portal page that reads no case (session, sign-in, the
    # portal's checks, the base template) — what every page pays before its own work
    frame, _ = timed(lambda: get(client, "/portal/check-email/"), args.runs)
    print(f"    a page that reads no case (GET /portal/check-email/): p50 {frame:.2f} ms")
    print("(a) member's home page")
    n, _ = queries_of(lambda: get(client, "/portal/"))
    p50, p99 = timed(lambda: get(client, "/portal/"), args.runs)
    line("GET /portal/", p50, p99, n)
    bare, _ = timed(lambda: floor(FLOOR_HOME.format(who="member"), member_id), args.runs)
    ratio("home page / its list by hand", p50, bare)
    ratio("home page / a page that reads no case", p50, frame)

    print(f"(b) status pages ({args.cases} of her cases)")
    numbers = list(
        Case.objects.filter(member_id=member_id).values_list("number", flat=True)[: args.cases]
    )
    n, _ = queries_of(lambda: get(client, f"/portal/cases/{numbers[0]}/"))
    p50, p99 = over_sample(lambda number: get(client, f"/portal/cases/{number}/"), numbers, 4)
    line("GET /portal/cases/<number>/", p50, p99, n)
    ids = dict(Case.objects.filter(number__in=numbers).values_list("number", "id"))

    def by_hand(number: str) -> None:
        floor(FLOOR_CASE[0], number)
        for sql in FLOOR_CASE[1:]:
            floor(sql, ids[number])

    bare, _ = over_sample(by_hand, numbers, 4)
    ratio("status page / the same reads by hand", p50, bare)
    ratio("status page / a page that reads no case", p50, frame)

    print("(c) provider's home page")
    pclient = signed_in(provider)
    n, _ = queries_of(lambda: get(pclient, "/portal/"))
    p50, p99 = timed(lambda: get(pclient, "/portal/"), args.runs)
    line("GET /portal/ (provider)", p50, p99, n)
    bare, _ = timed(lambda: floor(FLOOR_HOME.format(who="provider"), provider_party.pk), args.runs)
    ratio("provider home / its list by hand", p50, bare)
    ratio("provider home / a page that reads no case", p50, frame)

    print("(d) the filing page's live answer")
    notice = (timezone.localdate() - dt.timedelta(days=20)).isoformat()
    form = {
        "for_whom": "self",
        "program": "ump",
        "denied": "yes",
        "service": "medical",
        "harm": "no",
        "category": "claim_payment",
        "notice_date": notice,
    }

    def check() -> None:
        response = client.post("/portal/file/check/", form)
        assert response.status_code == 200, response.status_code

    p50, p99 = timed(check, args.runs)
    line("POST /portal/file/check/", p50, p99, queries_of(check)[0])
    request = {
        "program": "ump",
        "received_at": timezone.now().isoformat(),
        "channel": "portal",
        "written": True,
        "filed_by": "member",
        "requested": "appeal",
        "category": "claim_payment",
        "service": "medical",
        "notice_date": notice,
    }
    bare, _ = timed(lambda: assess(request), args.runs)
    ratio("live answer / bare assess", p50, bare)


if __name__ == "__main__":
    main()
