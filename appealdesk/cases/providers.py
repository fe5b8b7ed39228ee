"""The provider of a request taken in at the desk (issue 18, item 7): found by NPI, so that a
provider who has a portal account sees the request on the portal (`access.scope`: a provider
sees the cases whose provider is their account's party)."""

from __future__ import annotations

from dataclasses import dataclass

from appealdesk.accounts.models import PortalAccount
from appealdesk.cases.models import Party


@dataclass(frozen=True)
class ProviderFound:
    party: Party
    # the portal account the case is linked to through the NPI (None: no account has it)
    account: PortalAccount | None


def provider_for_intake(*, name: str, npi: str, phone: str = "", fax: str = "") -> ProviderFound:
    """The party for a provider named at intake, in the caller's transaction (`case_receive`
    follows it and records the case with its provider). With an NPI, the party of the oldest
    provider portal account registered with it (its own details kept; a phone or fax it lacks is
    filled in), else the latest provider party already on file with that NPI, else a new one.
    Without an NPI, always a new party: a name alone does not tell two providers apart."""
    if npi:
        account = (
            PortalAccount.objects.filter(kind=PortalAccount.PROVIDER, npi=npi)
            .select_related("party")
            .order_by("created_at", "pk")
            .first()
        )
        party = (
            account.party
            if account is not None
            else Party.objects.filter(role="provider", npi=npi).order_by("-pk").first()
        )
        if party is not None:
            missing = {
                field: value
                for field, value in (("phone", phone), ("fax", fax), ("npi", npi))
                if value and not getattr(party, field)
            }
            if missing:
                Party.objects.filter(pk=party.pk).update(**missing)
                for field, value in missing.items():
                    setattr(party, field, value)
            return ProviderFound(party, account)
    party = Party.objects.create(role="provider", name=name, npi=npi, phone=phone, fax=fax)
    return ProviderFound(party, None)
