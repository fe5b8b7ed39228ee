"""API v1: a case's letters (list, preview, generate, e-mail, record as mailed) and the
case-file packet: the same scopes, roles, access log and If-Match rules as every other
action."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Path, Query, Router, Schema
from pydantic import Field

from appealdesk.access import roles
from appealdesk.api.common import (
    ACTION_ERRORS,
    CASE_QUERY,
    ERRORS,
    IF_MATCH,
    act,
    answer,
    load,
    name_of,
    need,
    user_of,
    with_etag,
)
from appealdesk.api.problems import ApiProblem
from appealdesk.api.schemas import Instant, Text
from appealdesk.cases import services as sv
from appealdesk.cases.models import Case
from appealdesk.correspondence import catalog
from appealdesk.correspondence.context import refusals
from appealdesk.correspondence.models import KIND_LABELS, Letter
from appealdesk.correspondence.packet import PURPOSES, matter_cases, packet_build
from appealdesk.correspondence.render import letter_draft
from appealdesk.correspondence.services import letter_generate, letter_mark_mailed, letter_send

router = Router()
LETTER_ID = Path(..., ge=1, le=2**63 - 1)


class LetterOut(Schema):
    id: int
    kind: str
    kind_label: str
    subject: str
    status: str = Field(description="generated, queued, sending, sent, failed or mailed")
    template_version: int
    document_id: int = Field(description="the PDF: GET …/documents/{document_id}")
    sha256: str
    pages: int
    addressee: str
    facts: dict[str, Any] = Field(description="what the letter states: next level, last day…")
    rendered_at: dt.datetime
    rendered_by: str | None
    sent_to: str
    sent_at: dt.datetime | None
    send_error: str
    mailed_at: dt.datetime | None
    mailed_by: str | None


class LetterKindOut(Schema):
    kind: str
    label: str
    applies: bool
    why_not: str | None


class LettersOut(Schema):
    letters: list[LetterOut]
    kinds: list[LetterKindOut] = Field(description="the program's kinds of letter, and which apply")


class LetterCreate(Schema):
    kind: Text = Field(max_length=40, description=", ".join(KIND_LABELS))
    note: Text = Field(default="", description="staff's words printed under the body")


class LetterMailed(Schema):
    at: Instant | None = Field(default=None, description="when it was mailed; default now")


class LetterPreview(Schema):
    kind: str
    subject: str
    addressee: str
    template_version: int
    html: str


def letter_out(letter: Letter) -> dict[str, Any]:
    return {
        "id": letter.pk,
        "kind": letter.kind,
        "kind_label": letter.kind_label,
        "subject": letter.subject,
        "status": letter.status,
        "template_version": letter.template.version,
        "document_id": letter.document_id,
        "sha256": letter.document.sha256,
        "pages": letter.pages,
        "addressee": letter.addressee,
        "facts": letter.facts,
        "rendered_at": letter.rendered_at,
        "rendered_by": name_of(letter.rendered_by),
        "sent_to": letter.sent_to,
        "sent_at": letter.sent_at,
        "send_error": letter.send_error,
        "mailed_at": letter.mailed_at,
        "mailed_by": name_of(letter.mailed_by),
    }


LETTERS = Letter.objects.select_related("template", "document", "rendered_by", "mailed_by")


def _letter(case: Case, letter_id: int) -> Letter:
    letter = LETTERS.filter(case=case, pk=letter_id).first()
    if letter is None:
        raise ApiProblem(404, "not_found", f"case {case.number} has no letter {letter_id}")
    return letter


def _kind(kind: str) -> str:
    if kind not in KIND_LABELS:
        raise ApiProblem(
            422, "invalid_input", f"kind: one of {', '.join(KIND_LABELS)}", field="kind"
        )
    return kind


def _answer(request: HttpRequest, case: Case, letter: Letter, status: int = 200) -> HttpResponse:
    """The letter as it is now, with the case's ETag (a send or a mailing moves the case on)."""
    response = answer(request, LetterOut, letter_out(LETTERS.get(pk=letter.pk)), status)
    return with_etag(response, CASE_QUERY.get(pk=case.pk))


def _act(request: HttpRequest, number: str, what: str) -> tuple[Case, int]:
    case, version = act(request, number, what, action="letters")
    if version != case.version:
        raise sv._stale(case, version)
    return case, version


@router.get("/cases/{number}/letters", response={200: LettersOut, **ERRORS}, tags=["letters"])
def letters_list(request: HttpRequest, number: str) -> Any:
    """The case's letters, oldest first, and the kinds of letter its program has (with why
    those that do not apply now do not)."""
    need(request, "cases:read")
    case = load(request, number, "letters")
    why_not = refusals(case)
    kinds = [
        {"kind": k, "label": KIND_LABELS[k], "applies": not why_not[k], "why_not": why_not[k]}
        for k in catalog.template_versions(case.program)
    ]
    letters = [letter_out(x) for x in LETTERS.filter(case=case)]
    return answer(request, LettersOut, {"letters": letters, "kinds": kinds})


@router.get(
    "/cases/{number}/letters/preview",
    response={200: LetterPreview, **ERRORS},
    tags=["letters"],
    summary="The letter as it would be generated now (nothing stored)",
)
def letter_preview(request: HttpRequest, number: str, kind: Query[str]) -> Any:
    need(request, "cases:read")
    case = load(request, number, "letter preview")
    draft = letter_draft(case, _kind(kind))
    return {
        "kind": kind,
        "subject": draft.subject,
        "addressee": draft.addressee,
        "template_version": draft.template.version,
        "html": draft.html,
    }


@router.post(
    "/cases/{number}/letters",
    response={201: LetterOut, **ACTION_ERRORS},
    tags=["letters"],
    summary="Generate a letter: its PDF is stored with the case (SHA-256)",
    openapi_extra={"parameters": [IF_MATCH]},
)
def letter_create(request: HttpRequest, number: str, body: LetterCreate) -> Any:
    case, version = _act(request, number, "letter generate")
    letter = letter_generate(
        case,
        kind=_kind(body.kind),
        actor=user_of(request),
        note=body.note,
        expected_version=version,
    )
    return _answer(request, case, letter, 201)


@router.get(
    "/cases/{number}/letters/{letter_id}",
    response={200: LetterOut, **ERRORS},
    tags=["letters"],
)
def letter_get(request: HttpRequest, number: str, letter_id: int = LETTER_ID) -> Any:
    need(request, "cases:read")
    case = load(request, number, "letter")
    return answer(request, LetterOut, letter_out(_letter(case, letter_id)))


@router.post(
    "/cases/{number}/letters/{letter_id}/send",
    response={202: LetterOut, **ACTION_ERRORS},
    tags=["letters"],
    summary="E-mail the letter (PDF attached) to an addressee who agreed to e-mail",
    openapi_extra={"parameters": [IF_MATCH]},
)
def letter_email(request: HttpRequest, number: str, letter_id: int = LETTER_ID) -> Any:
    """Queued for the task worker (202); the send, and for an acknowledgement or decision the
    written notice, are recorded when the e-mail has gone."""
    case, _ = _act(request, number, "letter e-mail")
    letter = letter_send(_letter(case, letter_id), actor=user_of(request))
    return _answer(request, case, letter, 202)


@router.post(
    "/cases/{number}/letters/{letter_id}/mailed",
    response={200: LetterOut, **ACTION_ERRORS},
    tags=["letters"],
    summary="Record that the letter was printed and mailed (the written notice it gives too)",
    openapi_extra={"parameters": [IF_MATCH]},
)
def letter_mailed(
    request: HttpRequest, number: str, body: LetterMailed, letter_id: int = LETTER_ID
) -> Any:
    case, _ = _act(request, number, "letter mailed")
    letter = letter_mark_mailed(_letter(case, letter_id), actor=user_of(request), at=body.at)
    return _answer(request, case, letter)


class PacketQuery(Schema):
    purpose: Text = Field(default="copy", description="copy (the member's) or iro")
    notes: bool = Field(
        default=False,
        description="include staff's internal notes in the timeline (never in the member's copy)",
    )


@router.get(
    "/cases/{number}/packet",
    response={200: None, **ERRORS},
    tags=["letters"],
    summary="The case file as one PDF: index, every document and letter, the timeline",
)
def case_packet(request: HttpRequest, number: str, query: Query[PacketQuery]) -> Any:
    need(request, "cases:read")
    case = load(request, number, "case file packet")
    if query.purpose not in PURPOSES:
        raise ApiProblem(
            422, "invalid_input", f"purpose: one of {', '.join(PURPOSES)}", field="purpose"
        )
    packet = packet_build(
        case,
        cases=matter_cases(case, within=roles.visible_cases(user_of(request))),
        purpose=query.purpose,
        actor=user_of(request),
        notes=query.notes,
    )
    response = HttpResponse(packet.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{case.number}-case-file.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
