"""Finding a case for a user, and writing every look at one to the access log."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest

from appealdesk.cases.models import Case
from appealdesk.desk import roles
from appealdesk.desk.models import AccessLog


def _entry(
    request: HttpRequest, user: Any, number: str, case: Case | None, what: str, ok: bool
) -> AccessLog:
    return AccessLog(
        user=user if user.is_authenticated else None,
        username=user.get_username() if user.is_authenticated else "",
        case_number=number.replace("\x00", "")[:60],  # PostgreSQL text holds no NUL
        case=case,
        what=what[:40],
        allowed=ok,
        path=request.get_full_path()[:300],
        ip=request.META.get("REMOTE_ADDR") or None,
    )


def log_access(
    request: HttpRequest, number: str, case: Case | None, what: str, ok: bool, user: Any = None
) -> None:
    _entry(request, user or request.user, number, case, what, ok).save()


def log_reads(request: HttpRequest, cases: Any, what: str, user: Any = None) -> None:
    """One row per case a list showed (a search, an API page), in one statement."""
    who = user or request.user
    AccessLog.objects.bulk_create([_entry(request, who, c.number, c, what, True) for c in cases])


def case_for(
    request: HttpRequest, number: str, *, what: str, queryset: Any = None, user: Any = None
) -> Case:
    """The case if the user (the signed-in one, or an API key's) may see it — the look is
    logged —; otherwise 404, and the refused attempt is logged too. Never 403: that would
    confirm the case exists."""
    user = user or request.user
    base = queryset if queryset is not None else Case.objects.all()
    case = None if "\x00" in number else base.filter(number=number).first()
    if case is None or not roles.can_see(user, case):
        log_access(request, number, case, f"{what} (refused)", False, user)
        raise Http404("No such case, or not one of yours.")
    log_access(request, number, case, what, True, user)
    return case
