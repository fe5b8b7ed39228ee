"""Documents for the demo mailroom (and the desk's tests): a PDF with a text layer, as a fax
service or a scanner with OCR delivers it, made with no dependency and no OCR at demo time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any


def _escape(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def text_pdf(pages: Sequence[Sequence[str]]) -> bytes:
    """A letter-size PDF, one page per list of lines, in Helvetica 12 pt: text a reader finds
    without OCR, and pages a viewer draws."""
    objects: list[bytes] = []  # object n is objects[n - 1]
    objects.append(b"")  # 1: catalog, filled below
    objects.append(b"")  # 2: pages, filled below
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")  # 3
    kids = []
    for lines in pages:
        body = ["BT", "/F1 12 Tf", "15 TL", "72 720 Td"]
        for line in lines:
            body.append(f"({_escape(line)}) Tj T*")
        body.append("ET")
        stream = "\n".join(body).encode("latin-1", "replace")
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        content = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content
        )
        kids.append(len(objects))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, definition in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, definition)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _email(*, sender: str, to: str, subject: str, body: str, sent: Any) -> bytes:
    from email.message import EmailMessage
    from email.utils import format_datetime, make_msgid

    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(sent)
    message["Message-ID"] = make_msgid(domain="example.org")
    message.set_content(body)
    return bytes(message)


def load_mailroom(*, now: dt.datetime, say: Callable[[str], None] = print) -> list[int]:
    """The demo's mailroom, through the mailroom's own services and reader: a faxed appeal, a
    scanned Genex grievance form, an e-mailed reply to an information request on a demo case,
    and a misdirected fax. Text-layer documents, so no OCR runs at demo time. The grievance form
    gives no claim number: its member is found by name and date of birth."""
    from appealdesk.cases.models import Case, Party
    from appealdesk.mailroom import services
    from appealdesk.mailroom.reader import item_read

    member = Party.objects.filter(role="member").exclude(subscriber_id="").order_by("id").first()
    other = Party.objects.filter(role="member").exclude(subscriber_id="").order_by("-id").first()
    waiting = Case.objects.filter(state="awaiting_information", program="ump").order_by("id")
    case = waiting.select_related("member").first()
    stored = []
    if member is not None:
        stored.append(
            services.item_store(
                source="fax",
                raw=text_pdf(
                    [
                        [
                            "FAX - Uniform Medical Plan Appeals",
                            f"From: {member.name}   Member ID: {member.subscriber_id}",
                            "",
                            "I am appealing the denial of payment for my physical therapy",
                            f"visits in {(now - dt.timedelta(days=40)):%B %Y}. My doctor ordered",
                            "them after my knee surgery and the claim was denied as not medically",
                            "necessary. Please reconsider. The therapy notes are attached.",
                            "",
                            f"Signed, {member.name}",
                        ],
                        ["Therapy notes (page 2 of 2)", "Visit 1: range of motion 60 degrees."],
                    ]
                ),
                received_at=(now - dt.timedelta(hours=21, minutes=13)).replace(microsecond=0),
                received_basis="fax service received_at",
                source_id=f"demo-fax-{now:%Y%m%d}-1",
                sender="+1 360 555 0142",
                addressed_to="+1 877 663 7526",
                name="fax-appeal.pdf",
                now=now,
            ).item
        )
    if other is not None:
        stamped = (now - dt.timedelta(days=1)).date()
        batch = services.scans_store_batch(
            [
                _Upload(
                    "genex-grievance-form.pdf",
                    text_pdf(
                        [
                            [
                                "GENEX SERVICES - GRIEVANCE FORM",
                                "Genex Services, P.O. Box 4379, Westlake Village, CA 91359",
                                f"Injured worker: {other.name}",
                                # no claim number: the name and date of birth find the member
                                f"Date of birth: {other.birth_date:%m/%d/%Y}"
                                if other.birth_date
                                else "Date of birth:",
                                "",
                                "Describe your complaint: my utilization review request was not",
                                "answered within the time the law allows; my treatment is on hold.",
                                "",
                                f"Signature: {other.name}",
                            ]
                        ]
                    ),
                )
            ],
            stamped_on=stamped,
            tz=dt.timezone(dt.timedelta(hours=-8)),
            actor=None,
            now=now,
        )
        stored.extend(s.item for s in batch.stored)
    if case is not None:
        raw = _email(
            sender=f"{case.member.name} <member{case.member_id}@example.org>",
            to="appeals@ump.example.org",
            subject=f"Re: Information needed for {case.number}",
            body=(
                f"Hello, here are the medical records you asked for about {case.number}.\n"
                f"Member ID {case.member.subscriber_id}.\n\nThank you\n{case.member.name}\n\n"
                "> We need more information to decide your appeal."
            ),
            sent=now - dt.timedelta(hours=3),
        )
        stored.append(
            services.item_store(
                source="email",
                raw=raw,
                received_at=(now - dt.timedelta(hours=3)).replace(microsecond=0),
                received_basis="Date header",
                source_id=f"demo-reply-{case.number}",
                sender=f"member{case.member_id}@example.org",
                sender_name=case.member.name,
                addressed_to="appeals@ump.example.org",
                subject=f"Re: Information needed for {case.number}",
                declared_type="message/rfc822",
                now=now,
            ).item
        )
    stored.append(
        services.item_store(
            source="fax",
            raw=text_pdf(
                [
                    [
                        "FAX - Attn: Pharmacy refills",
                        "Please refill the prescription for lisinopril 10 mg, 90 days,",
                        "for our patient. Call the clinic with questions.",
                        "Riverside Family Clinic",
                    ]
                ]
            ),
            received_at=(now - dt.timedelta(hours=6, minutes=40)).replace(microsecond=0),
            received_basis="fax service received_at",
            source_id=f"demo-fax-{now:%Y%m%d}-2",
            sender="+1 206 555 0199",
            addressed_to="+1 877 663 7526",
            name="fax-refill.pdf",
            now=now,
        ).item
    )
    for item in stored:
        say(f"  mailroom: {item_read(item.pk, now=now)}")
    return [item.pk for item in stored]


class _Upload:
    """A file as the desk's upload form gives it to `scans_store_batch`."""

    def __init__(self, name: str, raw: bytes) -> None:
        self.name, self.size, self._raw = name, len(raw), raw

    def read(self) -> bytes:
        return self._raw
