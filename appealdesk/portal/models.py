"""The portal's own records: who signs in (and as whom), what they signed, what they asked for.

A portal account is a Django user that is never staff, tied to one `Party`: a member, an
authorized representative or a provider. What an account may see is decided in `scope.py`, in
one place, from these rows and the case's parties.
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

    def __str__(self) -> str:
        return f"{self.user.email} ({self.get_kind_display()})"

    @property
    def verified(self) -> bool:
        return self.email_verified_at is not None


class Signature(models.Model):
    """An electronic signature, kept as evidence: the typed name, the box ticked, when (UTC and
    the program's local date), from where, and a SHA-256 of exactly what was signed."""

    PURPOSES = [
        ("filing", "filing"),
        ("information", "information sent"),
        ("extension_consent", "extension consent"),
        ("extension_refusal", "extension refused"),
        ("authorization", "authorization request"),
        ("attestation", "clinical attestation"),
    ]
    account = models.ForeignKey(PortalAccount, on_delete=models.PROTECT, related_name="signatures")
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(max_length=30, choices=PURPOSES)
    typed_name = models.CharField(max_length=200)
    agreed = models.BooleanField()
    statement = models.TextField()  # the words next to the box the signer ticked
    signed_at = models.DateTimeField()
    date_signed = models.DateField()  # the signer's local date (the program's zone)
    content = models.JSONField(default=dict)  # what was signed, as submitted
    sha256 = models.CharField(max_length=64)  # of the canonical JSON of content + statement
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["case", "signed_at"], name="signature_case")]

    def __str__(self) -> str:
        return f"{self.typed_name} {self.purpose} {self.signed_at:%Y-%m-%d %H:%M}"


class ExtensionConsentRequest(models.Model):
    """Staff ask the member for written permission to go past a deadline (UMP appeals past 30
    days); the member gives or refuses it online. Giving it stores a signed consent document
    and extends the clock through `clock_extend`."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    clock = models.ForeignKey("cases.Clock", on_delete=models.PROTECT, related_name="+")
    new_due_at = models.DateTimeField()
    reason = models.TextField()  # why more time is needed, in words the member reads
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    answer = models.CharField(
        max_length=10, blank=True, choices=[("given", "given"), ("refused", "refused")]
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    signature = models.ForeignKey(
        Signature, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    consent_document = models.ForeignKey(
        "cases.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["case", "requested_at"], name="consent_request_case")]


class CaseFileRequest(models.Model):
    """A request for the free copy of the case file (UMP: copies of relevant documents are
    free on request); staff send the packet and record it as fulfilled."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(PortalAccount, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    fulfilled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["case", "requested_at"], name="file_request_case")]


class MailQuota(models.Model):
    """How many e-mails one address, or one source address, asked the portal to send in the
    current window (registration, password reset, the confirmation link again): the limit in
    `mail_limit.py`. Addresses are kept as keyed hashes, never in clear."""

    key = models.CharField(max_length=100, unique=True)
    window_start = models.DateTimeField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.count} since {self.window_start:%Y-%m-%d %H:%M}"
