"""API clients' keys (only a hash is stored) and the idempotency records of intake."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

SCOPES = {
    "cases:read": "read cases, their clocks, timeline and documents",
    "cases:write": "take requests in, act on cases, upload documents",
    "assess": "assess requests (nothing stored)",
}


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKey(models.Model):
    """A client's key. It acts as `user` (whose roles and teams decide what it may see and
    do, exactly as on the desk), limited further by its scopes. The key itself is shown once,
    when it is made; only its SHA-256 is kept."""

    name = models.CharField(max_length=100, help_text="the client, e.g. 'claims system'")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_keys"
    )
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(
        cls, *, name: str, user: object, scopes: list[str], **fields: object
    ) -> tuple[ApiKey, str]:
        """A new key and its secret text (to show once)."""
        prefix = secrets.token_hex(4)
        key = f"ad_{prefix}_{secrets.token_urlsafe(32)}"
        record = cls.objects.create(
            name=name, user=user, prefix=prefix, digest=digest(key), scopes=scopes, **fields
        )
        return record, key

    def usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class IdempotencyRecord(models.Model):
    """`Idempotency-Key` of a create: the same key and body give the same case, written in the
    same transaction as the case (so a crash keeps both or neither)."""

    owner = models.CharField(max_length=80)  # the key's prefix, or user:<id> for a session
    key = models.CharField(max_length=200)
    body_digest = models.CharField(max_length=64)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="one_case_per_idempotency_key")
        ]
