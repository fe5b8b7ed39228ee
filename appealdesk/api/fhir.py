"""The FHIR edge over HTTP (`/fhir/r4/`, issue 21): plain Django views answering
`application/fhir+json` (FHIR's resources are not the REST API's schemas), authenticated by the
REST API's keys (its scopes, its user's teams; no desk session, so the POST is CSRF-exempt),
every case read written to the access log. What they answer is built by `appealdesk.fhir`.

    GET  metadata                    the CapabilityStatement (no key needed)
    POST $appeal-intake              a ClaimResponse / EOB bundle -> a Parameters proposal
                                     (?create=true: taken in as a case, 201 + Location)
    GET  Task?…                      the cases you may see, as Tasks, by pages
    GET  Task/{number}               one case as a Task
    GET  Task/{number}/$everything   the Task with its Patient, letters and notices
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import orjson
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path, re_path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from appealdesk.access import roles
from appealdesk.access.log import case_for, log_members, log_reads
from appealdesk.api.auth import Caller, key_caller
from appealdesk.cases.errors import InvalidInput, Refused
from appealdesk.cases.models import Event
from appealdesk.correspondence.models import Letter
from appealdesk.fhir import intake, resources, search
from appealdesk.fhir.capability import capability_statement

Issues = list[tuple[str, str]]


class FhirError(Exception):
    def __init__(self, status: int, code: str, issues: Issues, **headers: str) -> None:
        super().__init__(issues)
        self.status, self.code, self.issues, self.headers = status, code, issues, headers


def fhir_response(body: dict[str, Any], status: int = 200, **headers: str) -> HttpResponse:
    """The body as JSON by orjson: 30x the standard library's speed on a 1,000-Task page, and it
    writes the resources' instants (datetimes, kept as such) in RFC 3339, as `isoformat` does."""
    response = HttpResponse(
        orjson.dumps(body, default=str),
        status=status,
        content_type=f"{resources.FHIR_JSON}; charset=utf-8",
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def endpoint(*methods: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A FHIR view: the method checked, errors answered as OperationOutcome."""

    def wrap(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt  # keys only, never a cookie: nothing for a forged request to ride on
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in methods:
                    raise FhirError(
                        405,
                        "not-supported",
                        [("", f"{request.method} is not supported here; use {', '.join(methods)}")],
                        Allow=", ".join(methods),
                    )
                return view(request, *args, **kwargs)
            except FhirError as exc:
                outcome = resources.operation_outcome(exc.issues, code=exc.code)
                return fhir_response(outcome, exc.status, **exc.headers)
            except intake.Invalid as exc:
                code = "structure" if exc.status == 400 else "invalid"
                return fhir_response(resources.operation_outcome(exc.issues, code=code), exc.status)
            except Http404:
                issue = ("", "No such resource, or not one you may see.")
                return fhir_response(resources.operation_outcome([issue], code="not-found"), 404)

        wrapped.__name__ = view.__name__
        return wrapped

    return wrap


def _caller(request: HttpRequest, scope: str) -> Caller:
    found = key_caller(request)
    if found is None:
        raise FhirError(
            401,
            "login",
            [("", "send an API key (Authorization: Bearer ad_…) or an access token")],
            WWW_Authenticate='Bearer realm="appealdesk"',
        )
    if scope not in found.scopes:
        raise FhirError(403, "forbidden", [("", f"this key lacks the {scope!r} scope")])
    return found


# -- metadata ---------------------------------------------------------------------------------
@endpoint("GET")
def metadata(request: HttpRequest) -> HttpResponse:
    return fhir_response(capability_statement())


# -- in -----------------------------------------------------------------------------------------
INTAKE_PARAMETERS = {
    "program",
    "received_at",
    "requested",
    "channel",
    "filed_by",
    "create",
    "backdate_reason",
    "_format",
}
PASSED_ON = ("channel", "filed_by")


@endpoint("POST")
def appeal_intake(request: HttpRequest) -> HttpResponse:
    query = request.GET
    create = query.get("create", "false")
    if create not in ("true", "false"):
        raise FhirError(400, "value", [("create", "create is true or false")])
    who = _caller(request, "cases:write" if create == "true" else "assess")
    if create == "true" and not roles.may(who.user, "receive"):
        raise FhirError(403, "forbidden", [("", "your role may not receive cases")])
    unknown = sorted(set(query) - INTAKE_PARAMETERS)
    if unknown:
        raise FhirError(400, "not-supported", [(unknown[0], f"unknown parameter {unknown[0]!r}")])
    program = query.get("program", "")
    if not program:
        raise FhirError(400, "required", [("program", "say which program: ?program=ump")])
    bundle = intake.read_bundle(_json(request))
    extra = {k: query[k] for k in PASSED_ON if query.get(k)}
    try:
        proposal = intake.propose(
            bundle,
            user=who.user,
            program=program,
            received_at=query.get("received_at") or timezone.localtime().isoformat(),
            requested=query.get("requested") or "appeal",
            extra=extra,
        )
        shown = [m for m in (proposal.member, *proposal.candidates) if m is not None]
        log_members(request, shown, "fhir intake member", who.user)
        if create == "false":
            return fhir_response(intake.parameters(proposal))
        case = intake.receive(
            proposal, actor=who.user, backdate_reason=query.get("backdate_reason", "")
        )
    except (InvalidInput, Refused) as exc:
        raise FhirError(422, "processing", [(exc.field or "", str(exc))]) from None
    log_reads(request, [case], "fhir intake", who.user)
    return fhir_response(
        intake.parameters(proposal, case), 201, Location=f"/fhir/r4/Task/{case.number}"
    )


def _json(request: HttpRequest) -> Any:
    kind = request.content_type or ""
    if kind not in (resources.FHIR_JSON, "application/json"):
        raise FhirError(415, "not-supported", [("", "send application/fhir+json")])
    try:
        return json.loads(request.body)
    except RequestDataTooBig:
        raise FhirError(
            413, "too-costly", [("", "the bundle is larger than this server takes")]
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise FhirError(400, "structure", [("", f"not JSON: {exc}"[:200])]) from None


# -- out ----------------------------------------------------------------------------------------
@endpoint("GET")
def task_search(request: HttpRequest) -> HttpResponse:
    who = _caller(request, "cases:read")
    try:
        wanted = search.parse(_pairs(request))
    except search.SearchError as exc:
        raise FhirError(400, "value", [(exc.parameter, exc.message)]) from None
    cases, more = search.page(wanted, who.user)
    log_reads(request, cases, "fhir Task search", who.user)
    base = request.build_absolute_uri(request.path)
    links = [("self", f"{base}?{urlencode(_pairs(request))}")]
    if more:
        following = [*wanted.echo, ("_count", str(wanted.count)), ("_cursor", str(cases[-1].id))]
        links.append(("next", f"{base}?{urlencode(following)}"))
    return fhir_response(
        resources.bundle("searchset", (resources.task(c) for c in cases), links=links)
    )


def _pairs(request: HttpRequest) -> list[tuple[str, str]]:
    return [(name, value) for name, values in request.GET.lists() for value in values]


def _case(request: HttpRequest, number: str, what: str) -> tuple[Caller, Any]:
    who = _caller(request, "cases:read")
    if len(number) > 64 or not number.isprintable():
        raise Http404
    return who, case_for(
        request,
        number,
        what=what,
        queryset=search.task_rows(),
        user=who.user,
    )


@endpoint("GET")
def task_read(request: HttpRequest, number: str) -> HttpResponse:
    _, case = _case(request, number, "fhir Task")
    return fhir_response(resources.task(case), ETag=f'W/"{case.version}"')


@endpoint("GET")
def task_everything(request: HttpRequest, number: str) -> HttpResponse:
    _, case = _case(request, number, "fhir Task $everything")
    found = [resources.task(case)]
    if case.member is not None:
        found.append(resources.patient(case.member))
    letters = Letter.objects.filter(case=case).select_related("document").order_by("pk")
    found.extend(resources.document_reference(case, letter) for letter in letters)
    notices = Event.objects.filter(case=case, action__in=resources.NOTICE_ACTIONS)
    found.extend(resources.communication(case, e) for e in notices.order_by("at", "id"))
    return fhir_response(resources.bundle("searchset", found, total=1, matches=1))


@csrf_exempt
def unknown(request: HttpRequest) -> HttpResponse:
    issue = ("", "No such resource or operation here; see /fhir/r4/metadata.")
    return fhir_response(resources.operation_outcome([issue], code="not-supported"), 404)


urlpatterns = [
    path("metadata", metadata, name="fhir-metadata"),
    path("$appeal-intake", appeal_intake, name="fhir-appeal-intake"),
    path("Task", task_search, name="fhir-task-search"),
    path("Task/<str:number>/$everything", task_everything, name="fhir-task-everything"),
    path("Task/<str:number>", task_read, name="fhir-task"),
    re_path(r"^", unknown),  # after the paths above: anything else is an OperationOutcome
]
