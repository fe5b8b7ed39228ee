"""The mailroom on the desk: the queue of what arrived by fax, mail and e-mail, an item's page
(the document beside its text and the proposal) with its actions, each calling one mailroom
service, and the batch upload of paper scans. Opening an item as a case goes through the
intake form (`views.intake`, `?item=`).

Every look at an item's content is a PHI read and goes to the access log: the queue is one row
per page view, an item page or document one row; an item the user may not see answers 404 and
the refused attempt is logged (never 403: that would confirm it exists)."""

from __future__ import annotations

import io
import subprocess
import tempfile
from typing import Any

from django.contrib import messages
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
)
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appealdesk.access import roles
from appealdesk.access.log import case_for, log_access
from appealdesk.cases.errors import DomainError
from appealdesk.desk.mailroom_forms import AttachForm, NotARequestForm, ScanBatchForm, SplitForm
from appealdesk.desk.mailroom_reads import STATE_FILTERS, programs_of, queue, visible_items
from appealdesk.mailroom import selectors, services
from appealdesk.mailroom.models import Item, ItemState, Part, Source
from appealdesk.mailroom.selectors import due_words
from appealdesk.policy import default_registry
from appealdesk.policy.assess import program_for

NOT_YOURS = "The mailroom is for intake coordinators, A&G analysts and supervisors."
# the page images of the viewer: enough to read a fax, small enough to load a 30-page one
PAGE_DPI = 80
VIEWER_PAGES = 60  # pages shown inline; the rest are in the original (downloaded)
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/tiff")


def _may(request: HttpRequest) -> bool:
    return roles.may(request.user, "mailroom")


def _member_id(item: Item) -> int | None:
    matched = (item.proposal or {}).get("matched") or {}
    value = matched.get("member_id")
    return int(value) if isinstance(value, int) else None


def item_for(request: HttpRequest, item_id: int, *, what: str) -> Item:
    """The item if the user may read it (the look is logged), else 404 (the refusal logged)."""
    label = f"mailroom item {item_id}"
    item = (
        visible_items(request.user)
        .select_related("case", "parent", "done_by")
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        log_access(request, label, None, f"{what} (refused)", False)
        raise Http404("No such item, or not one of your programs' mail.")
    member = _member_id(item)
    log_access(request, label, item.case, what, True, member_ids=[member] if member else None)
    return item


# -- the queue --------------------------------------------------------------------------------
@require_GET
def mailroom_queue(request: HttpRequest) -> HttpResponse:
    if not _may(request):
        return HttpResponseForbidden(NOT_YOURS)
    state = request.GET.get("state") or "waiting"
    source = request.GET.get("source") or ""
    program = request.GET.get("program") or ""
    try:
        page = queue(
            request.user,
            state=state,
            source=source,
            program=program,
            after=request.GET.get("after") or None,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("desk:mailroom")
    # one row per page view: the sender names and proposals shown are PHI
    log_access(
        request,
        f"{len(page.rows)} mailroom items",
        None,
        "mailroom queue",
        True,
        member_ids=_shown_members(page.rows),
    )
    query = request.GET.copy()
    query.pop("after", None)
    next_query = None
    if page.next_cursor:
        query["after"] = page.next_cursor
        next_query = query.urlencode()
    programs = programs_of(request.user)
    registry = default_registry()
    names = (
        registry.programs()
        if programs is None
        else [p for p in registry.programs() if p in programs]
    )
    context = {
        "rows": page.rows,
        "next_query": next_query,
        "filters": {"state": state, "source": source, "program": program},
        "states": STATE_FILTERS.items(),
        "sources": Source.choices,
        "programs": names,
        "can_upload": True,
    }
    return render(request, "desk/mailroom.html", context)


def _shown_members(rows: list[Any]) -> list[int]:
    """The members the queue page named (the matched member of each row's proposal)."""
    found = set()
    for row in rows:
        value = getattr(row.item, "matched_member", None)
        if value not in (None, "", "null") and str(value).isdigit():
            found.add(int(value))
    return sorted(found)


# -- one item ---------------------------------------------------------------------------------
@require_GET
def mailroom_item(request: HttpRequest, item_id: int) -> HttpResponse:
    if not _may(request):
        return HttpResponseForbidden(NOT_YOURS)
    item = item_for(request, item_id, what="mailroom item")
    return _render_item(request, item)


def _proposed_cases(request: HttpRequest, item: Item) -> list[dict[str, Any]]:
    """The cases reading found (by number, or the case a reply answers), each with whether the
    user may open it (a number in the text is shown either way: it is in the document)."""
    matched = (item.proposal or {}).get("matched") or {}
    numbers = list(
        dict.fromkeys(
            [n for n in [matched.get("reply_to_case")] if n]
            + [c.get("number") for c in matched.get("cases") or [] if c.get("number")]
            + list(matched.get("case_numbers") or [])
        )
    )
    if not numbers:
        return []
    visible = {
        c.number: c
        for c in roles.visible_cases(request.user)
        .filter(number__in=numbers)
        .only("number", "state", "kind", "missing", "member_id")
    }
    return [{"number": n, "case": visible.get(n)} for n in numbers]


def _render_item(
    request: HttpRequest,
    item: Item,
    *,
    bound: Any = None,
    status: int = 200,
) -> HttpResponse:
    parts = list(item.parts.order_by("position"))
    events = list(item.events.order_by("at", "id"))
    children = list(item.children.order_by("id"))
    proposal = item.proposal or {}
    matched = proposal.get("matched") or {}
    assessment = proposal.get("assessment")
    proposed = _proposed_cases(request, item)
    first_open = next(
        (p["case"] for p in proposed if p["case"] is not None and p["case"].is_open), None
    )
    waiting = item.state != ItemState.DONE
    tz = _zone(item.program)
    words, overdue = due_words(item, timezone.now()) if waiting else ("", False)
    forms: dict[str, Any] = {}
    if waiting:
        initial = {"version": item.version}
        forms = {
            "attach": AttachForm(
                initial={
                    **initial,
                    "case_number": first_open.number if first_open else "",
                    "items": list(first_open.missing) if first_open else [],
                },
                prefix="attach",
            ),
            "split": SplitForm(initial=initial, prefix="split"),
            "not_a_request": NotARequestForm(initial=initial, prefix="not_a_request"),
        }
        if bound is not None:
            forms[bound.prefix] = bound
    splittable = (
        waiting
        and len(parts) == 1
        and parts[0].content_type == "application/pdf"
        and not parts[0].problem
        and (parts[0].pages or 0) > 1
    )
    with timezone.override(tz):
        context = {
            "item": item,
            "parts": parts,
            "events": events,
            "children": children,
            "matched": matched,
            "assessment": assessment,
            "panel": {"proposal": assessment} if assessment else None,
            "assess_error": proposal.get("assess_error"),
            "proposed": proposed,
            "waiting": waiting,
            "due_words": words,
            "overdue": overdue,
            "forms": forms,
            "open_form": bound.prefix if bound is not None else "",
            "splittable": splittable,
            "can_open_case": waiting and roles.may(request.user, "receive"),
            "tz": str(tz),
        }
        return render(request, "desk/mailroom_item.html", context, status=status)


def _zone(program: str) -> Any:
    registry = default_registry()
    if program in registry.programs():
        return program_for(registry.in_force(program, timezone.localdate())).tz
    return timezone.get_current_timezone()


ACTIONS = {"attach": AttachForm, "split": SplitForm, "not_a_request": NotARequestForm}


@require_POST
def mailroom_action(request: HttpRequest, item_id: int, action: str) -> HttpResponse:
    """One action on an item, each one mailroom service; the item's version the clerk saw is
    passed back, so a second clerk on the same fax is told instead of overwriting."""
    form_class = ACTIONS.get(action)
    if form_class is None:
        raise Http404("No such mailroom action.")
    if not _may(request) or (
        action == "attach" and not roles.may(request.user, "receive_information")
    ):
        return HttpResponseForbidden(NOT_YOURS)
    item = item_for(request, item_id, what=f"mailroom {action.replace('_', ' ')}")
    form = form_class(request.POST, prefix=action)
    if not form.is_valid():
        return _render_item(request, item, bound=form, status=422)
    d = form.cleaned_data
    try:
        if action == "attach":
            try:
                case = case_for(request, d["case_number"], what="mailroom attach")
            except Http404:
                form.add_error(
                    "case_number", f"No case {d['case_number']} among the cases you may see."
                )
                return _render_item(request, item, bound=form, status=422)
            done = services.item_attach(
                item,
                case=case,
                actor=request.user,
                items=d["items"],
                note=d["note"],
                expected_version=d["version"],
            )
            messages.success(
                request,
                f"Attached to {case.number} as information received at the item's receipt "
                "instant; its paused clocks resumed.",
            )
            if roles.can_see(request.user, case):
                return redirect("desk:case", number=case.number)
            return redirect("desk:mailroom_item", item_id=done.pk)
        if action == "split":
            children = services.item_split(
                item, ranges=d["ranges"], actor=request.user, expected_version=d["version"]
            )
            messages.success(
                request,
                f"Split into {len(children)} items: "
                + ", ".join(f"pages {c.page_range}" for c in children)
                + ". Each is read again and waits in the queue.",
            )
            return redirect("desk:mailroom_item", item_id=item.pk)
        services.item_not_a_request(
            item,
            reason=d["reason"],
            note=d["note"],
            actor=request.user,
            expected_version=d["version"],
        )
        messages.success(request, f"Item {item.pk} marked not a request; it is kept.")
        return redirect("desk:mailroom")
    except DomainError as exc:
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, exc.message)
        current = Item.objects.select_related("case", "parent", "done_by").get(pk=item.pk)
        if current.state == ItemState.DONE:  # its forms are gone from the page: say it on top
            messages.error(request, exc.message)
        return _render_item(request, current, bound=form, status=422)


# -- the document ------------------------------------------------------------------------------
def _part_for(request: HttpRequest, item_id: int, part_id: int, *, what: str) -> Part:
    item = item_for(request, item_id, what=what)
    part = item.parts.filter(pk=part_id).first()
    if part is None:
        raise Http404("No such document in this item.")
    return part


def _locked_down(response: HttpResponse) -> HttpResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_GET
def mailroom_original(request: HttpRequest, item_id: int, part_id: int) -> HttpResponse:
    """The document exactly as received, as an attachment (never run as a page of this site)."""
    if not _may(request):
        return HttpResponseForbidden(NOT_YOURS)
    part = _part_for(request, item_id, part_id, what="mailroom document")
    response = FileResponse(
        part.file.open("rb"), as_attachment=True, filename=part.name, content_type=part.content_type
    )
    return _locked_down(response)


@require_GET
def mailroom_message(request: HttpRequest, item_id: int) -> HttpResponse:
    """An e-mail item's whole message as received (.eml, every attachment in it), as an
    attachment: what a clerk opens when more attachments came than are shown."""
    if not _may(request):
        return HttpResponseForbidden(NOT_YOURS)
    item = item_for(request, item_id, what="mailroom message as received")
    if item.raw_content_type != "message/rfc822":
        raise Http404("Only an e-mail has a message to download; its documents are above.")
    response = HttpResponse(selectors.item_as_received(item), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="item-{item.pk}.eml"'
    return _locked_down(response)


def _page_count(part: Any) -> int:
    """How many pages a mailroom part or a case document has (0: unreadable)."""
    if getattr(part, "pages", None):
        return int(part.pages)
    with part.file.open("rb") as handle:
        raw = handle.read()
    try:
        if part.content_type == "application/pdf":
            from pypdf import PdfReader

            return len(PdfReader(io.BytesIO(raw)).pages)
        from PIL import Image

        with Image.open(io.BytesIO(raw)) as image:
            return int(getattr(image, "n_frames", 1))
    except Exception:  # an unreadable document: the item's problem says so; show no pages
        return 0


@xframe_options_sameorigin
@require_GET
def mailroom_viewer(request: HttpRequest, item_id: int, part_id: int) -> HttpResponse:
    """The sandboxed viewer in the item page's frame: the document's pages as images rendered
    here (a PDF's scripts, forms and links never run; Chromium shows no PDF in a sandbox)."""
    if not _may(request):
        return HttpResponseForbidden(NOT_YOURS)
    part = _part_for(request, item_id, part_id, what="mailroom document")
    viewable = part.content_type == "application/pdf" or part.content_type in IMAGE_TYPES
    count = _page_count(part) if viewable else 0
    response = render(
        request,
        "desk/mailroom_viewer.html",
        {
            "part": part,
            "pages": range(1, min(count, VIEWER_PAGES) + 1),
            "more": max(count - VIEWER_PAGES, 0),
            "viewable": viewable,
        },
    )
    response["X-Content-Type-Options"] = "nosniff"
    # no script, no form, no plugin; same origin kept so the page images carry the session
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'self'; sandbox allow-same-origin"
    )
    return response


@require_GET
def mailroom_page_image(
    request: HttpRequest, item_id: int, part_id: int, page: int
) -> HttpResponse:
    """One page of a document as a PNG drawn here (PDF by poppler's pdftoppm, images by
    Pillow): the browser never interprets the sender's bytes. Not logged per page: the viewer
    that shows them is one access-log row."""
    if not _may(request):
        return HttpResponseForbidden(NOT_YOURS)
    item = visible_items(request.user).filter(pk=item_id).first()
    part = item.parts.filter(pk=part_id).first() if item is not None else None
    if part is None or page < 1:
        raise Http404("No such page.")
    with part.file.open("rb") as handle:
        raw = handle.read()
    try:
        png = _render_page(raw, part.content_type, page)
    except (OSError, ValueError, EOFError, subprocess.SubprocessError) as exc:
        return HttpResponse(
            f"page {page} cannot be drawn ({type(exc).__name__}): download the original",
            status=422,
            content_type="text/plain",
        )
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return _locked_down(response)


def _render_page(raw: bytes, content_type: str, page: int) -> bytes:
    if content_type == "application/pdf":
        with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
            handle.write(raw)
            handle.flush()
            done = subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    str(PAGE_DPI),
                    "-f",
                    str(page),
                    "-l",
                    str(page),
                    "-singlefile",
                    handle.name,
                ],
                capture_output=True,
                timeout=30,
                check=False,
            )
        if done.returncode != 0 or not done.stdout:
            raise ValueError(done.stderr.decode(errors="replace")[:200] or "no such page")
        return done.stdout
    from PIL import Image

    with Image.open(io.BytesIO(raw)) as image:
        if page > getattr(image, "n_frames", 1):
            raise ValueError("no such page")
        image.seek(page - 1)
        frame = image.convert("RGB")
        frame.thumbnail((1275, 1650))
        out = io.BytesIO()
        frame.save(out, format="PNG")
        return out.getvalue()


# -- paper mail -------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def mailroom_upload(request: HttpRequest) -> HttpResponse:
    """A batch of scanned paper mail with the date on the mailroom's stamp: each file one item
    received that day (the clocks run from the stamp, not from the upload)."""
    if not _may(request):
        return HttpResponseForbidden(NOT_YOURS)
    if request.method != "POST":
        form = ScanBatchForm(initial={"stamped_on": timezone.localdate()})
        return render(request, "desk/mailroom_upload.html", {"form": form})
    form = ScanBatchForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "desk/mailroom_upload.html", {"form": form}, status=422)
    d = form.cleaned_data
    tz = _zone(d["program"])
    try:
        result = services.scans_store_batch(
            d["files"], stamped_on=d["stamped_on"], tz=tz, actor=request.user
        )
    except DomainError as exc:
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, exc.message)
        return render(request, "desk/mailroom_upload.html", {"form": form}, status=422)
    new = [s for s in result.stored if s.created]
    again = [s for s in result.stored if not s.created]
    if new:
        messages.success(
            request,
            f"{len(new)} scan(s) stored as received on {d['stamped_on']:%b %-d, %Y}; "
            "they are read and appear in the queue.",
        )
    for stored in again:
        messages.info(
            request, f"{stored.item.raw_name}: already received (item {stored.item.pk}); kept once."
        )
    for name, reason in result.refused:
        messages.error(request, f"{name} refused: {reason}")
    if result.refused and not result.stored:
        return render(request, "desk/mailroom_upload.html", {"form": form}, status=422)
    return redirect("desk:mailroom")
