"""Letters benchmark (issue 7): pages per second, with ratios measured in the same run.

(a) `letter_generate`, the whole pipeline: the case's facts (the next level through the policy
    engine), the template, WeasyPrint to a tagged PDF/UA-1, the PDF stored as a document with
    its SHA-256, the letter row and its event;
(b) the floor: WeasyPrint alone turning the very same HTML pages into the same PDFs;
(c) the draft alone (facts and template, no PDF): what the preview on the case page costs;
(d) the case-file packet of a matter with its letters: index, documents, timeline, page stamps.
The ratio (a)/(b) says what everything around WeasyPrint costs.

Runs on the database of APPEALDESK_DATA_DIR (or DATABASE_URL); it adds a dozen cases of its own
(summary "bench letters"). Standalone: `.venv/bin/python bench/letters.py [--letters 60]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appealdesk.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from appealdesk.cases import services as sv  # noqa: E402
from appealdesk.cases.models import Case, Party, StaffProfile  # noqa: E402
from appealdesk.correspondence.packet import packet_build  # noqa: E402
from appealdesk.correspondence.render import letter_draft, pdf_of  # noqa: E402
from appealdesk.correspondence.services import letter_generate  # noqa: E402

SUMMARY = "bench letters"
PACIFIC = dt.timezone(dt.timedelta(hours=-8))


def people() -> tuple[Any, Any]:
    User = get_user_model()
    analyst, _ = User.objects.get_or_create(username="bench-letters", defaults={"is_staff": True})
    reviewer, _ = User.objects.get_or_create(
        username="bench-letters-reviewer", defaults={"is_staff": True}
    )
    StaffProfile.objects.update_or_create(
        user=reviewer, defaults={"administrative_reviewer": True, "clinical_reviewer": True}
    )
    return analyst, reviewer


def scenarios(analyst: Any, reviewer: Any) -> list[tuple[Case, str]]:
    """One case of each kind the letters need, received a few days ago, and its letter."""
    now = timezone.now()
    received = (now - dt.timedelta(days=3)).astimezone(PACIFIC)
    member = Party.objects.create(
        role="member",
        name="Bench Member",
        subscriber_id="W0000001",
        address="1 Bench Road\nOlympia, WA 98501",
    )

    def receive(**request: Any) -> Case:
        base = {
            "program": "ump",
            "received_at": received.isoformat(timespec="seconds"),
            "channel": "mail",
            "filed_by": "member",
            "requested": "appeal",
            "category": "claim_payment",
            "service": "medical",
            "notice_date": (received - dt.timedelta(days=40)).date().isoformat(),
        }
        return sv.case_receive(
            request={**base, **request},
            actor=analyst,
            member=member,
            summary=SUMMARY,
            backdate_reason="bench",
        )

    def decide(case: Case) -> Case:
        return sv.case_decide(
            case, actor=reviewer, outcome="upheld", action="deny", reason="The plan's terms."
        )

    appeal = receive()
    grievance = receive(
        program="genex-ur",
        requested="grievance",
        category="ur_timeliness",
        service=None,
        notice_date=None,
        occurrence_date=(received - dt.timedelta(days=60)).date().isoformat(),
    )
    concluded = sv.case_record_milestone(
        receive(
            program="genex-ur",
            requested="grievance",
            category="process_or_staff",
            service=None,
            notice_date=None,
            occurrence_date=(received - dt.timedelta(days=60)).date().isoformat(),
        ),
        actor=analyst,
        milestone="investigation_concluded",
    )
    late = receive(notice_date=(received - dt.timedelta(days=400)).date().isoformat())
    return [
        (appeal, "acknowledgement"),
        (appeal, "extension_consent_request"),
        (decide(receive()), "decision"),
        (decide(receive(service="prescription")), "decision"),
        (sv.case_dismiss(late, actor=analyst, reason="untimely"), "dismissal"),
        (receive(category="eligibility_enrollment"), "redirect"),
        (grievance, "acknowledgement"),
        (decide(concluded), "decision"),
    ]


def rate(pages: int, seconds: float) -> str:
    return f"{pages / seconds:7.1f} pages/s"


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=48, help="letters to generate")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    analyst, reviewer = people()
    work = scenarios(analyst, reviewer)
    drafts = [letter_draft(case, kind) for case, kind in work]
    for draft in drafts:  # warm up fonts, templates and the engine's caches
        pdf_of(draft.html)
    order = [work[i % len(work)] for i in range(args.letters)]
    html = [drafts[i % len(work)].html for i in range(args.letters)]

    # (a) the whole pipeline
    made: list[Any] = []
    full = timed(lambda: made.extend(letter_generate(c, kind=k, actor=analyst) for c, k in order))
    pages = sum(letter.pages for letter in made)
    # (b) the floor: WeasyPrint alone, the same pages
    floor_pages = [0]

    def weasyprint_only() -> None:
        for page in html:
            floor_pages[0] += pdf_of(page)[1]

    floor = timed(weasyprint_only)
    # (c) the draft alone
    draft_times = []
    for case, kind in order:
        start = time.perf_counter()
        letter_draft(case, kind)
        draft_times.append(time.perf_counter() - start)
    # (d) the packet of each case, with the letters made above
    cases = list({case.pk: case for case, _ in work}.values())
    packets: list[Any] = []
    packet_seconds = timed(lambda: packets.extend(packet_build(c) for c in cases))
    packet_pages = sum(p.pages for p in packets)
    parts = sum(len(p.parts) for p in packets)
    draft_p50 = statistics.median(draft_times) * 1000
    draft_p99 = sorted(draft_times)[int(len(draft_times) * 0.99) - 1] * 1000

    print(f"letters benchmark: {len(made)} letters of {len(work)} kinds and programs")
    print(
        f"(a) letter_generate, whole pipeline    {rate(pages, full)}  "
        f"{len(made) / full:6.1f} letters/s  ({pages} pages, {full:.2f} s)"
    )
    print(
        f"(b) floor: WeasyPrint alone, same HTML {rate(floor_pages[0], floor)}  "
        f"({floor_pages[0]} pages, {floor:.2f} s)"
    )
    print(
        f"    (a) throughput / (b) throughput    {floor / full:7.2f}  "
        "(1.00: the pipeline costs nothing beyond WeasyPrint)"
    )
    print(
        f"(c) draft only (facts + template)      p50 {draft_p50:6.1f} ms  p99 {draft_p99:6.1f} ms"
    )
    print(
        f"(d) case-file packets                  {rate(packet_pages, packet_seconds)}  "
        f"({len(packets)} packets, {packet_pages} pages, {parts} documents, "
        f"{packet_seconds:.2f} s)"
    )


if __name__ == "__main__":
    main()
