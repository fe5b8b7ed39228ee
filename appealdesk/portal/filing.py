"""Guided filing: plain questions → the `assess` request, the answer in plain words, and the
one service that files it (`portal_file`) or asks for the next level (`portal_escalate`).

The questions map to the SPEC 7 input as follows (the seeds decide what each answer means):

* "Was a payment or service denied?" → `requested: appeal` (yes) or `complaint` (no). The
  engine still decides: a denial called a complaint is an appeal (UMP seed: "If your issue is
  regarding denial of payment or nonprovision of medical services, it is an appeal.").
* "Is it about a prescription?" → `service: prescription | medical | coe` (UMP seed:
  "Washington State Rx Services handles complaints and appeals involving prescription drugs.").
* "Could waiting harm your health?" → `expedited` (UMP seed: "You can ask your provider to
  request an expedited appeal …").
* what it is about → the pack's `category` (plain labels below, one per pack category).
* the date on the notice → UMP `notice_date` (the 180-day window); the date it happened →
  Genex `occurrence_date` (Genex seed: "a formal grievance may be filed within one year of
  occurrence").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django_tasks import task

from appealdesk.accounts.models import PortalAccount
from appealdesk.cases import services
from appealdesk.cases.documents import document_store, files_undone_on_error
from appealdesk.cases.errors import DomainError
from appealdesk.cases.models import Case, Party
from appealdesk.policy import assess
from appealdesk.policy.assess import Program
from appealdesk.policy.vocabulary import EXACT_UNITS
from appealdesk.portal.common import day, moment, program_named, signature_record
from appealdesk.portal.packtext import item_labels, tr

PROGRAMS = {
    "ump": _l("UMP — Washington Uniform Medical Plan"),
    "genex-ur": _l("Genex — California workers' compensation utilization review"),
}

# Plain labels for each pack category (ump.yaml / genex-ur.yaml `categories`).
CATEGORIES: dict[str, list[tuple[str, Any]]] = {
    "ump": [
        ("claim_payment", _l("A claim was not paid, or was paid too little")),
        (
            "claim_processing",
            _l("A claim was handled wrong (wrong copay, deductible or billing code)"),
        ),
        ("reimbursement", _l("I paid myself and want to be paid back")),
        (
            "coverage_denial",
            _l("A service, treatment, hospital stay or drug was refused, cut back or stopped"),
        ),
        (
            "preauthorization",
            _l("A request for approval in advance (preauthorization) was refused"),
        ),
        ("eligibility_enrollment", _l("Who is covered, enrolment, or premiums")),
        ("retro_eligibility", _l("My coverage was cancelled back to an earlier date")),
        (
            "coe_medical_appropriateness",
            _l("A Centers of Excellence provider said I am not right for the program"),
        ),
        ("quality_of_care", _l("I am unhappy with the medical care I got")),
        ("wait_time", _l("I waited too long for care or an appointment")),
        ("staff_attitude", _l("A provider or staff member was rude or unprofessional")),
        ("plan_service", _l("I am unhappy with the plan's customer service")),
    ],
    "genex-ur": [
        (
            "ur_timeliness",
            _l("The review decision was late (not within the Labor Code time limits)"),
        ),
        ("reviewer_licensure", _l("The reviewing physician was not licensed")),
        ("process_or_staff", _l("How Genex handled my request, or how its staff treated me")),
        ("clinical_determination", _l("I disagree with the medical decision itself")),
    ],
}

SERVICES = [
    ("medical", _l("No, medical care (a visit, test, treatment or hospital stay)")),
    ("prescription", _l("Yes, a prescription drug")),
    ("coe", _l("Knee or hip replacement or spine care in the Centers of Excellence program")),
]

# The details each program's form asks for, and the pack item each one provides.
UMP_FIELDS = {
    "subscriber_name": "subscriber_name",
    "patient_name": "patient_name",
    "subscriber_id": "subscriber_id",
    "providers": "providers",
    "service_dates": "service_dates",
    "mailing_address": "mailing_address",
    "daytime_phone": "daytime_phone",
    "statement": "statement",
}
# Genex seed: "Grievances must be submitted in writing and shall contain:" — exactly these.
GENEX_FIELDS = {
    "party_name": "party_name",
    "party_address": "party_address",
    "party_phone": "party_phone",
    "summary": "summary",
    "contact_history": "contact_history",
    "relief_sought": "relief_sought",
}
UPLOAD_KINDS = {"eob": "eob", "medical_records": "medical_records", "other_files": "evidence"}

SUBSCRIBER_ID = re.compile(r"^W\d{6,12}$")

SIGN_STATEMENT = _l("I confirm this request is true and I am signing it electronically.")


# -- the assess request -----------------------------------------------------------------------
def fields_for(program: str) -> dict[str, str]:
    return GENEX_FIELDS if program == "genex-ur" else UMP_FIELDS


def provided_items(
    program: str, values: Mapping[str, Any], files: Iterable[str] = (), signed: bool = False
) -> list[str]:
    """The pack's required item ids the person has given: a filled field, a chosen file, and
    (Genex) the signature and its date once signed."""
    given = [
        item for field, item in fields_for(program).items() if str(values.get(field) or "").strip()
    ]
    if program == "ump":
        given += [item for item in ("eob", "medical_records") if item in set(files)]
    elif signed:
        given += ["signature", "date_signed"]
    return given


def build_request(
    *,
    program: str,
    answers: Mapping[str, Any],
    filed_by: str,
    provided: Sequence[str] = (),
    now: dt.datetime,
) -> dict[str, Any]:
    """The SPEC 7 request for what the person answered. Unanswered questions stay unknown."""
    request: dict[str, Any] = {
        "program": program,
        "received_at": now.isoformat(timespec="seconds"),
        "channel": "portal",
        "written": True,
        "filed_by": filed_by,
        "provided": list(provided),
    }
    category = answers.get("category") or None
    if category:
        request["category"] = category
    denied = answers.get("denied")
    if program == "genex-ur":
        request["requested"] = "grievance"
        if answers.get("occurrence_date"):
            request["occurrence_date"] = str(answers["occurrence_date"])
        return request
    if denied in ("yes", "no"):
        request["requested"] = "appeal" if denied == "yes" else "complaint"
    elif category is None:
        request["requested"] = "appeal"
    service = answers.get("service") or None
    if category == "coe_medical_appropriateness":
        service = "coe"
    if service:
        request["service"] = service
    harm = answers.get("harm")
    if harm in ("yes", "no"):
        request["expedited"] = harm == "yes"
    if answers.get("notice_date"):
        request["notice_date"] = str(answers["notice_date"])
    return request


# -- the answer in plain words ----------------------------------------------------------------
def what_words(result: Mapping[str, Any]) -> str:
    kind, level = result.get("kind"), result.get("level")
    if kind == "appeal" and level == 2:
        return _("a second-level appeal")
    if kind == "appeal":
        return _("a first-level appeal")
    return {
        "complaint": _("a complaint"),
        "expedited_appeal": _("an expedited (urgent) appeal"),
        "external_review": _("a request for independent review"),
        "grievance": _("a formal grievance"),
        "clinical_appeal": _("a request for clinical appeals consideration"),
    }.get(str(kind), str(kind))


NOUNS = {
    "appeal": _l("appeal"),
    "expedited_appeal": _l("appeal"),
    "complaint": _l("complaint"),
    "grievance": _l("grievance"),
    "external_review": _l("request for independent review"),
    "clinical_appeal": _l("request"),
}

CLOCK_WORDS = {
    "acknowledge": _l("We will confirm in writing that we received it by %(when)s."),
    "decision_target": _l("We aim to decide by %(when)s."),
    "decision": _l("We will decide and send you our answer by %(when)s."),
    "response": _l("We will answer your complaint by %(when)s."),
    "verbal_notice": _l("We will tell you our decision by phone by %(when)s."),
    "investigation": _l("We will finish looking into it by %(when)s."),
    "forward_to_iro": _l("We will send your file to the independent reviewers by %(when)s."),
}
PENDING_WORDS = {
    "written_notice": _l(
        "After deciding, we will send the decision in writing within %(n)s hours."
    ),
    "decision_notice": _l(
        "After looking into it, we will send you the final decision in writing within %(n)s days."
    ),
}


def expect_words(result: Mapping[str, Any], program: Program) -> list[str]:
    said: list[str] = []
    for clock in result.get("deadlines") or []:
        cid = clock.get("clock")
        if clock.get("state") == "pending" or not clock.get("due_at"):
            if cid in PENDING_WORDS:
                said.append(str(PENDING_WORDS[cid]) % {"n": clock.get("length")})
            continue
        if clock.get("unit") in EXACT_UNITS:
            when = moment(dt.datetime.fromisoformat(clock["due_at"]), program)
        else:
            when = day(dt.date.fromisoformat(clock["due_date"]))
        template = CLOCK_WORDS.get(str(cid))
        if template is None:
            template = _l("%(what)s: by %(when)s.")
        said.append(str(template) % {"when": when, "what": tr(clock.get("label") or str(cid))})
    return said


def answer(request: Mapping[str, Any], program: Program) -> dict[str, Any]:
    """Assess the request and say it plainly: what it is, in time or not, who handles it, what
    to include (✓ given, ○ missing), when to expect an answer, and whether it can be sent."""
    result = assess(request)
    everything = assess({**request, "provided": []})["missing"]
    missing = set(result.get("missing") or [])
    labels = item_labels(program)
    checklist = [
        {"id": item, "label": labels.get(item, item), "have": item not in missing}
        for item in everything
    ]
    filing = result.get("filing") or {}
    disposition = result.get("disposition")
    handler = result.get("handler") or {}
    rejection = result.get("rejection") or {}
    panel: dict[str, Any] = {
        "result": result,
        "what": what_words(result),
        "disposition": disposition,
        "handler": handler,
        "checklist": checklist,
        "missing": [c for c in checklist if not c["have"]],
        "expect": expect_words(result, program),
        "last_day": day(dt.date.fromisoformat(filing["last_day"]))
        if filing.get("last_day")
        else "",
        "timely": filing.get("timely"),
        "rule": _rule_words(filing.get("rule") or ""),
        "rejection_code": rejection.get("code", ""),
        "rejection": "",
        "redirect": "",
        "note": "",
        "submittable": disposition == "accept",
    }
    if disposition == "reject":
        if rejection.get("code") == "untimely":
            panel["rejection"] = _(
                "This %(what)s cannot be reviewed: it comes more than %(rule)s. The last day "
                "to send it was %(last_day)s."
            ) % {
                "what": NOUNS.get(str(result.get("kind")), _("request")),
                "rule": _rule_words(filing.get("rule", "")),
                "last_day": panel["last_day"],
            }
            if result.get("program") == "ump" and result.get("kind") == "appeal":
                panel["rejection"] += " " + _(
                    "Because of this, no further appeal or independent review can follow it."
                )
        else:
            panel["rejection"] = _("This cannot be reviewed here: %(why)s") % {
                "why": rejection.get("message", "")
            }
    elif disposition == "redirect":
        panel["redirect"] = _(
            "We do not decide this. %(name)s does: please contact them directly."
        ) % {"name": handler.get("name", "")}
    elif disposition == "informal":
        panel["redirect"] = _(
            "Call %(phone)s to settle this informally; a formal grievance must be in writing."
        ) % {"phone": handler.get("phone", "")}
        panel["submittable"] = False
    if panel["rule"] and not panel["last_day"] and disposition == "accept":
        # a window applies but its start is unknown: whether it is in time cannot be told,
        # so the date is asked for before the request can be sent (never "no deadline")
        panel["submittable"] = False
        panel["needs_date"] = True
    if request.get("expedited") and not result.get("expedited") and disposition == "accept":
        panel["note"] = _(
            "For medical care, your doctor asks for an urgent (expedited) appeal. We will take "
            "yours as a standard appeal; ask your provider to request the urgent review."
        )
    return panel


def _rule_words(rule: str) -> str:
    return {
        "180 days after notice": _("180 days after the notice"),
        "one year after occurrence": _("one year after it happened"),
        "180 days after the date of the first-level decision letter": _(
            "180 days after the date of the first-level decision letter"
        ),
    }.get(rule, rule)


# -- the e-signature --------------------------------------------------------------------------
# -- filing -----------------------------------------------------------------------------------
def portal_file(
    *,
    account: PortalAccount,
    user: Any,
    member: Party,
    request: Mapping[str, Any],
    details: Mapping[str, Any],
    uploads: Mapping[str, Sequence[Any]],
    typed_name: str,
    email_letters: bool,
    meta: Mapping[str, Any],
    now: dt.datetime | None = None,
) -> Case:
    """File the request: the case (`case_receive`), its documents, the signature, `portal.filed`
    — one transaction; the acknowledgement letter is queued after it commits."""
    now = now or timezone.now()
    program = program_named(str(request["program"]), now.date())
    representing = member.pk != account.party_id
    summary = str(details.get("statement") or details.get("summary") or "")
    with files_undone_on_error(), transaction.atomic():
        case = services.case_receive(
            request=request,
            actor=user,
            member=member,
            representative=account.party if representing else None,
            summary=summary,
            now=now,
        )
        stored = []
        for field, kind in UPLOAD_KINDS.items():
            for upload in uploads.get(field, ()):
                stored.append(document_store(upload, kind=kind, case=case, actor=user))
        signature = signature_record(
            account=account,
            case=case,
            typed_name=typed_name,
            content={
                "case": case.number,
                "request": request,
                "details": dict(details),
                "documents": [d.sha256 for d in stored],
            },
            program=program,
            meta=meta,
            now=now,
            purpose="filing",
            statement=str(SIGN_STATEMENT),
        )
        if email_letters != account.party.email_consent:
            Party.objects.filter(pk=account.party_id).update(email_consent=email_letters)
        # the letters of the case in the language the person filed in (issue 18, item 9)
        services.party_language_set(
            account.party,
            language=services.language_of(get_language()),
            actor=user,
            case=case,
            how="the portal's language when filing",
            now=now,
        )
        services._event(
            case,
            "portal.filed",
            actor=user,
            at=now,
            after={
                "signature": signature.pk,
                "sha256": signature.sha256,
                "documents": [d.pk for d in stored],
                "email_letters": email_letters,
            },
        )
        case_id = case.pk
        transaction.on_commit(lambda: acknowledge.enqueue(case_id, email_letters), robust=True)
    return case


@task()
def acknowledge(case_id: int, send: bool) -> str:
    """The written acknowledgement that meets the acknowledge clock; e-mailed when the filer
    agreed to letters by e-mail (SPEC: letters by e-mail only with consent)."""
    from appealdesk.correspondence.services import letter_generate, letter_send

    case = Case.objects.get(pk=case_id)
    if case.disposition != "accept":
        return "not acknowledged: not accepted"
    if not case.clocks.filter(clock_id="acknowledge").exists():
        return "not acknowledged: no clock of this case asks for an acknowledgement"
    letter = letter_generate(case, kind="acknowledgement", actor=None)
    if send:
        try:
            letter_send(letter, actor=None)
        except DomainError as exc:
            return f"generated; not e-mailed: {exc}"
        return "generated and e-mailed"
    return "generated"


def portal_escalate(
    *,
    case: Case,
    account: PortalAccount,
    user: Any,
    requested: str,
    statement: str,
    testimony: Sequence[Any],
    typed_name: str,
    program: Program,
    meta: Mapping[str, Any],
    now: dt.datetime | None = None,
) -> Case:
    """Ask for the next level of a decided case: `case_escalate`, the testimony, the signature,
    `portal.escalated` — one transaction."""
    now = now or timezone.now()
    filed_by = "authorized_rep" if case.member_id != account.party_id else "member"
    provided = list(case.provided)
    if statement.strip() and "statement" not in provided:
        provided.append("statement")
    with files_undone_on_error(), transaction.atomic():
        linked = services.case_escalate(
            case,
            actor=user,
            received_at=now.isoformat(timespec="seconds"),
            channel="portal",
            requested=requested,
            filed_by=filed_by,
            provided=provided,
            summary=statement,
            now=now,
        )
        stored = [document_store(u, kind="testimony", case=linked, actor=user) for u in testimony]
        signature = signature_record(
            account=account,
            case=linked,
            typed_name=typed_name,
            content={
                "case": linked.number,
                "prior": case.number,
                "requested": requested,
                "statement": statement,
                "documents": [d.sha256 for d in stored],
            },
            program=program,
            meta=meta,
            now=now,
            purpose="filing",
            statement=str(SIGN_STATEMENT),
        )
        services._event(
            linked,
            "portal.filed",
            actor=user,
            at=now,
            after={
                "signature": signature.pk,
                "sha256": signature.sha256,
                "documents": [d.pk for d in stored],
                "prior": case.number,
            },
        )
        linked_id, send = linked.pk, account.party.email_consent
        transaction.on_commit(lambda: acknowledge.enqueue(linked_id, send), robust=True)
    return linked
