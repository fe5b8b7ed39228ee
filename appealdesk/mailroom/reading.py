"""Reading a document's bytes into pages and text, without Django's database: PDF checks
(not a PDF, encrypted, too many pages), image budgets (TIFF bombs), and OCR with OCRmyPDF and
Tesseract (Debian's commands, run as time-limited subprocesses). A bad document gives a
`Problem` with words a clerk can act on; nothing here raises on bad input."""

from __future__ import annotations

import io
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from pypdf import PdfReader
from pypdf.errors import PdfReadError

# a page with at least this many characters of text needs no OCR (a PDF made by a computer)
TEXT_LAYER_CHARS = 40


@dataclass(frozen=True)
class Limits:
    max_pages: int  # a fax or scan longer than this is not OCR'd (shown as a problem)
    max_pixels: int  # per image frame (a TIFF bomb declares enormous frames)
    max_frames: int  # frames of one TIFF
    ocr_seconds: float  # per document
    languages: str  # tesseract's, e.g. "eng+spa"


@dataclass(frozen=True)
class Problem:
    code: str
    message: str


@dataclass(frozen=True)
class Reading:
    pages: int | None
    text: str
    searchable_pdf: bytes | None  # OCRmyPDF's output, when OCR ran
    problem: Problem | None = None


def read_document(raw: bytes, content_type: str, name: str, limits: Limits) -> Reading:
    """Pages, text and (for scanned pages) a searchable PDF of one document."""
    if content_type == "application/pdf":
        return _read_pdf(raw, name, limits)
    if content_type.startswith("image/"):
        return _read_image(raw, name, limits)
    return Reading(
        None,
        "",
        None,
        Problem(
            "not_a_document",
            f"{name} is not a PDF or an image (it was recognised as {content_type}); it is kept "
            "as received but cannot be read: ask the sender for a PDF",
        ),
    )


def _read_pdf(raw: bytes, name: str, limits: Limits) -> Reading:
    try:
        reader = PdfReader(io.BytesIO(raw), strict=False)
        # an empty user password opens many "protected" PDFs (printing restrictions only)
        if reader.is_encrypted and not reader.decrypt(""):
            return Reading(
                None,
                "",
                None,
                Problem(
                    "encrypted_pdf",
                    f"{name} is an encrypted PDF (it needs a password to open): ask the "
                    "sender to send it again without a password, or print and scan it",
                ),
            )
        pages = len(reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        return Reading(
            None,
            "",
            None,
            Problem(
                "broken_pdf",
                f"{name} starts like a PDF but cannot be read ({type(exc).__name__}: "
                f"{str(exc)[:120]}); ask the sender to send it again",
            ),
        )
    if pages == 0:
        return Reading(0, "", None, Problem("empty_pdf", f"{name} is a PDF without pages"))
    if pages > limits.max_pages:
        return Reading(
            pages,
            "",
            None,
            Problem(
                "too_many_pages",
                f"{name} has {pages} pages, more than the {limits.max_pages} read automatically "
                "(MAILROOM_MAX_PAGES): it was not OCR'd; split it on the item page, or read it "
                "yourself",
            ),
        )
    try:
        texts = [(page.extract_text() or "") for page in reader.pages]
    except Exception:  # pypdf raises many types on hostile content; OCR may still read it
        texts = []
    if texts and all(len(t.strip()) >= TEXT_LAYER_CHARS for t in texts):
        return Reading(pages, "\n\f".join(t.strip() for t in texts), None)
    return _ocr(raw, pages, name, limits)


def _read_image(raw: bytes, name: str, limits: Limits) -> Reading:
    """Check an image's declared size and frame count before decoding any pixels, then make
    a PDF of its frames for OCR."""
    try:
        with Image.open(io.BytesIO(raw)) as image:
            frames = getattr(image, "n_frames", 1)
            if frames > limits.max_frames:
                return Reading(
                    frames,
                    "",
                    None,
                    Problem(
                        "too_many_pages",
                        f"{name} has {frames} pages, more than the {limits.max_frames} read "
                        "automatically: it was not OCR'd",
                    ),
                )
            pages: list[Image.Image] = []
            for index in range(frames):
                image.seek(index)
                width, height = image.size
                if width * height > limits.max_pixels:
                    return Reading(
                        frames,
                        "",
                        None,
                        Problem(
                            "image_too_large",
                            f"{name} page {index + 1} declares {width}×{height} pixels, more "
                            f"than the {limits.max_pixels:,} allowed (MAILROOM_MAX_PIXELS): it "
                            "was not opened (an image this size is usually broken or hostile); "
                            "ask the sender to scan it again at 200-300 dpi",
                        ),
                    )
                pages.append(image.convert("L") if image.mode not in ("1", "L") else image.copy())
    except Image.DecompressionBombError as exc:
        return Reading(
            None,
            "",
            None,
            Problem(
                "image_too_large",
                f"{name} declares more pixels than an image may have ({exc}): it was not "
                "opened; ask the sender to scan it again at 200-300 dpi",
            ),
        )
    except (OSError, ValueError, SyntaxError) as exc:
        return Reading(
            None,
            "",
            None,
            Problem(
                "broken_image",
                f"{name} cannot be read as an image ({type(exc).__name__}: {str(exc)[:120]})",
            ),
        )
    out = io.BytesIO()
    dpi = 200.0
    pages[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=pages[1:])
    return _ocr(out.getvalue(), len(pages), name, limits)


def tesseract_available() -> bool:
    from shutil import which

    return which("ocrmypdf") is not None and which("tesseract") is not None


def ocr_pdf(pdf: bytes, limits: Limits) -> tuple[bytes, str]:
    """OCRmyPDF on a PDF: (searchable PDF, text). Raises `OcrFailed` with the reason."""
    with tempfile.TemporaryDirectory(prefix="appealdesk-ocr-") as folder:
        source, target, sidecar = (Path(folder) / n for n in ("in.pdf", "out.pdf", "out.txt"))
        source.write_bytes(pdf)
        command = [
            "ocrmypdf",
            "--skip-text",  # pages that already carry text are kept as they are
            "--output-type",
            "pdf",  # no PDF/A conversion: the original is kept beside it anyway
            "--optimize",
            "0",
            "-l",
            limits.languages,
            "--sidecar",
            str(sidecar),
            "--jobs",
            str(os.cpu_count() or 1),
            "--quiet",
            str(source),
            str(target),
        ]
        # one tesseract thread per page job: OCRmyPDF parallelises by page
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                timeout=limits.ocr_seconds,
                env=env,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise OcrFailed(
                f"OCR took longer than {limits.ocr_seconds:.0f} seconds (MAILROOM_OCR_SECONDS)"
            ) from None
        except FileNotFoundError:
            raise OcrFailed("ocrmypdf is not installed (apt-get install ocrmypdf)") from None
        if done.returncode != 0 or not target.exists():
            detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
            raise OcrFailed(
                f"ocrmypdf exit code {done.returncode}" + (f": {detail[0][:200]}" if detail else "")
            )
        text = sidecar.read_text("utf-8", "replace") if sidecar.exists() else ""
        return target.read_bytes(), text


class OcrFailed(RuntimeError):
    pass


def _ocr(pdf: bytes, pages: int, name: str, limits: Limits) -> Reading:
    try:
        searchable, text = ocr_pdf(pdf, limits)
    except OcrFailed as exc:
        return Reading(
            pages,
            "",
            None,
            Problem(
                "ocr_failed",
                f"{name} could not be read by OCR ({exc}); the pages are kept: read them on "
                "the item page",
            ),
        )
    return Reading(pages, text.replace("[OCR skipped on page", "[text of page").strip(), searchable)
