"""Portal records in the admin: accounts (where staff link a self-registered member to her
record on the plan's files), and read-only evidence (signatures, consent and case-file
requests)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils import timezone

from appealdesk.accounts.models import PortalAccount
from appealdesk.cases.admin import ReadOnly
from appealdesk.cases.models import CaseFileRequest, ExtensionConsentRequest, Signature


@admin.register(PortalAccount)
class PortalAccountAdmin(admin.ModelAdmin):
    """Linking: point the account at the member's existing record (check the person's identity
    first: the registration's name and ID are only what they typed); saving records who linked
    it and when, and from then on the member sees every case of that record."""

    list_display = ("user", "kind", "party", "email_verified_at", "linked_at")
    list_filter = ("kind",)
    search_fields = ("user__email", "party__name", "party__subscriber_id")
    raw_id_fields = ("party",)
    fields = (
        "user",
        "kind",
        "party",
        "email_verified_at",
        "npi",
        "organization",
        "linked_at",
        "linked_by",
        "created_at",
    )
    readonly_fields = (
        "user",
        "kind",
        "email_verified_at",
        "npi",
        "organization",
        "linked_at",
        "linked_by",
        "created_at",
    )

    def has_add_permission(self, request: Any) -> bool:
        return False  # accounts are opened on the portal

    def save_model(self, request: Any, obj: PortalAccount, form: Any, change: bool) -> None:
        if "party" in form.changed_data:
            obj.linked_at, obj.linked_by = timezone.now(), request.user
        super().save_model(request, obj, form, change)


@admin.register(Signature)
class SignatureAdmin(ReadOnly):
    list_display = ("signed_at", "typed_name", "purpose", "case", "account")
    list_filter = ("purpose",)
    search_fields = ("case__number", "typed_name", "sha256")


@admin.register(ExtensionConsentRequest)
class ExtensionConsentRequestAdmin(ReadOnly):
    list_display = ("requested_at", "case", "new_due_at", "answer", "answered_at")
    search_fields = ("case__number",)


@admin.register(CaseFileRequest)
class CaseFileRequestAdmin(ReadOnly):
    list_display = ("requested_at", "case", "account", "fulfilled_at")
    search_fields = ("case__number",)
