"""A letter from its template: the HTML page (letterhead, address block, body) and its PDF.

PDFs are made by WeasyPrint as PDF/UA-1 (tagged, with the document's language and title),
US Letter, in the DejaVu fonts of the Debian package `fonts-dejavu-core`. No resource is
fetched from anywhere: only `data:` URLs are allowed, so a template cannot reach the network
or the disk.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from appealdesk.cases import packs
from appealdesk.cases.errors import InvalidTransition, Refused
from appealdesk.cases.models import Case, Party
from appealdesk.cases.services import _jsonable
from appealdesk.correspondence import catalog
from appealdesk.correspondence.context import addressee_of, letter_context, refusal, sender_id
from appealdesk.correspondence.models import KIND_LABELS, LetterTemplate

PDF_VARIANT = "pdf/ua-1"
# what follows this line of a body is printed after the signature: a form to sign and return
ENCLOSURE = "<!-- enclosure -->"
# the facts kept with each letter (what it told the person), beside its PDF
FACT_KEYS = (
    "next_level",
    "decision",
    "dismissal",
    "extension",
    "consent",
    "redirect",
    "information",
    "prior",
)


@dataclass(frozen=True)
class Draft:
    case: Case
    kind: str
    template: LetterTemplate
    subject: str
    body: str  # the template's HTML, rendered
    html: str  # the whole page
    party: Party | None
    language: str  # of the template it was made from: '' English, 'es' Spanish
    addressee: str
    facts: dict[str, Any]
    case_version: int


def letter_draft(
    case: Case,
    kind: str,
    *,
    now: dt.datetime | None = None,
    note: str = "",
    template: LetterTemplate | None = None,
) -> Draft:
    """The letter as it would be generated now (nothing stored): for the preview and for
    `letter_generate`. Refused when the kind does not apply to the case."""
    now = now or timezone.now()
    why_not = refusal(case, kind)
    if why_not:
        raise InvalidTransition(
            f"a {KIND_LABELS.get(kind, kind).lower()} letter does not apply to {case.number}: "
            f"{why_not}"
        )
    party = addressee_of(case, kind)[0]
    language = party.language if party is not None else ""
    template = template or catalog.template_for(case.program, kind, language)
    if template is None:
        raise Refused(
            f"{case.program} has no {KIND_LABELS[kind].lower()} letter: an administrator can "
            "write one (Administration → Letter templates)"
        )
    program = packs.program_of(case.pack_id)
    # everything around the template's text speaks its language too: the pack's labels (through
    # the portal's catalogue), the page's headings, the month names of dates
    language = template.language
    with timezone.override(program.tz), translation.override(language or "en"):
        context = letter_context(case, kind, now=now, note=note)
        context["language"] = language or "en"
        subject = " ".join(
            html_lib.unescape(catalog.render_text(template.subject, context)).split()
        )
        body = catalog.render_text(template.body, context)
        text, _, enclosure = body.partition(ENCLOSURE)
        page = render_to_string(
            "correspondence/letter.html",
            {
                **context,
                "subject": subject,
                "body": mark_safe(text),
                "enclosure": mark_safe(enclosure.strip()),
            },
        )
    facts = {k: context[k] for k in FACT_KEYS if context.get(k) is not None}
    facts["sender"] = sender_id(case, program, kind)
    facts["addressee"] = context["addressee"]["name"]
    facts["template"] = {"id": template.pk, "version": template.version}
    return Draft(
        case=case,
        kind=kind,
        template=template,
        subject=subject[:300],
        body=body,
        html=page,
        party=party,
        language=language,
        addressee=context["addressee"]["name"][:200],
        facts=_jsonable(facts),
        case_version=case.version,
    )


@cache
def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"})


def pdf_of(html: str) -> tuple[bytes, int]:
    """The PDF of an HTML page and its number of pages."""
    import weasyprint

    document = weasyprint.HTML(string=html, url_fetcher=_fetcher()).render()
    return document.write_pdf(pdf_variant=PDF_VARIANT), len(document.pages)
