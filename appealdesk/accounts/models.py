"""Portal accounts: who signs in to the portal, and as whom.

A portal account is a Django user that is never staff, tied to one `Party`: a member, an
authorized representative or a provider. What an account may see is decided in
`appealdesk.access.scope`, in one place, from these rows and the case's parties.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class PortalAccount(models.Model):
    MEMBER, REPRESENTATIVE, PROVIDER = "member", "authorized_rep", "provider"
    KINDS = [
        (MEMBER, "member"),
        (REPRESENTATIVE, "authorized representative"),
        (PROVIDER, "provider"),
    ]

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal"
    )
    kind = models.CharField(max_length=20, choices=KINDS)
    party = models.ForeignKey(
        "cases.Party", on_delete=models.PROTECT, related_name="portal_accounts"
    )
    email_verified_at = models.DateTimeField(null=True, blank=True)
    # providers: the National Provider Identifier and practice, as they gave them
    npi = models.CharField(max_length=10, blank=True)
    organization = models.CharField(max_length=200, blank=True)
    # staff confirmed that this account's party is the member on the plan's records (a member
    # who registers sees only what they filed online until then)
    linked_at = models.DateTimeField(null=True, blank=True)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "portal_portalaccount"  # created by the portal app before accounts existed

    def __str__(self) -> str:
        return f"{self.user.email} ({self.get_kind_display()})"

    @property
    def verified(self) -> bool:
        return self.email_verified_at is not None


class MailQuota(models.Model):
    """How many e-mails one address, or one source address, asked the portal to send in the
    current window (registration, password reset, the confirmation link again): the limit in
    `mail_limit.py`. Addresses are kept as keyed hashes, never in clear."""

    key = models.CharField(max_length=100, unique=True)
    window_start = models.DateTimeField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.count} since {self.window_start:%Y-%m-%d %H:%M}"
