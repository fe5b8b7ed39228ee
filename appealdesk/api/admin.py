"""API keys in the Django admin: made with their scopes and expiry, shown once, revoked."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.utils import timezone

from appealdesk.api import keycache
from appealdesk.api.models import SCOPES, ApiKey


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=[(s, f"{s}: {what}") for s, what in SCOPES.items()],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ApiKey
        fields = ("name", "user", "scopes", "expires_at")


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    form = ApiKeyForm
    list_display = (
        "name",
        "prefix",
        "user",
        "scopes",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username")
    readonly_fields = ("prefix", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def save_model(self, request: Any, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        record, key = ApiKey.issue(
            name=obj.name, user=obj.user, scopes=list(obj.scopes), expires_at=obj.expires_at
        )
        obj.pk, obj.prefix, obj.digest = record.pk, record.prefix, record.digest
        messages.warning(request, f"The key of {obj.name} (shown only now; copy it): {key}")

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False  # revoke instead: the key's history stays

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request: Any, queryset: Any) -> None:
        n = queryset.filter(revoked_at=None).update(revoked_at=timezone.now())
        keycache.forget()  # an update sends no signal
        self.message_user(request, f"{n} key(s) revoked.")
