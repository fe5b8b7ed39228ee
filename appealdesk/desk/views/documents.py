"""A case's documents viewed on the case page (issue 18, item 4, the reviewer's workspace).

The access-logged document view (`cases.document_download`) answers `?inline=1` with the
document shown, not downloaded: a PNG, JPEG or GIF as itself (`Content-Disposition: inline`,
`nosniff`, CSP `sandbox`: nothing in it runs), shown in an `<img>`; a PDF or TIFF as a viewer page
of its pages drawn here as images (poppler's pdftoppm, Pillow: the browser never interprets the
sender's bytes, and Chromium shows no PDF in a sandbox), framed by the case page. Other types are
downloaded. The page images are not logged one by one: the viewer that shows them is the row.
"""

from __future__ import annotations

import subprocess

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from appealdesk.access import roles
from appealdesk.cases.models import Case, Document
from appealdesk.desk.views.mailroom import VIEWER_PAGES, _page_count, _render_page

# shown by the browser itself, in an <img>
SHOWN_AS_IS = ("image/png", "image/jpeg", "image/gif")
# drawn here page by page
DRAWN = ("application/pdf", "image/tiff")
VIEWABLE = SHOWN_AS_IS + DRAWN


def document_inline(request: HttpRequest, case: Case, document: Document) -> HttpResponse:
    """The document as the case page shows it (the caller logged the look)."""
    if document.content_type in SHOWN_AS_IS:
        response: HttpResponse = FileResponse(
            document.file.open("rb"),
            as_attachment=False,
            filename=document.name,
            content_type=document.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response
    if document.content_type not in DRAWN:
        raise Http404("This kind of document is downloaded, not shown.")
    return _viewer(request, case, document)


@xframe_options_sameorigin
def _viewer(request: HttpRequest, case: Case, document: Document) -> HttpResponse:
    count = _page_count(document)
    response = render(
        request,
        "desk/document_viewer.html",
        {
            "case": case,
            "document": document,
            "pages": range(1, min(count, VIEWER_PAGES) + 1),
            "more": max(count - VIEWER_PAGES, 0),
        },
    )
    response["X-Content-Type-Options"] = "nosniff"
    # no script, no form, no plugin; same origin kept so the page images carry the session
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'self'; sandbox allow-same-origin"
    )
    return response


@require_GET
def document_page(request: HttpRequest, number: str, document_id: int, page: int) -> HttpResponse:
    """One page of a case document as a PNG drawn here, for the viewer."""
    case = roles.visible_cases(request.user).filter(number=number).first()
    document = (
        Document.objects.filter(case=case, pk=document_id).first() if case is not None else None
    )
    if document is None or document.content_type not in DRAWN or page < 1:
        raise Http404("No such page.")
    with document.file.open("rb") as handle:
        raw = handle.read()
    try:
        png = _render_page(raw, document.content_type, page)
    except (OSError, ValueError, EOFError, subprocess.SubprocessError) as exc:
        raise Http404("No such page.") from exc
    response = HttpResponse(png, content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
