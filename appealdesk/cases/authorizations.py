"""Staff's check of a representative's authorization: approve (the representative may then see
and act for the member) or refuse, with the reason the representative reads.

Events need no case (`Event.case` is nullable), so each step writes one case-less Event
(`authorization.approved`, `.refused`) in the same transaction as the row it changes: the audit
trail of who let whom see a member's cases. The request itself comes from the portal
(`appealdesk.portal.representation`).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from appealdesk.cases import services as sv
from appealdesk.cases.errors import InvalidInput, InvalidTransition
from appealdesk.cases.models import Authorization, Party

log = logging.getLogger(__name__)


def pending_authorizations() -> QuerySet[Authorization]:
    return (
        Authorization.objects.filter(verified_at__isnull=True, refused_at__isnull=True)
        .select_related("member", "representative", "document")
        .order_by("requested_at", "id")
    )


def member_matches(authorization: Authorization) -> list[Party]:
    """Member records with the same identifier: the ones staff may point the authorization at."""
    identifier = authorization.member.subscriber_id
    if not identifier:
        return [authorization.member]
    return list(
        Party.objects.filter(role="member", subscriber_id__iexact=identifier).order_by("id")
    )


def _pending(authorization: Authorization) -> Authorization:
    locked = Authorization.objects.select_for_update().get(pk=authorization.pk)
    if locked.verified_at is not None or locked.refused_at is not None:
        raise InvalidTransition(
            f"authorization {locked.pk} was already "
            f"{'approved' if locked.verified_at else 'refused'}: reload the page"
        )
    return locked


def authorization_approve(
    authorization: Authorization,
    *,
    actor: Any,
    expires_on: dt.date | None = None,
    member: Party | None = None,
    now: dt.datetime | None = None,
) -> Authorization:
    """Staff checked the document: the representative may now see and act for the member.
    `member` re-points the request to another member record with the same identifier (when the
    representative's spelling created a new party)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _pending(authorization)
        if locked.document_id is None:
            # the check is of the signed document: nothing to check, nothing to approve
            raise InvalidInput(
                "there is no signed authorization to check: ask the representative to send it",
                field="document",
            )
        before = {"member": locked.member_id}
        if member is not None and member.pk != locked.member_id:
            if member.pk not in {p.pk for p in member_matches(locked)}:
                raise InvalidInput(
                    "the member record must have the same subscriber ID or claim number as the "
                    "request",
                    field="member",
                )
            locked.member = member
        if expires_on is not None and expires_on < timezone.localdate(now):
            raise InvalidInput("the expiry date is in the past", field="expires_on")
        locked.verified_at, locked.verified_by, locked.expires_on = now, actor, expires_on
        locked.save(update_fields=["member", "verified_at", "verified_by", "expires_on"])
        sv._event(
            None,
            "authorization.approved",
            actor=actor,
            at=now,
            before=before,
            after={
                "authorization": locked.pk,
                "member": locked.member_id,
                "representative": locked.representative_id,
                "expires_on": expires_on,
            },
        )
    log.info("authorization %s approved by %s", locked.pk, sv._label(actor))
    return locked


def authorization_refuse(
    authorization: Authorization, *, actor: Any, reason: str, now: dt.datetime | None = None
) -> Authorization:
    """Staff could not accept the document; the reason is shown to the representative."""
    if not reason.strip():
        raise InvalidInput("say why, in words the representative reads", field="reason")
    now = now or timezone.now()
    with transaction.atomic():
        locked = _pending(authorization)
        locked.refused_at, locked.refused_by = now, actor
        locked.refused_reason = reason.strip()
        locked.save(update_fields=["refused_at", "refused_by", "refused_reason"])
        sv._event(
            None,
            "authorization.refused",
            actor=actor,
            at=now,
            reason=locked.refused_reason,
            after={"authorization": locked.pk, "member": locked.member_id},
        )
    log.info("authorization %s refused by %s", locked.pk, sv._label(actor))
    return locked
