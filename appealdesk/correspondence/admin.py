"""Letters and their template versions, read-only: templates are edited on the desk
(Administration → Letter templates), where a save is a new version."""

from __future__ import annotations

from django.contrib import admin

from appealdesk.cases.admin import ReadOnly
from appealdesk.correspondence.models import Letter, LetterTemplate


@admin.register(LetterTemplate)
class LetterTemplateAdmin(ReadOnly):
    list_display = ("program", "kind", "version", "created_at", "created_by", "note")
    list_filter = ("program", "kind")


@admin.register(Letter)
class LetterAdmin(ReadOnly):
    list_display = ("case", "kind", "subject", "status", "rendered_at", "sent_at", "mailed_at")
    list_filter = ("kind", "status")
    search_fields = ("case__number",)
    raw_id_fields = ("case", "document", "party", "template")
