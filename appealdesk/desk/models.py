"""The desk's own records: who looked at which case (SPEC 8: every read of a case's PHI)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AccessLog(models.Model):
    """One row per view of a case, and per refused attempt to open one. Append-only by use:
    nothing in the product updates or deletes it (the admin shows it read-only)."""

    at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    username = models.CharField(max_length=150)
    # the number asked for, kept even when no such case exists or the user may not see it
    case_number = models.CharField(max_length=60)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    what = models.CharField(max_length=40)  # case page, document, denied…
    allowed = models.BooleanField()
    path = models.CharField(max_length=300)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["case", "at"], name="access_case_at"),
            models.Index(fields=["user", "at"], name="access_user_at"),
        ]

    def __str__(self) -> str:
        verdict = "viewed" if self.allowed else "refused"
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {verdict} {self.case_number}"
