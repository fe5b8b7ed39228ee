"""Image budgets: how many pixels and pages an image may have before anything decodes it.

A 20 KB PNG can declare 13000 × 13000 pixels: decoding it for the case-file packet took 1.6 GB
and most of a minute, a TIFF of 40 such pages longer still. The size and the number of pages
are read from the file's headers (Pillow's `open` decodes nothing), so an image over budget is
refused at upload and left out of the packet in words, for the cost of reading its headers.
"""

from __future__ import annotations

import warnings
from typing import IO

from django.conf import settings
from PIL import Image


def _million(pixels: int) -> str:
    return f"{round(pixels / 1e6)} million"


def image_problem(stream: IO[bytes]) -> str | None:
    """Why the image in `stream` is over the pixel or page budget, or None. An image Pillow
    cannot read at all is not this check's business (the packet says so when it tries)."""
    max_pixels: int = settings.IMAGE_MAX_PIXELS
    max_frames: int = settings.IMAGE_MAX_FRAMES
    # Pillow's own guard, the same budget while this check reads (it warns above it and
    # refuses twice over it); put back afterwards: a process-wide setting must not depend on
    # which check ran last (the mailroom's reader has budgets of its own)
    pillow_guard = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = max_pixels
    budget = f"an image may have at most {_million(max_pixels)}"
    try:
        with warnings.catch_warnings():
            # between the budget and twice it Pillow only warns: this check refuses those
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(stream)
        with image:
            width, height = image.size
            if width * height > max_pixels:
                pixels = _million(width * height)
                return f"the image is {width} × {height} pixels ({pixels}); {budget}"
            if image.format != "TIFF":
                return None  # the packet prints the first frame of anything but a TIFF scan
            total, frames = 0, 0
            # each page's header only; stop at the first page over the budget (a file can
            # chain any number of page headers)
            while True:
                frames += 1
                total += image.size[0] * image.size[1]
                if frames > max_frames:
                    return (
                        f"the image has more than {max_frames} pages; an image may have at most "
                        f"{max_frames} (send it as a PDF)"
                    )
                try:
                    image.seek(frames)
                except EOFError:
                    break
            if total > max_pixels:
                return f"the image's {frames} pages have {_million(total)} pixels in all; {budget}"
    except Image.DecompressionBombError:
        # Pillow refuses to open what is more than twice its limit, before it says the size
        return f"the image has more than {_million(2 * max_pixels)} pixels; {budget}"
    except (OSError, SyntaxError, ValueError):
        return None
    finally:
        Image.MAX_IMAGE_PIXELS = pillow_guard
        stream.seek(0)
    return None
