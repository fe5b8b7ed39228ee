"""Mailroom benchmark (issue 16), ratios measured in the same run:

* OCR pages per second through the mailroom's reader (OCRmyPDF, searchable PDF kept) vs the
  bare `tesseract` command on the same pages (target: at least 0.8x);
* IMAP ingest of 1,000 messages (fetch, store a hundred at a time in one transaction each,
  move to the processed folder) vs a bare imapclient FETCH of the same messages (target: at
  least 0.5x), and, as a stricter floor, vs imaplib's UID FETCH of them without parsing;
* the queue selector's p50 with 10,000 items waiting (target: at most 50 ms).

Needs Debian's tesseract-ocr, ocrmypdf, ghostscript and dovecot-imapd, and root (Dovecot's
master process). Uses a throwaway data folder (SQLite) unless DATABASE_URL is set.

Run: .venv/bin/python bench/mailroom.py [--pages 8] [--messages 1000] [--rounds 3] [--items 10000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appealdesk.settings")
os.environ.setdefault("APPEALDESK_DATA_DIR", tempfile.mkdtemp(prefix="appealdesk-bench-mail-"))

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from imapclient import IMAPClient  # noqa: E402

from appealdesk.mailroom import config, reading, selectors  # noqa: E402
from appealdesk.mailroom.imap import Mailbox, mailbox_poll  # noqa: E402
from appealdesk.mailroom.models import Item  # noqa: E402
from tests.mailroom.dovecot import dovecot_server  # noqa: E402
from tests.mailroom.pages import page_image, pdf_of  # noqa: E402
from tests.mailroom.test_imap import message  # noqa: E402

LINES = [
    "Uniform Medical Plan, Attn: Appeals, PO Box 2998, Tacoma, WA 98401-2998",
    "Re: case UMP-2026-0000012   Member ID: W1234567   Date of birth: 04/05/1961",
    "I am writing to appeal the denial of my claim for physical therapy.",
    "The claim was denied as not medically necessary; my doctor disagrees.",
    "Please expedite this appeal: my treatment cannot wait.",
    "Apelación: mi reclamo fue negado. Por favor revisen mi caso.",
]


def bench_ocr(pages: int) -> dict[str, float]:
    texts = [[f"Page {n + 1}", *LINES] for n in range(pages)]
    pdf = pdf_of(texts)
    with tempfile.TemporaryDirectory() as folder:
        listing = Path(folder) / "pages.txt"
        names = []
        for n, lines in enumerate(texts):
            name = Path(folder) / f"page{n}.png"
            page_image(lines).save(name, dpi=(200, 200))
            names.append(str(name))
        listing.write_text("\n".join(names) + "\n")
        limits = config.limits()
        started = time.perf_counter()
        subprocess.run(
            ["tesseract", str(listing), str(Path(folder) / "out"), "-l", limits.languages],
            check=True,
            capture_output=True,
        )
        bare = time.perf_counter() - started
    started = time.perf_counter()
    result = reading.read_document(pdf, "application/pdf", "bench.pdf", config.limits())
    ours = time.perf_counter() - started
    assert result.problem is None and "W1234567" in result.text, result.problem
    return {
        "ocr_pages": pages,
        "ocr_bare_pages_per_s": pages / bare,
        "ocr_ours_pages_per_s": pages / ours,
        "ocr_ratio": bare / ours,
    }


def bench_imap(messages: int, rounds: int = 3) -> dict[str, float]:
    """Each round: `messages` new messages APPENDed to Dovecot's INBOX, read by a bare
    imapclient FETCH (bodies and INTERNALDATE, 100 a command), then by a bare imaplib UID FETCH
    of the same (no parsing: the socket's floor), then ingested by `mailbox_poll` (fetched,
    stored with their events, committed, moved). The median round's figures are reported."""
    results = []
    with dovecot_server() as imap:
        mailbox = Mailbox(
            name="bench",
            host=imap.host,
            port=imap.port,
            ssl=False,
            username=imap.username,
            password=imap.password,
        )
        for round_ in range(rounds):
            client = IMAPClient(imap.host, port=imap.port, ssl=False)
            client.login(imap.username, imap.password)
            for n in range(messages):
                client.append("INBOX", message(round_ * messages + n))
            client.select_folder("INBOX", readonly=True)
            uids = sorted(client.search("ALL"))
            chunks = [uids[start : start + 100] for start in range(0, len(uids), 100)]
            started = time.perf_counter()
            fetched = sum(len(client.fetch(c, ["BODY.PEEK[]", "INTERNALDATE"])) for c in chunks)
            bare = time.perf_counter() - started
            started = time.perf_counter()
            for c in chunks:
                client._imap.uid("FETCH", ",".join(map(str, c)), "(BODY.PEEK[] INTERNALDATE)")
            raw = time.perf_counter() - started
            client.logout()
            assert fetched == messages
            started = time.perf_counter()
            result = mailbox_poll(mailbox)
            ours = time.perf_counter() - started
            assert (result.stored, result.moved) == (messages, messages), result
            results.append((bare / ours, bare, raw, ours))
    ratio, bare, raw, ours = sorted(results)[len(results) // 2]
    return {
        "imap_messages": messages,
        "imap_bare_fetch_s": bare,
        "imap_raw_fetch_s": raw,
        "imap_ingest_s": ours,
        "imap_ratio": ratio,
        "imap_ratio_to_raw": raw / ours,
    }


def bench_queue(items: int, runs: int = 200) -> dict[str, float]:
    now = timezone.now()
    rows = [
        Item(
            source="fax",
            source_id=f"bench-{n}",
            sha256=f"{n:064x}",
            raw=f"mailroom/bench/{n}.pdf",
            raw_content_type="application/pdf",
            size=1000,
            received_at=now - dt.timedelta(minutes=n),
            received_basis="bench",
            stored_at=now,
            last_seen_at=now,
            state="proposed",
            urgent=n % 50 == 0,
            program="ump",
            proposal_summary="appeal, claim payment; member Pat Doe; UMP",
            first_due_at=now + dt.timedelta(hours=72 - n % 100),
            first_due_label="Confirm receipt of the appeal",
        )
        for n in range(items)
    ]
    Item.objects.bulk_create(rows, batch_size=2000)
    timings = []
    cursor = None
    for _ in range(runs):
        started = time.perf_counter()
        page = selectors.queue_page(after=cursor, limit=50, now=now)
        timings.append((time.perf_counter() - started) * 1000)
        cursor = page.next_cursor  # walk the pages: later pages cost the same as the first
    return {"queue_items": items, "queue_p50_ms": statistics.median(timings)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3, help="IMAP rounds; the median is shown")
    parser.add_argument("--items", type=int, default=10_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0, skip_checks=True)
    figures = {
        **bench_ocr(args.pages),
        **bench_imap(args.messages, args.rounds),
        **bench_queue(args.items),
    }
    for name, value in figures.items():
        print(f"{name:24} {value:10.3f}" if isinstance(value, float) else f"{name:24} {value:10}")
    ok = (
        figures["ocr_ratio"] >= 0.8
        and figures["imap_ratio"] >= 0.5
        and figures["queue_p50_ms"] <= 50
    )
    print("targets met" if ok else "a target is missed (ocr >= 0.8x, imap >= 0.5x, queue <= 50 ms)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
