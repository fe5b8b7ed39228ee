"""The access log in the Django admin: read-only, searchable by user and case."""

from __future__ import annotations

from django.contrib import admin

from appealdesk.cases.admin import ReadOnly
from appealdesk.desk.models import AccessLog


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnly):
    list_display = ("at", "username", "case_number", "what", "allowed", "ip")
    list_filter = ("allowed", "what")
    search_fields = ("username", "case_number")
    date_hierarchy = "at"
