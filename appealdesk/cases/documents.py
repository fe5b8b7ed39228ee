"""Storing uploaded files as case documents: PDF and images only, recognised by their content
(never by the file name), within a size limit, deduplicated by SHA-256 on a case, kept through
Django's storage API outside the web root."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse

from appealdesk.cases.errors import InvalidInput
from appealdesk.cases.images import image_problem
from appealdesk.cases.models import Case, Document
from appealdesk.policy.quoting import quoted

# magic numbers of the accepted types (the first bytes of the file)
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)


def sniff(head: bytes) -> str | None:
    for magic, content_type in SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


DOCUMENT_KINDS = {
    "evidence": "evidence",
    "eob": "Explanation of Benefits",
    "medical_records": "medical records",
    "written_consent": "written consent",
    "authorization": "representative's authorization",
    "correspondence": "correspondence",
    "testimony": "written testimony",
    "letter": "letter sent by the plan (generated)",
}

_undo = threading.local()


@contextmanager
def files_undone_on_error() -> Iterator[None]:
    """Files stored inside the block are deleted again if the block fails: a refused intake
    or a stale extension leaves no orphan file behind (the database rows roll back)."""
    stored: list[str] = []
    stack = _undo.__dict__.setdefault("stack", [])
    stack.append(stored)
    try:
        yield
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise
    finally:
        stack.pop()


def check_upload(upload: Any) -> str:
    """The upload's real content type, or `InvalidInput` saying what is wrong (nothing is
    stored): PDF and images only, recognised by content, within the size limit."""
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise InvalidInput(
            f"{upload.name} is {upload.size / 1e6:.1f} MB; files may be at most "
            f"{limit / 1e6:.0f} MB",
            field="documents",
        )
    upload.seek(0)
    content_type = sniff(upload.read(16))
    upload.seek(0)
    if content_type is None:
        raise InvalidInput(
            f"{upload.name} is not a PDF or an image (PNG, JPEG, GIF, TIFF): scan or save it "
            "as PDF and upload it again",
            field="documents",
        )
    if content_type.startswith("image/"):
        too_big = image_problem(upload)
        if too_big is not None:
            raise InvalidInput(
                f"{upload.name}: {too_big}: scan it at a lower resolution or save it as a PDF "
                "and upload it again",
                field="documents",
            )
    return content_type


def document_store(upload: Any, *, kind: str, case: Case | None, actor: Any) -> Document:
    """Store an uploaded file; the same content on the same case is stored once."""
    if kind not in DOCUMENT_KINDS:
        raise InvalidInput(
            f"kind {quoted(kind)} is not one of {', '.join(DOCUMENT_KINDS)}", field="kind"
        )
    content_type = check_upload(upload)
    body = upload.read()
    digest = hashlib.sha256(body).hexdigest()
    existing = Document.objects.filter(case=case, sha256=digest).first() if case else None
    if existing is not None:
        return existing
    extension = content_type.rsplit("/", 1)[-1].replace("jpeg", "jpg")
    document = Document.objects.create(
        case=case,
        kind=kind,
        name=upload.name[:200],
        content_type=content_type,
        size=len(body),
        sha256=digest,
        # the stored name is the digest: a user's file name never becomes a path
        file=ContentFile(body, name=f"{digest}.{extension}"),
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )
    for stored in getattr(_undo, "stack", [])[-1:]:
        stored.append(document.file.name)
    return document


def document_response(document: Document) -> FileResponse:
    """A stored document for download (desk and API): always an attachment, never sniffed or
    run as a page of this site."""
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
