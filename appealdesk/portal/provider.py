"""What a provider files on the portal: a UMP expedited appeal with the clinical attestation, and a
Genex request for clinical appeals consideration. Both are checked live with the same `assess`
engine intake uses, and filed with `case_receive` plus the provider's e-signature, the clinical
records and a `portal.filed` event, in one transaction (stored files are removed if it fails).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from appealdesk.accounts.models import PortalAccount
from appealdesk.cases import packs
from appealdesk.cases import services as sv
from appealdesk.cases.documents import document_store, files_undone_on_error
from appealdesk.cases.errors import InvalidInput, Refused
from appealdesk.cases.models import Case
from appealdesk.policy import AssessError, assess
from appealdesk.policy.vocabulary import EXACT_UNITS
from appealdesk.portal import words
from appealdesk.portal.common import day, moment, signature_record
from appealdesk.portal.representation import member_party_for, program_named

# seed (UMP, "Expedited appeals"): "We will decide as soon as possible but always within 72 hours
# when your provider determines a delay:" — the two criteria, in the seed's exact words
# (stored in English as signed evidence, shown translated)
CRITERIA = {
    "jeopardy": gettext_noop(
        "Could seriously jeopardize your life, health, or ability to regain maximum function"
    ),
    "severe_pain": gettext_noop(
        "Would cause severe pain that could not be adequately managed without the care or "
        "treatment you are appealing."
    ),
}
ATTESTATION_STATEMENT = gettext_noop(
    "I am the member's treating or requesting provider. I have determined that taking the usual "
    "time allowed for an appeal, for this member, meets the criteria I ticked, for the clinical "
    "reasons I gave. Typing my name and ticking this box is my signature."
)
CLINICAL_STATEMENT = gettext_noop(
    "I am the requesting physician and I ask Genex to reconsider this determination for the "
    "clinical reasons I gave. Typing my name and ticking this box is my signature."
)


def local_iso(now: dt.datetime, program: str) -> str:
    return now.astimezone(program_named(program, now.date()).tz).isoformat(timespec="seconds")


def expedited_request(
    *,
    service: str,
    category: str,
    notice_date: dt.date | None,
    provided: Sequence[str],
    now: dt.datetime,
) -> dict[str, Any]:
    """The assess input of a provider's expedited appeal filed on the portal."""
    return {
        "program": "ump",
        "received_at": local_iso(now, "ump"),
        "channel": "portal",
        "filed_by": "provider",
        "written": True,
        "requested": "appeal",
        "category": category,
        "service": service,
        "expedited": True,
        "notice_date": notice_date.isoformat() if notice_date else None,
        "provided": sorted(set(provided)),
    }


def clinical_request(
    *, determination_date: dt.date | None, provided: Sequence[str], now: dt.datetime
) -> dict[str, Any]:
    """The assess input of a requesting physician's Genex appeals consideration."""
    return {
        "program": "genex-ur",
        "received_at": local_iso(now, "genex-ur"),
        "channel": "portal",
        "filed_by": "provider",
        "written": True,
        "requested": "clinical_appeal",
        "category": "clinical_determination",
        "occurrence_date": determination_date.isoformat() if determination_date else None,
        "provided": sorted(set(provided)),
    }


def check(request: Mapping[str, Any]) -> dict[str, Any]:
    try:
        return assess(request)
    except AssessError as exc:
        raise InvalidInput(exc.message, field=exc.field) from None


@dataclass
class Verdict:
    """What assess said, in words a provider reads."""

    accepted: bool
    kind: str
    handler: dict[str, Any]
    promises: list[str] = field(default_factory=list)
    problem: str = ""
    last_day: str = ""
    missing: list[str] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def kind_words(self) -> str:
        return str(words.KINDS.get(self.kind, self.kind)).capitalize()


def verdict(result: Mapping[str, Any], labels: Mapping[str, str]) -> Verdict:
    """The panel: what the request is, the promise (each clock that runs from the request, in
    the program's zone), the notices that follow, and anything that stops it."""
    program = program_named(result["program"], dt.date.fromisoformat(result["received_date"]))
    promises: list[str] = []
    for clock in result["deadlines"]:
        hours = clock["unit"] == "hours"
        # minutes, business hours, immediately: an instant to the minute, not a day
        exact = clock["unit"] in EXACT_UNITS
        if clock.get("due_at") and clock.get("notice") == "verbal":
            promises.append(
                _(
                    "We will tell the member (or their representative) the decision by phone "
                    "by %(when)s."
                )
                % {"when": moment(dt.datetime.fromisoformat(clock["due_at"]), program)}
            )
        elif clock.get("due_at") and hours:
            promises.append(
                _("We will decide within %(hours)s hours of your request: by %(when)s.")
                % {
                    "hours": clock["length"],
                    "when": moment(dt.datetime.fromisoformat(clock["due_at"]), program),
                }
            )
        elif clock.get("due_at"):
            due_at = dt.datetime.fromisoformat(clock["due_at"])
            when = (
                moment(due_at, program) if exact else day(dt.date.fromisoformat(clock["due_date"]))
            )
            promises.append(_("We will answer by %(day)s.") % {"day": when})
        elif clock.get("state") == "pending" and clock.get("notice") == "written" and hours:
            promises.append(
                _(
                    "A written notice of the decision is mailed within %(hours)s hours of the "
                    "decision."
                )
                % {"hours": clock["length"]}
            )
    problem = ""
    if result["disposition"] == "reject":
        problem = (result.get("rejection") or {}).get("message", "")
    elif result["disposition"] != "accept":
        problem = _("This cannot be filed here: %(who)s handles it.") % {
            "who": (result.get("handler") or {}).get("name", "")
        }
    filing = result.get("filing") or {}
    return Verdict(
        accepted=result["disposition"] == "accept",
        kind=result["kind"],
        handler=result.get("handler") or {},
        promises=promises,
        problem=problem,
        last_day=(day(dt.date.fromisoformat(filing["last_day"])) if filing.get("last_day") else ""),
        missing=[labels.get(m, m) for m in result["missing"]],
        result=dict(result),
    )


def provider_file(
    *,
    account: PortalAccount,
    request: Mapping[str, Any],
    member_name: str,
    identifier: str,
    summary: str,
    purpose: str,
    statement: str,
    signed: Mapping[str, Any],
    typed_name: str,
    uploads: Sequence[Any] = (),
    member_details: Mapping[str, str] | None = None,
    http: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """File the provider's request: the case (provider = their party, member = the member on
    record with the same identifier and name, or a new one), the records, the signature (what
    was signed includes the attested criteria), and `portal.filed`; all or nothing. A request
    assess would not take (late, not this requester, handled elsewhere) is refused, not filed."""
    if account.kind != PortalAccount.PROVIDER:
        raise Refused(_("Only a provider account can file this request."))
    if not typed_name.strip():
        raise InvalidInput(_("Type your full name to sign."), field="typed_name")
    now = now or timezone.now()
    result = check(request)
    if result["disposition"] != "accept":
        raise Refused(verdict(result, {}).problem, field="disposition")
    actor = account.user
    with files_undone_on_error(), transaction.atomic():
        member = member_party_for(
            name=member_name,
            identifier=identifier,
            patient_name=member_name,
            **(member_details or {}),
        )
        case = sv.case_receive(
            request=request,
            actor=actor,
            member=member,
            provider=account.party,
            summary=summary,
            now=now,
        )
        documents = [
            document_store(upload, kind="medical_records", case=case, actor=actor)
            for upload in uploads
        ]
        content = {
            **signed,
            "case": case.number,
            "member_name": member_name.strip(),
            "identifier": identifier.strip().upper(),
            "documents": [d.sha256 for d in documents],
        }
        signature = signature_record(
            account=account,
            case=case,
            purpose=purpose,
            typed_name=typed_name,
            statement=statement,
            content=content,
            program=packs.program_of(case.pack_id),
            meta=http.META if http is not None else None,
            now=now,
        )
        sv._event(
            case,
            "portal.filed",
            actor=actor,
            at=now,
            after={
                "by": "provider",
                "signature": signature.pk,
                "signature_sha256": signature.sha256,
                "documents": [d.pk for d in documents],
                "attested": list(signed.get("criteria") or []),
            },
        )
    return case
