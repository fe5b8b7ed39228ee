"""Requests made to and by the member online: written permission to take more time, and the
free copy of the case file. Case work, so it lives in the core and writes its events here; the
portal (the member's side) and the desk (staff's side) both call these services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from appealdesk.cases import services as sv
from appealdesk.cases.errors import InvalidInput, InvalidTransition, Refused
from appealdesk.cases.models import (
    LIVE_CLOCK_STATES,
    Case,
    CaseFileRequest,
    Clock,
    Document,
    ExtensionConsentRequest,
    Signature,
)


# -- written permission to take more time ---------------------------------------------------
def consent_clocks(case: Case) -> list[Clock]:
    """The running clocks that may go on only with the member's written permission."""
    return [
        c
        for c in Clock.objects.filter(case=case, state__in=LIVE_CLOCK_STATES)
        if c.due_at is not None and (c.extension_rule or {}).get("requires") == "written_consent"
    ]


def consent_ask(
    case: Case,
    *,
    clock: Clock,
    actor: Any,
    new_due_at: dt.datetime,
    reason: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> ExtensionConsentRequest:
    """Staff ask the member online for written permission to go past a deadline (UMP: "We will
    request written permission from you or your authorized representative when we need an
    extension to the 30-day timeline")."""
    now = now or timezone.now()
    if not reason.strip():
        raise InvalidInput("say why more time is needed, in words the member reads", field="reason")
    with transaction.atomic():
        case, expected = sv._fresh(case, expected_version)
        clock = Clock.objects.get(pk=clock.pk, case=case)
        rule = clock.extension_rule or {}
        if rule.get("requires") != "written_consent":
            raise Refused(
                f"the {clock.clock_id} clock does not need the member's written permission to be "
                "extended: extend it on the desk",
                field="clock",
            )
        if clock.state not in LIVE_CLOCK_STATES or clock.due_at is None:
            raise InvalidTransition(
                f"clock {clock.clock_id} is {clock.state}: only a running clock can be extended"
            )
        if new_due_at <= clock.due_at:
            raise InvalidInput(
                "the new date must be later than the current due date", field="new_due_at"
            )
        if ExtensionConsentRequest.objects.filter(case=case, clock=clock, answer="").exists():
            raise Refused(
                "the member has not yet answered the last request for this clock",
                field="clock",
            )
        asked = ExtensionConsentRequest.objects.create(
            case=case,
            clock=clock,
            new_due_at=new_due_at,
            reason=reason.strip(),
            requested_at=now,
            requested_by=sv._user(actor),
        )
        sv._save(case, expected, actor, now)
        sv._event(
            case,
            "consent.requested",
            actor=actor,
            at=now,
            reason=reason.strip(),
            after={"request": asked.pk, "clock": clock.clock_id, "new_due_at": new_due_at},
        )
    return asked  # the event tells the member (portal/notify.py)


def _open_consent(asked: ExtensionConsentRequest, already: str) -> ExtensionConsentRequest:
    row = ExtensionConsentRequest.objects.select_for_update().get(pk=asked.pk)
    if row.answer:
        raise Refused(already, field="answer")
    return row


def consent_given(
    asked: ExtensionConsentRequest,
    *,
    actor: Any,
    signature: Signature,
    document: Document,
    already: str = "This request was already answered.",
    now: dt.datetime | None = None,
) -> ExtensionConsentRequest:
    """The member's signed permission (`document`, the signed statement) is on file: the clock
    is extended with it (`clock_extend` requires that document) and the request answered."""
    now = now or timezone.now()
    with transaction.atomic():
        asked = _open_consent(asked, already)
        if asked.clock.state not in LIVE_CLOCK_STATES:
            raise InvalidTransition(
                f"clock {asked.clock.clock_id} is {asked.clock.state}: nothing to extend"
            )
        sv.clock_extend(
            asked.clock,
            actor=actor,
            new_due_at=asked.new_due_at,
            reason=asked.reason,
            consent_document=document,
            now=now,
        )
        asked.answer, asked.answered_at = "given", now
        asked.signature, asked.consent_document = signature, document
        asked.save(update_fields=["answer", "answered_at", "signature", "consent_document"])
        sv._event(
            asked.case,
            "consent.given",
            actor=actor,
            at=now,
            after={"request": asked.pk, "signature": signature.pk, "document": document.pk},
        )
    return asked


def consent_refused(
    asked: ExtensionConsentRequest,
    *,
    actor: Any,
    signature: Signature,
    already: str = "This request was already answered.",
    now: dt.datetime | None = None,
) -> ExtensionConsentRequest:
    """The member's signed refusal: recorded; the deadline stays as it was."""
    now = now or timezone.now()
    with transaction.atomic():
        asked = _open_consent(asked, already)
        current, expected = sv._fresh(asked.case, None)
        asked.answer, asked.answered_at, asked.signature = "refused", now, signature
        asked.save(update_fields=["answer", "answered_at", "signature"])
        sv._save(current, expected, actor, now)
        sv._event(
            current,
            "consent.refused",
            actor=actor,
            at=now,
            after={"request": asked.pk, "signature": signature.pk},
        )
    return asked


# -- the free copy of the case file ---------------------------------------------------------
def case_file_request(
    case: Case, *, account: Any, actor: Any, now: dt.datetime | None = None
) -> CaseFileRequest:
    """UMP: "You may also request copies of documents the plan has that are relevant to your
    appeal, which the plan will provide at no cost." One open request at a time (asking twice
    before it is sent gives the same request back)."""
    now = now or timezone.now()
    with transaction.atomic():
        already = CaseFileRequest.objects.filter(case=case, fulfilled_at__isnull=True).first()
        if already is not None:
            return already
        asked = CaseFileRequest.objects.create(case=case, account=account, requested_at=now)
        sv._event(case, "case_file.requested", actor=actor, at=now, after={"request": asked.pk})
    return asked


def case_file_fulfil(
    asked: CaseFileRequest, *, actor: Any, now: dt.datetime | None = None
) -> CaseFileRequest:
    """Staff sent the packet: the request is marked fulfilled, by whom and when."""
    now = now or timezone.now()
    with transaction.atomic():
        updated = CaseFileRequest.objects.filter(pk=asked.pk, fulfilled_at__isnull=True).update(
            fulfilled_at=now, fulfilled_by=sv._user(actor)
        )
        if updated != 1:
            raise Refused("this request for the case file was already marked as sent")
        asked.refresh_from_db()
        sv._event(asked.case, "case_file.sent", actor=actor, at=now, after={"request": asked.pk})
    return asked
