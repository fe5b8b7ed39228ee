"""Intake from a FHIR bundle uploaded on the desk: the decision being appealed (a Da Vinci PAS
`ClaimResponse` or a CARIN BB / PDex `ExplanationOfBenefit`) read by `appealdesk.fhir.intake`,
as the mailroom's "open as a new case" reads an item: the form starts from what it says, the
clerk checks it and confirms (docs/fhir.md)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.utils import timezone

from appealdesk.access.log import log_members
from appealdesk.cases.errors import InvalidInput
from appealdesk.cases.models import Party
from appealdesk.fhir import intake as fhir_intake
from appealdesk.mailroom.models import Item
from appealdesk.policy.assess import Program

MAX_BYTES = 2 * 1024 * 1024
JSON_TYPES = ("application/json", "application/fhir+json", "text/plain")
# the assess input's fields the intake form has under the same name
PREFILLED = ("requested", "category", "service", "notice_date", "text", "provided")


def fhir_prefill(
    request: HttpRequest, program: Program
) -> tuple[dict[str, Any], Party | None, list[str]]:
    """From an upload: the form's initial values, the matched member (a read, logged), and
    what is wrong with the upload (then nothing else)."""
    upload = request.FILES.get("bundle")
    if upload is None:
        return {}, None, ["Choose a FHIR bundle (JSON) to read."]
    if upload.size > MAX_BYTES:
        return {}, None, ["The bundle is larger than 2 MB."]
    try:
        data = json.loads(upload.read())
    except (ValueError, UnicodeDecodeError):
        return {}, None, ["The file is not JSON: upload a FHIR bundle in JSON."]
    received = timezone.localtime().replace(second=0, microsecond=0)
    return prefill_from(request, data, program.pack.program, received)


def bundle_of_item(item: Item) -> Any:
    """The FHIR bundle a mailroom item carries (an attached .json file, or an e-mail whose
    body is the bundle), parsed; None when it carries none."""
    for part in item.parts.order_by("position"):
        if part.size > MAX_BYTES or not (
            part.name.lower().endswith(".json") or part.content_type in JSON_TYPES
        ):
            continue
        with part.file.open("rb") as handle:
            found = _bundle_json(handle.read())
        if found is not None:
            return found
    return _bundle_json(item.text.encode()) if item.text.lstrip().startswith("{") else None


def _bundle_json(raw: bytes) -> Any:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) and data.get("resourceType") == "Bundle" else None


def prefill_from(
    request: HttpRequest, data: Any, program: str, received: dt.datetime
) -> tuple[dict[str, Any], Party | None, list[str]]:
    """The form's initial values from a bundle (parsed JSON), the matched member (a read,
    logged), and what is wrong with it (then nothing else)."""
    try:
        bundle = fhir_intake.read_bundle(data)
        proposal = fhir_intake.propose(
            bundle, user=request.user, program=program, received_at=received.isoformat()
        )
    except fhir_intake.Invalid as exc:
        return {}, None, [f"{where or 'Bundle'}: {message}" for where, message in exc.issues[:5]]
    except InvalidInput as exc:
        return {}, None, [str(exc)]
    req = proposal.request
    initial: dict[str, Any] = {k: req[k] for k in PREFILLED if req.get(k)}
    denial = proposal.denial
    initial["received_at"] = received
    initial["summary"] = (f"{denial.resource_type} {denial.number}: " + req.get("text", ""))[:500]
    initial["source_reference"] = denial.number[:100]
    initial["source_focus"] = {**denial.focus, "system": denial.number_system}
    member = proposal.member
    if member is not None:
        initial["member"] = member.pk
        log_members(request, [member], "intake member (FHIR bundle)")
    elif not proposal.review and denial.subscriber_ids:
        initial["member_name"] = denial.patient_name or denial.subscriber_name
        initial["subscriber_id"] = denial.subscriber_ids[0]
    if proposal.candidates:  # the reasons name them: a read of their records
        log_members(request, proposal.candidates, "intake member candidates (FHIR bundle)")
    for why in proposal.review:
        messages.warning(request, f"Check the member: {why}")
    return initial, member, []
