"""FHIR at the two edges of an A&G system (issue 21): the denial being appealed comes in as a
`ClaimResponse` (Da Vinci PAS) or `ExplanationOfBenefit` (PDex / CARIN Blue Button) bundle, and
each case goes out as a `Task` with its letters (`DocumentReference`) and notices
(`Communication`). Models are `fhir.resources.R4B`; every resource we write is validated by them.

The HTTP views are the API surface's (`appealdesk.api.fhir`): they need the API's keys.
"""
