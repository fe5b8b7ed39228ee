"""Acting for someone else: a representative's request to act for a member (staff's check of
it is case work: `appealdesk.cases.authorizations`).

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

from appealdesk.accounts.models import PortalAccount
from appealdesk.cases import services as sv
from appealdesk.cases.authorizations import pending_authorizations
from appealdesk.cases.documents import document_store, files_undone_on_error
from appealdesk.cases.errors import InvalidInput
from appealdesk.cases.models import Authorization, Party
from appealdesk.portal.common import program_named, signature_record

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
