"""The Django admin's pages that show PHI are logged like the desk's (SPEC 8: every read), and
the access log itself, read-only, searchable by user and case."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from appealdesk.access.log import log_access, log_members, log_reads
from appealdesk.access.models import AccessArchive, AccessLog
from appealdesk.access.roles import as_int
from appealdesk.cases.admin import CaseAdmin, PartyAdmin, ReadOnly
from appealdesk.cases.models import Case, Document, Party


def _listed(response: Any) -> list[Any]:
    """The rows a change list page showed (none when it answered with an error or redirect)."""
    changelist = (getattr(response, "context_data", None) or {}).get("cl")
    return list(changelist.result_list) if changelist is not None else []


class LoggedCaseAdmin(CaseAdmin):
    """The Django admin's case page is a read of the case too: it is logged like the desk's."""

    def change_view(self, request: Any, object_id: str, *args: Any, **kwargs: Any) -> Any:
        case = Case.objects.filter(pk=as_int(object_id) or 0).first()
        log_access(request, case.number if case else str(object_id), case, "admin case", True)
        return super().change_view(request, object_id, *args, **kwargs)

    def changelist_view(self, request: Any, extra_context: Any = None) -> Any:
        response = super().changelist_view(request, extra_context)
        log_reads(request, _listed(response), "admin case list")
        return response


class LoggedPartyAdmin(PartyAdmin):
    """A party's record (name, identifiers, contact details) and the list of them."""

    def change_view(self, request: Any, object_id: str, *args: Any, **kwargs: Any) -> Any:
        party = Party.objects.filter(pk=as_int(object_id) or 0).first()
        if party is not None:
            log_members(request, [party], "admin party")
        return super().change_view(request, object_id, *args, **kwargs)

    def changelist_view(self, request: Any, extra_context: Any = None) -> Any:
        response = super().changelist_view(request, extra_context)
        log_members(request, _listed(response), "admin party list")
        return response


class LoggedDocumentAdmin(ReadOnly):
    """A document's page names the case and the file: a read of that case."""

    list_display = ("name", "kind", "case", "uploaded_at")
    list_select_related = ("case",)

    def change_view(self, request: Any, object_id: str, *args: Any, **kwargs: Any) -> Any:
        document = Document.objects.select_related("case").filter(pk=as_int(object_id) or 0).first()
        case = document.case if document is not None else None
        log_access(request, case.number if case else "", case, "admin document", True)
        return super().change_view(request, object_id, *args, **kwargs)

    def changelist_view(self, request: Any, extra_context: Any = None) -> Any:
        response = super().changelist_view(request, extra_context)
        cases = {d.case_id: d.case for d in _listed(response) if d.case_id is not None}
        log_reads(request, cases.values(), "admin document list")
        return response


for model, logged in (
    (Case, LoggedCaseAdmin),
    (Party, LoggedPartyAdmin),
    (Document, LoggedDocumentAdmin),
):
    admin.site.unregister(model)
    admin.site.register(model, logged)


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnly):
    list_display = ("at", "username", "case_number", "what", "allowed", "ip")
    list_filter = ("allowed", "what")
    search_fields = ("username", "case_number")
    date_hierarchy = "at"


@admin.register(AccessArchive)
class AccessArchiveAdmin(ReadOnly):
    """The archived months of the access log (`appealdesk audit`, docs/audit.md), read-only."""

    list_display = ("month", "rows", "archived_at", "verified_at", "pruned_at", "file_name")
