"""Reading an item's text for what a clerk would look for: case numbers (a reply to our own
letter or e-mail), subscriber IDs and names of member parties, dates of birth, the program and
handler it was sent to (matched against the handler contact data the packs carry: fax numbers
and mailing addresses), urgency words, and the request itself through `assess`."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from appealdesk.cases.models import Case, Party
from appealdesk.mailroom import config
from appealdesk.policy import AssessError, assess, default_registry
from appealdesk.policy.assess import program_for
from appealdesk.policy.vocabulary import REQUESTED

_TOKEN = re.compile(r"\b[A-Z0-9][A-Z0-9-]{4,19}\b", re.IGNORECASE)
_DOB = re.compile(
    r"(?:d\.?o\.?b\.?|date of birth|birth ?date|fecha de nacimiento)\W{0,3}"
    r"(\d{1,2}[/-]\d{1,2}[/-]\d{2,4}|\d{4}-\d{2}-\d{2})",
    re.IGNORECASE,
)
_NAME = re.compile(
    r"(?:member|patient|subscriber|enrollee|name|nombre|paciente)(?: name)?\s*[:#]\s*"
    r"([A-Z][A-Za-z'.-]+(?: [A-Z][A-Za-z'.-]+){1,3})"
)
_PO_BOX = re.compile(r"p\.?\s*o\.?\s*box\s+(\d+)", re.IGNORECASE)


def digits(value: str) -> str:
    """A phone or fax number compared by its last 10 digits (+1 and punctuation ignored)."""
    return re.sub(r"\D", "", value)[-10:]


@dataclass(frozen=True)
class Handler:
    program: str
    handler: str
    name: str
    fax: str
    po_box: str


@cache
def handlers() -> tuple[Handler, ...]:
    """Every handler of every program's latest pack, with its fax number and PO box."""
    registry = default_registry()
    found = []
    for program in registry.programs():
        for hid, handler in registry.latest(program).pack.handlers.items():
            box = _PO_BOX.search(handler.mail or "")
            found.append(
                Handler(
                    program=program,
                    handler=hid,
                    name=handler.name,
                    fax=digits(handler.fax or ""),
                    po_box=box.group(1) if box else "",
                )
            )
    return tuple(found)


@cache
def _case_number_pattern() -> re.Pattern[str]:
    # case numbers are <PROGRAM>-<year>-<7 digits> (cases.services.intake)
    programs = "|".join(re.escape(p.upper()) for p in default_registry().programs())
    return re.compile(rf"\b(?:{programs})-\d{{4}}-\d{{7}}\b", re.IGNORECASE)


def case_numbers(*texts: str) -> list[str]:
    found: list[str] = []
    for text in texts:
        for number in _case_number_pattern().findall(text or ""):
            if number.upper() not in found:
                found.append(number.upper())
    return found


@dataclass
class Matched:
    case_numbers: list[str] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=list)
    reply_to_case: str | None = None
    member_id: int | None = None
    member_name: str = ""
    member_by: str = ""
    subscriber_ids: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    dates_of_birth: list[str] = field(default_factory=list)
    program: str = ""
    handler: str = ""
    handler_by: str = ""
    urgent_words: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def match(*, text: str, subject: str, addressed_to: str, mailbox_program: str = "") -> Matched:
    """What the item says about itself. Two queries at most (cases by number, parties by ID or
    name), whatever the text's length."""
    found = Matched()
    # a reply threads back by the case number in its subject or reply address (correspondence
    # puts both on what it sends), before anything the body says
    threaded = case_numbers(subject, addressed_to)
    found.case_numbers = threaded + [n for n in case_numbers(text) if n not in threaded]
    if found.case_numbers:
        cases = list(
            Case.objects.filter(number__in=found.case_numbers).values(
                "id", "number", "program", "member_id", "state"
            )
        )
        cases.sort(key=lambda c: found.case_numbers.index(c["number"]))
        found.cases = [{"id": c["id"], "number": c["number"], "state": c["state"]} for c in cases]
        if threaded and cases and cases[0]["number"] == threaded[0]:
            found.reply_to_case = threaded[0]
        if cases:
            found.program = cases[0]["program"]
            found.handler_by = f"case {cases[0]['number']}"
    _match_handler(found, addressed_to, text)
    if not found.program and mailbox_program:
        found.program, found.handler_by = mailbox_program, "the mailbox it arrived in"
    _match_member(found, text)
    found.dates_of_birth = sorted(set(_DOB.findall(text)))[:5]
    lowered = " ".join(f"{subject} {text}".lower().split())
    found.urgent_words = [
        w for w in config.urgent_words() if re.search(rf"\b{re.escape(w)}\b", lowered)
    ]
    return found


def _match_handler(found: Matched, addressed_to: str, text: str) -> None:
    number = digits(addressed_to) if not addressed_to or "@" not in addressed_to else ""
    for handler in handlers():
        if number and handler.fax and number == handler.fax:
            found.program = found.program or handler.program
            found.handler, found.handler_by = handler.handler, f"fax {addressed_to}"
            return
    boxes = set(_PO_BOX.findall(text))
    for handler in handlers():
        if (
            handler.po_box
            and handler.po_box in boxes
            and (not found.program or found.program == handler.program)
        ):
            found.program = found.program or handler.program
            found.handler, found.handler_by = handler.handler, f"PO Box {handler.po_box}"
            return


def _match_member(found: Matched, text: str) -> None:
    tokens = {t.upper() for t in _TOKEN.findall(text) if any(ch.isdigit() for ch in t)}
    names = [" ".join(n.split()) for n in _NAME.findall(text)][:5]
    found.names = names
    if not tokens and not names:
        return
    from django.db.models import Q

    query = Q(subscriber_id__in=sorted(tokens)[:500]) if tokens else Q()
    for name in names:
        query |= Q(name__iexact=name) | Q(subscriber_name__iexact=name)
    parties = list(
        Party.objects.filter(query, role="member").values("id", "name", "subscriber_id")[:20]
    )
    by_id = [p for p in parties if p["subscriber_id"] and p["subscriber_id"].upper() in tokens]
    found.subscriber_ids = sorted({p["subscriber_id"] for p in by_id})
    chosen = None
    if len({p["id"] for p in by_id}) == 1:
        chosen, found.member_by = by_id[0], "subscriber ID"
        if any(n.lower() == chosen["name"].lower() for n in names):
            found.member_by = "subscriber ID and name"
    elif not by_id:
        by_name = [p for p in parties if any(n.lower() == p["name"].lower() for n in names)]
        if len({p["id"] for p in by_name}) == 1:
            chosen, found.member_by = by_name[0], "name only: check the date of birth"
    if chosen is not None:
        found.member_id, found.member_name = chosen["id"], chosen["name"]


def propose(
    matched: Matched, *, text: str, received_at: dt.datetime, channel: str
) -> dict[str, Any]:
    """The assess input built from what was matched, and assess's answer (or its refusal)."""
    request: dict[str, Any] = {"received_at": received_at.isoformat(), "channel": channel}
    if matched.program:
        request["program"] = matched.program
    if text.strip():
        request["text"] = text[:20_000]
    if matched.urgent_words:
        request["expedited"] = True
    if matched.reply_to_case:
        # a reply on a case is information for that case, not a new request
        return {"request": request, "assessment": None, "assess_error": ""}
    if not matched.program:
        return {
            "request": request,
            "assessment": None,
            "assess_error": "the program is not known (not sent to a known fax number, mailbox "
            "or PO box, and no case number): choose it on the intake form",
        }
    try:
        assessment = assess(request)
    except AssessError as exc:
        return {"request": request, "assessment": None, "assess_error": str(exc)}
    if assessment["kind"] in REQUESTED:
        request.setdefault("requested", assessment["kind"])
    return {"request": request, "assessment": assessment, "assess_error": ""}


def program_zone(program: str) -> dt.tzinfo:
    """A program's time zone (for date-stamps of paper mail)."""
    registry = default_registry()
    return program_for(registry.latest(program)).tz
