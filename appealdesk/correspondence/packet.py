"""The case-file packet: one PDF with an index of every document and letter, the documents
themselves (images as pages), and the timeline of every level of the matter. It is the free
copy a member may ask for ("copies of documents ... at no cost") and what the plan forwards to
the Independent Review Organization.

The index and the timeline are made by WeasyPrint (tagged); stored PDFs are appended with pypdf;
every page is stamped with the case number and its page number in the packet, so the index's
page numbers can be found. Each stored file is checked against its SHA-256 as it is read.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from appealdesk.access.timeline import describe
from appealdesk.cases import packs
from appealdesk.cases import services as sv
from appealdesk.cases.chain import heads
from appealdesk.cases.documents import DOCUMENT_KINDS
from appealdesk.cases.images import image_problem
from appealdesk.cases.models import Case, Document
from appealdesk.cases.selectors import case_timeline
from appealdesk.correspondence.models import Letter
from appealdesk.correspondence.render import pdf_of

PURPOSES = {
    "copy": "Copy of the case file, free of charge",
    "iro": "Case file forwarded to the Independent Review Organization",
}


@dataclass
class Part:
    number: int
    title: str
    kind: str
    case_number: str
    at: dt.datetime
    sha256: str
    pdf: bytes
    pages: int
    note: str = ""
    start: int = 0

    @property
    def end(self) -> int:
        return self.start + self.pages - 1


@dataclass
class Packet:
    pdf: bytes
    pages: int
    parts: list[Part] = field(default_factory=list)
    timeline_start: int = 0
    cases: list[Case] = field(default_factory=list)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()


def matter_cases(case: Case, within: Any = None) -> list[Case]:
    """The levels of the case's matter (those in `within`, a queryset of cases the reader may
    see, when given), in the order they were received."""
    base = within if within is not None else Case.objects.all()
    matter = case.matter_id or case.pk
    found = list(
        base.filter(matter_id=matter).select_related("member", "pack").order_by("received_at", "pk")
    )
    return found if any(c.pk == case.pk for c in found) else [case]


def packet_build(
    case: Case,
    *,
    cases: list[Case] | None = None,
    purpose: str = "copy",
    actor: Any = None,
    notes: bool = False,
    now: dt.datetime | None = None,
) -> Packet:
    """The packet of `case` and the other `cases` of its matter (default: every level). Staff's
    internal notes (and reviewers' returns to the analyst) are in its timeline only when
    `notes` is chosen: the member's copy leaves them out."""
    now = now or timezone.now()
    cases = cases if cases is not None else matter_cases(case)
    program = packs.program_of(case.pack_id)
    subjects = dict(Letter.objects.filter(case__in=cases).values_list("document_id", "subject"))
    parts: list[Part] = []
    documents = Document.objects.filter(case__in=cases).select_related("case")
    for document in sorted(documents, key=lambda d: (d.case.received_at, d.uploaded_at, d.pk)):
        number = len(parts) + 1
        title = subjects.get(document.pk) or document.name
        pdf, pages, note = _as_pdf(document, number, title)
        parts.append(
            Part(
                number=number,
                title=title,
                kind=DOCUMENT_KINDS.get(document.kind, document.kind.replace("_", " ")),
                case_number=document.case.number if document.case else "",
                at=document.uploaded_at,
                sha256=document.sha256,
                pdf=pdf,
                pages=pages,
                note=note,
            )
        )
    with timezone.override(program.tz):
        timeline_pdf, timeline_pages = pdf_of(
            render_to_string(
                "correspondence/packet_timeline.html",
                {
                    "program": program.pack,
                    "case": case,
                    "levels": [
                        {
                            "case": c,
                            "events": [
                                describe(e)
                                for e in case_timeline(c)
                                if notes or e.action not in sv.INTERNAL_ACTIONS
                            ],
                        }
                        for c in cases
                    ],
                },
            )
        )
        front_pdf, timeline_start = _front(
            case, cases, parts, program, purpose, actor, now, timeline_pages, _record(cases)
        )
    return _assemble(case, front_pdf, parts, timeline_pdf, timeline_start, cases)


def _front(
    case: Case,
    cases: list[Case],
    parts: list[Part],
    program: Any,
    purpose: str,
    actor: Any,
    now: dt.datetime,
    timeline_pages: int,
    record: list[dict[str, Any]],
) -> tuple[bytes, int]:
    """The cover and index. Its own length decides where everything starts, so it is rendered
    until the page numbers it prints agree with its length (twice, nearly always)."""
    front_pages = 1
    for _ in range(4):
        start = front_pages + 1
        for part in parts:
            part.start, start = start, start + part.pages
        html = render_to_string(
            "correspondence/packet_index.html",
            {
                "program": program.pack,
                "case": case,
                "cases": cases,
                "member": case.member,
                "parts": parts,
                "purpose": PURPOSES.get(purpose, PURPOSES["copy"]),
                "made_at": now,
                "made_by": actor.get_username() if getattr(actor, "pk", None) else "",
                "timeline_start": start,
                "timeline_pages": timeline_pages,
                "total": start + timeline_pages - 1,
                "record": record,
            },
        )
        pdf, pages = pdf_of(html)
        if pages == front_pages:
            break
        front_pages = pages
    return pdf, start


def _record(cases: list[Case]) -> list[dict[str, Any]]:
    """Each level's event log as it stands: how many events, and the hash of the last one (the
    chain head, docs/record.md), which anyone can later compare with `appealdesk verify`."""
    found = heads([c.pk for c in cases])
    return [
        {"case": c, "events": found[c.pk][0], "head": found[c.pk][1]}
        for c in cases
        if c.pk in found
    ]


def _as_pdf(document: Document, number: int, title: str) -> tuple[bytes, int, str]:
    """The document as PDF pages, or one page saying why it could not be included."""
    import pypdf

    try:
        with document.file.open("rb") as stored:
            data = stored.read()
    except OSError as exc:
        return _placeholder(document, number, title, f"the stored file cannot be read ({exc})")
    note = ""
    if hashlib.sha256(data).hexdigest() != document.sha256:
        note = "its content no longer matches the SHA-256 recorded when it was stored"
    if document.content_type == "application/pdf":
        try:
            reader = pypdf.PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                reader.decrypt("")
            return data, len(reader.pages), note
        except Exception as exc:  # a damaged or protected upload: say so, keep going
            return _placeholder(document, number, title, f"the PDF cannot be read ({exc})")
    if document.content_type.startswith("image/"):
        # over the pixel or page budget: left out in words, from its headers, never decoded
        too_big = image_problem(io.BytesIO(data))
        if too_big is not None:
            return _placeholder(document, number, title, too_big)
        try:
            return (*_image_pages(data, number, title), note)
        except Exception as exc:
            return _placeholder(document, number, title, f"the image cannot be read ({exc})")
    return _placeholder(document, number, title, f"{document.content_type} is not printable")


def _image_pages(data: bytes, number: int, title: str) -> tuple[bytes, int]:
    from PIL import Image, ImageSequence

    frames = []
    with Image.open(io.BytesIO(data)) as image:
        sequence = ImageSequence.Iterator(image) if image.format == "TIFF" else [image]
        for index, frame in enumerate(sequence):
            if index >= settings.IMAGE_MAX_FRAMES:  # checked before; a file may change
                break
            out = io.BytesIO()
            frame.convert("RGB").save(out, format="PNG")
            frames.append(base64.b64encode(out.getvalue()).decode("ascii"))
    return pdf_of(
        render_to_string(
            "correspondence/packet_image.html",
            {"title": title, "number": number, "frames": frames},
        )
    )


def _placeholder(document: Document, number: int, title: str, why: str) -> tuple[bytes, int, str]:
    pdf, pages = pdf_of(
        render_to_string(
            "correspondence/packet_missing.html",
            {"document": document, "number": number, "title": title, "why": why},
        )
    )
    return pdf, pages, f"not included: {why}"


def _assemble(
    case: Case,
    front: bytes,
    parts: list[Part],
    timeline: bytes,
    timeline_start: int,
    cases: list[Case],
) -> Packet:
    import pypdf

    writer = pypdf.PdfWriter()
    writer.append(io.BytesIO(front), outline_item="Index", import_outline=False)
    for part in parts:
        writer.append(
            io.BytesIO(part.pdf), outline_item=f"{part.number}. {part.title}", import_outline=False
        )
    writer.append(io.BytesIO(timeline), outline_item="Timeline", import_outline=False)
    total = len(writer.pages)
    stamps = pypdf.PdfReader(
        io.BytesIO(
            pdf_of(
                render_to_string(
                    "correspondence/packet_stamp.html", {"case": case, "pages": range(total)}
                )
            )[0]
        )
    )
    for page, stamp in zip(writer.pages, stamps.pages, strict=True):
        page.merge_page(stamp)
    writer.add_metadata(
        {
            "/Title": f"Case file {case.number}",
            "/Author": packs.program_of(case.pack_id).pack.name,
            "/Subject": ", ".join(c.number for c in cases),
        }
    )
    out = io.BytesIO()
    writer.write(out)
    return Packet(
        pdf=out.getvalue(), pages=total, parts=parts, timeline_start=timeline_start, cases=cases
    )
