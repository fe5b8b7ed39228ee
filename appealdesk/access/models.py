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


class AccessArchive(models.Model):
    """A month of the access log written to a compressed JSON-lines file in the document storage
    (`appealdesk audit archive`), with its manifest: the manifest's SHA-256 is chained to the
    previous archived month's, so a file edited, removed or replaced breaks the chain
    (`appealdesk audit verify`). A month is pruned from the database only once archived and
    verified; its looks are then read from the file (docs/audit.md)."""

    month = models.DateField(unique=True)  # the first day of the month, in UTC
    rows = models.BigIntegerField()
    file_name = models.CharField(max_length=200)
    manifest_name = models.CharField(max_length=200)
    file_sha256 = models.CharField(max_length=64)  # of the compressed file's bytes
    lines_sha256 = models.CharField(max_length=64)  # of the JSON lines, as the database gives them
    previous_sha256 = models.CharField(max_length=64, blank=True)  # the previous month's manifest
    manifest_sha256 = models.CharField(max_length=64)
    archived_at = models.DateTimeField()
    verified_at = models.DateTimeField(null=True, blank=True)
    pruned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["month"]

    def __str__(self) -> str:
        state = "pruned" if self.pruned_at else "archived"
        return f"{self.month:%Y-%m} {state} ({self.rows} rows)"


class AccessReview(models.Model):
    """The weekly report of unusual access for the privacy officers (`access.review`): one row
    a week — the unique week makes two workers' runs one report — with what it found."""

    week = models.DateField(unique=True)  # the Monday the week starts (UTC)
    findings = models.JSONField(default=list)
    created_at = models.DateTimeField()
    notified = models.PositiveIntegerField(default=0)  # privacy officers e-mailed

    class Meta:
        ordering = ["-week"]

    def __str__(self) -> str:
        return f"week of {self.week}: {len(self.findings)} findings"
