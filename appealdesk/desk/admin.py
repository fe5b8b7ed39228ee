"""The access log in the Django admin: read-only, searchable by user and case."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from appealdesk.cases.admin import CaseAdmin, ReadOnly
from appealdesk.cases.models import Case
from appealdesk.desk.access import log_access
from appealdesk.desk.models import AccessLog
from appealdesk.desk.roles import as_int


class LoggedCaseAdmin(CaseAdmin):
    """The Django admin's case page is a read of the case too: it is logged like the desk's."""

    def change_view(self, request: Any, object_id: str, *args: Any, **kwargs: Any) -> Any:
        case = Case.objects.filter(pk=as_int(object_id) or 0).first()
        log_access(request, case.number if case else str(object_id), case, "admin case", True)
        return super().change_view(request, object_id, *args, **kwargs)


admin.site.unregister(Case)
admin.site.register(Case, LoggedCaseAdmin)


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnly):
    list_display = ("at", "username", "case_number", "what", "allowed", "ip")
    list_filter = ("allowed", "what")
    search_fields = ("username", "case_number")
    date_hierarchy = "at"
