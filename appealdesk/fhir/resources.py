"""Out: a case and what hangs off it as FHIR R4B resources (plain dicts, their instants left as
aware datetimes for the response's orjson to write in RFC 3339; the tests validate every one
with `fhir.resources`, the CapabilityStatement is validated when it is built).

    case          -> Task (status mapped from the state, businessStatus = our state, focus =
                     the decision appealed, restriction.period.end = the binding clock's due
                     time, owner = the handler as a contained Organization)
    member        -> Patient
    letter        -> DocumentReference (the PDF: a URL of the API's authenticated download)
    notice event  -> Communication
The mapping tables are `appealdesk.fhir.codes`; docs/fhir.md explains each element.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.conf import settings

from appealdesk.cases import packs
from appealdesk.fhir import codes

FHIR_JSON = "application/fhir+json"
NOTICE_ACTIONS = ("notice.acknowledgement", "notice.decision")


def instant(value: dt.datetime | None) -> dt.datetime | None:
    """An instant for a resource: the aware datetime itself, written by the response's orjson as
    `isoformat` would (five of them per Task: a third of the time of building a 1,000-Task page
    when they were strings). None stays None: the caller leaves the element out."""
    return value


def _concept(system_name: str, code: str) -> dict[str, Any]:
    return _concept_at(settings.SITE_URL, system_name, code)


@lru_cache(maxsize=16)
def _sid(site_url: str, name: str) -> str:
    """An identifier system of ours, built once per site (a Task names three)."""
    return codes.identifier_system(name)


@lru_cache(maxsize=512)
def _concept_at(site_url: str, system_name: str, code: str) -> dict[str, Any]:
    """One object per code, shared by every Task of a page (read-only: they are only
    serialised), so a page of 1,000 does not build 5,000 of them."""
    display = code.replace("_", " ")
    coding = {"system": codes.system(system_name), "code": code, "display": display}
    return {"coding": [coding], "text": display}


def handler_name(case: Any) -> str:
    """The handler's name in the pack version the case was assessed under."""
    handler = packs.program_of(case.pack_id).pack.handlers.get(case.handler)
    return handler.name if handler is not None else case.handler


def patient_id(member_id: int) -> str:
    return f"member-{member_id}"


def patient(member: Any) -> dict[str, Any]:
    """The member (a `Party`) as a Patient: our subscriber id, the name on file."""
    found: dict[str, Any] = {"resourceType": "Patient", "id": patient_id(member.pk)}
    if member.subscriber_id:
        found["identifier"] = [
            {"system": codes.identifier_system("subscriber-id"), "value": member.subscriber_id}
        ]
    if member.name:
        found["name"] = [{"text": member.name}]
    return found


def _patient_reference(case: Any, site_url: str | None = None) -> dict[str, Any] | None:
    if case.member_id is None:
        return None
    reference: dict[str, Any] = {"reference": f"Patient/{patient_id(case.member_id)}"}
    subscriber_id = getattr(case, "member_subscriber_id", None)
    if subscriber_id:
        reference["identifier"] = {
            "system": _sid(site_url or settings.SITE_URL, "subscriber-id"),
            "value": subscriber_id,
        }
    name = getattr(case, "member_name", None)
    if name:
        reference["display"] = name
    return reference


def _focus(case: Any) -> dict[str, Any] | None:
    focus = case.source_focus or {}
    if not (focus.get("reference") or case.source_reference):
        return None
    reference: dict[str, Any] = {}
    if focus.get("reference"):
        reference["reference"] = focus["reference"]
    if focus.get("type"):
        reference["type"] = focus["type"]
    if case.source_reference:
        identifier = {"value": case.source_reference}
        if focus.get("system"):
            identifier["system"] = focus["system"]
        reference["identifier"] = identifier
    return reference


def task(case: Any) -> dict[str, Any]:
    """A case (read with `TASK_FIELDS`' annotations: binding_due_at, member_name,
    member_subscriber_id) as a Task. The site's URL is read once: its code systems and coded
    concepts are cached objects a page's Tasks share (bench/fhir.py)."""
    site = settings.SITE_URL
    found: dict[str, Any] = {
        "resourceType": "Task",
        "id": case.number,
        "meta": {"lastUpdated": instant(case.updated_at), "versionId": str(case.version)},
        "identifier": [{"system": _sid(site, "case-number"), "value": case.number}],
        "status": codes.TASK_STATUS_OF[case.state],
        "businessStatus": _concept_at(site, "case-state", case.state),
        "intent": "order",
        "code": _concept_at(site, "case-kind", case.kind),
        "authoredOn": instant(case.received_at),
        "lastModified": instant(case.updated_at),
    }
    if case.expedited:
        found["priority"] = "urgent"
    if (focus := _focus(case)) is not None:
        found["focus"] = focus
    if (member := _patient_reference(case, site)) is not None:
        found["for"] = member
    if case.handler:
        name = handler_name(case)
        found["contained"] = [
            {
                "resourceType": "Organization",
                "id": "handler",
                "identifier": [{"system": _sid(site, "handler"), "value": case.handler}],
                "name": name,
            }
        ]
        found["owner"] = {"reference": "#handler", "display": name}
    due = getattr(case, "binding_due_at", None)
    if due is not None:
        found["restriction"] = {"period": {"end": instant(due)}}
    inputs: list[dict[str, Any]] = []
    if case.notice_date:
        notice_date = _concept_at(site, "task-input", "notice_date")
        inputs.append({"type": notice_date, "valueDate": case.notice_date})
    if case.received_at:
        received_at = _concept_at(site, "task-input", "received_at")
        inputs.append({"type": received_at, "valueDateTime": instant(case.received_at)})
    if inputs:
        found["input"] = inputs
    outputs: list[dict[str, Any]] = []
    if case.outcome:
        outputs.append(
            {
                "type": _concept_at(site, "task-output", "outcome"),
                "valueCodeableConcept": _concept_at(site, "case-outcome", case.outcome),
            }
        )
    if case.decided_at:
        decided_at = _concept_at(site, "task-output", "decided_at")
        outputs.append({"type": decided_at, "valueDateTime": instant(case.decided_at)})
    if case.dismissal_reason:
        reason = _concept_at(site, "task-output", "dismissal_reason")
        outputs.append({"type": reason, "valueString": case.dismissal_reason})
    if outputs:
        found["output"] = outputs
    return found


def document_reference(case: Any, letter: Any) -> dict[str, Any]:
    """A letter as a DocumentReference; its PDF is the API's download (a key, logged)."""
    document = letter.document
    url = f"{settings.SITE_URL}/api/v1/cases/{case.number}/documents/{document.pk}"
    return {
        "resourceType": "DocumentReference",
        "id": f"letter-{letter.pk}",
        "status": "current",
        "docStatus": "final",
        "type": _concept("letter-kind", letter.kind),
        "subject": _patient_reference(case) or {"display": letter.addressee},
        "date": instant(letter.rendered_at),
        "description": letter.subject,
        "content": [
            {
                "attachment": {
                    "contentType": document.content_type,
                    "url": url,
                    "size": document.size,
                    "title": document.name,
                    "creation": instant(letter.rendered_at),
                }
            }
        ],
        "context": {"related": [{"reference": f"Task/{case.number}"}]},
    }


def communication(case: Any, event: Any) -> dict[str, Any]:
    """A recorded notice (event `notice.acknowledgement` / `notice.decision`)."""
    after = event.after if isinstance(event.after, dict) else {}
    notice = event.action.split(".", 1)[1]
    found: dict[str, Any] = {
        "resourceType": "Communication",
        "id": f"notice-{event.pk}",
        "status": "completed",
        "category": [_concept("notice", notice)],
        "about": [{"reference": f"Task/{case.number}"}],
        "sent": after.get("at") or instant(event.at),
    }
    medium = codes.MEDIUM_OF.get(str(after.get("medium", "")))
    if medium:
        found["medium"] = [{"coding": [{"system": codes.PARTICIPATION_MODE, "code": medium}]}]
    if (member := _patient_reference(case)) is not None:
        found["subject"] = member
    if event.reason:
        found["note"] = [{"text": event.reason}]
    return found


def bundle(
    kind: str,
    resources: Iterable[dict[str, Any]],
    *,
    links: Iterable[tuple[str, str]] = (),
    total: int | None = None,
    matches: int | None = None,
) -> dict[str, Any]:
    """A Bundle; in a searchset the first `matches` entries (all when None) are the matches,
    the rest are included with them."""
    found: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": kind,
        "timestamp": instant(dt.datetime.now(dt.UTC)),
    }
    if total is not None:
        found["total"] = total
    found["link"] = [{"relation": rel, "url": url} for rel, url in links]
    entries = []
    for n, resource in enumerate(resources):
        entry: dict[str, Any] = {
            "fullUrl": f"{settings.SITE_URL}/fhir/r4/{resource['resourceType']}/{resource['id']}",
            "resource": resource,
        }
        if kind == "searchset":
            entry["search"] = {"mode": "match" if matches is None or n < matches else "include"}
        entries.append(entry)
    found["entry"] = entries
    # FHIR has no empty arrays: an element with nothing in it is left out
    return {k: v for k, v in found.items() if v != []}


def operation_outcome(
    issues: Iterable[tuple[str, str]], *, code: str = "invalid", severity: str = "error"
) -> dict[str, Any]:
    """Each issue is (FHIRPath expression or "", message)."""
    found = []
    for expression, message in issues:
        issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": message}
        if expression:
            issue["expression"] = [expression]
        found.append(issue)
    return {"resourceType": "OperationOutcome", "issue": found}
