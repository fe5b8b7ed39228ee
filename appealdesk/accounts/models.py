"""Portal accounts: who signs in to the portal, and as whom.

A portal account is a Django user that is never staff, tied to one `Party`: a member, an
authorized representative or a provider. What an account may see is decided in
`appealdesk.access.scope`, in one place, from these rows and the case's parties.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django_otp.models import Device


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


class SsoIdentity(models.Model):
    """A staff user made by single sign-on: the identity provider (OIDC issuer or SAML entity)
    and the person's permanent identifier there (OIDC `sub`, SAML NameID). Sign-ins find the
    user by this pair, never by e-mail or name, so a local account is never taken over by an
    identity provider account of the same name."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identities"
    )
    protocol = models.CharField(max_length=10)  # oidc | saml
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "single sign-on identity"
        verbose_name_plural = "single sign-on identities"
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="one_user_per_sso_subject")
        ]

    def __str__(self) -> str:
        return f"{self.user} = {self.subject} at {self.issuer}"


class SignInEvent(models.Model):
    """One row per staff sign-in and per sign-in refused or session ended by the single sign-on
    rules: how (password, OIDC, SAML, a local administrator's break-glass password while single
    sign-on is on, an API access token's first use), what happened, and why. Append-only by
    use; administrators read it on the desk (/desk/admin/sign-ins/)."""

    PASSWORD, OIDC, SAML, BREAK_GLASS = "password", "oidc", "saml", "break_glass"
    METHODS = [
        (PASSWORD, "password"),
        (OIDC, "OpenID Connect"),
        (SAML, "SAML"),
        (BREAK_GLASS, "break-glass password"),
    ]
    SIGNED_IN, CREATED, REFUSED, ENDED = "signed_in", "created", "refused", "session_ended"
    OUTCOMES = [
        (SIGNED_IN, "signed in"),
        (CREATED, "account created and signed in"),
        (REFUSED, "refused"),
        (ENDED, "session ended"),
    ]

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    method = models.CharField(max_length=20, choices=METHODS)
    outcome = models.CharField(max_length=20, choices=OUTCOMES)
    # the identity provider asserted a second factor (so no local code was asked)
    provider_mfa = models.BooleanField(default=False)
    detail = models.CharField(max_length=300, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.method} {self.outcome}"


class IdentityProviderDevice(Device):
    """The second factor the identity provider checked. django-otp marks a session verified by
    a device; this one stands for the provider's multi-factor assertion at the sign-in, so the
    desk, the admin and the API see one `is_verified()` (django-otp accepts only a confirmed
    device for that). It verifies no code itself (no code is typed for it) and is not an
    authenticator the person enrolled (`mfa.has_authenticator` does not count it): without the
    provider's assertion, the local TOTP rule applies as before."""

    def verify_token(self, token: str) -> bool:
        return False
