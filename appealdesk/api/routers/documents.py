"""API v1: a case's documents — the list, an upload (PDF or an image, recognised by content),
a download (always as an attachment)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Path, Router, Status
from ninja.files import UploadedFile

from appealdesk.api.common import ERRORS, allow, load, name_of, need, user_of
from appealdesk.api.problems import ApiProblem
from appealdesk.api.schemas import DocumentOut
from appealdesk.cases.documents import DOCUMENT_KINDS, document_response, document_store
from appealdesk.cases.errors import InvalidInput
from appealdesk.cases.models import Document
from appealdesk.policy.quoting import quoted

router = Router()


def _document(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.pk,
        "kind": doc.kind,
        "name": doc.name,
        "content_type": doc.content_type,
        "size": doc.size,
        "sha256": doc.sha256,
        "uploaded_at": doc.uploaded_at,
        "uploaded_by": name_of(doc.uploaded_by),
    }


@router.get(
    "/cases/{number}/documents", response={200: list[DocumentOut], **ERRORS}, tags=["documents"]
)
def documents_list(request: HttpRequest, number: str) -> Any:
    need(request, "cases:read")
    case = load(request, number, "documents")
    return [_document(d) for d in case.documents.select_related("uploaded_by").order_by("pk")]


@router.post("/cases/{number}/documents", response={201: DocumentOut, **ERRORS}, tags=["documents"])
def document_upload(
    request: HttpRequest,
    number: str,
    file: File[UploadedFile],
    kind: str = Form("evidence", pattern=f"^({'|'.join(DOCUMENT_KINDS)})$"),
) -> Any:
    """PDF or an image (recognised by content), at most the configured size; the same
    content on the same case is stored once. Fields other than `file` and `kind`, or either
    of them twice, are refused (422), never silently dropped."""
    need(request, "cases:write")
    case = load(request, number, "upload")
    allow(request, "upload")
    unknown = sorted((set(request.POST) - {"kind"}) | (set(request.FILES) - {"file"}))
    if unknown:
        names = ", ".join(quoted(n) for n in unknown)
        raise InvalidInput(
            f"unknown form field(s) {names}: send `file` and `kind` only", field="file"
        )
    if len(request.POST.getlist("kind")) > 1 or len(request.FILES.getlist("file")) > 1:
        raise InvalidInput("send one `file` and at most one `kind`", field="file")
    doc = document_store(file, kind=kind, case=case, actor=user_of(request))  # checks the kind
    return Status(201, _document(doc))


@router.get(
    "/cases/{number}/documents/{document_id}",
    response={200: None, **ERRORS},
    tags=["documents"],
    summary="Download a document (always as an attachment)",
)
def document_download(
    request: HttpRequest, number: str, document_id: int = Path(..., ge=1, le=2**63 - 1)
) -> Any:
    need(request, "cases:read")
    case = load(request, number, "document")  # the path, with the id, is in the log too
    doc = case.documents.filter(pk=document_id).first()
    if doc is None:
        raise ApiProblem(404, "not_found", f"case {case.number} has no document {document_id}")
    return document_response(doc)
