"""Raw bytes into the product's document storage (Django's storage API, as case documents),
named by their SHA-256 so a sender's file name never becomes a path."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from appealdesk.cases.documents import sniff

EXTENSIONS = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/tiff": "tif",
    "message/rfc822": "eml",
}


def digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def content_type_of(raw: bytes, *, declared: str = "") -> str:
    """The type the bytes really are (documents' magic numbers); an e-mail is what its source
    says it is; anything else is application/octet-stream (kept, and shown as a problem)."""
    sniffed = sniff(raw[:16])
    if sniffed:
        return sniffed
    if declared == "message/rfc822":
        return declared
    return "application/octet-stream"


def store_bytes(raw: bytes, *, folder: str, content_type: str) -> str:
    """Store `raw` under mailroom/<folder>/<sha256>.<ext>; returns the storage name."""
    extension = EXTENSIONS.get(content_type, "bin")
    name = f"mailroom/{folder}/{digest(raw)}.{extension}"
    if default_storage.exists(name):  # same bytes stored before (a retried import): reuse
        return name
    return default_storage.save(name, ContentFile(raw))
