"""`GET /fhir/r4/metadata`: what this server does, exactly (validated by `fhir.resources`)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from django.conf import settings
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from appealdesk.fhir import search

# fhir.resources' R4B models validate what we read and write: FHIR 4.3.0 (R4B). The elements
# used are the same in R4 (4.0.1), which the US guides (PAS, CARIN BB, PDex) profile.
FHIR_VERSION = "4.3.0"
RELEASED = "2026-12-02"


@cache
def capability_statement() -> dict[str, Any]:
    base = f"{settings.SITE_URL}/fhir/r4"
    found = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": RELEASED,
        "publisher": "appealdesk",
        "kind": "instance",
        "software": {"name": "appealdesk"},
        "implementation": {"description": "appealdesk FHIR edge", "url": base},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Authenticate with an API key of appealdesk's REST API "
                    "(Authorization: Bearer ad_…); its scopes and its user's teams apply. "
                    "Only JSON. Every read of a case is recorded in the access log."
                ),
                "security": {
                    "description": "API keys: scope cases:read for Task reads, assess for "
                    "$appeal-intake, cases:write (and the intake role) for its create=true",
                },
                "resource": [
                    {
                        "type": "Task",
                        "documentation": "one per case; id = the case number",
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "searchParam": [
                            {"name": name, "type": kind, "documentation": what}
                            for name, (kind, what) in search.PARAMETERS.items()
                            # _count and _cursor are how results come, not what they match
                            if name not in ("_count", "_cursor")
                        ],
                        "operation": [
                            {
                                "name": "everything",
                                "definition": f"{base}/OperationDefinition/Task-everything",
                                "documentation": "GET Task/{id}/$everything: the Task, its "
                                "Patient, letters (DocumentReference) and notices (Communication)",
                            }
                        ],
                    }
                ],
                "operation": [
                    {
                        "name": "appeal-intake",
                        "definition": f"{base}/OperationDefinition/appeal-intake",
                        "documentation": "POST a Bundle holding one ClaimResponse (Da Vinci PAS) "
                        "or ExplanationOfBenefit (PDex / CARIN BB); answers a Parameters "
                        "proposal; ?create=true takes it in as a case",
                    }
                ],
            }
        ],
    }
    CapabilityStatement.model_validate(found)
    return json.loads(json.dumps(found))
