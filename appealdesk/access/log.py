"""Finding a case for a user, and writing every look at one to the access log: a case page
is one row; a page that shows many cases or members (a worklist page, a search, a drill-down, an
API list) is one row naming them all — every PHI read is logged, without a write per case."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404, HttpRequest

from appealdesk.access import roles
from appealdesk.access.models import AccessLog
from appealdesk.access.tables import case_table


def _entry(
    request: HttpRequest,
    user: Any,
    number: str,
    case: Any,
    what: str,
    ok: bool,
    *,
    case_ids: list[int] | None = None,
    member_ids: list[int] | None = None,
) -> AccessLog:
    return AccessLog(
        user=user if user.is_authenticated else None,
        username=user.get_username() if user.is_authenticated else "",
        case_number=number.replace("\x00", "")[:60],  # PostgreSQL text holds no NUL
        case=case,
        case_ids=case_ids or [],
        member_ids=member_ids or [],
        what=what[:40],
        allowed=ok,
        path=request.get_full_path()[:300],
        ip=request.META.get("REMOTE_ADDR") or None,
    )


def log_access(
    request: HttpRequest,
    number: str,
    case: Any,
    what: str,
    ok: bool,
    user: Any = None,
    *,
    member_ids: list[int] | None = None,
) -> None:
    _entry(request, user or request.user, number, case, what, ok, member_ids=member_ids).save()


def log_reads(request: HttpRequest, cases: Iterable[Any], what: str, user: Any = None) -> None:
    """A page that showed these cases (objects or rows with `id`/`pk`, `number` and `member_id`):
    one row naming them all and their members. A page that showed none writes nothing."""
    shown = list(cases)
    if not shown:
        return
    ids = [_id(c) for c in shown]
    members = _members(shown, ids)
    one = shown[0] if len(shown) == 1 else None
    number = str(_get(one, "number") or "") if one is not None else f"{len(shown)} cases"
    entry = _entry(
        request, user or request.user, number, None, what, True, case_ids=ids, member_ids=members
    )
    entry.case_id = ids[0] if one is not None else None
    entry.save()


def _members(shown: list[Any], ids: list[int]) -> list[int]:
    """The members of the cases shown: from the rows, or — for rows that do not carry their
    case's member (a report's drill-down names id and number) — one indexed look-up. Every list
    row names its members, so "who looked at this member" finds it by `member_ids` alone."""
    found = {_get(c, "member_id") for c in shown if _has(c, "member_id")}
    unknown = [i for c, i in zip(shown, ids, strict=True) if not _has(c, "member_id")]
    if unknown:
        cases = case_table("Case").objects.filter(pk__in=unknown)
        found.update(cases.values_list("member_id", flat=True))
    return sorted(m for m in found if m is not None)


def log_members(request: HttpRequest, members: Iterable[Any], what: str, user: Any = None) -> None:
    """A page that showed members' names or identifiers without a case (a member search, the
    member chosen at intake): one row naming them. Nothing shown, nothing written."""
    ids = sorted({_id(m) for m in members})
    if ids:
        who = user or request.user
        _entry(request, who, "", None, what, True, member_ids=ids).save()


def _has(row: Any, name: str) -> bool:
    return name in row if isinstance(row, dict) else hasattr(row, name)


def _get(row: Any, name: str) -> Any:
    return row.get(name) if isinstance(row, dict) else getattr(row, name, None)


def _id(row: Any) -> int:
    value = _get(row, "id") if _get(row, "id") is not None else _get(row, "pk")
    return int(value)


def _hits(rows: QuerySet[AccessLog], column: str, values: list[int]) -> tuple[Any, Q]:
    """The rows and the filter of those whose JSON list `column` holds any of `values`:
    containment on PostgreSQL (GIN-indexed); on SQLite, json_each of each row."""
    if connection.vendor == "postgresql":
        hit = Q()
        for value in values:
            hit |= Q(**{f"{column}__contains": [value]})
        return rows, hit
    table = connection.ops.quote_name(AccessLog._meta.db_table)
    marks = ", ".join(["%s"] * len(values))
    listed = RawSQL(
        f"EXISTS (SELECT 1 FROM json_each({table}.{column}) WHERE json_each.value IN ({marks}))",
        tuple(values),
        output_field=BooleanField(),
    )
    return rows.alias(**{f"listed_{column}": listed}), Q(**{f"listed_{column}": True})


def _listing(column: str, value: int, also: Q | None = None) -> QuerySet[AccessLog]:
    """Rows whose JSON list `column` holds `value` (or that match `also`); on SQLite read newest
    first."""
    rows, hit = _hits(AccessLog.objects.all(), column, [value])
    return rows.filter(hit | also if also is not None else hit)


def looks_at_case(case_id: int) -> QuerySet[AccessLog]:
    """Every look at a case: its own page and documents, and every list that showed it."""
    return _listing("case_ids", case_id, also=Q(case_id=case_id))


def looks_at_member(member_id: int) -> QuerySet[AccessLog]:
    """Every look at a member's details in a list or search (the looks at their cases are
    `looks_at_case` of each)."""
    return _listing("member_ids", member_id)


def looks_at_member_and_cases(member_id: int, case_ids: list[int]) -> QuerySet[AccessLog]:
    """Every look at a member: their details, their cases' pages and documents, and every list
    that showed them or one of their cases (the privacy officer's accounting). A list names the
    members of its cases (`log_reads`), so one containment finds the lists: a containment per
    case as well made PostgreSQL plan six index scans on each of 76 partitions (200 ms)."""
    rows, hit = _hits(AccessLog.objects.all(), "member_ids", [member_id])
    return rows.filter(hit | Q(case_id__in=case_ids) if case_ids else hit)


def case_for(
    request: HttpRequest, number: str, *, what: str, queryset: Any = None, user: Any = None
) -> Any:
    """The case if the user (the signed-in one, or an API key's) may see it — the look is
    logged —; otherwise 404, and the refused attempt is logged too. Never 403: that would
    confirm the case exists."""
    user = user or request.user
    base = queryset if queryset is not None else case_table("Case").objects.all()
    case = None if "\x00" in number else base.filter(number=number).first()
    if case is None or not roles.can_see(user, case):
        log_access(request, number, case, f"{what} (refused)", False, user)
        raise Http404("No such case, or not one of yours.")
    log_access(request, number, case, what, True, user)
    return case
