"""The case-file packet: one PDF with an index of every document and letter of every level of
the matter, the documents themselves (images as pages), and the timeline; every page stamped.
seed: "You may also request copies of documents the plan has that are relevant to your appeal,
which the plan will provide at no cost." and "The plan ... will send the relevant information
and correspondence to the Independent Review Organization." """

from __future__ import annotations

import io
import re

import pypdf
import pytest
from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from appealdesk.cases.documents import document_store
from appealdesk.cases.models import Case, Event
from appealdesk.correspondence.packet import matter_cases, packet_build
from appealdesk.correspondence.render import pdf_of
from appealdesk.correspondence.services import letter_generate
from tests.correspondence.conftest import pdf_text, words


def upload(case, name, data, kind="evidence"):
    return document_store(ContentFile(data, name=name), kind=kind, case=case, actor=None)


def scan(width: int, height: int, colour: str, label: str, mode: str = "RGB") -> Image.Image:
    """A page as a phone or scanner would make it: a frame and a line of text."""
    image = Image.new(mode, (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([20, 20, width - 20, height - 20], outline=colour, width=12)
    draw.text((60, 60), label, fill=colour)
    return image


def png(width=1600, height=1200, colour="navy") -> bytes:
    out = io.BytesIO()
    scan(width, height, colour, "receipt photo (landscape)").save(out, "PNG")
    return out.getvalue()


def tiff(pages: int) -> bytes:
    out = io.BytesIO()
    frames = [scan(850, 1100, "black", f"scanned page {i + 1}", mode="L") for i in range(pages)]
    frames[0].save(out, "TIFF", save_all=True, append_images=frames[1:])
    return out.getvalue()


@pytest.fixture
def iro_matter(cases):
    """An IRO request after a second-level appeal; the first level has an EOB (PDF), a photo
    (PNG) and a two-page scan (TIFF); both levels have their decision letters."""
    iro = cases.ump_iro()
    second = iro.prior
    first = second.prior
    eob, _ = pdf_of("<html lang='en'><title>EOB</title><p>Explanation of Benefits, claim 4471</p>")
    upload(first, "eob-march.pdf", eob, kind="eob")
    upload(first, "receipt-photo.png", png(), kind="evidence")
    upload(first, "records-scan.tif", tiff(2), kind="medical_records")
    letter_generate(first, kind="decision", actor=cases.people["bob"])
    letter_generate(second, kind="decision", actor=cases.people["bob"])
    letter_generate(iro, kind="iro_forwarding", actor=cases.people["bob"])
    return iro


@pytest.mark.django_db
def test_the_packet_holds_every_level_indexed_stamped_and_the_timeline(cases, iro_matter):
    packet = packet_build(iro_matter, purpose="iro", actor=cases.people["bob"])
    reader = pypdf.PdfReader(io.BytesIO(packet.pdf))
    assert len(reader.pages) == packet.pages
    titles = [p.title for p in packet.parts]
    assert titles == [
        "eob-march.pdf",
        "receipt-photo.png",
        "records-scan.tif",
        "Our decision on your first-level appeal",
        "Our decision on your second-level appeal",
        "Case file for independent review, case " + iro_matter.number,
    ]
    pages = {p.title: p.pages for p in packet.parts}
    assert pages["eob-march.pdf"] == 1 and pages["receipt-photo.png"] == 1
    assert pages["records-scan.tif"] == 2  # each scanned page a page
    # parts follow each other after the index; the timeline comes last
    front = packet.parts[0].start - 1
    assert front >= 1
    for before, after in zip(packet.parts, packet.parts[1:], strict=False):
        assert after.start == before.end + 1
    assert packet.timeline_start == packet.parts[-1].end + 1
    text = words(pdf_text(packet.pdf))
    # the index: purpose, every level, every part with its pages and digest
    assert "Case file forwarded to the Independent Review Organization" in text
    for case in Case.objects.filter(matter_id=iro_matter.matter_id):
        assert case.number in text
    for part in packet.parts:
        span = f"{part.start}" if part.pages == 1 else f"{part.start}–{part.end}"
        assert re.search(rf"{re.escape(part.title[:20])}.*?{span} {part.sha256[:16]}", text), part
    # the documents themselves, in the pages the index gives
    eob = next(p for p in packet.parts if p.title == "eob-march.pdf")
    assert "claim 4471" in reader.pages[eob.start - 1].extract_text()
    second = next(p for p in packet.parts if "second-level" in p.title)
    assert "October 28, 2026" in words(
        "".join(reader.pages[i].extract_text() for i in range(second.start - 1, second.end))
    )
    # the timeline of every level
    timeline = words(
        "".join(page.extract_text() for page in reader.pages[packet.timeline_start - 1 :])
    )
    assert "Timeline" in timeline and "Request taken in" in timeline and "Decided" in timeline
    assert "Next level requested" in timeline and "Letter generated" in timeline
    # every page stamped with its place in the file
    for number, page in enumerate(reader.pages, start=1):
        assert f"case file page {number} of {packet.pages}" in page.extract_text()
    # bookmarks to find the parts
    outline = [item.title for item in reader.outline]
    assert outline[0] == "Index" and outline[-1] == "Timeline"
    assert "1. eob-march.pdf" in outline


@pytest.mark.django_db
def test_the_index_prints_each_levels_chain_head(cases, iro_matter):
    """docs/record.md: the head printed is the hash of the level's last event when the file
    was made, with how many events it had; `appealdesk verify --case N --seq EVENTS` gives it
    back later."""
    packet = packet_build(iro_matter, purpose="iro", actor=cases.people["bob"])
    front = packet.parts[0].start - 1
    reader = pypdf.PdfReader(io.BytesIO(packet.pdf))
    index = words("".join(reader.pages[i].extract_text() for i in range(front)))
    assert "The record" in index and "appealdesk verify --case" in index
    levels = Case.objects.filter(matter_id=iro_matter.matter_id).order_by("received_at")
    assert levels.count() == 3
    for case in levels:
        last = Event.objects.filter(case=case).order_by("-seq").first()
        assert re.search(rf"{case.number} {last.seq} {last.hash}", index), case


@pytest.mark.django_db
def test_a_changed_or_unreadable_file_is_marked_not_hidden(cases):
    case = cases.ump_decided()
    broken = upload(case, "broken.pdf", b"%PDF-1.4 this is not really a pdf")
    changed = upload(case, "changed.png", png())
    with changed.file.open("wb") as f:  # someone rewrote the file on disk
        f.write(png(colour="red"))
    packet = packet_build(case)
    notes = {p.title: p.note for p in packet.parts}
    assert notes["broken.pdf"].startswith("not included: the PDF cannot be read")
    assert "no longer matches the SHA-256" in notes["changed.png"]
    text = words(pdf_text(packet.pdf))
    assert "This document could not be included" in text and broken.sha256 in text
    assert "no longer matches the SHA-256" in text


@pytest.mark.django_db
def test_the_packet_has_only_the_levels_the_reader_may_see(cases, iro_matter):
    first = Case.objects.get(pk=iro_matter.prior.prior_id)
    visible = Case.objects.exclude(pk=first.pk)
    levels = matter_cases(iro_matter, within=visible)
    assert [c.number for c in levels] == [iro_matter.prior.number, iro_matter.number]
    packet = packet_build(iro_matter, cases=levels)
    assert {p.case_number for p in packet.parts} == {c.number for c in levels}
    assert first.number not in words(pdf_text(packet.pdf)).split("Timeline")[-1]


@pytest.mark.django_db
def test_an_empty_case_file_still_has_its_index_and_timeline(cases):
    case = cases.genex_grievance()
    packet = packet_build(case)
    assert packet.parts == [] and packet.pages == 2
    text = words(pdf_text(packet.pdf))
    assert "Copy of the case file, free of charge" in text
    assert "No documents or letters are stored with this case yet" in text
