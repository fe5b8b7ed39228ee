"""In: a denial (PAS `ClaimResponse`, PDex / CARIN BB `ExplanationOfBenefit`) as an intake proposal.

`read_bundle` validates the JSON with `fhir.resources.R4B` (an `Invalid` names the element);
`denial_of` reads what intake needs from it; `propose` matches the member and runs `assess`;
`receive` takes the proposal in through `case_receive`. What is read, and from where, is in
docs/fhir.md ("In").
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pydantic
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit

from appealdesk.access import roles
from appealdesk.cases import services as sv
from appealdesk.cases.errors import InvalidInput
from appealdesk.cases.models import Case, Party
from appealdesk.fhir import codes
from appealdesk.policy import AssessError, assess, default_registry

DECISIONS = ("ClaimResponse", "ExplanationOfBenefit")
# Patient.identifier types that carry the member's number (v2-0203: MB member number,
# SN subscriber number, MC Medicare number); Coverage.subscriberId and Coverage.identifier
# always do.
MEMBER_ID_TYPES = {"MB", "SN", "MC"}


@dataclass
class Invalid(Exception):
    """Not a bundle we can read: `issues` are (FHIRPath expression, message); `status` 400 for
    what is not JSON / not a Bundle, 422 for a Bundle that does not validate."""

    status: int
    issues: list[tuple[str, str]]


@dataclass(frozen=True)
class Reason:
    system: str
    code: str
    display: str
    text: str
    adverse: bool = True


@dataclass(frozen=True)
class Denial:
    """What the decision being appealed says, read from the bundle."""

    resource_type: str
    focus: dict[str, str]  # the decision's reference: {"type", "reference"}
    number: str  # the authorization (preAuthRef) or claim number
    number_system: str
    notice_date: dt.date | None
    notice_date_from: str
    use: str
    claim_type: str
    reasons: tuple[Reason, ...]
    subscriber_ids: tuple[str, ...]
    patient_name: str
    subscriber_name: str
    providers: tuple[str, ...]
    service_dates: bool

    @property
    def service(self) -> str:
        return codes.SERVICE_OF_CLAIM_TYPE.get(self.claim_type, "")

    @property
    def adverse(self) -> bool:
        return any(r.adverse for r in self.reasons)


@dataclass
class Proposal:
    denial: Denial
    request: dict[str, Any]
    assessment: dict[str, Any]
    member: Party | None
    candidates: list[Party] = field(default_factory=list)
    review: list[str] = field(default_factory=list)


# -- reading and validating ---------------------------------------------------------------------
def read_bundle(data: Any) -> Bundle:
    if not isinstance(data, dict):
        raise Invalid(400, [("Bundle", "the body must be a JSON object: a FHIR Bundle")])
    if data.get("resourceType") != "Bundle":
        raise Invalid(400, [("resourceType", "resourceType must be 'Bundle'")])
    entries = data.get("entry")
    if isinstance(entries, list):
        for n, entry in enumerate(entries):
            kind = (entry.get("resource") or {}) if isinstance(entry, dict) else None
            kind = kind.get("resourceType") if isinstance(kind, dict) else None
            if kind is not None and (not isinstance(kind, str) or not _known(kind)):
                where = f"Bundle.entry[{n}].resource.resourceType"
                raise Invalid(422, [(where, f"unknown resource type {str(kind)[:60]!r}")])
    try:
        bundle = Bundle.model_validate(data)
    except pydantic.ValidationError as exc:
        raise Invalid(422, [(_expression(e["loc"]), e["msg"]) for e in exc.errors()]) from None
    except (KeyError, TypeError, ValueError) as exc:  # the library's own refusals
        raise Invalid(422, [("Bundle", f"not a valid FHIR R4B Bundle: {exc}"[:300])]) from None
    decisions = [
        (n, e.resource)
        for n, e in enumerate(bundle.entry or [])
        if e.resource is not None and e.resource.get_resource_type() in DECISIONS
    ]
    if len(decisions) != 1:
        raise Invalid(
            422,
            [
                (
                    "Bundle.entry",
                    f"the bundle must hold exactly one ClaimResponse or ExplanationOfBenefit "
                    f"(the decision being appealed); it holds {len(decisions)}",
                )
            ],
        )
    return bundle


def _known(resource_type: str) -> bool:
    """A resource type of R4B (the library looks names up loosely: a lower-case name too)."""
    try:
        get_fhir_model_class(resource_type)
    except (KeyError, ValueError):
        return False
    return resource_type[:1].isupper()


def _expression(loc: Iterable[Any]) -> str:
    path = "Bundle"
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


# -- what the decision says -------------------------------------------------------------------
def denial_of(bundle: Bundle) -> Denial:
    index = _index(bundle)
    found: tuple[str, Any] = next(  # read_bundle made sure there is exactly one
        (e.fullUrl or "", e.resource)
        for e in bundle.entry or []
        if e.resource is not None and e.resource.get_resource_type() in DECISIONS
    )
    full_url, decision = found
    kind = decision.get_resource_type()
    patient = _resolve(index, decision.patient)
    coverages = [
        c
        for i in decision.insurance or []
        if (c := _resolve(index, i.coverage)) is not None and c.get_resource_type() == "Coverage"
    ]
    reasons = tuple(_reasons(decision))
    number, number_system = _number(decision)
    created = decision.created
    return Denial(
        resource_type=kind,
        focus={
            "type": kind,
            "reference": full_url or (f"{kind}/{decision.id}" if decision.id else ""),
        },
        number=number,
        number_system=number_system,
        # SPEC 4.1: the notice of the action is "usually the EOB date; a preauthorization
        # denial: the date of the plan's response" -- EOB.created / ClaimResponse.created
        notice_date=created.date() if isinstance(created, dt.datetime) else created,
        notice_date_from=f"{kind}.created",
        use=str(decision.use or ""),
        claim_type=_code(decision.type),
        reasons=reasons,
        subscriber_ids=tuple(_dedupe(_member_ids(patient, coverages))),
        patient_name=_name(patient),
        subscriber_name=_subscriber_name(index, coverages, patient),
        providers=tuple(
            _dedupe(
                r.display
                for r in (getattr(decision, "requestor", None), getattr(decision, "provider", None))
                if r is not None and r.display
            )
        ),
        service_dates=_service_dated(decision),
    )


def _index(bundle: Bundle) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for entry in bundle.entry or []:
        resource = entry.resource
        if resource is None:
            continue
        if entry.fullUrl:
            found[entry.fullUrl] = resource
        if resource.id:
            found[f"{resource.get_resource_type()}/{resource.id}"] = resource
    return found


def _resolve(index: dict[str, Any], reference: Any) -> Any:
    """A reference inside the bundle: by fullUrl, or by its last two segments (Type/id)."""
    text = getattr(reference, "reference", None) or ""
    if not text:
        return None
    return index.get(text) or index.get("/".join(text.rstrip("/").split("/")[-2:]))


def _code(concept: Any) -> str:
    for coding in getattr(concept, "coding", None) or []:
        if coding.code:
            return str(coding.code)
    return ""


def _name(person: Any) -> str:
    for name in getattr(person, "name", None) or []:
        if name.text:
            return str(name.text)
        words = [*(name.given or []), name.family or ""]
        if any(words):
            return " ".join(w for w in words if w)
    return ""


def _dedupe(values: Iterable[str]) -> Iterator[str]:
    seen: set[str] = set()
    for value in values:
        value = value.strip()
        if value and value not in seen:
            seen.add(value)
            yield value


def _member_ids(patient: Any, coverages: list[Any]) -> Iterator[str]:
    for coverage in coverages:
        if coverage.subscriberId:
            yield str(coverage.subscriberId)
        for ident in coverage.identifier or []:
            if ident.value:
                yield str(ident.value)
    for ident in getattr(patient, "identifier", None) or []:
        if ident.value and _code(ident.type) in MEMBER_ID_TYPES:
            yield str(ident.value)


def _subscriber_name(index: dict[str, Any], coverages: list[Any], patient: Any) -> str:
    for coverage in coverages:
        subscriber = _resolve(index, coverage.subscriber)
        if subscriber is not None and _name(subscriber):
            return _name(subscriber)
        if coverage.subscriber is not None and coverage.subscriber.display:
            return str(coverage.subscriber.display)
        if _code(coverage.relationship) == "self":
            return _name(patient)
    return ""


def _service_dated(decision: Any) -> bool:
    if getattr(decision, "billablePeriod", None) is not None:
        return True
    return any(
        getattr(item, "servicedDate", None) or getattr(item, "servicedPeriod", None)
        for item in getattr(decision, "item", None) or []
    )


def _number(decision: Any) -> tuple[str, str]:
    """The authorization number (ClaimResponse.preAuthRef, else a PAS reviewAction's `number`)
    or the claim's identifier (CARIN's unique claim id, type `uc`, else the first)."""
    if isinstance(decision, ClaimResponse):
        if decision.preAuthRef:
            return str(decision.preAuthRef), ""
        for adjudication in _adjudications(decision):
            for ext in _review_actions(adjudication):
                for sub in ext.extension or []:
                    if sub.url == "number" and sub.valueString:
                        return str(sub.valueString), ""
    identifiers = list(decision.identifier or [])
    identifiers.sort(key=lambda i: _code(i.type) != "uc")
    for ident in identifiers:
        if ident.value:
            return str(ident.value), str(ident.system or "")
    return "", ""


def _adjudications(decision: Any) -> Iterator[Any]:
    yield from decision.adjudication or []
    for item in [*(decision.item or []), *(decision.addItem or [])]:
        yield from item.adjudication or []
        for detail in getattr(item, "detail", None) or []:
            yield from detail.adjudication or []


def _review_actions(adjudication: Any) -> Iterator[Any]:
    for ext in adjudication.extension or []:
        if ext.url == codes.PAS_REVIEW_ACTION:
            yield ext


def _reasons(decision: ClaimResponse | ExplanationOfBenefit) -> Iterator[Reason]:
    """The denial's reasons: PAS reviewAction codes (with their reason codes), CARIN
    `denialreason` adjudications, any adjudication reason, errors, and the decision's words
    (disposition, process notes)."""
    seen: set[tuple[str, str]] = set()

    def coded(
        concept: Any, adverse: bool = True, known: dict[str, str] | None = None
    ) -> Iterator[Reason]:
        for coding in getattr(concept, "coding", None) or []:
            key = (str(coding.system or ""), str(coding.code or ""))
            if coding.code and key not in seen:
                seen.add(key)
                display = str(coding.display or (known or {}).get(str(coding.code), ""))
                yield Reason(key[0], key[1], display, str(concept.text or ""), adverse)

    for adjudication in _adjudications(decision):
        for action in _review_actions(adjudication):
            for sub in action.extension or []:
                if sub.url == codes.PAS_REVIEW_ACTION_CODE:
                    code = _code(sub.valueCodeableConcept)
                    yield from coded(
                        sub.valueCodeableConcept,
                        adverse=code not in codes.PAS_NO_DECISION and code != "A1",
                        known={**codes.PAS_ADVERSE, **codes.PAS_NO_DECISION},
                    )
                elif sub.url == "reasonCode":
                    yield from coded(sub.valueCodeableConcept)
        if _denial_category(adjudication.category):
            yield from coded(adjudication.reason)
    for error in getattr(decision, "error", None) or []:
        yield from coded(error.code)
    texts = [decision.disposition, *(n.text for n in decision.processNote or [])]
    for text in _dedupe(str(t) for t in texts if t):
        yield Reason("", "", "", text)


def _denial_category(category: Any) -> bool:
    """CARIN BB's adjudication slices carry several statuses in `reason` (network status,
    payment status, adjustments); only its `denialreason` slice is a denial's reason. Any other
    code system's adjudication reason counts (X12 CARC in a plain adjudication)."""
    for coding in getattr(category, "coding", None) or []:
        if coding.system == codes.CARIN_DISCRIMINATOR:
            return coding.code == "denialreason"
    return True


# -- the member, the proposal -----------------------------------------------------------------
def match_member(denial: Denial, user: Any) -> tuple[Party | None, list[Party], list[str]]:
    """The member by subscriber id among those the caller may see: one match, or none, or
    a list of candidates with the reason it needs a person to look (never a silent guess)."""
    review: list[str] = []
    if not denial.subscriber_ids:
        return None, [], ["the bundle names no member identifier (Coverage or Patient)"]
    found = roles.visible_members_among(
        user, Party.objects.filter(subscriber_id__in=denial.subscriber_ids)
    )
    if len(found) > 1:
        ids = ", ".join(sorted({p.subscriber_id for p in found}))
        return None, found, [f"{len(found)} members have the bundle's identifiers ({ids})"]
    if not found:
        return None, [], []
    member = found[0]
    if denial.patient_name and not _same_person(member, denial.patient_name):
        review.append(
            f"subscriber id {member.subscriber_id} is {member.name}'s, but the bundle's patient "
            f"is {denial.patient_name}"
        )
        return None, found, review
    return member, [], review


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 1}


def _same_person(member: Party, name: str) -> bool:
    """Some name word in common with the member's, subscriber's or patient's name on file
    (a family member's appeal names the patient; a middle initial or order may differ)."""
    on_file = _words(f"{member.name} {member.patient_name} {member.subscriber_name}")
    return bool(on_file & _words(name))


def assess_request(
    denial: Denial,
    *,
    program: str,
    received_at: str,
    requested: str = "appeal",
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The `assess` input (SPEC 7) the denial gives. Fields it does not say stay unknown."""
    request: dict[str, Any] = {"program": program, "received_at": received_at}
    request["requested"] = requested
    category = codes.CATEGORY_OF_USE.get(denial.use)
    if category and category in _categories(program, received_at):
        request["category"] = category
    if denial.service:
        request["service"] = denial.service
    if denial.notice_date is not None:
        request["notice_date"] = denial.notice_date.isoformat()
    provided = []
    for item, present in (
        ("subscriber_id", denial.subscriber_ids),
        ("subscriber_name", denial.subscriber_name),
        ("patient_name", denial.patient_name),
        ("providers", denial.providers),
        ("service_dates", denial.service_dates),
        ("eob", denial.resource_type == "ExplanationOfBenefit"),
    ):
        if present:
            provided.append(item)
    request["provided"] = provided
    words = [r.text or r.display for r in denial.reasons if r.text or r.display]
    if words:
        request["text"] = "Appeal of a denial: " + "; ".join(_dedupe(words))
    request.update(extra or {})
    return request


def _categories(program: str, received_at: str) -> set[str]:
    try:
        day = dt.date.fromisoformat(received_at[:10])
        return set(default_registry().in_force(program, day).pack.categories)
    except (LookupError, ValueError):
        return set()  # assess names what is wrong with the program or the time


def propose(
    bundle: Bundle,
    *,
    user: Any,
    program: str,
    received_at: str,
    requested: str = "appeal",
    extra: dict[str, Any] | None = None,
) -> Proposal:
    denial = denial_of(bundle)
    member, candidates, review = match_member(denial, user)
    if not denial.adverse:
        review.append("the decision holds no denial reason: check it is an adverse decision")
    request = assess_request(
        denial, program=program, received_at=received_at, requested=requested, extra=extra
    )
    try:
        assessment = assess(request)
    except AssessError as exc:
        raise InvalidInput(exc.message, field=exc.field) from None
    return Proposal(denial, request, assessment, member, candidates, review)


def receive(proposal: Proposal, *, actor: Any, backdate_reason: str = "") -> Case:
    """The proposal taken in: the matched member, or a new member from the bundle when none
    matched; refused (`InvalidInput`, field `member`) while it needs a person's review."""
    if proposal.review:
        raise InvalidInput(
            "this proposal needs review before it is taken in: " + "; ".join(proposal.review),
            field="member",
        )
    denial = proposal.denial
    member = proposal.member
    if member is None:
        name = denial.patient_name or denial.subscriber_name or denial.subscriber_ids[0]
        member = Party.objects.create(
            role="member",
            name=name[:200],
            subscriber_name=(denial.subscriber_name or name)[:200],
            patient_name=(denial.patient_name or name)[:200],
            subscriber_id=denial.subscriber_ids[0][:40],
        )
    return sv.case_receive(
        request=proposal.request,
        actor=actor,
        member=member,
        summary=proposal.request.get("text", "")[:500],
        backdate_reason=backdate_reason,
        source_reference=denial.number[:100],
        source_focus={**denial.focus, "system": denial.number_system},
    )


# -- the answer -------------------------------------------------------------------------------
def parameters(proposal: Proposal, case: Case | None = None) -> dict[str, Any]:
    """The proposal as a `Parameters` resource (docs/fhir.md lists every part)."""
    denial = proposal.denial
    found: list[dict[str, Any]] = [
        {"name": "assessment", "valueString": json.dumps(proposal.assessment, sort_keys=True)},
        {"name": "request", "valueString": json.dumps(proposal.request, sort_keys=True)},
        {"name": "review", "valueBoolean": bool(proposal.review)},
        *({"name": "reviewReason", "valueString": why} for why in proposal.review),
    ]
    if proposal.member is not None:
        found.append({"name": "member", "part": _party_parts(proposal.member)})
    found.extend({"name": "candidate", "part": _party_parts(p)} for p in proposal.candidates)
    if denial.subscriber_ids:
        found.extend(
            {"name": "subscriberId", "valueString": value} for value in denial.subscriber_ids
        )
    if denial.service:
        found.append({"name": "service", "valueCode": denial.service})
    if "category" in proposal.request:
        found.append({"name": "category", "valueCode": proposal.request["category"]})
    if denial.notice_date is not None:
        found.append(
            {
                "name": "noticeDate",
                "valueDate": denial.notice_date.isoformat(),
                "part": [{"name": "source", "valueString": denial.notice_date_from}],
            }
        )
    if denial.number:
        identifier = {"value": denial.number}
        if denial.number_system:
            identifier["system"] = denial.number_system
        found.append({"name": "sourceReference", "valueIdentifier": identifier})
    focus = {k: v for k, v in denial.focus.items() if v}
    if focus:
        found.append({"name": "focus", "valueReference": focus})
    for reason in denial.reasons:
        parts: list[dict[str, Any]] = []
        if reason.code:
            coding = {"system": reason.system, "code": reason.code}
            if reason.display:
                coding["display"] = reason.display
            parts.append({"name": "code", "valueCoding": {k: v for k, v in coding.items() if v}})
        if reason.text:
            parts.append({"name": "text", "valueString": reason.text})
        parts.append({"name": "adverse", "valueBoolean": reason.adverse})
        found.append({"name": "denialReason", "part": parts})
    if case is not None:
        found.append({"name": "task", "valueReference": {"reference": f"Task/{case.number}"}})
    return {"resourceType": "Parameters", "parameter": found}


def _party_parts(party: Party) -> list[dict[str, Any]]:
    return [
        {"name": "id", "valueInteger": party.pk},
        {"name": "name", "valueString": party.name or "(no name)"},
        {"name": "subscriberId", "valueString": party.subscriber_id or "(none)"},
    ]
