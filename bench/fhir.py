"""FHIR edge benchmark (issue 21), through Django's test client, ratios measured in the same run:

(a) Task search: `GET /fhir/r4/Task?_count=1000` (a 1,000-case page, a later page by its
    cursor) vs the REST API's case list `GET /api/v1/cases?limit=200` (its largest page): p50
    per page and per case, queries per request, and the ratio per case; also Task at
    `_count=200` against the REST page of the same size;
(b) intake: `POST /fhir/r4/$appeal-intake?create=true` with the PAS example bundle vs
    `POST /api/v1/cases` with the same assess request and member (target <= 2x), and the
    proposal alone (`$appeal-intake`) vs `POST /api/v1/assess`.
The key is one user's, a supervisor, analyst and intake clerk on every generated team.

Run after bench/generate.py has loaded the database (DATABASE_URL, or SQLite in
APPEALDESK_DATA_DIR):
    .venv/bin/python bench/fhir.py [--runs 50] [--intakes 100]
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# run as a script, bench/ is first on the path and this file would shadow the `fhir` package
# (fhir.resources): the project root instead
HERE = Path(__file__).resolve().parent
sys.path[:] = [str(HERE.parent), *(p for p in sys.path if Path(p or ".").resolve() != HERE)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appealdesk.settings")
os.environ["APPEALDESK_MFA"] = "optional"

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from appealdesk.access import roles  # noqa: E402
from appealdesk.api.models import SCOPES, ApiKey  # noqa: E402
from appealdesk.cases.models import Case  # noqa: E402
from appealdesk.fhir import intake, search  # noqa: E402
from bench.desk import desk_user, queries_of  # noqa: E402


def paired(fns: list[Callable[[], Any]], runs: int) -> list[tuple[float, float]]:
    """p50 and p99 (ms) of each function, called in turn within each run (after one warm-up
    call each), so that all of them meet the same load on a shared machine."""
    for fn in fns:
        fn()
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, found in zip(fns, samples, strict=True):
            start = time.perf_counter()
            fn()
            found.append(time.perf_counter() - start)
    found_p = []
    for found in samples:
        found.sort()
        p99 = found[min(len(found) - 1, int(len(found) * 0.99))]
        found_p.append((statistics.median(found) * 1000, p99 * 1000))
    return found_p


BUNDLE = Path(__file__).resolve().parents[1] / "tests/fhir/bundles/pas-referral-denied.json"
TARGET_INTAKE_RATIO = 2.0
TARGET_PAGE_MS = 50


def client_and_key() -> tuple[Client, dict[str, str]]:
    user = desk_user()
    user.groups.add(Group.objects.get_or_create(name=roles.INTAKE)[0])
    _, key = ApiKey.issue(name="bench fhir", user=user, scopes=list(SCOPES))
    return Client(), {"Authorization": f"Bearer {key}"}


def expect(response: Any, status: int, what: str) -> Any:
    if response.status_code != status:
        sys.exit(f"{what}: {response.status_code}, expected {status}: {response.content[:300]!r}")
    return response


def bench_search(client: Client, headers: dict[str, str], runs: int) -> None:
    def task_page(count: int, cursor: str = "") -> Any:
        url = f"/fhir/r4/Task?_count={count}" + (f"&_cursor={cursor}" if cursor else "")
        return expect(client.get(url, headers=headers), 200, url)

    def rest_page(limit: int) -> Any:
        url = f"/api/v1/cases?limit={limit}"
        return expect(client.get(url, headers=headers), 200, url)

    later = str(Case.objects.order_by("-pk").values_list("pk", flat=True)[5000:5001].get())
    # the floor: the first page's one statement, run by hand (the rows fetched, nothing built)
    shown = ("id", *search.TASK_COLUMNS, "binding_due_at", "member_name", "member_subscriber_id")
    page_sql = search.task_rows().order_by("-pk").values(*shown)[:1001].query.sql_with_params()

    def page_sql_by_hand() -> Any:
        with connection.cursor() as cursor:
            cursor.execute(*page_sql)
            return cursor.fetchall()

    rows = [
        ("Task _count=1000, first page", lambda: task_page(1000), 1000),
        ("Task _count=1000, a later page", lambda: task_page(1000, later), 1000),
        ("Task _count=200", lambda: task_page(200), 200),
        ("REST /cases limit=200", lambda: rest_page(200), 200),
        ("floor: the 1,000-row SQL by hand", page_sql_by_hand, 1000),
    ]
    results = {}
    print("  (a) search pages (the five called in turn, each run)")
    timings = paired([fn for _, fn, _ in rows], runs)
    for (name, fn, size), (p50, p99) in zip(rows, timings, strict=True):
        queries, _ = queries_of(fn)
        results[name] = p50 / size
        print(
            f"    {name:<32} p50 {p50:8.2f} ms  p99 {p99:8.2f} ms  "
            f"{p50 / size * 1000:7.1f} us/case  {queries} queries"
        )
    rest = results["REST /cases limit=200"]
    per_case = results["Task _count=1000, first page"] / rest
    print(f"    ratio per case, Task 1000-page / REST 200-page: {per_case:.2f}x")
    print(f"    ratio, Task 200-page / REST 200-page: {results['Task _count=200'] / rest:.2f}x")
    floor = results["floor: the 1,000-row SQL by hand"]
    first = results["Task _count=1000, first page"]
    verdict = "met" if first * 1000 <= TARGET_PAGE_MS else "NOT MET"
    print(
        f"    ratio, Task 1000-page / its SQL by hand: {first / floor:.1f}x; "
        f"p50 {first * 1000:.0f} ms (target <= {TARGET_PAGE_MS} ms at 1,000,000 cases: {verdict})"
    )


def bench_intake(client: Client, headers: dict[str, str], runs: int) -> None:
    template = json.loads(BUNDLE.read_text())
    created = (timezone.now() - dt.timedelta(days=30)).isoformat(timespec="seconds")
    template["entry"][0]["resource"]["created"] = created
    sequence = iter(range(10**9))

    def fhir_body() -> str:
        found = copy.deepcopy(template)
        member_id = f"W9{next(sequence):07d}"  # a new member each time, as in the REST body
        for entry in found["entry"]:
            resource = entry["resource"]
            if resource["resourceType"] == "Coverage":
                resource["subscriberId"] = member_id
            if resource["resourceType"] == "Patient":
                resource["identifier"][0]["value"] = member_id
        return json.dumps(found)

    def rest_body() -> str:
        denial = intake.denial_of(intake.read_bundle(json.loads(fhir_body())))
        request = intake.assess_request(
            denial, program="ump", received_at=timezone.localtime().isoformat()
        )
        return json.dumps(
            {
                "request": request,
                "member": {"name": denial.patient_name, "subscriber_id": denial.subscriber_ids[0]},
            }
        )

    # the bodies are made before the clock starts: only the requests are timed
    fhir_bodies = iter([fhir_body() for _ in range(2 * runs + 4)])
    rest_bodies = iter([rest_body() for _ in range(2 * runs + 4)])

    def fhir(create: bool) -> None:
        url = "/fhir/r4/$appeal-intake?program=ump" + ("&create=true" if create else "")
        body = next(fhir_bodies)
        response = client.post(url, body, content_type="application/fhir+json", headers=headers)
        expect(response, 201 if create else 200, url)

    def rest_create() -> None:
        response = client.post(
            "/api/v1/cases", next(rest_bodies), content_type="application/json", headers=headers
        )
        expect(response, 201, "POST /api/v1/cases")

    def rest_assess() -> None:
        body = json.dumps(json.loads(next(rest_bodies))["request"])
        response = client.post(
            "/api/v1/assess", body, content_type="application/json", headers=headers
        )
        expect(response, 200, "POST /api/v1/assess")

    print("  (b) intake (the four called in turn, each run)")
    results = {}
    kinds: list[tuple[str, Callable[[], Any]]] = [
        ("FHIR $appeal-intake create=true", lambda: fhir(True)),
        ("REST POST /cases", rest_create),
        ("FHIR $appeal-intake (proposal)", lambda: fhir(False)),
        ("REST POST /assess", rest_assess),
    ]
    for (name, _), (p50, p99) in zip(kinds, paired([fn for _, fn in kinds], runs), strict=True):
        results[name] = p50
        print(f"    {name:<32} p50 {p50:8.2f} ms  p99 {p99:8.2f} ms")
    ratio = results["FHIR $appeal-intake create=true"] / results["REST POST /cases"]
    verdict = "met" if ratio <= TARGET_INTAKE_RATIO else "NOT MET"
    target = f"target <= {TARGET_INTAKE_RATIO:.0f}x: {verdict}"
    print(f"    ratio create, FHIR / REST: {ratio:.2f}x ({target})")
    proposal = results["FHIR $appeal-intake (proposal)"] / results["REST POST /assess"]
    print(f"    ratio proposal, FHIR / REST assess: {proposal:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50, help="requests per search page")
    parser.add_argument("--intakes", type=int, default=100, help="requests per intake kind")
    args = parser.parse_args()
    client, headers = client_and_key()
    print(f"FHIR edge at {Case.objects.count():,} cases ({connection.vendor})")
    bench_search(client, headers, args.runs)
    bench_intake(client, headers, args.intakes)


if __name__ == "__main__":
    main()
