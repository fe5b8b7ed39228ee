"""Portal accounts: registration, the address-confirmation link, and the e-mails they send.

A person registers as a member, an authorized representative or a provider; the account is a
Django user (never staff) whose username is the e-mail address, with its own `Party`. The
account works once the address is confirmed through a signed, time-limited link. Registering an
address that already has an account tells nobody so on the page (that would let anyone test
who has an account); the address's owner gets an e-mail instead.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from appealdesk.accounts.models import PortalAccount
from appealdesk.accounts.tasks import send_portal_email
from appealdesk.cases.models import Party
from appealdesk.cases.services import language_of

SALT = "appealdesk.portal.verify"


def normalise_email(address: str) -> str:
    return address.strip().lower()


def verification_token(user: Any) -> str:
    return signing.dumps({"u": user.pk, "e": user.email}, salt=SALT)


def verification_link(user: Any) -> str:
    return settings.SITE_URL + reverse("portal:verify", args=[verification_token(user)])


def check_token(token: str) -> Any | None:
    """The user the link was made for, if it is genuine, recent and still for their address."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.PORTAL_VERIFY_DAYS * 86400)
    except signing.BadSignature:
        return None
    user = get_user_model().objects.filter(pk=data.get("u")).first()
    if user is None or user.email != data.get("e") or not hasattr(user, "portal"):
        return None
    return user


def account_register(
    *,
    kind: str,
    name: str,
    email: str,
    password: str,
    subscriber_id: str = "",
    phone: str = "",
    npi: str = "",
    organization: str = "",
) -> PortalAccount | None:
    """Make the account and its party and send the confirmation link; None (and an e-mail to
    the owner of the address) when the address already has an account.

    Both paths do the same costly work, so the time of the answer does not tell whether the
    address has an account (issue 15, item 4: it was ~24 ms against ~350 ms): the password is
    hashed once (Argon2, the bulk of the time) and one e-mail is queued, on either path."""
    email = normalise_email(email)
    users = get_user_model()
    hashed = make_password(password)
    if users.objects.filter(username=email).exists():
        send_portal_email.enqueue(
            email,
            _("Someone tried to register this address"),
            _(
                "Someone tried to open a portal account with this e-mail address, which "
                "already has one. If it was you, sign in or reset your password at %(url)s. "
                "If it was not you, you can ignore this message."
            )
            % {"url": settings.SITE_URL + reverse("portal:login")},
        )
        return None
    with transaction.atomic():
        # no password here: create_user would hash it a second time; the hash made above
        user = users.objects.create_user(username=email, email=email, password=None)
        user.password = hashed
        user.first_name = name[:150]
        user.save(update_fields=["password", "first_name"])
        party = Party.objects.create(
            role=kind,
            name=name,
            subscriber_name=name if kind == PortalAccount.MEMBER else "",
            subscriber_id=subscriber_id.strip().upper(),
            email=email,
            phone=phone,
            # letters in the language the person registered in (the portal's choice)
            language=language_of(get_language()),
        )
        account = PortalAccount.objects.create(
            user=user, kind=kind, party=party, npi=npi, organization=organization
        )
        transaction.on_commit(lambda: send_verification(user))
    return account


def send_verification(user: Any) -> None:
    send_portal_email.enqueue(
        user.email,
        _("Confirm your e-mail address"),
        _(
            "Welcome to the appeals and complaints portal. Open this link to confirm your "
            "e-mail address (it works for %(days)s days):\n\n%(link)s\n\n"
            "If you did not ask for an account, ignore this message."
        )
        % {"days": settings.PORTAL_VERIFY_DAYS, "link": verification_link(user)},
    )


def account_verify(user: Any) -> PortalAccount:
    account: PortalAccount = user.portal
    if account.email_verified_at is None:
        account.email_verified_at = timezone.now()
        account.save(update_fields=["email_verified_at"])
    return account
