"""The answer to an intake (`POST /api/v1/cases`) built from the rows just written (issue 22.1).

Reading the new case back with CASE_QUERY (the case, its parties and clocks, eight annotated
names) cost a third of an API intake, mostly the ORM compiling that query. Everything it
returned is already in memory after `case_receive`: the case and its clocks as saved, the
parties as given or read. Only the names of rows the intake did not load (the team, a duplicate
or the matter's first case) are read, in one short statement, and only when there are some.
tests/api/test_created.py checks the answer equals the one read back, field by field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse

from appealdesk.api.common import answer, case_out, staff_caller, with_etag
from appealdesk.api.schemas import CaseOut
from appealdesk.cases import packs
from appealdesk.cases.models import Case, Clock


def _names(case: Case) -> dict[str, str | None]:
    """The team's name, the duplicate's number, the matter's number: one statement, none if the
    case names no team, no duplicate and is its own matter (a first appeal)."""
    matter = None if case.matter_id == case.pk else case.matter_id
    found: tuple[str | None, ...] = (None, None, None)
    if case.team_id is not None or case.duplicate_of_id is not None or matter is not None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT (SELECT name FROM cases_team WHERE id = %s), "
                "(SELECT number FROM cases_case WHERE id = %s), "
                "(SELECT number FROM cases_case WHERE id = %s)",
                [case.team_id, case.duplicate_of_id, matter],
            )
            found = cursor.fetchone()
    return {
        "team_name": found[0],
        "duplicate_of_number": found[1],
        "matter_number": case.number if matter is None else found[2],
    }


def _utc(value: Any) -> Any:
    """As the database gives it back: an instant in UTC (the request's offset is not kept)."""
    return value.astimezone(dt.UTC) if isinstance(value, dt.datetime) else value


def created_out(case: Case, clocks: list[Clock], *, staff: bool) -> dict[str, Any]:
    """`case_out` of a case `case_receive` has just written (its instance and clocks)."""
    names = {
        **_names(case),
        "pack_version": packs.program_of(case.pack_id).pack.version,
        "owner_name": case.owner.get_username() if case.owner_id else None,
        "reviewer_name": case.reviewer.get_username() if case.reviewer_id else None,
        "decided_by_name": case.decided_by.get_username() if case.decided_by_id else None,
        "prior_number": case.prior.number if case.prior_id else None,
    }
    for name, value in names.items():  # what CASE_QUERY annotates
        setattr(case, name, value)
    found = case_out(case, staff=staff, clocks=sorted(clocks, key=lambda c: c.pk))
    found["clocks"] = [{k: _utc(v) for k, v in c.items()} for c in found["clocks"]]
    return {k: _utc(v) for k, v in found.items()}


def respond_created(request: HttpRequest, case: Case) -> HttpResponse:
    """201 with the new case, its ETag and Location, from the rows just written."""
    clocks: list[Clock] | None = getattr(case, "written_clocks", None)
    if clocks is None:  # not fresh from case_receive: read it back as every other answer
        from appealdesk.api.common import respond

        return respond(request, case, 201)
    body = created_out(case, clocks, staff=staff_caller(request))
    response = answer(request, CaseOut, body, 201)
    response["Location"] = f"/api/v1/cases/{case.number}"
    return with_etag(response, case)
