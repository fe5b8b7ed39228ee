"""What a letter states, read from the case and its pack: the facts a template may print.

Nothing here is program-specific: the next level, its last day and where to send it come from
the policy engine itself (`assess` of the next level's request against the case's own pack
version), the contact data from the pack's handlers, the clocks from the case's rows.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext

from appealdesk.cases import packs
from appealdesk.cases.documents import DOCUMENT_KINDS
from appealdesk.cases.models import (
    OPEN_STATES,
    Case,
    ClockState,
    Document,
    Event,
    Extension,
    InformationRequest,
    Party,
)
from appealdesk.cases.models import State as S
from appealdesk.cases.services import DECISION_OUTCOMES
from appealdesk.correspondence.models import KIND_LABELS, Letter
from appealdesk.policy import assess
from appealdesk.policy.assess import Program
from appealdesk.policy.loader import PackRegistry
from appealdesk.policy.schema import primary_window
from appealdesk.policy.timecalc import local_date

OUTCOME_WORDS = {
    "upheld": "the decision you asked us to review stays as it was",
    "overturned": "we changed the decision: you get what you asked for",
    "partially_overturned": "we changed part of the decision",
}
DISMISSAL_WORDS = {
    "untimely": "it was filed after the last day to file",
    "not_appealable": "the decision it is about cannot be appealed to us",
    "withdrawn": "you asked us to withdraw it",
}
ACTION_WORDS = {"deny": "denied", "modify": "modified", "reduce": "reduced", "terminate": "ended"}
# 'Tacoma, WA 98401-2998' is one line of an address, not two
_STATE_ZIP = re.compile(r"^[A-Z]{2} \d{5}(-\d{4})?$")


def contact(program: Program, handler_id: str | None) -> dict[str, Any] | None:
    found = program.handlers.get(handler_id or "")
    if found is None:
        return None
    # a handler's name and hours are pack words, read in the letter's language
    # (an "e-mail" that is not an address is words too: "Secure email through your … account")
    words = {
        k: gettext(found[k])
        for k in ("name", "hours", "email")
        if found.get(k) and "@" not in str(found[k])
    }
    return {**found, **words, "mail_lines": address_lines(str(found.get("mail") or ""))}


def noun(label: str) -> str:
    """A label inside a sentence: 'First-level appeal' -> 'first-level appeal', while
    'Independent review (IRO)' keeps its IRO."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def address_lines(text: str) -> list[str]:
    if "\n" in text:
        return [line.strip() for line in text.splitlines() if line.strip()]
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) >= 2 and _STATE_ZIP.match(parts[-1]):
        parts[-2:] = [f"{parts[-2]}, {parts[-1]}"]
    return parts


def sender_id(case: Case, program: Program, kind: str) -> str | None:
    """Whose letterhead: the case's handler, unless the letter redirects the request or the
    handler does not decide (then the pack's `letters.sender`)."""
    handler = program.pack.handlers.get(case.handler)
    fallback = program.pack.letters.sender if program.pack.letters else None
    if kind == "redirect" or handler is None or not handler.decides:
        return fallback or (case.handler or None)
    return case.handler


def addressee_of(case: Case, kind: str) -> tuple[Party | None, str]:
    """To whom: the authorized representative if there is one, else the member, else the
    provider; the IRO cover letter goes to the review organization."""
    if kind == "iro_forwarding":
        return None, "Independent Review Organization"
    for party in (case.representative, case.member, case.provider):
        if party is not None:
            return party, party.name
    return None, "the person who made the request"


def _party(party: Party | None) -> dict[str, Any] | None:
    if party is None:
        return None
    return {
        "name": party.name,
        "role": party.get_role_display(),
        "subscriber_id": party.subscriber_id,
        "subscriber_name": party.subscriber_name,
        "patient_name": party.patient_name or party.name,
        "address_lines": address_lines(party.address),
        "phone": party.phone,
    }


def _last_event(case: Case, action: str) -> Event | None:
    return Event.objects.filter(case=case, action=action).order_by("-at", "-id").first()


def item_labels(program: Program) -> dict[str, str]:
    labels: dict[str, str] = {}
    for process in program.pack.processes:
        for item in process.required:
            labels.setdefault(item.id, gettext(item.label))
    return labels


def letter_context(case: Case, kind: str, *, now: dt.datetime, note: str = "") -> dict[str, Any]:
    """Everything a template of `kind` may print about `case`, as of `now`."""
    program = packs.program_of(case.pack_id)
    pack = program.pack
    process = pack.process_for(case.kind, case.level)
    party, addressee_name = addressee_of(case, kind)
    labels = item_labels(program)
    clocks = [c for c in case.clocks.all() if c.state != ClockState.CANCELLED]
    context: dict[str, Any] = {
        "kind": kind,
        "kind_label": KIND_LABELS[kind],  # staff words (the page meta), English
        "today": local_date(now, program.tz),
        "program": {"id": pack.program, "name": pack.name, "version": pack.version},
        "sender": contact(program, sender_id(case, program, kind)),
        "addressee": {**(_party(party) or {}), "name": addressee_name},
        "copies_to": [
            p.name
            for p in (case.member, case.representative, case.provider)
            if p is not None and p is not party and kind != "iro_forwarding"
        ],
        "member": _party(case.member),
        "representative": _party(case.representative),
        "provider": _party(case.provider),
        "case": {
            "number": case.number,
            "kind": case.kind,
            "label": gettext(process.label) if process else case.kind.replace("_", " "),
            "noun": noun(gettext(process.label) if process else case.kind.replace("_", " ")),
            "level": case.level,
            "expedited": case.expedited,
            "received_at": case.received_at,
            "received_date": case.received_date,
            "channel": case.get_channel_display(),
            "category": case.category,
            "category_label": gettext(pack.categories[case.category].label)
            if case.category in pack.categories
            else "",
            "category_noun": noun(gettext(pack.categories[case.category].label))
            if case.category in pack.categories
            else "",
            "service": case.service,
            "service_label": gettext(pack.services[case.service].label)
            if case.service in pack.services
            else "",
            "summary": case.summary,
            "state": case.state,
            "notice_date": case.notice_date,
            "occurrence_date": case.occurrence_date,
            "filed_by": case.filed_by,
        },
        "handler": contact(program, case.handler),
        "clocks": {
            c.clock_id: {
                "label": gettext(c.label),
                "state": c.state,
                "length": c.length,
                "unit": c.unit.replace("_", " "),
                "due_at": c.due_at,
                "due_date": local_date(c.due_at, program.tz) if c.due_at else None,
                "met_at": c.met_at,
            }
            for c in clocks
        },
        "missing": [labels.get(m, m.replace("_", " ")) for m in case.missing],
        "notes": list((case.assessment or {}).get("notes") or []),
        "staff_note": note.strip(),
    }
    builders = {
        "information_request": _information,
        "extension_notice": _extension,
        "extension_consent_request": _consent,
        "decision": _decision,
        "dismissal": _dismissal,
        "redirect": _redirect,
        "iro_forwarding": _iro_forwarding,
    }
    builder = builders.get(kind)
    if builder is not None:
        context.update(builder(case, program, labels))
    if kind in ("acknowledgement", "decision", "information_request"):
        context["iro"] = _iro_rights(program)
    return context


def _information(case: Case, program: Program, labels: dict[str, str]) -> dict[str, Any]:
    request = (
        InformationRequest.objects.filter(case=case, received_at__isnull=True)
        .order_by("-requested_at", "-id")
        .first()
    )
    items = list(request.items) if request else list(case.missing)
    return {
        "information": {
            "items": [labels.get(i, i.replace("_", " ")) for i in items],
            "note": request.note if request else "",
            "requested_at": request.requested_at if request else None,
        }
    }


def _extension(case: Case, program: Program, labels: dict[str, str]) -> dict[str, Any]:
    extension = (
        Extension.objects.filter(clock__case=case, requires="notice")
        .select_related("clock")
        .order_by("-created_at", "-id")
        .first()
    )
    if extension is None:
        return {"extension": None}
    return {
        "extension": {
            "clock": gettext(extension.clock.label),
            "previous_due_date": local_date(extension.previous_due_at, program.tz),
            "new_due_date": local_date(extension.new_due_at, program.tz),
            "new_due_at": extension.new_due_at,
            "reason": extension.reason,
        }
    }


def _consent(case: Case, program: Program, labels: dict[str, str]) -> dict[str, Any]:
    clock = next(
        (
            c
            for c in case.clocks.all()
            if c.state in (ClockState.RUNNING, ClockState.EXTENDED)
            and (c.extension_rule or {}).get("requires") == "written_consent"
        ),
        None,
    )
    if clock is None:
        return {"consent": None}
    rule = clock.extension_rule or {}
    return {
        "consent": {
            "clock": gettext(clock.label),
            "length": clock.length,
            "unit": clock.unit.replace("_", " "),
            "due_date": local_date(clock.due_at, program.tz) if clock.due_at else None,
            "reason": gettext(rule["reason"]) if rule.get("reason") else "",
            "from": [f.replace("_", " ") for f in rule.get("consent_from") or []],
        }
    }


def _decision(case: Case, program: Program, labels: dict[str, str]) -> dict[str, Any]:
    decided = _last_event(case, "case.decided")
    concluded = (
        Event.objects.filter(case=case, action__startswith="milestone.")
        .order_by("-at", "-id")
        .first()
    )
    return {
        "decision": {
            "outcome": case.outcome,
            "outcome_label": case.get_outcome_display(),
            "outcome_words": OUTCOME_WORDS.get(case.outcome, ""),
            "action": case.action,
            "action_words": ACTION_WORDS.get(case.action, ""),
            "rationale": decided.reason if decided else "",
            "decided_at": case.decided_at,
            "decided_date": local_date(case.decided_at, program.tz) if case.decided_at else None,
            "letter_date": case.letter_date,
            "milestone_date": local_date(concluded.at, program.tz) if concluded else None,
        },
        "next_level": next_level(case, program),
    }


def next_level(case: Case, program: Program) -> dict[str, Any] | None:
    """The next step after this decision, as the policy engine would take it in on the day of
    the decision letter: its name, whether it is open to the member (and why not), the last
    day to ask for it, and whom to send it to."""
    process = program.pack.process_for(case.kind, case.level)
    step = process.next_level if process else None
    if step is None or case.letter_date is None or case.outcome not in DECISION_OUTCOMES:
        return None
    target = program.pack.process_for(step.kind, step.level)
    noon = dt.datetime.combine(case.letter_date, dt.time(12), tzinfo=program.tz)
    request: dict[str, Any] = {
        "program": program.pack.program,
        "received_at": noon.isoformat(),
        "channel": "mail",
        "filed_by": "authorized_rep" if case.representative_id else "member",
        "requested": "external_review" if step.kind == "external_review" else "appeal",
        "prior": {
            "kind": case.kind,
            "level": case.level,
            "outcome": case.outcome,
            "action": case.action or None,
            "letter_date": case.letter_date.isoformat(),
        },
        "notice_date": case.letter_date.isoformat(),
        **{
            k: v
            for k, v in case.request.items()
            if k in ("service", "category", "network_provider") and v is not None
        },
    }
    if step.level is not None:
        request["level"] = step.level
    result = assess(request, registry=PackRegistry([program.loaded]))
    filing = result.get("filing") or {}
    rejection = result.get("rejection")
    return {
        "kind": step.kind,
        "level": step.level,
        "label": gettext(target.label) if target else step.kind.replace("_", " "),
        "noun": noun(gettext(target.label) if target else step.kind.replace("_", " ")),
        "available": rejection is None,
        "why_not": rejection["message"] if rejection else "",
        "last_day": dt.date.fromisoformat(filing["last_day"]) if filing.get("last_day") else None,
        "rule": gettext(filing["rule"]) if filing.get("rule") else "",
        "handler": contact(program, (result.get("handler") or {}).get("id")),
        "is_independent_review": step.kind == "external_review",
    }


def _iro_rights(program: Program) -> dict[str, Any] | None:
    """The program's independent review, if it has one: its notes (each from the pack, each
    citing its seed) and its filing rule."""
    process = program.pack.process_for("external_review", None)
    if process is None:
        return None
    window = next((primary_window(f) for f in process.filing if f.all_windows), None)
    return {
        "label": gettext(process.label),
        "rule": gettext(window.rule) if window else "",
        "notes": [n.text for n in process.notes],
    }


def _dismissal(case: Case, program: Program, labels: dict[str, str]) -> dict[str, Any]:
    dismissed = _last_event(case, "case.dismissed")
    assessment = case.assessment or {}
    filing = assessment.get("filing") or {}
    rejection = assessment.get("rejection") or {}
    untimely = ""
    process = program.pack.process_for(case.kind, case.level)
    for variant in process.filing if process else ():
        for window in variant.all_windows:
            if window.rule == filing.get("rule"):
                untimely = window.untimely
    note = dismissed.reason if dismissed else ""
    return {
        "dismissal": {
            "reason": case.dismissal_reason,
            "reason_words": DISMISSAL_WORDS.get(case.dismissal_reason, ""),
            "dismissed_date": local_date(dismissed.at, program.tz) if dismissed else None,
            "last_day": dt.date.fromisoformat(filing["last_day"])
            if filing.get("last_day")
            else None,
            "rule": gettext(filing["rule"]) if filing.get("rule") else "",
            "starts": filing.get("starts") or "",
            "basis_date": dt.date.fromisoformat(filing["basis_date"])
            if filing.get("basis_date")
            else None,
            "untimely": gettext(untimely) if untimely else "",
            "explanation": rejection.get("message", "")
            if rejection.get("code") == case.dismissal_reason
            else "",
            # the note staff wrote when dismissing, unless it is only the reason's code
            "note": "" if note in DISMISSAL_WORDS else note,
        }
    }


def _redirect(case: Case, program: Program, labels: dict[str, str]) -> dict[str, Any]:
    return {"redirect": {"to": contact(program, case.handler)}}


def _iro_forwarding(case: Case, program: Program, labels: dict[str, str]) -> dict[str, Any]:
    prior = case.prior
    matter = Q(matter_id=case.matter_id) if case.matter_id else Q(pk=case.pk)
    cases = Case.objects.filter(matter)
    subjects = dict(Letter.objects.filter(case__in=cases).values_list("document_id", "subject"))
    documents = [
        {
            "name": subjects.get(d.pk) or d.name,
            "kind": DOCUMENT_KINDS.get(d.kind, d.kind.replace("_", " ")),
            "case": d.case.number if d.case else "",
        }
        for d in Document.objects.filter(case__in=cases)
        .select_related("case")
        .order_by("case__received_at", "uploaded_at", "pk")
    ]
    return {
        "prior": {
            "number": prior.number,
            "label": (p.label if (p := program.pack.process_for(prior.kind, prior.level)) else ""),
            "outcome_label": prior.get_outcome_display(),
            "decided_date": local_date(prior.decided_at, program.tz) if prior.decided_at else None,
            "letter_date": prior.letter_date,
        }
        if prior is not None
        else None,
        "documents": documents,
        "iro": _iro_rights(program),
    }


def refusal(case: Case, kind: str) -> str | None:
    """Why a letter of `kind` does not apply to the case now, in words (None: it applies)."""
    if kind not in KIND_LABELS:
        return f"there is no kind of letter called {kind!r}"
    return refusals(case)[kind]


def refusals(case: Case) -> dict[str, str | None]:
    """For every kind of letter, why it does not apply to the case now (None: it applies). Read
    from the case's state, outcome and clocks, never from its program's name; the same few
    queries whatever the case's history (its clocks and information requests may be
    prefetched)."""
    clocks = [c for c in case.clocks.all() if c.state != ClockState.CANCELLED]
    is_open = case.state in OPEN_STATES
    closed = None if is_open else f"the case is {case.state}"
    waiting = any(r.received_at is None for r in case.information_requests.all())
    by_notice = Extension.objects.filter(clock__case=case, requires="notice").exists()
    consent_clock = any(
        c.state in (ClockState.RUNNING, ClockState.EXTENDED)
        and (c.extension_rule or {}).get("requires") == "written_consent"
        for c in clocks
    )
    decided = case.outcome in DECISION_OUTCOMES and case.state in (S.DECIDED, S.NOTIFIED, S.CLOSED)
    return {
        "acknowledgement": closed
        if any("acknowledged" in c.met_by for c in clocks)
        else "no clock of this case asks for an acknowledgement",
        "information_request": closed
        or (None if case.missing or waiting else "nothing is missing or being waited for"),
        "extension_notice": None
        if by_notice
        else "no clock was extended by notice (extend the clock first)",
        "extension_consent_request": (
            f"the case is {case.state}"
            if not is_open or case.state == S.DECIDED
            else None
            if consent_clock
            else "no running clock needs written consent to be extended"
        ),
        "decision": None if decided else "record the decision first",
        "dismissal": None if case.state == S.DISMISSED else "the case is not dismissed",
        "redirect": None if case.disposition == "redirect" else "the case is not redirected",
        "iro_forwarding": None
        if case.kind == "external_review" and case.disposition == "accept"
        else "only an accepted independent review request is forwarded to an IRO",
    }
