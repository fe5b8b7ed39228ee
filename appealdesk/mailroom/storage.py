"""Raw bytes into the product's document storage (Django's storage API, as case documents),
named by their SHA-256 so a sender's file name never becomes a path."""

from __future__ import annotations

import hashlib
import os
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from appealdesk.cases.documents import sniff

if TYPE_CHECKING:
    from appealdesk.mailroom.models import Item

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
    """Store `raw` under mailroom/<folder>/<sha256>.<ext>, on the disk before this returns (the
    caller acknowledges its source next); returns the storage name."""
    extension = EXTENSIONS.get(content_type, "bin")
    name = f"mailroom/{folder}/{digest(raw)}.{extension}"
    if not default_storage.exists(name):  # else the same bytes stored before (a retried import)
        name = default_storage.save(name, ContentFile(raw))
    _synced(name)
    return name


def _synced(name: str) -> None:
    """Force a file of the local disk storage and its folder entry onto the disk: Django's
    storage leaves them in the page cache, which a power cut loses after the source was told it
    may forget the message. A remote storage (S3) holds the object once `save` returns."""
    try:
        path = default_storage.path(name)
    except NotImplementedError:
        return
    for target in (path, os.path.dirname(path)):
        handle = os.open(target, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def raw_bytes(item: Item) -> bytes:
    """The item's bytes exactly as received, from the document storage or, for an item of a
    batch not read yet, from `LandedBytes`."""
    if item.raw:
        with item.raw.open("rb") as handle:
            return handle.read()
    from appealdesk.mailroom.models import LandedBytes

    return bytes(LandedBytes.objects.values_list("data", flat=True).get(item_id=item.pk))
