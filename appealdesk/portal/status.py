"""A case as its member (or their representative, or the provider who filed it) reads it, and
what they can do about it online.

* `timeline(case)`: what happened and what happens next, in plain words, from the case's events
  and clocks — only facts the person may see: never who on staff did something, their reasons
  or their notes.
* the portal's actions, each one transaction with its own event: answering a request for
  information, giving or refusing written permission to take more time (signed here, recorded by
  the case services in `appealdesk.cases.member_requests`, which the desk calls too).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from appealdesk.access import scope
from appealdesk.accounts.models import PortalAccount
from appealdesk.cases import member_requests as requests
from appealdesk.cases import packs
from appealdesk.cases import services as sv
from appealdesk.cases.documents import document_store, files_undone_on_error
from appealdesk.cases.models import (
    LIVE_CLOCK_STATES,
    Case,
    Clock,
    Document,
    Event,
    ExtensionConsentRequest,
    InformationRequest,
    Signature,
)
from appealdesk.policy.assess import Program
from appealdesk.policy.vocabulary import EXACT_UNITS
from appealdesk.portal import words
from appealdesk.portal.common import day, local_day, moment, signature_record
from appealdesk.portal.packtext import item_labels

# what a member may download besides the letters: what people filing on the portal uploaded
PORTAL_DOCUMENT_KINDS = (
    "eob",
    "medical_records",
    "evidence",
    "testimony",
    "written_consent",
    "authorization",
)
DECIDING = {"decided", "notified_written", "notified_verbal"}


# -- words ------------------------------------------------------------------------------------
def due_words(clock: Clock, program: Program) -> str:
    """A day clock's due date; an hour clock's exact time (an expedited appeal's 72 hours)."""
    assert clock.due_at is not None
    if clock.unit in EXACT_UNITS:
        return moment(clock.due_at, program)
    return day(clock.due_date or local_day(clock.due_at, program))


def dismissal_words(reason: str) -> str:
    return {
        "untimely": _(
            "We could not review it because it reached us after the last day to ask for it."
        ),
        "not_appealable": _("We could not review it because this decision cannot be appealed."),
        "withdrawn": _("It was withdrawn, so we did not review it."),
    }.get(reason, _("We did not review it."))


# -- the timeline ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    when: str
    text: str
    late: bool = False


def timeline(
    case: Case, program: Program | None = None, *, now: dt.datetime | None = None
) -> tuple[list[Step], list[Step]]:
    """What happened (oldest first) and what happens next (the deadlines still running; one
    already passed is said to be late, never shown as still ahead)."""
    program = program or packs.program_of(case.pack_id)
    labels = item_labels(program)
    kind = words.kind_words(case)
    past = [
        Step(
            day(case.received_date),
            _("We received your %(kind)s on %(day)s.")
            % {"kind": kind, "day": day(case.received_date)},
        )
    ]
    if case.disposition == "redirect":
        past.append(Step(day(case.received_date), redirect_words(case, program)))
    consents = {
        c.clock_id: c
        for c in ExtensionConsentRequest.objects.filter(case=case, answer="given").order_by(
            "answered_at"
        )
    }
    for event in Event.objects.filter(case=case).order_by("at", "id"):
        text = _event_words(event, case, program, labels, consents)
        if text:
            past.append(Step(day(local_day(event.at, program)), text))
    return past, _ahead(case, program, now or timezone.now())


def redirect_words(case: Case, program: Program) -> str:
    handler = program.handlers.get(case.handler) or {}
    name = handler.get("name") or _("the office that handles it")
    text = _("This request is handled by %(name)s, not by us; we passed it on.") % {"name": name}
    if handler.get("phone"):
        text += " " + _("You can reach them at %(phone)s.") % {"phone": handler["phone"]}
    return text


def _event_words(
    event: Event,
    case: Case,
    program: Program,
    labels: dict[str, str],
    consents: dict[int, ExtensionConsentRequest],
) -> str:
    after: dict[str, Any] = event.after or {}
    when = day(local_day(event.at, program))
    action = event.action
    if action == "case.information_requested":
        asked = "; ".join(labels.get(i, i.replace("_", " ")) for i in after.get("items") or [])
        return _("We asked you for: %(items)s on %(day)s.") % {
            "items": asked or _("more information"),
            "day": when,
        }
    if action == "case.information_received":
        received = after.get("received_at")
        on = day(local_day(dt.datetime.fromisoformat(received), program)) if received else when
        return _("You sent information on %(day)s.") % {"day": on}
    if action == "clock.extended":
        clock = Clock.objects.filter(case=case, clock_id=after.get("clock")).first()
        if clock is None or not clock.binding:
            return ""
        new = dt.datetime.fromisoformat(after["due_at"])
        new_words = (
            moment(new, program) if clock.unit in EXACT_UNITS else day(local_day(new, program))
        )
        text = _("We need more time: the new date is %(day)s.") % {"day": new_words}
        consent = consents.get(clock.pk)
        if consent is not None and consent.answered_at is not None:
            text += " " + _("(You agreed on %(day)s.)") % {
                "day": day(local_day(consent.answered_at, program))
            }
        return text
    if action == "case.decided":
        decided = after.get("decided_at")
        on = day(local_day(dt.datetime.fromisoformat(decided), program)) if decided else when
        outcome = str(words.OUTCOMES.get(after.get("outcome", ""), after.get("outcome", "")))
        return _("We decided on %(day)s: %(outcome)s.") % {"day": on, "outcome": outcome}
    if action == "notice.decision":
        if after.get("medium") == "verbal":
            return _("We told you the decision by phone on %(day)s.") % {"day": when}
        return _("We sent the decision letter on %(day)s.") % {"day": when}
    if action == "notice.acknowledgement":
        return _("We confirmed that we received your request on %(day)s.") % {"day": when}
    if action == "case.dismissed":
        return dismissal_words(after.get("reason", ""))
    if action == "case.reopened":
        return _("We reopened your request on %(day)s.") % {"day": when}
    if action == "case.closed":
        return _("Your request was closed on %(day)s.") % {"day": when}
    if action == "case.escalated":
        return _("You asked for the next step (%(number)s) on %(day)s.") % {
            "number": after.get("to", ""),
            "day": when,
        }
    if action == "consent.requested":
        return _("We asked your permission to take more time on %(day)s.") % {"day": when}
    if action == "consent.refused":
        return _("You did not agree to give us more time (%(day)s).") % {"day": when}
    if action == "case_file.requested":
        return _("You asked for a free copy of your case file on %(day)s.") % {"day": when}
    if action == "case_file.sent":
        return _("We sent you the copy of your case file on %(day)s.") % {"day": when}
    return ""


def _ahead(case: Case, program: Program, now: dt.datetime) -> list[Step]:
    """The deadlines still running, earliest first: one line per kind of promise."""
    if not case.is_open:
        return []
    clocks = sorted(
        (
            c
            for c in Clock.objects.filter(case=case, state__in=LIVE_CLOCK_STATES, binding=True)
            if c.due_at is not None and c.met_at is None
        ),
        key=lambda c: c.due_at or now,
    )
    ahead: list[Step] = []
    seen: set[str] = set()
    for clock in clocks:
        group = _promise(clock, case)
        if group in seen:
            continue
        seen.add(group)
        assert clock.due_at is not None
        when = due_words(clock, program)
        late = clock.due_at < now
        text = _((PROMISES_LATE if late else PROMISES)[group]) % {"day": when}
        if late and case.immediate_iro:
            text += " " + _("You may now ask for an independent review.")
        ahead.append(Step(when, text, late))
    return ahead


def _promise(clock: Clock, case: Case) -> str:
    met_by = set(clock.met_by or [])
    if "acknowledged" in met_by:
        return "ack"
    if met_by & DECIDING:
        return "answer" if case.kind in ("complaint", "grievance") else "decide"
    return "investigate"


PROMISES = {
    "ack": gettext_noop("We will confirm in writing that we received it by %(day)s."),
    "decide": gettext_noop("We will decide by %(day)s."),
    "answer": gettext_noop("We will give you our answer by %(day)s."),
    "investigate": gettext_noop("We will finish looking into it by %(day)s."),
}
PROMISES_LATE = {
    "ack": gettext_noop(
        "We were to confirm in writing that we received it by %(day)s: we are late."
    ),
    "decide": gettext_noop("We were to decide by %(day)s: we are late."),
    "answer": gettext_noop("We were to give you our answer by %(day)s: we are late."),
    "investigate": gettext_noop("We were to finish looking into it by %(day)s: we are late."),
}


# -- answering a request for information ----------------------------------------------------
def open_information_requests(case: Case) -> list[InformationRequest]:
    return list(
        InformationRequest.objects.filter(case=case, received_at__isnull=True).order_by(
            "requested_at"
        )
    )


def information_answer(
    case: Case,
    *,
    account: PortalAccount,
    actor: Any,
    items: Sequence[str],
    uploads: Iterable[tuple[Any, str]],
    message: str,
    expected_version: int,
    now: dt.datetime | None = None,
) -> list[Document]:
    """The documents stored on the case and the request answered, together or not at all (nor
    their files)."""
    now = now or timezone.now()
    with files_undone_on_error(), transaction.atomic():
        stored = [document_store(u, kind=kind, case=case, actor=actor) for u, kind in uploads]
        sent = sorted({*items, *(d.kind for d in stored if d.kind in ("eob", "medical_records"))})
        sv.case_receive_information(
            case,
            actor=actor,
            items=sent,
            received_at=now,
            note=message.strip(),
            expected_version=expected_version,
            now=now,
        )
    return stored


# -- written permission to take more time ---------------------------------------------------
def answerers(case: Case) -> list[PortalAccount]:
    """The portal accounts that may answer for the case's member: the member's own and those of
    representatives whose authorization staff verified (the filer, if a representative, too)."""
    parties = set()
    if case.member_id:
        parties.add(case.member_id)
        parties |= set(
            scope.in_force()
            .filter(member_id=case.member_id)
            .values_list("representative_id", flat=True)
        )
    return list(
        PortalAccount.objects.filter(
            party_id__in=parties, email_verified_at__isnull=False
        ).select_related("user")
    )


CONSENT_STATEMENT = gettext_noop(
    "I give my written permission to take more time to decide my {kind} {number}, until "
    "{new_day}, for this reason: {reason}"
)
REFUSAL_STATEMENT = gettext_noop("I do not agree to more time to decide my {kind} {number}.")


def consent_give(
    asked: ExtensionConsentRequest,
    *,
    account: PortalAccount,
    actor: Any,
    typed_name: str,
    http: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> ExtensionConsentRequest:
    """The signed permission, kept as a PDF document of the case, then the clock extended with
    it by the case service (`consent_given`)."""
    now = now or timezone.now()
    case = asked.case
    program = packs.program_of(case.pack_id)
    statement = statement_for(asked, program, CONSENT_STATEMENT)
    with files_undone_on_error(), transaction.atomic():
        signature = signature_record(
            account=account,
            case=case,
            purpose="extension_consent",
            typed_name=typed_name,
            statement=statement,
            content={"request": asked.pk, "new_due_at": asked.new_due_at.isoformat()},
            program=program,
            meta=http.META if http is not None else None,
            now=now,
        )
        pdf = consent_pdf(asked, signature, program)
        document = document_store(
            ContentFile(pdf, name=f"{case.number}-consent-{asked.pk}.pdf"),
            kind="written_consent",
            case=case,
            actor=actor,
        )
        return requests.consent_given(
            asked,
            actor=actor,
            signature=signature,
            document=document,
            already=_("This request was already answered."),
            now=now,
        )


def consent_refuse(
    asked: ExtensionConsentRequest,
    *,
    account: PortalAccount,
    actor: Any,
    typed_name: str,
    http: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> ExtensionConsentRequest:
    """The refusal, signed and recorded by the case service; the deadline stays as it was."""
    now = now or timezone.now()
    program = packs.program_of(asked.case.pack_id)
    with transaction.atomic():
        signature = signature_record(
            account=account,
            case=asked.case,
            purpose="extension_refusal",
            typed_name=typed_name,
            statement=statement_for(asked, program, REFUSAL_STATEMENT),
            content={"request": asked.pk},
            program=program,
            meta=http.META if http is not None else None,
            now=now,
        )
        return requests.consent_refused(
            asked,
            actor=actor,
            signature=signature,
            already=_("This request was already answered."),
            now=now,
        )


def statement_for(asked: ExtensionConsentRequest, program: Program, template: str) -> str:
    case = asked.case
    return _(template).format(
        kind=words.kind_words(case),
        number=case.number,
        new_day=day(local_day(asked.new_due_at, program)),
        reason=asked.reason,
    )


def consent_pdf(asked: ExtensionConsentRequest, signature: Signature, program: Program) -> bytes:
    from appealdesk.correspondence.render import pdf_of

    html = render_to_string(
        "portal/consent_pdf.html",
        {
            "asked": asked,
            "case": asked.case,
            "signature": signature,
            "program": program.pack,
            "signed_at": moment(signature.signed_at, program),
            "new_day": day(local_day(asked.new_due_at, program)),
        },
    )
    pdf, _pages = pdf_of(html)
    return pdf
