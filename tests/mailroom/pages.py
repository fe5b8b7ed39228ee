"""Pages made by the tests: text rendered to an image with Pillow (DejaVu, as Debian ships it),
then saved as a PDF or TIFF, as a fax machine or scanner would deliver it."""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def page_image(lines: Sequence[str], *, size: tuple[int, int] = (1700, 2200)) -> Image.Image:
    """One letter-size page at 200 dpi, black text on white, like a fine-mode fax."""
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 40)
    y = 150
    for line in lines:
        draw.text((150, y), line, fill=0, font=font)
        y += 70
    return image


def pdf_of(pages: Sequence[Sequence[str]]) -> bytes:
    images = [page_image(lines) for lines in pages]
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=200.0, save_all=True, append_images=images[1:])
    return out.getvalue()


def tiff_of(pages: Sequence[Sequence[str]]) -> bytes:
    images = [page_image(lines).convert("1") for lines in pages]
    out = io.BytesIO()
    images[0].save(
        out, "TIFF", compression="group4", dpi=(200, 200), save_all=True, append_images=images[1:]
    )
    return out.getvalue()


def blank_pdf(pages: int) -> bytes:
    """A PDF of `pages` empty pages, cheap to make (for page-limit tests)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
