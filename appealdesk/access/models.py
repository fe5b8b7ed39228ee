"""The access log: who looked at which case (SPEC 8: every read of a case's PHI)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AccessLog(models.Model):
    """One row per look: a case page, a document, a refused attempt to open a case, or a page
    that showed several cases or members (a worklist page, a search, a drill-down, an API list)
    — that page is one row naming every case (`case_ids`) and member (`member_ids`) it showed.
    Append-only by use: nothing in the product updates or deletes it (the admin shows it
    read-only)."""

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
    # a page that showed several cases or members names them all (one row per look, not per case)
    case_ids = models.JSONField(default=list, blank=True)
    member_ids = models.JSONField(default=list, blank=True)
    what = models.CharField(max_length=40)  # case page, document, worklist, denied…
    allowed = models.BooleanField()
    path = models.CharField(max_length=300)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        db_table = "desk_accesslog"  # created by the desk app before the access app existed
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["case", "at"], name="access_case_at"),
            models.Index(fields=["user", "at"], name="access_user_at"),
            models.Index(fields=["at"], name="access_at"),
        ]

    def __str__(self) -> str:
        verdict = "viewed" if self.allowed else "refused"
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {verdict} {self.case_number}"
