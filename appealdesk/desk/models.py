"""The desk's own rows: a person's saved worklist views (their preferences, not case data)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SavedView(models.Model):
    """A worklist tab with its filters, under a name, for one person (issue 18)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=500)  # the worklist's query string, without a cursor
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_view_name_per_owner")
        ]

    def __str__(self) -> str:
        return f"{self.owner_id}: {self.name}"
