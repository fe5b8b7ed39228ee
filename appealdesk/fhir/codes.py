"""The mapping tables between appealdesk's words and FHIR codes: data, each with its source.

Where FHIR has a code system for what we say (Task.status, the claim types, the modes of a
communication) the table maps onto it; where it has none (our states as a business status, case
kinds, outcomes, notice kinds) the code is ours, in a local CodeSystem whose canonical URL is
under the installation's site URL (`system(...)`). docs/fhir.md prints these tables.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from appealdesk.cases.models import KIND_CHOICES, OUTCOME_CHOICES

# -- code systems -------------------------------------------------------------------------------
TASK_STATUS = "http://hl7.org/fhir/task-status"
CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
PARTICIPATION_MODE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode"
# X12 306 (Action Code): the PAS reviewActionCode's code system
X12_ACTION = "https://codesystem.x12.org/005010/306"
# CARIN BB: the adjudication slice that carries a claim's denial reason
CARIN_DISCRIMINATOR = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudicationDiscriminator"
PAS = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/"
PAS_REVIEW_ACTION = PAS + "extension-reviewAction"
PAS_REVIEW_ACTION_CODE = PAS + "extension-reviewActionCode"

LOCAL = (
    "case-state",
    "case-kind",
    "case-outcome",
    "letter-kind",
    "notice",
    "task-input",
    "task-output",
    "proposal",
)


def system(name: str) -> str:
    """The canonical URL of one of our local code systems (or naming systems: `sid/...`)."""
    return f"{settings.SITE_URL}/fhir/CodeSystem/{name}"


def identifier_system(name: str) -> str:
    """Our identifiers: `case-number`, `subscriber-id`."""
    return f"{settings.SITE_URL}/fhir/sid/{name}"


@dataclass(frozen=True)
class Row:
    ours: str
    code: str
    source: str


# -- out: a case as a Task ---------------------------------------------------------------------
# Task.status (required, binding http://hl7.org/fhir/ValueSet/task-status); our state is kept
# exactly in Task.businessStatus (local case-state). Source: FHIR R4B Task.status definitions,
# https://hl7.org/fhir/R4B/codesystem-task-status.html
STATE_TO_TASK_STATUS = (
    Row("received", "received", "task-status 'received': a potential performer has received it"),
    Row("in_review", "in-progress", "task-status 'in-progress': the task has been started"),
    Row(
        "awaiting_information",
        "on-hold",
        "task-status 'on-hold': started, but waiting on something (the information requested)",
    ),
    Row("decided", "in-progress", "decided but the notice is still to go: work is not complete"),
    Row("notified", "completed", "task-status 'completed': the decision was given in writing"),
    Row("closed", "completed", "task-status 'completed'"),
    Row(
        "dismissed",
        "rejected",
        "task-status 'rejected': not performed (untimely, not appealable, withdrawn)",
    ),
    Row("redirected", "rejected", "task-status 'rejected': sent to the body that handles it"),
    Row("reopened", "in-progress", "task-status 'in-progress': work resumed"),
)
TASK_STATUS_OF = {r.ours: r.code for r in STATE_TO_TASK_STATUS}
STATES_OF_TASK_STATUS: dict[str, list[str]] = {}
for _row in STATE_TO_TASK_STATUS:
    STATES_OF_TASK_STATUS.setdefault(_row.code, []).append(_row.ours)

# Task.code: the kind of case (FHIR has no appeal code) and Task.output 'outcome': local
# case-kind and case-outcome, our words (SPEC 2, 5.3), as the case core names them
KINDS = tuple(kind for kind, _ in KIND_CHOICES)
OUTCOMES = tuple(outcome for outcome, _ in OUTCOME_CHOICES)

# Communication.medium for a recorded notice: v3 ParticipationMode (VERBAL, WRITTEN), source
# https://terminology.hl7.org/CodeSystem-v3-ParticipationMode.html
NOTICE_MEDIUM = (
    Row("verbal", "VERBAL", "v3-ParticipationMode VERBAL: communication by spoken word"),
    Row("written", "WRITTEN", "v3-ParticipationMode WRITTEN: written communication"),
)
MEDIUM_OF = {r.ours: r.code for r in NOTICE_MEDIUM}

# -- in: the service the denial was about, from the claim's type ------------------------------
# ClaimResponse.type / ExplanationOfBenefit.type, http://terminology.hl7.org/CodeSystem/claim-type
# (https://terminology.hl7.org/CodeSystem-claim-type.html). SPEC 4.1: medical -> Regence,
# prescription drugs -> Washington State Rx Services.
CLAIM_TYPE_TO_SERVICE = (
    Row("pharmacy", "prescription", "claim-type 'pharmacy': pharmacy claims for goods/services"),
    Row("professional", "medical", "claim-type 'professional': physician, therapy..."),
    Row("institutional", "medical", "claim-type 'institutional': hospital, clinic..."),
    Row("oral", "medical", "claim-type 'oral': dental, denture and hygiene"),
    Row("vision", "medical", "claim-type 'vision': vision care"),
)
SERVICE_OF_CLAIM_TYPE = {r.ours: r.code for r in CLAIM_TYPE_TO_SERVICE}

# The category a pack may call it, by what the document is: PAS ClaimResponse.use
# 'preauthorization' is a preauthorization decision; an EOB (or a ClaimResponse for a claim)
# is about claim payment. Used only where the program's pack has that category.
USE_TO_CATEGORY = (
    Row("preauthorization", "preauthorization", "ClaimResponse.use 'preauthorization' (PAS)"),
    Row("predetermination", "coverage_denial", "ClaimResponse.use 'predetermination'"),
    Row("claim", "claim_payment", "use 'claim': an adjudicated claim (EOB, CARIN BB)"),
)
CATEGORY_OF_USE = {r.ours: r.code for r in USE_TO_CATEGORY}

# PAS reviewActionCode (X12 306) values that are a denial or partial denial, from the PAS
# guide's ClaimResponse profile (X12 278 HCR01): A3 not certified, A6 modified, A2 certified
# partial; A1 certified in total is not a denial; A4 pended is no decision yet.
PAS_ADVERSE = {"A2": "certified - partial", "A3": "not certified", "A6": "modified"}
PAS_NO_DECISION = {"A4": "pended"}
