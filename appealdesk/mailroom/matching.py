"""Reading an item's text for what a clerk would look for: case numbers (a reply to our own
letter or e-mail), subscriber IDs and names of member parties, dates of birth, the program and
handler it was sent to (matched against the handler contact data the packs carry: fax numbers
and mailing addresses), urgency words, and the request itself through `assess`."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db.models import Q

from appealdesk.cases.models import Case, Party
from appealdesk.mailroom import config
from appealdesk.mailroom.birthdates import birth_dates, name_near
from appealdesk.policy import AssessError, assess, default_registry
from appealdesk.policy.assess import program_for
from appealdesk.policy.vocabulary import REQUESTED

_TOKEN = re.compile(r"\b[A-Z0-9][A-Z0-9-]{4,19}\b", re.IGNORECASE)
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
    # why the member needs a person's look (several fit, the date of birth is not theirs, the
    # name alone): "" when the match is sure
    member_review: str = ""
    subscriber_ids: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    dates_of_birth: list[str] = field(default_factory=list)  # ISO dates, as read
    program: str = ""
    handler: str = ""
    handler_by: str = ""
    urgent_words: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def match(*, text: str, subject: str, addressed_to: str, mailbox_program: str = "") -> Matched:
    """What the item says about itself. Two queries at most (cases by number, parties by ID,
    name or date of birth), whatever the text's length."""
    found = Matched()
    # a reply threads back by the case number in its subject or reply address (correspondence
    # puts both on what it sends), before anything the body says
    threaded = case_numbers(subject, addressed_to)
    found.case_numbers = threaded + [n for n in case_numbers(text) if n not in threaded]
    case_member = None
    if found.case_numbers:
        cases = list(
            Case.objects.filter(number__in=found.case_numbers).values(
                "id", "number", "program", "member_id", "state"
            )
        )
        cases.sort(key=lambda c: found.case_numbers.index(c["number"]))
        case_member = cases[0]["member_id"] if cases else None
        found.cases = [{"id": c["id"], "number": c["number"], "state": c["state"]} for c in cases]
        if threaded and cases and cases[0]["number"] == threaded[0]:
            found.reply_to_case = threaded[0]
        if cases:
            found.program = cases[0]["program"]
            found.handler_by = f"case {cases[0]['number']}"
    _match_handler(found, addressed_to, text)
    if not found.program and mailbox_program:
        found.program, found.handler_by = mailbox_program, "the mailbox it arrived in"
    _match_member(found, text, case_member)
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


def _match_member(found: Matched, text: str, case_member: int | None) -> None:
    """The member the item is about, by the first that settles it: a subscriber ID (with the
    name and date of birth to tell apart a family sharing one), the member of the case its
    number names, a name written near a date of birth that is that member's, then a name
    alone. What is not sure (several fit, the date of birth written is not the member's, a
    name alone) is said in `member_review`: a proposal for a person to check, never a guess
    presented as a match."""
    tokens = {t.upper() for t in _TOKEN.findall(text) if any(ch.isdigit() for ch in t)}
    names = [" ".join(n.split()) for n in _NAME.findall(text)][:5]
    births = birth_dates(text)[:10]
    found.names = names
    found.dates_of_birth = sorted({b.date.isoformat() for b in births})
    if not tokens and not names and not births and case_member is None:
        return
    query = Q(pk=case_member) if case_member else Q()
    if tokens:
        query |= Q(subscriber_id__in=sorted(tokens)[:500])
    for name in names:
        query |= Q(name__iexact=name) | Q(subscriber_name__iexact=name)
    if births:
        query |= Q(birth_date__in={b.date for b in births})
    parties = list(
        Party.objects.filter(query, role="member").values(
            "id", "name", "subscriber_id", "birth_date"
        )[:200]
    )
    written = {b.date for b in births}
    by_id = _distinct(p for p in parties if (p["subscriber_id"] or "").upper() in tokens)
    found.subscriber_ids = sorted({p["subscriber_id"] for p in by_id})
    near = _distinct(
        p
        for p in parties
        if any(p["birth_date"] == b.date and name_near(p["name"], text, b) for b in births)
    )
    named = _distinct(p for p in parties if any(n.lower() == p["name"].lower() for n in names))
    chosen, found.member_by, found.member_review = _choose(
        by_id=by_id,
        case=[p for p in parties if p["id"] == case_member],
        near=near,
        named=named,
        written=written,
    )
    if chosen is not None:
        found.member_id, found.member_name = chosen["id"], chosen["name"]


def _distinct(parties: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return list({p["id"]: p for p in parties}.values())


def _choose(
    *,
    by_id: list[dict[str, Any]],
    case: list[dict[str, Any]],
    near: list[dict[str, Any]],
    named: list[dict[str, Any]],
    written: set[dt.date],
) -> tuple[dict[str, Any] | None, str, str]:
    """(the member or None, how it was found, what a person must check or "")."""

    def born(party: dict[str, Any]) -> str:
        birth = party["birth_date"]
        return f"born {birth.isoformat()}" if birth else "no date of birth on file"

    def others(party: dict[str, Any]) -> str:
        """A date of birth on the item that is not the member's (a family member's letter, or
        the wrong member): say so."""
        if written and party["birth_date"] and party["birth_date"] not in written:
            dates = ", ".join(sorted(d.isoformat() for d in written))
            return f"the date of birth on the item ({dates}) is not {party['name']}'s: check it"
        return ""

    if len(by_id) == 1:
        if by_id[0] in near:
            return by_id[0], "subscriber ID, name and date of birth", ""
        return by_id[0], "subscriber ID", others(by_id[0])
    if by_id:  # a family sharing the subscriber's ID: the name and date of birth tell who
        for fits, how in ((near, ", name and date of birth"), (named, " and name")):
            among = [p for p in by_id if p in fits]
            if len(among) == 1:
                return among[0], f"subscriber ID{how}", others(among[0])
        return (
            None,
            "",
            (
                f"{len(by_id)} members have subscriber ID {by_id[0]['subscriber_id']}, and the "
                "name and date of birth do not tell which: choose on the intake form"
            ),
        )
    if case:
        return case[0], "the case it names", others(case[0])
    if len(near) == 1:
        return near[0], "name and date of birth", ""
    if len(near) > 1:
        who = "; ".join(f"{p['name']} ({born(p)})" for p in near)
        return None, "", f"{len(near)} members fit the name and date of birth ({who}): choose"
    if len(named) == 1:
        conflict = others(named[0])
        if conflict:  # the only member of that name was born on another day: not them
            return None, "", conflict
        review = f"matched by the name only ({born(named[0])}): check the date of birth"
        return named[0], "name only", review
    if named:
        who = "; ".join(f"{p['name']} ({born(p)})" for p in named)
        return None, "", f"{len(named)} members of that name ({who}): check the date of birth"
    return None, "", ""


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
