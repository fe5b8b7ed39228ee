"""Storing uploaded files as case documents: PDF and images only, recognised by their content
(never by the file name), within a size limit, deduplicated by SHA-256 on a case, kept through
Django's storage API outside the web root."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile

from appealdesk.cases.errors import InvalidInput
from appealdesk.cases.models import Case, Document

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


def document_store(upload: Any, *, kind: str, case: Case | None, actor: Any) -> Document:
    """Store an uploaded file; the same content on the same case is stored once."""
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise InvalidInput(
            f"{upload.name} is {upload.size / 1e6:.1f} MB; files may be at most "
            f"{limit / 1e6:.0f} MB",
            field="documents",
        )
    body = upload.read()
    content_type = sniff(body[:16])
    if content_type is None:
        raise InvalidInput(
            f"{upload.name} is not a PDF or an image (PNG, JPEG, GIF, TIFF): scan or save it "
            "as PDF and upload it again",
            field="documents",
        )
    digest = hashlib.sha256(body).hexdigest()
    existing = Document.objects.filter(case=case, sha256=digest).first() if case else None
    if existing is not None:
        return existing
    extension = content_type.rsplit("/", 1)[-1].replace("jpeg", "jpg")
    return Document.objects.create(
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
