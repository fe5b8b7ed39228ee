"""Acting for someone else: a representative's request to act for a member, and staff's check.

A representative (or a member acting for a relative) asks on the portal, with the member's
signed authorization document and an e-signature. The request names a member party: the one on
record with the same identifier and name, or a new one. Until staff approve it, the scope rule
(`scope.authorizations`) gives the representative nothing of that member.

Events need no case (`Event.case` is nullable), so each step here writes one case-less Event
(`authorization.requested`, `.approved`, `.refused`) in the same transaction as the row it
changes: the audit trail of who let whom see a member's cases.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from appealdesk.cases import services as sv
from appealdesk.cases.documents import document_store, files_undone_on_error
from appealdesk.cases.errors import InvalidInput, InvalidTransition
from appealdesk.cases.models import Authorization, Party
from appealdesk.portal.common import program_named, signature_record
from appealdesk.portal.models import PortalAccount

log = logging.getLogger(__name__)


def program_of_identifier(identifier: str) -> str:
    # seed (UMP): "The subscriber's ID number (starting with a "W" on your ID card)"; anything
    # else is a Genex workers' compensation claim number
    return "ump" if identifier.strip().upper().startswith("W") else "genex-ur"


def member_party_for(*, name: str, identifier: str, **details: str) -> Party:
    """The member on record with this identifier (UMP subscriber ID or Genex claim number) AND
    this name, ignoring case; otherwise a new member party. Nothing tells the person which one
    it was: a match must not confirm that someone is on the plan.

    Only records the plan vouches for match: ones staff made (intake, the API) or linked to a
    portal account after checking. A record someone made for themselves by registering on the
    portal never does — anyone can type a name and an ID at registration, and matching such a
    record would hand another member's case to whoever registered first."""
    name, identifier = name.strip(), identifier.strip().upper()
    vouched = Q(portal_accounts__isnull=True) | Q(portal_accounts__linked_at__isnull=False)
    found = (
        Party.objects.filter(role="member", subscriber_id__iexact=identifier, name__iexact=name)
        .filter(vouched)
        .order_by("id")
        .first()
    )
    if found is not None:
        return found
    return Party.objects.create(
        role="member",
        name=name,
        subscriber_id=identifier,
        subscriber_name=details.get("subscriber_name") or name,
        patient_name=details.get("patient_name", ""),
        phone=details.get("phone", ""),
        address=details.get("address", ""),
    )


# -- the representative's request -------------------------------------------------------------
# stored in English as signed evidence; shown translated (gettext_noop marks it for the catalogue)
AUTHORIZATION_STATEMENT = gettext_noop(
    "I ask to act for the person named above. The document I uploaded is their signed "
    "authorization, and what I typed is true. Typing my name and ticking this box is my signature."
)


def authorization_request(
    *,
    account: PortalAccount,
    member_name: str,
    identifier: str,
    relationship: str,
    upload: Any,
    typed_name: str,
    http: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> Authorization:
    """Store the signed authorization document and ask staff to check it (unverified)."""
    if account.kind == PortalAccount.PROVIDER:
        raise InvalidInput(_("Providers do not act as representatives here."), field="kind")
    now = now or timezone.now()
    actor = account.user
    with files_undone_on_error(), transaction.atomic():
        document = document_store(upload, kind="authorization", case=None, actor=actor)
        member = member_party_for(name=member_name, identifier=identifier)
        if member.pk == account.party_id:
            raise InvalidInput(_("You cannot ask to act for yourself."), field="member_name")
        if pending_authorizations().filter(member=member, representative=account.party).exists():
            raise InvalidInput(
                _("You already asked to act for this person; our staff are checking it."),
                field="member_name",
            )
        authorization = Authorization.objects.create(
            member=member, representative=account.party, document=document, requested_at=now
        )
        content = {
            "authorization": authorization.pk,
            "member_name": member_name.strip(),
            "identifier": identifier.strip().upper(),
            "relationship": relationship.strip(),
            "document_sha256": document.sha256,
        }
        signature_record(
            account=account,
            case=None,
            purpose="authorization",
            typed_name=typed_name,
            statement=AUTHORIZATION_STATEMENT,
            content=content,
            program=program_named(program_of_identifier(identifier), now.date()),
            meta=http.META if http is not None else None,
            now=now,
        )
        sv._event(None, "authorization.requested", actor=actor, at=now, after=content)
    log.info("authorization %s requested by party %s", authorization.pk, account.party_id)
    return authorization


def authorization_status(authorization: Authorization, today: dt.date | None = None) -> str:
    """pending | approved | refused | expired."""
    today = today or timezone.localdate()
    if authorization.refused_at is not None:
        return "refused"
    if authorization.verified_at is None:
        return "pending"
    if authorization.expires_on is not None and authorization.expires_on < today:
        return "expired"
    return "approved"


def authorizations_of(account: PortalAccount) -> QuerySet[Authorization]:
    """Every authorization the account asked for or holds, newest first (for their own list)."""
    return (
        Authorization.objects.filter(representative_id=account.party_id)
        .select_related("member")
        .order_by("-requested_at", "-id")
    )


# -- staff's check (the desk) -------------------------------------------------------------------
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
