"""Every kind of letter of both programs, and a packet, rendered to PNG with poppler's pdftoppm
into var/screenshots/letters/ to be looked at; each page is checked to keep its ink inside
the margins (nothing cut off at the edge of the paper)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from appealdesk.cases.models import Case
from appealdesk.correspondence.packet import packet_build
from appealdesk.correspondence.services import letter_generate
from tests.correspondence.test_letters import LETTERS

OUT = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "letters"
DPI = 72  # one pixel a point: US Letter is 612 x 792
EDGE = 36  # half an inch of paper stays clear on every side


def pdftoppm() -> str:
    found = shutil.which("pdftoppm")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdftoppm (Debian poppler-utils) is missing")
        pytest.skip("pdftoppm (Debian poppler-utils) is missing")
    return found


def render(pdf: bytes, name: str) -> list[Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob(f"{name}-*.png"):
        old.unlink()
    source = OUT / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [pdftoppm(), "-r", str(DPI), "-png", str(source), str(OUT / name)],
        check=True,
        timeout=60,
    )
    source.unlink()
    return sorted(OUT.glob(f"{name}-*.png"))


def ink_box(path: Path) -> tuple[int, int, int, int] | None:
    with Image.open(path) as image:
        return ImageOps.invert(image.convert("L")).point(lambda v: 255 if v > 24 else 0).getbbox()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("program", "kind", "what", "build", "says"),
    LETTERS,
    ids=[f"{p}-{k}-{w}" for p, k, w, _, _ in LETTERS],
)
def test_each_letter_as_pictures(cases, program, kind, what, build, says):
    case = Case.objects.get(pk=build(cases).pk)
    letter = letter_generate(case, kind=kind, actor=cases.people["bob"])
    pages = render(letter.document.file.read(), f"{program}-{kind}-{slug(what)}")
    assert len(pages) == letter.pages
    for page in pages:
        with Image.open(page) as image:
            assert image.size == (612, 792)  # US Letter
        left, top, right, bottom = ink_box(page) or (EDGE, EDGE, EDGE, EDGE)
        assert left >= EDGE and top >= EDGE, page
        assert right <= 612 - EDGE and bottom <= 792 - EDGE / 2, page


@pytest.mark.django_db
def test_a_packet_as_pictures(cases):
    iro = cases.ump_iro()
    for case in (iro.prior.prior, iro.prior):
        letter_generate(case, kind="decision", actor=cases.people["bob"])
    letter_generate(iro, kind="iro_forwarding", actor=cases.people["bob"])
    packet = packet_build(iro, purpose="iro", actor=cases.people["bob"])
    pages = render(packet.pdf, "packet-ump-iro")
    assert len(pages) == packet.pages
