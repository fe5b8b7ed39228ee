"""What a portal account may see: one rule, used by every portal page and action.

* a member: the cases whose member is their party;
* anyone with a representative's authorization that staff verified (not refused, not expired):
  the cases of the member it names — nothing before staff checked the document;
* a provider: the cases on which they are the provider (their party is theirs alone, so these
  are the cases they filed, or that staff linked to them).

Anything else answers 404, exactly like a case that does not exist, and the attempt is written
to the access log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from appealdesk.access.log import log_access
from appealdesk.access.tables import case_table

# the kinds of portal account (the `filed_by` values of the policy vocabulary)
MEMBER, REPRESENTATIVE, PROVIDER = "member", "authorized_rep", "provider"


def account_of(request: HttpRequest) -> Any:
    """The signed-in portal account (the middleware has made sure there is one)."""
    account = request.portal_account  # type: ignore[attr-defined]
    return account


def in_force(today: dt.date | None = None) -> QuerySet[Any]:
    """Authorizations that count: verified by staff, not refused, not expired."""
    today = today or timezone.localdate()
    return (
        case_table("Authorization")
        .objects.filter(verified_at__isnull=False, refused_at__isnull=True)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
    )


def authorizations(account: Any, today: dt.date | None = None) -> QuerySet[Any]:
    """The account's authorizations in force, to act for a member."""
    return in_force(today).filter(representative_id=account.party_id)


def represented_members(account: Any) -> QuerySet[Any]:
    return (
        case_table("Party")
        .objects.filter(id__in=authorizations(account).values("member_id"))
        .order_by("name")
    )


def visible_cases(account: Any) -> QuerySet[Any]:
    if account.kind == PROVIDER:
        return case_table("Case").objects.filter(provider_id=account.party_id)
    rule = Q(member_id__in=authorizations(account).values("member_id"))
    if account.kind == MEMBER:
        rule |= Q(member_id=account.party_id)
    return case_table("Case").objects.filter(rule)


def may_act_for(account: Any, member: Any) -> bool:
    """May the account file for (or answer on behalf of) this member?"""
    if member is None:
        return False
    if account.kind == MEMBER and member.pk == account.party_id:
        return True
    return authorizations(account).filter(member_id=member.pk).exists()


def case_for(request: HttpRequest, number: str, *, what: str) -> Any:
    """The case if the signed-in account may see it (the look is logged); otherwise 404 and the
    refused attempt is logged, whether or not the case exists."""
    account = account_of(request)
    if "\x00" in number:  # no case number holds a NUL (and PostgreSQL would refuse the query)
        log_access(request, number, None, f"portal {what} (refused)", False)
        raise Http404("No such case, or not one of yours.")
    case = (
        visible_cases(account)
        .select_related("member", "representative", "provider", "prior")
        .filter(number=number)
        .first()
    )
    if case is None:
        real = case_table("Case").objects.filter(number=number).first()
        log_access(request, number, real, f"portal {what} (refused)", False)
        raise Http404("No such case, or not one of yours.")
    log_access(request, number, case, f"portal {what}", True)
    return case


def on_behalf(account: Any) -> dict[str, Any]:
    """Who the account files as: `filed_by` for assess and the parties for `case_receive`."""
    if account.kind == PROVIDER:
        return {"filed_by": "provider", "provider": account.party}
    if account.kind == REPRESENTATIVE:
        return {"filed_by": "authorized_rep", "representative": account.party}
    return {"filed_by": "member", "member": account.party}
