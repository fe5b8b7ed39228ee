"""E-mails that tell portal users to look at their request: a question waiting for them, or a
decision. They say only that there is something to read, with the link — never health details
(an e-mail is not a safe place for them); the portal shows the rest after signing in.

They follow the core's domain events (`appealdesk.cases.events`): when a service writes one of
the events below, the people who may read the case on the portal are told once the transaction
commits. No service knows about the portal; the portal subscribes."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from appealdesk.accounts.models import PortalAccount
from appealdesk.accounts.tasks import send_portal_email
from appealdesk.cases import events
from appealdesk.cases.models import Case, Event

QUESTION = (
    gettext_noop("A question about your request %(number)s"),
    gettext_noop(
        "We have asked you a question about your request %(number)s. Sign in to the portal to "
        "read it and answer:\n\n%(link)s"
    ),
)
NEWS = (
    gettext_noop("News about your request %(number)s"),
    gettext_noop(
        "There is news about your request %(number)s. Sign in to the portal to read it:\n\n%(link)s"
    ),
)
# the events that have something to read or answer, and whether the provider is told too
# (consent to more time is the member's or the representative's to give)
TOLD = {
    "case.information_requested": (*QUESTION, True),
    "consent.requested": (*QUESTION, False),
    "notice.decision": (*NEWS, True),
    "case.dismissed": (*NEWS, True),
}


def readers(case: Case, *, provider: bool = True) -> list[PortalAccount]:
    """Who may read the case on the portal: the member's accounts, verified representatives'
    and (`provider`) the provider's."""
    from appealdesk.portal.status import answerers

    found = {a.pk: a for a in answerers(case)}
    if provider and case.provider_id:
        for account in PortalAccount.objects.filter(
            party_id=case.provider_id, email_verified_at__isnull=False
        ).select_related("user"):
            found[account.pk] = account
    return list(found.values())


def tell(case_id: int, action: str) -> None:
    case = Case.objects.filter(pk=case_id).first()
    if case is None or action not in TOLD:
        return
    subject, body, provider = TOLD[action]
    link = settings.SITE_URL + reverse("portal:case", args=[case.number])
    for account in readers(case, provider=provider):
        words = {"number": case.number, "link": link}
        send_portal_email.enqueue(account.user.email, _(subject) % words, _(body) % words)


def on_case_events(published: Sequence[events.DomainEvent]) -> None:
    for event in published:
        if isinstance(event, Event) and event.case_id and event.action in TOLD:
            case_id, action = event.case_id, event.action
            # an e-mail that fails is retried by the queue; it never undoes the case change
            transaction.on_commit(lambda c=case_id, a=action: tell(c, a), robust=True)


def connect() -> None:
    events.subscribe(on_case_events)
